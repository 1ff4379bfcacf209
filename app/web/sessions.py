"""Signed-in sessions: the user loader that checks the server-side session, and marking a session as used."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, flash, g
from flask import session as flask_session
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.domain.sessions import SessionEnd, SessionPolicy
from app.extensions import db, login_manager
from app.models import User
from app.models.base import utcnow
from app.services import accounts

#: Where the cookie keeps the server-side session's token.
SESSION_TOKEN_KEY = "sid"  # noqa: S105 - a key in the session, not a secret


def session_policy() -> SessionPolicy:
    """How long a session may sit idle and live in all, from SESSION_IDLE_MINUTES and SESSION_MAX_HOURS."""
    config = current_app.config
    return SessionPolicy(
        idle=timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
        lifetime=timedelta(hours=int(config["SESSION_MAX_HOURS"])),
    )


def signed_in_user() -> User:
    """The signed-in user itself, not Flask-Login's proxy, for the services that take a User (pages behind sign-in)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user, while their session is live on the server (see app/domain/sessions.py).

    The cookie carries 'id:version' and the session's token: a bumped version (password change, sign out
    everywhere) or a session ended on the server (signed out, idle, past its lifetime) signs the browser out.
    """
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
        version = int(raw_version)
    except ValueError:
        return None
    if user is None or user.session_version != version or not user.active:
        return None
    now = utcnow()
    policy = session_policy()
    check = accounts.check_session(db.session, flask_session.get(SESSION_TOKEN_KEY), user, policy, now)
    if check.live is None:
        flask_session.pop("_user_id", None)
        flask_session.pop(SESSION_TOKEN_KEY, None)
        if check.ended in (SessionEnd.IDLE, SessionEnd.EXPIRED):
            flash(check.ended.message, "info")  # shown on the next page, the sign-in page for a page that needs it
        return None
    if policy.needs_touch(check.live.last_seen_at, now):
        g.touch_session_id = check.live.id
    return user


def touch_session(response: Response) -> Response:
    """Record that a live session was used, in a transaction of its own once the view is done (see load_user).

    Only for answers that succeeded: the view's own work is committed by then, so nothing of it is caught up here.
    """
    session_id = g.pop("touch_session_id", None)
    if session_id is None or response.status_code >= 400:
        return response
    try:
        with Session(db.engine) as own:
            accounts.touch_session(own, session_id, utcnow())
            own.commit()
    except SQLAlchemyError:  # a missed touch only shortens the idle time by a minute: never fail the page
        current_app.logger.warning("could not record that session %s was used", session_id, exc_info=True)
    return response


def init_app(app: Flask) -> None:
    """Flask-Login's settings (where to send someone who must sign in, and what to tell them); session touching."""
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.after_request(touch_session)
