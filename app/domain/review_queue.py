"""The officers' review queue: what it can show, in which order, and what may be done to many organisations at once.

Pure rules: the service turns them into SQL, the views into filters and buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from app.domain.labelled import LabelledEnum
from app.domain.providers import ProviderSource, ProviderStatus

# A page the browser draws at once, even on a phone, and an officer can scan.
QUEUE_PER_PAGE = 50
# The most organisations one action changes in one transaction: a large council's whole import (the
# Co-operatives UK file is 8,367 rows), but not an unbounded update.
BULK_ACTION_LIMIT = 20_000


class QueueStatus(LabelledEnum):
    """Which organisations the queue shows."""

    WAITING = "waiting", "Everything waiting for checks"
    NEW = "new", "New organisations to check"
    CHANGES = "changes", "Published organisations with changes to check"
    PUBLISHED_IMPORT = "published-import", "Published by an import"


class QueueSort(LabelledEnum):
    OLDEST = "oldest", "Oldest first"
    NAME = "name", "Name (A to Z)"
    DISTRICT = "district", "District (A to Z)"


class BulkAction(LabelledEnum):
    """What an officer may do to a whole import, or a selection of imported organisations, at once."""

    PUBLISH = "publish", "Publish as verified", "They will be shown in the register at once."
    QUEUE = (
        "queue",
        "Take off the register and add to the queue for checks",
        "They will not be shown in the register until an officer checks each one.",
    )


@dataclass(frozen=True)
class BulkRule:
    """Which organisations an action applies to, and the status it leaves them in."""

    from_status: ProviderStatus
    to_status: ProviderStatus


BULK_RULES: dict[BulkAction, BulkRule] = {
    BulkAction.PUBLISH: BulkRule(ProviderStatus.SUBMITTED, ProviderStatus.VERIFIED),
    BulkAction.QUEUE: BulkRule(ProviderStatus.VERIFIED, ProviderStatus.SUBMITTED),
}


def why_bulk_action_does_not_apply(
    action: BulkAction, status: ProviderStatus, source: ProviderSource, awaiting_review: bool, dissolved: bool = False
) -> str | None:
    """None when ``action`` applies to an organisation in this state, else why it is left as it is.

    Only organisations the council imported are acted on in bulk: one that registered itself, or that has
    changes waiting, is an entry someone asked the council to check, and an officer decides it on its own page.
    An organisation its register says is dissolved is never published.
    """
    rule = BULK_RULES[action]
    if action == BulkAction.PUBLISH and dissolved:
        return "its register says it is dissolved: it is never published"
    if source != ProviderSource.IMPORTED:
        return "registered by the organisation itself: check it on its own page"
    if awaiting_review:
        return "it has changes to check: check it on its own page"
    if status != rule.from_status:
        return f"it is {status.label.lower()}"
    return None


def status_filter(status: QueueStatus) -> tuple[tuple[ProviderStatus, bool | None, ProviderSource | None], ...]:
    """The (status, awaiting review, source) combinations a queue filter shows; None matches any value."""
    new = (ProviderStatus.SUBMITTED, None, None)
    changes = (ProviderStatus.VERIFIED, True, None)
    if status == QueueStatus.NEW:
        return (new,)
    if status == QueueStatus.CHANGES:
        return (changes,)
    if status == QueueStatus.PUBLISHED_IMPORT:
        return ((ProviderStatus.VERIFIED, False, ProviderSource.IMPORTED),)
    return (new, changes)


@dataclass(frozen=True)
class WaitingCounts:
    """How many organisations wait to be checked: the queue's 'everything waiting' filter, in its two parts."""

    new: int
    changes: int

    @property
    def total(self) -> int:
        return self.new + self.changes

    @property
    def sentence(self) -> str:
        """'3 organisations are waiting to be checked: 1 new and 2 published with changes to check.'"""
        if not self.total:
            return "No organisations are waiting to be checked."
        head = f"{self.total:,} {'organisation is' if self.total == 1 else 'organisations are'} waiting to be checked"
        if not self.changes:
            return f"{head}: {'it is' if self.total == 1 else 'all are'} new."
        if not self.new:
            return f"{head}: {'it is' if self.total == 1 else 'all are'} published, with changes to check."
        return f"{head}: {self.new:,} new and {self.changes:,} published with changes to check."


E = TypeVar("E", bound=LabelledEnum)


def parse_enum(enum_cls: type[E], value: str | None, default: E) -> E:
    """The member named by a query-string value, or ``default`` for a missing or unknown one."""
    try:
        return enum_cls(value) if value else default
    except ValueError:
        return default
