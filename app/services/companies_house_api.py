"""Companies House's online service: one company's profile by its number, rate-limited and cached in the database.

:class:`CompaniesHouseApi` makes the request (HTTP basic auth with the council's key as the user name and no
password, a timeout, a moving-window limit below the service's own 600 requests in 5 minutes, kept in Redis when
there is one so every worker shares it) and never raises: every failure is a state
(:class:`app.domain.companies_house_api.OnlineState`). :func:`look_up_company` answers from the cache while an answer
is fresh, and asks the service otherwise. The key is never logged, shown or stored: only the HTTP client holds it.
"""

from __future__ import annotations

import csv
import logging
import threading
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import httpx
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import exc, select
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT
from app.domain.companies_house_api import (
    OnlineAnswer,
    OnlineState,
    ProfileError,
    entry_from_profile,
    kept_profile,
    state_for_status,
)
from app.models import CompaniesHouseAnswer

log = logging.getLogger(__name__)

BASE_URL = "https://api.company-information.service.gov.uk"
DEFAULT_RATE_LIMIT = "500 per 5 minutes"
#: The limiter's key for the one council key (never the key itself).
RATE_LIMIT_KEY = "companies-house-api"
#: A failed answer is kept this long, so the page after the form does not wait on a failing service again.
FAILURE_LIFETIME = timedelta(minutes=1)
SIC_FILE = PROJECT_ROOT / "seed_data" / "codes" / "SIC07_CH_condensed_list_en.csv"


def _storage(limit_storage: str | Storage) -> Storage:
    """Where the rate limit is counted; this process's memory when the configured store cannot be set up."""
    if not isinstance(limit_storage, str):
        return limit_storage
    try:
        storage = storage_from_string(limit_storage)
        if not isinstance(storage, Storage):
            raise TypeError("an asynchronous store")
        return storage
    except Exception as error:  # a store URI the limits library cannot use: any of its errors
        log.warning(
            "The Companies House rate limit's store could not be set up (%s): this process counts its own requests",
            type(error).__name__,
        )
        return MemoryStorage()


@dataclass(frozen=True)
class Reply:
    """What one request to the service came to: its state, and for a found company the profile's JSON object."""

    state: OnlineState
    profile: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Lifetimes:
    """How long an answer is kept: a company found, a number not found, a failure."""

    found: timedelta = timedelta(hours=24)
    not_found: timedelta = timedelta(hours=1)
    failed: timedelta = FAILURE_LIFETIME

    def of(self, state: OnlineState) -> timedelta:
        if state == OnlineState.FOUND:
            return self.found
        return self.not_found if state == OnlineState.NOT_FOUND else self.failed


class CompaniesHouseApi:
    """The company profile resource of Companies House's public data API, with a timeout and a shared rate limit."""

    def __init__(
        self,
        api_key: str,
        *,
        timeout: float = 5.0,
        rate_limit: str = DEFAULT_RATE_LIMIT,
        limit_storage: str | Storage = "memory://",
        lifetimes: Lifetimes | None = None,
        transport: httpx.BaseTransport | None = None,
        base_url: str = BASE_URL,
    ) -> None:
        if not api_key.strip():
            raise ValueError("a Companies House API key is needed to use its online service")
        self.lifetimes = lifetimes or Lifetimes()
        self._http = httpx.Client(
            base_url=base_url,
            auth=httpx.BasicAuth(api_key.strip(), ""),
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "local-supplier-register"},
            follow_redirects=False,
        )
        self._limit: RateLimitItem = parse(rate_limit)
        self._limiter = MovingWindowRateLimiter(_storage(limit_storage))
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        self._fallback_lock = threading.Lock()
        self._fallback_logged = False

    def __repr__(self) -> str:  # the default would show nothing secret, but say so plainly
        return f"<CompaniesHouseApi {self._http.base_url} (key hidden), limit {self._limit}>"

    def close(self) -> None:
        self._http.close()

    def _take_turn(self) -> bool:
        """Whether a request may go now (and count it). The limit is kept where every worker sees it; when that
        store cannot be reached, this process keeps its own count rather than stopping every look-up."""
        try:
            return bool(self._limiter.hit(self._limit, RATE_LIMIT_KEY))
        except Exception as error:  # a Redis that went away: any of its client's errors
            with self._fallback_lock:
                if not self._fallback_logged:
                    log.warning(
                        "The Companies House rate limit's store could not be reached (%s): "
                        "this process counts its own requests until it can",
                        type(error).__name__,
                    )
                    self._fallback_logged = True
            return bool(self._fallback.hit(self._limit, RATE_LIMIT_KEY))

    def fetch(self, number: str) -> Reply:
        """The profile of company ``number`` (8 characters, as :func:`app.domain.registers.company_number` writes
        it), or the state saying why there is none. Never raises; failures are logged for operators."""
        if not self._take_turn():
            log.warning("Companies House look-up of %s not made: over our limit of %s", number, self._limit)
            return Reply(OnlineState.RATE_LIMITED)
        try:
            response = self._http.get(f"/company/{number}")
        except httpx.TimeoutException as error:
            log.warning("Companies House did not answer in time about %s (%s)", number, type(error).__name__)
            return Reply(OnlineState.TIMED_OUT)
        except httpx.HTTPError as error:
            log.warning("Companies House could not be reached about %s (%s)", number, type(error).__name__)
            return Reply(OnlineState.SERVICE_ERROR)
        state = state_for_status(response.status_code)
        if state == OnlineState.REFUSED:
            log.error(
                "Companies House refused the council's API key (HTTP %s): check COMPANIES_HOUSE_API_KEY",
                response.status_code,
            )
        elif state == OnlineState.RATE_LIMITED:
            log.warning("Companies House's own rate limit stopped the look-up of %s (HTTP 429)", number)
        elif state == OnlineState.SERVICE_ERROR:
            log.warning("Companies House answered HTTP %s about %s", response.status_code, number)
        if state == OnlineState.NOT_FOUND and not _service_error_body(response):
            # Something else between us and Companies House (a proxy, a wrong address) said 404: not an answer.
            log.warning("HTTP 404 about %s without Companies House's error body: not taken as not found", number)
            return Reply(OnlineState.SERVICE_ERROR)
        if state != OnlineState.FOUND:
            return Reply(state)
        try:
            profile = response.json()
        except ValueError:
            log.warning("Companies House's answer about %s was not JSON", number)
            return Reply(OnlineState.SERVICE_ERROR)
        if not isinstance(profile, dict):
            log.warning("Companies House's answer about %s was not a JSON object", number)
            return Reply(OnlineState.SERVICE_ERROR)
        return Reply(OnlineState.FOUND, profile)


def _service_error_body(response: httpx.Response) -> bool:
    """Whether a response carries Companies House's own error body ({"errors": [...]}), as its 404 does."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("errors"), list)


@cache
def sic_words() -> dict[str, str]:
    """SIC 2007 codes to their words, from the condensed list Companies House uses (seed_data/codes)."""
    try:
        with SIC_FILE.open(encoding="utf-8-sig", newline="") as file:
            return {row["code"].strip(): row["description"].strip() for row in csv.DictReader(file)}
    except (OSError, KeyError, csv.Error) as error:  # the codes alone are still right
        log.warning("SIC code words not read from %s (%s): codes are shown alone", SIC_FILE, error)
        return {}


def _answer(number: str, state: OnlineState, profile: Mapping[str, Any] | None, fetched_at: datetime) -> OnlineAnswer:
    """An answer from a state and profile; a profile the register cannot read is the service's error."""
    if state != OnlineState.FOUND or profile is None:
        return OnlineAnswer(number, state if state != OnlineState.FOUND else OnlineState.SERVICE_ERROR, fetched_at)
    try:
        entry = entry_from_profile(profile, fetched_at, sic_words())
    except ProfileError as error:
        log.warning("Companies House's answer about %s is not a company profile: %s", number, error)
        return OnlineAnswer(number, OnlineState.SERVICE_ERROR, fetched_at)
    return OnlineAnswer(number, OnlineState.FOUND, fetched_at, entry)


def _keep(
    session: Session,
    kept: CompaniesHouseAnswer | None,
    answer: OnlineAnswer,
    profile: dict[str, Any] | None,
) -> None:
    """Keep an answer: the number's row replaced, or a new one."""
    profile = profile if answer.state == OnlineState.FOUND else None
    if kept is not None:
        kept.state, kept.profile, kept.fetched_at = answer.state.value, profile, answer.fetched_at
        session.flush()
        return
    # Another worker asking at the same moment may keep its answer first: it stands, and this one is dropped.
    with suppress(exc.IntegrityError), session.begin_nested():
        session.add(
            CompaniesHouseAnswer(
                company_number=answer.number, state=answer.state.value, profile=profile, fetched_at=answer.fetched_at
            )
        )


def look_up_company(session: Session, api: CompaniesHouseApi, number: str, now: datetime) -> OnlineAnswer:
    """Company ``number`` (8 characters) on Companies House's online service: from the cache while its answer is
    fresh, otherwise asked (and the answer kept). When asking fails and a company found before is kept, that record
    stands, dated when it was fetched."""
    kept = session.scalar(select(CompaniesHouseAnswer).where(CompaniesHouseAnswer.company_number == number))
    if kept is not None:
        kept_state = OnlineState(kept.state)
        if now < kept.fetched_at + api.lifetimes.of(kept_state):
            return _answer(number, kept_state, kept.profile, kept.fetched_at)
    reply = api.fetch(number)
    profile = kept_profile(reply.profile) if reply.profile is not None else None
    answer = _answer(number, reply.state, profile, now)
    if answer.state.failed and kept is not None and kept.state == OnlineState.FOUND.value:
        stale = _answer(number, OnlineState.FOUND, kept.profile, kept.fetched_at)
        if stale.entry is not None:
            return stale
    _keep(session, kept, answer, profile)
    return answer
