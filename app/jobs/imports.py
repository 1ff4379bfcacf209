"""Long-running import steps (a check, a commit) as jobs.

Three runners, chosen by ``JOB_RUNNER``:

* ``rq``: an RQ job on ``REDIS_URL``, run by ``rq worker`` (production, several web workers). If Redis cannot
  be reached when a job is submitted, the job runs in a thread of this process instead, and the log says so.
* ``thread``: a thread of this process (the default without Redis: ``make run``).
* ``inline``: within the request (tests).

Progress is kept out of the database transaction the job writes in (a long SQLite write would hide it): in
Redis when there is one, otherwise in this process's memory, which the thread runner shares.

The job owns its transaction: it commits the work, or rolls it all back and marks the batch failed with a
message fit to show, so the officer can run it again.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import update

from app.config import PROJECT_ROOT
from app.domain.imports import ImportFormatError, ImportStatus, MappingError
from app.domain.text import plain_int
from app.extensions import db
from app.models import ImportBatch
from app.services import imports
from app.services.audit import Actor, record

log = logging.getLogger(__name__)

CHECK = "check"
COMMIT = "commit"
STEPS = {CHECK: ImportStatus.CHECKING, COMMIT: ImportStatus.IMPORTING}
#: The statuses a batch may be in for each step to start.
STARTS_FROM = {
    CHECK: (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED),
    COMMIT: (ImportStatus.CHECKED, ImportStatus.FAILED),
}
SECTORS_FILE = PROJECT_ROOT / "seed_data" / "services" / "coops_uk_sectors.csv"
PROGRESS_TTL_SECONDS = 24 * 60 * 60
FAILED_MESSAGE = (
    "Something went wrong on our side, so nothing was written to the register. Try again; if it happens again, "
    "tell the service's administrators (they can find the details in the log)"
)


# --- Progress -----------------------------------------------------------------------------------------------------


class ProgressStore:
    """Where jobs say how far they are: Redis when configured and reachable, else this process's memory."""

    def __init__(self) -> None:
        self._memory: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def _redis(self) -> Any | None:
        url = current_app.config.get("REDIS_URL")
        if not url:
            return None
        from redis import Redis

        return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    def set(self, batch_id: int, value: dict[str, Any]) -> None:
        with self._lock:
            self._memory[batch_id] = value
        client = self._redis()
        if client is not None:
            try:
                client.set(f"lsr:import:{batch_id}:progress", json.dumps(value), ex=PROGRESS_TTL_SECONDS)
            except Exception:
                log.warning("could not write import progress to Redis", exc_info=True)

    def clear(self, batch_id: int) -> None:
        """Forget a batch's progress (a step starting afresh must not show the last run's figures)."""
        with self._lock:
            self._memory.pop(batch_id, None)
        client = self._redis()
        if client is not None:
            try:
                client.delete(f"lsr:import:{batch_id}:progress")
            except Exception:
                log.warning("could not clear import progress in Redis", exc_info=True)

    def get(self, batch_id: int) -> dict[str, Any] | None:
        client = self._redis()
        if client is not None:
            try:
                raw = client.get(f"lsr:import:{batch_id}:progress")
            except Exception:
                raw = None
            if raw:
                value: dict[str, Any] = json.loads(raw)
                return value
        with self._lock:
            return self._memory.get(batch_id)


progress_store = ProgressStore()


# --- Running a step -----------------------------------------------------------------------------------------------


def upload_folder(app: Flask | None = None) -> Path:
    return Path((app or current_app).config["UPLOAD_FOLDER"])


def perform(batch_id: int, step: str, actor_id: int | None, actor_label: str) -> None:
    """Run one step of an import in the current app context, committing it or marking the batch failed."""
    session = db.session
    actor = Actor(actor_id, actor_label)
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        log.warning("import batch %s is gone; nothing to do", batch_id)
        return
    if batch.status != STEPS[step]:  # a repeated or stale job: the step was not started for it, or has finished
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
                "step": step,
                "rows": done,
                "fraction": round(fraction, 3),
                "at": time.time(),
                "started": started,
                "total": total,
            },
        )

    progress(0, 0.0)
    try:
        tools = imports.collaborators(session, upload_folder(), SECTORS_FILE)
        if step == CHECK:
            imports.check(session, batch, tools, progress)
        elif step == COMMIT:
            imports.commit(session, actor, batch, tools, progress)
        else:
            raise ValueError(f"unknown import step {step!r}")
        session.commit()
    except Exception as error:
        session.rollback()
        shown = (
            str(error)
            if isinstance(error, imports.ImportError_ | ImportFormatError | MappingError | imports.UploadError)
            else FAILED_MESSAGE
        )
        log.exception("import %s failed during %s", batch_id, step)
        mark_failed(batch_id, step, shown, actor)


def mark_failed(batch_id: int, step: str, message: str, actor: Actor) -> None:
    """Record a failed step in its own transaction, so the officer sees why and can run it again."""
    session = db.session
    session.rollback()  # a fresh transaction: what the database says now, not what this session last read
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        return
    # Conditional, so a step that finished meanwhile (in another process) is never overwritten as failed.
    changed = session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id, ImportBatch.status.in_([STEPS[step], ImportStatus.FAILED]))
        .values(status=ImportStatus.FAILED, error=message, counts={**(batch.counts or {}), "failed_during": step})
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return
    record(session, actor, "import.failed", "import_batch", batch_id, {"step": step, "error": message})
    session.commit()
    session.expire_all()


def _app_for_worker() -> Flask:
    """The app an RQ worker runs jobs in, made once per worker process."""
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


_worker_app: Flask | None = None


def run_job(batch_id: int, step: str, actor_id: int | None, actor_label: str) -> None:
    """The RQ job function (also used by the thread runner)."""
    if has_app_context():
        perform(batch_id, step, actor_id, actor_label)
        return
    with _app_for_worker().app_context():
        perform(batch_id, step, actor_id, actor_label)


def submit(batch: ImportBatch, step: str, actor: Actor, *, inline: bool = False) -> str:
    """Mark the batch as running this step (:func:`start`) and run it with the configured runner, or within this
    request when ``inline`` (a small file). Returns how it runs: 'inline', 'rq' or 'thread'.
    """
    start(batch, step)
    runner = current_app.config.get("JOB_RUNNER", "thread")
    if inline or runner == "inline":
        perform(batch.id, step, actor.user_id, actor.label)
        return "inline"
    if runner == "rq":
        try:
            job_id = _enqueue(batch.id, step, actor)
        except Exception:  # Redis down: run here instead, and say so in the log
            log.warning("Redis unavailable: running import %s %s in this process instead", batch.id, step)
        else:
            batch = db.session.get(ImportBatch, batch.id) or batch
            batch.job_id = job_id
            db.session.commit()
            return "rq"
    _start_thread(batch.id, step, actor)
    return "thread"


def start(batch: ImportBatch, step: str) -> None:
    """Mark the batch as running this step, and commit; a job then does the step (:func:`perform`).

    The status changes with one conditional UPDATE, so a double click or two officers at once start the step
    once: the second gets ImportError_.
    """
    if step == COMMIT and batch.committed_at is not None:
        raise imports.ImportError_("This file has been imported already")
    started = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status.in_(STARTS_FROM[step]))
        .values(status=STEPS[step], error=None, job_id=None)
    )
    if started.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()  # nothing this request changed on the batch is kept when it may not start
        raise imports.ImportError_("This import is already being checked or imported")
    db.session.commit()
    progress_store.clear(batch.id)
    db.session.refresh(batch)


def _enqueue(batch_id: int, step: str, actor: Actor) -> str:
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
    queue = Queue(current_app.config.get("RQ_QUEUE", "register"), connection=connection)
    job = queue.enqueue(
        run_job,
        batch_id,
        step,
        actor.user_id,
        actor.label,
        job_timeout=60 * 60,
        result_ttl=24 * 60 * 60,
        failure_ttl=7 * 24 * 60 * 60,
        description=f"import {batch_id} {step}",
    )
    return str(job.id)


def _start_thread(batch_id: int, step: str, actor: Actor) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    batch = db.session.get(ImportBatch, batch_id)
    if batch is not None:  # which process runs it, so another web worker does not take it for lost
        batch.job_id = thread_job_id()
        db.session.commit()

    def target() -> None:
        with app.app_context():
            perform(batch_id, step, actor.user_id, actor.label)

    threading.Thread(target=target, name=f"import-{batch_id}-{step}", daemon=True).start()


def rq_job_state(batch: ImportBatch) -> tuple[str | None, float | None]:
    """(the RQ job's state: 'queued', 'started', 'failed', 'missing'..., when it started as a Unix time).

    (None, None) when it cannot be known: not an RQ job, or Redis unreachable.
    """
    if not batch.job_id or current_app.config.get("JOB_RUNNER") != "rq" or not current_app.config.get("REDIS_URL"):
        return None, None
    try:
        from redis import Redis
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        connection = Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=2)
        try:
            job = Job.fetch(batch.job_id, connection=connection)
        except NoSuchJobError:
            return "missing", None
        started = job.started_at.timestamp() if job.started_at else None
        status = job.get_status()
        return str(getattr(status, "value", status)), started
    except Exception:
        return None, None


def thread_job_id() -> str:
    return f"thread:{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _thread_alive(batch_id: int) -> bool:
    return any(t.name.startswith(f"import-{batch_id}-") and t.is_alive() for t in threading.enumerate())


def job_is_lost(batch: ImportBatch) -> bool:
    """Whether a running batch's job can no longer finish: its RQ job failed or vanished, or its worker stopped
    sending progress (killed outright: a started job whose heartbeat is older than JOB_STALE_SECONDS), or the
    thread running it is gone (the process restarted)."""
    if not batch.status.running:
        return False
    stale_after = float(current_app.config.get("JOB_STALE_SECONDS", 300))
    progress = progress_store.get(batch.id)
    beat = progress.get("at") if progress else None
    now = time.time()
    if batch.job_id and batch.job_id.startswith("thread:"):
        _, host, pid = batch.job_id.split(":", 2)
        if pid == str(os.getpid()) and host == socket.gethostname():
            return not _thread_alive(batch.id) and (beat is None or now - beat > stale_after)
        # Lost when the process that ran it has ended (a restart took its thread). Another live process, or
        # another machine, runs it and reports when done.
        process = plain_int(pid)
        return host == socket.gethostname() and process is not None and not _process_alive(process)
    if batch.job_id and current_app.config.get("JOB_RUNNER") == "rq":
        state, started = rq_job_state(batch)
        if state in ("failed", "stopped", "canceled", "missing"):
            return True
        if state == "started":
            last = beat or started
            return last is not None and now - last > stale_after
        return False  # queued, deferred, scheduled, finished (the batch says so soon), or unknown
    return False  # no runner recorded yet: it is being handed to one


def notice_lost_job(batch: ImportBatch) -> bool:
    """A running batch whose job is lost (see :func:`job_is_lost`) is marked failed, to be run again; True if so."""
    if not job_is_lost(batch):
        return False
    step = COMMIT if batch.status == ImportStatus.IMPORTING else CHECK
    mark_failed(
        batch.id,
        step,
        "The job stopped before it finished (the worker running it ended), so nothing was written. Run it again",
        Actor.system("job monitor"),
    )
    return True
