"""A request the rules refuse: the message to show, and the question it belongs to.

Every service and rule that refuses says so with a subclass of :class:`Refusal`, so a page shows the message beside
the question it names (or above the form when it names none) in one way, whichever service refused.
"""

from __future__ import annotations


class Refusal(ValueError):
    """Refused, with a message fit to show; ``field`` names the question it belongs to (None: the page as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
