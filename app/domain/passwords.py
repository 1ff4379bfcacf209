"""Password rules as the NCSC advises, and the sign-in lockout. Pure: no Flask, no database.

Passwords: a minimum length, a maximum (so hashing cost stays bounded), and a check against a list of the
commonest passwords (the 30,000 of zxcvbn's frequency list, MIT-licensed); no composition rules, no expiry.

Lockout: after ``threshold`` failed sign-ins as one email address, sign-in as that address is refused for
``lock_minutes``; the lock then lifts by itself, so nobody can lock a person out for good. The lock is kept per
email address whether or not an account has it (so it says nothing about which addresses have accounts), and it
does not apply on a browser that address has signed in on before (a signed device cookie): someone guessing from
elsewhere cannot lock the real person out of their usual browser. A password reset lifts the lock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.casefold() for p in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str | None = None) -> str | None:
    """A GOV.UK-style message when a password is unacceptable, otherwise None."""
    if not password:
        return "Enter a password"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    folded = password.casefold()
    if folded in common_passwords() or folded.strip(" 0123456789!.") in common_passwords():
        return "Choose a password that is harder to guess: this one is on a list of commonly used passwords"
    if email and folded in (email.casefold(), email.split("@", 1)[0].casefold()):
        return "Choose a password that is not your email address"
    if len(set(folded)) < 3:
        return "Choose a password that is harder to guess: it repeats the same few characters"
    return None


def email_key(email: str) -> str:
    """What the lockout is kept under: a hash, so addresses that were only ever typed are not stored."""
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int = 5
    lock_minutes: int = 15

    def locked(self, locked_until: datetime | None, now: datetime) -> bool:
        return locked_until is not None and locked_until > now

    def after_failure(self, failures: int, now: datetime) -> tuple[int, datetime | None]:
        """(failures now counted, locked until or None). A lock starts the count again."""
        failures += 1
        if failures >= self.threshold:
            return 0, now + timedelta(minutes=self.lock_minutes)
        return failures, None
