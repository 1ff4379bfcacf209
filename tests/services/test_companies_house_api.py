"""Companies House's online service behind the loaded registers: every answer a state (found, not found, timed out,
refused, rate limited, service error), answers cached in the database for their lifetime, a rate limit below the
service's own shared through one store, the key never in a log, and the loaded releases asked first."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from limits.storage import MemoryStorage
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import ConfigError, load_config
from app.domain.companies_house_api import OnlineRegisterEntry, OnlineState
from app.domain.providers import LegalForm
from app.domain.registers import Register
from app.models import CompaniesHouseAnswer
from app.services.companies_house_api import CompaniesHouseApi, Lifetimes, _keep, look_up_company
from app.services.register_lookup import look_up_numbers
from app.services.registers import load_register
from tests.registers_data import ONLINE_PROFILE, company_row, write_companies

KEY = "ch-test-key-9f8e7d6c5b4a"
NOW = datetime(2026, 12, 5, 14, 2, tzinfo=UTC)
PROFILE = ONLINE_PROFILE

Handler = Callable[[httpx.Request], httpx.Response]


class Service:
    """A mock Companies House: answers with ``handler`` and counts the requests it gets."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.handler = handler or (lambda request: httpx.Response(200, json=PROFILE))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def api(self, **options: Any) -> CompaniesHouseApi:
        return CompaniesHouseApi(KEY, transport=httpx.MockTransport(self), **options)


NOT_FOUND_BODY = {"errors": [{"type": "ch:service", "error": "company-profile-not-found"}]}


def answering(status: int, **content: Any) -> Service:
    return Service(lambda request: httpx.Response(status, **content))


def raising(error: type[httpx.HTTPError]) -> Service:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("no answer", request=request)  # type: ignore[call-arg]

    return Service(handler)


def test_a_found_company_is_the_register_entry_with_its_online_basis(session: Session) -> None:
    service = Service()
    answer = look_up_company(session, service.api(), "14567890", NOW)
    assert answer.state == OnlineState.FOUND
    entry = answer.entry
    assert isinstance(entry, OnlineRegisterEntry)
    assert (entry.name, entry.legal_form, entry.postcode) == (PROFILE["company_name"], LegalForm.CIC, "L36 9GD")
    assert entry.sic == ("88990 - Other social work activities without accommodation n.e.c.",)
    assert entry.basis == "Companies House online service, fetched 5 December 2026 at 2:02pm"
    [request] = service.requests
    assert (request.method, str(request.url)) == (
        "GET",
        "https://api.company-information.service.gov.uk/company/14567890",
    )
    # HTTP basic auth: the key as the user name, no password.
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    kept = session.scalars(select(CompaniesHouseAnswer)).one()
    assert (kept.company_number, kept.state, kept.fetched_at) == ("14567890", "found", NOW)
    assert kept.profile is not None and "etag" not in kept.profile and "links" not in kept.profile


def test_a_second_look_up_is_answered_from_the_cache_until_it_expires(session: Session) -> None:
    service = Service()
    api = service.api(lifetimes=Lifetimes(found=timedelta(hours=24)))
    look_up_company(session, api, "14567890", NOW)
    again = look_up_company(session, api, "14567890", NOW + timedelta(hours=23, minutes=59))
    assert len(service.requests) == 1
    assert again.entry is not None and again.entry.basis.endswith("fetched 5 December 2026 at 2:02pm")

    later = NOW + timedelta(hours=24, seconds=1)
    fresh = look_up_company(session, api, "14567890", later)
    assert len(service.requests) == 2
    assert fresh.entry is not None and fresh.entry.published_on == date(2026, 12, 6)
    assert session.scalars(select(CompaniesHouseAnswer)).one().fetched_at == later


def test_a_second_worker_reads_the_first_one_s_answer(session: Session) -> None:
    first, second = Service(), Service()
    look_up_company(session, first.api(), "14567890", NOW)
    assert look_up_company(session, second.api(), "14567890", NOW).state == OnlineState.FOUND
    assert (len(first.requests), len(second.requests)) == (1, 0)


def test_a_number_not_found_is_cached_for_its_own_shorter_lifetime(session: Session) -> None:
    service = answering(404, json=NOT_FOUND_BODY)
    api = service.api(lifetimes=Lifetimes(not_found=timedelta(hours=1)))
    answer = look_up_company(session, api, "01234567", NOW)
    assert (answer.state, answer.entry) == (OnlineState.NOT_FOUND, None)
    note = answer.note()
    assert note is not None and "Companies House has no company with the number 01234567" in note
    look_up_company(session, api, "01234567", NOW + timedelta(minutes=59))
    assert len(service.requests) == 1
    look_up_company(session, api, "01234567", NOW + timedelta(minutes=61))
    assert len(service.requests) == 2


@pytest.mark.parametrize(
    ("service", "state"),
    [
        (raising(httpx.ReadTimeout), OnlineState.TIMED_OUT),
        (raising(httpx.ConnectTimeout), OnlineState.TIMED_OUT),
        (answering(401), OnlineState.REFUSED),
        (answering(403), OnlineState.REFUSED),
        (answering(429), OnlineState.RATE_LIMITED),
        (answering(500), OnlineState.SERVICE_ERROR),
        (answering(503, text="Service Unavailable"), OnlineState.SERVICE_ERROR),
        (answering(200, text="<html>maintenance</html>"), OnlineState.SERVICE_ERROR),
        (answering(200, json=["not", "a", "profile"]), OnlineState.SERVICE_ERROR),
        (answering(200, json={"company_number": "14567890"}), OnlineState.SERVICE_ERROR),  # no name
        (raising(httpx.ConnectError), OnlineState.SERVICE_ERROR),
        # A 404 from something in between (a proxy, a wrong address): not Companies House saying "not found".
        (answering(404, text="Not Found"), OnlineState.SERVICE_ERROR),
        (answering(404), OnlineState.SERVICE_ERROR),
    ],
)
def test_every_failure_is_a_state_with_no_company(session: Session, service: Service, state: OnlineState) -> None:
    answer = look_up_company(session, service.api(), "14567890", NOW)
    assert (answer.state, answer.entry) == (state, None)
    assert answer.state.failed
    assert session.scalars(select(CompaniesHouseAnswer)).one().profile is None


def test_a_failure_is_kept_a_minute_so_the_next_page_does_not_wait_again(session: Session) -> None:
    service = raising(httpx.ReadTimeout)
    api = service.api()
    look_up_company(session, api, "14567890", NOW)
    assert look_up_company(session, api, "14567890", NOW + timedelta(seconds=30)).state == OnlineState.TIMED_OUT
    assert len(service.requests) == 1
    service.handler = lambda request: httpx.Response(200, json=PROFILE)
    assert look_up_company(session, api, "14567890", NOW + timedelta(seconds=61)).state == OnlineState.FOUND
    assert len(service.requests) == 2


def test_when_asking_again_fails_the_company_found_before_stands_with_its_date(session: Session) -> None:
    service = Service()
    api = service.api()
    look_up_company(session, api, "14567890", NOW)
    service.handler = lambda request: httpx.Response(503)
    answer = look_up_company(session, api, "14567890", NOW + timedelta(days=2))
    assert answer.state == OnlineState.FOUND and answer.entry is not None
    assert answer.entry.basis.endswith("fetched 5 December 2026 at 2:02pm")
    assert session.scalars(select(CompaniesHouseAnswer)).one().state == "found"


def test_our_own_limit_stops_requests_below_the_service_s(session: Session) -> None:
    service = Service()
    api = service.api(rate_limit="2 per 5 minutes")
    states = [look_up_company(session, api, number, NOW).state for number in ("00000001", "00000002", "00000003")]
    assert states == [OnlineState.FOUND, OnlineState.FOUND, OnlineState.RATE_LIMITED]
    assert len(service.requests) == 2  # the third was never made
    # Cached answers are not requests: they do not count.
    assert look_up_company(session, api, "00000001", NOW).state == OnlineState.FOUND
    assert len(service.requests) == 2


def test_the_limit_is_shared_by_every_client_on_one_store() -> None:
    store = MemoryStorage()
    one, other = Service(), Service()
    first, second = (
        one.api(rate_limit="3 per 5 minutes", limit_storage=store),
        other.api(rate_limit="3 per 5 minutes", limit_storage=store),
    )
    states = [first.fetch("00000001").state, second.fetch("00000002").state, first.fetch("00000003").state]
    assert states == [OnlineState.FOUND] * 3
    assert second.fetch("00000004").state == OnlineState.RATE_LIMITED
    assert len(one.requests) + len(other.requests) == 3


class _GoneAway(MemoryStorage):
    """A limit store that cannot be reached (a Redis that went away)."""

    def acquire_entry(self, *args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("Connection refused")


def test_an_unreachable_limit_store_still_limits_within_the_process(caplog: pytest.LogCaptureFixture) -> None:
    service = Service()
    api = service.api(rate_limit="1 per 5 minutes", limit_storage=_GoneAway())
    assert api.fetch("00000001").state == OnlineState.FOUND
    assert api.fetch("00000002").state == OnlineState.RATE_LIMITED
    assert "counts its own requests" in caplog.text


def test_a_limit_store_that_cannot_be_set_up_falls_back_to_memory(caplog: pytest.LogCaptureFixture) -> None:
    api = Service().api(limit_storage="nonsense://nowhere")
    assert api.fetch("00000001").state == OnlineState.FOUND
    assert "could not be set up" in caplog.text


def test_the_key_is_in_no_log_and_no_representation(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    failing = (answering(401), raising(httpx.ReadTimeout), answering(500), raising(httpx.ConnectError), Service())
    for number, service in enumerate(failing, start=1):
        api = service.api()
        look_up_company(session, api, f"{number:08d}", NOW)
        assert KEY not in repr(api)
    assert "refused the council's API key (HTTP 401)" in caplog.text
    assert KEY not in caplog.text
    assert all(KEY not in str(kept.profile) for kept in session.scalars(select(CompaniesHouseAnswer)))


def test_a_client_needs_a_key() -> None:
    with pytest.raises(ValueError, match="key is needed"):
        CompaniesHouseApi("  ")


def test_an_answer_kept_by_another_worker_meanwhile_stands(session: Session) -> None:
    session.add(CompaniesHouseAnswer(company_number="14567890", state="found", profile=PROFILE, fetched_at=NOW))
    session.flush()
    mine = look_up_company(session, answering(404, json=NOT_FOUND_BODY).api(), "00000009", NOW)
    racing = type(mine)("14567890", OnlineState.NOT_FOUND, NOW)
    _keep(session, None, racing, None)  # its insert meets the row the other worker kept
    assert (
        session.scalars(
            select(CompaniesHouseAnswer.state).where(CompaniesHouseAnswer.company_number == "14567890")
        ).one()
        == "found"
    )


# --- The loaded registers first, then the online service ---------------------------------------------------------


@pytest.fixture
def loaded(tmp_path: Path, session: Session) -> None:
    rows = [company_row("08209948", "LOADED COMPANY LTD", **{"RegAddress.PostCode": "L36 9GD"})]
    path = write_companies(tmp_path / "BasicCompanyData-2026-12-01.csv", rows)
    load_register(session, Register.COMPANIES_HOUSE, [path], date(2026, 12, 4))


@pytest.mark.usefixtures("loaded")
def test_the_loaded_release_answers_first_and_the_service_only_what_it_lacks(session: Session) -> None:
    service = Service()
    found = look_up_numbers(session, ["GB-COH-08209948", "GB-COH-14567890"], online=service.api(), now=NOW)
    loaded, online = found["GB-COH-08209948"].entry, found["GB-COH-14567890"].entry
    assert loaded is not None and loaded.basis == "Companies House, 1 December 2026"
    assert online is not None and online.basis.startswith("Companies House online service, fetched")
    assert [request.url.path for request in service.requests] == ["/company/14567890"]


@pytest.mark.usefixtures("loaded")
def test_without_a_key_a_number_the_release_lacks_says_the_release_s_date(session: Session) -> None:
    found = look_up_numbers(session, ["GB-COH-14567890"], online=None, now=NOW)
    assert found["GB-COH-14567890"].entry is None
    assert found["GB-COH-14567890"].note == (
        "Companies House's register of 1 December 2026 has no number 14567890. "
        "If it was registered since then, the council will check it with the register."
    )


def test_with_no_release_loaded_a_company_number_goes_online_and_others_stay_offline(session: Session) -> None:
    service = answering(404, json=NOT_FOUND_BODY)
    found = look_up_numbers(
        session, ["GB-COH-14567890", "GB-CHC-1234567", "GB-MPR-525R"], online=service.api(), now=NOW
    )
    assert list(found) == ["GB-COH-14567890"]  # no loaded charity or society register: nothing to say about them
    assert found["GB-COH-14567890"].entry is None and "no company with the number 14567890" in str(
        found["GB-COH-14567890"].note
    )
    assert len(service.requests) == 1
    assert look_up_numbers(session, ["GB-COH-14567890"], online=None, now=NOW) == {}


def test_a_failure_online_leaves_the_number_for_the_council_to_check(session: Session) -> None:
    found = look_up_numbers(session, ["GB-COH-14567890"], online=answering(401).api(), now=NOW)
    note = found["GB-COH-14567890"].note
    assert found["GB-COH-14567890"].entry is None
    assert note == (
        "Company number 14567890 could not be checked online: the council's Companies House key was refused. "
        "You can carry on: the council will check the number with the register."
    )


# --- Configuration ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["500 per 5 minutes", "599 per 10 minutes", "100 per minute", "1 per second"])
def test_a_limit_below_the_service_s_is_taken(limit: str) -> None:
    assert load_config({"APP_ENV": "test", "COMPANIES_HOUSE_RATE_LIMIT": limit})["COMPANIES_HOUSE_RATE_LIMIT"] == limit


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("COMPANIES_HOUSE_RATE_LIMIT", "600 per 5 minutes", "must stay below Companies House's own limit of 600"),
        ("COMPANIES_HOUSE_RATE_LIMIT", "120 per minute", "must stay below Companies House's own limit of 600"),
        ("COMPANIES_HOUSE_RATE_LIMIT", "lots", "must be a rate like '500 per 5 minutes'"),
        ("COMPANIES_HOUSE_TIMEOUT", "0", "COMPANIES_HOUSE_TIMEOUT must be a number of seconds greater than 0"),
        ("COMPANIES_HOUSE_CACHE_SECONDS", "a day", "COMPANIES_HOUSE_CACHE_SECONDS must be a number of seconds"),
        ("COMPANIES_HOUSE_NOT_FOUND_CACHE_SECONDS", "-5", "must be a number of seconds greater than 0"),
    ],
)
def test_settings_that_cannot_work_say_what_to_set(setting: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config({"APP_ENV": "test", setting: value})


def test_tests_never_hold_a_key_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANIES_HOUSE_API_KEY", KEY)
    assert load_config({"APP_ENV": "test"})["COMPANIES_HOUSE_API_KEY"] is None
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("SECRET_KEY", "x")
    assert load_config({"APP_ENV": "development"})["COMPANIES_HOUSE_API_KEY"] == KEY
    monkeypatch.setenv("COMPANIES_HOUSE_API_KEY", "  ")
    assert load_config({"APP_ENV": "development"})["COMPANIES_HOUSE_API_KEY"] is None
