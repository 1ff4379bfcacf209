"""Pure mappings used when importing Co-operatives UK open data."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.providers import LegalForm
from app.services.seed import coops_uk_legal_form, parse_day_month_year, sic_description


@pytest.mark.parametrize(
    ("legal_form", "ownership", "expected"),
    [
        ("Society", "Consumers", LegalForm.COOPERATIVE),
        ("Society", "Workers", LegalForm.COOPERATIVE),
        ("Society", "", LegalForm.COOPERATIVE),
        # Co-operatives UK classifies community benefit societies as "Community of Interest"
        ("Society", "Community of Interest", LegalForm.COMMUNITY_BENEFIT),
        ("society", " community  of interest ", LegalForm.COMMUNITY_BENEFIT),
        ("Community Interest Company", "Workers", LegalForm.CIC),
        # Companies House "Company" does not say whether shares or guarantee: not known
        ("Company", "Workers", LegalForm.UNKNOWN),
        ("Company", "Community of Interest", LegalForm.UNKNOWN),
        ("LLP", "Workers", LegalForm.PRIVATE_COMPANY),
        ("Charitable Incorporated Organisation", "Community of Interest", LegalForm.CHARITY),
        ("Scottish Charitable Incorporated Organisation", "", LegalForm.CHARITY),
        ("Unincorporated", "Consumers", LegalForm.UNINCORPORATED),
        ("", "Multi-stakeholder", LegalForm.UNKNOWN),
        ("Something new", "", LegalForm.UNKNOWN),
    ],
)
def test_coops_uk_legal_form(legal_form: str, ownership: str, expected: LegalForm) -> None:
    assert coops_uk_legal_form(legal_form, ownership) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/5/1991", date(1991, 5, 15)),
        ("11/8/1863", date(1863, 8, 11)),
        ("01/12/2016", date(2016, 12, 1)),
        ("", None),
        ("31/2/2001", None),
        ("2001-02-03", None),
    ],
)
def test_parse_day_month_year(text: str, expected: date | None) -> None:
    assert parse_day_month_year(text) == expected


def test_sic_description_uses_the_deepest_level_given() -> None:
    row = {
        "SIC code  - level 4": "UKSIC07-9312",
        "SIC code  - level 4 description": "Activities of sport clubs",
        "SIC code  - level 5": "",
        "SIC code  - level 5 description": "",
    }
    assert (
        sic_description(row)
        == "Activities of sport clubs (SIC 2007 9312), as recorded by Co-operatives UK in June 2017."
    )
    assert sic_description({}) is None
