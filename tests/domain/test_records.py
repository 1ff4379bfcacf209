"""Who may change a commissioning record: its maker, or a register officer; colleagues only read it."""

from __future__ import annotations

import pytest

from app.domain.records import (
    SHORTLIST_MAX,
    ShortlistFull,
    add_to_shortlist,
    may_change_record,
    remove_from_shortlist,
    selected_text,
)
from app.domain.roles import Role


@pytest.mark.parametrize(
    ("role", "user_id", "owner_id", "allowed"),
    [
        (Role.COMMISSIONER, 1, 1, True),  # the commissioner who made it
        (Role.COMMISSIONER, 2, 1, False),  # a colleague at the council reads only
        (Role.COMMISSIONER, 2, None, False),  # its maker has left: the officers keep it
        (Role.OFFICER, 3, 1, True),
        (Role.ADMIN, 4, 1, True),
        (Role.OFFICER, 3, None, True),
        (Role.PROVIDER, 1, 1, False),  # never reaches a record, but the rule says no anyway
        ("commissioner", 1, 1, True),
    ],
)
def test_who_may_change_a_record(role: Role | str, user_id: int, owner_id: int | None, allowed: bool) -> None:
    assert may_change_record(role, user_id, owner_id) is allowed


def test_a_shortlist_adds_once_in_order_and_removes() -> None:
    chosen = add_to_shortlist((), 7)
    chosen = add_to_shortlist(chosen, 3)
    assert add_to_shortlist(chosen, 7) == (7, 3)
    assert remove_from_shortlist(chosen, 7) == (3,)
    assert remove_from_shortlist(chosen, 99) == (7, 3)


def test_a_shortlist_has_a_limit() -> None:
    full = tuple(range(SHORTLIST_MAX))
    with pytest.raises(ShortlistFull, match=f"You can shortlist up to {SHORTLIST_MAX} providers"):
        add_to_shortlist(full, 1000)
    assert add_to_shortlist(full, 0) == full  # already there: nothing to add


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "No providers selected"),
        (1, "1 provider selected"),
        (3, "3 providers selected"),
        (1200, "1,200 providers selected"),
    ],
)
def test_the_count_in_words(count: int, text: str) -> None:
    assert selected_text(count) == text
