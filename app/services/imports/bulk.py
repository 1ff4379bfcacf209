"""Many new rows written at the engine's own speed, in the session's transaction.

* PostgreSQL: ids reserved from the table's sequence in one statement, rows sent with COPY on the session's own
  connection (psycopg's ``cursor.copy``), so they commit or roll back with the rest of the import and its audit event.
  A multi-row INSERT is parsed again by psycopg and planned again by the server for each size of batch; COPY is not.
* SQLite: one INSERT prepared once and run with the driver's ``executemany`` over plain tuples. The ids are the next
  ones after the table's largest, as SQLite itself would give them (no table uses AUTOINCREMENT), which is safe
  because the transaction already holds SQLite's one write lock (see :func:`reserve_ids`).
* Any other engine: SQLAlchemy's executemany.

Values are converted exactly as the ORM would bind them (each column type's own bind processor: enums by value,
UTC datetimes, JSON), so a row stored here is the row the ORM would have stored. Columns the caller leaves out get
the database's default; columns with a default computed in Python (``created_at``) must be given, and are checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from app.models.driver import driver_of

Row = tuple[Any, ...]


class BulkTable:
    """One table's columns in a fixed order, with the conversions its column types need on this engine."""

    def __init__(self, table: Table, columns: Sequence[str], dialect: Dialect) -> None:
        missing = [
            c.name
            for c in table.columns
            if c.name not in columns and (c.default is not None or c.onupdate is not None) and not c.primary_key
        ]
        if missing:
            raise ValueError(f"{table.name}: give {', '.join(missing)} (their defaults are computed in Python)")
        self.table = table
        self.columns = tuple(columns)
        self.dialect = dialect
        self._processors: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(self.columns):
            processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._processors.append((index, processor))
        quote = dialect.identifier_preparer.quote
        self._names = ", ".join(quote(name) for name in self.columns)
        self._table_name = dialect.identifier_preparer.format_table(table)

    def bound(self, rows: Sequence[Row]) -> list[Row]:
        """The rows with every value as the driver takes it (the column types' bind processors applied)."""
        if not self._processors:
            return list(rows)
        columns = list(zip(*rows, strict=True))
        for index, processor in self._processors:
            columns[index] = tuple(_processed(columns[index], processor))
        return list(zip(*columns, strict=True))

    def write(self, session: Session, rows: Sequence[Row]) -> None:
        """Insert the rows (tuples in :attr:`columns` order) in the session's transaction."""
        if not rows:
            return
        connection = session.connection()
        if self.dialect.name == "postgresql" and self.dialect.driver == "psycopg":
            statement = f"COPY {self._table_name} ({self._names}) FROM STDIN"
            with driver_of(connection) as driver, driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in self.bound(rows):
                    copy.write_row(row)
        elif self.dialect.name == "sqlite":
            places = ", ".join("?" for _ in self.columns)
            # Names from the table's metadata, quoted; every value is bound.
            statement = f"INSERT INTO {self._table_name} ({self._names}) VALUES ({places})"  # noqa: S608
            connection.exec_driver_sql(statement, self.bound(rows))
        else:
            connection.execute(insert(self.table), [dict(zip(self.columns, row, strict=True)) for row in rows])


def _processed(values: Sequence[Any], processor: Callable[[Any], Any]) -> Sequence[Any]:
    """Each value through the processor, once per distinct value (an import's rows share their enums and times).

    A column holds values of one type (None aside), so no two of them are equal without being the same value."""
    try:
        done = {value: processor(value) for value in set(values)}
    except TypeError:  # not hashable (a JSON document)
        return [processor(value) for value in values]
    return [done[value] for value in values]


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new ids for ``table``, ascending, that no other row has or will be given.

    PostgreSQL: taken from the table's sequence in one statement, so the sequence moves on past them. SQLite: the
    next after the largest id, which is only safe once this transaction has written something (SQLite then holds
    its single write lock until the commit, so no one else can insert in between); the import's commit has
    (it clears the batch's issues first)."""
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        ids = session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": count},
        )
        return sorted(ids)
    largest = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(largest + 1, largest + count + 1))


def refresh_statistics(session: Session, tables: Sequence[Table]) -> None:
    """Tell PostgreSQL's planner how big the tables are now, part way through a large load.

    A register that was empty, or small, when its statistics were last gathered is planned as the small table it
    was: the import's own matching queries (sites at these postcodes, numbers among these) become scans of every
    row, once a chunk, growing with each chunk written (130 ms each at 100,000 providers instead of a few). ANALYZE
    runs inside the transaction and counts its own rows. SQLite's planner needs no statistics to use the indexes
    (and gathering them would change its plans everywhere), so nothing is done there."""
    if session.get_bind().dialect.name != "postgresql":
        return
    preparer = session.get_bind().dialect.identifier_preparer
    for table in tables:
        session.execute(text(f"ANALYZE {preparer.format_table(table)}"))


#: SQLite's page cache, in KiB, while an import runs (SQLite's default is 2 MB). The new rows go into the indexes of
#: a growing register at scattered places; with 2 MB most of those pages are read again from the operating system
#: for each chunk (inserting 100,000 providers with their offices and search documents: 19-27 s of CPU with 2 MB,
#: 14.5-16.7 s with 16 MB, 14-14.5 s with 64 MB).
SQLITE_CACHE_KB = 16 * 1024


@contextmanager
def larger_page_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache of :data:`SQLITE_CACHE_KB` on the session's connection while the block runs, then
    the connection's own again (it goes back to the pool). Nothing on other engines."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = session.connection()
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
    try:
        yield
    finally:
        if not connection.invalidated and not connection.closed:
            connection.exec_driver_sql(f"PRAGMA cache_size = {previous}")
