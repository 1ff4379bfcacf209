"""One connection for every session of a test, in a transaction rolled back at its end.

The test's own session, each request's session and the Session app/web opens to record that a signed-in session
was used all join one transaction, each in a SAVEPOINT of its own (``join_transaction_mode="create_savepoint"``),
so commits and rollbacks behave as in production while nothing reaches the next test.

Savepoints nest, where sessions on their own connections would not: a session that has only read, holding its
savepoint open while a request commits inside it, would take the request's work with it when it is closed
(``ROLLBACK TO SAVEPOINT``). So a savepoint that another session committed changes inside, and that changed
nothing itself, is released instead of rolled back, which is what separate connections would have given. When it
did change something too, no single transaction can give both outcomes: that is recorded in ``problems`` and
the test should be marked ``commits``; so should a test whose sessions run in another thread, which is refused.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import URL, Connection, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

# The first word of statements that change nothing (everything else counts as a change).
_READS = frozenset({"SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "PRAGMA", "SHOW", "SET", "BEGIN", "EXPLAIN"})


@dataclass
class Savepoint:
    name: str
    #: A session's own transaction, rather than a begin_nested() inside one.
    joined: bool = False
    #: Statements that change data ran while it was the innermost savepoint (or a nested one released into it).
    changed: bool = False
    #: Another session committed changes inside it.
    holds_others: bool = False


class SharedConnection(Connection):
    """A connection that knows which savepoints hold other sessions' committed work (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.savepoints: list[Savepoint] = []
        #: What this connection could not do as separate connections would have: the test should be marked commits.
        self.problems: list[str] = []
        self._thread = threading.get_ident()
        event.listen(self, "before_cursor_execute", self._before_execute)
        event.listen(Session, "after_begin", self._session_began)

    @property
    def url(self) -> URL:
        """The engine's URL: app code reads ``db.engine.url``, and db.engine is this connection during a test."""
        return self.engine.url

    def close(self) -> None:
        event.remove(Session, "after_begin", self._session_began)
        super().close()

    def _before_execute(self, conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if threading.get_ident() != self._thread:
            # One DBAPI connection is not to be shared between threads (and the other thread's work would be rolled
            # back with the test's); the thread may swallow the error, so it is recorded for the test too.
            self.problems.append(f"a statement from another thread ({threading.current_thread().name})")
            raise RuntimeError("the test's connection was used from another thread: mark the test commits")
        words = statement.lstrip().split(None, 1)
        if self.savepoints and words and words[0].upper() not in _READS:
            self.savepoints[-1].changed = True

    def _session_began(self, session: Session, transaction: SessionTransaction, connection: Connection) -> None:
        if connection is self and not transaction.nested and self.savepoints:
            self.savepoints[-1].joined = True

    def _pop(self, name: str) -> Savepoint:
        # Savepoints inside ``name`` were ended by SQLAlchemy without a statement of their own.
        while True:
            savepoint = self.savepoints.pop()
            if savepoint.name == name:
                return savepoint

    def _savepoint_impl(self, name: str | None = None) -> str:
        name = super()._savepoint_impl(name)
        self.savepoints.append(Savepoint(name))
        return name

    def _release_savepoint_impl(self, name: str) -> None:
        super()._release_savepoint_impl(name)
        released = self._pop(name)
        if self.savepoints:
            outer = self.savepoints[-1]
            if released.joined:
                outer.holds_others |= released.changed or released.holds_others
            else:
                outer.changed |= released.changed
                outer.holds_others |= released.holds_others

    def _rollback_to_savepoint_impl(self, name: str) -> None:
        savepoint = next(s for s in reversed(self.savepoints) if s.name == name)
        if savepoint.holds_others and not savepoint.changed:
            try:
                self._release_savepoint_impl(name)
                return
            except DBAPIError:  # PostgreSQL after a failed statement: only a rollback is accepted
                pass
        if savepoint.holds_others:
            self.problems.append(
                f"a session rolled back its own changes ({name}) after another session had committed inside its "
                "transaction, which one shared transaction cannot reproduce"
            )
        super()._rollback_to_savepoint_impl(name)
        self._pop(name)
