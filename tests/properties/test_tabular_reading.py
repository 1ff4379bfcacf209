"""Property tests of the reading layer (app/tabular: read_table and iterating a Table).

Two kinds: any bytes at all either read or fail with FileFormatError; and any table Python's csv.writer
writes (quotes, delimiters and line breaks inside cells, any Unicode) reads back cell for cell, in each encoding
and delimiter the reader detects, with the row numbers a spreadsheet would show, plain or in a zip.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from typing import IO

import pytest
from hypothesis import assume, event, example, given, settings
from hypothesis import strategies as st

from app.tabular import (
    DELIMITERS,
    HEADER_SEARCH_ROWS,
    SAMPLE_BYTES,
    FileFormatError,
    Table,
    TableRow,
    looks_binary,
    read_table,
)
from tests.tabular.helpers import RULE, column_for

BOM = codecs.BOM_UTF8


class OneWay(io.RawIOBase):
    """A stream that cannot seek, like an upload read straight from the request."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_file(stream: IO[bytes]) -> Table:
    return read_table(stream, RULE)


def read_all(stream: IO[bytes]) -> list[TableRow]:
    with read_file(stream) as table:
        return list(table)


# --- Any bytes ----------------------------------------------------------------------------------------------------

#: Pieces that get past the first checks (a header, delimiters, quotes, line breaks, encodings) more often than
#: random bytes would.
PIECE_LIST = [
    b"name",
    b"Name",
    b"postcode",
    b"Post code",
    b"email",
    b",",
    b";",
    b"\t",
    b'"',
    b'""',
    b"\r\n",
    b"\n",
    b"\r",
    b" ",
    b"\xe9",  # é in Windows-1252, not UTF-8
    b"\xc3\xa9",  # é in UTF-8
    b"\xe2\x82",  # a UTF-8 character cut short
    b"\x81",  # undefined in Windows-1252
    b"\x00",
    b"=1+1",
]
PIECES = st.sampled_from(PIECE_LIST)
CSV_ISH_BYTES = st.one_of(
    st.binary(max_size=300),
    st.lists(PIECES | st.binary(max_size=4), max_size=60).map(b"".join),
    st.builds(
        lambda body: b"name,postcode\r\n" + body, st.lists(PIECES | st.binary(max_size=4), max_size=40).map(b"".join)
    ),
)


def reads_or_refuses(data: bytes, seekable: bool) -> None:
    stream: IO[bytes] = io.BytesIO(data) if seekable else io.BufferedReader(OneWay(data))
    try:
        with read_file(stream) as table:
            rows = list(table)
    except FileFormatError as error:
        assert str(error)
        event("refused")
        return
    event("read")
    fmt = table.format
    assert fmt.encoding_name and fmt.delimiter_name  # a delimiter and encoding the reader names
    assert 1 <= fmt.header_row_number <= HEADER_SEARCH_ROWS
    numbers = [row.row_number for row in rows]
    assert numbers == sorted(set(numbers))
    assert all(n > fmt.header_row_number for n in numbers)
    assert all(any(cell.strip() for cell in row.cells) for row in rows)
    assert not any(row.unclosed_quote for row in rows[:-1])


@given(CSV_ISH_BYTES.filter(lambda data: not (data.startswith(BOM) and not _is_utf8(data))), st.booleans())
@example(b"name,postcode\r\n\xff,x\r\n", True)  # Windows-1252, by the sample
@example(b"name,postcode\r\n" + "caf\u00e9".encode() + b"\xe9", False)  # mixes encodings, one-way stream
@example(b"name,postcode\r\n\x00", True)
@example(b'name,postcode\r\n"unclosed,x\r\nmore', True)
def test_any_bytes_read_or_raise_file_format_error(data: bytes, seekable: bool) -> None:
    reads_or_refuses(data, seekable)


@pytest.mark.parametrize(
    "data",
    [BOM + b"\xff", BOM + b"name,postcode\r\nCaf\xe9 Ltd,L36 9GD\r\n"],
    ids=["minimal", "a-windows-1252-row-after-a-utf-8-bom"],
)
def test_a_byte_order_mark_before_bytes_that_are_not_utf8_is_a_file_format_error(data: bytes) -> None:
    with pytest.raises(FileFormatError):
        read_all(io.BytesIO(data))


#: UTF-8 pieces only: after a byte order mark, bytes that are not UTF-8 meet the bug above.
UTF8_PIECES = st.sampled_from([p for p in PIECE_LIST if _is_utf8(p)]) | st.text(max_size=3).map(str.encode)
UTF8_CSV_ISH = st.lists(UTF8_PIECES, max_size=60).map(b"".join)


@given(
    st.sampled_from([BOM, BOM + b"name,postcode\r\n"]).flatmap(lambda head: UTF8_CSV_ISH.map(head.__add__)),
    st.booleans(),
)
def test_any_utf8_after_a_byte_order_mark_reads_or_raises_file_format_error(data: bytes, seekable: bool) -> None:
    reads_or_refuses(data, seekable)


# --- Tables csv.writer wrote read back ------------------------------------------------------------------------------

#: Any character but NUL (a NUL byte makes the file binary, by design), with the ones CSV cares about often.
CHARACTER = st.sampled_from("\",;\t\r\n \u00a0'=\u00e9\u00a3\u20ac\ufeff\u2028") | st.characters(
    codec="utf-8", exclude_characters="\x00"
)
CELL = st.text(alphabet=CHARACTER, max_size=12)
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")


def wrong_delimiter_finds_a_column(text: str, delimiter: str) -> bool:
    """Whether the text, split on another delimiter, has any cell that names one of our columns.

    Only then could the reader take that other delimiter for the file's (the header it looks for names at least
    one known column), so such a file is one the reader cannot tell from a different table: left out.
    """
    for other in DELIMITERS:
        if other == delimiter:
            continue
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=other)
        for index, record in enumerate(reader):
            if index > HEADER_SEARCH_ROWS:
                break
            if any(column_for(cell) for cell in record):
                return True
    return False


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A header naming 'name' and 'postcode' among other headings, and ragged rows of any cells."""
    others = draw(st.lists(CELL, max_size=4))
    header = list(others)
    header.insert(draw(st.integers(0, len(header))), "name")
    header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(["postcode", "Postcode", " Post code "])))
    rows = draw(st.lists(st.lists(CELL, max_size=len(header) + 2), max_size=10))
    return header, rows


def written(header: list[str] | None, rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def encoded(text: str, encoding: str) -> bytes:
    """The file's bytes (with a byte order mark for 'utf-8-sig'); assumes away a text the encoding cannot hold or
    the reader would take for another."""
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    if encoding == "cp1252":
        # Windows-1252 bytes that also happen to be UTF-8 are read as UTF-8, as they should be.
        assume(text.isascii() or not _is_utf8(data))
    if encoding.startswith("utf-8"):
        assume(not text.startswith("\ufeff"))  # a leading U+FEFF *is* a byte order mark
    assume(not looks_binary(data))  # e.g. a first cell '%PDF'
    return data


@given(tables(), st.sampled_from(DELIMITERS), st.sampled_from(ENCODINGS), st.booleans())
@example((["name", "postcode"], [["a", "b"], [], ["", " "], ["c"]]), ",", "utf-8", True)  # blank rows are skipped
@example((["name", "postcode"], [['"q"', "l1\r\n8jq"], ["x", "y", "spill"]]), ";", "utf-8-sig", False)
@example((["name", "postcode", "Caf\u00e9"], [["\u00a35", "x"]]), "\t", "cp1252", True)
def test_rows_written_by_csv_writer_read_back(
    table: tuple[list[str], list[list[str]]], delimiter: str, encoding: str, seekable: bool
) -> None:
    header, rows = table
    text = written(header, rows, delimiter)
    assume(not wrong_delimiter_finds_a_column(text, delimiter))
    data = encoded(text, encoding)

    stream: IO[bytes] = io.BytesIO(data) if seekable else io.BufferedReader(OneWay(data))
    table = read_file(stream)
    read = list(table)

    assert table.format.delimiter == delimiter
    assert table.format.header_row_number == 1
    assert table.headers == tuple(h.strip() for h in header)
    if not text.isascii():
        assert table.format.encoding == encoding
    # Spreadsheet row numbers: the header is row 1, so data row i (from 1) is row i + 1; blank rows are skipped.
    expected = [
        TableRow(index, tuple(row)) for index, row in enumerate(rows, start=2) if any(cell.strip() for cell in row)
    ]
    assert read == expected


@settings(max_examples=40)
@given(tables(), st.sampled_from(DELIMITERS), st.sampled_from(ENCODINGS), st.booleans(), st.data())
def test_a_file_longer_than_the_sample_reads_back_across_the_sample_boundary(
    table: tuple[list[str], list[list[str]]], delimiter: str, encoding: str, seekable: bool, data: st.DataObject
) -> None:
    """Only the first SAMPLE_BYTES are sniffed: rows (and characters) cut by its end must still read back."""
    header, rows = table
    head = encoded(written(header, [["filler", ""]], delimiter), encoding)
    rest = encoded(written(None, rows, delimiter), encoding).removeprefix(BOM)
    assume(len(rest) > 1)
    cut = data.draw(st.integers(1, len(rest) - 1))  # the sample ends this many bytes into the rows after the filler
    filler = "x" * (SAMPLE_BYTES - len(head) - cut)
    text = written(header, [["filler", filler], *rows], delimiter)
    assume(not wrong_delimiter_finds_a_column(text, delimiter))
    file = encoded(text, encoding)
    assert len(file) > SAMPLE_BYTES

    stream: IO[bytes] = io.BytesIO(file) if seekable else io.BufferedReader(OneWay(file))
    try:
        table = read_file(stream)
        read = list(table)
    except FileFormatError as error:
        # A one-way stream is judged by its sample (documented): Windows-1252 bytes only after it are refused.
        assert not seekable and encoding == "cp1252" and file[:SAMPLE_BYTES].isascii(), error
        return

    assert table.format.delimiter == delimiter
    assert table.headers == tuple(h.strip() for h in header)
    expected = [
        TableRow(index, tuple(row))
        for index, row in enumerate([["filler", filler], *rows], start=2)
        if any(cell.strip() for cell in row)
    ]
    assert read == expected


# --- The same, in a zip -------------------------------------------------------------------------------------------


def zip_of(data: bytes, name: str = "payments.csv") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


@settings(max_examples=100)
@given(CSV_ISH_BYTES, st.booleans())
def test_any_bytes_in_a_zip_read_or_raise_file_format_error(data: bytes, seekable: bool) -> None:
    reads_or_refuses(zip_of(data), seekable)


@settings(max_examples=100)
@given(tables(), st.sampled_from(DELIMITERS), st.sampled_from(ENCODINGS), st.booleans())
def test_rows_written_by_csv_writer_read_back_from_a_zip(
    table: tuple[list[str], list[list[str]]], delimiter: str, encoding: str, seekable: bool
) -> None:
    header, rows = table
    text = written(header, rows, delimiter)
    assume(not wrong_delimiter_finds_a_column(text, delimiter))
    data = zip_of(encoded(text, encoding))

    stream: IO[bytes] = io.BytesIO(data) if seekable else io.BufferedReader(OneWay(data))
    with read_file(stream) as read:
        assert (read.format.container, read.format.member, read.format.delimiter) == ("zip", "payments.csv", delimiter)
        expected = [
            TableRow(index, tuple(row)) for index, row in enumerate(rows, start=2) if any(cell.strip() for cell in row)
        ]
        assert list(read) == expected
