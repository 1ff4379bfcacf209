"""Reading the audit trail back: filtered, paged, and as rows for a CSV export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent

EXPORT_HEADER: list[object] = ["id", "when (UTC)", "who", "action", "what", "which", "details"]


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


def export_rows(session: Session, where: AuditFilter) -> Iterator[list[object]]:
    """The matching events, oldest first, streamed; the caller makes each cell formula-safe."""
    yield EXPORT_HEADER
    query = where.apply(select(AuditEvent)).order_by(AuditEvent.id).execution_options(yield_per=1000)
    event: AuditEvent
    for event in session.scalars(query):
        yield [
            event.id,
            event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_label,
            event.action,
            event.entity_type,
            event.entity_id or "",
            json.dumps(event.changes, sort_keys=True, default=str) if event.changes else "",
        ]
