"""Signed-in sessions live on the server (issue 11, finding 9): signing out ends them for every copy of the cookie,
and they end by themselves after an idle time and a lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.domain.roles import Role
from app.domain.sessions import SessionEnd
from app.extensions import db
from app.models import AuditEvent, User, UserSession
from app.models.base import utcnow
from tests import factories
from tests.conftest import AuthActions


def _copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie, as a thief would."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain="localhost")
    return thief


def _sessions() -> list[UserSession]:
    db.session.remove()
    return list(db.session.scalars(select(UserSession).order_by(UserSession.id)))


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(
    app: Flask, client: FlaskClient, auth: AuthActions, officer: User
) -> None:
    assert auth.sign_in(officer.email).status_code == 302
    thief = _copy_of(app, client)
    assert thief.get("/officer/").status_code == 200  # the copy works while the session lives
    assert auth.sign_out().status_code == 302
    assert thief.get("/officer/").status_code == 302
    assert thief.get("/officer/").headers["Location"].startswith("/sign-in")
    [row] = _sessions()
    assert row.ended_at is not None and row.ended_reason == SessionEnd.SIGNED_OUT.value
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(officer.id))).all()
    assert "user.signed_out" in actions


def test_the_server_keeps_only_a_hash_of_the_token(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    auth.sign_in(officer.email)
    with client.session_transaction() as cookie:
        token = cookie["sid"]
    [row] = _sessions()
    assert row.user_id == officer.id and row.token_hash != token and token not in row.token_hash


def test_signing_in_again_starts_a_new_session(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    auth.sign_in(officer.email)
    auth.sign_out()
    auth.sign_in(officer.email)
    first, second = _sessions()
    assert first.ended_at is not None and second.ended_at is None
    assert client.get("/officer/").status_code == 200


def _age(**changes: object) -> None:
    db.session.execute(update(UserSession).values(**changes))
    db.session.commit()


def test_a_session_ends_after_the_idle_time(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    auth.sign_in(officer.email)
    _age(last_seen_at=utcnow() - timedelta(minutes=31))
    response = client.get("/officer/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out because you had not done anything for a while" in page
    assert client.get("/officer/").status_code == 302  # and it stays ended


def test_a_session_ends_after_its_lifetime_however_busy(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    auth.sign_in(officer.email)
    _age(created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow())
    assert client.get("/officer/").status_code == 302
    page = client.get("/sign-in").get_data(as_text=True)
    assert "You were signed out because you had been signed in for a long time" in page


def test_the_idle_time_and_lifetime_are_configurable(
    app: Flask, client: FlaskClient, auth: AuthActions, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 120)
    auth.sign_in(officer.email)
    _age(last_seen_at=utcnow() - timedelta(minutes=90))
    assert client.get("/officer/").status_code == 200
    monkeypatch.setitem(app.config, "SESSION_MAX_HOURS", 1)
    _age(created_at=utcnow() - timedelta(minutes=61))
    assert client.get("/officer/").status_code == 302


def test_using_the_service_keeps_a_session_alive(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    auth.sign_in(officer.email)
    stale = utcnow() - timedelta(minutes=20)
    _age(last_seen_at=stale)
    assert client.get("/officer/").status_code == 200
    [row] = _sessions()
    assert row.last_seen_at > stale + timedelta(minutes=19)


def test_a_cookie_without_a_live_session_is_signed_out(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    auth.sign_in(officer.email)
    with client.session_transaction() as cookie:
        del cookie["sid"]
    assert client.get("/officer/").status_code == 302


def test_another_users_session_token_does_not_sign_in_as_them(
    app: Flask, client: FlaskClient, auth: AuthActions, officer: User, knowsley: factories.CouncilSetup
) -> None:
    commissioner = factories.user(db.session, Role.COMMISSIONER, council=knowsley.council)
    db.session.commit()
    other = app.test_client()
    AuthActions(other).sign_in(commissioner.email)
    with other.session_transaction() as theirs:
        their_token = theirs["sid"]
    auth.sign_in(officer.email)
    with client.session_transaction() as mine:
        mine["sid"] = their_token
    assert client.get("/officer/").status_code == 302


def test_sign_out_everywhere_ends_every_session_on_the_server(
    app: Flask, client: FlaskClient, auth: AuthActions, officer: User
) -> None:
    other_browser = app.test_client()
    AuthActions(other_browser).sign_in(officer.email)
    auth.sign_in(officer.email)
    assert client.post("/sign-out-everywhere", data={"csrf_token": auth.csrf_token("/")}).status_code == 302
    rows = _sessions()
    assert len(rows) == 2
    assert {row.ended_reason for row in rows} == {SessionEnd.SIGNED_OUT_EVERYWHERE.value}
    assert other_browser.get("/officer/").status_code == 302
