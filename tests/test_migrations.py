"""Migrations: an empty database upgraded to head matches the models, there is one head, and downgrade works."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SAWarning

from app import create_app
from app.config import PROJECT_ROOT, normalise_database_url
from app.extensions import db
from migrations.env_support import include_name


def _empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh empty database on the engine the suite runs on (SQLite file or a PostgreSQL database)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or base.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = make_url(normalise_database_url(base))
    name = f"{url.database}_migrations"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrated_app(tmp_path: Path) -> Iterator[Flask]:
    for url in _empty_database_url(tmp_path):
        app = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def test_there_is_one_head() -> None:
    heads = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_heads()
    assert len(heads) == 1, f"more than one migration head: {heads}"


def test_upgrade_from_empty_matches_the_models_and_downgrades(migrated_app: Flask) -> None:
    upgrade()
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite's reflection skips expression indexes (the directory's lower(name) order) with a warning; the
        # filter below leaves them out of the comparison on both engines anyway.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", SAWarning)
        skipped = "autogenerate skipping metadata-specified expression-based index"
        warnings.filterwarnings("ignore", skipped, UserWarning)
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
    # compare_metadata does not apply env.py's filters, so apply the same rule here.
    diff = [d for d in diff if all(include_name(getattr(part, "name", None), "any", None) for part in d[1:])]
    assert diff == [], f"the models and the migrations differ: {diff}"
    downgrade(revision="base")
    remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
