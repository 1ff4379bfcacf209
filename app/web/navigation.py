"""Service navigation: the items a role sees (app/domain/roles.py), and one marked as the page's."""

from __future__ import annotations

from typing import Any

from flask import url_for

from app.domain.roles import Role, navigation_items

#: Navigation items that stand for part of an area rather than all of it.
NAVIGATION_SECTIONS = {"officers.imports_list": "officers.import"}


def navigation_for(role: Role | None, endpoint: str | None) -> list[dict[str, Any]]:
    """Service navigation items for a role (which ones: app/domain/roles.py), the page's own one marked."""
    items = [(item.endpoint, item.text) for item in navigation_items(role)]
    current_area = (endpoint or "").split(".")[0]

    def pages_of(target: str) -> str:
        """The endpoints an item stands for: its area's, or (for imports) the import pages within it."""
        return NAVIGATION_SECTIONS.get(target, target.split(".")[0] + ".")

    # One item is active: the page's own, else the most specific one whose pages it is.
    matching = [
        target
        for target, _ in items
        if endpoint == target
        or (current_area not in ("public", "auth") and (endpoint or "").startswith(pages_of(target)))
    ]
    active = max(matching, key=lambda target: (endpoint == target, len(pages_of(target))), default=None)
    return [{"href": url_for(target), "text": text, "active": target == active} for target, text in items]
