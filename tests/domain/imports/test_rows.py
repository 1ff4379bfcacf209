"""One row typed and checked: what rejects it, what only leaves a value out."""

from __future__ import annotations

import pytest

from app.domain.imports.fields import ColumnMapping
from app.domain.imports.rows import FORMULA, RowProblem, parse_row
from tests.domain.imports.sample_rows import MAPPING, row


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


def test_the_formula_guard_our_downloads_add_is_dropped_on_the_way_back_in() -> None:
    mapping = ColumnMapping(("Name", "Phone", "Description"), {"name": 0, "phone": 1, "description": 2})
    parsed = parse_row(("Guarded Org", "'+44 151 000 0000", "'-minus sign first"), mapping, 2)
    assert (parsed.phone, parsed.description) == ("+44 151 000 0000", "-minus sign first")
    kept = parse_row(("O'Brien Ltd", "'Tis a number", ""), mapping, 3)
    assert (kept.name, kept.phone) == ("O'Brien Ltd", "'Tis a number")  # an apostrophe that guards nothing stays


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
