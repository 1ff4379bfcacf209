"""A spend file's import as a job, on the shared runner (:mod:`app.jobs.runner`), as the supplier import's steps are
(:mod:`app.jobs.imports`).

:func:`submit` marks the batch IMPORTING (:func:`start`: one conditional UPDATE from the states an import may start
from, so a double click starts it once) and hands :func:`run_job` to the runner. The job owns its transaction: it
commits the import, or rolls it all back and marks the batch FAILED with a message fit to show, so the officer can
run it again. A job that can no longer finish (its worker killed, its process restarted) is noticed by
:func:`job_is_lost`, which only reads; :func:`notice_lost_job` marks such a batch failed.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import update

from app.domain.spend.lifecycle import MAY_IMPORT_FROM, SpendBatchStatus
from app.extensions import db
from app.jobs import runner
from app.jobs.imports import upload_folder
from app.models.base import utcnow
from app.models.spend import SpendBatch
from app.services.audit import Actor, record
from app.services.imports.storage import UploadError
from app.services.spend.importing import SpendRefused, import_batch
from app.tabular import FileFormatError

log = logging.getLogger(__name__)

FAILED_MESSAGE = (
    "Something went wrong on our side, so no payments were imported from this file. Try again; if it happens again, "
    "tell the service's administrators (they can find the details in the log)"
)
STOPPED_MESSAGE = (
    "The import stopped before it finished (the worker running it ended), so no payments were imported. Run it again"
)

progress_store = runner.ProgressStore("spend")


def _thread_prefix(batch_id: int) -> str:
    return f"spend-{batch_id}-"


# --- Running the import -------------------------------------------------------------------------------------------


def perform(batch_id: int, actor_id: int | None, actor_label: str) -> None:
    """Import the batch in the current app context, committing it or marking the batch failed."""
    session = db.session
    actor = Actor(actor_id, actor_label)
    batch = session.get(SpendBatch, batch_id)
    if batch is None:
        log.warning("spend batch %s is gone; nothing to do", batch_id)
        return
    if batch.status != SpendBatchStatus.IMPORTING:  # a repeated or stale job: not started for it, or finished
        log.warning("spend batch %s is %s, not importing; the job does nothing", batch_id, batch.status.value)
        return

    started = time.time()

    def progress(rows: int, total: int | None) -> None:
        progress_store.set(
            batch_id,
            {
                "rows": rows,
                "total": total,
                "fraction": round(min(1.0, rows / total), 3) if total else None,
                "at": time.time(),
                "started": started,
            },
        )

    progress(0, None)
    try:
        import_batch(session, batch, utcnow(), folder=upload_folder(), progress=progress, actor=actor)
        session.commit()
    except Exception as error:
        session.rollback()
        shown = str(error) if isinstance(error, SpendRefused | FileFormatError | UploadError) else FAILED_MESSAGE
        log.exception("spend import %s failed", batch_id)
        mark_failed(batch_id, shown, actor)


def mark_failed(batch_id: int, message: str, actor: Actor) -> None:
    """Record a failed import in its own transaction, so the officer sees why and can run it again."""
    session = db.session
    session.rollback()  # a fresh transaction: what the database says now, not what this session last read
    # Conditional, so an import that finished meanwhile (in another process) is never overwritten as failed.
    changed = session.execute(
        update(SpendBatch)
        .where(SpendBatch.id == batch_id, SpendBatch.status.in_([SpendBatchStatus.IMPORTING, SpendBatchStatus.FAILED]))
        .values(status=SpendBatchStatus.FAILED, error=message, job_id=None)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return
    record(session, actor, "spend.failed", "spend_batch", batch_id, {"error": message})
    session.commit()
    session.expire_all()


def run_job(batch_id: int, actor_id: int | None, actor_label: str) -> None:
    """The job function the runner calls, in a thread or an RQ worker. RQ finds it by this path
    (``app.jobs.spend.run_job``), so jobs queued before a deploy still run after it."""
    runner.in_app_context(perform, batch_id, actor_id, actor_label)


def submit(batch: SpendBatch, actor: Actor, *, inline: bool = False) -> str:
    """Mark the batch as importing (:func:`start`) and import it with the configured runner, or within this request
    when ``inline`` (a small file). Returns how it runs: 'inline', 'rq' or 'thread'."""
    start(batch)
    batch_id = batch.id

    def record_job_id(job_id: str) -> None:
        running = db.session.get(SpendBatch, batch_id) or batch
        running.job_id = job_id
        db.session.commit()

    return runner.run(
        run_job,
        (batch_id, actor.user_id, actor.label),
        name=f"{_thread_prefix(batch_id)}import",
        description=f"spend import {batch_id}",
        record_job_id=record_job_id,
        inline=inline,
    )


def start(batch: SpendBatch) -> None:
    """Mark the batch as importing, and commit; a job then imports it (:func:`perform`).

    One conditional UPDATE from the states an import may start from, so a double click or two officers at once start
    it once: the second gets SpendRefused.
    """
    started = db.session.execute(
        update(SpendBatch)
        .where(SpendBatch.id == batch.id, SpendBatch.status.in_(MAY_IMPORT_FROM))
        .values(status=SpendBatchStatus.IMPORTING, error=None, job_id=None)
    )
    if started.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()  # nothing this request changed on the batch is kept when it may not start
        db.session.refresh(batch)
        if batch.status == SpendBatchStatus.IMPORTING:
            raise SpendRefused("This file is being imported already")
        raise SpendRefused(f"This file cannot be imported now: it is {batch.status.label.lower()}")
    db.session.commit()
    progress_store.clear(batch.id)
    db.session.refresh(batch)


# --- A job that stopped -------------------------------------------------------------------------------------------


def job_is_lost(batch: SpendBatch) -> bool:
    """Whether an importing batch's job can no longer finish (see :func:`app.jobs.runner.job_is_lost`). Reads only."""
    if batch.status != SpendBatchStatus.IMPORTING:
        return False
    progress = progress_store.get(batch.id)
    beat = progress.get("at") if progress else None
    return runner.job_is_lost(batch.job_id, thread_prefix=_thread_prefix(batch.id), heartbeat=beat)


def notice_lost_job(batch: SpendBatch) -> bool:
    """An importing batch whose job is lost is marked failed (committed), to be run again; True if so."""
    if not job_is_lost(batch):
        return False
    mark_failed(batch.id, STOPPED_MESSAGE, Actor.system("job monitor"))
    return True
