"""Journeys in a real browser: each role signs in and reaches its home page, and axe-core finds nothing."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.domain.roles import Role
from app.extensions import db
from tests import factories
from tests.browser.conftest import axe_violations

HOMES = {
    Role.PROVIDER: ("/provider/", "Page Moss Community CIC"),
    Role.COMMISSIONER: ("/commissioner/", "Buying from local providers"),
    Role.OFFICER: ("/officer/", "Manage the register"),
    Role.ADMIN: ("/officer/", "Manage the register"),
}


@pytest.fixture
def accounts(app: Flask) -> dict[Role, str]:
    with app.app_context():
        setup = factories.knowsley_council(db.session)
        provider = factories.provider(db.session, "Page Moss Community CIC", ward_code=setup.ward.code)
        emails = {}
        for role in HOMES:
            user = factories.user(
                db.session,
                role,
                email=f"{role.value}@knowsley.example",
                council=None if role == Role.PROVIDER else setup.council,
                provider=provider if role == Role.PROVIDER else None,
            )
            emails[role] = user.email
        db.session.commit()
        return emails


@pytest.mark.parametrize("role", list(HOMES), ids=lambda r: r.value)
def test_each_role_signs_in_to_its_home_page(
    role: Role, page: Page, live_server: str, accounts: dict[Role, str]
) -> None:
    page.goto(f"{live_server}/")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Sign in").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert axe_violations(page) == []
    page.get_by_label("Email address").fill(accounts[role])
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    path, heading = HOMES[role]
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(page.get_by_text("You are signed in")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()


def test_sign_in_errors_are_announced_and_accessible(page: Page, live_server: str, accounts: dict[Role, str]) -> None:
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(accounts[Role.OFFICER])
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(page).to_have_title(re.compile("^Error: Sign in"))
    assert axe_violations(page) == []


def test_directory_and_provider_page_are_accessible(page: Page, live_server: str, accounts: dict[Role, str]) -> None:
    page.goto(f"{live_server}/directory")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Page Moss Community CIC").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Page Moss Community CIC")
    expect(page.get_by_text("In Knowsley, Page Moss ward")).to_be_visible()
    assert axe_violations(page) == []
