"""Reading a CSV file: encodings, delimiters, the header row wherever the importer's rule finds it, quoted cells,
ragged rows, line endings, binary refusal and streaming."""

from __future__ import annotations

import io

import pytest

from app.tabular import NOT_TEXT, FileFormatError, HeaderRule, TableFormat, TableRow, read_table
from tests.tabular.helpers import RULE, OneWay, column_for, one_way


def rows_of(data: bytes, seekable: bool = True, rule: HeaderRule = RULE) -> tuple[TableFormat, list[TableRow]]:
    with read_table(io.BytesIO(data) if seekable else one_way(data), rule) as table:
        return table.format, list(table)


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
@pytest.mark.parametrize("seekable", [True, False])
def test_delimiters(delimiter: str, name: str, seekable: bool) -> None:
    data = f"Register, with commas; and tabs\t\nName{delimiter}Postcode{delimiter}Email\n"
    data += f'"Smith, Jones; and\tSons"{delimiter}L36 9GD{delimiter}a@b.org\n'
    fmt, rows = rows_of(data.encode(), seekable)
    assert (fmt.delimiter, fmt.delimiter_name, fmt.header_row_number) == (delimiter, name, 2)
    assert rows == [TableRow(3, ("Smith, Jones; and\tSons", "L36 9GD", "a@b.org"))]


@pytest.mark.parametrize(
    ("data", "encoding", "name"),
    [
        ("Name,Services\nCafé Co-op,Food £5\n".encode(), "utf-8", "UTF-8"),
        (b"\xef\xbb\xbf" + "Name,Services\nCafé Co-op,Food £5\n".encode(), "utf-8-sig", "UTF-8 with byte order mark"),
        ("Name,Services\nCafé Co-op,Food £5\n".encode("cp1252"), "cp1252", "Windows-1252"),
    ],
)
@pytest.mark.parametrize("seekable", [True, False])
def test_encodings(data: bytes, encoding: str, name: str, seekable: bool) -> None:
    fmt, rows = rows_of(data, seekable)
    assert (fmt.encoding, fmt.encoding_name, fmt.headers) == (encoding, name, ("Name", "Services"))
    assert rows == [TableRow(2, ("Café Co-op", "Food £5"))]


W1252_LATE = ("Name,Postcode\n" + "".join(f"Org {i},L36 9GD\n" for i in range(10_000)) + "Café,L36 9GD\n").encode(
    "cp1252"
)


def test_windows_1252_after_the_sample_is_found_by_reading_a_seekable_stream_through() -> None:
    assert len(W1252_LATE) > 64 * 1024
    fmt, rows = rows_of(W1252_LATE)
    assert fmt.encoding == "cp1252"
    assert rows[-1] == TableRow(10_002, ("Café", "L36 9GD"))


def test_windows_1252_after_the_sample_of_a_one_way_stream_is_a_clear_error() -> None:
    table = read_table(one_way(W1252_LATE), RULE)
    assert table.format.encoding == "utf-8"
    with pytest.raises(FileFormatError, match="mixes text encodings"):
        list(table)


def test_reading_and_closing_leave_the_callers_stream_open() -> None:
    stream = io.BytesIO(b"name,postcode\nA,B\nC,D\n")
    with read_table(stream, RULE) as table:
        assert len(list(table)) == 2
    assert not stream.closed


def test_rows_are_streamed_not_read_whole() -> None:
    raw = OneWay(b"name,postcode\r\n" + b"Org,L36 9GD\r\n" * 500_000)  # 6.5 MB
    rows = iter(read_table(io.BufferedReader(raw), RULE))
    assert next(rows) == TableRow(2, ("Org", "L36 9GD"))
    assert raw.given < 512 * 1024


def test_title_and_blank_rows_above_the_header_and_blank_rows_below_it() -> None:
    data = b"Providers in Knowsley, March 2025\n\n,,\nname,postcode\nA,L1\n\n , \nB,L2\n,\n"
    with read_table(io.BytesIO(data), RULE) as table:
        rows = list(table)
        assert table.format.header_row_number == 4
        assert [(r.row_number, r.cells[0]) for r in rows] == [(5, "A"), (8, "B")]
        assert table.blank_rows == 3


@pytest.mark.parametrize(
    ("ending", "label"), [(b"\r\n", "CRLF"), (b"\n", "LF"), (b"\r", "CR only, as old Mac exports write")]
)
def test_every_line_ending(ending: bytes, label: str) -> None:
    lines = [b"Title", b"name,address,postcode", b'A,"1 High St' + ending + b'Town",L1', b"B,2 Low St,L2"]
    _, rows = rows_of(ending.join(lines) + ending)
    assert rows == [
        TableRow(3, ("A", "1 High St" + ending.decode() + "Town", "L1")),
        TableRow(4, ("B", "2 Low St", "L2")),
    ], label


def test_a_crlf_header_then_cr_only_rows() -> None:
    """Hyndburn's 2017-2020 files: the header ends CRLF, every row after it a lone CR."""
    _, rows = rows_of(b"name,postcode\r\nA,L1\rB,L2\rC,L3\r")
    assert [r.cells for r in rows] == [("A", "L1"), ("B", "L2"), ("C", "L3")]


def test_ragged_rows_are_given_as_written() -> None:
    _, rows = rows_of(b"name,postcode,email\nA\nB,L2,b@x.org,extra,\n")
    assert [r.cells for r in rows] == [("A",), ("B", "L2", "b@x.org", "extra", "")]
    assert (rows[0].cell(0), rows[0].cell(2), rows[1].cell(3), rows[1].cell(-1)) == ("A", "", "extra", "")


def test_a_quote_never_closed_is_said_on_the_last_row() -> None:
    _, rows = rows_of(b'name,postcode\nA,L1\n"B,L2\nC,L3\n')
    assert [(r.row_number, r.unclosed_quote) for r in rows] == [(2, False), (3, True)]
    assert rows[1].cells == ("B,L2\nC,L3\n",)


@pytest.mark.parametrize(
    "start", [b"PK\x03\x04rest-of-xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1", b"%PDF-1.7", b"\x1f\x8b\x08", b"name,x\x00\x00"]
)
def test_binary_files_are_refused_with_what_to_do(start: bytes) -> None:
    with pytest.raises(FileFormatError) as refused:
        read_table(io.BytesIO(start + b"\n" * 10), RULE, zipped=False)
    assert str(refused.value) == NOT_TEXT


@pytest.mark.parametrize("data", [b"", b"  \r\n\n"])
def test_an_empty_file_is_said_to_be_empty(data: bytes) -> None:
    with pytest.raises(FileFormatError, match=r"^The file is empty$"):
        read_table(io.BytesIO(data), RULE)


# --- The importer's header rule -------------------------------------------------------------------------------------


def test_no_header_in_the_rows_searched_names_the_importers_examples() -> None:
    with pytest.raises(FileFormatError) as refused:
        read_table(io.BytesIO(b"title\n" * 20 + b"name,postcode\n"), RULE)
    assert str(refused.value) == (
        "Could not find the row of column headings in the first 20 rows. "
        "Check the file is a CSV with a heading such as 'Name' or 'Postcode' above each column"
    )


def test_an_importer_may_search_further_down() -> None:
    deep = HeaderRule(column_for, search_rows=40)
    fmt, rows = rows_of(b"title\n" * 30 + b"name,postcode\nA,L1\n", rule=deep)
    assert fmt.header_row_number == 31
    assert rows == [TableRow(32, ("A", "L1"))]


@pytest.mark.parametrize(
    ("rule", "header_row"),
    [
        (HeaderRule(column_for), 3),  # two known headings: the 'name,postcode' row
        (HeaderRule(column_for, at_least=1), 2),  # one is enough: the 'name,notes' row
        (HeaderRule(column_for, at_least=3), 4),  # three needed
    ],
)
def test_how_many_known_headings_make_a_header(rule: HeaderRule, header_row: int) -> None:
    data = b"Register\nname,notes\nname,postcode\nname,postcode,email\nA,L1,a@x.org\n"
    fmt, _ = rows_of(data, rule=rule)
    assert fmt.header_row_number == header_row


def test_a_first_row_naming_a_column_alone_is_a_header_only_when_the_importer_says_so() -> None:
    data = b"\nName\nA\nB\n"
    fmt, rows = rows_of(data)
    assert (fmt.header_row_number, [r.cells for r in rows]) == (2, [("A",), ("B",)])
    with pytest.raises(FileFormatError, match="column headings"):
        rows_of(data, rule=HeaderRule(column_for))


def test_the_layer_knows_only_the_columns_the_importer_names() -> None:
    payments = HeaderRule({"supplier": "supplier", "amount": "amount"}.get)
    data = b"supplier,amount\nAcme,10.00\n"
    fmt, rows = rows_of(data, rule=payments)
    assert (fmt.headers, rows) == (("supplier", "amount"), [TableRow(2, ("Acme", "10.00"))])
    with pytest.raises(FileFormatError):
        rows_of(data)  # the providers' rule knows neither heading
