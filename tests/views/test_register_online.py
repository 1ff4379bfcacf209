"""Registering with a company number looked up on Companies House's online service (the council's key set, a mock
service injected): the details to confirm with their online basis, kept like a loaded register's; each failure a
clear message the provider can carry on past; the loaded files first; and the key on no page and in no audit."""

from __future__ import annotations

import html
import logging
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.providers import EvidenceState, LegalForm
from app.domain.registers import Register
from app.extensions import db
from app.models import AuditEvent, CompaniesHouseAnswer, ProviderRegisterRecord
from app.services.companies_house_api import CompaniesHouseApi
from app.services.registers import load_register
from app.web.companies_house import EXTENSION
from tests.registers_data import ONLINE_PROFILE, company_row, write_companies
from tests.views.conftest import draft_organisation, newest_provider, post_form

NUMBERS = "/provider/organisation/registration-numbers"
DETAILS = "/provider/organisation/register-details"
KEY = "ch-view-test-key-0a1b2c3d4e"
PROFILE = ONLINE_PROFILE
pytestmark = pytest.mark.usefixtures("app_context")


class Service:
    """A mock Companies House answering every request with ``answer`` (a response, or an error to raise)."""

    def __init__(self, answer: httpx.Response | type[httpx.HTTPError]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.answer, httpx.Response):
            return self.answer
        raise self.answer("no answer", request=request)  # type: ignore[call-arg]


def _online(app: Flask, monkeypatch: pytest.MonkeyPatch, service: Service, **options: Any) -> None:
    """The council's key configured, and the client the pages use built on the mock service."""
    monkeypatch.setitem(app.config, "COMPANIES_HOUSE_API_KEY", KEY)
    monkeypatch.setitem(
        app.extensions, EXTENSION, CompaniesHouseApi(KEY, transport=httpx.MockTransport(service), **options)
    )


@pytest.fixture
def found(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Service:
    service = Service(httpx.Response(200, json=PROFILE))
    _online(app, monkeypatch, service)
    return service


def _text(page: str) -> str:
    return " ".join(html.unescape(page).split())


def test_a_company_found_online_is_confirmed_and_kept_with_its_online_basis(
    provider_client: FlaskClient, found: Service
) -> None:
    draft_organisation(provider_client)
    saved = post_form(provider_client, NUMBERS, {"companies_house_number": "14567890"})
    assert saved.status_code == 302 and saved.headers["Location"] == DETAILS

    raw = provider_client.get(DETAILS).get_data(as_text=True)
    page = _text(raw)
    assert "PAGE MOSS COMMUNITY NAVIGATORS C.I.C." in page
    assert "From Companies House online service, fetched " in page
    assert "That is community interest company (CIC); you said private company" in page
    assert "88990 - Other social work activities without accommodation n.e.c." in page and "L36 9GD" in page
    assert KEY not in raw
    provider_client.get(DETAILS)  # a reload

    confirmed = post_form(provider_client, DETAILS, {"confirmed": "yes"})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/provider/premises/add"
    assert len(found.requests) == 1  # the form, two page loads and the confirmation: one request, then the cache

    provider = newest_provider()
    assert provider.legal_form == LegalForm.CIC
    [identifier] = provider.identifiers
    assert identifier.evidence == EvidenceState.REGISTER_MATCHED
    record = db.session.scalars(select(ProviderRegisterRecord)).one()
    assert record.release_name.startswith("Companies House online service, fetched ")
    assert (record.name, record.status, record.postcode) == (PROFILE["company_name"], "Active", "L36 9GD")
    events = db.session.scalars(select(AuditEvent)).all()
    confirmed_event = next(e for e in events if e.action == "provider.register_details_confirmed")
    assert confirmed_event.changes["GB-COH-14567890"]["name"] == PROFILE["company_name"]
    assert all(KEY not in f"{event.actor_label} {event.entity_id} {event.changes}" for event in events)


def test_a_company_dissolved_online_cannot_register_as_live(
    provider_client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = {**PROFILE, "company_status": "dissolved", "date_of_cessation": "2025-05-02"}
    _online(app, monkeypatch, Service(httpx.Response(200, json=gone)))
    draft_organisation(provider_client, "cic")
    refused = post_form(provider_client, NUMBERS, {"companies_house_number": "14567890"})
    assert refused.status_code == 400
    page = _text(refused.get_data(as_text=True))
    assert (
        "Companies House lists 14567890 (PAGE MOSS COMMUNITY NAVIGATORS C.I.C.) as dissolved since 2 May 2025" in page
    )
    assert newest_provider().identifiers == []
    # The answer is kept even though the form was refused: trying again does not ask again.
    assert db.session.scalars(select(CompaniesHouseAnswer.state)).one() == "found"


FAILURES = {
    "not found": (
        httpx.Response(404, json={"errors": [{"error": "company-profile-not-found"}]}),
        "Companies House has no company with the number 14567890 (checked online on ",
    ),
    "timed out": (httpx.ReadTimeout, "Companies House's online service did not answer in time."),
    "refused": (httpx.Response(401), "the council's Companies House key was refused."),
    "forbidden": (httpx.Response(403), "the council's Companies House key was refused."),
    "rate limited by the service": (httpx.Response(429), "Companies House's online service is busy"),
    "service error": (httpx.Response(502), "Companies House's online service had a problem."),
    "not JSON": (httpx.Response(200, text="<html>down</html>"), "Companies House's online service had a problem."),
    "no connection": (httpx.ConnectError, "Companies House's online service had a problem."),
}


@pytest.mark.parametrize("case", FAILURES)
def test_without_an_answer_the_provider_is_told_why_and_carries_on(
    provider_client: FlaskClient,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    answer, message = FAILURES[case]
    _online(app, monkeypatch, Service(answer))
    caplog.set_level(logging.INFO)
    draft_organisation(provider_client)
    saved = post_form(provider_client, NUMBERS, {"companies_house_number": "14567890"})
    assert saved.headers["Location"] == DETAILS

    raw = provider_client.get(DETAILS).get_data(as_text=True)
    page = _text(raw)
    assert message in page and "carry on" in page
    assert "Are these your organisation" not in page  # nothing to confirm
    assert KEY not in raw and KEY not in caplog.text

    carried_on = post_form(provider_client, DETAILS, {})
    assert carried_on.status_code == 302 and carried_on.headers["Location"] == "/provider/premises/add"
    [identifier] = newest_provider().identifiers  # the number is kept, for the council to check
    assert (identifier.org_id, identifier.evidence) == ("GB-COH-14567890", EvidenceState.SELF_DECLARED)
    assert db.session.scalars(select(ProviderRegisterRecord)).first() is None


def test_a_refused_key_is_logged_for_operators(
    provider_client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _online(app, monkeypatch, Service(httpx.Response(401)))
    draft_organisation(provider_client)
    post_form(provider_client, NUMBERS, {"companies_house_number": "14567890"})
    assert "Companies House refused the council's API key (HTTP 401): check COMPANIES_HOUSE_API_KEY" in caplog.text
    assert KEY not in caplog.text


def test_over_our_own_limit_no_request_is_made(
    provider_client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Service(httpx.Response(200, json=PROFILE))
    _online(app, monkeypatch, service, rate_limit="1 per 5 minutes")
    app.extensions[EXTENSION].fetch("00000001")  # another look-up took the only turn
    draft_organisation(provider_client)
    post_form(provider_client, NUMBERS, {"companies_house_number": "14567890"})
    page = _text(provider_client.get(DETAILS).get_data(as_text=True))
    assert "Company number 14567890 could not be checked online: Companies House's online service is busy" in page
    assert [request.url.path for request in service.requests] == ["/company/00000001"]


@pytest.fixture
def loaded(tmp_path: Path, session: Session) -> None:
    rows = [company_row("08209948", "LOADED COMPANY LTD", **{"RegAddress.PostCode": "L36 9GD"})]
    path = write_companies(tmp_path / "BasicCompanyData-2026-12-01.csv", rows)
    load_register(session, Register.COMPANIES_HOUSE, [path], date(2026, 12, 4))
    session.commit()


@pytest.mark.usefixtures("loaded")
def test_the_loaded_register_answers_first(provider_client: FlaskClient, found: Service) -> None:
    draft_organisation(provider_client)
    post_form(provider_client, NUMBERS, {"companies_house_number": "8209948"})
    page = _text(provider_client.get(DETAILS).get_data(as_text=True))
    assert "LOADED COMPANY LTD" in page and "From Companies House, 1 December 2026." in page
    assert found.requests == []


@pytest.mark.usefixtures("loaded")
def test_a_number_the_loaded_register_lacks_is_found_online(provider_client: FlaskClient, found: Service) -> None:
    draft_organisation(provider_client)
    post_form(provider_client, NUMBERS, {"companies_house_number": "14567890"})
    page = _text(provider_client.get(DETAILS).get_data(as_text=True))
    assert "From Companies House online service, fetched " in page
    assert "has no number 14567890" not in page
    assert len(found.requests) == 1


def test_without_a_key_nothing_goes_online(
    provider_client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Service(httpx.Response(200, json=PROFILE))
    _online(app, monkeypatch, service)
    monkeypatch.setitem(app.config, "COMPANIES_HOUSE_API_KEY", None)
    draft_organisation(provider_client)
    saved = post_form(provider_client, NUMBERS, {"companies_house_number": "14567890"})
    assert saved.headers["Location"] == "/provider/premises/add"  # no register loaded: nothing to confirm
    assert service.requests == []


def test_charity_numbers_stay_offline(provider_client: FlaskClient, found: Service) -> None:
    draft_organisation(provider_client, "charity")
    saved = post_form(
        provider_client,
        NUMBERS,
        {"charity_regulator": "GB-CHC", "charity_number": "1234567", "companies_house_number": ""},
    )
    assert saved.status_code == 302
    assert found.requests == []
