"""The sign-in lockout through the real pages: it locks an address (known or not, alike) after repeated failures,
lifts by itself, never locks the owner out of a browser they have signed in on, and a password reset lifts it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.domain.passwords import email_key
from app.extensions import db, limiter
from app.models import AuditEvent, OutboxEmail, SignInThrottle, User
from app.models.base import utcnow
from tests.conftest import AuthActions

EMAIL = "officer@knowsley.example"
LOCKED = "There have been too many attempts to sign in with this email address"


@pytest.fixture(autouse=True)
def _no_address_limit(app: Flask) -> None:
    """These tests count failures per email address, not the per-address-of-the-client rate limit."""
    limiter.enabled = False
    yield
    limiter.enabled = True


def fail(auth: AuthActions, email: str, times: int) -> str:
    page = ""
    for _ in range(times):
        page = auth.sign_in(email, "not the password at all").get_data(as_text=True)
    return page


def test_five_failures_lock_the_address_even_for_the_right_password(
    client: FlaskClient, auth: AuthActions, officer: User
) -> None:
    assert LOCKED not in fail(auth, EMAIL, 4)
    page = fail(auth, EMAIL, 1)
    assert LOCKED in page and "Try again in 15 minutes, or reset your password" in page
    response = auth.sign_in(EMAIL)  # the right password, but locked: not even checked
    assert response.status_code == 400 and LOCKED in response.get_data(as_text=True)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.sign_in_locked")).all()
    assert [e.entity_id for e in events] == [str(officer.id)]


def test_an_unknown_address_locks_the_same_way_so_the_lock_reveals_nothing(
    client: FlaskClient, auth: AuthActions, session: object
) -> None:
    page = fail(auth, "nobody@knowsley.example", 5)
    assert LOCKED in page
    assert db.session.get(SignInThrottle, email_key("nobody@knowsley.example")) is not None
    assert db.session.scalars(select(SignInThrottle.email_key)).all() == [email_key("nobody@knowsley.example")]


def test_the_lock_lifts_by_itself(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    fail(auth, EMAIL, 5)
    throttle = db.session.get(SignInThrottle, email_key(EMAIL))
    assert throttle is not None
    throttle.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert auth.sign_in(EMAIL).status_code == 302
    db.session.expire_all()
    assert db.session.get(SignInThrottle, email_key(EMAIL)) is None  # a success clears the count


def test_the_owners_usual_browser_is_not_locked_out_by_someone_else(app: Flask, officer: User) -> None:
    owner, attacker = app.test_client(), app.test_client()
    owner_auth, attacker_auth = AuthActions(owner), AuthActions(attacker)
    assert owner_auth.sign_in(EMAIL).status_code == 302  # the browser gets the device cookie
    owner_auth.sign_out()
    assert LOCKED in fail(attacker_auth, EMAIL, 5)
    assert attacker_auth.sign_in(EMAIL).status_code == 400  # a new browser stays locked out
    assert owner_auth.sign_in(EMAIL).status_code == 302  # the owner's browser signs in


def test_a_forged_device_cookie_does_not_lift_the_lock(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    fail(auth, EMAIL, 5)
    client.set_cookie("lsr_device", "forged-value", domain="localhost")
    assert auth.sign_in(EMAIL).status_code == 400


def test_a_password_reset_lifts_the_lock(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    fail(auth, EMAIL, 5)
    client.post("/forgot-password", data={"email": EMAIL, "csrf_token": auth.csrf_token("/forgot-password")})
    mail = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert mail is not None
    link = re.search(r"http://localhost(/reset-password/\S+)", mail.body)
    assert link is not None
    path = link.group(1)
    new_password = "a brand new passphrase"
    response = client.post(
        path,
        data={"password": new_password, "confirm": new_password, "csrf_token": auth.csrf_token(path)},
    )
    assert response.status_code == 302
    assert auth.sign_in(EMAIL, new_password).status_code == 302


def test_signing_out_everywhere_withdraws_a_browsers_exemption(app: Flask, officer: User) -> None:
    owner, attacker = app.test_client(), app.test_client()
    owner_auth, attacker_auth = AuthActions(owner), AuthActions(attacker)
    assert owner_auth.sign_in(EMAIL).status_code == 302
    owner.post("/sign-out-everywhere", data={"csrf_token": owner_auth.csrf_token("/")})
    assert LOCKED in fail(attacker_auth, EMAIL, 5)
    assert owner_auth.sign_in(EMAIL).status_code == 400  # the old device cookie no longer counts


def test_failures_are_counted_in_the_database(session: object, officer: User) -> None:
    from app.services import accounts

    for _ in range(4):
        assert accounts.attempt_sign_in(db.session, EMAIL, "wrong password here", utcnow()).locked_until is None
    db.session.commit()
    throttle = db.session.get(SignInThrottle, email_key(EMAIL))
    assert throttle is not None and throttle.failures == 4
    assert accounts.attempt_sign_in(db.session, EMAIL, "wrong password here", utcnow()).locked_until is not None
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(SignInThrottle, email_key(EMAIL)).failures == 0  # type: ignore[union-attr]
