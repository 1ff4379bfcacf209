"""The supplier import's long steps (a check, a commit) as jobs, on the shared runner (:mod:`app.jobs.runner`).

:func:`submit` marks the batch as running the step (:func:`start`, one conditional UPDATE, as the domain's
rulebook allows) and hands :func:`run_job` to the runner. The job owns its transaction: it commits the work, or rolls
it all back and marks the batch failed with a message fit to show, so the officer can run it again. A job that can
no longer finish (its worker killed, its process restarted) is noticed by :func:`job_is_lost`, which only reads;
:func:`notice_lost_job` marks such a batch failed, when an officer asks to run it again.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import update

from app.config import PROJECT_ROOT
from app.domain.imports.fields import MappingError
from app.domain.imports.lifecycle import STARTS_FROM, ImportStatus, ImportStep, StepRefused, running_step
from app.domain.imports.reading import ImportFormatError
from app.extensions import db
from app.jobs import runner
from app.models import ImportBatch
from app.models.base import utcnow
from app.services.audit import Actor, record
from app.services.imports import planning, steps, storage

log = logging.getLogger(__name__)

#: The steps by the names callers and stored records use.
CHECK, COMMIT = ImportStep.CHECK, ImportStep.COMMIT
SECTORS_FILE = PROJECT_ROOT / "seed_data" / "services" / "coops_uk_sectors.csv"
FAILED_MESSAGE = (
    "Something went wrong on our side, so nothing was written to the register. Try again; if it happens again, "
    "tell the service's administrators (they can find the details in the log)"
)
STOPPED_MESSAGE = (
    "The job stopped before it finished (the worker running it ended), so nothing was written. Run it again"
)

progress_store = runner.ProgressStore("import")


def upload_folder(app: Flask | None = None) -> Path:
    """Where uploads are kept."""
    return Path((app or current_app).config["UPLOAD_FOLDER"])


def _thread_prefix(batch_id: int) -> str:
    return f"import-{batch_id}-"


# --- Running a step -----------------------------------------------------------------------------------------------


def perform(batch_id: int, step: str, actor_id: int | None, actor_label: str) -> None:
    """Run one step of an import in the current app context, committing it or marking the batch failed."""
    session = db.session
    actor = Actor(actor_id, actor_label)
    step = ImportStep(step)
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        log.warning("import batch %s is gone; nothing to do", batch_id)
        return
    if batch.status != step.runs_in:  # a repeated or stale job: the step was not started for it, or has finished
        log.warning("import %s is %s, not waiting to %s; the job does nothing", batch_id, batch.status.value, step)
        return

    started = time.time()
    # Rows in the file, known from the check once the import runs (the progress then says "2,000 of 8,371 rows").
    total = int(batch.counts.get("rows", 0)) if step == COMMIT and batch.counts.get("checked") else None

    def progress(done: int, fraction: float) -> None:
        if total:  # rows of a known total say more exactly how far it is than the share of the file read
            fraction = min(1.0, done / total)
        progress_store.set(
            batch_id,
            {
                "step": step.value,
                "rows": done,
                "fraction": round(fraction, 3),
                "at": time.time(),
                "started": started,
                "total": total,
            },
        )

    progress(0, 0.0)
    try:
        tools = planning.collaborators(session, upload_folder(), SECTORS_FILE)
        if step == CHECK:
            steps.check(session, batch, tools, progress, now=utcnow())
        else:
            steps.commit(session, actor, batch, tools, progress, now=utcnow())
        session.commit()
    except Exception as error:
        session.rollback()
        shown = (
            str(error)
            if isinstance(error, StepRefused | ImportFormatError | MappingError | storage.UploadError)
            else FAILED_MESSAGE
        )
        log.exception("import %s failed during %s", batch_id, step)
        mark_failed(batch_id, step, shown, actor)


def mark_failed(batch_id: int, step: str, message: str, actor: Actor) -> None:
    """Record a failed step in its own transaction, so the officer sees why and can run it again."""
    step = ImportStep(step)
    session = db.session
    session.rollback()  # a fresh transaction: what the database says now, not what this session last read
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        return
    # Conditional, so a step that finished meanwhile (in another process) is never overwritten as failed.
    changed = session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id, ImportBatch.status.in_([step.runs_in, ImportStatus.FAILED]))
        .values(status=ImportStatus.FAILED, error=message, counts={**(batch.counts or {}), "failed_during": step.value})
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return
    record(session, actor, "import.failed", "import_batch", batch_id, {"step": step.value, "error": message})
    session.commit()
    session.expire_all()


def run_job(batch_id: int, step: str, actor_id: int | None, actor_label: str) -> None:
    """The job function the runner calls, in a thread or an RQ worker. RQ finds it by this path
    (``app.jobs.imports.run_job``), so jobs queued before a deploy still run after it."""
    runner.in_app_context(perform, batch_id, step, actor_id, actor_label)


def submit(batch: ImportBatch, step: str, actor: Actor, *, inline: bool = False) -> str:
    """Mark the batch as running this step (:func:`start`) and run it with the configured runner, or within this
    request when ``inline`` (a small file). Returns how it runs: 'inline', 'rq' or 'thread'.
    """
    step = ImportStep(step)
    start(batch, step)
    batch_id = batch.id

    def record_job_id(job_id: str) -> None:
        running = db.session.get(ImportBatch, batch_id) or batch
        running.job_id = job_id
        db.session.commit()

    return runner.run(
        run_job,
        (batch_id, step.value, actor.user_id, actor.label),
        name=f"{_thread_prefix(batch_id)}{step.value}",
        description=f"import {batch_id} {step.value}",
        record_job_id=record_job_id,
        inline=inline,
    )


def start(batch: ImportBatch, step: str) -> None:
    """Mark the batch as running this step, and commit; a job then does the step (:func:`perform`).

    The status changes with one conditional UPDATE from the statuses the rulebook lets the step start from, so a
    double click or two officers at once start the step once: the second gets StepRefused.
    """
    step = ImportStep(step)
    if step == COMMIT and batch.committed_at is not None:
        raise StepRefused("This file has been imported already")
    started = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status.in_(STARTS_FROM[step]))
        .values(status=step.runs_in, error=None, job_id=None)
    )
    if started.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()  # nothing this request changed on the batch is kept when it may not start
        raise StepRefused("This import is already being checked or imported")
    db.session.commit()
    progress_store.clear(batch.id)
    db.session.refresh(batch)


# --- A job that stopped -------------------------------------------------------------------------------------------


def job_is_lost(batch: ImportBatch) -> bool:
    """Whether a running batch's job can no longer finish (see :func:`app.jobs.runner.job_is_lost`). Reads only."""
    if not batch.status.running:
        return False
    progress = progress_store.get(batch.id)
    beat = progress.get("at") if progress else None
    return runner.job_is_lost(batch.job_id, thread_prefix=_thread_prefix(batch.id), heartbeat=beat)


def notice_lost_job(batch: ImportBatch) -> bool:
    """A running batch whose job is lost is marked failed (committed), to be run again; True if so."""
    step = running_step(batch.status)
    if step is None or not job_is_lost(batch):
        return False
    mark_failed(batch.id, step, STOPPED_MESSAGE, Actor.system("job monitor"))
    return True
