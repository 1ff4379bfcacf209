"""The shortlist in the making: providers chosen on any results page, kept on the server with the signed-in session.

Kept on the server, not in the page or the cookie, so a choice survives a change of page or filter without
JavaScript, an old copy of the cookie cannot bring back an old shortlist, and nothing the browser sends is trusted:
every choice is checked against a search the server runs again, when it is added and when the record is saved.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import session

from app.extensions import db
from app.models import Council
from app.services import shortlists
from app.web.sessions import SESSION_TOKEN_KEY


def chosen(council: Council) -> tuple[int, ...]:
    """The provider ids chosen so far for this council (none after a sign-in to another council)."""
    return shortlists.chosen(db.session, session.get(SESSION_TOKEN_KEY), council.id)


def keep(council: Council, provider_ids: Sequence[int]) -> None:
    """Keep the shortlist with the session; the view commits."""
    shortlists.keep(db.session, session.get(SESSION_TOKEN_KEY), council.id, provider_ids)


def forget(council: Council) -> None:
    """The record is saved: start the next shortlist empty (in the same transaction as the record)."""
    keep(council, ())
