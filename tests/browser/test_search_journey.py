"""A commissioner searches for a £4,000 community navigation service in Knowsley, sees only local
providers with their reasons, saves a shortlist and downloads its CSV. axe-core checks each page."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.domain.providers import LegalForm
from app.domain.roles import Role
from app.extensions import db
from app.models import Council, ServiceCategory
from app.services import fulltext
from app.services.audit import Actor
from app.services.seed import load_reference_data
from tests import factories
from tests.browser.conftest import axe_violations

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "tests/fixtures/postcodes_sample.csv.gz", ROOT / "tests/fixtures/postcodes_sample_wards.csv.gz")
NAVIGATION = "Community support, advice and navigation"


@pytest.fixture
def commissioner_email(app: Flask) -> str:
    with app.app_context():
        load_reference_data(db.session, ROOT / "seed_data", Actor.system("test"), postcode_files=SAMPLE)
        council = db.session.scalar(select(Council))
        category = db.session.scalar(select(ServiceCategory).where(ServiceCategory.name == NAVIGATION))
        for name, district, form in [
            ("Page Moss Navigators CIC", "E08000011", LegalForm.CIC),
            ("Kirkby Community Co-operative", "E08000011", LegalForm.COOPERATIVE),
            ("City Centre Navigators Ltd", "E08000012", LegalForm.PRIVATE_COMPANY),
        ]:
            provider = factories.provider(db.session, name, district_code=district, legal_form=form)
            provider.services = [category]
            fulltext.refresh(db.session, provider)
        user = factories.user(db.session, Role.COMMISSIONER, email="buyer@knowsley.example", council=council)
        db.session.commit()
        return user.email


def accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def test_a_4000_navigation_service_is_shortlisted_and_exported(
    page: Page, live_server: str, commissioner_email: str
) -> None:
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(commissioner_email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Find providers for a contract").click()
    accessible(page)

    page.get_by_label("What are you buying?").select_option(label=NAVIGATION)
    page.get_by_label("Estimated value").fill("£4,000")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Low value")).to_be_visible()
    expect(page.get_by_text("Your council reserves this band to providers based in Knowsley.")).to_be_visible()
    expect(page.get_by_text("2 eligible providers")).to_be_visible()
    expect(page.get_by_role("link", name="Page Moss Navigators CIC")).to_be_visible()
    expect(page.get_by_role("link", name="Kirkby Community Co-operative")).to_be_visible()
    expect(page.get_by_role("link", name="City Centre Navigators Ltd")).to_have_count(0)
    expect(page.get_by_text("Eligible: based in Knowsley, as this band requires")).to_have_count(2)
    accessible(page)

    page.get_by_label("Add Page Moss Navigators CIC to the shortlist").check()
    page.get_by_label("Add Kirkby Community Co-operative to the shortlist").check()
    page.get_by_label("Title for this record").fill("Community navigation, Page Moss, 2027")
    page.get_by_role("button", name="Save shortlist").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Community navigation, Page Moss, 2027")
    accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download this record")).click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    flat = "\n".join(",".join(row) for row in rows)
    assert "Page Moss Navigators CIC" in flat and "Kirkby Community Co-operative" in flat
    assert "City Centre Navigators Ltd" not in flat
    assert "Low value" in flat
