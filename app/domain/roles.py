"""Who uses the register, what each kind of user may reach, where each lands and what its navigation shows."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.labelled import LabelledEnum


class Role(LabelledEnum):
    PROVIDER = "provider", "Provider", "Someone who runs or works for an organisation on the register"
    COMMISSIONER = "commissioner", "Commissioner", "A council officer who buys services"
    OFFICER = "officer", "Register officer", "A council officer who runs the register"
    ADMIN = "admin", "Administrator", "Runs the service: every officer's rights"


#: The roles that run the register. Admins stand in for officers wherever officers may act.
OFFICER_ROLES = frozenset({Role.OFFICER, Role.ADMIN})

#: Which roles may enter each user group's area.
AREA_ROLES: dict[str, frozenset[Role]] = {
    "providers": frozenset({Role.PROVIDER}),
    "commissioners": frozenset({Role.COMMISSIONER}) | OFFICER_ROLES,
    "officers": OFFICER_ROLES,
    # Where the council's money goes (the spend report): those who buy and those who run the register.
    "spend": frozenset({Role.COMMISSIONER}) | OFFICER_ROLES,
}

#: Roles that must belong to a council; providers belong to an organisation instead.
COUNCIL_ROLES = frozenset({Role.COMMISSIONER}) | OFFICER_ROLES

#: Each role's own area, whose home page it lands on after signing in.
HOME_AREA: dict[Role, str] = {
    Role.PROVIDER: "providers",
    Role.COMMISSIONER: "commissioners",
    Role.OFFICER: "officers",
    Role.ADMIN: "officers",
}


@dataclass(frozen=True)
class NavItem:
    """One item of the service navigation: the endpoint it links to and its words."""

    endpoint: str
    text: str


#: The navigation items each area adds for those who may enter it, its home page first; in the order shown.
AREA_NAVIGATION: dict[str, tuple[NavItem, ...]] = {
    "providers": (NavItem("providers.index", "Your organisation"),),
    "commissioners": (NavItem("commissioners.index", "Buying"),),
    "officers": (NavItem("officers.index", "Manage the register"), NavItem("officers.imports_list", "Imports")),
    "spend": (NavItem("spend.report", "Spending"),),
}
#: What everyone sees after their own areas' items.
PUBLIC_NAVIGATION = (NavItem("public.directory_index", "Find providers"),)
#: What only someone not signed in sees, last.
SIGNED_OUT_NAVIGATION = (NavItem("auth.sign_in", "Sign in"),)


def may_enter(role: Role | str | None, area: str) -> bool:
    """True when a user with ``role`` may use the ``area`` user group."""
    if role is None:
        return False
    return Role(role) in AREA_ROLES[area]


def home_endpoint(role: Role | str) -> str:
    """The endpoint where a user with ``role`` lands after signing in: its own area's home page."""
    return AREA_NAVIGATION[HOME_AREA[Role(role)]][0].endpoint


def navigation_items(role: Role | str | None) -> tuple[NavItem, ...]:
    """The service navigation for a role: the items of every area it may enter, then the public ones."""
    own = tuple(item for area, items in AREA_NAVIGATION.items() if may_enter(role, area) for item in items)
    return own + PUBLIC_NAVIGATION + (SIGNED_OUT_NAVIGATION if role is None else ())
