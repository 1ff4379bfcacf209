"""A spend file's import as a job (app.jobs.spend): started once, committed or failed with a message fit to show,
run again after a failure, its progress kept, and a job that can no longer finish noticed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.spend.lifecycle import SpendBatchStatus
from app.jobs import runner
from app.jobs import spend as jobs
from app.models import AuditEvent
from app.models.spend import Payment, SpendBatch
from app.services.spend import importing
from app.services.spend.importing import SpendRefused, batch_mapping, confirm_mapping
from tests.factories import CouncilSetup
from tests.services.spend.test_importing import ACTOR, APRIL, NOW, csv_bytes, upload


@pytest.fixture(autouse=True)
def _own_progress_store(monkeypatch: pytest.MonkeyPatch, app: Flask) -> Iterator[None]:
    """Jobs here report progress to a store of their own (batch ids are reused by the next test), in memory."""
    monkeypatch.setattr(jobs, "progress_store", runner.ProgressStore("spend"))
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    yield


@pytest.fixture(name="folder")
def folder_fixture(app: Flask) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def mapped(session: Session, knowsley: CouncilSetup, folder: Path, content: bytes | None = None) -> SpendBatch:
    """A batch uploaded and its columns confirmed, committed: ready to import."""
    batch = upload(session, knowsley, folder, content or csv_bytes(APRIL))
    confirm_mapping(session, batch, {f.value: i for f, i in batch_mapping(batch).items()}, ACTOR, NOW)
    session.commit()
    return batch


def fresh(session: Session, batch_id: int) -> SpendBatch:
    session.expire_all()
    return session.get_one(SpendBatch, batch_id)


def payments(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Payment)) or 0)


def test_an_inline_job_imports_the_file_and_keeps_its_progress(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    batch = mapped(session, knowsley, folder)
    assert jobs.submit(batch, ACTOR, inline=True) == runner.INLINE
    batch = fresh(session, batch.id)
    assert batch.status == SpendBatchStatus.IMPORTED and batch.counts["payments"] == 5
    assert batch.imported_by_id is None and batch.error is None
    progress = jobs.progress_store.get(batch.id)
    assert progress is not None and progress.pop("at") >= progress.pop("started") > 0
    assert progress == {"rows": 5, "total": 5, "fraction": 1.0}
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "spend.import"))
    assert event.actor_label == ACTOR.label


def test_an_import_is_started_once(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    batch = mapped(session, knowsley, folder)
    jobs.start(batch)
    assert fresh(session, batch.id).status == SpendBatchStatus.IMPORTING
    with pytest.raises(SpendRefused, match="being imported already"):
        jobs.start(fresh(session, batch.id))
    jobs.perform(batch.id, None, "test job")
    batch = fresh(session, batch.id)
    assert batch.status == SpendBatchStatus.IMPORTED
    with pytest.raises(SpendRefused, match="cannot be imported now: it is imported"):
        jobs.start(batch)
    jobs.perform(batch.id, None, "a stale job")  # a job left queued does nothing
    assert fresh(session, batch.id).status == SpendBatchStatus.IMPORTED and payments(session) == 5


def test_a_failing_job_marks_the_batch_failed_keeps_nothing_and_can_run_again(
    session: Session, knowsley: CouncilSetup, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = mapped(session, knowsley, folder).id

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database connection lost: password=hunter2")

    jobs.start(fresh(session, batch_id))
    with monkeypatch.context() as patch:
        patch.setattr(importing, "refresh_supplier_totals", broken)  # after the payments are written
        jobs.perform(batch_id, None, "test job")
    batch = fresh(session, batch_id)
    assert batch.status == SpendBatchStatus.FAILED
    assert batch.error == jobs.FAILED_MESSAGE and "hunter2" not in batch.error
    assert payments(session) == 0
    [failed] = session.scalars(select(AuditEvent).where(AuditEvent.action == "spend.failed"))
    assert failed.changes == {"error": jobs.FAILED_MESSAGE}

    jobs.submit(batch, ACTOR, inline=True)
    batch = fresh(session, batch_id)
    assert batch.status == SpendBatchStatus.IMPORTED and batch.error is None and payments(session) == 5


def test_a_refusal_during_the_job_is_shown_as_it_is(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    batch = mapped(session, knowsley, folder)
    (folder / str(batch.stored_file)).write_bytes(b"something else")
    try:
        jobs.submit(batch, ACTOR, inline=True)
        batch = fresh(session, batch.id)
        assert batch.status == SpendBatchStatus.FAILED
        assert batch.error == "The stored file is not the one that was uploaded. Upload it again"
    finally:
        (folder / str(batch.stored_file)).unlink()


def test_a_job_whose_thread_is_gone_is_noticed_and_failed(
    session: Session, knowsley: CouncilSetup, folder: Path, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = mapped(session, knowsley, folder)
    assert not jobs.job_is_lost(batch)  # not importing
    jobs.start(batch)
    batch = fresh(session, batch.id)
    batch.job_id = runner.thread_job_id()  # this process ran it, and no thread of it is running it now
    session.commit()
    monkeypatch.setitem(app.config, "JOB_STALE_SECONDS", 300)
    jobs.progress_store.set(batch.id, {"rows": 10, "at": time.time()})
    assert not jobs.job_is_lost(batch)  # it sent progress a moment ago
    jobs.progress_store.set(batch.id, {"rows": 10, "at": time.time() - 301})
    assert jobs.job_is_lost(batch)
    assert jobs.notice_lost_job(batch)
    batch = fresh(session, batch.id)
    assert batch.status == SpendBatchStatus.FAILED and batch.error == jobs.STOPPED_MESSAGE
    assert not jobs.notice_lost_job(batch)


@pytest.mark.commits
def test_a_thread_job_imports_the_file(
    app: Flask, session: Session, knowsley: CouncilSetup, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "JOB_RUNNER", runner.THREAD)
    batch = mapped(session, knowsley, folder)
    assert jobs.submit(batch, ACTOR) == runner.THREAD
    deadline = time.time() + 30
    while time.time() < deadline:
        batch = fresh(session, batch.id)
        if batch.status != SpendBatchStatus.IMPORTING:
            break
        time.sleep(0.05)
    assert batch.status == SpendBatchStatus.IMPORTED, batch.error
    assert batch.job_id is not None and batch.job_id.startswith("thread:")
    assert not jobs.job_is_lost(batch)
    assert payments(session) == 5
