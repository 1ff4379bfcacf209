"""Bulk import, the pure layer: reading CSV files, mapping columns, legal forms, row checks, duplicates."""

from __future__ import annotations

import csv
import gzip
import io
import re
from datetime import date
from pathlib import Path

import pytest

from app.domain.imports import (
    FORMULA,
    ColumnMapping,
    DissolvedRows,
    ImportFormatError,
    MappingError,
    ParsedRow,
    RowProblem,
    SheetRow,
    describe_outcome,
    describe_progress,
    dissolved_message,
    duplicate_key,
    flag_duplicates,
    legal_form_from_words,
    parse_row,
    parse_sheet,
    problem_outcome,
    read_sheet,
    read_status,
)
from app.domain.providers import LegalForm

COOPS_UK = Path(__file__).parents[2] / "seed_data/social_economy/coops_uk_open_data_organisations_2017-06.csv.gz"

PLAIN_HEADERS = "name,legal form,registration number,address,postcode,email,website,services"


class OneWay(io.RawIOBase):
    """A stream that cannot seek, like an upload being received."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer):  # type: ignore[no-untyped-def]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def rows_of(data: bytes, seekable: bool = True) -> tuple[object, list[SheetRow]]:
    stream = io.BytesIO(data) if seekable else io.BufferedReader(OneWay(data))
    sheet = read_sheet(stream)
    return sheet.format, list(sheet)


# --- The real Co-operatives UK file -------------------------------------------------------------


@pytest.fixture(scope="module")
def coops_uk() -> tuple[ColumnMapping, list[ParsedRow], list[dict[str, str]]]:
    with gzip.open(COOPS_UK, "rb") as stream:
        sheet = read_sheet(stream)
        mapping = ColumnMapping.auto(sheet.headers)
        parsed = list(parse_sheet(sheet, mapping))
    with gzip.open(COOPS_UK, "rt", encoding="utf-8-sig", newline="") as text:
        plain = list(csv.DictReader(text))
    return mapping, parsed, plain


@pytest.mark.parametrize(
    ("field", "header"),
    [
        ("name", "Registered Name"),
        ("trading_name", "Trading Name"),
        ("legal_form", "Legal Form"),
        ("registration_number", "Registered Number"),
        ("registrar", "Registrar"),
        ("address", "Registered Street"),
        ("town", "Registered City"),
        ("postcode", "Registered Postcode"),
        ("source_reference", "CUK Organisation ID"),
        ("services", "Sector - Simplified, High Level"),
        ("email", None),
        ("description", None),
    ],
)
def test_coops_uk_columns_map_automatically(coops_uk, field, header):
    mapping, _, _ = coops_uk
    assert mapping.header_for(field) == header


def test_coops_uk_unmapped_headers_are_listed(coops_uk):
    mapping, _, _ = coops_uk
    assert "Registered State/Province" in mapping.unmapped_headers
    assert "SIC code  - level 2 description" in mapping.unmapped_headers
    assert "Registered Name" not in mapping.unmapped_headers


def test_coops_uk_every_row_parses(coops_uk):
    _, parsed, plain = coops_uk
    assert len(parsed) == len(plain) == 8371
    # One header row, one spreadsheet row per record, however many lines its street takes.
    assert [r.row_number for r in parsed] == list(range(2, 8373))
    assert sum(1 for r in parsed if r.name) == sum(1 for r in plain if r["Registered Name"].strip()) == 8371
    assert [r.source_reference for r in parsed] == [r["CUK Organisation ID"] for r in plain]


def test_coops_uk_multi_line_streets_are_kept(coops_uk):
    _, parsed, plain = coops_uk
    multi = sum(1 for r in plain if "\n" in r["Registered Street"].strip())
    assert multi > 1000
    assert sum(1 for r in parsed if r.address and "\n" in r.address) == multi
    second = parsed[1]
    assert (second.row_number, second.address, second.town) == (3, "Central House\nHermes Road", "Lichfield")


def test_coops_uk_org_ids(coops_uk):
    _, parsed, plain = coops_uk
    # Independently: FCA numbers up to six digits and three letters (CBS, CUS), Companies House eight digits or
    # two letters and six digits (zero-padded), Scottish charities SC and six digits, Charity Commission six or seven.
    shapes = {
        "FCA": r"\d{1,6}[A-Z]{0,3}",
        "Companies House": r"(\d{1,8}|[A-Z]{2}\d{6})",
        "OSCR": r"SC\d{6}",
        "Charity Commission": r"\d{6,7}",
    }
    expected = sum(
        1
        for r in plain
        if r["Registrar"] in shapes and re.fullmatch(shapes[r["Registrar"]], r["Registered Number"].strip().upper())
    )
    # Rows whose register is "not defined" keep a number that only one register issues (issue 11, finding 5):
    # eight digits or a Companies House prefix (not SC, which OSCR shares) and six digits, or digits with FCA letters.
    only_one_register = r"(\d{8}|(?!SC)[A-Z]{2}\d{6}|\d{1,6}[A-Z]{1,3})"
    by_shape = sum(
        1
        for r in plain
        if r["Registrar"] in ("Legal Form is not defined", "Unknown legal form")
        and r["Legal Form"] in ("", "Unincorporated")
        and re.fullmatch(only_one_register, r["Registered Number"].strip().upper())
    )
    assert by_shape == 78
    assert sum(1 for r in parsed if r.org_id) == expected + by_shape == 7795 + 78
    fca_letters = sum(
        1
        for r in plain
        if r["Registrar"] == "Legal Form is not defined" and re.fullmatch(r"\d{1,6}[A-Z]{1,3}", r["Registered Number"])
    )
    assert sum(1 for r in parsed if r.org_id and r.org_id.startswith("GB-MPR-")) == fca_letters + sum(
        1 for r in plain if r["Registrar"] == "FCA" and re.fullmatch(shapes["FCA"], r["Registered Number"].strip())
    )
    assert parsed[0].org_id == "GB-MPR-525R"


def test_coops_uk_rejections_and_warnings(coops_uk):
    _, parsed, plain = coops_uk
    # Independently: numbers the named register would not issue in that shape, such as 'IP123456'.
    misshapen = sum(
        1
        for r in plain
        if r["Registrar"] == "FCA" and not re.fullmatch(r"\d{1,6}[A-Z]{0,3}", r["Registered Number"].strip())
    )
    bad_numbers = [r for r in parsed if any("right format" in p.message for p in r.problems)]
    assert len(bad_numbers) == misshapen == 1
    # A badly typed number is left out with a warning, as a bad email is; the organisation is kept (trial 10).
    assert not any(r.rejected for r in bad_numbers) and all(r.org_id is None for r in bad_numbers)
    duplicates = [p for r in parsed for p in r.problems if p.message.startswith("Same organisation as row")]
    assert len(duplicates) == 1
    assert sum(1 for r in parsed if r.rejected) == 1
    detini = sum(1 for r in plain if r["Registrar"] == "DETINI")
    assert sum(1 for r in parsed if any("DETINI" in p.message and not p.rejects for p in r.problems)) == detini == 241


@pytest.mark.parametrize(
    ("words", "count"),
    [
        (LegalForm.COOPERATIVE, 6705),
        (LegalForm.UNKNOWN, 1145),
        (None, 171),
        (LegalForm.UNINCORPORATED, 156),
        (LegalForm.CIC, 144),
        (LegalForm.PRIVATE_COMPANY, 46),
        (LegalForm.CHARITY, 4),
    ],
)
def test_coops_uk_legal_forms(coops_uk, words, count):
    _, parsed, _ = coops_uk
    assert sum(1 for r in parsed if r.legal_form == words) == count


def test_coops_uk_postcodes(coops_uk):
    _, parsed, plain = coops_uk
    present = sum(1 for r in plain if r["Registered Postcode"].strip())
    bad = sum(1 for r in parsed if any(p.column == "Registered Postcode" for p in r.problems))
    assert sum(1 for r in parsed if r.postcode) + bad == present
    assert bad == 48
    assert all(not p.rejects for r in parsed for p in r.problems if p.column == "Registered Postcode")


# --- Reading: encodings, delimiters, header rows, quoted fields ------------------------------------

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


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
@pytest.mark.parametrize("seekable", [True, False])
def test_delimiters(delimiter, name, seekable):
    data = f"Register, with commas; and tabs\t\nName{delimiter}Postcode{delimiter}Email\n"
    data += f'"Smith, Jones; and\tSons"{delimiter}L36 9GD{delimiter}a@b.org\n'
    fmt, rows = rows_of(data.encode(), seekable)
    assert (fmt.delimiter, fmt.delimiter_name, fmt.header_row_number) == (delimiter, name, 2)
    assert rows == [SheetRow(3, ("Smith, Jones; and\tSons", "L36 9GD", "a@b.org"))]


@pytest.mark.parametrize(
    ("data", "encoding", "name"),
    [
        ("Name,Services\nCafé Co-op,Food £5\n".encode(), "utf-8", "UTF-8"),
        (b"\xef\xbb\xbf" + "Name,Services\nCafé Co-op,Food £5\n".encode(), "utf-8-sig", "UTF-8 with byte order mark"),
        ("Name,Services\nCafé Co-op,Food £5\n".encode("cp1252"), "cp1252", "Windows-1252"),
    ],
)
@pytest.mark.parametrize("seekable", [True, False])
def test_encodings(data, encoding, name, seekable):
    fmt, rows = rows_of(data, seekable)
    assert (fmt.encoding, fmt.encoding_name) == (encoding, name)
    assert fmt.headers == ("Name", "Services")
    assert rows == [SheetRow(2, ("Café Co-op", "Food £5"))]


def test_windows_1252_after_the_sample_is_found_in_a_seekable_stream():
    body = "".join(f"Org {i},L36 9GD\n" for i in range(10_000))
    data = ("Name,Postcode\n" + body + "Café Co-op,L36 9GD\n").encode("cp1252")
    assert len(data) > 64 * 1024
    fmt, rows = rows_of(data)
    assert fmt.encoding == "cp1252"
    assert rows[-1] == SheetRow(10_002, ("Café Co-op", "L36 9GD"))


def test_windows_1252_after_the_sample_of_a_one_way_stream_is_a_clear_error():
    body = "".join(f"Org {i},L36 9GD\n" for i in range(10_000))
    data = ("Name,Postcode\n" + body + "Café Co-op,L36 9GD\n").encode("cp1252")
    sheet = read_sheet(io.BufferedReader(OneWay(data)))
    assert sheet.format.encoding == "utf-8"
    with pytest.raises(ImportFormatError, match="mixes text encodings"):
        list(sheet)


def test_reading_leaves_the_callers_stream_open():
    stream = io.BytesIO(PLAIN.encode())
    assert len(list(read_sheet(stream))) == 2
    assert not stream.closed


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


# --- Column mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Organisation Name", "name"),
        ("ORGANISATION_NAME", "name"),
        ("  Name ", "name"),
        ("Company number", "registration_number"),
        ("Reg. No.", "registration_number"),
        ("E-mail address", "email"),
        ("Web site", "website"),
        ("Post Code", "postcode"),
        ("Town/City", "town"),
        ("Telephone", "phone"),
        ("Registered State/Province", None),
        ("SIC code  - level 2 description", None),
        ("", None),
    ],
)
def test_header_aliases(header, field):
    mapping = ColumnMapping.auto(["Zzz", header])
    assert mapping.columns.get(field or "", None) == (1 if field else None)
    assert (header.strip() in mapping.unmapped_headers) == (field is None and bool(header.strip()))


def test_the_first_of_two_headers_for_a_field_wins():
    mapping = ColumnMapping.auto(["Name", "Organisation name", "Postcode"])
    assert mapping.header_for("name") == "Name"
    assert mapping.unmapped_headers == ["Organisation name"]


def test_officer_overrides_the_mapping():
    mapping = ColumnMapping.auto(["Org", "Notes", "Postcode"])
    assert mapping.header_for("name") is None
    with pytest.raises(MappingError, match="organisation's name"):
        mapping.check()
    changed = mapping.override({"name": "Org", "description": "Notes", "postcode": None})
    changed.check()
    assert (changed.header_for("name"), changed.header_for("description"), changed.header_for("postcode")) == (
        "Org",
        "Notes",
        None,
    )
    assert changed.unmapped_headers == ["Postcode"]
    assert ("Name", "Org") in changed.rows()
    assert mapping.header_for("name") is None  # the original is unchanged


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"colour": "Org"}, "'colour' is not a field"),
        ({"name": "Organisation"}, "no column called 'Organisation'"),
    ],
)
def test_override_errors(choices, message):
    with pytest.raises(MappingError, match=message):
        ColumnMapping.auto(["Org", "Postcode"]).override(choices)


def test_one_column_for_two_fields_is_an_error():
    mapping = ColumnMapping.auto(["Org", "Postcode"]).override({"name": "Org", "trading_name": "Org"})
    with pytest.raises(MappingError, match="'Org' is chosen for both name and trading name"):
        mapping.check()


def test_parse_sheet_checks_the_mapping_first():
    sheet = read_sheet(io.BytesIO(b"Org,Postcode,Email\nA,L36 9GD,a@b.org\n"))
    with pytest.raises(MappingError):
        list(parse_sheet(sheet, ColumnMapping.auto(sheet.headers)))


# --- Legal forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "form", "noted"),
    [
        ("Society", LegalForm.COOPERATIVE, False),
        ("Co-operative society", LegalForm.COOPERATIVE, False),
        ("co-operative  Society", LegalForm.COOPERATIVE, False),
        ("Community benefit society", LegalForm.COMMUNITY_BENEFIT, False),
        ("BenCom", LegalForm.COMMUNITY_BENEFIT, False),
        ("Community Benefit Society (BenCom)", LegalForm.COMMUNITY_BENEFIT, False),
        ("CIC", LegalForm.CIC, False),
        ("C.I.C.", LegalForm.CIC, False),
        ("Community Interest Company", LegalForm.CIC, False),
        ("Company limited by guarantee", LegalForm.CLG, False),
        ("CLG", LegalForm.CLG, False),
        ("Company", LegalForm.UNKNOWN, True),
        ("Ltd", LegalForm.PRIVATE_COMPANY, False),
        ("Ltd.", LegalForm.PRIVATE_COMPANY, False),
        ("Limited company", LegalForm.PRIVATE_COMPANY, False),
        ("LLP", LegalForm.PRIVATE_COMPANY, False),
        ("Charity", LegalForm.CHARITY, False),
        ("CIO", LegalForm.CHARITY, False),
        ("SCIO", LegalForm.CHARITY, False),
        ("Charitable Incorporated Organisation", LegalForm.CHARITY, False),
        ("Scottish Charitable Incorporated Organisation", LegalForm.CHARITY, False),
        ("Sole trader", LegalForm.SOLE_TRADER, False),
        ("Partnership", LegalForm.SOLE_TRADER, False),
        ("Unincorporated", LegalForm.UNINCORPORATED, False),
        ("Unincorporated association", LegalForm.UNINCORPORATED, False),
        ("", None, False),
        ("   ", None, False),
        ("Trust", LegalForm.UNKNOWN, True),
        ("Mutual-ish thing", LegalForm.UNKNOWN, True),
    ],
)
def test_legal_form_words(words, form, noted):
    reading = legal_form_from_words(words)
    assert reading.form == form
    assert (reading.note is not None) == noted


def test_unknown_legal_form_words_are_shown_not_guessed():
    assert (
        legal_form_from_words("  Trust ").note
        == "'Trust' is not a legal form we recognise, so it is recorded as not known"
    )
    assert "limited by shares or by guarantee" in (legal_form_from_words("company").note or "")


# --- Row problems --------------------------------------------------------------------------------

HEADERS = ("Name", "Legal form", "Registration number", "Registrar", "Postcode", "Email", "Website")
MAPPING = ColumnMapping.auto(HEADERS)


def row(**values: str) -> tuple[str, ...]:
    keys = ("name", "legal_form", "number", "registrar", "postcode", "email", "website")
    defaults = {"name": "Good Org"}
    return tuple(values.get(k, defaults.get(k, "")) for k in keys)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (row(name="  "), [RowProblem(7, "Name", "The name is missing", rejects=True)]),
        (row(), []),
        (row(postcode=""), []),
        (
            row(postcode="XYZ"),
            [
                RowProblem(
                    7, "Postcode", "'XYZ' is not a full UK postcode, so the organisation will not be placed on the map"
                )
            ],
        ),
        (
            row(postcode="L36"),
            [
                RowProblem(
                    7, "Postcode", "'L36' is not a full UK postcode, so the organisation will not be placed on the map"
                )
            ],
        ),
        (
            row(email="not an email"),
            [RowProblem(7, "Email", "'not an email' is not an email address, so it was left out")],
        ),
        (
            row(website="not a website"),
            [RowProblem(7, "Website", "'not a website' is not a website address, so it was left out")],
        ),
        (
            row(number="ABC", registrar="Companies House"),
            [
                RowProblem(
                    7,
                    "Registration number",
                    "'ABC' is not a Companies House number in the right format, so the number was not kept",
                )
            ],
        ),
        (
            row(number="123", registrar="Land Registry"),
            [RowProblem(7, "Registrar", "'Land Registry' is not a register we recognise, so the number was not kept")],
        ),
        (
            row(number="IP123", registrar="DETINI"),
            [
                RowProblem(
                    7,
                    "Registrar",
                    "The register cannot record numbers from DETINI yet, so the number was not kept",
                )
            ],
        ),
        (
            row(number="123"),
            [RowProblem(7, "Registration number", "The register for '123' is not known, so the number was not kept")],
        ),
        (
            row(number="ABCDEFGHIJ", legal_form="CIC"),
            [
                RowProblem(
                    7,
                    "Registration number",
                    "'ABCDEFGHIJ' does not look like a number from the register for its legal form, "
                    "so the number was not kept",
                )
            ],
        ),
        (
            row(legal_form="Trust"),
            [RowProblem(7, "Legal form", "'Trust' is not a legal form we recognise, so it is recorded as not known")],
        ),
        (
            row(name="", postcode="XYZ"),
            [
                RowProblem(7, "Name", "The name is missing", rejects=True),
                RowProblem(
                    7, "Postcode", "'XYZ' is not a full UK postcode, so the organisation will not be placed on the map"
                ),
            ],
        ),
    ],
)
def test_row_problems(cells, expected):
    parsed = parse_row(cells, MAPPING, 7)
    assert list(parsed.problems) == expected
    assert parsed.rejected == any(p.rejects for p in expected)
    assert parsed.errors + parsed.warnings == sorted(parsed.problems, key=lambda p: not p.rejects)


@pytest.mark.parametrize(
    ("cells", "org_id"),
    [
        (row(number="525R", registrar="FCA"), "GB-MPR-525R"),
        (row(number="1234567", registrar="Companies House"), "GB-COH-01234567"),
        (row(number="SC012345", registrar="OSCR"), "GB-SC-SC012345"),
        (row(number="1123456", registrar="Charity Commission"), "GB-CHC-1123456"),
        (row(number="100001", registrar="CCNI"), "GB-NIC-100001"),
        (row(number="SC123456", legal_form="CIC"), "GB-COH-SC123456"),
        (row(number="1234", legal_form="CLG"), "GB-COH-00001234"),
        (row(number="1234", legal_form="Ltd"), "GB-COH-00001234"),
        (row(number="31129", legal_form="Society"), "GB-MPR-31129"),
        (row(number="7029", legal_form="BenCom"), "GB-MPR-7029"),
        (row(number="1123456", legal_form="Charity"), "GB-CHC-1123456"),
        (row(number="SC012345", legal_form="SCIO"), "GB-SC-SC012345"),
        (row(number="NIC100001", legal_form="Charity"), "GB-NIC-100001"),
        (row(number="31129", legal_form="Society", registrar="Legal Form is not defined"), "GB-MPR-31129"),
        (row(number="31129", legal_form="Unincorporated"), None),
        (row(legal_form="CIC"), None),
    ],
)
def test_org_ids(cells, org_id):
    assert parse_row(cells, MAPPING, 2).org_id == org_id


@pytest.mark.parametrize(
    ("website", "expected"),
    [
        ("www.example.org", "https://www.example.org"),
        ("http://example.org/about", "http://example.org/about"),
        ("HTTPS://Example.ORG", "HTTPS://Example.ORG"),
        ("example", None),
        ("http://", None),
    ],
)
def test_websites(website, expected):
    assert parse_row(row(website=website), MAPPING, 2).website == expected


def test_parse_row_needs_a_row_number_for_bare_cells():
    with pytest.raises(TypeError):
        parse_row(row(), MAPPING)


def test_short_rows_are_padded_with_a_warning():
    parsed = parse_row(("Short Org",), MAPPING, 9)
    assert (parsed.name, parsed.postcode, parsed.rejected) == ("Short Org", None, False)
    assert [p.message for p in parsed.problems] == [
        f"This row has 1 cells but the header has {len(MAPPING.headers)}: the missing cells were read as blank"
    ]


def test_long_rows_with_values_past_the_header_are_rejected():
    cells = (*row(name="Shifted Org"), "", "spilled value")
    parsed = parse_row(cells, MAPPING, 4)
    assert parsed.rejected
    assert parsed.errors[0].column is None
    assert "may be in the wrong columns" in parsed.errors[0].message


def test_long_rows_with_only_blank_extra_cells_are_fine():
    parsed = parse_row((*row(name="Trailing Commas"), "", ""), MAPPING, 4)
    assert parsed.problems == ()


def test_a_name_past_its_limit_rejects_the_row_naming_the_column():
    parsed = parse_row(row(name="N" * 10_000), MAPPING, 5)
    assert parsed.rejected
    assert [(p.column, p.message) for p in parsed.errors] == [
        (MAPPING.header_for("name"), "The name is longer than 300 characters")
    ]


def test_a_long_website_is_left_out_with_a_warning():
    parsed = parse_row(row(name="Wordy", website="x" * 10_000), MAPPING, 5)
    assert not parsed.rejected
    assert parsed.website is None
    assert [p.message for p in parsed.problems] == ["The website is longer than 500 characters, so it was left out"]


@pytest.mark.parametrize(
    "start", [b"PK\x03\x04rest-of-xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1", b"%PDF-1.7", b"name,postcode\x00\x00"]
)
def test_binary_files_are_refused(start):
    with pytest.raises(ImportFormatError, match="not a CSV file"):
        read_sheet(io.BytesIO(start + b"\n" * 10))


# --- Duplicates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "key"),
    [
        (row(number="525R", registrar="FCA", postcode="L36 9GD"), "GB-MPR-525R"),
        (row(name="Good Org Ltd.", postcode="l369gd"), "goodorgltd|L36 9GD"),
        (row(name="Good Org"), "goodorg|"),
        (row(name=""), None),
    ],
)
def test_duplicate_key(cells, key):
    assert duplicate_key(parse_row(cells, MAPPING, 2)) == key


def test_duplicates_are_flagged_from_the_second_occurrence():
    cells = [
        row(name="Alpha", number="525R", registrar="FCA"),
        row(name="Beta", postcode="L36 9GD"),
        row(name="Alpha Renamed", number="525 r", registrar="FCA"),
        row(name="BETA", postcode="L369GD"),
        row(name="Beta", postcode="L36 9GE"),
        row(name="Alpha", number="525R", registrar="FCA"),
        row(name=""),
        row(name=""),
    ]
    parsed = list(flag_duplicates((parse_row(c, MAPPING, n) for n, c in enumerate(cells, start=2)), MAPPING))
    flagged = [
        (p.row_number, p.column, p.message, p.rejects) for r in parsed for p in r.problems if "Same" in p.message
    ]
    assert flagged == [
        (4, "Registration number", "Same organisation as row 2", True),
        (5, "Name", "Same organisation as row 3", True),
        (7, "Registration number", "Same organisation as row 2", True),
    ]


def test_the_formula_guard_our_downloads_add_is_dropped_on_the_way_back_in() -> None:
    mapping = ColumnMapping(("Name", "Phone", "Description"), {"name": 0, "phone": 1, "description": 2})
    parsed = parse_row(("Guarded Org", "'+44 151 000 0000", "'-minus sign first"), mapping, 2)
    assert (parsed.phone, parsed.description) == ("+44 151 000 0000", "-minus sign first")
    kept = parse_row(("O'Brien Ltd", "'Tis a number", ""), mapping, 3)
    assert (kept.name, kept.phone) == ("O'Brien Ltd", "'Tis a number")  # an apostrophe that guards nothing stays


# --- Issue 11: Companies House categories, numbers kept by shape, dissolved rows, formulas, blank rows, counts ---


@pytest.mark.parametrize(
    ("words", "form"),
    [
        # Companies House CompanyCategory labels, as its bulk product writes them.
        ("Private Limited Company", LegalForm.PRIVATE_COMPANY),
        ("Private company", LegalForm.PRIVATE_COMPANY),
        ("PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)", LegalForm.CLG),
        ("PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)", LegalForm.CLG),
        ("PRIV LTD SECT. 30 (Private limited company, section 30 of the Companies Act)", LegalForm.CLG),
        ("Public Limited Company", LegalForm.PRIVATE_COMPANY),
        ("Community Interest Company", LegalForm.CIC),
        ("Registered Society", LegalForm.COOPERATIVE),
        ("Charitable Incorporated Organisation", LegalForm.CHARITY),
        ("Scottish Charitable Incorporated Organisation", LegalForm.CHARITY),
        ("Limited Liability Partnership", LegalForm.PRIVATE_COMPANY),
        ("Industrial and Provident Society", LegalForm.COOPERATIVE),
        ("Private Unlimited Company", LegalForm.OTHER),
        ("Limited Partnership", LegalForm.OTHER),
        ("Royal Charter Company", LegalForm.OTHER),
        # What finance systems write.
        ("Ltd", LegalForm.PRIVATE_COMPANY),
        ("Limited Company", LegalForm.PRIVATE_COMPANY),
        ("Ltd Company", LegalForm.PRIVATE_COMPANY),
        ("PLC", LegalForm.PRIVATE_COMPANY),
        ("Sole Trader", LegalForm.SOLE_TRADER),
        ("Self-employed", LegalForm.SOLE_TRADER),
        ("Charity", LegalForm.CHARITY),
        ("Charitable Company", LegalForm.CHARITY),
        ("Co-op", LegalForm.COOPERATIVE),
        ("Credit Union", LegalForm.COOPERATIVE),
        ("CBS", LegalForm.COMMUNITY_BENEFIT),
        ("CIC Limited by Guarantee", LegalForm.CIC),
        ("Ltd by Guarantee", LegalForm.CLG),
        ("Community Group", LegalForm.UNINCORPORATED),
    ],
)
def test_companies_house_categories_and_finance_system_words_are_read(words, form):
    reading = legal_form_from_words(words)
    assert (reading.form, reading.note) == (form, None)


@pytest.mark.parametrize(
    ("cells", "org_id", "noted"),
    [
        # An unknown or blank legal form keeps a number only one register issues.
        (row(number="01234567", legal_form="Trust"), "GB-COH-01234567", False),
        (row(number="RS007155", legal_form="Private company of some kind"), "GB-COH-RS007155", False),
        (row(number="OC301234"), "GB-COH-OC301234", False),
        (row(number="NIC100001"), "GB-NIC-100001", False),
        (row(number="2456RS", legal_form="Company"), "GB-MPR-2456RS", False),
        # A charity that gives its company number: kept as a Companies House number, and said.
        (row(number="04123456", legal_form="Charity"), "GB-COH-04123456", True),
        # Shapes more than one register issues are not guessed.
        (row(number="SC123456"), None, True),
        (row(number="1123456"), None, True),
        (row(number="31129", legal_form="Unincorporated"), None, True),
    ],
)
def test_a_valid_number_is_kept_whatever_the_legal_form(cells, org_id, noted):
    parsed = parse_row(cells, MAPPING, 2)
    assert parsed.org_id == org_id
    assert parsed.registration_number == cells[2]
    number_notes = [p for p in parsed.problems if p.column == "Registration number"]
    assert bool(number_notes) == noted
    assert not parsed.rejected


def test_a_companies_house_bulk_file_maps_its_columns():
    headers = (
        "CompanyName",
        " CompanyNumber",
        "RegAddress.AddressLine1",
        "RegAddress.PostTown",
        "RegAddress.PostCode",
        "CompanyCategory",
        "CompanyStatus",
        "DissolutionDate",
        "IncorporationDate",
    )
    mapping = ColumnMapping.auto(headers)
    assert {f: mapping.header_for(f) for f in mapping.columns} == {
        "name": "CompanyName",
        "registration_number": "CompanyNumber",
        "address": "RegAddress.AddressLine1",
        "town": "RegAddress.PostTown",
        "postcode": "RegAddress.PostCode",
        "legal_form": "CompanyCategory",
        "status": "CompanyStatus",
        "dissolved_on": "DissolutionDate",
    }
    cells = (
        "! LTD",
        "08209948",
        "9 PRINCES SQUARE",
        "HARROGATE",
        "HG1 1ND",
        "Private Limited Company",
        "Active",
        "",
        "",
    )
    parsed = parse_row(cells, mapping, 2)
    assert (parsed.legal_form, parsed.org_id, parsed.ended, parsed.problems) == (
        LegalForm.PRIVATE_COMPANY,
        "GB-COH-08209948",
        False,
        (),
    )


def test_coops_uk_status_and_dissolved_date_map_and_mark_the_dead(coops_uk):
    mapping, parsed, plain = coops_uk
    assert mapping.header_for("status") == "Registered Status"
    assert mapping.header_for("dissolved_on") == "Dissolved Date"
    dead = [r for r in plain if r["Registered Status"] == "Dead" or r["Dissolved Date"].strip()]
    assert len(dead) == 1557
    assert sum(1 for r in parsed if r.ended) == 1557
    dated = sum(1 for r in plain if r["Dissolved Date"].strip())
    assert sum(1 for r in parsed if r.status.on is not None) == dated == 1550
    assert not any(r.ended for r in parsed if r.source_reference == "R000001")


@pytest.mark.parametrize(
    ("status", "dissolved", "ended", "on", "noted"),
    [
        ("Live", "", False, None, False),
        ("Active", "", False, None, False),
        ("Registered", "", False, None, False),
        ("", "", False, None, False),
        ("Dead", "11/8/1999", True, date(1999, 8, 11), False),
        ("Dead", "", True, None, False),
        ("Dissolved", "2012-05-03", True, date(2012, 5, 3), False),
        ("Removed", "", True, None, False),
        ("Struck off", "", True, None, False),
        ("Converted/Closed", "", True, None, False),
        ("", "3 May 2012", True, date(2012, 5, 3), False),
        ("Live", "03/05/2012", True, date(2012, 5, 3), False),  # a date of dissolution wins: never published
        ("", "Yes", True, None, False),
        ("", "No", False, None, False),
        ("", "last spring", True, None, True),  # not a date, but something is there: taken as ended, and said
        ("Liquidation", "", False, None, True),
        ("Active - Proposal to Strike off", "", False, None, True),
        ("Sleeping", "", False, None, True),
    ],
)
def test_reading_status_and_dissolution(status, dissolved, ended, on, noted):
    reading = read_status(status, dissolved)
    assert (reading.ended, reading.on, reading.note is not None) == (ended, on, noted)


def test_what_happens_to_a_dissolved_row_is_said_in_words():
    reading = read_status("Dead", "11/8/1999")
    assert dissolved_message(reading, DissolvedRows.REJECT) == (
        "The file says it has ended (status 'Dead', dissolved on 11 August 1999), so it was not imported"
    )
    assert dissolved_message(reading, DissolvedRows.ARCHIVE).endswith(
        "so it is kept on the register as archived and never published"
    )


@pytest.mark.parametrize(
    ("headers", "cells", "columns"),
    [
        (("Name",), ('=HYPERLINK("http://evil.example","Click")',), ["Name"]),
        (("Name", "Town"), ("Good Org", "+Huyton"), ["Town"]),
        (("Name", "Description"), ("@SUM(A1)", "-2+3"), ["Name", "Description"]),
        (("Name", "Phone"), ("Good Org", "+44 151 443 2000"), []),  # a phone number, not a formula
        (("Name", "Phone"), ("Good Org", "+cmd|' /C calc'!A0"), ["Phone"]),
        (("Name",), ("'=1+2",), ["Name"]),  # our own download's guard is dropped, so the formula is seen again
        (("Name",), ('\uff1dHYPERLINK("http://evil.example","Click")',), ["Name"]),  # full-width =, as exports see it
        (("Name", "Town"), ("Good Org", "\uff20Huyton"), ["Town"]),
        (("Name", "Phone"), ("Good Org", "\uff0b44 151 443 2000"), ["Phone"]),  # only a plain + starts a phone number
        (("Name",), ("'\uff0b1",), ["Name"]),  # the guard our downloads put before a full-width + is dropped too
        (("Name",), ("' =1+2",), ["Name"]),  # and the one before a space and =
        (("Name",), ("Good Org",), []),
    ],
)
def test_formula_like_cells_are_warned_not_rejected(headers, cells, columns):
    parsed = parse_row(cells, ColumnMapping.auto(headers), 2)
    formula = [p for p in parsed.problems if p.code == FORMULA]
    assert [p.column for p in formula] == columns
    assert not parsed.rejected
    assert all("may run it as a formula" in p.message for p in formula)


def test_blank_rows_are_counted():
    data = b"name,postcode\nOne,L36 9GD\n,\n\n  ,  \nTwo,\n,\n"
    sheet = read_sheet(io.BytesIO(data))
    assert [r.row_number for r in sheet] == [2, 6]
    assert sheet.blank_rows == 4


@pytest.mark.parametrize(
    ("counts", "sentence"),
    [
        (
            {"rows": 109, "unchanged": 105, "rejected": 4},
            "Nothing on the register changed: 105 rows already on the register as the file has them and "
            "4 rows rejected.",
        ),
        (
            {"rows": 8, "unchanged": 8},
            "Nothing on the register changed: all 8 organisations in the file are on it already, as the file has them.",
        ),
        (
            {"rows": 5, "created": 1, "updated": 2, "archived": 1, "rejected": 1},
            "1 new organisation added, 2 organisations updated, 1 dissolved organisation kept as archived "
            "and 1 row rejected.",
        ),
        ({"rows": 0}, "The file has no rows to import, so nothing on the register changed."),
    ],
)
def test_an_imports_outcome_in_one_sentence(counts, sentence):
    assert describe_outcome(counts) == sentence


def test_before_the_import_the_outcome_says_what_it_would_do():
    counts = {"rows": 5, "created": 2, "possible_match": 1, "unchanged": 1, "rejected": 1}
    assert describe_outcome(counts, done=False) == (
        "2 new organisations to add, 1 row already on the register as the file has them, 1 possible match to "
        "decide and 1 row to reject."
    )
    assert describe_outcome({"rows": 2, "unchanged": 2}, done=False) == (
        "Importing it would change nothing on the register: all 2 organisations in the file are on it already, as "
        "the file has them."
    )


def test_progress_in_words():
    assert describe_progress("check", 2000, 0.24) == "2,000 rows checked (24% of the file)"
    assert (
        describe_progress("commit", 2000, 0.25, total_rows=8000, seconds=10)
        == "2,000 of 8,000 rows imported (25%), about 30 seconds left"
    )
    assert describe_progress("commit", 1, 0.001, total_rows=1, seconds=1) == "1 of 1 row imported (0%)"


@pytest.mark.parametrize(
    ("rejects", "code", "row_rejected", "words"),
    [
        (True, None, True, "Not imported"),
        (False, None, True, "Not imported (the row has another problem)"),
        (False, None, False, "Imported without this value"),
        (False, "flagged", False, "Not imported: the organisation on the register is flagged for checking"),
        (False, "ended", False, "Imported as archived, never published"),
        (False, "formula", False, "Imported, as text"),
        (False, "not_placed", False, "Imported, flagged 'not placed'"),
    ],
)
def test_what_a_problem_means_for_its_row(rejects, code, row_rejected, words):
    assert problem_outcome(rejects, code, row_rejected) == words


def test_the_undo_summary_says_how_many_were_left_and_why() -> None:
    from app.domain.imports import describe_undo, status_changed_reason
    from app.domain.providers import ProviderStatus

    published = status_changed_reason(ProviderStatus.VERIFIED)
    assert published == "it has been published since the import"
    left = [{"provider_id": n, "name": f"Org {n}", "reason": published} for n in range(89)]
    left.append({"provider_id": 100, "name": "Claimed", "reason": "people have signed in as it"})
    assert describe_undo({"removed": 6604, "restored": 15, "gone": 0, "left": left}) == (
        "Then undone: 6,604 removed and 15 restored; 89 left because they have been published since the import; "
        "1 left because people have signed in as it."
    )
    assert describe_undo({"removed": 2, "restored": 0, "left": []}) == "Then undone: 2 removed and 0 restored."


def test_every_rejected_row_is_explained_once_so_the_parts_add_up() -> None:
    from app.domain.imports import ENDED, rejected_reasons

    errors = [(n, ENDED, "Status", "dissolved") for n in range(2, 1559)]
    errors += [
        (8137, None, "Registered Number", "Same organisation as row 4536"),
        (9000, None, "Name", "There is no name"),
        (9000, None, "Postcode", "second problem on the same row"),
    ]
    reasons = rejected_reasons(errors)
    assert reasons == [
        ("the file says they are dissolved, removed or struck off", 1557),
        ("repeats an earlier row", 1),
        ('has a problem in the "Name" column', 1),
    ]
    assert sum(n for _, n in reasons) == len({row for row, *_ in errors})
