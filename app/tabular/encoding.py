"""Which text encoding a file is in, and whether it is text at all."""

from __future__ import annotations

import codecs
from typing import IO

CHUNK_BYTES = 1024 * 1024

#: Signatures of files that are not text: zip (xlsx, ods, docx), OLE (xls, doc), PDF, gzip, PNG, JPEG.
BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff")
#: A zip starts with its first member, or with the end of its index when it holds nothing.
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")


def looks_binary(sample: bytes) -> bool:
    """True for a spreadsheet, document or image rather than text: a known signature, or NUL bytes."""
    return sample.startswith(BINARY_SIGNATURES) or b"\x00" in sample[:8192]


def is_utf8(data: bytes, final: bool) -> bool:
    """Whether ``data`` decodes strictly as UTF-8; with ``final`` False a character cut at the end is allowed."""
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def stream_is_utf8(stream: IO[bytes]) -> bool:
    """Decode the whole (seekable) stream strictly as UTF-8, a chunk at a time; leave it where it was."""
    start = stream.tell()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        while chunk := stream.read(CHUNK_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(start)
    return True


def detect_encoding(sample: bytes, complete: bool = True) -> str:
    """'utf-8-sig' when there is a byte order mark, 'utf-8' when the bytes decode strictly, else 'cp1252'.

    ``complete`` is False when ``sample`` is the start of a longer file: a character cut at the end is allowed.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return "utf-8" if is_utf8(sample, final=complete) else "cp1252"
