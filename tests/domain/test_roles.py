"""Which kind of user may enter which user group's area."""

from __future__ import annotations

import pytest

from app.domain.roles import AREA_ROLES, COUNCIL_ROLES, Role, may_enter

AREAS = ("providers", "commissioners", "officers")

#: role -> the areas it may enter; every other area is refused.
MATRIX = {
    Role.PROVIDER: {"providers"},
    Role.COMMISSIONER: {"commissioners"},
    Role.OFFICER: {"commissioners", "officers"},
    Role.ADMIN: {"commissioners", "officers"},
}


@pytest.mark.parametrize(("role", "area"), [(role, area) for role in Role for area in AREAS])
def test_may_enter_matrix(role: Role, area: str) -> None:
    assert may_enter(role, area) is (area in MATRIX[role])


@pytest.mark.parametrize(("role", "area"), [(role, area) for role in Role for area in AREAS])
def test_may_enter_takes_the_stored_string(role: Role, area: str) -> None:
    assert may_enter(role.value, area) is (area in MATRIX[role])


@pytest.mark.parametrize("area", AREAS)
def test_nobody_signed_in_enters_nothing(area: str) -> None:
    assert may_enter(None, area) is False


def test_matrix_covers_every_role_and_area() -> None:
    assert set(MATRIX) == set(Role)
    assert set(AREA_ROLES) == set(AREAS)


def test_council_roles() -> None:
    assert {Role.COMMISSIONER, Role.OFFICER, Role.ADMIN} == COUNCIL_ROLES
    assert Role.PROVIDER not in COUNCIL_ROLES
