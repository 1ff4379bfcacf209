"""How the postcode directory is stored: on SQLite a table WITHOUT ROWID (the primary key is the table), no index on
the outcode on either engine, migration 0014 moving a loaded directory there and back, and SQLite files read through
a memory mapping."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import Connection, inspect, text
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import SQLITE_MMAP_BYTES, db
from app.geo.postcode_directory import PostcodeStore
from tests import test_migrations

#: The migration tests' fixture: an app on an empty database of each engine.
migrated_app = test_migrations.migrated_app

BEFORE = "0013_search_at_scale"
ROWS = [
    ("L36 9GD", "L36", 53.410696, -2.84173, "E08000011", "E05010942", False),
    ("L1 0AA", "L1", 53.4, -2.98, "E08000012", None, None),
    ("GY1 1AA", "GY1", None, None, None, None, True),
]


def _postcodes_ddl(connection: Connection) -> str:
    return str(connection.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'postcodes'")))


def _indexes(connection: Connection) -> set[str]:
    return {str(index["name"]) for index in inspect(connection).get_indexes("postcodes")}


def _rows(connection: Connection) -> list[tuple[object, ...]]:
    query = (
        "SELECT postcode, outcode, latitude, longitude, district_code, ward_code, terminated "
        "FROM postcodes WHERE release_id = 1 ORDER BY postcode"
    )
    return [(*row[:6], None if row[6] is None else bool(row[6])) for row in connection.execute(text(query))]


def test_the_models_make_the_postcodes_table_without_rowid_an_outcode_index_or_a_foreign_key(session: Session) -> None:
    connection = session.connection()
    assert "ix_postcodes_release_outcode" not in _indexes(connection)
    assert inspect(connection).get_foreign_keys("postcodes") == []
    if connection.dialect.name == "sqlite":
        assert "WITHOUT ROWID" in _postcodes_ddl(connection).upper()


def test_migration_0014_keeps_a_loaded_directory_and_gives_it_back_on_downgrade(migrated_app: Flask) -> None:
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO postcode_releases (id, name, source_file, sha256, source_format, row_count, "
                "with_coordinates, with_wards, active, loaded_at) VALUES (1, 'test', 'test.csv', 'x', "
                "'latitude and longitude', 3, 2, 1, :active, CURRENT_TIMESTAMP)"
            ),
            {"active": True},
        )
        connection.execute(
            text(
                "INSERT INTO postcodes (release_id, postcode, outcode, latitude, longitude, district_code, ward_code, "
                "terminated) VALUES (1, :p, :o, :lat, :lon, :d, :w, :t)"
            ),
            [dict(zip(("p", "o", "lat", "lon", "d", "w", "t"), row, strict=True)) for row in ROWS],
        )
        assert "ix_postcodes_release_outcode" in _indexes(connection)
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            assert "WITHOUT ROWID" not in _postcodes_ddl(connection).upper()

    upgrade()
    with db.engine.connect() as connection:
        assert _rows(connection) == sorted(ROWS)
        assert "ix_postcodes_release_outcode" not in _indexes(connection)
        if sqlite:
            ddl = _postcodes_ddl(connection).upper()
            assert "WITHOUT ROWID" in ddl and "PK_POSTCODES" in ddl
        assert inspect(connection).get_foreign_keys("postcodes") == []
        # The store reads it as before.
        found = PostcodeStore(db.session).lookup_many(["L36 9GD", "GY1 1AA", "L36 9ZZ"])
        assert sorted(found) == ["GY1 1AA", "L36 9GD"] and found["L36 9GD"].ward_code == "E05010942"
        db.session.rollback()

    downgrade(revision=BEFORE)
    with db.engine.connect() as connection:
        assert _rows(connection) == sorted(ROWS)
        assert "ix_postcodes_release_outcode" in _indexes(connection)
        (foreign_key,) = inspect(connection).get_foreign_keys("postcodes")
        assert foreign_key["referred_table"] == "postcode_releases" and foreign_key["options"]["ondelete"] == "CASCADE"
        if sqlite:
            assert "WITHOUT ROWID" not in _postcodes_ddl(connection).upper()
    downgrade(revision="base")


def test_a_sqlite_file_is_read_through_a_memory_mapping(tmp_path: Path) -> None:
    app = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'mapped.db'}"})
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                assert connection.scalar(text("PRAGMA mmap_size")) == SQLITE_MMAP_BYTES
        finally:
            db.engine.dispose()
