"""The check of every provider against the public registers as a job an officer starts, on the shared runner
(:mod:`app.jobs.runner`), as the imports are (:mod:`app.jobs.spend`).

:func:`submit` records a run (refused while another is running and not lost) and hands :func:`run_job` to the
runner. The job owns its transaction: it commits what the check found with the run's figures, or rolls back and
marks the run failed with a message fit to show. ``flask registers check`` runs the same service in the foreground.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.jobs import runner
from app.models import RegisterCheckRun
from app.models.base import utcnow
from app.services.audit import Actor
from app.services.councils import council_by_code
from app.services.locality import council_area
from app.services.register_checks import NothingToCheckAgainst, check_providers

log = logging.getLogger(__name__)

RUNNING, FINISHED, FAILED = "running", "finished", "failed"
FAILED_MESSAGE = (
    "Something went wrong on our side, so the check stopped and nothing it found was kept. Start it again; if it "
    "happens again, tell the service's administrators (they can find the details in the log)"
)
STOPPED_MESSAGE = "The check stopped before it finished (the worker running it ended): nothing it found was kept"
#: The most providers a run lists on its page (all of them are in the queue and the audit log).
LISTED = 200

progress_store = runner.ProgressStore("register-check")


class CheckRefused(ValueError):
    """A check that cannot start now (one is running), in words for the page."""


def _thread_prefix(run_id: int) -> str:
    return f"register-check-{run_id}-"


def latest_run(session: Any) -> RegisterCheckRun | None:
    return session.scalar(select(RegisterCheckRun).order_by(RegisterCheckRun.id.desc()).limit(1))  # type: ignore[no-any-return]


def submit(actor: Actor) -> RegisterCheckRun:
    """Record a run and start it with the configured runner; CheckRefused while another is running."""
    session = db.session
    running = session.scalar(select(RegisterCheckRun).where(RegisterCheckRun.status == RUNNING).limit(1))
    if running is not None and not notice_lost_job(running):
        raise CheckRefused("A check is running already: its progress is below")
    run = RegisterCheckRun(status=RUNNING, started_by_id=actor.user_id, started_by_label=actor.label, flagged=[])
    session.add(run)
    session.commit()
    run_id = run.id
    progress_store.clear(run_id)

    def record_job_id(job_id: str) -> None:
        found = session.get(RegisterCheckRun, run_id) or run
        found.job_id = job_id
        session.commit()

    runner.run(
        run_job,
        (run_id, actor.user_id, actor.label),
        name=f"{_thread_prefix(run_id)}check",
        description=f"register check {run_id}",
        record_job_id=record_job_id,
    )
    return session.get(RegisterCheckRun, run_id) or run


def run_job(run_id: int, actor_id: int | None, actor_label: str) -> None:
    """The job function the runner calls (RQ finds it as ``app.jobs.register_checks.run_job``)."""
    runner.in_app_context(perform, run_id, actor_id, actor_label)


def perform(run_id: int, actor_id: int | None, actor_label: str) -> None:
    """Check every provider and keep what was found with the run's figures, or mark the run failed."""
    session = db.session
    run = session.get(RegisterCheckRun, run_id)
    if run is None or run.status != RUNNING:
        log.warning("register check %s is not running; the job does nothing", run_id)
        return
    started = time.time()

    def progress(done: int, total: int) -> None:
        progress_store.set(run_id, {"done": done, "total": total, "at": time.time(), "started": started})

    progress(0, 0)
    try:
        council = council_by_code(session, current_app.config["COUNCIL_CODE"])
        area = council_area(session, council) if council is not None else None
        report = check_providers(session, area, Actor(actor_id, actor_label), utcnow(), progress)
        run.status = FINISHED
        run.finished_at = utcnow()
        run.providers, run.numbers = report.providers, report.numbers
        run.flagged = [[pid, name, findings] for pid, name, findings in report.flagged[:LISTED]]
        run.registers = "; ".join(report.registers)
        session.commit()
    except Exception as error:
        session.rollback()
        shown = str(error) if isinstance(error, NothingToCheckAgainst) else FAILED_MESSAGE
        if not isinstance(error, NothingToCheckAgainst):
            log.exception("register check %s failed", run_id)
        mark_failed(run_id, shown)


def mark_failed(run_id: int, message: str) -> None:
    session = db.session
    session.rollback()
    session.execute(
        update(RegisterCheckRun)
        .where(RegisterCheckRun.id == run_id, RegisterCheckRun.status == RUNNING)
        .values(status=FAILED, error=message, finished_at=utcnow())
    )
    session.commit()
    session.expire_all()


def job_is_lost(run: RegisterCheckRun) -> bool:
    if run.status != RUNNING:
        return False
    stored = progress_store.get(run.id)
    beat = stored.get("at") if stored else None
    return runner.job_is_lost(run.job_id, thread_prefix=_thread_prefix(run.id), heartbeat=beat)


def notice_lost_job(run: RegisterCheckRun) -> bool:
    """A running check whose job is lost is marked failed (committed); True if so."""
    if not job_is_lost(run):
        return False
    mark_failed(run.id, STOPPED_MESSAGE)
    return True


def progress_of(run: RegisterCheckRun) -> dict[str, Any]:
    """How far the run is, for its page and the progress bar: done of total, a percentage and the same in words."""
    stored = progress_store.get(run.id) or {}
    done, total = int(stored.get("done") or 0), int(stored.get("total") or 0)
    percent = round(100 * done / total) if total else 0
    if run.status != RUNNING:
        words = f"Checked {run.providers:,} provider{'' if run.providers == 1 else 's'}"
    elif not stored:
        words = "Waiting to start"
    elif total:
        words = f"{done:,} of {total:,} providers checked ({percent}%)"
    else:
        words = "Finding the providers with numbers to check"
    return {"done": done, "total": total, "percent": percent, "words": words}
