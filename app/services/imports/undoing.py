"""Undoing an import: what it created is removed and what it updated restored, except what changed since."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.domain.imports.lifecycle import UNDOABLE, ImportStatus, StepRefused, require_status
from app.domain.imports.outcomes import status_changed_reason
from app.domain.providers import ProviderStatus
from app.models import (
    ImportBatch,
    ImportChange,
    ImportIssue,
    Invitation,
    JoinRequest,
    Provider,
    ProviderFact,
    ProviderIdentifier,
    ProviderRegisterRecord,
    ProviderReview,
    ProviderSearchDocument,
    RecordProvider,
    ServiceCategory,
    Site,
    User,
    provider_areas_served,
    provider_services,
)
from app.services import fulltext
from app.services.audit import Actor, record
from app.services.imports.changes import table_of
from app.services.imports.planning import CHUNK_ROWS, providers_for_update
from app.services.imports.snapshots import digest, restore, snapshot
from app.services.imports.steps import serialise_writers


@dataclass
class UndoReport:
    """What an undo did: providers removed and restored, already gone, and left as they are (with why)."""

    removed: int = 0
    restored: int = 0
    gone: int = 0
    left: list[dict[str, Any]] = field(default_factory=list)  # {"provider_id", "name", "reason"}

    def as_dict(self) -> dict[str, Any]:
        return {"removed": self.removed, "restored": self.restored, "gone": self.gone, "left": self.left}


def _in_use(session: Session, provider_ids: list[int]) -> dict[int, str]:
    """Providers something else now refers to: people, shortlists, requests or reviews."""
    reasons: dict[int, str] = {}
    checks = [
        (User.provider_id, "people have signed in as it"),
        (RecordProvider.provider_id, "it is on a commissioning record"),
        (JoinRequest.provider_id, "someone asked to join it"),
        (Invitation.provider_id, "someone was invited to it"),
        (ProviderReview.provider_id, "an officer reviewed it"),
    ]
    for start in range(0, len(provider_ids), 500):
        ids = provider_ids[start : start + 500]
        for column, reason in checks:
            for provider_id in session.scalars(select(column).where(column.in_(ids)).distinct()):
                if provider_id is not None:
                    reasons.setdefault(provider_id, reason)
    return reasons


def undo(session: Session, actor: Actor, batch: ImportBatch, *, now: datetime) -> UndoReport:
    """Remove what the batch created and restore what it updated, except providers changed since."""
    require_status(batch.status, *UNDOABLE)
    serialise_writers(session)
    # Claimed with one conditional update, so a double click or two officers undo it once; the second gets
    # StepRefused. (In the caller's transaction: if the undo fails, the batch is imported still.)
    claimed = session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.IMPORTED)
        .values(status=ImportStatus.UNDONE)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise StepRefused("This import is being undone or has been undone already")
    report = UndoReport()
    changes = list(
        session.scalars(select(ImportChange).where(ImportChange.batch_id == batch.id).order_by(ImportChange.id))
    )
    in_use = _in_use(session, [c.provider_id for c in changes if c.action == "created"])
    later = _changed_by_later_batches(session, batch, [c.provider_id for c in changes])
    categories = {c.slug: c for c in session.scalars(select(ServiceCategory))}
    for start in range(0, len(changes), CHUNK_ROWS):
        chunk = changes[start : start + CHUNK_ROWS]
        providers = providers_for_update(session, (c.provider_id for c in chunk))
        restored: list[Provider] = []
        removable: list[int] = []
        for change in chunk:
            provider = providers.get(change.provider_id)
            if provider is None:
                report.gone += 1
                continue
            reason = None
            if change.provider_id in later:
                reason = f"import {later[change.provider_id]} changed it afterwards"
            elif digest(snapshot(provider)) != change.after_digest:
                reason = _changed_since_reason(provider, change.after_digest)
            elif change.action == "created" and change.provider_id in in_use:
                reason = in_use[change.provider_id]
            if reason:
                report.left.append({"provider_id": provider.id, "name": provider.name, "reason": reason})
                continue
            if change.action == "created":
                removable.append(provider.id)
                report.removed += 1
            else:
                assert change.before is not None
                restore(session, provider, change.before, categories)
                restored.append(provider)
                report.restored += 1
        session.flush()
        _remove_providers(session, removable)
        fulltext.refresh_many(session, restored)
        session.flush()
    batch.status = ImportStatus.UNDONE
    batch.undone_at = now
    batch.undone_by_id = actor.user_id
    batch.undo_report = report.as_dict()
    record(session, actor, "import.undone", "import_batch", batch.id, report.as_dict())
    return report


def _changed_since_reason(provider: Provider, after_digest: str) -> str:
    """Why undo leaves a provider changed since the import: its status alone (a bulk publish), or anything."""
    state = snapshot(provider)
    for status in ProviderStatus:
        if status != provider.status and digest({**state, "status": status.value}) == after_digest:
            return status_changed_reason(provider.status)
    return "it has been changed since the import"


def _remove_providers(session: Session, ids: list[int]) -> None:
    """Delete providers and everything that is theirs alone, in bulk (SQLite may not enforce cascades)."""
    if not ids:
        return
    session.execute(update(ImportIssue).where(ImportIssue.candidate_id.in_(ids)).values(candidate_id=None))
    for table, column in (
        (table_of(ProviderSearchDocument), "provider_id"),
        (provider_services, "provider_id"),
        (provider_areas_served, "provider_id"),
        (table_of(ProviderFact), "provider_id"),
        (table_of(ProviderIdentifier), "provider_id"),
        (table_of(ProviderRegisterRecord), "provider_id"),
        (table_of(Site), "provider_id"),
        (table_of(Provider), "id"),
    ):
        session.execute(delete(table).where(table.c[column].in_(ids)))
    for provider in [p for p in session.identity_map.values() if isinstance(p, Provider) and p.id in set(ids)]:
        session.expunge(provider)


def _changed_by_later_batches(session: Session, batch: ImportBatch, provider_ids: list[int]) -> dict[int, int]:
    """Providers a later, still-imported batch changed (undo that one first)."""
    later: dict[int, int] = {}
    for start in range(0, len(provider_ids), 500):
        rows = session.execute(
            select(ImportChange.provider_id, ImportChange.batch_id)
            .join(ImportBatch, ImportBatch.id == ImportChange.batch_id)
            .where(
                ImportChange.provider_id.in_(provider_ids[start : start + 500]),
                ImportChange.batch_id > batch.id,
                ImportBatch.status == ImportStatus.IMPORTED,
            )
        )
        for provider_id, batch_id in rows:
            later.setdefault(provider_id, batch_id)
    return later
