"""Faults (issue 7): the database going away during an import, Redis absent, a worker killed mid-job, the disk
filling while an upload is written. Each ends with a clear state and nothing half-written, and can be run again.

The worker test needs a real Redis (127.0.0.1:6379, as on CI); without one it is skipped, except under CI.
"""

from __future__ import annotations

import errno
import gc
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.domain.imports.lifecycle import ImportStatus
from app.domain.roles import Role
from app.extensions import db
from app.jobs import imports as jobs
from app.jobs import runner
from app.models import ImportBatch, ImportChange, Provider, Site
from app.models.base import utcnow
from app.services.imports import planning, steps
from tests import factories
from tests.services.test_imports_service import (  # noqa: F401  (shared fixtures)
    ACTOR,
    csv_bytes,
    folder_fixture,
    line,
    register_fixture,
    small_directory_fixture,
    tools_fixture,
    upload,
)

# Other connections, threads and processes (a worker, a second app) take part: these tests commit for real.
pytestmark = pytest.mark.commits

ROWS = 2_500  # three chunks: a fault after the first leaves work flushed but not committed
REDIS = os.environ.get("FAULT_REDIS_URL", "redis://127.0.0.1:6379/14")


def many_rows(n: int = ROWS) -> bytes:
    postcodes = ["L36 9GD", "L28 1AA", "L10 0AD", "L1 8JQ"]
    return csv_bytes([line(name=f"Fault Test Organisation {i}", postcode=postcodes[i % 4]) for i in range(n)])


def count(session: Session, model: type) -> int:
    session.rollback()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def checked_batch(session: Session, tools: planning.Collaborators, data: bytes) -> int:
    batch = upload(session, tools.folder, data)
    steps.check(session, batch, tools, now=utcnow())
    session.commit()
    return batch.id


def fresh(session: Session, batch_id: int) -> ImportBatch:
    session.rollback()  # a new transaction: on SQLite in WAL mode an open one would show an old snapshot
    batch = session.get(ImportBatch, batch_id)
    assert batch is not None
    return batch


# --- The database goes away during an import ------------------------------------------------------------------------


def test_the_database_going_away_mid_import_rolls_the_batch_back_whole_and_it_can_run_again(
    app: Flask, session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = checked_batch(session, tools, many_rows())
    real_set = jobs.progress_store.set

    def fault_after_first_chunk(key: int, value: dict[str, object]) -> None:
        real_set(key, value)
        if value.get("step") == "commit" and int(value.get("rows", 0)) >= 1000:  # type: ignore[call-overload]
            if db.session.get_bind().dialect.name == "postgresql":
                # The real thing: the server ends this session's connection.
                pid = db.session.connection().connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
                with db.engine.connect() as other:
                    other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                    other.commit()
            else:
                raise OperationalError("INSERT ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(jobs.progress_store, "set", fault_after_first_chunk)
    jobs.start(fresh(session, batch_id), jobs.COMMIT)
    jobs.perform(batch_id, jobs.COMMIT, None, "fault test")
    monkeypatch.setattr(jobs.progress_store, "set", real_set)
    with warnings.catch_warnings():
        # The connection the server ended is dropped by the pool unclosed; collect it here, not in a later test.
        warnings.simplefilter("ignore", ResourceWarning)
        db.session.remove()
        db.engine.dispose()
        gc.collect()

    batch = fresh(session, batch_id)
    assert batch.status == ImportStatus.FAILED and batch.committed_at is None
    assert batch.error == jobs.FAILED_MESSAGE and batch.counts["failed_during"] == "commit"
    assert (count(session, Provider), count(session, Site), count(session, ImportChange)) == (0, 0, 0)

    jobs.start(batch, jobs.COMMIT)
    jobs.perform(batch_id, jobs.COMMIT, None, "fault test, again")
    batch = fresh(session, batch_id)
    assert batch.status == ImportStatus.IMPORTED
    assert batch.counts["created"] == count(session, Provider) == ROWS


# --- Redis absent -----------------------------------------------------------------------------------------------------


def test_with_redis_absent_an_import_runs_in_a_thread_and_finishes(
    app: Flask, session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "JOB_RUNNER", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    batch = upload(session, tools.folder, csv_bytes([line(name="No Redis Needed", postcode="L36 9GD")]))
    session.commit()
    assert jobs.submit(batch, jobs.CHECK, ACTOR) == "thread"
    for thread in [t for t in threading.enumerate() if t.name.startswith(f"import-{batch.id}-")]:
        thread.join(timeout=30)
    assert fresh(session, batch.id).status == ImportStatus.CHECKED
    assert jobs.progress_store.get(batch.id) is not None  # kept in memory instead, without an error


@pytest.fixture
def restore_limiter(app: Flask) -> Iterator[None]:
    """The rate limiter is one object for every app: give it back its in-memory storage afterwards."""
    yield
    from app.extensions import limiter

    limiter.init_app(app)


def test_with_redis_absent_the_site_still_serves_and_signs_in(
    tmp_path: Path, app: Flask, restore_limiter: None
) -> None:
    from app import create_app

    other = create_app(
        {
            "APP_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            "UPLOAD_FOLDER": str(tmp_path),
        }
    )
    client = other.test_client()
    assert client.get("/").status_code == 200
    page = client.get("/sign-in").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        "/sign-in", data={"email": "nobody@example.org", "password": "not the password", "csrf_token": token.group(1)}
    )
    assert response.status_code == 400  # the rate limiter fell back to memory: an answer, not a 500
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    with other.app_context():
        db.engine.dispose()  # this second app's own pool, closed now rather than at garbage collection


# --- A worker killed mid-job --------------------------------------------------------------------------------------


def _redis_or_skip() -> None:
    from redis import Redis

    try:
        Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except Exception as error:
        if os.environ.get("CI"):
            pytest.fail(f"the worker fault test needs Redis at {REDIS}: {error}")
        pytest.skip(f"no Redis at {REDIS}")


@pytest.fixture
def rq_app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _redis_or_skip()
    queue = f"fault-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "JOB_RUNNER", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS)
    monkeypatch.setitem(app.config, "RQ_QUEUE", queue)
    monkeypatch.setitem(app.config, "JOB_STALE_SECONDS", 2)
    yield queue


def start_worker(app: Flask, queue: str, instance: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": REDIS,
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "fault-test",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
    }
    return subprocess.Popen(  # noqa: S603  (our own rq, with our arguments)
        # SimpleWorker runs the job in the worker's own process, so killing it kills the job (a forking worker's
        # work-horse starts a session of its own and would run on).
        [
            str(Path(sys.executable).with_name("rq")),
            "worker",
            "--url",
            REDIS,
            "--burst",
            "-w",
            "rq.worker.SimpleWorker",
            queue,
        ],
        env=env,
        start_new_session=True,  # its own process group: the kill takes the work-horse too
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_mid_job_leaves_the_batch_failed_and_it_can_be_retried(
    app: Flask, session: Session, tools: planning.Collaborators, rq_app: str, tmp_path: Path
) -> None:
    batch_id = checked_batch(session, tools, many_rows(30_000))
    batch = fresh(session, batch_id)
    assert jobs.submit(batch, jobs.COMMIT, ACTOR) == "rq"
    worker = start_worker(app, rq_app, tmp_path)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            progress = jobs.progress_store.get(batch_id)
            if progress and progress.get("step") == "commit" and int(progress.get("rows", 0)) >= 1000:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the worker never reported progress")
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work-horse, mid-commit
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)

    batch = fresh(session, batch_id)
    assert batch.status == ImportStatus.IMPORTING  # nobody has looked yet
    time.sleep(2.5)  # past JOB_STALE_SECONDS without a heartbeat
    assert runner.rq_job_state(batch.job_id)[0] == "started"  # as far as RQ knows, still running
    assert jobs.notice_lost_job(batch) is True
    batch = fresh(session, batch_id)
    assert batch.status == ImportStatus.FAILED and "stopped before it finished" in (batch.error or "")
    assert count(session, Provider) == 0  # its transaction died with it

    assert jobs.submit(batch, jobs.COMMIT, ACTOR) == "rq"  # "Try again"
    worker = start_worker(app, rq_app, tmp_path)
    assert worker.wait(timeout=120) == 0
    batch = fresh(session, batch_id)
    assert batch.status == ImportStatus.IMPORTED and count(session, Provider) == 30_000


# --- The disk fills while an upload is written -------------------------------------------------------------------


def test_a_full_disk_while_an_upload_is_written_gives_a_message_and_leaves_nothing(
    app: Flask,
    client,
    auth,
    knowsley: factories.CouncilSetup,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    factories.user(db.session, Role.OFFICER, email="officer@knowsley.example", council=knowsley.council)
    db.session.commit()
    auth.sign_in("officer@knowsley.example")
    folder = Path(app.config["UPLOAD_FOLDER"])
    before = set(folder.iterdir()) if folder.exists() else set()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    import io

    token = auth.csrf_token("/officer/imports/new")
    response = client.post(
        "/officer/imports/new",
        data={"csrf_token": token, "file": (io.BytesIO(csv_bytes([line(name="Full Disk Ltd")])), "suppliers.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "could not be saved on the server" in page and "There is a problem" in page
    assert set(folder.iterdir()) == before  # no partial file
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_full_disk_while_the_request_itself_is_spooled_gives_the_same_message(
    app: Flask,
    client,
    auth,
    knowsley: factories.CouncilSetup,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    factories.user(db.session, Role.OFFICER, email="officer@knowsley.example", council=knowsley.council)
    db.session.commit()
    auth.sign_in("officer@knowsley.example")
    token = auth.csrf_token("/officer/imports/new")
    from flask import Request

    def spool_fails(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Request, "_get_file_stream", spool_fails)  # where Werkzeug spools an uploaded file
    import io

    response = client.post(
        "/officer/imports/new",
        data={"csrf_token": token, "file": (io.BytesIO(b"name\nFull Disk Ltd\n"), "suppliers.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503  # a page that says so, not a bare server error
    assert "could not be saved on the server" in response.get_data(as_text=True)


def test_two_imports_committing_at_once_create_an_organisation_once(
    app: Flask, session: Session, tools: planning.Collaborators
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite allows one writer at a time anyway; the advisory lock is PostgreSQL's")
    data = csv_bytes([line(name="Twice Named Ltd", postcode="L36 9GD")])
    first, second = checked_batch(session, tools, data), checked_batch(session, tools, data)
    session.commit()
    written, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def commit(batch_id: int, hold: bool) -> None:
        with app.app_context():
            own_tools = planning.collaborators(db.session, tools.folder, jobs.SECTORS_FILE)
            batch = db.session.get(ImportBatch, batch_id)
            assert batch is not None
            results[str(batch_id)] = steps.commit(db.session, ACTOR, batch, own_tools, now=utcnow())
            if hold:
                written.set()
                release.wait(timeout=30)
            db.session.commit()

    one = threading.Thread(target=commit, args=(first, True))
    two = threading.Thread(target=commit, args=(second, False))
    one.start()
    try:
        assert written.wait(timeout=30)
        two.start()
        two.join(timeout=1.5)
        assert two.is_alive()  # waiting for the first import's transaction
    finally:
        release.set()  # whatever happened, let both finish before the tables are emptied
        one.join(timeout=30)
        if two.ident is not None:
            two.join(timeout=30)
    counts = results[str(second)]
    assert (counts.created, counts.unchanged) == (0, 1)  # type: ignore[attr-defined]
    assert count(session, Provider) == 1
