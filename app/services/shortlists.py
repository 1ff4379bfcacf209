"""The commissioner's shortlist in the making, kept with their signed-in session on the server.

Keyed by the session's token (only its hash is stored), so the shortlist ends with the session, and the cookie
carries nothing but the token: an old copy of the cookie cannot bring back an old shortlist.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.sessions import session_token_hash
from app.models import UserSession


def _live(session: Session, token: str | None) -> UserSession | None:
    if not token:
        return None
    return session.scalar(
        select(UserSession).where(UserSession.token_hash == session_token_hash(token), UserSession.ended_at.is_(None))
    )


def chosen(session: Session, token: str | None, council_id: int) -> tuple[int, ...]:
    """The provider ids chosen so far in this session for this council (none for another council's)."""
    row = _live(session, token)
    kept = row.shortlist if row is not None else None
    if not isinstance(kept, dict) or kept.get("council_id") != council_id:
        return ()
    return tuple(i for i in kept.get("provider_ids", []) if isinstance(i, int))


def keep(session: Session, token: str | None, council_id: int, provider_ids: Sequence[int]) -> None:
    """Keep the shortlist (an empty one is kept as none); flushes, the caller commits."""
    row = _live(session, token)
    if row is None:
        return
    row.shortlist = {"council_id": council_id, "provider_ids": list(provider_ids)} if provider_ids else None
    session.flush()
