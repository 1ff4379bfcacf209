"""Registering with a number a loaded public register has: the register's details to confirm (with its date and the
differences from what the provider said), the legal form from the category, and a dissolved company refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.providers import EvidenceState, LegalForm
from app.domain.registers import Register
from app.extensions import db
from app.models import AuditEvent, ProviderRegisterRecord
from app.services.registers import load_register
from tests.registers_data import company_row, write_companies
from tests.views.conftest import draft_organisation, newest_provider, post_form

NUMBERS = "/provider/organisation/registration-numbers"
pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def companies(tmp_path: Path, session: Session) -> None:
    rows = [
        company_row(
            "14567890",
            "PAGE MOSS COMMUNITY NAVIGATORS C.I.C.",
            CompanyCategory="Community Interest Company",
            **{"RegAddress.PostCode": "L36 9GD", "SICCode.SicText_1": "88990 - Other social work activities n.e.c."},
        ),
        company_row(
            "08209948",
            "GONE AWAY COMMUNITY CIC",
            CompanyCategory="Community Interest Company",
            CompanyStatus="Dissolved",
            DissolutionDate="02/05/2025",
        ),
        company_row("SC000003", '<script>alert("x")</script> & SONS LTD', **{"SICCode.SicText_1": "<b>bold</b>"}),
    ]
    path = write_companies(tmp_path / "BasicCompanyData-2026-12-01.csv", rows)
    load_register(session, Register.COMPANIES_HOUSE, [path], date(2026, 12, 4))
    session.commit()


@pytest.mark.usefixtures("companies")
def test_a_number_on_the_register_shows_its_details_to_confirm_and_the_legal_form_follows(
    provider_client: FlaskClient,
) -> None:
    draft_organisation(provider_client)
    saved = post_form(
        provider_client, "/provider/organisation/registration-numbers", {"companies_house_number": "14567890"}
    )
    assert saved.headers["Location"] == "/provider/organisation/register-details"

    page = provider_client.get("/provider/organisation/register-details").get_data(as_text=True)
    assert "PAGE MOSS COMMUNITY NAVIGATORS C.I.C." in page and "From Companies House, 1 December 2026" in page
    assert "Different</strong> You said: Page Moss Navigators" in page
    assert "That is community interest company (CIC); you said private company" in page
    assert "88990 - Other social work activities n.e.c." in page and "L36 9GD" in page

    unanswered = post_form(provider_client, "/provider/organisation/register-details", {})
    assert unanswered.status_code == 400
    assert "Select yes if these are your organisation&#39;s details" in unanswered.get_data(as_text=True)

    confirmed = post_form(provider_client, "/provider/organisation/register-details", {"confirmed": "yes"})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/provider/premises/add"
    provider = newest_provider()
    assert provider.legal_form == LegalForm.CIC  # from the category
    [identifier] = provider.identifiers
    assert identifier.evidence == EvidenceState.REGISTER_MATCHED
    record = db.session.scalars(select(ProviderRegisterRecord)).one()
    assert (record.name, record.status, record.published_on) == (
        "PAGE MOSS COMMUNITY NAVIGATORS C.I.C.",
        "Active",
        date(2026, 12, 1),
    )
    assert record.confirmed_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(provider.id))))
    assert {"provider.register_details_confirmed", "provider.legal_form_changed"} <= actions


@pytest.mark.usefixtures("companies")
def test_a_dissolved_company_cannot_register_as_live(provider_client: FlaskClient) -> None:
    draft_organisation(provider_client, "cic")
    refused = post_form(
        provider_client, "/provider/organisation/registration-numbers", {"companies_house_number": "8209948"}
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Companies House lists 08209948 (GONE AWAY COMMUNITY CIC) as dissolved since 2 May 2025" in page
    assert 'href="#companies_house_number"' in page  # in the error summary, linked to the field
    assert newest_provider().identifiers == []


@pytest.mark.usefixtures("companies")
def test_saying_the_details_are_not_ours_goes_back_to_the_number(provider_client: FlaskClient) -> None:
    draft_organisation(provider_client, "cic")
    post_form(provider_client, NUMBERS, {"companies_house_number": "14567890"})
    answer = post_form(provider_client, "/provider/organisation/register-details", {"confirmed": "no"})
    assert answer.headers["Location"] == "/provider/organisation/registration-numbers"
    assert "Check the registration number" in provider_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert db.session.scalars(select(ProviderRegisterRecord)).first() is None


@pytest.mark.usefixtures("companies")
def test_a_number_the_loaded_register_lacks_is_said_and_not_refused(provider_client: FlaskClient) -> None:
    draft_organisation(provider_client, "cic")
    saved = post_form(
        provider_client, "/provider/organisation/registration-numbers", {"companies_house_number": "11111111"}
    )
    assert saved.headers["Location"] == "/provider/organisation/register-details"
    page = provider_client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Companies House&#39;s register of 1 December 2026 has no number 11111111" in page
    carry_on = post_form(provider_client, "/provider/organisation/register-details", {})
    assert carry_on.status_code == 302 and newest_provider().identifiers[0].evidence == EvidenceState.SELF_DECLARED


def test_without_a_loaded_register_numbers_are_saved_as_before(provider_client: FlaskClient) -> None:
    draft_organisation(provider_client, "cic")
    saved = post_form(
        provider_client, "/provider/organisation/registration-numbers", {"companies_house_number": "14567890"}
    )
    assert saved.headers["Location"] == "/provider/premises/add"


@pytest.mark.usefixtures("companies")
def test_what_the_register_says_is_escaped(provider_client: FlaskClient) -> None:
    draft_organisation(provider_client, "private_company")
    post_form(provider_client, NUMBERS, {"companies_house_number": "SC000003"})
    page = provider_client.get("/provider/organisation/register-details").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; SONS LTD" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
