"""Recording who changed what, in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditEvent, User


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the system itself (seed, command line, a job)."""

    user_id: int | None
    label: str

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.email)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(None, label)


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object | None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event; it commits or rolls back with the change it describes."""
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        changes=changes or {},
    )
    session.add(event)
    return event
