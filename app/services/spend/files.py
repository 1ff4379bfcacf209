"""Opening a spend file as councils publish it: a CSV, a zip holding one CSV, a gzipped CSV or a workbook's sheet,
read with the spend header rule (the header row at the top, at the bottom, or missing), and kept in the upload
folder between the upload and the import."""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from app.domain.spend.columns import SPEND_HEADER_RULE
from app.services.imports.storage import open_upload, stored_file_in_use
from app.tabular import FileFormatError, Table, TableFormat, TableRow, read_table

#: The first bytes of a gzip file (as North West Open Data's cleaned spend files come).
GZIP_SIGNATURE = b"\x1f\x8b"
#: Rows kept from the top of a file for the column page's sample values.
SAMPLE_ROWS = 5
#: A sample cell longer than this is cut (a description can run to thousands of characters).
SAMPLE_CELL_CHARS = 120
NO_LONGER_KEPT = "The file for this batch is no longer kept on the server. Upload it again"
DAMAGED_GZIP = "The gzip file is damaged, so it could not be read. Upload the CSV file itself"


def open_spend_file(stream: IO[bytes], file_name: str, sheet: str | None = None) -> Table:
    """The file's table: its format detected and its rows streamed (raises FileFormatError, fit to show).

    A file with no row of headings is read with headings 'Column 1', 'Column 2', ... for the officer to map by the
    sample values. A gzipped file is unpacked as it is read, never whole. ``file_name`` is the name the file was
    uploaded with (it names the file in messages); ``sheet`` chooses a workbook's sheet.
    """
    head = _head(stream)
    if head.startswith(GZIP_SIGNATURE):
        unpacked = io.BufferedReader(_GzipRaw(gzip.GzipFile(fileobj=stream, mode="rb")))
        try:
            table = read_table(unpacked, SPEND_HEADER_RULE, sheet=sheet, allow_no_header=True)
        except BaseException:
            unpacked.close()
            raise
        return _GzippedTable(table, unpacked)
    return read_table(stream, SPEND_HEADER_RULE, sheet=sheet, allow_no_header=True)


def _head(stream: IO[bytes]) -> bytes:
    start = stream.tell()
    head = stream.read(2)
    stream.seek(start)
    return head


class _GzipRaw(io.RawIOBase):
    """A gzip stream's bytes, with a damaged or cut-short file said as FileFormatError while the rows are read."""

    def __init__(self, unpacked: gzip.GzipFile) -> None:
        super().__init__()
        self._unpacked = unpacked

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._unpacked.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            return self._unpacked.seek(offset, whence)
        except (OSError, EOFError, zlib.error) as error:  # seeking reads
            raise FileFormatError(DAMAGED_GZIP) from error

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._unpacked.read(len(buffer))
        except (OSError, EOFError, zlib.error) as error:
            raise FileFormatError(DAMAGED_GZIP) from error
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._unpacked.close()  # the caller's file under it stays open
        super().close()


class _GzippedTable:
    """A table read from a gzip stream: closing it closes the gzip stream too (the caller's file stays open)."""

    def __init__(self, table: Table, unpacked: IO[bytes]) -> None:
        self._table = table
        self._unpacked = unpacked
        self.format: TableFormat = replace(table.format, container="gzip")

    @property
    def blank_rows(self) -> int:
        return self._table.blank_rows

    @blank_rows.setter
    def blank_rows(self, value: int) -> None:
        self._table.blank_rows = value

    @property
    def headers(self) -> tuple[str, ...]:
        return self._table.headers

    def __iter__(self) -> Iterator[TableRow]:
        return iter(self._table)

    def close(self) -> None:
        self._table.close()
        self._unpacked.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sha256_of(stream: IO[bytes]) -> str:
    """The SHA-256 of a stream from where it is to its end, read in chunks; the stream is put back where it was."""
    start = stream.tell()
    digest = hashlib.sha256()
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    stream.seek(start)
    return digest.hexdigest()


def sample_rows(table: Table, count: int = SAMPLE_ROWS) -> list[list[str]]:
    """The first data rows' cells (each cut to a readable length), for the column page to show beside each heading.

    Reads only those rows; the table is then done with (open the file again to read it whole)."""
    return [[_cut(cell) for cell in row.cells] for row in islice(iter(table), count)]


def _cut(cell: str) -> str:
    cell = cell.strip()
    return cell if len(cell) <= SAMPLE_CELL_CHARS else cell[: SAMPLE_CELL_CHARS - 1] + "…"


def open_stored(folder: Path, name: str | None) -> IO[bytes]:
    """A stored upload, opened for reading (raises FileFormatError when it is no longer kept)."""
    try:
        return open_upload(folder, name)
    except FileNotFoundError as error:
        raise FileFormatError(NO_LONGER_KEPT) from error


def forget_unused(session: Session, folder: Path, name: str | None) -> None:
    """Delete a stored upload that no batch refers to (a refused file's, or a command's that rolled back)."""
    if name and not stored_file_in_use(session, name):
        (folder / Path(name).name).unlink(missing_ok=True)
