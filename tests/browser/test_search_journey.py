"""A commissioner searches for a £4,000 community navigation service in Knowsley, sees only local
providers with their reasons, saves a shortlist and downloads its CSV. axe-core checks each page."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.domain.providers import LegalForm
from app.domain.roles import Role
from app.extensions import db
from app.models import Council, ServiceCategory
from app.services import fulltext
from app.services.audit import Actor
from app.services.seed import load_reference_data
from tests import factories
from tests.browser.conftest import axe_violations, sign_in
from tests.samples import DEPRIVATION_SAMPLE

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "tests/fixtures/postcodes_sample.csv.gz", ROOT / "tests/fixtures/postcodes_sample_wards.csv.gz")
NAVIGATION = "Community support, advice and navigation"


@pytest.fixture
def commissioner_email(app: Flask) -> str:
    with app.app_context():
        load_reference_data(
            db.session,
            ROOT / "seed_data",
            Actor.system("test"),
            postcode_files=SAMPLE,
            deprivation_files=DEPRIVATION_SAMPLE,
        )
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
    """No axe-core violations, and no sideways scrolling (WCAG 2.2 reflow) at the page's width."""
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"{page.url} is {width} px wide"


def results_in_view(page: Page) -> None:
    """A search lands on its results, not at the top of the long form (issue 11, finding 24)."""
    page.wait_for_load_state()
    expect(page.locator("#results")).to_be_visible()
    assert page.evaluate("location.hash") == "#results"
    top = page.evaluate("document.getElementById('results').getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"] if page.viewport_size else True  # type: ignore[index]


@pytest.mark.parametrize("width", [320, 1280])
def test_a_4000_navigation_service_is_shortlisted_across_pages_and_exported(
    page: Page, live_server: str, commissioner_email: str, app: Flask, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    with app.app_context():
        # Enough local navigators for a second page of results.
        category = db.session.scalar(select(ServiceCategory).where(ServiceCategory.name == NAVIGATION))
        for number in range(app.config["PER_PAGE"]):
            provider = factories.provider(db.session, f"Knowsley Navigators {number:02d} CIC")
            provider.services = [category]
            fulltext.refresh(db.session, provider)
        db.session.commit()
    sign_in(page, live_server, commissioner_email)
    page.get_by_role("link", name="Find providers for a contract").click()
    accessible(page)

    page.get_by_label("What are you buying?").select_option(label=NAVIGATION)
    page.get_by_label("Estimated value").fill("£4,000")
    page.get_by_text("Start date, options and filters").click()
    page.get_by_label("Day", exact=True).fill("1")
    page.get_by_label("Month", exact=True).fill("4")
    page.get_by_label("Year", exact=True).fill("2027")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Low value")).to_be_visible()
    results_in_view(page)
    expect(page.get_by_text("Your council reserves this band to providers based in Knowsley.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("22 eligible providers"))).to_be_visible()
    expect(page.get_by_role("link", name="City Centre Navigators Ltd")).to_have_count(0)
    expect(page.get_by_text("No providers selected", exact=True).first).to_be_visible()
    accessible(page)

    # One on page 1, one on page 2: both stay on the shortlist.
    first = page.get_by_role("button", name=re.compile(r"^Add .* to the shortlist$")).first
    first_name = (first.text_content() or "").removeprefix("Add").removesuffix("to the shortlist").strip()
    first.click()
    expect(page.get_by_role("button", name=f"Remove {first_name} from the shortlist")).to_be_visible()
    expect(page.get_by_text("1 provider selected").first).to_be_visible()
    assert page.evaluate("location.hash").startswith("#provider-")
    accessible(page)
    page.get_by_role("navigation", name="Pagination").get_by_role("link", name=re.compile("Next")).click()
    expect(page).to_have_title(re.compile("page 2 of 2"))
    results_in_view(page)
    expect(page.get_by_text("1 provider selected").first).to_be_visible()
    page.get_by_role("button", name="Add Page Moss Navigators CIC to the shortlist").click()
    expect(page.get_by_text("2 providers selected").first).to_be_visible()
    accessible(page)

    page.get_by_label("Title for this record").fill("Community navigation, Page Moss, 2027")
    page.get_by_role("button", name="Save shortlist").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Community navigation, Page Moss, 2027")
    expect(page.get_by_text("1 April 2027")).to_be_visible()
    accessible(page)

    page.get_by_role("link", name="Back to commissioning records").click()
    expect(page.get_by_role("link", name="Community navigation, Page Moss, 2027")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Community navigation, Page Moss, 2027").click()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download this record")).click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    cells = [dict(zip(header, row, strict=True)) for row in rows]
    assert sorted(c["Provider"] for c in cells) == sorted(["Page Moss Navigators CIC", first_name])
    assert {c["What was bought"] for c in cells} == {NAVIGATION}
    assert {c["Value as entered"] for c in cells} == {"£4,000 (excluding VAT)"}
    assert {(c["Band"], c["Start date"]) for c in cells} == {("Low value", "1 April 2027")}


def test_the_shortlist_works_without_javascript(browser: Browser, live_server: str, commissioner_email: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, commissioner_email)
        page.goto(f"{live_server}/commissioner/search")
        page.get_by_label("What are you buying?").select_option(label=NAVIGATION)
        page.get_by_label("Estimated value").fill("4000")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("button", name="Add Kirkby Community Co-operative to the shortlist").click()
        expect(page.get_by_text("1 provider selected").first).to_be_visible()
        page.get_by_role("button", name="Remove Kirkby Community Co-operative", exact=True).click()
        expect(page.get_by_text("No providers selected", exact=True).first).to_be_visible()
    finally:
        context.close()
