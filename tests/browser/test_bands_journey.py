"""An officer works through the spend band pages on a phone (320 CSS px) and a desktop: every page has no axe-core
violations and no sideways scrolling; the upper limit reads as the officer means it; the VAT question is only asked
when a limit is an amount; answers are revealed without aria-expanded on radios (issue 11 #26)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.domain.roles import Role
from app.extensions import db
from app.models import Council, SpendBand
from app.services.audit import Actor
from app.services.seed import load_reference_data
from tests import factories
from tests.browser.conftest import axe_violations, sign_in
from tests.samples import DEPRIVATION_SAMPLE

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "tests/fixtures/postcodes_sample.csv.gz", ROOT / "tests/fixtures/postcodes_sample_wards.csv.gz")
PHONE = {"width": 320, "height": 720}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def officer_email(app: Flask) -> str:
    with app.app_context():
        load_reference_data(
            db.session,
            ROOT / "seed_data",
            Actor.system("test"),
            postcode_files=SAMPLE,
            deprivation_files=DEPRIVATION_SAMPLE,
        )
        council = db.session.scalar(select(Council))
        user = factories.user(db.session, Role.OFFICER, email="bands@knowsley.example", council=council)
        db.session.commit()
        return user.email


def _band_id(app: Flask, code: str) -> int:
    with app.app_context():
        return (
            db.session.scalars(select(SpendBand).where(SpendBand.code == code, SpendBand.effective_to.is_(None)))
            .one()
            .id
        )


def checked(page: Page) -> None:
    """No axe-core violations, no radio with aria-expanded, and nothing wider than the window."""
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"
    assert page.locator('input[type="radio"][aria-expanded]').count() == 0
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["320px", "desktop"])
def test_every_band_page_is_accessible_and_fits(
    page: Page, live_server: str, officer_email: str, app: Flask, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, live_server, officer_email)
    for path in (
        "/officer/spend-bands",
        "/officer/spend-bands/new",
        f"/officer/spend-bands/{_band_id(app, 'B')}/change",
        f"/officer/spend-bands/{_band_id(app, 'D')}/change",
        f"/officer/spend-bands/{_band_id(app, 'B')}/retire",
    ):
        page.goto(f"{live_server}{path}")
        checked(page)
    # A form with errors: the summary lists the date first, as the page does.
    page.goto(f"{live_server}/officer/spend-bands/new")
    page.get_by_role("button", name="Add the band").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    summary = page.locator(".govuk-error-summary__list a")
    expect(summary.first).to_have_text("Enter the date the band applies from")
    checked(page)


def test_an_officer_changes_intermediate_value_to_100000(
    page: Page, live_server: str, officer_email: str, app: Flask
) -> None:
    sign_in(page, live_server, officer_email)
    page.goto(f"{live_server}/officer/spend-bands/{_band_id(app, 'B')}/change")
    upper = page.get_by_label("Upper limit in pounds")
    expect(upper).to_have_value("181,000")  # what the council's rules say, not 181,000.01
    vat = page.get_by_role("group", name="Do the limits include VAT?")
    expect(vat).to_be_visible()

    page.get_by_role("group", name="From what date does the change apply?").get_by_label("Day").fill("1")
    page.get_by_role("group", name="From what date does the change apply?").get_by_label("Month").fill("4")
    page.get_by_role("group", name="From what date does the change apply?").get_by_label("Year").fill("2027")
    upper.fill("100000")
    page.get_by_role("button", name="Change the band").click()

    expect(page.get_by_text("Intermediate value is changed from 1 April 2027")).to_be_visible()
    coming = page.get_by_role("region", name="Coming changes")
    expect(coming.get_by_text("£5,000 to £100,000", exact=False).first).to_be_visible()
    expect(page.get_by_text("£99,999.99")).to_have_count(0)
    checked(page)


def test_the_vat_question_follows_the_limits(page: Page, live_server: str, officer_email: str, app: Flask) -> None:
    """The band from the threshold has no limit in pounds: no VAT question until one is an amount."""
    sign_in(page, live_server, officer_email)
    page.goto(f"{live_server}/officer/spend-bands/{_band_id(app, 'D')}/change")
    vat = page.get_by_role("group", name="Do the limits include VAT?")
    expect(vat).to_be_hidden()
    lower = page.get_by_role("group", name="Where does the band start?")
    expect(page.get_by_label("Lower limit in pounds")).to_be_hidden()

    lower.get_by_label("At an amount in pounds").check()
    expect(page.get_by_label("Lower limit in pounds")).to_be_visible()
    expect(vat).to_be_visible()
    radio = lower.get_by_label("At an amount in pounds")
    expect(radio).to_have_attribute("aria-controls", "conditional-lower_kind")
    checked(page)

    lower.get_by_label("At the statutory threshold").check()
    expect(page.get_by_label("Lower limit in pounds")).to_be_hidden()
    expect(vat).to_be_hidden()
    checked(page)
