"""Accounts: creating users, signing in and resetting passwords."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.domain import passwords
from app.domain.passwords import LockoutPolicy, email_key
from app.domain.refusals import Refusal
from app.domain.roles import COUNCIL_ROLES, Role
from app.domain.sessions import SessionEnd, SessionPolicy, new_session_token, session_token_hash
from app.domain.text import EMAIL_FORMAT
from app.models import Council, Provider, SignInThrottle, User, UserSession
from app.services import audit
from app.services.audit import Actor
from app.services.mail import queue_email

DEFAULT_LOCKOUT = LockoutPolicy()
# Hashed once so an unknown email costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-used-for-timing")


class AccountError(Refusal):
    """A request about an account that cannot be met; ``field`` names where to show the message."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str, email: str | None = None) -> str | None:
    """A GOV.UK-style message when a password is unacceptable (see app/domain/passwords.py), otherwise None."""
    return passwords.password_problem(password, email)


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role,
    actor: Actor,
    council: Council | None = None,
    provider: Provider | None = None,
    full_name: str | None = None,
    email_confirmed_at: datetime | None = None,
) -> User:
    """Create an account; council roles need a council, providers may join an organisation.

    ``email_confirmed_at`` is for accounts made by someone who vouches for the address (an administrator, the seed).
    """
    email = normalise_email(email)
    if not email or "@" not in email:
        raise AccountError(EMAIL_FORMAT, "email")
    if find_user_by_email(session, email) is not None:
        raise AccountError("An account with this email address already exists", "email")
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, "password")
    if role in COUNCIL_ROLES and council is None:
        article = "An" if role.label[0].lower() in "aeiou" else "A"
        raise AccountError(f"{article} {role.label.lower()} must belong to a council", "council")
    if role == Role.PROVIDER and council is not None:
        raise AccountError("A provider account cannot belong to a council", "council")
    if role != Role.PROVIDER and provider is not None:
        raise AccountError("Only provider accounts can belong to an organisation", "provider")
    user = User(
        email=email,
        full_name=full_name,
        password_hash=generate_password_hash(password),
        role=role,
        council=council,
        provider=provider,
        email_confirmed_at=email_confirmed_at,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.created",
        "user",
        user.id,
        {"email": email, "role": role.value, "council_id": user.council_id, "provider_id": user.provider_id},
    )
    return user


def authenticate(session: Session, email: str, password: str, now: datetime) -> User | None:
    """The user when the email and password match an active account; None otherwise, in the same time."""
    user = find_user_by_email(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_signed_in_at = now
    audit.record(session, Actor.of(user), "user.signed_in", "user", user.id)
    return user


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    locked_until: datetime | None = None  # set when sign-in as this address is locked for now


def attempt_sign_in(
    session: Session,
    email: str,
    password: str,
    now: datetime,
    *,
    trusted: tuple[int, int] | None = None,
    policy: LockoutPolicy = DEFAULT_LOCKOUT,
) -> SignInResult:
    """Sign in with the lockout applied. ``trusted``: (user id, session version) from a valid device cookie.

    While an address is locked its password is not even checked (so guessing gains nothing), except on a browser
    that address's account has signed in on before. Unknown addresses are locked the same way as real ones.
    """
    key = email_key(normalise_email(email))
    throttle = session.get(SignInThrottle, key)
    known = find_user_by_email(session, email)
    on_own_browser = known is not None and trusted == (known.id, known.session_version)
    if throttle is not None and policy.locked(throttle.locked_until, now) and not on_own_browser:
        return SignInResult(None, throttle.locked_until)
    user = authenticate(session, email, password, now)
    if user is not None:
        if throttle is not None:
            session.delete(throttle)
        return SignInResult(user)
    if throttle is None:
        try:
            with session.begin_nested():  # two first failures at once: one inserts, the other counts on it
                session.add(SignInThrottle(email_key=key, failures=0))
        except IntegrityError:
            pass
    # Counted in the database, so failures sent in parallel are each counted.
    session.execute(
        update(SignInThrottle).where(SignInThrottle.email_key == key).values(failures=SignInThrottle.failures + 1)
    )
    throttle = session.get(SignInThrottle, key, populate_existing=True)
    assert throttle is not None
    counted, locked_until = policy.after_failure(throttle.failures - 1, now)
    if locked_until is not None:
        throttle.failures = counted
        throttle.locked_until = locked_until
        if known is not None:
            audit.record(
                session,
                Actor.system("sign-in lockout"),
                "user.sign_in_locked",
                "user",
                known.id,
                {"minutes": policy.lock_minutes},
            )
        return SignInResult(None, locked_until)
    return SignInResult(None)


def lift_lock(session: Session, email: str) -> None:
    throttle = session.get(SignInThrottle, email_key(normalise_email(email)))
    if throttle is not None:
        session.delete(throttle)


@dataclass(frozen=True)
class DeviceCookies:
    """A signed, long-lived cookie naming the account that signed in on a browser (for the lockout's exemption)."""

    secret_key: str
    max_age_seconds: int = 365 * 24 * 60 * 60
    name: str = "lsr_device"

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt="device")

    def make(self, user: User) -> str:
        # With the session version: a password change or "sign out everywhere" withdraws every browser's exemption.
        return self._serializer().dumps({"uid": user.id, "v": user.session_version})

    def read(self, value: str | None) -> tuple[int, int] | None:
        """(user id, session version) from a valid cookie, or None."""
        if not value:
            return None
        try:
            data = self._serializer().loads(value, max_age=self.max_age_seconds)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        uid, version = data.get("uid"), data.get("v")
        return (uid, version) if isinstance(uid, int) and isinstance(version, int) else None


def start_session(session: Session, user: User, now: datetime) -> str:
    """Record a new signed-in session for ``user``; returns the token its cookie carries (only its hash is kept)."""
    token = new_session_token()
    session.add(UserSession(token_hash=session_token_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    session.flush()
    return token


@dataclass(frozen=True)
class SessionCheck:
    """What a request's session token is worth: the live session, or why there is none."""

    live: UserSession | None
    ended: SessionEnd | None = None


def check_session(
    session: Session, token: str | None, user: User, policy: SessionPolicy, now: datetime
) -> SessionCheck:
    """Whether ``token`` names a live session of ``user``: not ended, not idle too long, not past its lifetime."""
    if not token:
        return SessionCheck(None)
    row = session.scalar(select(UserSession).where(UserSession.token_hash == session_token_hash(token)))
    if row is None or row.user_id != user.id:
        return SessionCheck(None)
    if row.ended_at is not None:
        return SessionCheck(None, SessionEnd(row.ended_reason) if row.ended_reason else None)
    ended = policy.ended_by_time(row.created_at, row.last_seen_at, now)
    return SessionCheck(None, ended) if ended else SessionCheck(row)


def touch_session(session: Session, session_id: int, now: datetime) -> None:
    """Note that a live session was used just now (what its idle time counts from)."""
    session.execute(
        update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None)).values(last_seen_at=now)
    )


def end_session(session: Session, token: str | None, user: User, now: datetime) -> None:
    """Sign out of one browser: its session ends on the server, so a copy of its cookie stops working too."""
    if token:
        session.execute(
            update(UserSession)
            .where(
                UserSession.token_hash == session_token_hash(token),
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
            )
            .values(ended_at=now, ended_reason=SessionEnd.SIGNED_OUT.value)
        )
    audit.record(session, Actor.of(user), "user.signed_out", "user", user.id)


def end_all_sessions(session: Session, user: User, reason: SessionEnd, now: datetime) -> int:
    """End every live session of ``user``; returns how many there were."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason.value)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def sign_out_everywhere(session: Session, user: User, now: datetime) -> None:
    """End every session of ``user``: each one on the server, and the version their cookies carry is bumped."""
    user.session_version += 1
    end_all_sessions(session, user, SessionEnd.SIGNED_OUT_EVERYWHERE, now)
    audit.record(session, Actor.of(user), "user.signed_out_everywhere", "user", user.id)


LINK_NOT_VALID = "This link is not valid. Check you copied the whole link from the email."


def _read_link(serializer: URLSafeTimedSerializer, token: str, max_age_seconds: int, expired: str) -> Any:
    """What an emailed link's token carries; AccountError saying ``expired`` when it is too old, or that it is not
    valid when it was changed or cut short."""
    try:
        return serializer.loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise AccountError(expired) from exc
    except BadSignature as exc:
        raise AccountError(LINK_NOT_VALID) from exc


@dataclass(frozen=True)
class ResetTokens:
    """Signs and reads password-reset tokens, tied to the user's session version so each works once."""

    secret_key: str
    max_age_seconds: int

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt="password-reset")

    def make(self, user: User) -> str:
        return self._serializer().dumps({"uid": user.id, "v": user.session_version})

    def read(self, session: Session, token: str) -> User:
        data = _read_link(self._serializer(), token, self.max_age_seconds, "This link has expired. Ask for a new one.")
        user = session.get(User, data.get("uid")) if isinstance(data, dict) else None
        if user is None or user.session_version != data.get("v") or not user.active:
            raise AccountError("This link has already been used. Ask for a new one.")
        return user


def request_password_reset(session: Session, email: str, tokens: ResetTokens, link_for: Callable[[str], str]) -> None:
    """Email a reset link when the account exists; say nothing either way, so emails cannot be probed."""
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        return
    link = link_for(tokens.make(user))
    minutes = tokens.max_age_seconds // 60
    queue_email(
        session,
        user.email,
        "Reset your password for the Local Supplier Register",
        "Someone asked to reset the password for your Local Supplier Register account.\n\n"
        f"To choose a new password, open this link within {minutes} minutes:\n{link}\n\n"
        "If you did not ask for this, you can ignore this email: your password has not changed.",
    )
    audit.record(session, Actor.of(user), "user.password_reset_requested", "user", user.id)


def reset_password(session: Session, token: str, new_password: str, tokens: ResetTokens, now: datetime) -> User:
    """Set a new password from a reset link; other sessions and the link stop working."""
    user = tokens.read(session, token)
    problem = password_problem(new_password, user.email)
    if problem:
        raise AccountError(problem, "password")
    user.password_hash = generate_password_hash(new_password)
    user.session_version += 1
    end_all_sessions(session, user, SessionEnd.PASSWORD_CHANGED, now)
    lift_lock(session, user.email)
    audit.record(session, Actor.of(user), "user.password_reset", "user", user.id)
    return user


@dataclass(frozen=True)
class ConfirmationTokens:
    """Signs and reads email-confirmation tokens, tied to the address they were sent to."""

    secret_key: str
    max_age_seconds: int = 3 * 24 * 60 * 60

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt="confirm-email")

    def make(self, user: User) -> str:
        return self._serializer().dumps({"uid": user.id, "email": user.email})

    def read(self, session: Session, token: str) -> User:
        data = _read_link(
            self._serializer(), token, self.max_age_seconds, "This link has expired. Sign in to get a new one."
        )
        user = session.get(User, data.get("uid")) if isinstance(data, dict) else None
        if user is None or user.email != data.get("email"):
            raise AccountError(LINK_NOT_VALID)
        return user


def send_confirmation(session: Session, user: User, tokens: ConfirmationTokens, link_for: Callable[[str], str]) -> None:
    """Email the link that confirms the address belongs to the person who registered it."""
    queue_email(
        session,
        user.email,
        "Confirm your email address for the Local Supplier Register",
        "Thank you for creating an account on the Local Supplier Register.\n\n"
        f"To confirm your email address, open this link within 3 days:\n{link_for(tokens.make(user))}\n\n"
        "If you did not create an account, you can ignore this email.",
    )


def create_provider_account(
    session: Session,
    *,
    email: str,
    password: str,
    full_name: str | None,
    tokens: ConfirmationTokens,
    link_for: Callable[[str], str],
    sign_in_link: str,
    reset_link: str,
) -> User | None:
    """Anyone may create a provider account; it acts for no organisation until they register or join one.

    The answer never says whether the address already has an account (so addresses cannot be probed): when it
    does, nothing is created and its owner is emailed instead, with links to sign in or reset the password.
    Returns the new user, or None when the owner was emailed.
    """
    problem = password_problem(password, normalise_email(email))
    if problem:
        raise AccountError(problem, "password")
    existing = find_user_by_email(session, email)
    if existing is not None:
        generate_password_hash(password)  # the same work as creating an account, so timing says nothing either
        tell_owner_of_attempt(session, existing, sign_in_link, reset_link)
        return None
    user = create_user(
        session,
        email=email,
        password=password,
        role=Role.PROVIDER,
        actor=Actor.system("self-service"),
        full_name=(full_name or "").strip() or None,
    )
    send_confirmation(session, user, tokens, link_for)
    return user


def tell_owner_of_attempt(session: Session, user: User, sign_in_link: str, reset_link: str) -> None:
    """Email the owner of an address that someone tried to create a second account with."""
    queue_email(
        session,
        user.email,
        "Someone tried to create an account with your email address",
        "Someone tried to create a Local Supplier Register account with this email address. "
        "You already have an account, so we have not created another one.\n\n"
        f"If it was you, sign in:\n{sign_in_link}\n\n"
        f"If you have forgotten your password, you can reset it:\n{reset_link}\n\n"
        "If it was not you, you can ignore this email: nothing has changed on your account.",
    )
    audit.record(session, Actor.system("self-service"), "user.account_creation_attempted", "user", user.id)


def confirm_email(session: Session, token: str, tokens: ConfirmationTokens, now: datetime) -> User:
    """Confirm the address the link was sent to (once: a second click changes nothing)."""
    user = tokens.read(session, token)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
        audit.record(session, Actor.of(user), "user.email_confirmed", "user", user.id)
    return user
