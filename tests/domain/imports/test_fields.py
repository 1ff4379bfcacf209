"""The supplier fields, the headings that name them, and the officer's column mapping."""

from __future__ import annotations

import io

import pytest

from app.domain.imports.duplicates import parse_sheet
from app.domain.imports.fields import ColumnMapping, MappingError
from app.domain.imports.reading import read_sheet
from app.domain.imports.rows import parse_row
from app.domain.providers import LegalForm

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
