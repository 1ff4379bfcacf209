"""A new CIC in Knowsley registers from account creation to submission; an officer verifies it;
it appears in the public directory as based in Knowsley. axe-core checks every page on the way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.domain.roles import Role
from app.extensions import db
from app.models import Council, OutboxEmail
from app.services.audit import Actor
from app.services.seed import load_reference_data
from tests import factories
from tests.browser.conftest import axe_violations
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
        officer = factories.user(db.session, Role.OFFICER, email="officer@knowsley.example", council=council)
        db.session.commit()
        return officer.email


def accessible(page: Page) -> None:
    """No axe-core violations, and nothing scrolls sideways (WCAG 2.2 reflow) at the page's width."""
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"
    width = page.viewport_size["width"] if page.viewport_size else 1280
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


def continue_with(page: Page, button: str = "Save and continue") -> None:
    page.get_by_role("button", name=button).click()


def latest_link(app: Flask, to: str, path: str) -> str:
    with app.app_context():
        message = db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.to_address == to).order_by(OutboxEmail.id.desc())
        ).first()
        assert message is not None, f"no email to {to}"
        match = re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", message.body)
        assert match, message.body
        return match.group(1)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["320px", "desktop"])
def test_a_cic_registers_is_verified_and_is_listed_as_local(
    app: Flask, page: Page, live_server: str, officer_email: str, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Create an account").first.click()
    accessible(page)
    page.get_by_label("Your name").fill("Amara Okafor")
    page.get_by_label("Email address").fill("amara@pagemoss.example")
    page.get_by_label("Create a password", exact=True).fill("page moss community navigation")
    page.get_by_label("Confirm your password", exact=True).fill("page moss community navigation")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    accessible(page)

    page.goto(live_server + latest_link(app, "amara@pagemoss.example", "/confirm-email/"))
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    page.get_by_label("Email address").fill("amara@pagemoss.example")
    page.get_by_label("Password", exact=True).fill("page moss community navigation")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register your organisation")
    accessible(page)
    page.get_by_role("button", name="Start now").click()

    page.get_by_label("What is your organisation's name?").fill("Page Moss Community Navigators CIC")
    accessible(page)
    continue_with(page)
    page.get_by_label("Community interest company (CIC)").check()
    accessible(page)
    continue_with(page)
    page.get_by_label("Companies House number").fill("14567890")
    accessible(page)
    continue_with(page)

    page.get_by_label("Trading site").check()
    page.get_by_label("Postcode").fill("l36 9gd")
    accessible(page)
    continue_with(page, "Find the area")
    expect(page.locator("#placement-result")).to_contain_text("This address is in Knowsley, Roby ward")
    accessible(page)
    page.get_by_label("Address line 1").fill("Page Moss Community Centre")
    page.get_by_label("Town or city").fill("Liverpool")
    continue_with(page)
    expect(page.get_by_text("In Knowsley, Roby ward")).to_be_visible()
    accessible(page)

    # A second office is added only once its address is given, and removing it asks first.
    page.get_by_role("button", name="Add premises").click()
    page.get_by_label("Registered office").check()
    page.get_by_label("Postcode").fill("L36 9GD")
    continue_with(page, "Find the area")
    expect(page.get_by_role("heading", level=1)).to_have_text("What is the address of the registered office?")
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_label("Postcode")).to_have_value("L36 9GD")  # back keeps the answers
    continue_with(page, "Find the area")
    page.get_by_label("Address line 1").fill("Unit 2, Page Moss Parade")
    page.get_by_label("Town or city").fill("Liverpool")
    continue_with(page)
    page.get_by_role("link", name="Remove the registered office at L36 9GD").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to remove the registered office at Unit 2, Page Moss Parade, Liverpool, L36 9GD?"
    )
    accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select yes if you want to remove these premises")
    accessible(page)
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The registered office at L36 9GD has been removed"
    )
    expect(page.get_by_text("Unit 2, Page Moss Parade")).to_have_count(0)
    accessible(page)
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Knowsley").check()
    accessible(page)
    page.get_by_role("link", name="Back", exact=True).click()  # back to the previous question, not the task list
    expect(page.get_by_role("heading", level=1)).to_have_text("Where you work")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Knowsley").check()
    continue_with(page)
    page.get_by_label("Filter the list").fill("navigation")
    expect(page.get_by_text(re.compile(r"^1 of \d+ shown$"))).to_be_visible()
    expect(page.get_by_label("Cleaning", exact=True)).to_be_hidden()
    page.get_by_label("Community support, advice and navigation").check()
    page.get_by_label("Describe what your organisation does").fill(
        "We help Page Moss residents find and use local services: a community navigation service."
    )
    accessible(page)
    continue_with(page)
    page.locator("#asset_lock").check()
    page.get_by_label("Dividend cap (optional)").fill("35")
    accessible(page)
    continue_with(page)
    page.get_by_label("How many people work for it? (optional)").fill("2")
    accessible(page)
    continue_with(page)
    page.get_by_label("Email address for enquiries").fill("hello@pagemoss.example")
    accessible(page)
    continue_with(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.get_by_text("Companies House number: 14567890")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Send for checking").click()
    expect(page.get_by_role("heading", name="Your answers have been sent")).to_be_visible()
    accessible(page)
    # Not published yet: its name finds nothing, its exact number says only that a record exists.
    page.goto(f"{live_server}/provider/join?q=Page+Moss+Community+Navigators")
    expect(page.get_by_text('No organisation on the register matches "Page Moss Community Navigators"')).to_be_visible()
    page.goto(f"{live_server}/provider/join?q=14567890")
    expect(page.locator("#join-results")).to_contain_text(
        "An organisation with Companies House number 14567890 is on the register but not published yet"
    )
    expect(page.locator("#join-results")).not_to_contain_text("Page Moss Community Navigators")
    accessible(page)
    page.goto(f"{live_server}/provider/")
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(officer_email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/officer/reviews")
    accessible(page)
    page.get_by_role("link", name="Page Moss Community Navigators CIC").click()
    expect(page.get_by_text("Trading site at L36 9GD: Knowsley, Roby ward")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name=re.compile("^Verify")).click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("verified")
    accessible(page)
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server}/directory?district=E08000011")
    page.get_by_role("link", name="Page Moss Community Navigators CIC").click()
    expect(page.get_by_text("Based in Knowsley.")).to_be_visible()
    expect(page.get_by_text("Trading site at L36 9GD: Knowsley, Roby ward")).to_be_visible()
    accessible(page)
