"""The commissioner's search: the band for the contract, then eligible providers best-first, each with why.

Eligibility and ranking run in SQL over the whole register (so pages and counts are exact at any
size); the explanation is built in Python only for the providers on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import ceil
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select, true
from sqlalchemy.orm import Session, selectinload

from app.domain.bands import BandChoice, Estimate
from app.domain.eligibility import (
    FACT_SIGNALS,
    LEGAL_FORM_SIGNALS,
    SME_MAX_STAFF,
    SME_MAX_TURNOVER_PENCE,
    VERIFIED_NUMBER_WEIGHT,
    Eligibility,
    Signal,
    eligibility,
    generative_signals,
    is_sme,
)
from app.domain.locality import LocalArea, LocalityAssessment
from app.domain.policy import LocalityRule, Reservation
from app.domain.providers import SOCIAL_ECONOMY_FORMS, EvidenceState, FactKind, LegalForm, ProviderStatus
from app.geo.boundaries import BoundaryIndex
from app.models import Council, Provider, ProviderFact, ProviderIdentifier, ServiceCategory, Site, provider_services
from app.services import fulltext, policy
from app.services.locality import provider_locality


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
class SearchResult:
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

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

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


def _locality_level(area: LocalArea) -> ColumnElement[int]:
    """0 local, 1 wider area, 2 placed elsewhere, 3 not placed: the same order as the domain's."""

    def has_site(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return exists().where(Site.provider_id == Provider.id, condition)

    return case(
        (has_site(Site.district_code.in_(area.district_codes)), 0),
        (has_site(Site.district_code.in_(area.wider_district_codes or {"-"})), 1),
        (has_site(Site.district_code.is_not(None)), 2),
        else_=3,
    )


def _fact_value(kind: FactKind) -> ColumnElement[str]:
    return (
        select(ProviderFact.value)
        .where(ProviderFact.provider_id == Provider.id, ProviderFact.kind == kind)
        .scalar_subquery()
    )


def _sme_condition() -> ColumnElement[bool]:
    staff = func.cast(_fact_value(FactKind.STAFF_COUNT), ProviderFact.id.type)
    turnover = func.cast(_fact_value(FactKind.TURNOVER), ProviderFact.id.type)
    return and_(staff.is_not(None), turnover.is_not(None), staff <= SME_MAX_STAFF, turnover <= SME_MAX_TURNOVER_PENCE)


def _score() -> ColumnElement[int]:
    """The generative signals' weights, the same table the explanation uses."""
    form_weight = case(
        *[(Provider.legal_form == form, weight) for form, (weight, _) in LEGAL_FORM_SIGNALS.items()], else_=0
    )
    fact_weight = case(*[(ProviderFact.kind == kind, weight) for kind, (weight, _) in FACT_SIGNALS.items()], else_=0)
    facts = (
        select(func.coalesce(func.sum(fact_weight), 0))
        .where(ProviderFact.provider_id == Provider.id, ProviderFact.value == "yes")
        .scalar_subquery()
    )
    checked = case(
        (
            exists().where(
                ProviderIdentifier.provider_id == Provider.id,
                ProviderIdentifier.evidence == EvidenceState.OFFICER_VERIFIED,
            ),
            VERIFIED_NUMBER_WEIGHT,
        ),
        else_=0,
    )
    return form_weight + facts + checked


def _eligible(choice: BandChoice, level: ColumnElement[int]) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if choice.locality_rule == LocalityRule.LOCAL_ONLY:
        conditions.append(level == 0)
    if choice.band.reservation == Reservation.SME:
        conditions.append(_sme_condition())
    elif choice.band.reservation == Reservation.VCSE:
        conditions.append(Provider.legal_form.in_(SOCIAL_ECONOMY_FORMS))
    return and_(true(), *conditions)


def _candidates(session: Session, criteria: Criteria, boundaries: BoundaryIndex | None, area: LocalArea) -> Select[int]:
    statuses = (
        [ProviderStatus.VERIFIED] if criteria.verified_only else [ProviderStatus.VERIFIED, ProviderStatus.SUBMITTED]
    )
    query = select(Provider.id).where(Provider.status.in_(statuses))
    if criteria.category:
        query = query.where(
            Provider.id.in_(
                select(provider_services.c.provider_id)
                .join(ServiceCategory, ServiceCategory.id == provider_services.c.category_id)
                .where(ServiceCategory.slug == criteria.category)
            )
        )
    if criteria.legal_forms:
        query = query.where(Provider.legal_form.in_(criteria.legal_forms))
    if criteria.social_economy_only:
        query = query.where(Provider.legal_form.in_(SOCIAL_ECONOMY_FORMS))
    if criteria.sme_only:
        query = query.where(_sme_condition())
    if criteria.within_km is not None and boundaries is not None:
        query = query.where(Provider.id.in_(_within(session, criteria.within_km, boundaries, area)))
    return query


def _within(session: Session, km: float, boundaries: BoundaryIndex, area: LocalArea) -> set[int]:
    """Providers with a publicly placed site within ``km`` of the local area (a box in SQL, then geodesic)."""
    rows = session.execute(
        select(Site.provider_id, Site.latitude, Site.longitude).where(Site.latitude.is_not(None))
    ).all()
    near: set[int] = set()
    for provider_id, latitude, longitude in rows:
        if provider_id in near or latitude is None or longitude is None:
            continue
        distance = boundaries.distance_km(latitude, longitude, set(area.district_codes))
        if distance is not None and distance <= km:
            near.add(provider_id)
    return near


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
    """Apply the band for the estimate and list eligible providers ranked: locality (when the rule asks),
    generative signals, relevance, name. Raises BandError for an estimate no band can take."""
    choice = policy.choose(session, council, criteria.estimate, today)
    level = _locality_level(area).label("level")
    score = _score().label("score")
    candidates = _candidates(session, criteria, boundaries, area).subquery()
    relevance_sub = fulltext.matches(session, criteria.keywords or "")
    query = select(Provider.id, level, score).join(candidates, candidates.c.id == Provider.id)
    if relevance_sub is not None:
        matched = relevance_sub.subquery()
        query = query.add_columns(matched.c.relevance).join(matched, matched.c.provider_id == Provider.id)
        relevance_order = [matched.c.relevance.desc()]
    else:
        relevance_order = []
    eligible = _eligible(choice, _locality_level(area))
    order: list[Any] = []
    if choice.locality_rule in (LocalityRule.LOCAL_ONLY, LocalityRule.LOCAL_FIRST):
        order.append(level)
    order += [score.desc(), *relevance_order, func.lower(Provider.name), Provider.id]

    eligible_query = query.where(eligible)
    total = session.scalar(select(func.count()).select_from(eligible_query.subquery())) or 0
    local_eligible = (
        session.scalar(select(func.count()).select_from(eligible_query.where(_locality_level(area) == 0).subquery()))
        or 0
    )
    pages = max(1, ceil(total / per_page))
    page = max(1, min(page, pages))
    ids = [
        row[0] for row in session.execute(eligible_query.order_by(*order).limit(per_page).offset((page - 1) * per_page))
    ]
    rows = _explain(session, ids, choice, area, boundaries)

    excluded: list[ResultRow] = []
    excluded_total = 0
    if criteria.show_excluded:
        excluded_query = query.where(~eligible)
        excluded_total = session.scalar(select(func.count()).select_from(excluded_query.subquery())) or 0
        excluded_ids = [row[0] for row in session.execute(excluded_query.order_by(*order).limit(per_page))]
        excluded = _explain(session, excluded_ids, choice, area, boundaries)
    category = (
        session.scalar(select(ServiceCategory).where(ServiceCategory.slug == criteria.category))
        if criteria.category
        else None
    )
    return SearchResult(choice, area, rows, total, local_eligible, page, per_page, excluded, excluded_total, category)


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
    rows = []
    for provider_id in ids:
        provider = providers[provider_id]
        assessment = provider_locality(session, provider, area, public=True)
        facts = {f.kind: (f.value, f.evidence) for f in provider.facts}
        staff = facts.get(FactKind.STAFF_COUNT, (None, None))[0]
        turnover = facts.get(FactKind.TURNOVER, (None, None))[0]
        sme = is_sme(
            int(staff) if staff and staff.isdigit() else None,
            int(turnover) if turnover and turnover.isdigit() else None,
        )
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
