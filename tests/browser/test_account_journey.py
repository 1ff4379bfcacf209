"""Creating an account and signing out, in a real browser (issue 11, findings 8, 9 and 10), at 320 px and on a
desktop, with axe-core finding nothing."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.domain.roles import Role
from app.extensions import db
from tests import factories
from tests.browser.conftest import axe_violations

WIDTHS = {"phone": 320, "desktop": 1280}


@pytest.fixture
def taken(app: Flask) -> str:
    with app.app_context():
        factories.knowsley_council(db.session)
        user = factories.user(db.session, Role.PROVIDER, email="taken@pagemoss.example")
        db.session.commit()
        return user.email


def _fill(page: Page, name: str, email: str) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill("a long password here")
    page.get_by_label("Confirm your password").fill("a long password here")
    page.get_by_role("button", name="Create account").click()


@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
def test_create_account_answers_alike_and_explains_errors(page: Page, live_server: str, taken: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/create-account")
    _fill(page, "   ", "new.person@example.com")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your name")
    expect(page).to_have_title(re.compile("^Error: Create an account"))
    assert axe_violations(page) == []

    _fill(page, "Ana Lovelace", taken)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_text(f"We have sent an email to {taken}")).to_be_visible()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_nul_in_a_search_gets_a_page_that_says_what_is_wrong(page: Page, live_server: str, taken: str) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    response = page.goto(f"{live_server}/directory?q=a%00b")
    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, there is a problem with your request")
    expect(page.get_by_text("The web address contains hidden characters")).to_be_visible()
    assert axe_violations(page) == []


def test_after_signing_out_a_copy_of_the_cookie_is_worthless(
    browser: Browser, page: Page, live_server: str, taken: str
) -> None:
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(taken)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("You are signed in")).to_be_visible()
    copied = [c for c in page.context.cookies() if c["name"] == "session"]
    thief = browser.new_context()
    try:
        thief.add_cookies(copied)  # type: ignore[arg-type]
        stolen = thief.new_page()
        stolen.goto(f"{live_server}/provider/")
        expect(stolen).to_have_url(re.compile(r"/provider/$"))
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You have signed out")).to_be_visible()
        stolen.goto(f"{live_server}/provider/")
        expect(stolen).to_have_url(re.compile(r"/sign-in"))
    finally:
        thief.close()
