"""Where a CSV file's header row is: among the first rows, under the data (some exports name their columns at the
foot), or nowhere (read with numbered columns when the importer allows it, for a person to say what each holds).
Plain, one-way, longer than the sample and zipped; and a real Hyndburn file with its header moved to the foot."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from app.tabular import (
    SAMPLE_BYTES,
    FileFormatError,
    HeaderRule,
    TableFormat,
    TableRow,
    read_table,
)
from app.tabular.delimited import TAIL_BYTES
from tests.tabular.helpers import RULE, column_for, one_way

NOT_FOUND = (
    "Could not find the row of column headings in the first 20 rows. "
    "Check the file is a CSV with a heading such as 'Name' or 'Postcode' above each column"
)


def read(data: bytes, seekable: bool = True, **options: object) -> tuple[TableFormat, list[TableRow], int]:
    stream = io.BytesIO(data) if seekable else one_way(data)
    with read_table(stream, RULE, **options) as table:  # type: ignore[arg-type]
        rows = list(table)
        return table.format, rows, table.blank_rows


# --- Under the data -------------------------------------------------------------------------------------------------


def test_a_header_under_the_data_is_looked_for_when_the_importer_asks_or_takes_files_with_none() -> None:
    data = b"A,L1\r\nB,L2\r\nname,postcode\r\n"
    # Not asked (the supplier import): the header found in the first rows is at the top, as it always was.
    fmt, rows, _ = read(data)
    assert (fmt.header_position, fmt.header_row_number, fmt.title_rows, rows) == ("top", 3, (1, 2), [])
    assert read(data, header_below_data=True)[0].header_position == "bottom"
    assert read(data, allow_no_header=True)[0].header_position == "bottom"
    assert read(data, allow_no_header=True, header_below_data=False)[0].header_position == "top"
    long = long_rows(5000) + b"name,postcode\r\n"
    with pytest.raises(FileFormatError, match="column headings"):
        read(long)
    assert read(long, header_below_data=True)[0].header_row_number == 5001


@pytest.mark.parametrize("seekable", [True, False])
def test_a_header_under_the_data_of_a_short_file(seekable: bool) -> None:
    data = b"Payments in March 2025\r\n\r\nA,L1\r\n,\r\nB,L2\r\nname,postcode\r\nPublished 4 April\r\n,,\r\n"
    fmt, rows, blank = read(data, seekable, header_below_data=True)
    assert (fmt.header_position, fmt.header_row_number, fmt.headers) == ("bottom", 6, ("name", "postcode"))
    assert fmt.title_rows == (1, 7)  # the title at the top, the note under the header: neither header nor data
    assert fmt.header_summary == "Under the data, in row 6"
    assert rows == [TableRow(3, ("A", "L1")), TableRow(5, ("B", "L2"))]
    assert blank == 2  # row 4, between the data, and row 8 under the header; not row 2, above it


def test_a_header_in_the_first_rows_with_data_below_it_is_at_the_top() -> None:
    data = b"Council:,Knowsley\r\nname,postcode\r\nA,L1\r\n"
    fmt, rows, _ = read(data, header_below_data=True)
    assert (fmt.header_position, fmt.header_row_number, fmt.title_rows, fmt.header_summary) == (
        "top",
        2,
        (1,),
        "In row 2",
    )
    assert rows == [TableRow(3, ("A", "L1"))]


def test_a_header_alone_is_at_the_top_with_no_rows() -> None:
    fmt, rows, _ = read(b"Register\r\nname,postcode\r\n", header_below_data=True)
    assert (fmt.header_position, rows) == ("top", [])


def long_rows(count: int, start: int = 0) -> bytes:
    return b"".join(f"Org {i},L{i % 99} {i % 9}AA\r\n".encode() for i in range(start, start + count))


@pytest.mark.parametrize("seekable", [True, False])
def test_a_header_under_the_data_of_a_file_longer_than_the_sample(seekable: bool) -> None:
    body = b"Spend over 500\r\n" + long_rows(6000)
    data = body + b"name,postcode\r\n" + b",,,,\r\n" * 100  # empty comma rows after it, as exports end
    assert len(data) > SAMPLE_BYTES
    fmt, rows, blank = read(data, seekable, header_below_data=True)
    assert (fmt.header_position, fmt.header_row_number, fmt.title_rows) == ("bottom", 6002, (1,))
    assert len(rows) == 6000 and rows[0] == TableRow(2, ("Org 0", "L0 0AA"))
    assert rows[-1] == TableRow(6001, ("Org 5999", "L59 5AA"))
    assert blank == 100


def test_the_foot_of_a_long_file_is_read_from_inside_a_quoted_cell_too() -> None:
    """The end of the file looked at first may start inside a quoted cell over several lines, quotes in it: read
    as it comes, the rest of the file is taken for one quoted cell and the header is missed."""
    notes = 'She said "yes"\r\n' * (TAIL_BYTES // 10)
    quoted = '"' + notes.replace('"', '""') + '"'
    data = long_rows(4000) + f"Org X,{quoted}\r\nOrg Y,L1\r\n".encode() + b"name,postcode\r\n"
    assert len(data) > SAMPLE_BYTES + TAIL_BYTES
    fmt, rows, _ = read(data, header_below_data=True)
    assert (fmt.header_position, fmt.header_row_number) == ("bottom", 4003)
    assert rows[-2] == TableRow(4001, ("Org X", notes)) and rows[-1] == TableRow(4002, ("Org Y", "L1"))


def test_a_header_under_the_data_with_semicolons_in_a_zip() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("spend.csv", b"A;L1\r\nB;L2\r\nName;Postcode\r\n")
    fmt, rows, _ = read(out.getvalue(), header_below_data=True)
    assert (fmt.container, fmt.delimiter, fmt.header_position, fmt.header_row_number) == ("zip", ";", "bottom", 3)
    assert [r.cells for r in rows] == [("A", "L1"), ("B", "L2")]


@pytest.mark.parametrize(
    "data",
    [
        # Further down than the rows searched, with data below it: a header at the top, too far down.
        b"title\r\n" * 25 + b"name,postcode\r\nA,L1\r\n",
        # Under nothing but a title: not a table.
        b"title\r\n" * 25 + b"name,postcode\r\n",
        # Data below it and above it.
        long_rows(5000) + b"name,postcode\r\n" + long_rows(3),
    ],
    ids=["too-far-down", "nothing-above", "data-below"],
)
def test_a_header_with_data_below_it_or_nothing_above_it_is_not_under_the_data(data: bytes) -> None:
    with pytest.raises(FileFormatError) as refused:
        read(data, header_below_data=True)
    assert str(refused.value) == NOT_FOUND


def test_a_row_naming_a_column_alone_is_not_a_header_at_the_foot() -> None:
    with pytest.raises(FileFormatError):
        read(b"title\r\n" * 25 + b"A\r\nB\r\nName\r\n", header_below_data=True)


# --- No header ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seekable", [True, False])
def test_no_header_is_read_with_numbered_columns_when_the_importer_allows_it(seekable: bool) -> None:
    data = b",,\r\nAcme Ltd,05/10/2024,250.00,,\r\n\r\nBeta,06/10/2024,\r\nGamma,07/10/2024,12.00,extra\r\n"
    fmt, rows, blank = read(data, seekable, allow_no_header=True)
    # As wide as the widest of the first rows, up to its last cell filled in.
    assert fmt == TableFormat("utf-8", ",", 0, ("Column 1", "Column 2", "Column 3", "Column 4"), header_position="none")
    assert fmt.header_summary == "No row of column headings: the 4 columns are numbered"
    assert rows == [
        TableRow(2, ("Acme Ltd", "05/10/2024", "250.00", "", "")),
        TableRow(4, ("Beta", "06/10/2024", "")),
        TableRow(5, ("Gamma", "07/10/2024", "12.00", "extra")),
    ]
    assert blank == 1  # row 3; row 1, before any data, is not counted


def test_no_header_in_a_long_file_when_allowed() -> None:
    data = b"Acme;L1;x\r\n" * 10_000
    assert len(data) > SAMPLE_BYTES
    fmt, rows, _ = read(data, False, allow_no_header=True)
    assert (fmt.delimiter, fmt.headers, len(rows), rows[-1].row_number) == (
        ";",
        ("Column 1", "Column 2", "Column 3"),
        10_000,
        10_000,
    )


@pytest.mark.parametrize("data", [b"title\r\n" * 20 + b"A,L1\r\n", b"A,L1\r\n" * 20_000])
def test_no_header_anywhere_is_refused_when_not_allowed(data: bytes) -> None:
    with pytest.raises(FileFormatError) as refused:
        read(data)
    assert str(refused.value) == NOT_FOUND


def test_a_file_of_empty_rows_is_empty_even_when_no_header_is_allowed() -> None:
    with pytest.raises(FileFormatError, match=r"^The file is empty$"):
        read(b",,,\r\n" * 50, allow_no_header=True)


def test_a_header_found_is_used_even_when_none_is_allowed() -> None:
    fmt, rows, _ = read(b"name,postcode\r\nA,L1\r\n", allow_no_header=True)
    assert (fmt.header_position, fmt.headers, rows) == ("top", ("name", "postcode"), [TableRow(2, ("A", "L1"))])


# --- The delimiter, quickly -----------------------------------------------------------------------------------------


def test_the_delimiter_is_found_without_the_csv_sniffer(monkeypatch: pytest.MonkeyPatch) -> None:
    """csv.Sniffer took seconds on rows of empty quoted cells (16 s on 64 KB of them); the reader ranks the
    delimiters with the csv parser itself."""

    class NoSniffer:
        def __init__(self) -> None:
            raise AssertionError("csv.Sniffer is not to be used")

    monkeypatch.setattr(csv, "Sniffer", NoSniffer)
    data = b'name;postcode;email\r\n"";"";""\r\n' + b'"";"";"";""\r\n' * 5000 + b'"A, B";L1;a@b.org\r\n'
    fmt, rows, blank = read(data)
    assert (fmt.delimiter, blank, rows) == (";", 5001, [TableRow(5003, ("A, B", "L1", "a@b.org"))])


@pytest.mark.parametrize(
    ("data", "delimiter"),
    [
        (b"name,postcode\r\n" + b",,,,,,\r\n" * 4000, ","),
        (b"x;y\r\nname;postcode\r\nA, B;L1\r\n", ";"),
        (b"name\tpostcode,x\r\nA\tL1,2\r\nB\tL2,3\r\n", "\t"),
    ],
)
def test_the_delimiter_that_splits_the_rows_alike_is_tried_first(data: bytes, delimiter: str) -> None:
    assert read(data)[0].delimiter == delimiter


# --- A real file, its header moved ------------------------------------------------------------------------------

HYNDBURN = Path(__file__).resolve().parents[3] / "shared" / "data" / "spend" / "hyndburn_spend_over_250_April-24.csv"
SPEND = HeaderRule(
    lambda heading: {"name": "supplier", "amountpaid": "amount", "paymentdate": "date"}.get(
        "".join(c for c in heading.casefold() if c.isalnum())
    )
)


@pytest.mark.skipif(not HYNDBURN.is_file(), reason=f"the shared spend files are not at {HYNDBURN}")
@pytest.mark.parametrize("seekable", [True, False])
def test_a_real_file_with_its_header_moved_under_the_data_or_taken_away_reads_the_same_rows(seekable: bool) -> None:
    data = HYNDBURN.read_bytes()
    header, _, body = data.partition(b"\r\n")
    with read_table(io.BytesIO(data), SPEND) as table:
        original = list(table)
    assert len(original) == 428 and len(data) > SAMPLE_BYTES

    moved = body + header + b"\r\n"
    with read_table(io.BytesIO(moved) if seekable else one_way(moved), SPEND, allow_no_header=True) as table:
        rows = list(table)
        fmt = table.format
    assert (fmt.header_position, fmt.header_row_number, fmt.encoding) == ("bottom", original[-1].row_number, "cp1252")
    assert fmt.headers[-1] == "Amount Paid"
    assert [(r.row_number, r.cells) for r in rows] == [(r.row_number - 1, r.cells) for r in original]

    with read_table(io.BytesIO(body) if seekable else one_way(body), SPEND, allow_no_header=True) as table:
        rows = list(table)
        fmt = table.format
    assert (fmt.header_position, fmt.headers[0], fmt.headers[-1]) == ("none", "Column 1", "Column 8")
    assert [(r.row_number, r.cells) for r in rows] == [(r.row_number - 1, r.cells) for r in original]


def test_the_layer_still_knows_only_the_importers_columns() -> None:
    with pytest.raises(FileFormatError):
        read_table(io.BytesIO(b"A,L1\r\nB,L2\r\nsupplier,amount\r\n"), HeaderRule(column_for), header_below_data=True)
