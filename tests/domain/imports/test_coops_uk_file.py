"""The real Co-operatives UK file (Co-operatives UK open data, June 2017) read, mapped and parsed whole."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

import pytest

from app.domain.imports.duplicates import parse_sheet
from app.domain.imports.fields import ColumnMapping
from app.domain.imports.reading import read_sheet
from app.domain.imports.rows import ParsedRow
from app.domain.providers import LegalForm

COOPS_UK = Path(__file__).parents[3] / "seed_data/social_economy/coops_uk_open_data_organisations_2017-06.csv.gz"


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
