"""Every page a role can reach, at 320 CSS px and on a desktop: nothing scrolls sideways (WCAG 2.2, 1.4.10)
and axe-core finds no violations. The journeys cover the pages behind forms (imports, bands, searches, records,
registration, spend); this visits the rest with data long enough to stretch them (the spend pages with payees, file
names, headings and categories as long as councils' files have them)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from app.domain.providers import LegalForm, ProviderStatus
from app.domain.registers import Register
from app.domain.roles import Role
from app.domain.spend.classification import Exclusion, PlaceBasis, Resolution, SpendPlace
from app.domain.spend.lifecycle import SpendBatchStatus
from app.extensions import db
from app.models import (
    Council,
    Provider,
    ProviderIdentifier,
    RegisterCheckRun,
    ServiceCategory,
    SpendCategoryService,
    SpendRejection,
)
from app.services.audit import Actor
from app.services.ownership import load_psc
from app.services.register_checks import check_providers
from app.services.registers import load_register
from tests import factories
from tests.browser.conftest import axe_violations, browser_widths, sign_in
from tests.registers_data import company_row, write_companies
from tests.spend_factories import payment, spend_batch, spend_supplier

LONG_NAME = "The Knowsley and Liverpool City Region Community Wellbeing and Neighbourhood Navigation CIC"


#: Payees, headings and categories as long as councils' files have them (one a file name with no place to break).
LONG_PAYEE = (
    "THE KNOWSLEY AND LIVERPOOL CITY REGION COMMUNITY WELLBEING AND NEIGHBOURHOOD NAVIGATION CIC T/A KNOWSLEY "
    "WELLBEING HUB - ACCOUNT 4035576019 - 2 FOXHILL BANK"
)
LONG_FILE = "knowsley_council_payments_over_500_april_and_may_2026_including_schools_and_capital_v2_FINAL.csv"
LONG_CATEGORY = "Environmental Services - Parks, Open Spaces, Cemeteries and Crematoria Grounds Maintenance (Contract)"
LONG_HEADINGS = [
    "Directorate / Department Area",
    "Service Area (Cost Centre Description)",
    "Expenditure Category (ProClass Level 2)",
    "Beneficiary Name (Supplier as held on the Finance System)",
    "Date Paid (Payment Run Date)",
    "Transaction Number / HBC Ref No.",
    "Purpose of Expenditure (Narrative)",
    "Net Amount (£) Excluding Irrecoverable VAT",
]


@dataclass(frozen=True)
class Spend:
    """The council's spend: an imported file with rejected rows, one with its columns to confirm, suppliers."""

    imported_id: int
    mapping_id: int
    unresolved_id: int
    suggested_id: int


@dataclass(frozen=True)
class World:
    emails: dict[Role, str]
    published_id: int
    submitted_id: int
    spend: Spend


def _spend(session: Session, council: Council, published: Provider, submitted: Provider) -> Spend:
    """Two months of payments, classified as the test says, to every kind of supplier; a file to map."""
    grounds = ServiceCategory(
        slug="grounds-maintenance-and-gardening",
        name="Grounds maintenance and gardening",
        description="Parks and green space maintenance, gardening, tree work and landscaping.",
    )
    session.add(grounds)
    session.flush()
    published.services.append(grounds)
    batch = spend_batch(
        session,
        council,
        file_name=LONG_FILE,
        period_start=date(2026, 4, 2),
        period_end=date(2026, 5, 28),
        file_total_pence=9_876_543_21,
    )
    local = spend_supplier(
        session,
        council,
        LONG_NAME,
        place=SpendPlace.LOCAL,
        basis=PlaceBasis.TRADING_SITE,
        legal_form=LegalForm.CIC,
        imd_decile=1,
        provider=published,
    )
    wider = spend_supplier(
        session,
        council,
        "Liverpool City Region Grounds Maintenance and Arboricultural Services Limited",
        place=SpendPlace.WIDER,
        basis=PlaceBasis.OFFICER,
        legal_form=LegalForm.PRIVATE_COMPANY,
        sme=True,
        imd_decile=6,
        place_postcode="L1 8JQ",
    )
    outside = spend_supplier(
        session, council, "Northern Regional Office Supplies and Facilities Management Ltd", place=SpendPlace.OUTSIDE
    )
    unresolved = spend_supplier(session, council, LONG_PAYEE)
    suggested = spend_supplier(
        session,
        council,
        "Stockbridge Village Youth Trst",
        resolution=Resolution.SUGGESTED,
    )
    suggested.candidate_provider_id = submitted.id
    suggested.candidate_score = 96.6
    excluded = spend_supplier(
        session, council, "HM Revenue & Customs", place=SpendPlace.NOT_A_SUPPLIER, exclusion=Exclusion.TAX
    )
    rows = [
        (local, 2_730_00, date(2026, 4, 7), "Adult Social Care and Health Integrated Commissioning"),
        (local, 1_365_00, date(2026, 5, 19), "Adult Social Care and Health Integrated Commissioning"),
        (wider, 1_248_000_00, date(2026, 4, 21), LONG_CATEGORY),
        (wider, -1_250_00, date(2026, 5, 20), LONG_CATEGORY),
        (outside, 97_550, date(2026, 4, 30), "ICT and Digital Transformation Programme"),
        (unresolved, 3_456_789_00, date(2026, 5, 2), "Children's Services - Home to School Transport (SEND)"),
        (suggested, 4_150_00, date(2026, 5, 27), "Children's Services - Youth Services and Positive Activities"),
        (excluded, 18_000_00, date(2026, 4, 28), "Corporate Finance - Payroll and Pensions Control Account"),
    ]
    for number, (supplier, pence, paid_on, service_area) in enumerate(rows, start=3):
        payment(
            session,
            batch,
            supplier,
            pence,
            paid_on,
            row_number=number,
            department="Place, Regeneration, Environment and Neighbourhood Services Directorate",
            service_area=service_area,
            expense_type="Third Party Payments - Private Contractors - Grounds Maintenance and Arboriculture",
            description='=HYPERLINK("http://example.com","Invoice CRINV0000848/CRINV0000849/CRINV0000850")',
            transaction_number=f"KMBC-2026-27-{number:06d}-PAYMENT-RUN-0417",
        )
    for number, (code, column, cell) in enumerate(
        [
            ("amount", LONG_HEADINGS[7], "£1,680.00 (see invoices CRINV0000848, CRINV0000849 and CRINV0000850)"),
            ("fused", LONG_HEADINGS[4], "05/10/20241,680.00JAMESOGARNETTLIMITEDONCALLCHARGESCRINV0000848"),
            ("supplier", LONG_HEADINGS[3], ""),
        ],
        start=20,
    ):
        session.add(
            SpendRejection(
                batch_id=batch.id, row_number=number, code=code, column=column, cell=cell, reason=f"{column}: {cell}"
            )
        )
    total = sum(pence for _, pence, _, _ in rows)
    batch.counts = {
        "rows": len(rows) + 3,
        "payments": len(rows),
        "rejected": 3,
        "blank": 2,
        "credits": 1,
        "total_pence": total,
        "credits_pence": -1_250_00,
        "duplicates": 0,
        "suppliers_new": 6,
    }
    batch.file_total_pence = total + 1_680_00
    session.add(
        SpendCategoryService(
            council_id=council.id, dimension="service_area", label=LONG_CATEGORY, service_category_id=grounds.id
        )
    )
    waiting = spend_batch(
        session, council, file_name=LONG_FILE.replace("april", "june"), status=SpendBatchStatus.MAPPING
    )
    waiting.file_format = {
        "kind": "csv",
        "encoding_name": "Windows-1252",
        "header_row_number": 3,
        "header_position": "top",
        "headers": LONG_HEADINGS,
        "sample_rows": [
            [
                "Place, Regeneration, Environment and Neighbourhood Services Directorate",
                LONG_CATEGORY,
                "Third Party Payments - Private Contractors",
                LONG_PAYEE,
                "05/06/2026",
                "KMBC-2026-27-000417-PAYMENT-RUN-0417",
                "Grass cutting, hedge trimming and arboricultural works at Page Moss Park and Stockbridge Village",
                "£1,248,000.00",
            ]
        ]
        * 3,
    }
    waiting.mapping = {"supplier_name": 3, "date": 4, "amount": 7, "department": 0, "service_area": 1}
    session.flush()
    return Spend(batch.id, waiting.id, unresolved.id, suggested.id)


def _psc_snapshot(tmp_path: Path) -> Path:
    """A PSC snapshot (tests/fixtures/psc/README.md) in which the published provider's company has a UK parent owned
    in the British Virgin Islands, both with names as long as the register's."""
    parent = {"country_registered": "England And Wales", "registration_number": "09876543"}
    offshore = {"country_registered": "Virgin Islands, British", "registration_number": "BVI-2045678"}
    natures = ["ownership-of-shares-75-to-100-percent", "voting-rights-75-to-100-percent"]
    records = [
        ("14567890", "KNOWSLEY AND LIVERPOOL CITY REGION COMMUNITY WELLBEING HOLDINGS LIMITED", parent),
        ("09876543", "INTERNATIONAL NEIGHBOURHOOD SERVICES GROUP (BRITISH VIRGIN ISLANDS) LIMITED", offshore),
    ]
    lines = [
        {
            "company_number": number,
            "data": {
                "kind": "corporate-entity-person-with-significant-control",
                "name": name,
                "identification": identification,
                "natures_of_control": [*natures, "right-to-appoint-and-remove-directors"],
                "notified_on": "2016-04-06",
            },
        }
        for number, name, identification in records
    ]
    totals = {"persons_of_significant_control_count": 2, "statements_count": 0, "exemptions_count": 0}
    lines.append({"data": {"kind": "totals#persons-of-significant-control-snapshot", **totals}})
    path = tmp_path / "persons-with-significant-control-snapshot-2026-12-01.txt"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def world(app: Flask, tmp_path: Path) -> World:
    with app.app_context():
        setup = factories.knowsley_council(db.session)
        published = factories.provider(
            db.session,
            LONG_NAME,
            ward_code=setup.ward.code,
            address="Unit 14, Knowsley Business Park, Prescot Road, Huyton-with-Roby",
        )
        # Its company on a loaded Companies House release, with a name and SIC texts as long as the register's.
        published.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="14567890", org_id="GB-COH-14567890"))
        company = company_row(
            "14567890",
            LONG_NAME.upper().replace(" CIC", " COMMUNITY INTEREST COMPANY"),
            CompanyCategory="PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)",
            **{
                "RegAddress.AddressLine1": "UNIT 14 KNOWSLEY BUSINESS PARK PRESCOT ROAD",
                "RegAddress.PostCode": "L34 9HY",
                "SICCode.SicText_1": "88990 - Other social work activities without accommodation n.e.c.",
                "SICCode.SicText_2": "94990 - Activities of other membership organisations not elsewhere classified",
            },
        )
        companies = write_companies(tmp_path / "BasicCompanyData-2026-12-01.csv", [company])
        load_register(db.session, Register.COMPANIES_HOUSE, [companies], date(2026, 12, 4))
        # Owned, on the PSC register, by an offshore parent with a long name: the review's ownership chain.
        load_psc(db.session, [_psc_snapshot(tmp_path)], date(2026, 12, 4))
        # Checked against it: the officer's review sets the register beside the answers, the public page says when.
        report = check_providers(db.session, None, Actor.system("test"), datetime(2026, 12, 4, 9, tzinfo=UTC))
        db.session.add(
            RegisterCheckRun(
                status="finished",
                started_by_label="a-rather-long-address-for-the-officer@knowsley-borough-council.example",
                finished_at=datetime(2026, 12, 4, 9, 5, tzinfo=UTC),
                providers=report.providers,
                numbers=report.numbers,
                flagged=[list(flagged) for flagged in report.flagged],
                registers="; ".join(report.registers),
            )
        )
        for n in range(3):
            factories.provider(db.session, f"Page Moss Food Co-operative {n}", ward_code=setup.ward.code)
        submitted = factories.provider(db.session, "Stockbridge Village Youth Trust", status=ProviderStatus.SUBMITTED)
        spend = _spend(db.session, setup.council, published, submitted)
        emails = {}
        for role in (Role.OFFICER, Role.COMMISSIONER, Role.PROVIDER):
            user = factories.user(
                db.session,
                role,
                email=f"a-rather-long-address-for-the-{role.value}@knowsley-borough-council.example",
                council=None if role == Role.PROVIDER else setup.council,
                provider=published if role == Role.PROVIDER else None,
            )
            emails[role] = user.email
        db.session.commit()
        return World(emails, published.id, submitted.id, spend)


#: The spend report's pages, as officers and commissioners reach them.
SPEND_REPORT = [
    "/spend",
    "/spend?period=month&month=2026-05&dimension=department",
    "/spend/compare?period=month&month=2026-05&with-period=month&with-month=2026-04",
    "/spend/payments?period=year&year=2026-27",
    "/spend/leakage",
]


def _pages(world: World) -> dict[Role | None, list[str]]:
    spend = world.spend
    return {
        None: [
            "/",
            "/directory",
            "/directory?q=food",
            f"/directory/{world.published_id}",
            "/data-sources",
            "/accessibility",
            "/privacy",
            "/cookies",
            "/sign-in",
            "/create-account",
            "/forgot-password",
        ],
        Role.OFFICER: [
            "/officer/",
            "/officer/reviews",
            f"/officer/providers/{world.submitted_id}/review",
            f"/officer/providers/{world.published_id}/review",
            "/officer/imports",
            "/officer/imports/new",
            "/officer/audit",
            "/officer/registers",
            "/officer/spend",
            f"/officer/spend/{spend.imported_id}",
            f"/officer/spend/{spend.imported_id}/undo",
            f"/officer/spend/{spend.mapping_id}",
            f"/officer/spend/{spend.mapping_id}/columns",
            "/officer/spend/suppliers",
            "/officer/spend/suppliers?show=all",
            f"/officer/spend/suppliers/{spend.unresolved_id}",
            f"/officer/spend/suppliers/{spend.suggested_id}",
            "/officer/spend/categories",
            *SPEND_REPORT,
        ],
        Role.COMMISSIONER: ["/commissioner/", "/commissioner/records", *SPEND_REPORT],
        Role.PROVIDER: [
            "/provider/",
            "/provider/organisation/name",
            "/provider/organisation/legal-form",
            "/provider/organisation/register-details",
            "/provider/premises",
            "/provider/areas-served",
            "/provider/services",
            "/provider/ownership",
            "/provider/size-and-fair-work",
            "/provider/contact-details",
            "/provider/check-your-answers",
            "/provider/colleagues",
            "/provider/join?q=food",
        ],
    }


@pytest.mark.parametrize("role", [None, Role.OFFICER, Role.COMMISSIONER, Role.PROVIDER], ids=lambda r: r or "public")
def test_every_page_fits_a_phone_and_passes_axe(role: Role | None, page: Page, live_server: str, world: World) -> None:
    if role is not None:
        sign_in(page, live_server, world.emails[role])
    problems = {}
    for path in _pages(world)[role]:
        for width in browser_widths():
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(f"{live_server}{path}")
            assert response is not None and response.status == 200, f"{path}: {response and response.status}"
            found = axe_violations(page)
            if found:
                problems[f"{path} at {width} px"] = found
    assert problems == {}
