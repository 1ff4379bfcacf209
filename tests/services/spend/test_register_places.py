"""A payee that is on no organisation of this register, and near none, is placed by a public register: by its
company number or its exact name, at the registered office the register gives, with that basis recorded; never by
a name several registered organisations share."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.domain.providers import LegalForm
from app.domain.registers import Register
from app.domain.spend.classification import PlaceBasis, Resolution, SpendPlace
from app.models import Council
from app.services.councils import council_by_code
from app.services.registers import load_register
from app.services.seed import SeedReport
from app.services.spend.classify import classify_suppliers
from app.services.spend.suppliers import resolve_suppliers
from tests.registers_data import company_row, write_companies
from tests.services.spend.test_resolution import KNOWSLEY, NOW, Line, booked, organisation

CIC = "Community Interest Company"


@pytest.fixture
def council(reference: SeedReport, session: Session) -> Council:
    found = council_by_code(session, KNOWSLEY)
    assert found is not None
    return found


def _companies(session: Session, tmp_path: Path) -> None:
    rows = [
        company_row(
            "09876543", "STOCKBRIDGE VILLAGE BAKERY C.I.C.", CompanyCategory=CIC, **{"RegAddress.PostCode": "L34 1AA"}
        ),
        company_row("01111111", "NATIONAL STATIONERY SUPPLIES LIMITED", **{"RegAddress.PostCode": "L36 9GD"}),
        company_row("02222221", "TWIN NAME LTD", **{"RegAddress.PostCode": "L36 9GD"}),
        company_row("02222222", "TWIN NAME LIMITED", **{"RegAddress.PostCode": "L34 1AA"}),
        company_row("03333333", "NO OFFICE LTD", **{"RegAddress.PostCode": ""}),
    ]
    path = write_companies(tmp_path / "BasicCompanyData-2026-12-01.csv", rows)
    load_register(session, Register.COMPANIES_HOUSE, [path], date(2026, 12, 4))


def test_a_payee_only_on_companies_house_is_placed_by_its_registered_office(
    session: Session, council: Council, tmp_path: Path
) -> None:
    _companies(session, tmp_path)
    bakery, stationery, twin, office, nobody = booked(
        session,
        council,
        Line("Stockbridge Village Bakery CIC"),
        Line("NAT STATIONERY", company_number="1111111"),  # its number, as a spreadsheet left it
        Line("Twin Name Ltd"),
        Line("No Office Ltd"),
        Line("Nobody Anywhere Ltd"),
    )
    report = resolve_suppliers(session, council, None, NOW)
    classify_suppliers(session, council, None, NOW)

    assert report.registered == 2 and report.unresolved == 3
    assert (bakery.resolution, bakery.postcode, bakery.resolved_how) == (
        Resolution.REGISTERED,
        "L34 1AA",
        "registered office (Companies House, 1 December 2026): its exact name",
    )
    assert (bakery.place, bakery.place_basis, bakery.district_code) == (
        SpendPlace.LOCAL,
        PlaceBasis.REGISTERED_OFFICE,
        "E08000011",
    )
    assert bakery.legal_form == LegalForm.CIC and bakery.social_economy  # the register's category
    assert stationery.resolved_how == "registered office (Companies House, 1 December 2026): company number 01111111"
    assert stationery.legal_form == LegalForm.PRIVATE_COMPANY and not stationery.social_economy
    # Two companies of that name, no office to place by, nothing at all: left for the officer, nothing guessed.
    assert twin.resolution == office.resolution == nobody.resolution == Resolution.UNRESOLVED


def test_an_organisation_on_this_register_comes_first(session: Session, council: Council, tmp_path: Path) -> None:
    _companies(session, tmp_path)
    ours = organisation(session, "Stockbridge Village Bakery CIC")
    [bakery] = booked(session, council, Line("Stockbridge Village Bakery CIC"))
    resolve_suppliers(session, council, None, NOW)
    assert (bakery.resolution, bakery.provider_id) == (Resolution.MATCHED, ours.id)


def test_without_a_loaded_register_nothing_changes(session: Session, council: Council) -> None:
    [bakery] = booked(session, council, Line("Stockbridge Village Bakery CIC"))
    report = resolve_suppliers(session, council, None, NOW)
    assert report.registered == 0 and bakery.resolution == Resolution.UNRESOLVED
