"""An officer reads the audit log in words, on a phone and a desktop: what happened, to which record (a link to
it), before and after in plain values; filters it by date in the GOV.UK date input, and puts a wrong date right
from the error summary. No sideways scrolling at 320 CSS pixels; axe-core finds nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.domain.roles import Role
from app.extensions import db
from app.models import AuditEvent, SpendBand
from tests import factories
from tests.browser.conftest import axe_violations, sign_in


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
    sign_in(page, live_server, officer_email)
    page.goto(f"{live_server}/officer/audit")

    expect(page.get_by_role("heading", name="Spend band changed")).to_be_visible()
    expect(page.get_by_text("Range: £5,000 to £181,000 → £5,000 to £99,999.99")).to_be_visible()
    expect(page.get_by_text("Status: Waiting for checks → Verified")).to_be_visible()
    expect(page.get_by_text("spend_band.changed")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    violations = axe_violations(page)
    assert violations == [], violations

    # Filter by date: an end before the start is put right from the error summary, then today's events show.
    today = datetime.now(UTC).date()  # the events were recorded just now, and the log's days are UTC days
    fill_date(page, "From", today)
    fill_date(page, "Up to and including", today - timedelta(days=1))
    page.get_by_role("button", name="Show events").click()
    message = "The date to show events up to must be the same as or after the date to show events from"
    page.get_by_role("link", name=message).click()
    until_day = page.get_by_role("group", name="Up to and including", exact=True).get_by_label("Day")
    expect(until_day).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    violations = axe_violations(page)
    assert violations == [], violations
    fill_date(page, "Up to and including", today)
    page.get_by_role("button", name="Show events").click()
    expect(page.get_by_role("heading", name="Spend band changed")).to_be_visible()
    expect(page.get_by_role("heading", name="Verified and published")).to_be_visible()
    download = page.get_by_role("link", name="Download these events (CSV)")
    expect(download).to_have_attribute(
        "href",
        f"/officer/audit.csv?since-day={today.day}&since-month={today.month}"
        f"&since-year={today.year}&until-day={today.day}&until-month={today.month}"
        f"&until-year={today.year}",
    )

    page.get_by_role("link", name="Knowsley Mutual Credit Union").click()
    expect(page.get_by_role("heading", name="Knowsley Mutual Credit Union", level=1)).to_be_visible()


def fill_date(page: Page, legend: str, day: date) -> None:
    """Type a date into the three boxes of the date input with this legend."""
    group = page.get_by_role("group", name=legend, exact=True)
    for box, value in (("Day", day.day), ("Month", day.month), ("Year", day.year)):
        group.get_by_label(box).fill(str(value))
