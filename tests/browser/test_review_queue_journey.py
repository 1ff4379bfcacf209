"""An officer works through a large import in the review queue, on a phone (320 CSS px) and a desktop: filters by
import, ticks two organisations, publishes them after a confirmation page, and sees the result (issue 11 #16); the
public directory is searched by service (#29). Every page has no axe-core violations and does not scroll sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.domain.providers import LegalForm, Placement, ProviderSource, ProviderStatus, SiteKind
from app.domain.roles import Role
from app.extensions import db
from app.models import ImportBatch, ImportChange, Provider, ServiceCategory, Site
from app.models.base import utcnow
from app.services import fulltext
from tests import factories
from tests.browser.conftest import axe_violations, sign_in

PHONE = {"width": 320, "height": 720}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def imported(app: Flask) -> tuple[str, int]:
    """An officer, and an import that queued 60 organisations for checks."""
    with app.app_context():
        setup = factories.knowsley_council(db.session)
        officer = factories.user(db.session, Role.OFFICER, email="queue@knowsley.example", council=setup.council)
        batch = ImportBatch(
            source_name="Co-operatives UK", file_name="cuk-open-data.csv", sha256="0" * 64, committed_at=utcnow()
        )
        db.session.add(batch)
        db.session.flush()
        now = utcnow()
        providers = [
            Provider(
                name=f"Imported Co-operative {n:02d}",
                legal_form=LegalForm.COOPERATIVE,
                status=ProviderStatus.SUBMITTED,
                source=ProviderSource.IMPORTED,
                import_batch_id=batch.id,
                source_reference=str(n),
                submitted_at=now - timedelta(days=100 - n),
                sites=[
                    Site(
                        kind=SiteKind.REGISTERED_OFFICE,
                        postcode="L36 9GD",
                        district_code="E08000011",
                        placement=Placement.POSTCODE,
                    )
                ],
            )
            for n in range(60)
        ]
        db.session.add_all(providers)
        db.session.flush()
        db.session.add_all(
            ImportChange(batch_id=batch.id, provider_id=p.id, row_number=n + 2, action="created", after_digest="x")
            for n, p in enumerate(providers)
        )
        db.session.commit()
        return officer.email, batch.id


def checked(page: Page) -> None:
    """No axe-core violations and nothing wider than the window."""
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["320px", "desktop"])
def test_an_officer_publishes_two_imported_organisations_from_the_queue(
    page: Page, live_server: str, imported: tuple[str, int], app: Flask, viewport: dict[str, int]
) -> None:
    email, batch_id = imported
    page.set_viewport_size(viewport)
    sign_in(page, live_server, email)

    page.goto(f"{live_server}/officer/reviews")
    expect(page.get_by_text("Showing 1 to 50 of 60 organisations")).to_be_visible()
    checked(page)

    page.get_by_label("Import", exact=True).select_option(str(batch_id))
    page.get_by_label("Sort by").select_option("name")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_label("Import", exact=True)).to_have_value(str(batch_id))
    page.get_by_role("navigation", name="Pages of organisations to check").get_by_role("link", name="Page 2").click()
    expect(page.get_by_text("Showing 51 to 60 of 60 organisations")).to_be_visible()
    checked(page)

    # Continuing with nothing ticked is an error, shown at the field.
    page.get_by_label("Publish as verified").check()
    page.get_by_label("The organisations I have selected on this page").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    checked(page)

    page.get_by_label("Select Imported Co-operative 51").check()
    page.get_by_label("Select Imported Co-operative 58").check()
    page.get_by_label("Publish as verified").check()
    page.get_by_label("The organisations I have selected on this page").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Publish 2 organisations as verified?")).to_be_visible()
    checked(page)
    page.get_by_role("button", name="Publish 2 organisations").click()

    expect(page.get_by_text("2 organisations are verified and published")).to_be_visible()
    expect(page.get_by_text("Showing 1 to 50 of 58 organisations")).to_be_visible()
    checked(page)
    with app.app_context():
        published = db.session.scalars(select(Provider.name).where(Provider.status == ProviderStatus.VERIFIED)).all()
    assert sorted(published) == ["Imported Co-operative 51", "Imported Co-operative 58"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["320px", "desktop"])
def test_the_public_searches_the_directory_by_service(
    page: Page, live_server: str, app: Flask, viewport: dict[str, int]
) -> None:
    with app.app_context():
        factories.knowsley_council(db.session)
        catering = ServiceCategory(slug="catering", name="Catering and food", description="Meals and events")
        db.session.add(catering)
        for name in ("Halewood Community Kitchen", "Prescot Bakery Co-operative", "Green Spaces Trust"):
            provider = factories.provider(db.session, name)
            if name != "Green Spaces Trust":
                provider.services.append(catering)
            fulltext.refresh(db.session, provider)
        db.session.commit()
    page.set_viewport_size(viewport)

    page.goto(f"{live_server}/directory")
    checked(page)
    page.get_by_label("Search by name or service").fill("catering")
    page.get_by_role("button", name="Search", exact=True).click()

    expect(page.get_by_role("status")).to_have_text("2 providers found for \u2018catering\u2019")
    expect(page.get_by_role("link", name="Green Spaces Trust")).to_have_count(0)
    checked(page)

    page.get_by_label("Search by name or service").fill("plumbing")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("There are no matching providers.")).to_be_visible()
    checked(page)
