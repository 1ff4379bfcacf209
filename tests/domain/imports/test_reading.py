"""A supplier file read through the reading layer: its header found by the supplier fields, then mapped and parsed."""

from __future__ import annotations

import io

import pytest

from app.domain.imports.fields import ColumnMapping
from app.domain.imports.reading import ImportFormatError, read_sheet
from app.domain.imports.rows import parse_row
from app.domain.providers import LegalForm
from app.tabular import TableFormat, TableRow

PLAIN_HEADERS = "name,legal form,registration number,address,postcode,email,website,services"


def rows_of(data: bytes) -> tuple[TableFormat, list[TableRow]]:
    with read_sheet(io.BytesIO(data)) as sheet:
        return sheet.format, list(sheet)


PLAIN = (
    PLAIN_HEADERS + "\n"
    "Knowsley Food Co-op,Society,31129,1 High St,L36 9GD,hello@kfc.coop,www.kfc.coop,Food\n"
    "Halewood Crafts CIC,CIC,01234567,2 Low St,l369gd,,,Crafts\n"
)


def test_plain_sheet_maps_and_parses():
    fmt, rows = rows_of(PLAIN.encode())
    mapping = ColumnMapping.auto(fmt.headers)
    assert mapping.unmapped_headers == []
    assert set(mapping.columns) == {
        "name",
        "legal_form",
        "registration_number",
        "address",
        "postcode",
        "email",
        "website",
        "services",
    }
    first, second = (parse_row(row, mapping) for row in rows)
    assert (first.row_number, first.name, first.legal_form, first.org_id) == (
        2,
        "Knowsley Food Co-op",
        LegalForm.COOPERATIVE,
        "GB-MPR-31129",
    )
    assert (first.email, first.website, first.postcode, first.services) == (
        "hello@kfc.coop",
        "https://www.kfc.coop",
        "L36 9GD",
        "Food",
    )
    assert (second.row_number, second.org_id, second.postcode, second.problems) == (
        3,
        "GB-COH-01234567",
        "L36 9GD",
        (),
    )


def test_title_and_blank_lines_before_the_header():
    data = "Providers in Knowsley, March 2025\n\n,,\n" + PLAIN + "\nLast Org,,,,,,,\n"
    fmt, rows = rows_of(data.encode())
    assert fmt.header_row_number == 4
    assert fmt.headers[0] == "name"
    assert [(r.row_number, r.cells[0]) for r in rows] == [
        (5, "Knowsley Food Co-op"),
        (6, "Halewood Crafts CIC"),
        (8, "Last Org"),
    ]


def test_no_header_in_the_first_20_rows():
    data = "title\n" * 20 + PLAIN
    with pytest.raises(ImportFormatError, match="column headings"):
        read_sheet(io.BytesIO(data.encode()))


def test_empty_file():
    with pytest.raises(ImportFormatError, match="empty"):
        read_sheet(io.BytesIO(b"  \n"))


def test_embedded_newlines_and_commas_take_one_spreadsheet_row_each():
    data = (
        "Local providers\n"
        "Name,Address,Postcode\n"
        '"Widnes, Runcorn and District Co-op","Unit 1\nThe Yard, Mill Lane\nWidnes",WA8 7AA\n'
        'Oxton Community Shop,"1 Village Rd\r\nOxton",CH43 5SR\n'
        "Runcorn Linnets FC,Pavilion,WA7 1AA\n"
    )
    fmt, rows = rows_of(data.encode())
    mapping = ColumnMapping.auto(fmt.headers)
    parsed = [parse_row(row, mapping) for row in rows]
    assert [(p.row_number, p.name, p.address) for p in parsed] == [
        (3, "Widnes, Runcorn and District Co-op", "Unit 1\nThe Yard, Mill Lane\nWidnes"),
        (4, "Oxton Community Shop", "1 Village Rd\nOxton"),
        (5, "Runcorn Linnets FC", "Pavilion"),
    ]


@pytest.mark.parametrize(
    "start", [b"PK\x03\x04rest-of-xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1", b"%PDF-1.7", b"name,postcode\x00\x00"]
)
def test_binary_files_are_refused(start):
    with pytest.raises(ImportFormatError, match="not a CSV file"):
        read_sheet(io.BytesIO(start + b"\n" * 10))


def test_blank_rows_are_counted():
    data = b"name,postcode\nOne,L36 9GD\n,\n\n  ,  \nTwo,\n,\n"
    sheet = read_sheet(io.BytesIO(data))
    assert [r.row_number for r in sheet] == [2, 6]
    assert sheet.blank_rows == 4
