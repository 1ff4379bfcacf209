"""Which kind of user may enter which user group's area, where each lands, and what its navigation shows."""

from __future__ import annotations

import pytest

from app.domain.roles import (
    AREA_NAVIGATION,
    AREA_ROLES,
    COUNCIL_ROLES,
    HOME_AREA,
    Role,
    home_endpoint,
    may_enter,
    navigation_items,
)

AREAS = ("providers", "commissioners", "officers", "spend")

#: role -> the areas it may enter; every other area is refused.
MATRIX = {
    Role.PROVIDER: {"providers"},
    Role.COMMISSIONER: {"commissioners", "spend"},
    Role.OFFICER: {"commissioners", "officers", "spend"},
    Role.ADMIN: {"commissioners", "officers", "spend"},
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


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.PROVIDER, "providers.index"),
        (Role.COMMISSIONER, "commissioners.index"),
        (Role.OFFICER, "officers.index"),
        (Role.ADMIN, "officers.index"),
        ("admin", "officers.index"),  # the stored string
    ],
)
def test_each_role_lands_on_its_own_area(role: Role | str, home: str) -> None:
    assert home_endpoint(role) == home


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_enter_its_home_area(role: Role) -> None:
    assert may_enter(role, HOME_AREA[role])
    assert home_endpoint(role).startswith(HOME_AREA[role] + ".")


#: What an officer's (and an admin's) own areas add to the navigation, in order.
OFFICER_NAVIGATION = ["commissioners.index", "officers.index", "officers.imports_list", "spend.report"]


@pytest.mark.parametrize(
    ("role", "endpoints"),
    [
        (None, ["public.directory_index", "auth.sign_in"]),
        (Role.PROVIDER, ["providers.index", "public.directory_index"]),
        (Role.COMMISSIONER, ["commissioners.index", "spend.report", "public.directory_index"]),
        (
            Role.OFFICER,
            [
                "commissioners.index",
                "officers.index",
                "officers.imports_list",
                "spend.report",
                "public.directory_index",
            ],
        ),
        (
            Role.ADMIN,
            [
                "commissioners.index",
                "officers.index",
                "officers.imports_list",
                "spend.report",
                "public.directory_index",
            ],
        ),
    ],
)
def test_navigation_shows_the_areas_a_role_may_enter(role: Role | None, endpoints: list[str]) -> None:
    assert [item.endpoint for item in navigation_items(role)] == endpoints


@pytest.mark.parametrize("role", list(Role))
def test_no_navigation_item_leads_into_an_area_the_role_may_not_enter(role: Role) -> None:
    for item in navigation_items(role):
        area = item.endpoint.split(".")[0]
        assert area not in AREA_NAVIGATION or may_enter(role, area)
