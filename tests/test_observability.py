"""Running it for real: /healthz, request ids and JSON log lines (`flask backup` is in tests/cli)."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import PostcodeRelease
from app.web.health import migration_heads
from app.web.request_log import JsonFormatter, RequestIdFilter


def stamp_head(session: Session) -> None:
    session.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"))
    session.execute(text("DELETE FROM alembic_version"))
    for head in migration_heads():
        session.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})


@pytest.fixture
def unstamp(session: Session):  # type: ignore[no-untyped-def]
    yield
    session.rollback()
    session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    session.commit()


def test_healthz_is_ok_when_migrated_and_the_directory_is_loaded(
    client: FlaskClient, session: Session, unstamp: None
) -> None:
    stamp_head(session)
    session.add(
        PostcodeRelease(
            name="ONSPD test",
            source_file="onspd.csv",
            source_format="latitude and longitude",
            sha256="0" * 64,
            active=True,
            row_count=3,
        )
    )
    session.commit()
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["checks"]["migrations"] == {
        "ok": True,
        "current": sorted(migration_heads()),
        "head": sorted(migration_heads()),
    }
    assert body["checks"]["postcodes"] == {"ok": True, "release": "ONSPD test", "postcodes": 3}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_says_which_check_fails(client: FlaskClient, session: Session, unstamp: None) -> None:
    response = client.get("/healthz")  # tables made without migrations, and no directory
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"]["ok"] is False and body["checks"]["migrations"]["current"] == []
    assert body["checks"]["postcodes"] == {"ok": False, "release": None, "postcodes": 0}


def test_healthz_when_the_database_is_gone(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    from app.web import health

    class Gone:
        """A database that refuses every connection."""

        class session:
            @staticmethod
            def execute(*args: object, **kwargs: object) -> None:
                raise OperationalError("SELECT 1", {}, Exception("connection refused"))

            @staticmethod
            def rollback() -> None:
                return None

    monkeypatch.setattr(health, "db", Gone)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] == {"ok": False, "error": "OperationalError"}
    assert checks["migrations"]["ok"] is False and checks["postcodes"]["ok"] is False


def test_a_request_id_is_made_or_passed_through(client: FlaskClient) -> None:
    made = client.get("/").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/").headers["X-Request-ID"]
    assert client.get("/", headers={"X-Request-ID": "proxy-abc-123"}).headers["X-Request-ID"] == "proxy-abc-123"
    unsafe = client.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"}).headers["X-Request-ID"]
    assert len(unsafe) == 32 and "script" not in unsafe  # not echoed: replaced by a new id


def test_access_lines_carry_the_request_id_and_format_as_json(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        client.get("/directory", headers={"X-Request-ID": "trace-0001-abcd"})
    [record] = [r for r in caplog.records if r.name == "app.access"]
    RequestIdFilter().filter(record)  # outside the request now: the id travelled on the record's extra fields
    line = json.loads(JsonFormatter().format(record))
    assert line["logger"] == "app.access" and line["message"] == "GET /directory 200"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/directory", 200)
    assert line["duration_ms"] >= 0 and line["user_id"] is None


def test_log_lines_inside_a_request_carry_its_id(app: Flask) -> None:
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "inside-request-01"
        record = logging.LogRecord("app.x", logging.WARNING, __file__, 1, "hello %s", ("world",), None)
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    assert line == {**line, "request_id": "inside-request-01", "message": "hello world", "level": "WARNING"}


def test_tokens_in_links_do_not_reach_the_access_log(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        client.get("/reset-password/secret-token-value-123")
    [record] = [r for r in caplog.records if r.name == "app.access"]
    assert "secret-token-value-123" not in record.getMessage()
    assert record.path == "/reset-password/<token>"  # type: ignore[attr-defined]
