"""A zip file holding one CSV file, as some councils publish large files: opened, checked and streamed. (An Excel
workbook is a zip file too: :mod:`app.tabular.workbook` reads those, opened here.)

The CSV is never unpacked to disk or memory whole: its rows are read from the zip as they are needed. A member
that says it unpacks to more than a cap is refused before any of it is read, whatever its compression ratio, and
zipfile never gives more than a member's stated size (it stops there and checks the CRC), so a small upload cannot
make the server inflate gigabytes (a "zip bomb"). Only stored and deflated members are read: zipfile inflates those
a bounded chunk at a time, where bzip2 and LZMA chunks could expand without limit in memory.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
import zlib
from contextlib import ExitStack
from dataclasses import replace
from typing import IO

from app.tabular.delimited import NOT_TEXT, CsvTable, read_csv
from app.tabular.errors import FileFormatError
from app.tabular.table import HeaderRule

#: The most a zipped CSV may unpack to. A year of a metropolitan council's payments is about 55 MB.
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
#: Non-seekable zips are copied to a temporary file (a zip's index is at its end); this much is kept in memory.
_SPOOL_BYTES = 8 * 1024 * 1024
#: Files that say a zip is a workbook or document (Excel, OpenDocument, Word), not a folder of files.
_DOCUMENT_MARKERS = frozenset({"[Content_Types].xml", "mimetype"})
_READABLE_COMPRESSION = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
DAMAGED = "The zip file is damaged, so it could not be read. Zip the CSV file again, or upload the CSV file itself"
DAMAGED_WORKBOOK = (
    "The workbook is damaged, so it could not be read. Open it in Excel and save it again as an Excel Workbook "
    "(.xlsx) or as 'CSV UTF-8', and upload that"
)
#: The names a workbook's first zip member has (Excel writes [Content_Types].xml first, other programs the parts):
#: a damaged zip starting with one is said to be a damaged workbook.
_WORKBOOK_PARTS = (b"[Content_Types].xml", b"xl/", b"docProps/", b"_rels/")
UNREADABLE_COMPRESSION = (
    "The zip file is compressed in a way we cannot unpack. Zip it again with your computer's own 'compress' option, "
    "or upload the CSV file itself"
)


def _size_words(size: int) -> str:
    return f"{size / 1_000_000:,.0f} MB" if size >= 1_000_000 else f"{size:,} bytes"


def _hidden(name: str) -> bool:
    """Folders and the files a Mac or Windows adds when zipping (__MACOSX/, ._name, Thumbs.db): not the data."""
    parts = name.split("/")
    return name.endswith("/") or parts[0] == "__MACOSX" or parts[-1].startswith(".") or parts[-1] == "Thumbs.db"


class _Member(io.RawIOBase):
    """A zip member's bytes, with a damaged zip's errors (a bad CRC, broken deflate data) said as
    :class:`FileFormatError`, as every other reason a file cannot be read is."""

    def __init__(self, member: IO[bytes]) -> None:
        super().__init__()
        self._member = member

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._member.seekable()

    def tell(self) -> int:
        return self._member.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            return self._member.seek(offset, whence)
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:  # seeking forward reads
            raise FileFormatError(DAMAGED) from error

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._member.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise FileFormatError(DAMAGED) from error
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._member.close()
        super().close()


def rewindable(stream: IO[bytes], resources: ExitStack) -> IO[bytes]:
    """The stream itself when it can be rewound, else a temporary copy closed with ``resources``."""
    if stream.seekable():
        return stream
    copy = resources.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES))  # noqa: SIM115 - closed with resources
    shutil.copyfileobj(stream, copy)
    copy.seek(0)
    return copy


def _first_member_is_a_workbook_part(stream: IO[bytes]) -> bool:
    """Whether the zip's first member (its local header, at the start) is named as a workbook's parts are."""
    start = stream.tell()
    try:
        header = stream.read(30 + 64)
    finally:
        stream.seek(start)
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        return False
    length = int.from_bytes(header[26:28], "little")
    return header[30 : 30 + length].startswith(_WORKBOOK_PARTS)


def open_archive(stream: IO[bytes], resources: ExitStack) -> tuple[zipfile.ZipFile, IO[bytes]]:
    """Open a zip file (closed with ``resources``; the caller's stream is left open), and the rewindable stream it
    reads (the caller's, or a temporary copy of a stream that cannot be rewound), left at the file's start."""
    body = rewindable(stream, resources)
    start = body.tell()
    try:
        archive = resources.enter_context(zipfile.ZipFile(body))
    except (zipfile.BadZipFile, EOFError) as error:
        body.seek(start)
        raise FileFormatError(DAMAGED_WORKBOOK if _first_member_is_a_workbook_part(body) else DAMAGED) from error
    body.seek(start)  # the zip seeks for itself on every read; the stream is left at the file's start for others
    return archive, body


def read_zipped_csv(
    stream: IO[bytes],
    rule: HeaderRule,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
    *,
    allow_no_header: bool = False,
    header_below_data: bool | None = None,
) -> CsvTable:
    """Open a zip holding exactly one CSV file and read that file (raises FileFormatError, saying why not).

    The table holds the zip open; close it when done (the caller's stream is left open).
    """
    with ExitStack() as resources:
        archive, _ = open_archive(stream, resources)
        return read_csv_in_archive(
            archive,
            rule,
            resources,
            max_unzipped_bytes,
            allow_no_header=allow_no_header,
            header_below_data=header_below_data,
        )


def read_csv_in_archive(
    archive: zipfile.ZipFile,
    rule: HeaderRule,
    resources: ExitStack,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
    *,
    allow_no_header: bool = False,
    header_below_data: bool | None = None,
) -> CsvTable:
    """Read the one CSV file in an open zip; the table takes over ``resources`` (the zip and its member) and
    closes them; they are closed at once if the file cannot be read."""
    member = the_csv(archive, max_unzipped_bytes)
    try:
        opened = archive.open(member)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:  # a damaged local header
        raise FileFormatError(DAMAGED) from error
    body = resources.enter_context(io.BufferedReader(_Member(opened)))
    table = read_csv(
        body, rule, resources=resources.pop_all(), allow_no_header=allow_no_header, header_below_data=header_below_data
    )
    table.format = replace(table.format, container="zip", member=member.filename)
    return table


def the_csv(archive: zipfile.ZipFile, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES) -> zipfile.ZipInfo:
    """The one CSV file in a zip, checked: not a workbook, one CSV, no password, readable, not too large."""
    members = [info for info in archive.infolist() if not _hidden(info.filename)]
    if {info.filename for info in members} & _DOCUMENT_MARKERS:
        raise FileFormatError(NOT_TEXT)
    csvs = [info for info in members if info.filename.casefold().endswith(".csv")]
    if not csvs:
        raise FileFormatError(
            "The zip file has no CSV file in it. Upload the CSV file itself, or a zip file with one CSV file in it"
        )
    if len(csvs) > 1:
        listed = ", ".join(info.filename for info in csvs[:5]) + (", ..." if len(csvs) > 5 else "")
        raise FileFormatError(
            f"The zip file has {len(csvs)} CSV files in it ({listed}). Upload them one at a time, each on its own "
            "or in a zip file of its own"
        )
    member = csvs[0]
    if member.flag_bits & 0x1:
        raise FileFormatError(
            f"'{member.filename}' in the zip file is protected by a password. Unzip it and upload the CSV file itself"
        )
    if member.compress_type not in _READABLE_COMPRESSION:
        raise FileFormatError(UNREADABLE_COMPRESSION)
    if member.file_size > max_unzipped_bytes:
        raise FileFormatError(
            f"'{member.filename}' in the zip file is {_size_words(member.file_size)} unzipped, more than the "
            f"{_size_words(max_unzipped_bytes)} we can take. Split it into smaller files"
        )
    return member
