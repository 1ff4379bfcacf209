"""Flask extensions, created once and bound to an app with ``init_app``."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# How much of a SQLite file each connection reads through a memory mapping (see _sqlite_settings).
SQLITE_MMAP_BYTES = 1 << 30


@event.listens_for(Engine, "connect")
def _sqlite_settings(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite files in WAL mode, so pages keep reading while an import job writes; wait, don't fail, on a lock; the
    file mapped into memory for reading."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            # Reads from up to 1 GB of the file through a memory mapping instead of a system call and a copy into
            # SQLite's own 2 MB page cache per page: bulk postcode lookups ran 1.5x as fast. It is address space,
            # not memory: the pages are the operating system's file cache, shared by every connection and process
            # and given back under pressure, so a web worker or a test's connection costs no more resident memory
            # for it. (SQLite caps it at its compiled-in maximum; writes still go through the WAL as before.)
            cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cursor.close()
