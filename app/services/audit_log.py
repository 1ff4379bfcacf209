"""Reading the audit trail back: filtered, paged, in words, and as rows for a CSV export."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.domain.text import plain_int
from app.domain.wording import EventWording, describe_event, entity_noun, name_from_changes, references
from app.domain.wording import subject_text as _subject_text
from app.models import (
    AuditEvent,
    CommissioningRecord,
    Council,
    ImportBatch,
    PostcodeRelease,
    Provider,
    ServiceCategory,
    Site,
    SpendBand,
    SpendBatch,
    SpendSupplier,
    User,
)
from app.services.locality import area_names

EXPORT_HEADER: list[object] = [
    "id",
    "when (UTC)",
    "who",
    "what happened",
    "to which record",
    "details",
    "action code",
    "record type",
    "record id",
    "details as recorded",
]

#: Record types with a page an officer can open, and the type of the page (a site's page is its organisation's).
LINKED_TYPES = frozenset(
    {"provider", "spend_band", "import_batch", "commissioning_record", "spend_batch", "spend_supplier"}
)


@dataclass(frozen=True)
class Subject:
    """The record an event is about, by name, and the record whose page shows it (if any)."""

    name: str
    noun: str
    link_type: str | None = None
    link_id: int | None = None


@dataclass(frozen=True)
class AuditEntry:
    """An audit event as an officer reads it."""

    event: AuditEvent
    wording: EventWording
    subject: Subject

    @property
    def summary(self) -> str:
        return self.wording.summary


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None  # an action, or the start of one ('import.' for every import event)
    actor: str | None = None  # part of the actor's label (an email address)
    entity_type: str | None = None
    entity_id: str | None = None
    since: date | None = None  # from the start of this day (UTC)
    until: date | None = None  # to the end of this day (UTC)

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.action:
            query = query.where(AuditEvent.action.startswith(self.action, autoescape=True))
        if self.actor:
            query = query.where(func.lower(AuditEvent.actor_label).contains(self.actor.lower(), autoescape=True))
        if self.entity_type:
            query = query.where(AuditEvent.entity_type == self.entity_type)
        if self.entity_id:
            query = query.where(AuditEvent.entity_id == self.entity_id)
        if self.since:
            query = query.where(AuditEvent.occurred_at >= datetime.combine(self.since, time.min, UTC))
        if self.until:
            query = query.where(
                AuditEvent.occurred_at < datetime.combine(self.until + timedelta(days=1), time.min, UTC)
            )
        return query


def events(session: Session, where: AuditFilter, *, page: int = 1, per_page: int = 50) -> tuple[list[AuditEvent], int]:
    """One page of events, newest first, and how many match in all."""
    total = session.scalar(where.apply(select(func.count()).select_from(AuditEvent)))
    query = where.apply(select(AuditEvent)).order_by(AuditEvent.id.desc())
    rows: list[AuditEvent] = list(session.scalars(query.offset(max(page - 1, 0) * per_page).limit(per_page)))
    return rows, int(total or 0)


def actions(session: Session) -> list[str]:
    """Every action recorded so far, for the filter's choices."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def export_rows(session: Session, where: AuditFilter, *, chunk: int = 500) -> Iterator[list[object]]:
    """The matching events, oldest first, streamed, in words and as recorded; the caller makes each cell
    formula-safe."""
    yield EXPORT_HEADER
    query = where.apply(select(AuditEvent)).order_by(AuditEvent.id).execution_options(yield_per=chunk)
    for part in session.scalars(query).partitions(chunk):
        for entry in describe(session, part):
            event = entry.event
            yield [
                event.id,
                event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                event.actor_label,
                entry.summary,
                entry.subject.name,
                entry.wording.details_text,
                event.action,
                event.entity_type,
                event.entity_id or "",
                json.dumps(event.changes, sort_keys=True, default=str) if event.changes else "",
            ]


def _ids(pairs: Iterable[tuple[str, str]], kind: str) -> set[int]:
    return {number for k, value in pairs if k == kind and (number := plain_int(value)) is not None}


def _names(session: Session, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Names of the records events refer to, looked up in one query per type."""
    names: dict[tuple[str, str], str] = {}
    queries = {
        "provider": (Provider.id, Provider.name),
        "user": (User.id, User.email),
        "spend_band": (SpendBand.id, SpendBand.label),
        "commissioning_record": (CommissioningRecord.id, CommissioningRecord.title),
        "postcode_release": (PostcodeRelease.id, PostcodeRelease.name),
        "council": (Council.id, Council.name),
        "spend_batch": (SpendBatch.id, SpendBatch.file_name),
        "spend_supplier": (SpendSupplier.id, SpendSupplier.name),
    }
    for kind, (key, name) in queries.items():
        ids = _ids(wanted, kind)
        if ids:
            names.update({(kind, str(i)): n for i, n in session.execute(select(key, name).where(key.in_(ids)))})
    batch_ids = _ids(wanted, "import_batch")
    if batch_ids:
        rows = session.execute(
            select(ImportBatch.id, ImportBatch.source_name, ImportBatch.file_name).where(ImportBatch.id.in_(batch_ids))
        )
        names.update({("import_batch", str(i)): f"{source} ({file})" if file else source for i, source, file in rows})
    band_codes = {value for k, value in wanted if k == "band_code"}
    if band_codes:  # a band's code names its latest version's label
        bands = session.execute(
            select(SpendBand.code, SpendBand.label).where(SpendBand.code.in_(band_codes)).order_by(SpendBand.id)
        )
        names.update({("band_code", code): label for code, label in bands})
    codes = {value for k, value in wanted if k == "area"}
    names.update({("area", c): n for c, n in area_names(session, codes).items()})
    slugs = {value for k, value in wanted if k == "service"}
    if slugs:
        services = session.execute(
            select(ServiceCategory.slug, ServiceCategory.name).where(ServiceCategory.slug.in_(slugs))
        )
        names.update({("service", slug): n for slug, n in services})
    return names


def _sites(session: Session, ids: set[int]) -> dict[int, tuple[int, str]]:
    """Each site's organisation and the words for it: 'Knowsley Mutual, premises at L36 9GD'."""
    if not ids:
        return {}
    rows = session.execute(
        select(Site.id, Site.provider_id, Site.postcode, Provider.name)
        .join(Provider, Provider.id == Site.provider_id)
        .where(Site.id.in_(ids))
    )
    return {
        site_id: (provider_id, f"{name}, premises at {postcode}" if postcode else f"{name}, premises")
        for site_id, provider_id, postcode, name in rows
    }


def describe(session: Session, found: Sequence[AuditEvent]) -> list[AuditEntry]:
    """Events in words, each about a named record (linked where it has a page), its values in plain words."""
    wanted: set[tuple[str, str]] = set()
    for event in found:
        wanted |= references(event.action, event.changes)
        if event.entity_id is not None:
            wanted.add((event.entity_type, event.entity_id))
    names = _names(session, wanted)
    sites = _sites(session, _ids(wanted, "site"))
    names.update({("site", str(site_id)): words for site_id, (_, words) in sites.items()})
    entries = []
    for event in found:
        key = (event.entity_type, event.entity_id or "")
        name = names.get(key)
        link_type: str | None = event.entity_type if name and event.entity_type in LINKED_TYPES else None
        link_id = plain_int(event.entity_id) if link_type else None
        if event.entity_type == "site" and name:  # premises are shown on their organisation's page
            link_type, link_id = "provider", sites[int(str(event.entity_id))][0]
        if name is None and event.entity_id is not None:
            remembered = name_from_changes(event.changes)
            name = f"{remembered} (no longer on the register)" if remembered else None
        subject = Subject(
            _subject_text(event.entity_type, event.entity_id, name),
            entity_noun(event.entity_type),
            link_type if link_id is not None else None,
            link_id,
        )
        entries.append(AuditEntry(event, describe_event(event.action, event.changes, names), subject))
    return entries


def action_choices(session: Session) -> list[tuple[str, str]]:
    """(action, what it means in words) for every action recorded so far, in the order of the words."""
    return sorted(((action, describe_event(action, None).summary) for action in actions(session)), key=lambda c: c[1])
