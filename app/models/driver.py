"""The database driver's own connection under SQLAlchemy's, for what SQLAlchemy has no statement for.

PostgreSQL's COPY (psycopg's ``cursor.copy``) and the postcode directory's bulk lookups on the driver's cursor run
below SQLAlchemy, which does not see what is done there: when that breaks the connection (the server ended the
session), :func:`driver_of` tells it, as it would have seen for itself, so the caller's rollback does not fail again
on the dead connection. One home for that rule: every use of the driver's connection goes through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection


@contextmanager
def driver_of(connection: Connection) -> Iterator[Any]:
    """The driver's connection under ``connection``; SQLAlchemy is told if it dies while in use."""
    driver = connection.connection.driver_connection
    try:
        yield driver
    except Exception as error:
        if getattr(driver, "broken", False) or getattr(driver, "closed", False):
            connection.invalidate(error)
        raise
