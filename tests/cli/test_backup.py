"""`flask backup`: a checked copy of a SQLite database; PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text


def test_flask_backup_copies_a_sqlite_database(tmp_path: Path) -> None:
    from app import create_app
    from app.extensions import db

    source = tmp_path / "live.db"
    app = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{source}"})
    with app.app_context():
        db.session.execute(text("CREATE TABLE things (name TEXT)"))
        db.session.execute(text("INSERT INTO things VALUES ('kept')"))
        db.session.commit()
        db.engine.dispose()
    target = tmp_path / "copies" / "backup.db"
    with app.app_context():  # as `flask` itself gives every command
        result = app.test_cli_runner().invoke(args=["backup", "--to", str(target)])
        again = app.test_cli_runner().invoke(args=["backup", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert "checked" in result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT name FROM things").fetchall() == [("kept",)]
    assert again.exit_code != 0 and "exists already" in again.output


def test_flask_backup_points_postgresql_to_pg_dump(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs the PostgreSQL run")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code != 0 and "pg_dump" in result.output
