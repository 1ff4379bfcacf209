"""Commissioning records: save a shortlist from a search as a frozen record, add notes, close it, export it.

A record keeps copies, not references: the inputs, the band and its rules, and each shortlisted provider's
public facts are written once as JSON, so later changes to the bands or the register leave the record as it
was when the commissioner made the decision. Every change writes an audit event in the same transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.domain.paging import Paged, clamp_page
from app.domain.policy import format_pence
from app.domain.providers import FactKind, ProviderStatus
from app.domain.records import RecordStatus, filters_text, may_change_record, value_as_entered, vat_basis_text
from app.domain.refusals import Refusal
from app.domain.text import looks_like_formula
from app.domain.wording import (
    fact_text,
    govuk_date,
    govuk_datetime,
    split_org_id,
)  # one home for how a fact reads (the API imports it from here too)
from app.models import CommissioningRecord, Council, Provider, RecordProvider, User
from app.services import audit
from app.services.audit import Actor
from app.services.search import NOT_ON_THE_REGISTER, Criteria, ResultRow, SearchResult

TITLE_MAX = 200
NOTE_MAX = 5000
NO_PROVIDERS = "Add at least one provider to the shortlist"
NO_TITLE = "Enter a title for this record, like Community navigation service 2027"
TITLE_TOO_LONG = f"The title must be {TITLE_MAX} characters or fewer"
CLOSED = "This record is closed, so it cannot be changed"
NO_OUTCOME = "Enter the outcome before you close this record"
NOTES = ("in_house_considered", "why_these", "outcome")


class RecordError(Refusal):
    """A change the service refuses; ``field`` says where to show the message, ``provider_ids`` which were refused."""

    def __init__(self, message: str, field: str | None = None, provider_ids: Sequence[int] = ()) -> None:
        super().__init__(message, field)
        self.provider_ids = list(provider_ids)


class NotYourRecord(RecordError):
    """Someone who may read the record but not change it: a colleague of the commissioner who made it."""

    def __init__(self, record: CommissioningRecord) -> None:
        maker = record.created_by.email if record.created_by else None
        who = f"{maker}, who made it," if maker else "the commissioner who made it"
        super().__init__(f"Only {who} or a register officer can change or close this record")
        self.maker = maker


def may_change(user: User, record: CommissioningRecord) -> bool:
    """True when ``user`` may change the notes on ``record`` or close it (see the domain rule)."""
    return may_change_record(user.role, user.id, record.created_by_id)


def _check_may_change(user: User, record: CommissioningRecord) -> None:
    if not may_change(user, record):
        raise NotYourRecord(record)


# Snapshots ---------------------------------------------------------------------------------------------------------


def criteria_snapshot(criteria: Criteria) -> dict[str, Any]:
    """What the service understood from the search parameters, in JSON."""
    estimate = criteria.estimate
    return {
        "contract_type": estimate.contract_type.value,
        "start_date": estimate.start_date.isoformat(),
        "vat": estimate.vat.value,
        "total_pence": estimate.total_pence,
        "annual_pence": estimate.annual_pence,
        "years": None if estimate.years is None else str(estimate.years),
        "options_pence": estimate.options_pence,
        "category": criteria.category,
        "keywords": criteria.keywords,
        "legal_forms": sorted(form.value for form in criteria.legal_forms),
        "legal_form_labels": sorted(form.label for form in criteria.legal_forms),
        "social_economy_only": criteria.social_economy_only,
        "sme_only": criteria.sme_only,
        "verified_only": criteria.verified_only,
        "within_km": criteria.within_km,
        "show_excluded": criteria.show_excluded,
    }


def band_snapshot(criteria: Criteria, result: SearchResult) -> dict[str, Any]:
    """The band and every rule the results page applied, in words and in pence."""
    choice = result.choice
    band = choice.band
    threshold = choice.threshold
    return {
        "code": band.code,
        "label": band.label,
        # On the basis the value was entered, as the search's sentence and the bands table say it.
        "range_text": choice.range_text,
        "summary": choice.summary(result.area.name),
        "locality_rule": choice.locality_rule.value,
        "locality_rule_label": choice.locality_rule.label,
        # The band's own rule, which the threshold can override (then locality_rule says what applied).
        "band_locality_rule": band.locality_rule.value,
        "reservation": band.reservation.value,
        "reservation_label": band.reservation.label,
        "min_quotes": band.min_quotes,
        "route": band.route,
        "advertised": band.advertised,
        "vat_basis": band.vat_basis.value,
        "value_excluding_vat_pence": choice.value.excluding_vat,
        "value_including_vat_pence": choice.value.including_vat,
        "threshold": None
        if threshold is None
        else {
            "contract_type": threshold.contract_type.value,
            "amount_pence": threshold.amount_pence,
            "vat_basis": threshold.vat_basis.value,
            "effective_from": threshold.effective_from.isoformat(),
        },
        "above_threshold": choice.above_threshold,
        "notifiable": choice.notifiable,
        "cautions": list(choice.cautions),
        "start_date": criteria.estimate.start_date.isoformat(),
        "contract_type": criteria.estimate.contract_type.value,
        "contract_type_label": criteria.estimate.contract_type.label,
        "category_name": result.category.name if result.category else None,
        "local_area": result.area.name,
        "wider_area": result.area.wider_name,
        "eligible_total": result.total,
        # The count stopped at COUNT_LIMIT: "more than" the figure.
        "eligible_total_capped": result.total_capped,
        "local_eligible": result.local_eligible,
        "thin_market": result.thin_market_message(),
    }


def _eligible_count(band: dict[str, Any]) -> str | int:
    """The eligible providers' count as the record holds it: past the cap, "more than" the figure."""
    if band.get("eligible_total_capped"):
        return f"more than {band['eligible_total']:,}"
    return band.get("eligible_total", "")  # type: ignore[no-any-return]


def provider_snapshot(row: ResultRow) -> dict[str, Any]:
    """The provider's public facts, as the results page showed them. Never a hidden address: locality
    evidence is the public version, and no address or point is copied."""
    provider = row.provider
    order = {kind: index for index, kind in enumerate(FactKind)}
    facts = sorted(provider.facts, key=lambda f: order[f.kind])
    return {
        "provider_id": provider.id,
        "name": provider.name,
        "trading_name": provider.trading_name,
        "legal_form": provider.legal_form.value,
        "legal_form_label": provider.legal_form.label,
        "status": provider.status.value,
        "status_label": provider.status.label,
        "locality": row.locality.locality.value,
        "locality_label": row.locality.locality.label,
        "locality_evidence": list(row.locality.evidence),
        "distance_km": row.distance_km,
        "eligible": row.eligibility.eligible,
        "reasons": row.reasons,
        "services": sorted(service.name for service in provider.services),
        "contact_email": provider.contact_email,
        "website": provider.website,
        "identifiers": [
            {"org_id": i.org_id, "evidence": i.evidence.value, "evidence_label": i.evidence_text}
            for i in provider.identifiers
        ],
        "facts": [
            {
                "kind": fact.kind.value,
                "label": fact.kind.label,
                "value": fact.value,
                "text": fact_text(fact.kind, fact.value),
                "evidence": fact.evidence.value,
                "evidence_label": fact.evidence_text,
                "as_of": fact.as_of.isoformat() if fact.as_of else None,
            }
            for fact in facts
        ],
    }


# Changes -----------------------------------------------------------------------------------------------------------


def _names(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def not_eligible_message(providers: Sequence[tuple[int, str]]) -> str:
    """'Liverpool Green Co-operative is not eligible for this contract, so it cannot be shortlisted'."""
    names = [name for _, name in providers if name != NOT_ON_THE_REGISTER]
    if not names:
        return "Choose providers from the search results"
    verb, pronoun = ("is", "it") if len(names) == 1 else ("are", "they")
    return f"{_names(names)} {verb} not eligible for this contract, so {pronoun} cannot be shortlisted"


def _refusal(session: Session, refused: Sequence[int], result: SearchResult) -> RecordError:
    """Name the providers that cannot be shortlisted. Only names the results could show are given, so
    a made-up id cannot reveal a draft organisation's name."""
    shown = {row.provider.id: row.provider.name for row in [*result.rows, *result.excluded]}
    names = []
    for provider_id in refused:
        name = shown.get(provider_id)
        if name is None:
            provider = session.get(Provider, provider_id)
            listed = provider is not None and provider.status in (ProviderStatus.VERIFIED, ProviderStatus.SUBMITTED)
            name = provider.name if listed and provider else f"provider number {provider_id}"
        names.append(name)
    verb, pronoun = ("is", "it") if len(names) == 1 else ("are", "they")
    return RecordError(
        f"{_names(names)} {verb} not eligible for this contract, so {pronoun} cannot be shortlisted",
        "provider_id",
        refused,
    )


def create_record(
    session: Session,
    user: User,
    council: Council,
    criteria: Criteria,
    result: SearchResult,
    selected_ids: Iterable[int],
    title: str,
    now: datetime,
    *,
    query: Mapping[str, Sequence[str]] | None = None,
    shortlisted: Sequence[ResultRow] | None = None,
) -> CommissioningRecord:
    """Save the selected providers as a commissioning record. Only eligible rows may be chosen: those of
    ``shortlisted`` (the selection checked by :func:`app.services.search.selected`, when it was built across
    pages), or else the result's page. The caller re-runs the search rather than trusting the browser;
    ``query`` is the search parameters as given, kept beside what the service understood from them."""
    title = (title or "").strip()
    if not title:
        raise RecordError(NO_TITLE, "title")
    if len(title) > TITLE_MAX:
        raise RecordError(TITLE_TOO_LONG, "title")
    chosen = list(dict.fromkeys(selected_ids))
    if not chosen:
        raise RecordError(NO_PROVIDERS, "provider_id")
    candidates = result.rows if shortlisted is None else shortlisted
    eligible = {row.provider.id: row for row in candidates if row.eligibility.eligible}
    refused = [provider_id for provider_id in chosen if provider_id not in eligible]
    if refused:
        raise _refusal(session, refused, result)
    record = CommissioningRecord(
        council_id=council.id,
        created_by_id=user.id,
        created_at=now,
        title=title,
        status=RecordStatus.OPEN,
        inputs={
            "query": {key: list(values) for key, values in (query or {}).items()},
            "criteria": criteria_snapshot(criteria),
        },
        band=band_snapshot(criteria, result),
    )
    # The shortlist keeps the search's ranking, whatever order the boxes were ticked in.
    wanted = set(chosen)
    rows = [row for row in candidates if row.provider.id in wanted]
    for position, row in enumerate(rows, start=1):
        record.providers.append(
            RecordProvider(
                provider_id=row.provider.id,
                position=position,
                name=row.provider.name,
                snapshot=provider_snapshot(row),
            )
        )
    session.add(record)
    session.flush()
    audit.record(
        session,
        Actor.of(user),
        "record.created",
        "commissioning_record",
        record.id,
        {"title": title, "band": record.band["code"], "provider_ids": [row.provider.id for row in rows]},
    )
    return record


def _note(text: str | None) -> str | None:
    cleaned = (text or "").strip()
    return cleaned or None


def update_notes(
    session: Session,
    user: User,
    record: CommissioningRecord,
    *,
    in_house_considered: str | None,
    why_these: str | None,
    outcome: str | None,
) -> dict[str, dict[str, str | None]]:
    """Change the commissioner's notes on an open record; return what changed (nothing: no audit event).
    Only the record's maker or an officer may (NotYourRecord otherwise)."""
    _check_may_change(user, record)
    if record.closed:
        raise RecordError(CLOSED)
    given = {"in_house_considered": in_house_considered, "why_these": why_these, "outcome": outcome}
    changes: dict[str, dict[str, str | None]] = {}
    for name in NOTES:
        new = _note(given[name])
        if new is not None and len(new) > NOTE_MAX:
            raise RecordError(f"The note must be {NOTE_MAX:,} characters or fewer", name)
        old = getattr(record, name)
        if new != old:
            changes[name] = {"from": old, "to": new}
            setattr(record, name, new)
    if changes:
        audit.record(session, Actor.of(user), "record.notes_updated", "commissioning_record", record.id, changes)
    return changes


def close_record(session: Session, user: User, record: CommissioningRecord, now: datetime) -> None:
    """Make the record final. The outcome must be written first; only the maker or an officer may."""
    _check_may_change(user, record)
    if record.closed:
        raise RecordError(CLOSED)
    if not (record.outcome or "").strip():
        raise RecordError(NO_OUTCOME, "outcome")
    record.status = RecordStatus.CLOSED
    record.closed_at = now
    record.closed_by_id = user.id
    audit.record(
        session,
        Actor.of(user),
        "record.closed",
        "commissioning_record",
        record.id,
        {"from": RecordStatus.OPEN.value, "to": RecordStatus.CLOSED.value},
    )


# Reading -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordPage(Paged):
    records: list[CommissioningRecord]
    total: int
    page: int
    per_page: int
    query: str


def get_record(session: Session, council: Council, record_id: int) -> CommissioningRecord | None:
    """One of the council's records; another council's is not found."""
    record = session.get(CommissioningRecord, record_id)
    if record is None or record.council_id != council.id:
        return None
    return record


def _matches(word: str) -> ColumnElement[bool]:
    """The word in the title or in a shortlisted provider's name, ignoring case (and % or _ typed literally)."""
    return or_(
        func.lower(CommissioningRecord.title).contains(word, autoescape=True),
        exists().where(
            RecordProvider.record_id == CommissioningRecord.id,
            func.lower(RecordProvider.name).contains(word, autoescape=True),
        ),
    )


def list_records(session: Session, council: Council, query: str | None, page: int, per_page: int = 20) -> RecordPage:
    """The council's records, newest first; every word of ``query`` must be in the title or a provider's name."""
    text = (query or "").strip()
    words = [w.lower() for w in text.split()][:10]
    base = select(CommissioningRecord).where(CommissioningRecord.council_id == council.id)
    if words:
        base = base.where(and_(*[_matches(w) for w in words]))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = clamp_page(page, total, per_page)
    records = session.scalars(
        base.options(selectinload(CommissioningRecord.providers), selectinload(CommissioningRecord.created_by))
        .order_by(CommissioningRecord.created_at.desc(), CommissioningRecord.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return RecordPage(list(records), total, page, per_page, text)


# Export ------------------------------------------------------------------------------------------------------------


def safe_cell(value: object) -> str:
    """A cell no spreadsheet will run as a formula.

    Text a spreadsheet may run as a formula (:func:`app.domain.text.looks_like_formula`: = + - @ or their
    full-width forms, after any leading whitespace, or a leading tab or carriage return) gets a leading single
    quote, as OWASP advises. Numbers we hold as numbers are left alone: a number cannot carry a formula, and '-5
    would stop it being a number.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    if looks_like_formula(text):
        return "'" + text
    return text


EXPORT_COLUMNS = (
    "Record",
    "Record number",
    "Status",
    "Created",
    "Created by",
    "What was bought",
    "Keywords",
    "Contract type",
    "Value as entered",
    "VAT basis",
    "Start date",
    "Value excluding VAT",
    "Value including VAT",
    "Band",
    "Band range",
    "Route",
    "Minimum quotes",
    "Who may be asked",
    "Band summary",
    "Cautions",
    "Filters",
    "Eligible providers when made",
    "Position",
    "Provider",
    "Legal form",
    "Locality",
    "Locality evidence",
    "Why eligible",
    "Email",
    "Website",
    "Registration numbers",
    "Facts",
    "In-house delivery considered",
    "Why these providers",
    "Outcome",
    "Closed",
)


def _identifier_text(org_id: str) -> str:
    register, number = split_org_id(org_id)
    return f"{register} {number}"


def _pounds(pence: object) -> str:
    return format_pence(pence) if isinstance(pence, int) else ""


def export_csv(record: CommissioningRecord) -> str:
    """The record as CSV, one row per shortlisted provider with the record's details on every row: what was
    bought and how it was searched for, the band and its rules, so the file reads alone."""
    band = record.band
    criteria = record.inputs.get("criteria", {})
    filters = filters_text(criteria)
    common_before = [
        record.title,
        record.id,
        record.status.label,
        govuk_datetime(record.created_at),
        record.created_by.email if record.created_by else "",
        band.get("category_name") or "Any service",
        criteria.get("keywords") or "",
        band.get("contract_type_label", ""),
        value_as_entered(criteria),
        vat_basis_text(criteria),
        govuk_date(band.get("start_date") or None),
        _pounds(band.get("value_excluding_vat_pence")),
        _pounds(band.get("value_including_vat_pence")),
        band.get("label", ""),
        band.get("range_text", ""),
        band.get("route", ""),
        # At or above the threshold the regulated procedure applies: a number of quotes means nothing there.
        "Does not apply: regulated procedure" if band.get("above_threshold") else band.get("min_quotes", ""),
        band.get("locality_rule_label", ""),
        band.get("summary", ""),
        " ".join(band.get("cautions", [])),
        "; ".join(filters) if filters else "None",
        (
            f"more than {band['eligible_total']:,}"
            if band.get("eligible_total_capped")
            else band.get("eligible_total", "")
        ),
    ]
    common_after = [
        record.in_house_considered or "",
        record.why_these or "",
        record.outcome or "",
        govuk_datetime(record.closed_at) if record.closed_at else "",
    ]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(EXPORT_COLUMNS)
    for item in record.providers:
        snap = item.snapshot
        provider = [
            item.position,
            snap.get("name", item.name),
            snap.get("legal_form_label", ""),
            snap.get("locality_label", ""),
            "; ".join(snap.get("locality_evidence", [])),
            "; ".join(snap.get("reasons", [])),
            snap.get("contact_email") or "",
            snap.get("website") or "",
            # As the record page says them: 'FCA Mutuals Public Register number 255C', not the org-id.
            "; ".join(f"{_identifier_text(i['org_id'])} ({i['evidence_label']})" for i in snap.get("identifiers", [])),
            "; ".join(f"{f['label']}: {f['text']} ({f['evidence_label']})" for f in snap.get("facts", [])),
        ]
        writer.writerow([safe_cell(cell) for cell in [*common_before, *provider, *common_after]])
    return out.getvalue()
