"""The job runner on its own, with a job that is not an import: inline, a thread, Redis down, progress kept per kind
of work, and telling a lost job from a running one. The import's steps on it are tested in tests/services and
tests/views (inline and thread), tests/faults (an RQ worker killed mid-job) and the browser journey."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, current_app

from app.jobs import runner

#: What the job below saw, by the key it was given.
SEEN: dict[str, Any] = {}
#: Holds the job below in its thread until set.
GATE = threading.Event()


def remember(key: str, value: int) -> None:
    """A job at module level, as RQ needs: records its arguments and whether it ran in an app context."""
    runner.in_app_context(_remember, key, value)


def _remember(key: str, value: int) -> None:
    SEEN[key] = (value, current_app.name, threading.current_thread().name)


def wait_at_gate(key: str) -> None:
    """A job that runs until the test lets it finish."""
    GATE.wait(10)
    SEEN[key] = "done"


@pytest.fixture
def context(app: Flask, app_context: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    SEEN.clear()
    GATE.clear()
    yield app
    GATE.set()


def _wait_for(key: str) -> Any:
    deadline = time.time() + 10
    while key not in SEEN and time.time() < deadline:
        time.sleep(0.01)
    return SEEN.get(key)


def test_inline_runs_the_job_here_and_records_no_job(context: Flask) -> None:
    recorded: list[str] = []
    how = runner.run(
        remember, ("inline", 1), name="test-1-inline", description="test", record_job_id=recorded.append, inline=True
    )
    assert how == runner.INLINE and recorded == []
    assert SEEN["inline"] == (1, context.name, threading.current_thread().name)


@pytest.mark.parametrize(("job_runner", "redis_url"), [("thread", None), ("rq", "redis://127.0.0.1:1/0")])
def test_a_thread_runs_the_job_in_this_app_and_says_which_process_runs_it(
    context: Flask, monkeypatch: pytest.MonkeyPatch, job_runner: str, redis_url: str | None
) -> None:
    # With rq and Redis unreachable, the job runs in a thread instead (and the log says so).
    monkeypatch.setitem(context.config, "JOB_RUNNER", job_runner)
    monkeypatch.setitem(context.config, "REDIS_URL", redis_url)
    recorded: list[str] = []
    how = runner.run(remember, ("threaded", 2), name="test-2-run", description="test", record_job_id=recorded.append)
    assert how == runner.THREAD
    assert recorded == [f"thread:{socket.gethostname()}:{os.getpid()}"] == [runner.thread_job_id()]
    assert _wait_for("threaded") == (2, context.name, "test-2-run")


def test_progress_is_kept_per_kind_of_work(context: Flask) -> None:
    imports, spend = runner.ProgressStore("import"), runner.ProgressStore("spend")
    imports.set(7, {"rows": 10})
    assert imports.get(7) == {"rows": 10} and spend.get(7) is None
    imports.clear(7)
    assert imports.get(7) is None


def _ended_process() -> int:
    """The id of a process of this machine that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_thread_job_is_lost_only_when_its_thread_or_process_has_gone(
    context: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(context.config, "JOB_STALE_SECONDS", 60)
    here = runner.thread_job_id()
    now = time.time()

    def lost(job_id: str | None, heartbeat: float | None = None) -> bool:
        return runner.job_is_lost(job_id, thread_prefix="test-3-", heartbeat=heartbeat)

    # This process, no thread: lost unless it reported lately.
    assert lost(here) is True
    assert lost(here, heartbeat=now - 120) is True
    assert lost(here, heartbeat=now) is False
    # This process, its thread alive: running, however quiet.
    runner.start_thread("test-3-alive", wait_at_gate, ("gate",))
    assert lost(here) is False
    GATE.set()
    assert _wait_for("gate") == "done"
    # Another process of this machine: lost once that process has ended; another machine's is its own to report.
    assert lost(f"thread:{socket.gethostname()}:{os.getppid()}") is False
    assert lost(f"thread:{socket.gethostname()}:{_ended_process()}") is True
    assert lost("thread:some-other-host:1") is False
    # Not handed to a runner yet, or an RQ job when RQ is not the runner: not known to be lost.
    assert lost(None) is False and lost("3f2a-rq-job") is False
