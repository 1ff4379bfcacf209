"""An officer reads the audit log in words, on a phone and a desktop: what happened, to which record (a link to
it), before and after in plain values. No sideways scrolling at 320 CSS pixels; axe-core finds nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.domain.roles import Role
from app.extensions import db
from app.models import AuditEvent, SpendBand
from tests import factories
from tests.browser.conftest import axe_violations


@pytest.fixture
def officer_email(app: Flask) -> str:
    with app.app_context():
        setup = factories.knowsley_council(db.session)
        provider = factories.provider(db.session, "Knowsley Mutual Credit Union")
        band = db.session.scalars(select(SpendBand).where(SpendBand.code == "B")).one()
        user = factories.user(db.session, Role.OFFICER, email="officer@knowsley.example", council=setup.council)
        before = {"id": band.id, "label": band.label, "lower_pence": 500_000, "upper_pence": 18_100_001}
        db.session.add_all(
            [
                AuditEvent(
                    actor_label="a.very.long.officer.email.address.for.reflow@knowsley-metropolitan.example",
                    action="spend_band.changed",
                    entity_type="spend_band",
                    entity_id=str(band.id),
                    changes={
                        "before": before,
                        "after": {**before, "upper_pence": 10_000_000},
                        "replaces": band.id,
                        "effective_from": "2026-12-03",
                    },
                ),
                AuditEvent(
                    actor_label=user.email,
                    action="provider.verified",
                    entity_type="provider",
                    entity_id=str(provider.id),
                    changes={"from": "submitted", "to": "verified", "message": None},
                ),
            ]
        )
        db.session.commit()
        return user.email


@pytest.mark.parametrize("width", [320, 1280])
def test_the_audit_log_reads_in_words_on_a_phone_and_a_desktop(
    page: Page, live_server: str, officer_email: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(officer_email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/officer/audit")

    expect(page.get_by_role("heading", name="Spend band changed")).to_be_visible()
    expect(page.get_by_text("Range: £5,000 to £181,000 → £5,000 to £99,999.99")).to_be_visible()
    expect(page.get_by_text("Status: Waiting for checks → Verified")).to_be_visible()
    expect(page.get_by_text("spend_band.changed")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    violations = axe_violations(page)
    assert violations == [], violations

    page.get_by_role("link", name="Knowsley Mutual Credit Union").click()
    expect(page.get_by_role("heading", name="Knowsley Mutual Credit Union", level=1)).to_be_visible()
