"""Every page a role can reach, at 320 CSS px and on a desktop: nothing scrolls sideways (WCAG 2.2, 1.4.10)
and axe-core finds no violations. The journeys cover the pages behind forms (imports, bands, searches, records,
registration); this visits the rest with data long enough to stretch them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page

from app.domain.providers import ProviderStatus
from app.domain.roles import Role
from app.extensions import db
from tests import factories
from tests.browser.conftest import axe_violations, sign_in

WIDTHS = (320, 1280)
LONG_NAME = "The Knowsley and Liverpool City Region Community Wellbeing and Neighbourhood Navigation CIC"


@dataclass(frozen=True)
class World:
    emails: dict[Role, str]
    published_id: int
    submitted_id: int


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        setup = factories.knowsley_council(db.session)
        published = factories.provider(
            db.session,
            LONG_NAME,
            ward_code=setup.ward.code,
            address="Unit 14, Knowsley Business Park, Prescot Road, Huyton-with-Roby",
        )
        for n in range(3):
            factories.provider(db.session, f"Page Moss Food Co-operative {n}", ward_code=setup.ward.code)
        submitted = factories.provider(db.session, "Stockbridge Village Youth Trust", status=ProviderStatus.SUBMITTED)
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
        return World(emails, published.id, submitted.id)


def _pages(world: World) -> dict[Role | None, list[str]]:
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
        ],
        Role.COMMISSIONER: ["/commissioner/", "/commissioner/records"],
        Role.PROVIDER: [
            "/provider/",
            "/provider/organisation/name",
            "/provider/organisation/legal-form",
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
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(f"{live_server}{path}")
            assert response is not None and response.status == 200, f"{path}: {response and response.status}"
            found = axe_violations(page)
            if found:
                problems[f"{path} at {width} px"] = found
    assert problems == {}
