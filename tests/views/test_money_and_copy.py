"""Money shows as money and values read as words on every page that shows a provider's facts (issue 11, #1, #27)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask.testing import FlaskClient

from app.domain.providers import EvidenceState, FactKind, LegalForm, ProviderStatus
from app.domain.roles import Role
from app.extensions import db
from app.models import Provider, ProviderFact, ProviderIdentifier, ServiceCategory, User
from tests import factories
from tests.conftest import AuthActions

FACTS = {
    FactKind.TURNOVER: "8500000",  # £85,000, held in pence
    FactKind.DIVIDEND_CAP: "35",
    FactKind.LOCAL_STAFF_SHARE: "80",
    FactKind.STAFF_COUNT: "1250",
    FactKind.ASSET_LOCK: "yes",
    FactKind.REAL_LIVING_WAGE: "no",
    FactKind.SOCIAL_ENTERPRISE_MARK: None,
}


def _with_facts(provider: Provider) -> Provider:
    for kind, value in FACTS.items():
        provider.facts.append(
            ProviderFact(
                kind=kind,
                value=value,
                evidence=EvidenceState.SELF_DECLARED if value else EvidenceState.UNKNOWN,
                as_of=date(2026, 12, 3),
            )
        )
    provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="01234567", org_id="GB-COH-01234567"))
    db.session.flush()
    return provider


def _assert_values_read_as_words(page: str) -> None:
    assert "£85,000" in page
    assert "8500000" not in page and "8,500,000" not in page
    assert "35%" in page and "80%" in page
    assert "1,250" in page
    assert re.search(r">\s*Yes\s*<", page) and re.search(r">\s*No\s*<", page)
    assert "As of 3 December 2026" in page and "2026-12-03" not in page
    # Labels keep their capitals: a filter that lower-cases the rest of the words is not used on values.
    assert "community interest company (cic)" not in page


@pytest.fixture
def provider_with_facts(knowsley: factories.CouncilSetup) -> Provider:
    provider = _with_facts(factories.provider(db.session, "Knowsley Mutual CIC", legal_form=LegalForm.CIC))
    db.session.commit()
    return provider


def test_the_public_page_shows_turnover_as_money(client: FlaskClient, provider_with_facts: Provider) -> None:
    page = client.get(f"/directory/{provider_with_facts.id}").get_data(as_text=True)
    _assert_values_read_as_words(page)
    assert "Community interest company (CIC)" in page
    # A registration number is named by its register, not by its org-id.
    assert "Companies House number" in page and "01234567" in page
    assert "GB-COH-01234567" not in page


def test_the_officers_review_page_shows_turnover_as_money(
    officer_client: FlaskClient, provider_with_facts: Provider
) -> None:
    site = provider_with_facts.sites[0]
    site.placed_by = "postcode_directory"
    db.session.commit()
    page = officer_client.get(f"/officer/providers/{provider_with_facts.id}/review").get_data(as_text=True)
    _assert_values_read_as_words(page)
    assert "Companies House number" in page and "GB-COH-01234567" not in page
    assert "Using the ONS postcode directory" in page and "postcode_directory" not in page


@pytest.fixture
def draft_owner(knowsley: factories.CouncilSetup, auth: AuthActions) -> User:
    provider = _with_facts(factories.provider(db.session, "Draft Mutual CIC", status=ProviderStatus.DRAFT))
    provider.services.extend(
        [
            ServiceCategory(slug="cleaning", name="Cleaning"),
            ServiceCategory(slug="catering", name="Catering & <events>"),
        ]
    )
    user = factories.user(db.session, Role.PROVIDER, provider=provider)
    db.session.commit()
    auth.sign_in(user.email)
    return user


def test_check_your_answers_shows_money_and_no_literal_markup(client: FlaskClient, draft_owner: User) -> None:
    page = client.get("/provider/check-your-answers").get_data(as_text=True)
    assert "£85,000" in page and "8500000" not in page
    assert "35%" in page and "1,250" in page
    # Services are on separate lines; the line break is markup, never the text "<br>".
    assert "&lt;br&gt;" not in page
    assert "Catering &amp; &lt;events&gt;<br>Cleaning" in page
    assert "Companies House number: 01234567" in page and "GB-COH-01234567" not in page


def test_a_legal_form_inside_a_sentence_keeps_its_capitals(client: FlaskClient, draft_owner: User) -> None:
    page = client.get("/provider/organisation/registration-numbers").get_data(as_text=True)
    assert "As a community interest company (CIC), your organisation" in page
    assert "(cic)" not in page


def test_a_percentage_error_names_the_question_without_optional(
    client: FlaskClient, auth: AuthActions, draft_owner: User
) -> None:
    token = auth.csrf_token("/provider/size-and-fair-work")
    response = client.post("/provider/size-and-fair-work", data={"local_staff_share": "120", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the share of staff who live locally as a percentage from 0 to 100, like 35" in page
    assert "(optional) as a percentage" not in page
