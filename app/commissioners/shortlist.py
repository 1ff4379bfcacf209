"""The shortlist in the making: providers chosen on any results page, kept in the user's session.

Kept on the server side of the page, not in the page, so a choice survives a change of page or filter
without JavaScript, and nothing the browser sends is trusted: every choice is checked against a search the
server runs again, when it is added and when the record is saved.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import session

from app.models import Council

SESSION_KEY = "shortlist"


def chosen(council: Council) -> tuple[int, ...]:
    """The provider ids chosen so far for this council (none after a sign-in to another council)."""
    kept = session.get(SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("council_id") != council.id:
        return ()
    return tuple(i for i in kept.get("provider_ids", []) if isinstance(i, int))


def keep(council: Council, provider_ids: Sequence[int]) -> None:
    if provider_ids:
        session[SESSION_KEY] = {"council_id": council.id, "provider_ids": list(provider_ids)}
    else:
        session.pop(SESSION_KEY, None)


def forget() -> None:
    """The record is saved: start the next shortlist empty."""
    session.pop(SESSION_KEY, None)
