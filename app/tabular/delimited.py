"""Reading a delimited text file (CSV): its delimiter, its header row (among the first rows, among the last rows, or
none at all when the importer allows it), and its records streamed one at a time, with quoted cells over several
lines, ragged rows and any line ending."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from typing import IO

from app.tabular.encoding import detect_encoding, looks_binary, stream_is_utf8
from app.tabular.errors import FileFormatError
from app.tabular.header import (
    BOTTOM,
    TOP,
    Ends,
    HeaderPlace,
    below_data,
    find_header_row,
    header_at_bottom,
    header_at_top,
    is_blank,
    numbered,
    under_the_data,
)
from app.tabular.table import HeaderRule, TableFormat, TableRow

#: Bytes read up front to detect the encoding, delimiter and header row.
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
NOT_TEXT = "The file is not a CSV file. If it is a spreadsheet, save it as 'CSV UTF-8' and upload that"
#: The csv module refuses cells over 131,072 characters and fails the whole file; allow far more, so an
#: over-long cell is one row's problem for the importer rather than the file's.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
#: Records of the sample that rank the delimiters.
_RANKING_RECORDS = 200
#: The end of a long file read to see whether its header is among its last rows, before reading it through.
TAIL_BYTES = 256 * 1024
#: A stream that cannot be rewound is copied to a temporary file when its header is not at its top (the whole
#: file is read to find it); this much is kept in memory.
_SPOOL_BYTES = 8 * 1024 * 1024

__all__ = ["DELIMITERS", "NOT_TEXT", "SAMPLE_BYTES", "CsvTable", "detect_format", "find_header_row", "read_csv"]


def _records(text: str, delimiter: str, complete: bool, search_rows: int) -> list[list[str]]:
    """The records of a text sample; when the sample is cut short, the last (maybe partial) record is dropped."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            records.append(record)
            if len(records) > search_rows:
                break
    except csv.Error:
        pass  # a malformed record: the header, if any, is above it
    if not complete and len(records) <= search_rows and records:
        records.pop()
    return records


def _candidate_delimiters(text: str) -> list[str]:
    """The delimiters in the order to try them: the one that splits most records of the sample into the same
    number of cells (two or more) first, then by how often each occurs.

    Quote-aware (the csv module's own parser does the splitting) and quick on any sample: csv.Sniffer, used here
    before, ran its regular expressions over the whole sample and took seconds on rows of empty quoted cells.
    """
    scores: dict[str, int] = {}
    for delimiter in DELIMITERS:
        widths: Counter[int] = Counter()
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for index, record in enumerate(reader):
                if index >= _RANKING_RECORDS:
                    break
                if len(record) > 1:
                    widths[len(record)] += 1
        except csv.Error:
            pass  # ranked on the records before the malformed one
        scores[delimiter] = max(widths.values(), default=0)
    return sorted(DELIMITERS, key=lambda d: (-scores[d], -text.count(d)))


def _sample_text(sample: bytes, encoding: str, complete: bool) -> str:
    text = sample.decode(encoding, errors="replace" if encoding == "cp1252" or not complete else "strict")
    if not complete:
        # Drop what may be a character cut in half at the end of the sample.
        text = text.rstrip("\ufffd")
    if encoding == "utf-8-sig":
        text = text.removeprefix("\ufeff")
    return text


def _all_records(text: str, delimiter: str) -> Iterator[list[str]]:
    """Every record of a complete text, stopping quietly at a malformed one."""
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error:
        return


def _ends(records: Iterable[list[str]], rule: HeaderRule) -> Ends:
    ends = Ends(rule)
    for number, record in enumerate(records, start=1):
        ends.add(number, record)
    return ends


def _format(encoding: str, delimiter: str, place: HeaderPlace) -> TableFormat:
    return TableFormat(
        encoding,
        delimiter,
        place.row_number,
        place.headers,
        header_position=place.position,
        title_rows=place.title_rows,
    )


def _at_top(
    text: str, delimiters: list[str], encoding: str, complete: bool, rule: HeaderRule, below: bool
) -> TableFormat | None:
    """The header among the first rows; with ``below``, in a file the sample holds whole, maybe under all of its
    data."""
    for delimiter in delimiters:
        records = _records(text, delimiter, complete, rule.search_rows)
        place = header_at_top(records, rule)
        if place is not None:
            if complete and below:
                numbered_records = enumerate(_all_records(text, delimiter), start=1)
                header_row = place.row_number
                after = ((number, record) for number, record in numbered_records if number > header_row)
                place = under_the_data(place, records, after)
            return _format(encoding, delimiter, place)
    return None


def _at_bottom_of_sample(text: str, delimiters: list[str], encoding: str, rule: HeaderRule) -> TableFormat | None:
    """The header among the last rows of a file the sample holds whole."""
    for delimiter in delimiters:
        place = header_at_bottom(_ends(_all_records(text, delimiter), rule), rule)
        if place is not None:
            return _format(encoding, delimiter, place)
    return None


def _numbered(text: str, delimiters: list[str], encoding: str, complete: bool, rule: HeaderRule) -> TableFormat:
    """No header: numbered columns, split by the likeliest delimiter."""
    delimiter = delimiters[0]
    records: Iterable[list[str]] = _all_records(text, delimiter)
    if not complete:
        records = _records(text, delimiter, complete, len(text))
    place = numbered(records, rule)
    if place is None:
        raise FileFormatError("The file is empty" if complete else rule.not_found())
    return _format(encoding, delimiter, place)


def detect_format(
    sample: bytes,
    encoding: str,
    complete: bool,
    rule: HeaderRule,
    *,
    allow_no_header: bool = False,
    header_below_data: bool | None = None,
) -> TableFormat:
    """Detect the delimiter and the header row from the start of a file (raises FileFormatError).

    The header is looked for among the first rows, then (``header_below_data``, when the sample is the whole file)
    under the data; with ``allow_no_header`` a file with neither is read with numbered columns.
    """
    below = below_data(allow_no_header, header_below_data)
    text = _sample_text(sample, encoding, complete)
    delimiters = _candidate_delimiters(text)
    found = _at_top(text, delimiters, encoding, complete, rule, below)
    if found is None and complete and below:
        found = _at_bottom_of_sample(text, delimiters, encoding, rule)
    if found is not None:
        return found
    if allow_no_header:
        return _numbered(text, delimiters, encoding, complete, rule)
    raise FileFormatError(rule.not_found())


def prepended(head: bytes, tail: IO[bytes]) -> IO[bytes]:
    """A stream that gives ``head`` (bytes already read from a stream that cannot be rewound) and then the rest."""
    return io.BufferedReader(_Prepended(head, tail))


class _Prepended(io.RawIOBase):
    """A read-only stream that gives ``head`` and then the rest of ``tail``."""

    def __init__(self, head: bytes, tail: IO[bytes]) -> None:
        super().__init__()
        self._head = head
        self._tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._tail.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class CsvTable:
    """A CSV file being read: its detected format, and its rows streamed one at a time."""

    def __init__(self, table_format: TableFormat, body: IO[bytes], resources: ExitStack | None = None) -> None:
        self.format = table_format
        self._body = body
        # What the reader opened itself (a zip and its member, a temporary copy), closed by close(); the caller's
        # stream is left open.
        self._resources = resources or ExitStack()
        self.blank_rows = 0

    @property
    def headers(self) -> tuple[str, ...]:
        return self.format.headers

    def close(self) -> None:
        self._resources.close()

    def __enter__(self) -> CsvTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[TableRow]:
        fmt = self.format
        errors = "replace" if fmt.encoding == "cp1252" else "strict"
        # newline="" hands the csv module every line ending as written (CRLF, LF or a lone CR, as old Mac exports
        # and some council systems write), so quoted line breaks survive and CR-only files split into rows.
        text = io.TextIOWrapper(self._body, encoding=fmt.encoding, errors=errors, newline="")
        index = 0
        quotes = 0
        self.blank_rows = 0
        # Header at the top: the rows below it. At the bottom, or none: every row but the header and a title above
        # the data; blank rows count from the first data row.
        below = fmt.header_row_number if fmt.header_position == TOP else 0
        skipped = {fmt.header_row_number, *fmt.title_rows} if fmt.header_position == BOTTOM else set()
        started = fmt.header_position == TOP

        def lines() -> Iterator[str]:
            nonlocal quotes
            for line in text:
                quotes += line.count('"')
                yield line

        try:
            reader = csv.reader(lines(), delimiter=fmt.delimiter)
            held: TableRow | None = None  # one row behind, so the last can be checked for an unclosed quote
            for index, record in enumerate(reader, start=1):
                if index <= below or index in skipped:
                    continue
                if is_blank(record):
                    if started:
                        self.blank_rows += 1  # counted and said, but carrying nothing: not a data row
                    continue
                started = True
                if held is not None:
                    yield held
                held = TableRow(index, tuple(record))
            if held is not None:
                # An odd number of quote marks in the file, and a line break in the last row: the reader reached
                # the end of the file inside a quoted cell.
                swallowed = quotes % 2 == 1 and any("\n" in cell or "\r" in cell for cell in held.cells)
                yield replace(held, unclosed_quote=swallowed)
        except csv.Error as error:
            raise FileFormatError(f"The file could not be read after row {index}: {error}") from error
        except UnicodeDecodeError as error:
            raise FileFormatError(
                f"The file could not be read after row {index}: it mixes text encodings. Save it as CSV UTF-8"
            ) from error
        finally:
            text.detach()  # leave the underlying stream open


def read_csv(
    stream: IO[bytes],
    rule: HeaderRule,
    *,
    resources: ExitStack | None = None,
    allow_no_header: bool = False,
    header_below_data: bool | None = None,
) -> CsvTable:
    """Detect a CSV file's encoding, delimiter and header row; return a :class:`CsvTable` that streams its rows.

    Only a sample is held in memory. When the stream is seekable the whole file is checked as UTF-8 (chunk by
    chunk) before falling back to Windows-1252; otherwise the sample decides. With ``header_below_data`` (by
    default, when ``allow_no_header``) a header not among the first rows is looked for under the data, among the
    last rows (a stream that cannot be rewound is then copied to a temporary file first); with ``allow_no_header``
    a file with no header is read with numbered columns. ``resources`` are what a reader
    opened to give ``stream`` (a zip and its member), for the table to close; they are closed at once if the file
    cannot be read.
    """
    with resources or ExitStack() as opened:
        below = below_data(allow_no_header, header_below_data)
        table_format, body = _detect(stream, rule, opened, allow_no_header, below)
        return CsvTable(table_format, body, opened.pop_all())


def _detect(
    stream: IO[bytes], rule: HeaderRule, resources: ExitStack, allow_no_header: bool, below: bool
) -> tuple[TableFormat, IO[bytes]]:
    """The file's format, and a stream of it from its start."""
    seekable = stream.seekable()
    start = stream.tell() if seekable else 0
    sample = stream.read(SAMPLE_BYTES)
    if not sample.strip():
        raise FileFormatError("The file is empty")
    if looks_binary(sample):
        raise FileFormatError(NOT_TEXT)
    complete = len(sample) < SAMPLE_BYTES
    encoding = detect_encoding(sample, complete)
    if encoding == "utf-8" and not complete and seekable:
        stream.seek(start)
        if not stream_is_utf8(stream):
            encoding = "cp1252"
    try:
        text = _sample_text(sample, encoding, complete)
    except UnicodeDecodeError as error:
        raise FileFormatError(
            "The file's text encoding could not be read (it starts as UTF-8 but is not). Save it as CSV UTF-8"
        ) from error
    delimiters = _candidate_delimiters(text)
    table_format = _at_top(text, delimiters, encoding, complete, rule, below)
    if table_format is None and complete and below:
        table_format = _at_bottom_of_sample(text, delimiters, encoding, rule)
    elif table_format is None and below:
        if not seekable:
            # The rest of the file must be read to find its header, and read again for its rows.
            return _detect(_spooled(sample, stream, resources), rule, resources, allow_no_header, below)
        table_format = _at_bottom_of_stream(stream, start, encoding, delimiters, rule)
    if table_format is None and allow_no_header:
        table_format = _numbered(text, delimiters, encoding, complete, rule)
    if table_format is None:
        raise FileFormatError(rule.not_found())
    if seekable:
        stream.seek(start)
        body: IO[bytes] = stream
    else:
        body = prepended(sample, stream)
    return table_format, body


def _spooled(sample: bytes, stream: IO[bytes], resources: ExitStack) -> IO[bytes]:
    """A temporary copy of a stream that cannot be rewound (``sample`` already read from it), closed with
    ``resources``."""
    copy = resources.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES))  # noqa: SIM115 - closed with resources
    copy.write(sample)
    shutil.copyfileobj(stream, copy)
    copy.seek(0)
    return copy


def _at_bottom_of_stream(
    stream: IO[bytes], start: int, encoding: str, delimiters: list[str], rule: HeaderRule
) -> TableFormat | None:
    """The header among the last rows of a file longer than the sample (a seekable stream, left at ``start``).

    The file's end is looked at first, so a file with no header there is not read through once per delimiter;
    when it shows a header, the file is read through (records only, none held) to number the rows exactly.
    """
    for delimiter in delimiters:
        if not _tail_shows_header(stream, encoding, delimiter, rule):
            continue
        ends = Ends(rule)
        stream.seek(start)
        text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
        try:
            for number, record in enumerate(csv.reader(text, delimiter=delimiter), start=1):
                ends.add(number, record)
        except csv.Error:
            continue  # the file cannot be read through with this delimiter
        finally:
            text.detach()
            stream.seek(start)
        place = header_at_bottom(ends, rule)
        if place is not None:
            return _format(encoding, delimiter, place)
    return None


def _tail_shows_header(stream: IO[bytes], encoding: str, delimiter: str, rule: HeaderRule) -> bool:
    """Whether the last TAIL_BYTES of the file hold a row with enough known headings. The tail is read from its
    first line break, both as it comes and as if inside a quoted cell (it may start in one)."""
    stream.seek(0, io.SEEK_END)
    end = stream.tell()
    stream.seek(max(0, end - TAIL_BYTES))
    tail = stream.read(TAIL_BYTES).decode(encoding, errors="replace")
    breaks = [at for at in (tail.find("\n"), tail.find("\r")) if at >= 0]
    tail = tail[min(breaks) + 1 :] if breaks else tail
    for text in (tail, '"' + tail):
        if any(rule.known(record) >= rule.at_least for record in _all_records(text, delimiter)):
            return True
    return False
