"""People who sign in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.roles import Role
from app.models.base import Base, Timestamped, enum_type, utcnow
from app.models.geography import Council
from app.models.providers import Provider


class User(UserMixin, Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"), index=True)
    council_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[datetime | None]
    last_signed_in_at: Mapped[datetime | None]
    # Bumped when the password changes or the user signs out everywhere: old sessions and reset links die.
    session_version: Mapped[int] = mapped_column(default=1)

    provider: Mapped[Provider | None] = relationship()
    council: Mapped[Council | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in to inactive users
        return self.active

    def get_id(self) -> str:
        # The session stores the id with the version, so a password change ends other sessions.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(Base):
    """A signed-in session: the cookie carries a random id, the server keeps its hash and whether it is live."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # Why it ended (app.domain.sessions.SessionEnd); a session past its idle time or lifetime may not say yet.
    ended_reason: Mapped[str | None] = mapped_column(String(30))
    # The commissioner's shortlist in the making ({"council_id": ..., "provider_ids": [...]}), kept here and not in
    # the signed cookie, so an old copy of the cookie cannot bring back an old shortlist (app/services/shortlists.py).
    shortlist: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SignInThrottle(Base):
    """Failed sign-ins as one email address (kept as a hash), and how long sign-in as it is locked."""

    __tablename__ = "sign_in_throttles"

    email_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
