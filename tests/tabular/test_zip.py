"""A zip file holding one CSV file: read as that file, streamed from the zip; every other zip refused, saying why."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from app.tabular import NOT_TEXT, FileFormatError, TableRow, read_table
from app.tabular.zipped import DAMAGED, DAMAGED_WORKBOOK, UNREADABLE_COMPRESSION
from tests.tabular.helpers import RULE, one_way

CSV = b"Payments over \xa3500\r\nname,postcode\r\nCaf\xe9 Co-op,L36 9GD\r\nB,L2\r\n"  # Windows-1252


def zipped(*members: tuple[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("seekable", [True, False])
def test_the_csv_in_a_zip_is_read_as_if_uploaded_itself(compression: int, seekable: bool) -> None:
    data = zipped(("spend/2025-03.csv", CSV), compression=compression)
    with read_table(io.BytesIO(data) if seekable else one_way(data), RULE) as table:
        rows = list(table)
        fmt = table.format
    assert (fmt.container, fmt.member, fmt.encoding, fmt.header_row_number) == ("zip", "spend/2025-03.csv", "cp1252", 2)
    assert rows == [TableRow(3, ("Café Co-op", "L36 9GD")), TableRow(4, ("B", "L2"))]


def test_what_computers_add_when_zipping_is_not_taken_for_data() -> None:
    data = zipped(
        ("spend/", b""),
        ("__MACOSX/spend/._2025-03.csv", b"\x00\x05\x16\x07 mac resource fork"),
        ("spend/.hidden.csv", b"x"),
        ("spend/2025-03.csv", CSV),
        ("spend/README.txt", b"Licence: OGL v3"),
    )
    with read_table(io.BytesIO(data), RULE) as table:
        assert table.format.member == "spend/2025-03.csv"
        assert len(list(table)) == 2


def test_closing_the_table_closes_the_zip_not_the_callers_stream() -> None:
    stream = io.BytesIO(zipped(("a.csv", CSV)))
    table = read_table(stream, RULE)
    table.close()
    assert not stream.closed
    with pytest.raises(ValueError, match="closed"):
        list(table)


def test_a_caller_that_refuses_zips_has_them_refused_as_not_a_csv_file() -> None:
    with pytest.raises(FileFormatError) as refused:
        read_table(io.BytesIO(zipped(("a.csv", CSV))), RULE, zipped=False)
    assert str(refused.value) == NOT_TEXT


def _encrypted(data: bytes) -> bytes:
    """The zip with its member marked as encrypted (bit 0 of the flags), as zipfile cannot write one."""
    out = bytearray(data)
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.index(signature) + flags_at
        out[at] |= 0x01
    return bytes(out)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (zipped(("notes.txt", b"hello")), "^The zip file has no CSV file in it. Upload the CSV file itself"),
        (zipped(), "^The zip file has no CSV file in it"),
        (
            zipped(("a.csv", CSV), ("b/B.CSV", CSV)),
            r"^The zip file has 2 CSV files in it \(a.csv, b/B.CSV\)\. Upload them",
        ),
        (_encrypted(zipped(("a.csv", CSV))), "^'a.csv' in the zip file is protected by a password. Unzip it"),
        (zipped(("a.csv", CSV), compression=zipfile.ZIP_BZIP2), f"^{UNREADABLE_COMPRESSION}$"),
        # A workbook is read as one (tests/tabular/test_workbook.py); this one has nothing in its parts.
        (
            zipped(("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")),
            f"^{re.escape(DAMAGED_WORKBOOK)}$",
        ),
        (zipped(("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", b"<x/>")), NOT_TEXT),
        (zipped(("a.csv", CSV))[:-30], f"^{DAMAGED}$"),  # cut short: its index is gone
    ],
    ids=["no-csv", "empty", "two-csvs", "password", "bzip2", "xlsx", "ods", "truncated"],
)
def test_zips_that_cannot_be_read_are_refused_saying_why(data: bytes, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        read_table(io.BytesIO(data), RULE)


def test_a_zip_bomb_is_refused_by_its_unzipped_size_before_any_of_it_is_read() -> None:
    bomb = zipped(("a.csv", b"name,postcode\r\n" + b"A,L1\r\n" * 4_000_000))  # 24 MB that zips to about 24 KB
    assert len(bomb) < 100_000
    with pytest.raises(FileFormatError) as refused:
        read_table(io.BytesIO(bomb), RULE, max_unzipped_bytes=10_000_000)
    assert str(refused.value) == (
        "'a.csv' in the zip file is 24 MB unzipped, more than the 10 MB we can take. Split it into smaller files"
    )


def test_damaged_data_inside_the_zip_is_a_file_format_error_where_it_is_met() -> None:
    rows = b"".join(f"Org {i},L{i % 99} {i % 9}AA\r\n".encode() for i in range(50_000))
    data = bytearray(zipped(("a.csv", b"name,postcode\r\n" + rows)))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # the deflated stream broken halfway
    with pytest.raises(FileFormatError, match=f"^{DAMAGED}$"), read_table(io.BytesIO(bytes(data)), RULE) as table:
        list(table)
