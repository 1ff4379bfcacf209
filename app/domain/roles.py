"""Who uses the register, and what each kind of user may reach."""

from __future__ import annotations

from app.domain.labelled import LabelledEnum


class Role(LabelledEnum):
    PROVIDER = "provider", "Provider", "Someone who runs or works for an organisation on the register"
    COMMISSIONER = "commissioner", "Commissioner", "A council officer who buys services"
    OFFICER = "officer", "Register officer", "A council officer who runs the register"
    ADMIN = "admin", "Administrator", "Runs the service: every officer's rights"


#: Which roles may enter each user group's area. Admins stand in for officers.
AREA_ROLES: dict[str, frozenset[Role]] = {
    "providers": frozenset({Role.PROVIDER}),
    "commissioners": frozenset({Role.COMMISSIONER, Role.OFFICER, Role.ADMIN}),
    "officers": frozenset({Role.OFFICER, Role.ADMIN}),
}

#: Roles that must belong to a council; providers belong to an organisation instead.
COUNCIL_ROLES = frozenset({Role.COMMISSIONER, Role.OFFICER, Role.ADMIN})


def may_enter(role: Role | str | None, area: str) -> bool:
    """True when a user with ``role`` may use the ``area`` user group."""
    if role is None:
        return False
    return Role(role) in AREA_ROLES[area]
