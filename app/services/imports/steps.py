"""The steps that write: check (the dry run), decide (possible matches) and commit."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from app.domain.imports.lifecycle import (
    DECIDABLE,
    ImportStatus,
    ImportStep,
    RowOutcome,
    StepRefused,
    may_run,
    refusal,
    require_status,
)
from app.domain.imports.rows import FLAGGED, RowProblem
from app.domain.providers import LegalForm
from app.models import ImportBatch, ImportChange, ImportIssue, Provider, ServiceCategory
from app.services import fulltext
from app.services.audit import Actor, record
from app.services.imports import parsed
from app.services.imports.bulk import BulkTable, Row, larger_page_cache
from app.services.imports.changes import CHANGE_COLUMNS, NewProviders, apply_changes, table_of
from app.services.imports.planning import Collaborators, Progress, decisions_of, plan_file
from app.services.imports.plans import ImportCounts, RowPlan
from app.services.imports.register_facts import KeptRecord, keep_register_records
from app.services.imports.snapshots import digest, snapshot


def _storable(text: str | None, limit: int | None = None) -> str | None:
    """Text fit for the issues table: no NUL characters (PostgreSQL refuses them), within the column's length."""
    if text is None:
        return None
    text = text.replace("\x00", "\ufffd")
    return text[:limit] if limit else text


#: An ImportIssue as the check and the commit write it.
ISSUE_COLUMNS = (
    "batch_id",
    "row_number",
    "kind",
    "code",
    "column",
    "message",
    "name",
    "candidate_id",
    "score",
    "decision",
)


def _issue_rows(batch_id: int, plan: RowPlan, keep_decisions: Mapping[tuple[int, int], str]) -> list[Row]:
    """The plan's problems and possible matches as ImportIssue rows (:data:`ISSUE_COLUMNS`)."""
    rows: list[Row] = []
    name = _storable(plan.row.name, 300)
    for problem in plan.problems:
        rows.append(
            (
                batch_id,
                problem.row_number,
                "error" if problem.rejects else "warning",
                problem.code,
                _storable(problem.column, 300),
                _storable(problem.message),
                name,
                None,
                None,
                None,
            )
        )
    for candidate in plan.candidates:
        rows.append(
            (
                batch_id,
                plan.row.row_number,
                "possible_match",
                None,
                None,
                _storable(candidate.why),
                name,
                candidate.provider_id,
                candidate.score,
                keep_decisions.get((plan.row.row_number, candidate.provider_id)),
            )
        )
    return rows


def _issues_table(session: Session) -> BulkTable:
    return BulkTable(table_of(ImportIssue), ISSUE_COLUMNS, session.get_bind().dialect)


def check(
    session: Session,
    batch: ImportBatch,
    tools: Collaborators,
    progress: Progress | None = None,
    *,
    now: datetime,
) -> ImportCounts:
    """The dry run: every row planned and its problems stored; the register itself is not changed."""
    if not may_run(ImportStep.CHECK, batch.status):
        raise refusal(batch.status)
    decisions = decisions_of(session, batch)
    session.execute(delete(ImportIssue).where(ImportIssue.batch_id == batch.id))
    counts = ImportCounts()
    issue_table = _issues_table(session)
    with larger_page_cache(session), fewer_collections():
        for chunk, _providers in plan_file(session, batch, tools, decisions, progress, counts, keep_parsed=True):
            issues: list[Row] = []
            for plan in chunk:
                counts.add(plan)
                issues += _issue_rows(batch.id, plan, decisions)
            issue_table.write(session, issues)
            session.expire_all()  # let the chunk's providers go: memory stays flat over a long file
    batch.counts = {**counts.as_dict(), "checked": True}
    batch.status = ImportStatus.CHECKED
    batch.checked_at = now
    batch.error = None
    return counts


def decide(session: Session, actor: Actor, batch: ImportBatch, decisions: Mapping[int, str]) -> int:
    """Record 'same' or 'separate' for possible matches, by ImportIssue id; returns how many changed.

    'same' for one candidate of a row makes the row's other candidates 'separate'.
    """
    require_status(batch.status, *DECIDABLE)
    issues = {
        i.id: i
        for i in session.scalars(
            select(ImportIssue).where(ImportIssue.batch_id == batch.id, ImportIssue.kind == "possible_match")
        )
    }
    changed = 0
    for issue_id, decision in decisions.items():
        issue = issues.get(issue_id)
        if issue is None or decision not in ("same", "separate", ""):
            raise StepRefused("That possible match is not part of this import")
        value = decision or None
        if issue.decision != value:
            issue.decision = value
            changed += 1
        if value == "same":
            for other in issues.values():
                if other.row_number == issue.row_number and other.id != issue.id and other.decision != "separate":
                    other.decision = "separate"
                    changed += 1
    if changed:
        record(session, actor, "import.matches_decided", "import_batch", batch.id, {"decisions": changed})
    return changed


def commit(
    session: Session,
    actor: Actor,
    batch: ImportBatch,
    tools: Collaborators,
    progress: Progress | None = None,
    *,
    now: datetime,
) -> ImportCounts:
    """Write the batch to the register in the caller's transaction. Re-plans against the register as it is now."""
    if not may_run(ImportStep.COMMIT, batch.status):
        raise refusal(batch.status)
    if batch.committed_at is not None:
        raise StepRefused("This file has been imported already")
    serialise_writers(session)
    decisions = decisions_of(session, batch)
    session.execute(delete(ImportIssue).where(ImportIssue.batch_id == batch.id))
    counts = ImportCounts()
    writer = _ChunkWriter(session, actor, batch, tools.services.categories, decisions, now)
    with larger_page_cache(session), fewer_collections():
        for chunk, providers in plan_file(session, batch, tools, decisions, progress, counts, reuse_parsed=True):
            writer.write(chunk, providers, counts)
            session.expire_all()
    parsed.discard(tools.folder, batch)  # read: a commit that fails after this parses the file again
    batch.counts = {**counts.as_dict(), "checked": True}
    batch.status = ImportStatus.IMPORTED
    batch.committed_at = now
    batch.committed_by_id = actor.user_id
    batch.error = None
    record(session, actor, "import.committed", "import_batch", batch.id, {"counts": counts.as_dict()})
    return counts


class _ChunkWriter:
    """Writes a planned chunk: providers updated (and flagged) through the ORM, row by row, since each is its own
    change; new ones, the changes undo needs and the issues in bulk."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        batch: ImportBatch,
        categories: Mapping[int, ServiceCategory],
        decisions: Mapping[tuple[int, int], str],
        now: datetime,
    ) -> None:
        self.session = session
        self.actor = actor
        self.batch = batch
        self.categories = categories
        self.decisions = decisions
        self.now = now
        self.new_providers = NewProviders(session, batch, categories, now)
        self.changes = BulkTable(table_of(ImportChange), CHANGE_COLUMNS, session.get_bind().dialect)
        self.issues = _issues_table(session)

    def write(self, chunk: list[RowPlan], providers: Mapping[int, Provider], counts: ImportCounts) -> None:
        session, batch = self.session, self.batch
        issues: list[Row] = []
        touched: list[tuple[RowPlan, Provider, dict[str, Any]]] = []
        created: list[RowPlan] = []
        for plan in chunk:
            if plan.outcome is None:  # a possible match nobody decided: not imported, and said so
                plan.extra_problems.append(
                    RowProblem(
                        plan.row.row_number,
                        None,
                        "It may be an organisation already on the register ("
                        + "; ".join(f"{c.name}: {c.why.lower()}" for c in plan.candidates)
                        + ") and nobody decided, so it was not imported",
                        rejects=True,
                    )
                )
                plan.outcome = RowOutcome.REJECTED
            if plan.outcome in (RowOutcome.CREATED, RowOutcome.ARCHIVED):
                created.append(plan)
            elif plan.outcome == RowOutcome.UPDATED and plan.provider_id is not None:
                provider = providers[plan.provider_id]
                before = snapshot(provider)
                apply_changes(provider, plan.changes, plan, self.categories, self.now, batch.id)
                touched.append((plan, provider, before))
            elif plan.outcome == RowOutcome.FLAGGED and plan.provider_id is not None:
                provider = providers[plan.provider_id]
                before = snapshot(provider)
                provider.awaiting_review = True  # the officer's queue of changes to check; nothing else changes
                touched.append((plan, provider, before))
                record(
                    session,
                    self.actor,
                    "provider.flagged_by_import",
                    "provider",
                    provider.id,
                    {
                        "import_batch": batch.id,
                        "row": plan.row.row_number,
                        "reason": next((p.message for p in plan.problems if p.code == FLAGGED), ""),
                    },
                )
            counts.add(plan)
            issues += _issue_rows(batch.id, plan, self.decisions)
        session.flush()
        fulltext.refresh_many(session, [provider for _, provider, _ in touched])
        changes: list[Row] = [
            (batch.id, provider.id, plan.row.row_number, "updated", before, digest(snapshot(provider)))
            for plan, provider, before in touched
        ]
        new = self.new_providers.write(created)
        changes += new
        self.changes.write(session, changes)
        self.issues.write(session, issues)
        self._keep_register_records(created, new, touched)

    def _keep_register_records(
        self, created: list[RowPlan], new: list[Row], touched: list[tuple[RowPlan, Provider, dict[str, Any]]]
    ) -> None:
        """What a public register said about each row's number, kept for the provider it created or updated, so
        the officer's review and the register checks see it."""
        provider_of_row = {row_number: provider_id for _, provider_id, row_number, *_ in new}
        kept = [
            KeptRecord(
                provider_of_row[plan.row.row_number],
                plan.register_entry,
                plan.row.name or "",
                plan.row.legal_form or LegalForm.UNKNOWN,
            )
            for plan in created
            if plan.register_entry is not None
        ]
        kept += [
            KeptRecord(provider.id, plan.register_entry, provider.name, provider.legal_form)
            for plan, provider, _ in touched
            if plan.register_entry is not None
        ]
        keep_register_records(self.session, kept, self.now)


#: Objects allocated (less those freed) between two collections of Python's youngest generation while a check or
#: commit runs (Python's default is 700). Every row makes dozens of short-lived tuples, dicts and dataclasses; at the
#: default the collector ran every few rows and, each time enough survived, walked every object the process holds
#: (the app, SQLAlchemy's metadata, the file's keys so far): a fifth of a check's CPU at 100,000 rows.
GC_YOUNG_THRESHOLD = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """While the block runs, the objects that exist at its start are left out of the garbage collector's walks
    (``gc.freeze``) and it collects after :data:`GC_YOUNG_THRESHOLD` allocations instead of 700; both are put back
    after. Only how often it looks changes: a cycle made meanwhile is still collected, a little later."""
    thresholds = gc.get_threshold()
    gc.freeze()
    if thresholds[0]:  # 0: the collector is off, and stays off
        gc.set_threshold(max(thresholds[0], GC_YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


#: The PostgreSQL advisory lock commits and undos take, so two never write the register at once.
IMPORT_WRITE_LOCK = 7_270_601


def serialise_writers(session: Session) -> None:
    """One import commit or undo at a time. On PostgreSQL a transaction-scoped advisory lock: the second waits, then
    plans against the first's committed rows (so two files naming the same new organisation create it once).
    SQLite allows one writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_WRITE_LOCK})
