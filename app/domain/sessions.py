"""When a signed-in session ends by itself. Pure: no Flask, no database.

A session is a row on the server (the cookie carries only a random id, of which the server keeps a hash), so
signing out ends it for good: a copy of the cookie taken before is worthless. Besides signing out, a session ends
after ``idle`` without a request and, however busy, ``lifetime`` after signing in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SessionEnd(StrEnum):
    SIGNED_OUT = "signed_out"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - why a session ended, not a password
    IDLE = "idle"
    EXPIRED = "expired"

    @property
    def message(self) -> str:
        """What the person is told when they next ask for a page (for the ends they did not choose)."""
        return {
            SessionEnd.IDLE: "You were signed out because you had not done anything for a while. Sign in again",
            SessionEnd.EXPIRED: "You were signed out because you had been signed in for a long time. Sign in again",
        }.get(self, "Sign in to see that page")


def new_session_token() -> str:
    """The random id the cookie carries: 256 bits."""
    return secrets.token_urlsafe(32)


def session_token_hash(token: str) -> str:
    """What the server keeps: a hash, so a copy of the table gives nobody a working cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)
    # The last-seen time is written at most this often, so a busy page does not write on every request.
    touch_every: timedelta = timedelta(minutes=1)

    def __post_init__(self) -> None:
        if self.idle <= timedelta(0) or self.lifetime <= timedelta(0):
            raise ValueError("A session's idle time and lifetime must be more than zero")

    def ended_by_time(self, created_at: datetime, last_seen_at: datetime, now: datetime) -> SessionEnd | None:
        """Why a session that has not been ended has ended by itself by ``now``, or None while it lives."""
        if now - created_at >= self.lifetime:
            return SessionEnd.EXPIRED
        if now - last_seen_at >= self.idle:
            return SessionEnd.IDLE
        return None

    def needs_touch(self, last_seen_at: datetime, now: datetime) -> bool:
        return now - last_seen_at >= self.touch_every
