"""The commissioner's search: the band for the contract, then eligible providers best-first, each with why.

Eligibility and ranking run in SQL over the whole register (so pages and counts are exact at any
size); the explanation is built in Python only for the providers on the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, exists, false, func, select, true
from sqlalchemy.orm import Session, selectinload

from app.domain.bands import BandChoice, Estimate
from app.domain.eligibility import (
    SME_MAX_STAFF,
    SME_MAX_TURNOVER_PENCE,
    Eligibility,
    Signal,
    eligibility,
    generative_signals,
    is_sme,
)
from app.domain.locality import LocalArea, LocalityAssessment
from app.domain.paging import Paged, clamp_page, offset_of
from app.domain.policy import LocalityRule, Reservation
from app.domain.providers import SOCIAL_ECONOMY_FORMS, EvidenceState, FactKind, LegalForm, ProviderStatus
from app.domain.text import plain_int
from app.geo.boundaries import BoundaryIndex
from app.models import Council, Provider, ProviderFact, ServiceCategory, Site, provider_services
from app.services import fulltext, policy
from app.services.locality import area_names_for, provider_locality
from app.services.ordered_pages import capped_count, capped_counts, page_ids


@dataclass(frozen=True)
class Criteria:
    """What the commissioner is buying and how they narrowed the list."""

    estimate: Estimate
    category: str | None = None
    keywords: str | None = None
    legal_forms: frozenset[LegalForm] = frozenset()
    social_economy_only: bool = False
    sme_only: bool = False
    verified_only: bool = True
    within_km: float | None = None
    show_excluded: bool = False


@dataclass(frozen=True)
class ResultRow:
    provider: Provider
    locality: LocalityAssessment
    eligibility: Eligibility
    signals: list[Signal]
    distance_km: float | None

    @property
    def reasons(self) -> list[str]:
        return [self.eligibility.reason, *[s.text for s in self.signals]]


@dataclass(frozen=True)
class SearchResult(Paged):
    choice: BandChoice
    area: LocalArea
    rows: list[ResultRow]
    total: int
    local_eligible: int
    page: int
    per_page: int
    excluded: list[ResultRow] = field(default_factory=list)
    excluded_total: int = 0
    category: ServiceCategory | None = None
    # Counts stop at COUNT_LIMIT: past it, the figure is a floor ("more than 10,000").
    total_capped: bool = False
    local_capped: bool = False
    excluded_capped: bool = False

    @property
    def thin_market(self) -> bool:
        return self.total < self.choice.band.min_quotes

    def thin_market_message(self) -> str | None:
        if not self.thin_market:
            return None
        which = "local " if self.choice.locality_rule == LocalityRule.LOCAL_ONLY else ""
        count = "No" if self.total == 0 else f"Only {self.total}"
        noun = "provider" if self.total == 1 else "providers"
        quotes = self.choice.band.min_quotes
        return f"{count} eligible {which}{noun} for the {quotes} quote{'s' if quotes != 1 else ''} this band needs"


def _has_site_in(member: Any, codes: Iterable[str]) -> ColumnElement[bool]:
    """Providers with premises in any of these districts: an index lookup on sites(district_code, provider_id).
    ``member``: the provider's id as the condition names it (see :func:`_Plan.walked`)."""
    return member.in_(select(Site.provider_id).where(Site.district_code.in_(sorted(codes))))  # type: ignore[no-any-return]


def _locally_based(area: LocalArea, member: Any = Provider.id) -> ColumnElement[bool]:
    return _has_site_in(member, area.district_codes)


def _locality_levels(area: LocalArea, member: Any) -> list[ColumnElement[bool]]:
    """Local-first order's levels, best first, each provider in exactly one: premises in the local area; else in
    the wider area; else placed elsewhere; else not placed at all."""
    local = _locally_based(area, member)
    wider = _has_site_in(member, area.wider_district_codes) if area.wider_district_codes else false()
    placed = exists().where(Site.provider_id == Provider.id, Site.district_code.is_not(None))
    return [local, and_(~local, wider), and_(~local, ~wider, placed), ~placed]


def _fact_value(kind: FactKind) -> Any:
    return (
        select(ProviderFact.value)
        .where(ProviderFact.provider_id == Provider.id, ProviderFact.kind == kind)
        .scalar_subquery()
    )


def _sme_condition() -> ColumnElement[bool]:
    # BIGINT: the turnover limit in pence (4,400,000,000) is past PostgreSQL's INTEGER.
    staff = func.cast(_fact_value(FactKind.STAFF_COUNT), BigInteger)
    turnover = func.cast(_fact_value(FactKind.TURNOVER), BigInteger)
    return and_(staff.is_not(None), turnover.is_not(None), staff <= SME_MAX_STAFF, turnover <= SME_MAX_TURNOVER_PENCE)


def _reserved(choice: BandChoice) -> ColumnElement[bool]:
    """The band's reservation to SMEs or VCSEs, if it has one."""
    if choice.band.reservation == Reservation.SME:
        return _sme_condition()
    if choice.band.reservation == Reservation.VCSE:
        return Provider.legal_form.in_(SOCIAL_ECONOMY_FORMS)
    return true()


def _candidates(
    criteria: Criteria, category: ServiceCategory | None, near: set[int] | None, member: Any
) -> Select[Any]:
    statuses = (
        [ProviderStatus.VERIFIED] if criteria.verified_only else [ProviderStatus.VERIFIED, ProviderStatus.SUBMITTED]
    )
    query = select(Provider.id).where(Provider.status.in_(statuses))
    if criteria.category:
        # A service nobody has heard of is offered by nobody.
        offering = (
            select(provider_services.c.provider_id).where(provider_services.c.category_id == category.id)
            if category is not None
            else None
        )
        query = query.where(member.in_(offering) if offering is not None else false())
    if criteria.legal_forms:
        query = query.where(Provider.legal_form.in_(criteria.legal_forms))
    if criteria.social_economy_only:
        query = query.where(Provider.legal_form.in_(SOCIAL_ECONOMY_FORMS))
    if criteria.sme_only:
        query = query.where(_sme_condition())
    if near is not None:
        query = query.where(Provider.id.in_(near))
    return query


def _within(session: Session, km: float, boundaries: BoundaryIndex, area: LocalArea) -> set[int]:
    """Providers with a public site within ``km`` of the local area.

    A hidden home address never counts: the filter would otherwise reveal roughly where someone lives.
    SQL keeps only public, placed sites inside a box around the area; the geodesic distance decides the rest.
    """
    query = select(Site.provider_id, Site.latitude, Site.longitude).where(
        Site.address_public.is_(True), Site.latitude.is_not(None), Site.longitude.is_not(None)
    )
    codes = set(area.district_codes)
    around = boundaries.box_around(codes, km)
    if around is None:
        return set()
    south, west, north, east = around
    query = query.where(Site.latitude.between(south, north), Site.longitude.between(west, east))
    near: set[int] = set()
    for provider_id, latitude, longitude in session.execute(query):
        if provider_id in near or latitude is None or longitude is None:
            continue
        distance = boundaries.distance_km(latitude, longitude, codes)
        if distance is not None and distance <= km:
            near.add(provider_id)
    return near


@dataclass(frozen=True)
class _Queries:
    """A search's queries before paging: the candidates, the band's condition, and the order in segments."""

    query: Select[Any]
    eligible: ColumnElement[bool]
    local: ColumnElement[bool]
    # The order: these segments in turn (locality levels where the rule puts local providers first; within each,
    # providers whose names hold the words first), then within a segment the order's index.
    segments: list[ColumnElement[bool]]


@dataclass(frozen=True)
class _Plan:
    choice: BandChoice
    category: ServiceCategory | None
    # The words searched for: in the segments (to page) and narrowing the counts.
    matched: fulltext.TextMatch | None
    # The same queries twice. ``listed``: the filters' providers read as lists, which the engine starts from (to
    # count, and to page through a few). ``walked``: on SQLite, the filters tested row by row ("+id IN ...") while
    # the engine walks the order's index and stops after a page, rather than sorting thousands of candidates.
    listed: _Queries
    walked: _Queries

    def for_page(self, total: int) -> _Queries:
        return self.walked if total > fulltext.FEW_MATCHES else self.listed

    def counted(self, query: Select[Any], *, local: bool) -> Select[Any]:
        """``query`` narrowed to the words searched for, to count. Counting only local providers, the local area's
        premises are the fewer to start from; otherwise the matches are."""
        if self.matched is None:
            return query
        return query.where(self.matched.anywhere) if local else self.matched.counted(query)


# Within a segment: generative signals' weight, then name; the (status, signal_score, name, id) index gives it.
WITHIN_SEGMENT = (Provider.signal_score.desc(), Provider.name, Provider.id)


def _plan(
    session: Session,
    council: Council,
    area: LocalArea,
    criteria: Criteria,
    today: date,
    boundaries: BoundaryIndex | None,
) -> _Plan:
    choice = policy.choose(session, council, criteria.estimate, today)
    category = (
        session.scalar(select(ServiceCategory).where(ServiceCategory.slug == criteria.category))
        if criteria.category
        else None
    )
    near = (
        _within(session, criteria.within_km, boundaries, area)
        if criteria.within_km is not None and boundaries is not None
        else None
    )
    matched = fulltext.match(session, criteria.keywords or "")

    def queries(member: Any) -> _Queries:
        query = _candidates(criteria, category, near, member)
        levels = _locality_levels(area, member) if choice.locality_rule == LocalityRule.LOCAL_FIRST else [true()]
        tiers = matched.tiers if matched is not None else [true()]
        segments = [and_(level, tier) for level in levels for tier in tiers]
        local = _locally_based(area, member)
        eligible = and_(local if choice.locality_rule == LocalityRule.LOCAL_ONLY else true(), _reserved(choice))
        return _Queries(query, eligible, local, segments if len(segments) > 1 else [])

    listed = queries(Provider.id)
    walked = queries(fulltext.walked_id(session)) if session.get_bind().dialect.name == "sqlite" else listed
    return _Plan(choice, category, matched, listed, walked)


def search(
    session: Session,
    council: Council,
    area: LocalArea,
    criteria: Criteria,
    today: date,
    *,
    page: int = 1,
    per_page: int = 20,
    boundaries: BoundaryIndex | None = None,
) -> SearchResult:
    """Apply the band for the estimate and list eligible providers ranked: locality (when the rule asks), names
    that hold the words searched for, generative signals, name. Counts stop at COUNT_LIMIT (the result says so).
    Raises BandError for an estimate no band can take."""
    plan = _plan(session, council, area, criteria, today, boundaries)
    listed = plan.listed
    eligible_query = listed.query.where(listed.eligible)
    local_only = plan.choice.locality_rule == LocalityRule.LOCAL_ONLY
    if local_only:
        total, capped = capped_count(session, plan.counted(eligible_query, local=True))
        local_eligible, local_capped = total, capped  # the band admits only local providers
    else:
        (total, capped), (local_eligible, local_capped) = capped_counts(
            session,
            plan.counted(eligible_query, local=False),
            plan.counted(eligible_query.where(listed.local), local=True),
        )
    page = clamp_page(page, total, per_page)
    paging = plan.for_page(total)
    ids = page_ids(
        session,
        paging.query.where(paging.eligible),
        paging.segments,
        WITHIN_SEGMENT,
        offset=offset_of(page, per_page),
        limit=per_page,
    )
    rows = _explain(session, ids, plan.choice, area, boundaries)

    excluded: list[ResultRow] = []
    excluded_total, excluded_capped = 0, False
    if criteria.show_excluded:
        excluded_query = listed.query.where(~listed.eligible)
        excluded_total, excluded_capped = capped_count(session, plan.counted(excluded_query, local=False))
        walking = plan.for_page(excluded_total)
        excluded_ids = page_ids(
            session,
            walking.query.where(~walking.eligible),
            walking.segments,
            WITHIN_SEGMENT,
            offset=0,
            limit=per_page,
        )
        excluded = _explain(session, excluded_ids, plan.choice, area, boundaries)
    return SearchResult(
        plan.choice,
        area,
        rows,
        total,
        local_eligible,
        page,
        per_page,
        excluded,
        excluded_total,
        plan.category,
        total_capped=capped,
        local_capped=local_capped,
        excluded_capped=excluded_capped,
    )


NOT_ON_THE_REGISTER = "A provider no longer on the register"


@dataclass(frozen=True)
class Selected:
    """A shortlist in the making, checked against a search: who is eligible for this contract, best first,
    and who is not (by the name the register lists them under)."""

    rows: list[ResultRow]
    not_eligible: list[tuple[int, str]]

    @property
    def count(self) -> int:
        return len(self.rows) + len(self.not_eligible)

    @property
    def eligible_ids(self) -> list[int]:
        return [row.provider.id for row in self.rows]


def eligibility_only(criteria: Criteria) -> Criteria:
    """The criteria without the filters that only narrow the list (service, keywords, legal form, social economy,
    size, distance, checked only): what decides whether a provider may be asked for this contract at all."""
    return replace(
        criteria,
        category=None,
        keywords=None,
        legal_forms=frozenset(),
        social_economy_only=False,
        sme_only=False,
        verified_only=False,
        within_km=None,
        show_excluded=False,
    )


def selected(
    session: Session,
    council: Council,
    area: LocalArea,
    criteria: Criteria,
    today: date,
    provider_ids: Iterable[int],
    *,
    boundaries: BoundaryIndex | None = None,
) -> Selected:
    """The chosen providers under this search's band and rules, in its ranking.

    A shortlist is built across pages and changes of filter, so a provider ticked under one filter stays
    chosen under another: only the band (locality rule, reservation) and being on the register decide
    whether it may still be asked. Raises BandError as :func:`search` does."""
    wanted = list(dict.fromkeys(provider_ids))
    if not wanted:
        return Selected([], [])
    plan = _plan(session, council, area, eligibility_only(criteria), today, boundaries)
    query = plan.listed.query.where(plan.listed.eligible, Provider.id.in_(wanted))
    ids = page_ids(session, query, plan.listed.segments, WITHIN_SEGMENT, offset=0, limit=len(wanted))
    rows = _explain(session, ids, plan.choice, area, boundaries)
    found = set(ids)
    others = [provider_id for provider_id in wanted if provider_id not in found]
    listed = [ProviderStatus.VERIFIED, ProviderStatus.SUBMITTED]
    query_names = select(Provider.id, Provider.name).where(Provider.id.in_(others), Provider.status.in_(listed))
    names: dict[int, str] = {row.id: row.name for row in session.execute(query_names)}
    return Selected(rows, [(provider_id, names.get(provider_id, NOT_ON_THE_REGISTER)) for provider_id in others])


def _explain(
    session: Session, ids: list[int], choice: BandChoice, area: LocalArea, boundaries: BoundaryIndex | None
) -> list[ResultRow]:
    if not ids:
        return []
    providers = {
        p.id: p
        for p in session.scalars(
            select(Provider)
            .where(Provider.id.in_(ids))
            .options(
                selectinload(Provider.sites),
                selectinload(Provider.facts),
                selectinload(Provider.identifiers),
                selectinload(Provider.services),
            )
        )
    }
    names = area_names_for(session, list(providers.values()))
    rows = []
    for provider_id in ids:
        provider = providers[provider_id]
        assessment = provider_locality(session, provider, area, public=True, names=names)
        facts = {f.kind: (f.value, f.evidence) for f in provider.facts}
        staff = facts.get(FactKind.STAFF_COUNT, (None, None))[0]
        turnover = facts.get(FactKind.TURNOVER, (None, None))[0]
        sme = is_sme(plain_int(staff), plain_int(turnover))
        decision = eligibility(
            assessment.locality,
            choice.locality_rule,
            choice.band.reservation,
            provider.legal_form,
            sme,
            area.name,
            area.wider_name,
        )
        checked = sum(1 for i in provider.identifiers if i.evidence == EvidenceState.OFFICER_VERIFIED)
        distance = None
        if boundaries is not None:
            placed = [s for s in provider.sites if s.latitude is not None and s.address_public]
            distances = [boundaries.distance_km(s.latitude, s.longitude, set(area.district_codes)) for s in placed]  # type: ignore[arg-type]
            known = [d for d in distances if d is not None]
            distance = min(known) if known else None
        rows.append(
            ResultRow(provider, assessment, decision, generative_signals(provider.legal_form, facts, checked), distance)
        )
    return rows
