"""The review queue's pure rules: which organisations a bulk action applies to, what each queue filter shows, and
how query-string values are read."""

from __future__ import annotations

import pytest

from app.domain.providers import ProviderSource, ProviderStatus
from app.domain.review_queue import (
    BULK_RULES,
    BulkAction,
    QueueSort,
    QueueStatus,
    parse_enum,
    status_filter,
    why_bulk_action_does_not_apply,
)

IMP, SELF = ProviderSource.IMPORTED, ProviderSource.SELF_REGISTERED


@pytest.mark.parametrize(
    ("action", "status", "source", "awaiting", "dissolved", "applies"),
    [
        (BulkAction.PUBLISH, ProviderStatus.SUBMITTED, IMP, False, False, True),
        (BulkAction.PUBLISH, ProviderStatus.SUBMITTED, IMP, False, True, False),  # dissolved: never published
        (BulkAction.PUBLISH, ProviderStatus.SUBMITTED, SELF, False, False, False),
        (BulkAction.PUBLISH, ProviderStatus.VERIFIED, IMP, False, False, False),
        (BulkAction.PUBLISH, ProviderStatus.VERIFIED, IMP, True, False, False),
        (BulkAction.PUBLISH, ProviderStatus.ARCHIVED, IMP, False, True, False),
        (BulkAction.PUBLISH, ProviderStatus.REJECTED, IMP, False, False, False),
        (BulkAction.PUBLISH, ProviderStatus.DRAFT, IMP, False, False, False),
        (BulkAction.QUEUE, ProviderStatus.VERIFIED, IMP, False, False, True),
        (BulkAction.QUEUE, ProviderStatus.VERIFIED, IMP, False, True, True),  # taking it off the register is safe
        (BulkAction.QUEUE, ProviderStatus.VERIFIED, IMP, True, False, False),
        (BulkAction.QUEUE, ProviderStatus.VERIFIED, SELF, False, False, False),
        (BulkAction.QUEUE, ProviderStatus.SUBMITTED, IMP, False, False, False),
    ],
)
def test_bulk_actions_apply_only_to_imported_organisations_in_the_right_state(
    action: BulkAction,
    status: ProviderStatus,
    source: ProviderSource,
    awaiting: bool,
    dissolved: bool,
    applies: bool,
) -> None:
    assert (why_bulk_action_does_not_apply(action, status, source, awaiting, dissolved) is None) is applies


def test_every_bulk_action_has_a_rule_that_changes_the_status() -> None:
    assert set(BULK_RULES) == set(BulkAction)
    assert all(rule.from_status != rule.to_status for rule in BULK_RULES.values())
    # Publishing and taking back are each other's reverse.
    assert BULK_RULES[BulkAction.PUBLISH].from_status == BULK_RULES[BulkAction.QUEUE].to_status


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (QueueStatus.WAITING, ((ProviderStatus.SUBMITTED, None, None), (ProviderStatus.VERIFIED, True, None))),
        (QueueStatus.NEW, ((ProviderStatus.SUBMITTED, None, None),)),
        (QueueStatus.CHANGES, ((ProviderStatus.VERIFIED, True, None),)),
        (QueueStatus.PUBLISHED_IMPORT, ((ProviderStatus.VERIFIED, False, ProviderSource.IMPORTED),)),
    ],
)
def test_what_each_queue_filter_shows(status: QueueStatus, expected: tuple[object, ...]) -> None:
    assert status_filter(status) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("name", QueueSort.NAME), ("district", QueueSort.DISTRICT), (None, QueueSort.OLDEST), ("", QueueSort.OLDEST)]
    + [(odd, QueueSort.OLDEST) for odd in ("NAME", "up", "<script>", "oldest\x00")],
)
def test_query_string_values_are_read_and_unknown_ones_ignored(value: str | None, expected: QueueSort) -> None:
    assert parse_enum(QueueSort, value, QueueSort.OLDEST) is expected


def test_waiting_counts_say_what_waits_in_the_queues_two_parts() -> None:
    from app.domain.review_queue import WaitingCounts

    assert WaitingCounts(0, 0).sentence == "No organisations are waiting to be checked."
    assert WaitingCounts(1, 0).sentence == "1 organisation is waiting to be checked: it is new."
    assert WaitingCounts(0, 2).sentence == (
        "2 organisations are waiting to be checked: all are published, with changes to check."
    )
    assert WaitingCounts(1, 1).total == 2
