"""Reading any tabular file the service takes: a CSV file, or a zip file holding one CSV file."""

from __future__ import annotations

from typing import IO

from app.tabular.delimited import SAMPLE_BYTES, prepended, read_csv
from app.tabular.encoding import ZIP_SIGNATURES
from app.tabular.table import HeaderRule, Table
from app.tabular.zipped import MAX_UNZIPPED_BYTES, read_zipped_csv


def _peek(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The first bytes of a stream, and a stream that still starts at them."""
    if stream.seekable():
        start = stream.tell()
        head = stream.read(4)
        stream.seek(start)
        return head, stream
    head = stream.read(SAMPLE_BYTES)
    return head, prepended(head, stream)


def read_table(
    stream: IO[bytes], header: HeaderRule, *, zipped: bool = True, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES
) -> Table:
    """Read a tabular file: detect its kind, encoding, delimiter and header row, and stream its rows.

    A zip file is read as the one CSV file in it (``zipped`` False refuses it as not a CSV file, as any other
    binary file is). Raises :class:`~app.tabular.errors.FileFormatError` with a message fit to show. Close the
    table when done with it; the caller's stream is never closed.
    """
    head, stream = _peek(stream)
    if zipped and head.startswith(ZIP_SIGNATURES):
        return read_zipped_csv(stream, header, max_unzipped_bytes)
    return read_csv(stream, header)
