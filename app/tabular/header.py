"""Where a table's header row is: among its first rows (the usual place), among its last rows (some councils'
exports write the column headings under the data), or nowhere (the columns are then numbered, for a person to say
what each holds). The same rules serve a CSV file and a workbook's sheet: both give records as lists of text."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.tabular.table import HeaderRule

TOP = "top"
BOTTOM = "bottom"
NONE = "none"
HEADER_POSITIONS = (TOP, BOTTOM, NONE)


def below_data(allow_no_header: bool, header_below_data: bool | None) -> bool:
    """Whether to look for the header under the data: as asked, else when a file with no header is allowed (a
    caller that takes a file with no header takes one with its header at the foot, rather than read that header
    as a row of data)."""
    return allow_no_header if header_below_data is None else header_below_data


def is_blank(record: Sequence[str]) -> bool:
    """A record with nothing in it but spaces (a row of empty cells, as exports often end with)."""
    return not any(cell.strip() for cell in record)


def width(record: Sequence[str]) -> int:
    """How many cells a record has up to its last non-blank one (empty cells after it carry nothing)."""
    for index in range(len(record) - 1, -1, -1):
        if record[index].strip():
            return index + 1
    return 0


@dataclass(frozen=True)
class HeaderPlace:
    """Where the header row was found: its position ('top', 'bottom' or 'none'), its row number as a spreadsheet
    shows it (0 when there is none), its headings, and the non-blank rows that are neither header nor data."""

    position: str
    row_number: int
    headers: tuple[str, ...]
    title_rows: tuple[int, ...] = ()


def find_header_row(records: Iterable[list[str]], rule: HeaderRule) -> int | None:
    """The 0-based index of the header among the first ``rule.search_rows`` records, or None (see HeaderRule)."""
    first: int | None = None
    first_alone = False
    for index, record in enumerate(records):
        if index >= rule.search_rows:
            break
        if first is None and any(cell.strip() for cell in record):
            first = index
            first_alone = rule.names_alone(record)
        if rule.known(record) >= rule.at_least:
            return index
    return first if first_alone else None


def header_at_top(records: Sequence[list[str]], rule: HeaderRule) -> HeaderPlace | None:
    """The header among the first records (``records`` starts at the file's first row), or None."""
    index = find_header_row(records, rule)
    if index is None:
        return None
    titles = tuple(number for number, record in enumerate(records[:index], start=1) if not is_blank(record))
    return HeaderPlace(TOP, index + 1, tuple(cell.strip() for cell in records[index]), titles)


class Ends:
    """The first records of a file and its last non-blank ones, each with its row number, gathered in one pass
    without holding the rest."""

    def __init__(self, rule: HeaderRule) -> None:
        self.first: list[tuple[int, list[str]]] = []
        self.last: deque[tuple[int, list[str]]] = deque(maxlen=rule.search_rows)
        self.filled = 0  # non-blank records in the whole file
        self.first_wide: int | None = None  # the first record with two or more cells filled in
        self._keep = rule.search_rows

    def add(self, number: int, record: list[str]) -> None:
        if len(self.first) < self._keep:
            self.first.append((number, record))
        if not is_blank(record):
            self.last.append((number, record))
            self.filled += 1
            if self.first_wide is None and _filled(record) >= 2:
                self.first_wide = number


def _filled(record: Sequence[str]) -> int:
    return sum(1 for cell in record if cell.strip())


def header_at_bottom(ends: Ends, rule: HeaderRule) -> HeaderPlace | None:
    """The header among the file's last non-blank records, under the data, or None.

    The lowest row with ``rule.at_least`` known headings is the header (a file that names its columns under its
    data), when no row below it has more than one cell filled in (a note may follow; data may not: a header
    with rows of data below it is a header at the top, further down than the rows searched) and there is data
    above it. A row naming a column alone does not count here: at the foot of a file it is as likely a note. The
    rows above the header are the data, apart from a title: rows at the very top with one cell filled in, before
    the first row with two or more (only when the header itself has two or more headings).
    """
    last = list(ends.last)
    for at in range(len(last) - 1, -1, -1):
        number, record = last[at]
        if rule.known(record) < rule.at_least:
            continue
        below = last[at + 1 :]
        if any(_filled(row) > 1 for _, row in below):
            return None
        headers = tuple(cell.strip() for cell in record)
        titles = _titles(ends.first, number, headers)
        if _headings(headers) >= 2:
            data_above = ends.first_wide is not None and ends.first_wide < number
        else:
            data_above = ends.filled - 1 - len(below) > 0
        if not data_above:
            return None  # nothing above it but a title: not a table
        return HeaderPlace(BOTTOM, number, headers, (*titles, *(n for n, _ in below)))
    return None


def _headings(headers: Sequence[str]) -> int:
    return sum(1 for heading in headers if heading)


def _titles(first: Sequence[tuple[int, list[str]]], header: int, headers: Sequence[str]) -> tuple[int, ...]:
    if _headings(headers) < 2:
        return ()
    titles: list[int] = []
    for number, record in first:
        if number >= header:
            break
        filled = _filled(record)
        if filled >= 2:
            break
        if filled == 1:
            titles.append(number)
    return tuple(titles)


def under_the_data(
    place: HeaderPlace, first: Sequence[list[str]], below: Iterable[tuple[int, list[str]]]
) -> HeaderPlace:
    """A header found among the first rows of a short file may be under its data: when rows above it have two or
    more cells filled in and no row below it has (a note may follow), it is (see :func:`header_at_bottom`).

    ``first`` are the file's first records (from its first row, at least down to the header); ``below`` the
    records after the header with their row numbers, read only until one has data.
    """
    if place.position != TOP or _headings(place.headers) < 2:
        return place
    above = first[: place.row_number - 1]
    if not any(_filled(record) >= 2 for record in above):
        return place
    notes: list[int] = []
    for number, record in below:
        filled = _filled(record)
        if filled >= 2:
            return place
        if filled == 1:
            notes.append(number)
    titles = _titles(list(enumerate(above, start=1)), place.row_number, place.headers)
    return HeaderPlace(BOTTOM, place.row_number, place.headers, (*titles, *notes))


def numbered(records: Iterable[Sequence[str]], rule: HeaderRule) -> HeaderPlace | None:
    """No header: the columns named 'Column 1', 'Column 2', ... as wide as the widest of the first non-blank
    records (None when there is nothing in them)."""
    widest = 0
    seen = 0
    for record in records:
        if is_blank(record):
            continue
        widest = max(widest, width(record))
        seen += 1
        if seen >= rule.search_rows:
            break
    if not widest:
        return None
    return HeaderPlace(NONE, 0, tuple(f"Column {number}" for number in range(1, widest + 1)))
