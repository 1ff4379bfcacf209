"""Password rules (NCSC: length and a common-password check, no composition rules) and the lockout policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.passwords import LockoutPolicy, common_passwords, email_key, password_problem

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Enter a password"),
        ("short", "Password must be 10 characters or more"),
        ("x" * 257, "Password must be 256 characters or fewer"),
        ("password123", "Choose a password that is harder to guess: this one is on a list of commonly used passwords"),
        ("Qwertyuiop", "Choose a password that is harder to guess: this one is on a list of commonly used passwords"),
        ("1234567890", "Choose a password that is harder to guess: this one is on a list of commonly used passwords"),
        ("abababababab", "Choose a password that is harder to guess: it repeats the same few characters"),
        ("jo.bloggs.smith", "Choose a password that is not your email address"),
    ],
)
def test_unacceptable_passwords_say_why(password: str, message: str) -> None:
    assert password_problem(password, "jo.bloggs.smith@example.org") == message


@pytest.mark.parametrize("password", ["correct horse battery staple", "tidal-lamp-9", "no capitals or digits here"])
def test_long_uncommon_passwords_need_no_particular_characters(password: str) -> None:
    assert password_problem(password, "someone@example.org") is None


def test_the_common_list_is_the_thirty_thousand_from_zxcvbn() -> None:
    assert len(common_passwords()) >= 29_000
    assert {"password", "123456", "letmein"} <= common_passwords()


def test_email_keys_ignore_case_and_spaces_and_do_not_hold_the_address() -> None:
    assert email_key(" Officer@Knowsley.example ") == email_key("officer@knowsley.example")
    assert "knowsley" not in email_key("officer@knowsley.example")


def test_the_lock_starts_at_the_threshold_and_lifts_by_itself() -> None:
    policy = LockoutPolicy(threshold=3, lock_minutes=15)
    failures, until = 0, None
    for _ in range(2):
        failures, until = policy.after_failure(failures, NOW)
        assert until is None
    failures, until = policy.after_failure(failures, NOW)
    assert (failures, until) == (0, NOW + timedelta(minutes=15))
    assert policy.locked(until, NOW + timedelta(minutes=14))
    assert not policy.locked(until, NOW + timedelta(minutes=15))
    assert not policy.locked(None, NOW)
