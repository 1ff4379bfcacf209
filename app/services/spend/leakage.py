"""Leakage turned into opportunities: for each category whose spend goes outside the local area, the local
providers on the register that offer it, and whether the council's spend bands would let it ask them.

A spend category (as the council's files name it: a ProClass label, a service area...) is matched to the register's
service categories only by an officer (:func:`map_category`); :func:`suggest_services` offers likely ones (rapidfuzz
over the service categories' names, descriptions and CPV labels) for the officer to confirm, and nothing is mapped
without that. The typical contract in a category is the spend that went outside the area per supplier paid over the
period: a supplier's year of business is what a local provider would bid for. Its band (the council's own spend bands)
says whether the council may reserve it to local providers (local only), list them first (local first), or not favour
them at all (open).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.domain.bands import Band, BandError, Estimate, VatTreatment, choose_band
from app.domain.eligibility import eligibility, is_sme
from app.domain.locality import LocalArea, Locality
from app.domain.policy import (
    ContractType,
    LocalityRule,
    Reservation,
    Threshold,
    format_pence,
)
from app.domain.providers import SOCIAL_ECONOMY_FORMS, FactKind, LegalForm, ProviderStatus
from app.domain.refusals import Refusal
from app.domain.spend.classification import SpendPlace
from app.domain.spend.periods import Period
from app.domain.spend.shares import (
    DIMENSIONS,
    FILE_DIMENSIONS,
    NO_CATEGORY,
    NOT_LOCAL_PLACES,
    SERVICE_DIMENSION,
    PaymentFilters,
    share,
    short_money,
)
from app.domain.text import plain_int
from app.domain.wording import in_sentence
from app.models import (
    Council,
    CpvCode,
    Payment,
    Provider,
    ProviderFact,
    ServiceCategory,
    Site,
    SpendCategoryService,
    SpendSupplier,
    provider_services,
    service_category_cpv,
)
from app.services import audit, policy
from app.services.audit import Actor
from app.services.locality import council_area
from app.services.spend.report import (
    Figure,
    categorised_payments,
    category_column,
    counting_batch_ids,
    counting_conditions,
    resolve_dimension,
)

#: The longest spend category label a mapping keeps (the column's size).
LABEL_MAX_LENGTH = 200
#: How many suggestions a category gets, and how close a text must be to be suggested at all.
SUGGESTIONS = 3
SUGGEST_FROM = 80

# Words that say nothing about what was bought, left out before comparing; and the abbreviations spend files use.
_GENERIC = frozenset(
    [
        "a",
        "and",
        "for",
        "general",
        "in",
        "misc",
        "miscellaneous",
        "n",
        "na",
        "of",
        "other",
        "products",
        "related",
        "service",
        "services",
        "supplies",
        "supply",
        "the",
        "to",
        "with",
        "without",
    ]
)
_ABBREVIATIONS = {
    "sc": "social care",
    "fm": "facilities management",
    "bld": "building",
    "mtce": "maintenance",
    "maint": "maintenance",
    "op": "older people",
    "hr": "human resources",
    "ict": "it",
}


class MappingRefused(Refusal):
    """A mapping of a spend category to a service the rules refuse (an unknown column, an empty label)."""


# --- What an opportunity says ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceRef:
    """A register service category, as a page names and links it."""

    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class MappingSuggestion:
    """A service category that may be what a spend category bought, for the officer to confirm."""

    service: ServiceRef
    score: int
    matched_on: str


@dataclass(frozen=True)
class LocalProvider:
    """A verified provider based in the local area that offers one of the category's services."""

    provider_id: int
    name: str
    legal_form: LegalForm
    social_enterprise: bool
    eligible: bool
    reason: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class TypicalBand:
    """The band a typical contract in the category falls in, and what its rule lets the council do."""

    typical_pence: int
    label: str
    range_text: str
    locality_rule: LocalityRule
    reservation: Reservation
    above_threshold: bool
    rule_text: str


@dataclass(frozen=True)
class Opportunity:
    """A category whose spend went outside the local area, and the local providers on the register that offer it."""

    dimension: str
    label: str | None
    #: The category's measured spend and the part that went to suppliers outside the local area (wider or outside).
    measured_pence: int
    outside: Figure
    outside_suppliers: int
    services: list[ServiceRef]
    providers: list[LocalProvider]
    band: TypicalBand | None
    band_problem: str | None
    suggestions: list[MappingSuggestion]
    wording: str
    details: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.label if self.label is not None else NO_CATEGORY

    @property
    def mapped(self) -> bool:
        return bool(self.services)

    @property
    def social_enterprises(self) -> int:
        return sum(1 for p in self.providers if p.social_enterprise)

    @property
    def eligible(self) -> int:
        return sum(1 for p in self.providers if p.eligible)

    @property
    def typical_pence(self) -> int | None:
        return self.band.typical_pence if self.band else _typical(self.outside.pence, self.outside_suppliers)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "label": self.label,
            "measured_pence": self.measured_pence,
            "outside": self.outside.as_dict(),
            "outside_suppliers": self.outside_suppliers,
            "typical_pence": self.typical_pence,
            "services": [s.slug for s in self.services],
            "providers": [
                {"id": p.provider_id, "name": p.name, "social_enterprise": p.social_enterprise, "eligible": p.eligible}
                for p in self.providers
            ],
            "band": None
            if self.band is None
            else {
                "label": self.band.label,
                "range": self.band.range_text,
                "locality_rule": self.band.locality_rule.value,
                "reservation": self.band.reservation.value,
            },
            "suggestions": [{"service": s.service.slug, "score": s.score} for s in self.suggestions],
            "wording": self.wording,
        }


def _typical(pence: int, suppliers: int) -> int | None:
    """The outside spend per supplier paid, to the nearest pound (an estimate, not an account); None when there is
    none (or credits outweigh it)."""
    if suppliers <= 0 or pence <= 0:
        return None
    return int((Decimal(pence) / suppliers / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


def _providers_words(providers: Sequence[LocalProvider]) -> str:
    """'4 local providers on the register offer it, 3 of them social enterprises'."""
    if not providers:
        return "no local provider on the register offers it yet"
    social = sum(1 for p in providers if p.social_enterprise)
    offers = "offers" if len(providers) == 1 else "offer"
    text = f"{_count(len(providers), 'local provider', 'local providers')} on the register {offers} it"
    if len(providers) == 1:
        return text + (", a social enterprise" if social else "")
    if social == len(providers):
        return text + ", all of them social enterprises"
    if social == 0:
        return text + ", none of them a social enterprise"
    return text + f", {social:,} of them {'a social enterprise' if social == 1 else 'social enterprises'}"


def _rule_text(rule: LocalityRule, above: bool, area_name: str) -> str:
    if above:
        return "at or above the statutory threshold: a regulated procedure open to all, where location may not be used"
    if rule == LocalityRule.LOCAL_ONLY:
        return f"local only, so the council may ask just providers based in {area_name}"
    if rule == LocalityRule.LOCAL_FIRST:
        return f"local first: every provider may be asked, with those based in {area_name} listed first"
    return "open: location plays no part, so local providers compete with everyone else"


def _wording(
    label: str | None,
    dimension: str,
    outside_pence: int,
    suppliers: int,
    area: LocalArea,
    period: Period,
    services: Sequence[ServiceRef],
    providers: Sequence[LocalProvider],
    band: TypicalBand | None,
) -> tuple[str, list[str]]:
    """The headline sentence, and the sentences that follow it."""
    what = f"“{label}”" if label is not None else f"payments with no {DIMENSIONS[dimension].lower()} given"
    headline = (
        f"{short_money(outside_pence)} on {what} went to {_count(suppliers, 'supplier', 'suppliers')} outside "
        f"{area.name} {period.in_sentence}; "
    )
    if services:
        headline += _providers_words(providers) + "."
    elif label is None:
        headline += "it cannot be matched to the register's services without a category."
    else:
        headline += "it is not yet matched to any of the register's services."
    details: list[str] = []
    if services:
        details.append("Matched to " + ", ".join(s.name for s in services) + ".")
    if band is not None:
        typical = (
            f"A typical contract ({format_pence(band.typical_pence)}, the spend outside the area per supplier over "
            f"{period.label}, as published)"
        )
        if band.above_threshold:
            details.append(f"{typical} is {band.rule_text}.")
        else:
            details.append(
                f"{typical} falls in the council's band “{band.label}” ({band.range_text}): {band.rule_text}."
            )
        if band.reservation != Reservation.NONE and providers:
            eligible = sum(1 for p in providers if p.eligible)
            details.append(
                f"The band is reserved to {band.reservation.label.lower()}: "
                f"{_count(eligible, 'local provider qualifies', 'local providers qualify')}."
            )
    return headline, details


# --- Finding opportunities ------------------------------------------------------------------------------------------


@dataclass
class _CategorySums:
    label: str | None
    measured_pence: int = 0
    outside_pence: int = 0
    outside_payments: int = 0
    outside_suppliers: int = 0


def _outside_by_category(session: Session, council: Council, period: Period, dimension: str) -> list[_CategorySums]:
    """Each category's measured spend and what went outside the local area (wider area or outside), largest outside
    first: summed per supplier and category in SQL, then by category over the suppliers' places."""
    conditions = counting_conditions(council, period, counting_batch_ids(session, council))
    lines = categorised_payments(conditions, dimension)
    per_supplier = (
        select(
            lines.c.supplier_id,
            lines.c.category,
            func.sum(lines.c.amount_pence).label("pence"),
            func.count().label("payments"),
        )
        .group_by(lines.c.supplier_id, lines.c.category)
        .subquery()
    )
    outside = SpendSupplier.place.in_(NOT_LOCAL_PLACES)
    query = (
        select(
            per_supplier.c.category,
            func.sum(per_supplier.c.pence),
            func.sum(case((outside, per_supplier.c.pence), else_=0)),
            func.sum(case((outside, per_supplier.c.payments), else_=0)),
            func.sum(case((outside, 1), else_=0)),
        )
        .join(SpendSupplier, SpendSupplier.id == per_supplier.c.supplier_id)
        .where(SpendSupplier.place != SpendPlace.NOT_A_SUPPLIER)
        .group_by(per_supplier.c.category)
    )
    found = [
        _CategorySums(label, int(measured or 0), int(pence or 0), int(payments or 0), int(suppliers or 0))
        for label, measured, pence, payments, suppliers in session.execute(query)
    ]
    found = [row for row in found if row.outside_pence > 0]
    found.sort(key=lambda row: (-row.outside_pence, row.label is None, (row.label or "").lower()))
    return found


def category_mappings(session: Session, council: Council, dimension: str) -> dict[str, list[ServiceRef]]:
    """Spend category label -> the register service categories an officer matched it to. Grouped by the register's
    services themselves, each category is its own service."""
    if dimension == SERVICE_DIMENSION:
        services = session.execute(select(ServiceCategory.id, ServiceCategory.slug, ServiceCategory.name))
        return {name: [ServiceRef(category_id, slug, name)] for category_id, slug, name in services}
    query = (
        select(SpendCategoryService.label, ServiceCategory.id, ServiceCategory.slug, ServiceCategory.name)
        .join(ServiceCategory, ServiceCategory.id == SpendCategoryService.service_category_id)
        .where(SpendCategoryService.council_id == council.id, SpendCategoryService.dimension == dimension)
        .order_by(ServiceCategory.name)
    )
    found: dict[str, list[ServiceRef]] = {}
    for label, category_id, slug, name in session.execute(query):
        found.setdefault(label, []).append(ServiceRef(category_id, slug, name))
    return found


def _local_providers(
    session: Session, area: LocalArea, category_ids: Iterable[int]
) -> dict[int, list[tuple[Provider, int]]]:
    """Service category id -> (provider, category id) for verified providers with premises in the local area."""
    wanted = set(category_ids)
    if not wanted or not area.district_codes:
        return {}
    query = (
        select(Provider, provider_services.c.category_id)
        .join(provider_services, provider_services.c.provider_id == Provider.id)
        .where(
            Provider.status == ProviderStatus.VERIFIED,
            provider_services.c.category_id.in_(wanted),
            Provider.id.in_(select(Site.provider_id).where(Site.district_code.in_(area.district_codes))),
        )
        .order_by(Provider.name, Provider.id)
    )
    found: dict[int, list[tuple[Provider, int]]] = {}
    for provider, category_id in session.execute(query):
        found.setdefault(int(category_id), []).append((provider, int(category_id)))
    return found


def _sme_by_provider(session: Session, provider_ids: Iterable[int]) -> dict[int, bool | None]:
    """Whether each provider is an SME, from its staff and turnover facts (None when not known)."""
    ids = set(provider_ids)
    facts: dict[int, dict[FactKind, str | None]] = {i: {} for i in ids}
    if ids:
        for provider_id, kind, value in session.execute(
            select(ProviderFact.provider_id, ProviderFact.kind, ProviderFact.value).where(
                ProviderFact.provider_id.in_(ids), ProviderFact.kind.in_([FactKind.STAFF_COUNT, FactKind.TURNOVER])
            )
        ):
            facts[provider_id][kind] = value
    return {
        i: is_sme(plain_int(known.get(FactKind.STAFF_COUNT)), plain_int(known.get(FactKind.TURNOVER)))
        for i, known in facts.items()
    }


@dataclass(frozen=True)
class _Bands:
    """The council's bands and the statutory thresholds, read once for every category."""

    bands: list[Band]
    thresholds: list[Threshold]


def _band(rules: _Bands, typical: int | None, on: date, area: LocalArea) -> tuple[TypicalBand | None, str | None]:
    if typical is None:
        return None, "No typical contract value: credits outweigh the payments outside the area."
    estimate = Estimate(ContractType.GOODS_AND_SERVICES, on, VatTreatment.EXCLUDED, total_pence=typical)
    try:
        choice = choose_band(rules.bands, rules.thresholds, estimate, on)
    except BandError as error:
        return None, str(error)
    rule = choice.locality_rule
    return (
        TypicalBand(
            typical_pence=typical,
            label=choice.band.label,
            range_text=choice.range_text,
            locality_rule=rule,
            reservation=choice.band.reservation,
            above_threshold=choice.above_threshold,
            rule_text=_rule_text(rule, choice.above_threshold, area.name),
        ),
        None,
    )


def leakage_opportunities(
    session: Session,
    council: Council,
    period: Period,
    *,
    dimension: str = "auto",
    today: date | None = None,
    limit: int | None = None,
) -> list[Opportunity]:
    """Every category whose spend in ``period`` went outside the local area (largest first), with the local
    providers on the register that offer the services it is matched to, the band its typical contract falls in
    on ``today`` (the bands in force then: the period's last day when not given) and suggestions of services for
    categories not yet matched."""
    dimension = resolve_dimension(session, council, period, dimension)
    on = today or period.end
    area = council_area(session, council)
    sums = _outside_by_category(session, council, period, dimension)
    if limit is not None:
        sums = sums[:limit]
    mappings = category_mappings(session, council, dimension)
    mapped_ids = {ref.id for refs in mappings.values() for ref in refs}
    offering = _local_providers(session, area, mapped_ids)
    providers_seen = {provider.id for rows in offering.values() for provider, _ in rows}
    smes = _sme_by_provider(session, providers_seen)
    matcher = ServiceMatcher.load(session) if any(row.label and row.label not in mappings for row in sums) else None
    rules = _Bands(policy.council_bands(session, council), policy.thresholds(session))
    opportunities = []
    for row in sums:
        services = mappings.get(row.label, []) if row.label is not None else []
        typical = _typical(row.outside_pence, row.outside_suppliers)
        band, problem = _band(rules, typical, on, area)
        rule = band.locality_rule if band else LocalityRule.OPEN
        reservation = band.reservation if band else Reservation.NONE
        names = {ref.id: ref.name for ref in services}
        by_provider: dict[int, tuple[Provider, list[str]]] = {}
        for ref in services:
            for provider, category_id in offering.get(ref.id, []):
                by_provider.setdefault(provider.id, (provider, []))[1].append(names[category_id])
        providers = []
        for provider, offered in by_provider.values():
            verdict = eligibility(
                Locality.LOCAL, rule, reservation, provider.legal_form, smes.get(provider.id), area.name,
                area.wider_name,
            )  # fmt: skip
            providers.append(
                LocalProvider(
                    provider.id,
                    provider.display_name,
                    provider.legal_form,
                    provider.legal_form in SOCIAL_ECONOMY_FORMS,
                    verdict.eligible,
                    verdict.reason,
                    tuple(offered),
                )
            )
        providers.sort(key=lambda p: (not p.eligible, not p.social_enterprise, p.name.lower(), p.provider_id))
        suggestions = (
            matcher.suggest(row.label, exclude={ref.id for ref in services})
            if matcher is not None and row.label is not None and not services
            else []
        )
        filters = PaymentFilters(places=NOT_LOCAL_PLACES, category=(dimension, row.label))
        outside = Figure(
            f"outside:{row.label if row.label is not None else NO_CATEGORY}",
            f"{row.label if row.label is not None else NO_CATEGORY}: outside the local area",
            row.outside_pence,
            row.outside_payments,
            share(row.outside_pence, row.measured_pence),
            filters,
            "category",
        )
        wording, details = _wording(
            row.label, dimension, row.outside_pence, row.outside_suppliers, area, period, services, providers, band
        )
        if problem and typical is not None:
            details.append(f"The band a typical contract would fall in cannot be said: {in_sentence(problem)}")
        opportunities.append(
            Opportunity(
                dimension=dimension,
                label=row.label,
                measured_pence=row.measured_pence,
                outside=outside,
                outside_suppliers=row.outside_suppliers,
                services=services,
                providers=providers,
                band=band,
                band_problem=problem,
                suggestions=suggestions,
                wording=wording,
                details=details,
            )
        )
    return opportunities


# --- Suggesting and recording mappings ------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Lower case, words only, abbreviations spelt out, words that say nothing about what was bought left out."""
    words: list[str] = []
    for word in re.sub(r"[^a-z0-9]+", " ", text.lower()).split():
        words.extend(_ABBREVIATIONS.get(word, word).split())
    return " ".join(word for word in words if word not in _GENERIC)


@dataclass
class ServiceMatcher:
    """The register's service categories as texts to compare spend category labels with: each one's name,
    description and the labels of its CPV codes."""

    texts: list[tuple[ServiceRef, str, str]]

    @classmethod
    def load(cls, session: Session) -> ServiceMatcher:
        categories = list(session.scalars(select(ServiceCategory).order_by(ServiceCategory.name)))
        refs = {c.id: ServiceRef(c.id, c.slug, c.name) for c in categories}
        texts: list[tuple[ServiceRef, str, str]] = []
        for category in categories:
            ref = refs[category.id]
            texts.append((ref, "its name", _normalise(category.name)))
            texts.append((ref, "its description", _normalise(category.description or "")))
        for category_id, code, label in session.execute(
            select(service_category_cpv.c.category_id, CpvCode.code, CpvCode.label).join(
                CpvCode, CpvCode.code == service_category_cpv.c.cpv_code
            )
        ):
            texts.append((refs[category_id], f"CPV {code} {label}", _normalise(label)))
        return cls([t for t in texts if t[2]])

    def suggest(self, label: str, *, exclude: set[int] | None = None) -> list[MappingSuggestion]:
        """The service categories most like ``label``, best first: a text must share its words closely
        (token set ratio from SUGGEST_FROM), and is ranked by that and the words' order together."""
        wanted = _normalise(label)
        if not wanted:
            return []
        best: dict[int, MappingSuggestion] = {}
        for ref, matched_on, text in self.texts:
            if exclude and ref.id in exclude:
                continue
            close = fuzz.token_set_ratio(wanted, text)
            if close < SUGGEST_FROM:
                continue
            score = round((close + fuzz.token_sort_ratio(wanted, text)) / 2)
            if ref.id not in best or score > best[ref.id].score:
                best[ref.id] = MappingSuggestion(ref, score, matched_on)
        return sorted(best.values(), key=lambda s: (-s.score, s.service.name))[:SUGGESTIONS]


def suggest_services(session: Session, label: str) -> list[MappingSuggestion]:
    """Register service categories a spend category may have bought, for the officer to confirm."""
    return ServiceMatcher.load(session).suggest(label)


def _checked(dimension: str, label: str) -> str:
    if dimension not in FILE_DIMENSIONS:
        raise MappingRefused("Choose the column the category comes from", "dimension")
    cleaned = (label or "").strip()
    if not cleaned:
        raise MappingRefused("Enter the spend category", "label")
    if len(cleaned) > LABEL_MAX_LENGTH:
        raise MappingRefused(f"The spend category must be {LABEL_MAX_LENGTH} characters or fewer", "label")
    return cleaned


def map_category(
    session: Session,
    council: Council,
    dimension: str,
    label: str,
    service_category: ServiceCategory,
    actor: Actor,
    now: datetime,
) -> SpendCategoryService:
    """Match a spend category to a register service category (an officer's decision, recorded in the audit log).
    Matching it again to the same service changes nothing."""
    label = _checked(dimension, label)
    existing = session.scalar(
        select(SpendCategoryService).where(
            SpendCategoryService.council_id == council.id,
            SpendCategoryService.dimension == dimension,
            SpendCategoryService.label == label,
            SpendCategoryService.service_category_id == service_category.id,
        )
    )
    if existing is not None:
        return existing
    row = SpendCategoryService(
        council_id=council.id,
        dimension=dimension,
        label=label,
        service_category_id=service_category.id,
        mapped_by_id=actor.user_id,
        mapped_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "spend.category_mapped",
        "spend_category_service",
        row.id,
        {"dimension": dimension, "label": label, "service_category": service_category.slug},
    )
    return row


def unmap_category(
    session: Session,
    council: Council,
    dimension: str,
    label: str,
    service_category: ServiceCategory,
    actor: Actor,
    now: datetime,
) -> bool:
    """Undo a match of a spend category to a service category; False when there was none."""
    label = _checked(dimension, label)
    row = session.scalar(
        select(SpendCategoryService).where(
            SpendCategoryService.council_id == council.id,
            SpendCategoryService.dimension == dimension,
            SpendCategoryService.label == label,
            SpendCategoryService.service_category_id == service_category.id,
        )
    )
    if row is None:
        return False
    audit.record(
        session,
        actor,
        "spend.category_unmapped",
        "spend_category_service",
        row.id,
        {"dimension": dimension, "label": label, "service_category": service_category.slug, "at": now.isoformat()},
    )
    session.delete(row)
    session.flush()
    return True


@dataclass(frozen=True)
class CategoryToMap:
    """A spend category of the council's files, what it was paid, and what it is (or may be) matched to."""

    dimension: str
    label: str
    pence: int
    payments: int
    services: list[ServiceRef]
    suggestions: list[MappingSuggestion]


def categories_to_map(
    session: Session, council: Council, dimension: str, *, period: Period | None = None
) -> list[CategoryToMap]:
    """Every category of ``dimension`` in the council's counting payments (or those of ``period``), largest first,
    with its matches and, where it has none, suggestions: the categories page."""
    if dimension not in FILE_DIMENSIONS:
        raise MappingRefused("Choose the column the category comes from", "dimension")
    batch_ids = counting_batch_ids(session, council)
    if not batch_ids:
        return []
    column = category_column(dimension)
    conditions = [Payment.council_id == council.id, Payment.batch_id.in_(batch_ids), column.is_not(None)]
    if period is not None:
        conditions += [Payment.paid_on >= period.start, Payment.paid_on <= period.end]
    query = select(column, func.sum(Payment.amount_pence), func.count()).where(*conditions).group_by(column)
    rows = sorted(
        ((label, int(pence or 0), int(count)) for label, pence, count in session.execute(query)),
        key=lambda r: (-r[1], r[0].lower()),
    )
    mappings = category_mappings(session, council, dimension)
    matcher = ServiceMatcher.load(session) if any(label not in mappings for label, _, _ in rows) else None
    return [
        CategoryToMap(
            dimension,
            label,
            pence,
            count,
            mappings.get(label, []),
            matcher.suggest(label) if matcher is not None and label not in mappings else [],
        )
        for label, pence, count in rows
    ]
