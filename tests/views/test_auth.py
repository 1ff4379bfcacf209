"""Signing in and out, rate limiting, CSRF and password resets through the real pages."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.domain.roles import Role
from app.extensions import db
from app.models import AuditEvent, OutboxEmail, User
from tests import factories
from tests.conftest import AuthActions


@pytest.fixture
def officer(knowsley: factories.CouncilSetup) -> User:
    user = factories.user(db.session, Role.OFFICER, email="officer@knowsley.example", council=knowsley.council)
    db.session.commit()
    return user


def test_sign_in_lands_on_the_role_home_and_renews_the_session(
    client: FlaskClient, auth: AuthActions, officer: User
) -> None:
    client.get("/sign-in")
    with client.session_transaction() as before:
        before["planted"] = "attacker"
    response = auth.sign_in("Officer@Knowsley.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/officer/"
    with client.session_transaction() as after:
        assert "planted" not in after
    page = client.get("/officer/").get_data(as_text=True)
    assert "Signed in as" in page and "officer@knowsley.example" in page


def test_wrong_password_and_unknown_email_get_the_same_message(
    client: FlaskClient, auth: AuthActions, officer: User
) -> None:
    wrong_password = auth.sign_in("officer@knowsley.example", "not the password")
    unknown_email = auth.sign_in("nobody@knowsley.example", "not the password")
    assert wrong_password.status_code == unknown_email.status_code == 400
    for response in (wrong_password, unknown_email):
        page = response.get_data(as_text=True)
        assert "There is a problem" in page
        assert "Enter a correct email address and password" in page
        assert "<title>Error: Sign in" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "", "password": "x"}, "Enter your email address"),
        ({"email": "not-an-email", "password": "x"}, "Enter an email address in the correct format"),
        ({"email": "a@example.com", "password": ""}, "Enter your password"),
    ],
)
def test_sign_in_field_errors(client: FlaskClient, auth: AuthActions, data: dict[str, str], message: str) -> None:
    response = client.post("/sign-in", data={**data, "csrf_token": auth.csrf_token()})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="govuk-error-summary' in page


def test_next_only_follows_local_paths(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    token = auth.csrf_token()
    response = client.post(
        "/sign-in?next=https://evil.example/steal",
        data={"email": officer.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/officer/"
    signed_out = auth.sign_out()
    assert signed_out.status_code == 302, signed_out.get_data(as_text=True)[:3000]
    response = client.post(
        "/sign-in?next=/commissioner/",
        data={"email": officer.email, "password": factories.PASSWORD, "csrf_token": auth.csrf_token()},
    )
    assert response.headers["Location"] == "/commissioner/"


def test_the_eleventh_failed_sign_in_in_a_minute_is_refused(
    client: FlaskClient, auth: AuthActions, officer: User
) -> None:
    token = auth.csrf_token()
    statuses = [
        client.post("/sign-in", data={"email": officer.email, "password": "wrong", "csrf_token": token}).status_code
        for _ in range(10)
    ]
    assert statuses == [400] * 10
    refused = client.post(
        "/sign-in", data={"email": officer.email, "password": factories.PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 429
    assert "You have tried to sign in too many times" in refused.get_data(as_text=True)


def test_successful_sign_ins_do_not_count_towards_the_limit(
    client: FlaskClient, auth: AuthActions, officer: User
) -> None:
    for _ in range(12):
        assert auth.sign_in(officer.email).status_code == 302
        auth.sign_out()


def test_post_without_csrf_token_gets_the_form_expired_page(client: FlaskClient, officer: User) -> None:
    response = client.post("/sign-in", data={"email": officer.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with this form" in page
    assert "Traceback" not in page


def test_sign_out_needs_a_post_with_a_token(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    auth.sign_in(officer.email)
    assert client.post("/sign-out").status_code == 400  # no CSRF token: still signed in
    assert client.get("/officer/").status_code == 200
    assert auth.sign_out().status_code == 302
    assert client.get("/officer/").status_code == 302


def test_sign_out_everywhere_ends_other_sessions(app, auth: AuthActions, officer: User) -> None:  # type: ignore[no-untyped-def]
    other_browser = app.test_client()
    AuthActions(other_browser).sign_in(officer.email)
    auth.sign_in(officer.email)
    response = auth.client.post("/sign-out-everywhere", data={"csrf_token": auth.csrf_token("/")})
    assert response.status_code == 302
    assert other_browser.get("/officer/").status_code == 302


def _reset_link() -> str:
    message = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert message is not None
    match = re.search(r"http://localhost(/reset-password/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_by_emailed_link(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    response = client.post(
        "/forgot-password", data={"email": officer.email, "csrf_token": auth.csrf_token("/forgot-password")}
    )
    assert response.headers["Location"] == "/forgot-password/check-your-email"
    link = _reset_link()
    page = client.get(link)
    assert page.status_code == 200
    token = auth.csrf_token(link)
    mismatch = client.post(link, data={"password": "a new long password", "confirm": "different", "csrf_token": token})
    assert mismatch.status_code == 400
    assert "The passwords do not match" in mismatch.get_data(as_text=True)
    short = client.post(link, data={"password": "short", "confirm": "short", "csrf_token": token})
    assert "Password must be 10 characters or more" in short.get_data(as_text=True)
    done = client.post(
        link, data={"password": "a new long password", "confirm": "a new long password", "csrf_token": token}
    )
    assert done.headers["Location"] == "/sign-in"
    assert auth.sign_in(officer.email, factories.PASSWORD).status_code == 400
    assert auth.sign_in(officer.email, "a new long password").status_code == 302
    used_again = client.get(link)
    assert used_again.status_code == 400
    assert "already been used" in used_again.get_data(as_text=True)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(officer.id))).all()
    assert {"user.password_reset_requested", "user.password_reset"} <= set(actions)


def test_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(
    client: FlaskClient, auth: AuthActions, session
) -> None:
    response = client.post(
        "/forgot-password",
        data={"email": "nobody@example.com", "csrf_token": auth.csrf_token("/forgot-password")},
    )
    assert response.headers["Location"] == "/forgot-password/check-your-email"
    assert db.session.scalars(select(OutboxEmail)).all() == []
