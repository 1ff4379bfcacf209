"""Who may change a commissioning record: its maker, or a register officer; colleagues only read it."""

from __future__ import annotations

import pytest

from app.domain.records import may_change_record
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
