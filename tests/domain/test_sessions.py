"""When a signed-in session ends by itself, without Flask."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.domain.sessions import SessionEnd, SessionPolicy, new_session_token, session_token_hash

SIGNED_IN = datetime(2026, 12, 3, 9, 0)
POLICY = SessionPolicy(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))


@pytest.mark.parametrize(
    ("last_seen", "now", "ended"),
    [
        (SIGNED_IN, SIGNED_IN + timedelta(minutes=29, seconds=59), None),
        (SIGNED_IN, SIGNED_IN + timedelta(minutes=30), SessionEnd.IDLE),
        (SIGNED_IN + timedelta(hours=11, minutes=50), SIGNED_IN + timedelta(hours=11, minutes=59), None),
        (SIGNED_IN + timedelta(hours=11, minutes=50), SIGNED_IN + timedelta(hours=12), SessionEnd.EXPIRED),
        (SIGNED_IN, SIGNED_IN + timedelta(days=2), SessionEnd.EXPIRED),
    ],
)
def test_a_session_ends_when_idle_or_past_its_lifetime(
    last_seen: datetime, now: datetime, ended: SessionEnd | None
) -> None:
    assert POLICY.ended_by_time(SIGNED_IN, last_seen, now) == ended


def test_the_last_seen_time_is_written_at_most_once_a_minute() -> None:
    assert not POLICY.needs_touch(SIGNED_IN, SIGNED_IN + timedelta(seconds=59))
    assert POLICY.needs_touch(SIGNED_IN, SIGNED_IN + timedelta(minutes=1))


def test_a_policy_needs_real_times() -> None:
    with pytest.raises(ValueError, match="more than zero"):
        SessionPolicy(idle=timedelta(0))


def test_tokens_are_random_and_only_their_hash_is_kept() -> None:
    first, second = new_session_token(), new_session_token()
    assert first != second and len(first) >= 43
    assert session_token_hash(first) != first and len(session_token_hash(first)) == 64
    assert session_token_hash(first) == session_token_hash(first)


def test_the_ends_a_person_did_not_choose_are_explained() -> None:
    assert "had not done anything" in SessionEnd.IDLE.message
    assert "signed in for a long time" in SessionEnd.EXPIRED.message
