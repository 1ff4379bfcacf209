"""Accounts: creating users, signing in, and password-reset links that work once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.roles import Role
from app.domain.sessions import SessionEnd, SessionPolicy
from app.models import AuditEvent, OutboxEmail, User, UserSession
from app.services import accounts
from app.services.accounts import AccountError, ResetTokens
from app.services.audit import Actor
from tests import factories
from tests.factories import CouncilSetup

SYSTEM = Actor.system("test")
#: The time every operation is given: the services read no clock of their own.
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
TOKENS = ResetTokens("test-secret-key", max_age_seconds=2 * 60 * 60)
NEW_PASSWORD = "a brand new long password"


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _link(token: str) -> str:
    return f"http://localhost/reset-password/{token}"


# create_user


def test_create_user_normalises_the_email(session: Session) -> None:
    user = accounts.create_user(
        session, email="  Ana.Smith@Example.COM ", password=factories.PASSWORD, role=Role.PROVIDER, actor=SYSTEM
    )
    session.commit()
    assert user.email == "ana.smith@example.com"
    assert session.scalar(select(User.email)) == "ana.smith@example.com"
    assert user.password_hash != factories.PASSWORD
    assert user.session_version == 1
    assert user.active is True
    assert user.email_confirmed_at is None


def test_create_user_can_mark_the_email_confirmed(session: Session, knowsley: CouncilSetup) -> None:
    user = factories.user(session, Role.OFFICER, council=knowsley.council)
    assert user.email_confirmed_at == factories.CONFIRMED_AT
    assert user.council_id == knowsley.council.id


@pytest.mark.parametrize("second", ["ana@example.com", "ANA@EXAMPLE.COM", " Ana@Example.com "])
def test_create_user_refuses_a_duplicate_email_whatever_its_case(session: Session, second: str) -> None:
    factories.user(session, Role.PROVIDER, email="Ana@Example.com")
    session.commit()
    with pytest.raises(AccountError) as caught:
        factories.user(session, Role.PROVIDER, email=second)
    assert caught.value.field == "email"
    assert str(caught.value) == "An account with this email address already exists"
    assert _count(session, User) == 1


@pytest.mark.parametrize("email", ["", "   ", "not-an-email"])
def test_create_user_refuses_an_email_without_an_at(session: Session, email: str) -> None:
    with pytest.raises(AccountError) as caught:
        accounts.create_user(session, email=email, password=factories.PASSWORD, role=Role.PROVIDER, actor=SYSTEM)
    assert caught.value.field == "email"
    assert str(caught.value) == "Enter an email address in the correct format, like name@example.com"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Enter a password"),
        ("short", "Password must be 10 characters or more"),
        ("123456789", "Password must be 10 characters or more"),
        ("x" * 257, "Password must be 256 characters or fewer"),
    ],
)
def test_create_user_refuses_an_unacceptable_password(session: Session, password: str, message: str) -> None:
    with pytest.raises(AccountError) as caught:
        factories.user(session, Role.PROVIDER, password=password)
    assert caught.value.field == "password"
    assert str(caught.value) == message
    assert _count(session, User) == 0


@pytest.mark.parametrize("password", ["tidal-lamp", "xyz" * 85 + "q"])
def test_create_user_accepts_passwords_at_the_limits(session: Session, password: str) -> None:
    user = factories.user(session, Role.PROVIDER, password=password)
    assert accounts.authenticate(session, user.email, password, NOW) is user


@pytest.mark.parametrize(
    ("role", "message"),
    [
        (Role.COMMISSIONER, "A commissioner must belong to a council"),
        (Role.OFFICER, "A register officer must belong to a council"),
        (Role.ADMIN, "An administrator must belong to a council"),
    ],
)
def test_council_roles_need_a_council(session: Session, role: Role, message: str) -> None:
    with pytest.raises(AccountError) as caught:
        factories.user(session, role)
    assert caught.value.field == "council"
    assert str(caught.value) == message


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.OFFICER, Role.ADMIN])
def test_council_roles_with_a_council_are_created(session: Session, knowsley: CouncilSetup, role: Role) -> None:
    user = factories.user(session, role, council=knowsley.council)
    assert (user.role, user.council) == (role, knowsley.council)


def test_a_provider_account_cannot_belong_to_a_council(session: Session, knowsley: CouncilSetup) -> None:
    with pytest.raises(AccountError) as caught:
        factories.user(session, Role.PROVIDER, council=knowsley.council)
    assert caught.value.field == "council"
    assert str(caught.value) == "A provider account cannot belong to a council"


def test_only_provider_accounts_belong_to_an_organisation(session: Session, knowsley: CouncilSetup) -> None:
    organisation = factories.provider(session)
    with pytest.raises(AccountError) as caught:
        factories.user(session, Role.OFFICER, council=knowsley.council, provider=organisation)
    assert caught.value.field == "provider"
    member = factories.user(session, Role.PROVIDER, provider=organisation)
    assert member.provider_id == organisation.id


def test_create_user_writes_an_audit_event(session: Session, knowsley: CouncilSetup) -> None:
    user = accounts.create_user(
        session,
        email="officer@knowsley.gov.uk",
        password=factories.PASSWORD,
        role=Role.OFFICER,
        actor=Actor.system("command line"),
        council=knowsley.council,
    )
    session.commit()
    [event] = _events(session, "user.created")
    assert (event.entity_type, event.entity_id) == ("user", str(user.id))
    assert (event.actor_id, event.actor_label) == (None, "command line")
    assert event.changes == {
        "email": "officer@knowsley.gov.uk",
        "role": "officer",
        "council_id": knowsley.council.id,
        "provider_id": None,
    }


def test_the_audit_event_rolls_back_with_the_user(session: Session) -> None:
    factories.user(session, Role.PROVIDER, email="gone@example.com")
    assert len(_events(session, "user.created")) == 1  # in the session's transaction
    session.rollback()
    assert _count(session, User) == 0
    assert _count(session, AuditEvent) == 0


# authenticate


def test_authenticate_with_the_right_password(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER, email="ana@example.com")
    session.commit()
    assert user.last_signed_in_at is None

    signed_in = accounts.authenticate(session, " ANA@example.com", factories.PASSWORD, NOW)
    session.commit()

    assert signed_in is user
    assert user.last_signed_in_at == NOW
    [event] = _events(session, "user.signed_in")
    assert (event.actor_id, event.actor_label, event.entity_id) == (user.id, "ana@example.com", str(user.id))


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ana@example.com", "the wrong password"),
        ("ana@example.com", ""),
        ("ana@example.com", factories.PASSWORD.upper()),
        ("nobody@example.com", factories.PASSWORD),
        ("", factories.PASSWORD),
    ],
)
def test_authenticate_refuses_a_wrong_password_or_unknown_email(session: Session, email: str, password: str) -> None:
    user = factories.user(session, Role.PROVIDER, email="ana@example.com")
    session.commit()
    assert accounts.authenticate(session, email, password, NOW) is None
    assert user.last_signed_in_at is None
    assert _events(session, "user.signed_in") == []


def test_authenticate_refuses_an_inactive_user(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER, email="ana@example.com")
    user.active = False
    session.commit()
    assert accounts.authenticate(session, "ana@example.com", factories.PASSWORD, NOW) is None
    assert user.last_signed_in_at is None
    assert _events(session, "user.signed_in") == []


# reset tokens


def test_reset_token_round_trip(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)
    session.commit()
    token = TOKENS.make(user)
    assert TOKENS.read(session, token) is user


def test_an_expired_token_is_refused(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)
    session.commit()
    token = TOKENS.make(user)
    with pytest.raises(AccountError) as caught:
        ResetTokens(TOKENS.secret_key, max_age_seconds=-1).read(session, token)
    assert str(caught.value) == "This link has expired. Ask for a new one."


def test_a_token_expires_after_its_max_age(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    user = factories.user(session, Role.PROVIDER)
    session.commit()
    token = TOKENS.make(user)
    now = int(datetime.now(UTC).timestamp())
    monkeypatch.setattr(
        "itsdangerous.timed.TimestampSigner.get_timestamp", lambda self: now + TOKENS.max_age_seconds - 60
    )
    assert TOKENS.read(session, token) is user
    monkeypatch.setattr(
        "itsdangerous.timed.TimestampSigner.get_timestamp", lambda self: now + TOKENS.max_age_seconds + 60
    )
    with pytest.raises(AccountError) as caught:
        TOKENS.read(session, token)
    assert str(caught.value) == "This link has expired. Ask for a new one."


def _tampered(token: str) -> str:
    # Change one character of the signature to a different one, so it can never still match.
    position = len(token) - 5
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(_tampered, id="signature-changed"),
        pytest.param(lambda token: token[: len(token) // 2], id="cut-short"),
        pytest.param(lambda token: "not-a-token", id="nonsense"),
        pytest.param(lambda token: "", id="empty"),
    ],
)
def test_a_tampered_token_is_refused(session: Session, spoil: Callable[[str], str]) -> None:
    user = factories.user(session, Role.PROVIDER)
    session.commit()
    with pytest.raises(AccountError) as caught:
        TOKENS.read(session, spoil(TOKENS.make(user)))
    assert str(caught.value) == "This link is not valid. Check you copied the whole link from the email."


def test_a_token_signed_with_another_key_is_refused(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)
    session.commit()
    forged = ResetTokens("another-secret-key", TOKENS.max_age_seconds).make(user)
    with pytest.raises(AccountError) as caught:
        TOKENS.read(session, forged)
    assert str(caught.value) == "This link is not valid. Check you copied the whole link from the email."


def test_reset_password_changes_the_password_and_the_link_dies(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER, email="ana@example.com")
    session.commit()
    token = TOKENS.make(user)

    assert accounts.reset_password(session, token, NEW_PASSWORD, TOKENS, NOW) is user
    session.commit()

    assert user.session_version == 2
    assert accounts.authenticate(session, "ana@example.com", NEW_PASSWORD, NOW) is user
    assert accounts.authenticate(session, "ana@example.com", factories.PASSWORD, NOW) is None
    assert len(_events(session, "user.password_reset")) == 1
    with pytest.raises(AccountError) as caught:
        accounts.reset_password(session, token, "yet another long password", TOKENS, NOW)
    assert str(caught.value) == "This link has already been used. Ask for a new one."


def test_reset_password_refuses_a_short_password_and_keeps_the_link(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)
    session.commit()
    token = TOKENS.make(user)
    with pytest.raises(AccountError) as caught:
        accounts.reset_password(session, token, "short", TOKENS, NOW)
    assert caught.value.field == "password"
    assert user.session_version == 1
    assert TOKENS.read(session, token) is user


def test_signing_out_everywhere_kills_reset_links(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)
    session.commit()
    token = TOKENS.make(user)

    accounts.sign_out_everywhere(session, user, NOW)
    session.commit()

    assert user.session_version == 2
    assert len(_events(session, "user.signed_out_everywhere")) == 1
    with pytest.raises(AccountError) as caught:
        TOKENS.read(session, token)
    assert str(caught.value) == "This link has already been used. Ask for a new one."


def test_a_link_for_a_deactivated_user_is_refused(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)
    session.commit()
    token = TOKENS.make(user)
    user.active = False
    session.commit()
    with pytest.raises(AccountError):
        TOKENS.read(session, token)


# request_password_reset


def test_request_password_reset_queues_one_email_with_the_link(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER, email="ana@example.com")
    session.commit()

    result = accounts.request_password_reset(session, "ANA@example.com ", TOKENS, _link)  # type: ignore[func-returns-value]
    session.commit()

    assert result is None
    [message] = session.scalars(select(OutboxEmail)).all()
    assert message.to_address == "ana@example.com"
    assert message.subject == "Reset your password for the Local Supplier Register"
    assert "within 120 minutes" in message.body
    assert message.sent_at is None
    links = [line for line in message.body.splitlines() if line.startswith("http://localhost/reset-password/")]
    assert len(links) == 1
    token = links[0].removeprefix("http://localhost/reset-password/")
    assert TOKENS.read(session, token) is user
    assert len(_events(session, "user.password_reset_requested")) == 1


def test_request_password_reset_for_an_unknown_email_says_nothing(session: Session) -> None:
    factories.user(session, Role.PROVIDER, email="ana@example.com")
    session.commit()

    result = accounts.request_password_reset(session, "nobody@example.com", TOKENS, _link)  # type: ignore[func-returns-value]
    session.commit()

    assert result is None
    assert _count(session, OutboxEmail) == 0
    assert _events(session, "user.password_reset_requested") == []


def test_request_password_reset_for_an_inactive_user_sends_nothing(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER, email="ana@example.com")
    user.active = False
    session.commit()
    accounts.request_password_reset(session, "ana@example.com", TOKENS, _link)
    session.commit()
    assert _count(session, OutboxEmail) == 0


# create_provider_account: the same answer whether or not the address has an account (issue 11, finding 10)

CONFIRM = accounts.ConfirmationTokens("test-secret-key")


def _create_provider(session: Session, email: str, password: str = NEW_PASSWORD) -> User | None:
    return accounts.create_provider_account(
        session,
        email=email,
        password=password,
        full_name="  Ana  ",
        tokens=CONFIRM,
        link_for=lambda token: f"http://localhost/confirm-email/{token}",
        sign_in_link="http://localhost/sign-in",
        reset_link="http://localhost/forgot-password",
    )


def test_a_new_provider_account_is_created_and_sent_a_confirmation_link(session: Session) -> None:
    user = _create_provider(session, "Ana@Example.com")
    assert user is not None and user.email == "ana@example.com" and user.full_name == "Ana"
    [message] = session.scalars(select(OutboxEmail)).all()
    assert message.to_address == "ana@example.com" and "/confirm-email/" in message.body


def test_confirming_an_email_records_the_time_given_once(session: Session) -> None:
    user = _create_provider(session, "ana@example.com")
    assert user is not None and user.email_confirmed_at is None
    token = CONFIRM.make(user)

    assert accounts.confirm_email(session, token, CONFIRM, NOW) is user
    accounts.confirm_email(session, token, CONFIRM, NOW + timedelta(days=1))  # a second click changes nothing

    assert user.email_confirmed_at == NOW
    assert len(_events(session, "user.email_confirmed")) == 1


def test_a_taken_address_creates_nothing_and_its_owner_is_told(session: Session) -> None:
    owner = factories.user(session, Role.PROVIDER, email="ana@example.com")
    session.commit()
    assert _create_provider(session, "ANA@example.com") is None
    assert _count(session, User) == 1
    [message] = session.scalars(select(OutboxEmail)).all()
    assert message.to_address == "ana@example.com"
    assert message.subject == "Someone tried to create an account with your email address"
    assert "http://localhost/sign-in" in message.body and "/confirm-email/" not in message.body
    [event] = _events(session, "user.account_creation_attempted")
    assert event.entity_id == str(owner.id)


def test_a_weak_password_is_refused_the_same_way_for_a_taken_address(session: Session) -> None:
    factories.user(session, Role.PROVIDER, email="ana@example.com")
    session.commit()
    for email in ("ana@example.com", "new@example.com"):
        with pytest.raises(AccountError) as caught:
            _create_provider(session, email, password="short")
        assert caught.value.field == "password"
    assert _count(session, OutboxEmail) == 0


# Server-side sessions (issue 11, finding 9)


def test_a_session_is_live_until_it_is_ended(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)
    policy = SessionPolicy()
    token = accounts.start_session(session, user, NOW)
    assert accounts.check_session(session, token, user, policy, NOW).live is not None
    accounts.end_session(session, token, user, NOW)
    check = accounts.check_session(session, token, user, policy, NOW)
    assert check.live is None and check.ended == SessionEnd.SIGNED_OUT
    assert len(_events(session, "user.signed_out")) == 1


def test_a_session_past_its_idle_time_or_lifetime_is_not_live(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)
    signed_in = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    token = accounts.start_session(session, user, signed_in)
    policy = SessionPolicy(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))
    assert accounts.check_session(session, token, user, policy, signed_in + timedelta(minutes=29)).live is not None
    assert accounts.check_session(session, token, user, policy, signed_in + timedelta(minutes=31)).ended == (
        SessionEnd.IDLE
    )
    [row] = session.scalars(select(UserSession)).all()
    accounts.touch_session(session, row.id, signed_in + timedelta(hours=11, minutes=59))
    session.expire_all()
    late = signed_in + timedelta(hours=12)
    assert accounts.check_session(session, token, user, policy, late).ended == SessionEnd.EXPIRED


def test_a_password_reset_ends_every_session(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)
    session.commit()
    tokens = [accounts.start_session(session, user, NOW) for _ in range(2)]
    accounts.reset_password(session, TOKENS.make(user), NEW_PASSWORD, TOKENS, NOW)
    for token in tokens:
        assert accounts.check_session(session, token, user, SessionPolicy(), NOW).ended == SessionEnd.PASSWORD_CHANGED


def test_an_unknown_or_missing_token_is_no_session(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)
    assert accounts.check_session(session, None, user, SessionPolicy(), NOW).live is None
    assert accounts.check_session(session, "made-up", user, SessionPolicy(), NOW).live is None
