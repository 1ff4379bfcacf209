"""Reading a delimited text file (CSV): its delimiter, its header row wherever it is among the first rows, and its
records streamed one at a time, with quoted cells over several lines, ragged rows and any line ending."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from typing import IO

from app.tabular.encoding import detect_encoding, looks_binary, stream_is_utf8
from app.tabular.errors import FileFormatError
from app.tabular.table import HeaderRule, TableFormat, TableRow

#: Bytes read up front to detect the encoding, delimiter and header row.
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
NOT_TEXT = "The file is not a CSV file. If it is a spreadsheet, save it as 'CSV UTF-8' and upload that"
#: The csv module refuses cells over 131,072 characters and fails the whole file; allow far more, so an
#: over-long cell is one row's problem for the importer rather than the file's.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


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


def _candidate_delimiters(text: str) -> list[str]:
    """The sniffer's choice first, then the rest by how often they occur."""
    counted = sorted(DELIMITERS, key=lambda d: -text.count(d))
    try:
        sniffed = csv.Sniffer().sniff(text[:SAMPLE_BYTES], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return counted
    return [sniffed, *(d for d in counted if d != sniffed)]


def detect_format(sample: bytes, encoding: str, complete: bool, rule: HeaderRule) -> TableFormat:
    """Detect the delimiter and the header row from the start of a file (raises FileFormatError)."""
    text = sample.decode(encoding, errors="replace" if encoding == "cp1252" or not complete else "strict")
    if not complete:
        # Drop what may be a character cut in half at the end of the sample.
        text = text.rstrip("\ufffd")
    if encoding == "utf-8-sig":
        text = text.removeprefix("\ufeff")
    for delimiter in _candidate_delimiters(text):
        records = _records(text, delimiter, complete, rule.search_rows)
        index = find_header_row(records, rule)
        if index is not None:
            headers = tuple(cell.strip() for cell in records[index])
            return TableFormat(encoding, delimiter, index + 1, headers)
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
        # What the reader opened itself (a zip and its member), closed by close(); the caller's stream is left open.
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

        def lines() -> Iterator[str]:
            nonlocal quotes
            for line in text:
                quotes += line.count('"')
                yield line

        try:
            reader = csv.reader(lines(), delimiter=fmt.delimiter)
            held: TableRow | None = None  # one row behind, so the last can be checked for an unclosed quote
            for index, record in enumerate(reader, start=1):
                if index <= fmt.header_row_number:
                    continue
                if not any(cell.strip() for cell in record):
                    self.blank_rows += 1  # counted and said, but carrying nothing: not a data row
                    continue
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


def read_csv(stream: IO[bytes], rule: HeaderRule, *, resources: ExitStack | None = None) -> CsvTable:
    """Detect a CSV file's encoding, delimiter and header row; return a :class:`CsvTable` that streams its rows.

    Only a sample is held in memory. When the stream is seekable the whole file is checked as UTF-8 (chunk by
    chunk) before falling back to Windows-1252; otherwise the sample decides. ``resources`` are what a reader
    opened to give ``stream`` (a zip and its member), for the table to close; they are closed at once if the file
    cannot be read.
    """
    with resources or ExitStack() as opened:
        table_format, body = _detect(stream, rule)
        return CsvTable(table_format, body, opened.pop_all())


def _detect(stream: IO[bytes], rule: HeaderRule) -> tuple[TableFormat, IO[bytes]]:
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
        table_format = detect_format(sample, encoding, complete, rule)
    except UnicodeDecodeError as error:
        raise FileFormatError(
            "The file's text encoding could not be read (it starts as UTF-8 but is not). Save it as CSV UTF-8"
        ) from error
    if seekable:
        stream.seek(start)
        body: IO[bytes] = stream
    else:
        body = prepended(sample, stream)
    return table_format, body
