"""What reading a tabular file gives: its format, its rows with their spreadsheet row numbers, and how an
importer says what its header row looks like."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

#: The header row must be among this many rows at the top of the file, unless an importer says otherwise.
HEADER_SEARCH_ROWS = 20
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with byte order mark", "cp1252": "Windows-1252"}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass(frozen=True)
class HeaderRule:
    """How an importer recognises its header row, knowing its own column names (the layer knows none).

    ``column_for`` says which of the importer's columns a heading names (None for a heading it does not know). The
    header is the first row with ``at_least`` known headings; failing that, the first non-blank row when one of its
    headings names a column in ``alone`` (a file that is a list of names alone). ``examples`` are headings the
    error message suggests when no header row is found.
    """

    column_for: Callable[[str], str | None]
    at_least: int = 2
    alone: frozenset[str] = frozenset()
    search_rows: int = HEADER_SEARCH_ROWS
    examples: tuple[str, ...] = ()

    def known(self, record: list[str]) -> int:
        """How many of a row's cells are headings of known columns."""
        return sum(1 for cell in record if self.column_for(cell) is not None)

    def names_alone(self, record: list[str]) -> bool:
        """Whether a row names a column that makes it a header by itself."""
        return any(self.column_for(cell) in self.alone for cell in record)

    def not_found(self, *, workbook: bool = False) -> str:
        """What to say when no row of the first ``search_rows`` (nor of the last) is a header."""
        suggestion = " or ".join(f"'{example}'" for example in self.examples)
        such_as = f" such as {suggestion}" if suggestion else ""
        check = "the sheet has" if workbook else "the file is a CSV with"
        return (
            f"Could not find the row of column headings in the first {self.search_rows} rows. "
            f"Check {check} a heading{such_as} above each column"
        )


@dataclass(frozen=True)
class TableFormat:
    """What was detected about a file. ``container`` and ``member`` say where the table came from: 'zip' and the
    CSV's name inside it, 'xlsx' and the workbook's sheet, or None for a plain CSV file.

    ``header_position`` says where the header row was found: 'top' (among the first rows), 'bottom' (among the last
    rows, the data above it) or 'none' (no header: the headings are 'Column 1', 'Column 2', ... and
    ``header_row_number`` is 0). ``title_rows`` are the non-blank rows above the data that are neither the header
    nor data (a title, a note), by row number.
    """

    encoding: str  # "utf-8", "utf-8-sig" or "cp1252"; "" for a workbook (it has no text encoding to choose)
    delimiter: str  # "" for a workbook
    header_row_number: int  # as a spreadsheet shows it, counting title and blank rows; 0 when there is none
    headers: tuple[str, ...]
    container: str | None = None
    member: str | None = None
    header_position: str = "top"
    title_rows: tuple[int, ...] = ()

    @property
    def encoding_name(self) -> str:
        return ENCODING_NAMES.get(self.encoding, "")

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, "")

    @property
    def is_workbook(self) -> bool:
        return self.container == "xlsx"

    @property
    def kind(self) -> str:
        """The kind of file, in words: 'CSV file', 'CSV file in a zip file' or 'Excel workbook'."""
        if self.is_workbook:
            return "Excel workbook"
        return "CSV file in a zip file" if self.container == "zip" else "CSV file"

    @property
    def header_summary(self) -> str:
        """Where the column headings were found, in words."""
        if self.header_position == "none":
            return f"No row of column headings: the {len(self.headers)} columns are numbered"
        where = "Under the data, in row" if self.header_position == "bottom" else "In row"
        return f"{where} {self.header_row_number}"


@dataclass(frozen=True)
class TableRow:
    """One record of the file after the header, with the row number a spreadsheet would show."""

    row_number: int
    cells: tuple[str, ...]
    # The file ends inside this row's quotes: a quote mark was never closed, so the rows after it were read as
    # part of one of its cells.
    unclosed_quote: bool = False

    def cell(self, index: int) -> str:
        """The cell at ``index``, or '' when the row is shorter (a ragged row)."""
        return self.cells[index] if 0 <= index < len(self.cells) else ""


class Table(Protocol):
    """A file being read: its detected format, and its data rows streamed one at a time. Each kind of file (CSV
    today, a workbook's sheet later) has its own reader behind this shape."""

    format: TableFormat
    #: Rows below the header with nothing in them, skipped (known once the rows have been read).
    blank_rows: int

    @property
    def headers(self) -> tuple[str, ...]: ...

    def __iter__(self) -> Iterator[TableRow]: ...

    def close(self) -> None:
        """Release what the reader opened itself (never the caller's stream)."""

    def __enter__(self) -> Table: ...

    def __exit__(self, *exc: object) -> None: ...
