"""Signing in and out, rate limiting, CSRF and password resets through the real pages."""

from __future__ import annotations

import logging
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, OutboxEmail, User
from tests import factories
from tests.conftest import AuthActions


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


# Issue 11, finding 10: no account enumeration, and mail that cannot be sent without limit.


def _create_account(client: FlaskClient, auth: AuthActions, email: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/create-account",
        data={
            "full_name": "Someone",
            "email": email,
            "password": "a long password here",
            "confirm": "a long password here",
            "csrf_token": auth.csrf_token("/create-account"),
        },
    )


def _normalised(page: str, email: str) -> str:
    page = re.sub(r'nonce="[^"]+"', "", page.replace(email, "EMAIL"))
    return re.sub(r'name="csrf_token" (?:type="hidden" )?value="[^"]+"', "", page)


def test_create_account_answers_the_same_for_an_address_that_has_an_account(
    app, client: FlaskClient, auth: AuthActions, officer: User
) -> None:  # type: ignore[no-untyped-def]
    fresh_browser = app.test_client()
    new = _create_account(fresh_browser, AuthActions(fresh_browser), "new.person@example.com")
    taken = _create_account(client, auth, "Officer@Knowsley.example")
    assert new.status_code == taken.status_code == 302
    assert new.headers["Location"] == taken.headers["Location"] == "/create-account/check-your-email"
    new_page = fresh_browser.get(new.headers["Location"]).get_data(as_text=True)
    taken_page = client.get(taken.headers["Location"]).get_data(as_text=True)
    assert "already exists" not in taken_page
    assert _normalised(new_page, "new.person@example.com") == _normalised(taken_page, "officer@knowsley.example")
    # Nobody is signed in by either answer; no second account is made for the taken address.
    assert client.get("/officer/").status_code == 302
    assert fresh_browser.get("/provider/").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == officer.email)) == 1


def test_the_owner_of_a_taken_address_is_told_instead(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    _create_account(client, auth, officer.email)
    messages = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == officer.email)).all()
    assert [m.subject for m in messages] == ["Someone tried to create an account with your email address"]
    body = messages[0].body
    assert "http://localhost/sign-in" in body and "http://localhost/forgot-password" in body
    assert "confirm-email" not in body
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(officer.id))).all()
    assert "user.account_creation_attempted" in actions


def test_a_new_account_confirms_then_signs_in_and_lands_where_it_was_going(
    client: FlaskClient, auth: AuthActions, session
) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/create-account?next=/provider/join",
        data={
            "full_name": "Amara",
            "email": "amara@example.com",
            "password": "a long password here",
            "confirm": "a long password here",
            "csrf_token": auth.csrf_token("/create-account"),
        },
    )
    assert response.headers["Location"] == "/create-account/check-your-email"
    message = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == "amara@example.com")).one()
    link = re.search(r"http://localhost(/confirm-email/\S+)", message.body).group(1)  # type: ignore[union-attr]
    confirmed = client.get(link)
    assert confirmed.headers["Location"] == "/sign-in?next=/provider/join"


@pytest.fixture
def email_limits(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "EMAIL_RATE_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    monkeypatch.setitem(app.config, "EMAIL_RATE_LIMIT_PER_CLIENT", "5 per hour")


def _forgot(client: FlaskClient, auth: AuthActions, email: str):  # type: ignore[no-untyped-def]
    return client.post("/forgot-password", data={"email": email, "csrf_token": auth.csrf_token("/forgot-password")})


def test_forgot_password_is_limited_per_email_address(
    client: FlaskClient, auth: AuthActions, officer: User, email_limits: None
) -> None:
    assert [_forgot(client, auth, officer.email).status_code for _ in range(3)] == [302] * 3
    refused = _forgot(client, auth, officer.email.upper())
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60 + 1  # whole seconds, rounded up
    page = refused.get_data(as_text=True)
    assert "Sorry, you have made too many requests" in page and "minutes and try again" in page
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 3
    # Another address is still served.
    assert _forgot(client, auth, "someone.else@example.com").status_code == 302


def test_forgot_password_is_limited_per_client_across_addresses(
    client: FlaskClient, auth: AuthActions, email_limits: None, session
) -> None:  # type: ignore[no-untyped-def]
    statuses = [_forgot(client, auth, f"person{n}@example.com").status_code for n in range(6)]
    assert statuses == [302] * 5 + [429]


def test_a_form_with_an_error_does_not_count_towards_the_limit(
    client: FlaskClient, auth: AuthActions, officer: User, email_limits: None
) -> None:
    for _ in range(5):
        assert _forgot(client, auth, "not-an-email").status_code == 400
    assert _forgot(client, auth, officer.email).status_code == 302


def test_create_account_shares_the_per_address_limit(
    client: FlaskClient, auth: AuthActions, officer: User, email_limits: None
) -> None:
    for _ in range(3):
        assert _create_account(client, auth, officer.email).status_code == 302
    assert _create_account(client, auth, officer.email).status_code == 429
    assert _forgot(client, auth, officer.email).status_code == 429


def test_the_sign_in_limit_says_when_to_try_again(client: FlaskClient, auth: AuthActions, officer: User) -> None:
    token = auth.csrf_token()
    for _ in range(10):
        client.post("/sign-in", data={"email": officer.email, "password": "wrong", "csrf_token": token})
    refused = client.post("/sign-in", data={"email": officer.email, "password": "wrong", "csrf_token": token})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 61


def test_the_api_limit_says_when_to_try_again(
    app, client: FlaskClient, knowsley, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    for _ in range(2):
        client.get("/api/v1/eligible-providers?value=4000")
    refused = client.get("/api/v1/eligible-providers?value=4000")
    assert refused.status_code == 429
    assert refused.is_json
    assert 1 <= int(refused.headers["Retry-After"]) <= 61


# Issue 11, finding 13: reset and confirmation links never reach the log.


def test_no_link_or_token_is_logged_when_there_is_no_mail_server(
    client: FlaskClient, auth: AuthActions, officer: User, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        _forgot(client, auth, officer.email)
        _create_account(client, auth, "new.person@example.com")
    messages = db.session.scalars(select(OutboxEmail)).all()
    assert len(messages) == 2 and all(m.sent_at is not None for m in messages)
    tokens = [re.search(r"/(?:reset-password|confirm-email)/(\S+)", m.body).group(1) for m in messages]  # type: ignore[union-attr]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for message, token in zip(messages, tokens, strict=True):
        assert f"Email {message.id} to {message.to_address}" in logged
        assert token not in logged
    assert "reset-password/" not in logged and "confirm-email/" not in logged


def test_with_outbox_only_mail_stays_unsent_in_the_outbox(
    app, client: FlaskClient, auth: AuthActions, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_ONLY", True)
    assert _forgot(client, auth, officer.email).status_code == 302
    message = db.session.scalars(select(OutboxEmail)).one()
    assert message.sent_at is None and "/reset-password/" in message.body
