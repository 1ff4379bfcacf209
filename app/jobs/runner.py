"""Running long work as a job, whatever the work: submitting it, keeping its progress, and noticing it was lost.

Three runners, chosen by ``JOB_RUNNER``:

* ``rq``: an RQ job on ``REDIS_URL``, run by ``rq worker`` (production, several web workers). If Redis cannot
  be reached when a job is submitted, the job runs in a thread of this process instead, and the log says so.
* ``thread``: a thread of this process (the default without Redis: ``make run``).
* ``inline``: within the request (tests).

Progress is kept out of the database transaction the job writes in (a long SQLite write would hide it): in
Redis when there is one, otherwise in this process's memory, which the thread runner shares.

The runner knows nothing of what a job does. A kind of work (the supplier import's check and commit, in
:mod:`app.jobs.imports`) brings a job function defined at module level, which RQ finds by its import path when a
worker runs it (so the path is part of what is queued, and stays stable), a :class:`ProgressStore` of its own, and
a place to record which job runs it; it asks :func:`job_is_lost` whether a job it is waiting for can still finish.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context

from app.domain.text import plain_int

log = logging.getLogger(__name__)

#: How long progress is kept in Redis after its last update.
PROGRESS_TTL_SECONDS = 24 * 60 * 60
#: Which runner ran a job, as :func:`run` returns it.
INLINE, RQ, THREAD = "inline", "rq", "thread"
#: A job function and its arguments: plain values only, as RQ stores them to call it in another process.
Job = Callable[..., None]


# --- Progress -----------------------------------------------------------------------------------------------------


class ProgressStore:
    """Where jobs of one kind say how far they are: Redis when configured and reachable, else this process's memory."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._memory: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def _key(self, item_id: int) -> str:
        return f"lsr:{self.namespace}:{item_id}:progress"

    def _redis(self) -> Any | None:
        url = current_app.config.get("REDIS_URL")
        if not url:
            return None
        from redis import Redis

        return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    def set(self, item_id: int, value: dict[str, Any]) -> None:
        """Record how far the job on this item is (a heartbeat too: see :func:`job_is_lost`)."""
        with self._lock:
            self._memory[item_id] = value
        client = self._redis()
        if client is not None:
            try:
                client.set(self._key(item_id), json.dumps(value), ex=PROGRESS_TTL_SECONDS)
            except Exception:
                log.warning("could not write %s progress to Redis", self.namespace, exc_info=True)

    def clear(self, item_id: int) -> None:
        """Forget an item's progress (a step starting afresh must not show the last run's figures)."""
        with self._lock:
            self._memory.pop(item_id, None)
        client = self._redis()
        if client is not None:
            try:
                client.delete(self._key(item_id))
            except Exception:
                log.warning("could not clear %s progress in Redis", self.namespace, exc_info=True)

    def get(self, item_id: int) -> dict[str, Any] | None:
        """The last progress recorded for the item, or None."""
        client = self._redis()
        if client is not None:
            try:
                raw = client.get(self._key(item_id))
            except Exception:
                raw = None
            if raw:
                value: dict[str, Any] = json.loads(raw)
                return value
        with self._lock:
            return self._memory.get(item_id)


# --- Running a job ------------------------------------------------------------------------------------------------


_worker_app: Flask | None = None


def worker_app() -> Flask:
    """The app an RQ worker runs jobs in, made once per worker process."""
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def in_app_context(job: Job, *args: Any) -> None:
    """Call ``job(*args)`` in the current app context, or (in an RQ worker, which has none) the worker's app."""
    if has_app_context():
        job(*args)
        return
    with worker_app().app_context():
        job(*args)


def run(
    job: Job,
    args: tuple[Any, ...],
    *,
    name: str,
    description: str,
    record_job_id: Callable[[str], None],
    inline: bool = False,
) -> str:
    """Run ``job(*args)`` with the configured runner, or within this request when ``inline``; returns which ran it
    (:data:`INLINE`, :data:`RQ` or :data:`THREAD`).

    ``job`` must be a module-level function that finds its own app context (:func:`in_app_context`), as an RQ
    worker calls it by its import path. ``record_job_id`` is told which job runs it before the work can finish,
    so another process can ask :func:`job_is_lost`; ``name`` names the thread (threads of one item share its
    prefix up to the last '-').
    """
    runner = current_app.config.get("JOB_RUNNER", THREAD)
    if inline or runner == INLINE:
        job(*args)
        return INLINE
    if runner == RQ:
        try:
            job_id = enqueue(job, args, description)
        except Exception:  # Redis down: run here instead, and say so in the log
            log.warning("Redis unavailable: running %s in this process instead", description)
        else:
            record_job_id(job_id)
            return RQ
    record_job_id(thread_job_id())  # which process runs it, so another web worker does not take it for lost
    start_thread(name, job, args)
    return THREAD


def enqueue(job: Job, args: tuple[Any, ...], description: str) -> str:
    """Put the job on the RQ queue; returns the RQ job's id."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
    queue = Queue(current_app.config.get("RQ_QUEUE", "register"), connection=connection)
    queued = queue.enqueue(
        job,
        *args,
        job_timeout=60 * 60,
        result_ttl=24 * 60 * 60,
        failure_ttl=7 * 24 * 60 * 60,
        description=description,
    )
    return str(queued.id)


def start_thread(name: str, job: Job, args: tuple[Any, ...]) -> None:
    """Run the job in a thread of this process, in this app's context."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def target() -> None:
        with app.app_context():
            job(*args)

    threading.Thread(target=target, name=name, daemon=True).start()


# --- Noticing a lost job ------------------------------------------------------------------------------------------


def thread_job_id() -> str:
    """The job id the thread runner records: this host and process."""
    return f"thread:{socket.gethostname()}:{os.getpid()}"


def rq_job_state(job_id: str | None) -> tuple[str | None, float | None]:
    """(the RQ job's state: 'queued', 'started', 'failed', 'missing'..., when it started as a Unix time).

    (None, None) when it cannot be known: not an RQ job, or Redis unreachable.
    """
    if not job_id or current_app.config.get("JOB_RUNNER") != RQ or not current_app.config.get("REDIS_URL"):
        return None, None
    try:
        from redis import Redis
        from rq.exceptions import NoSuchJobError
        from rq.job import Job as RqJob

        connection = Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=2)
        try:
            queued = RqJob.fetch(job_id, connection=connection)
        except NoSuchJobError:
            return "missing", None
        started = queued.started_at.timestamp() if queued.started_at else None
        status = queued.get_status()
        return str(getattr(status, "value", status)), started
    except Exception:
        return None, None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _thread_alive(prefix: str) -> bool:
    return any(t.name.startswith(prefix) and t.is_alive() for t in threading.enumerate())


def job_is_lost(job_id: str | None, *, thread_prefix: str, heartbeat: float | None) -> bool:
    """Whether a job that should be running can no longer finish: its RQ job failed or vanished, or its worker
    stopped sending progress (killed outright: a started job whose ``heartbeat``, the time of its last progress,
    is older than JOB_STALE_SECONDS), or the thread running it (named ``thread_prefix``...) is gone (the process
    restarted). Reads only: the caller decides what to do about it."""
    stale_after = float(current_app.config.get("JOB_STALE_SECONDS", 300))
    now = time.time()
    if job_id and job_id.startswith("thread:"):
        _, host, pid = job_id.split(":", 2)
        if pid == str(os.getpid()) and host == socket.gethostname():
            return not _thread_alive(thread_prefix) and (heartbeat is None or now - heartbeat > stale_after)
        # Lost when the process that ran it has ended (a restart took its thread). Another live process, or
        # another machine, runs it and reports when done.
        process = plain_int(pid)
        return host == socket.gethostname() and process is not None and not _process_alive(process)
    if job_id and current_app.config.get("JOB_RUNNER") == RQ:
        state, started = rq_job_state(job_id)
        if state in ("failed", "stopped", "canceled", "missing"):
            return True
        if state == "started":
            last = heartbeat or started
            return last is not None and now - last > stale_after
        return False  # queued, deferred, scheduled, finished (the owner says so soon), or unknown
    return False  # no runner recorded yet: it is being handed to one
