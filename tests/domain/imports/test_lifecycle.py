"""The import's rulebook: which step may start from which status, the refusals, and the counts."""

from __future__ import annotations

import pytest

from app.domain.imports.lifecycle import (
    COUNT_KEYS,
    COUNT_LABELS,
    FINAL_OUTCOMES,
    MAPPABLE,
    POSSIBLE_MATCH,
    SHOWN_WHEN_ANY,
    ImportStatus,
    ImportStep,
    StepRefused,
    counts_add_up,
    counts_of,
    may_run,
    may_start,
    outcome_total,
    require_status,
    rows_to_change,
    running_step,
    sum_terms,
)

S = ImportStatus
CHECK, COMMIT = ImportStep.CHECK, ImportStep.COMMIT

#: (step, status, may start) for every pair: the whole transition table, stated once more by hand.
STARTS = [
    (CHECK, S.UPLOADED, True),
    (CHECK, S.CHECKING, False),
    (CHECK, S.CHECKED, True),
    (CHECK, S.IMPORTING, False),
    (CHECK, S.IMPORTED, False),
    (CHECK, S.UNDONE, False),
    (CHECK, S.FAILED, True),
    (COMMIT, S.UPLOADED, False),
    (COMMIT, S.CHECKING, False),
    (COMMIT, S.CHECKED, True),
    (COMMIT, S.IMPORTING, False),
    (COMMIT, S.IMPORTED, False),
    (COMMIT, S.UNDONE, False),
    (COMMIT, S.FAILED, True),
]


def test_the_table_covers_every_step_and_status() -> None:
    assert {(step, status) for step, status, _ in STARTS} == {(step, status) for step in ImportStep for status in S}


@pytest.mark.parametrize(("step", "status", "allowed"), STARTS)
def test_which_step_may_start_from_which_status(step: ImportStep, status: ImportStatus, allowed: bool) -> None:
    assert may_start(step, status) is allowed


@pytest.mark.parametrize(("step", "status", "allowed"), STARTS)
def test_a_step_runs_where_it_may_start_and_in_its_own_running_status(
    step: ImportStep, status: ImportStatus, allowed: bool
) -> None:
    assert may_run(step, status) is (allowed or status == step.runs_in)


def test_each_step_runs_in_its_own_status() -> None:
    assert CHECK.runs_in == S.CHECKING and COMMIT.runs_in == S.IMPORTING
    assert {step.runs_in for step in ImportStep} == {s for s in S if s.running}


@pytest.mark.parametrize(
    ("status", "step"), [(S.CHECKING, CHECK), (S.IMPORTING, COMMIT), (S.CHECKED, None), (S.FAILED, None)]
)
def test_the_step_a_status_is_running(status: ImportStatus, step: ImportStep | None) -> None:
    assert running_step(status) is step


@pytest.mark.parametrize(
    ("value", "step"), [("check", CHECK), ("commit", COMMIT), ("undo", None), (None, None), (3, None)]
)
def test_a_stored_step_is_read_back_or_not_at_all(value: object, step: ImportStep | None) -> None:
    assert ImportStep.parse(value) is step


def test_steps_keep_the_values_stored_and_put_in_addresses() -> None:
    assert [step.value for step in ImportStep] == ["check", "commit"]
    assert f"?job={COMMIT}" == "?job=commit"


def test_the_columns_can_be_chosen_where_the_check_may_start() -> None:
    assert set(MAPPABLE) == {s for s in S if may_start(CHECK, s)}


def test_a_refused_step_names_the_status_it_is_in() -> None:
    require_status(S.CHECKED, S.UPLOADED, S.CHECKED)
    with pytest.raises(StepRefused, match=r"^This import is being imported, so that cannot be done now$"):
        require_status(S.IMPORTING, S.CHECKED)


def test_step_refused_does_not_shadow_a_builtin() -> None:
    assert not issubclass(StepRefused, ImportError) and issubclass(StepRefused, Exception)


def test_every_count_has_a_label_and_every_outcome_is_counted() -> None:
    assert COUNT_KEYS[0] == "rows" and len(set(COUNT_KEYS)) == len(COUNT_KEYS) == len(COUNT_LABELS)
    assert {o.value for o in FINAL_OUTCOMES} | {POSSIBLE_MATCH} <= set(COUNT_KEYS)
    assert set(COUNT_KEYS) >= SHOWN_WHEN_ANY


def test_stored_counts_are_read_as_numbers_with_the_missing_as_nought() -> None:
    counts = counts_of({"rows": 3, "created": "2", "unknown": 9})
    assert list(counts) == list(COUNT_KEYS)
    assert counts["rows"] == 3 and counts["created"] == 2 and counts["updated"] == 0 and "unknown" not in counts


@pytest.mark.parametrize(
    ("counts", "total", "adds_up"),
    [
        ({}, 0, True),
        ({"rows": 5, "created": 2, "updated": 1, "rejected": 2}, 5, True),
        ({"rows": 5, "created": 2, "possible_match": 3}, 5, True),
        ({"rows": 6, "archived": 1, "flagged": 1, "unchanged": 3}, 5, False),
        # Counts within the rows are not outcomes: they never make the sum.
        ({"rows": 1, "created": 1, "with_warnings": 1, "not_placed": 1, "blank_rows": 4}, 1, True),
    ],
)
def test_the_outcomes_add_up_to_the_rows(counts: dict[str, int], total: int, adds_up: bool) -> None:
    assert outcome_total(counts) == total
    assert counts_add_up(counts) is adds_up


def test_rows_to_change_leave_out_the_unchanged_the_rejected_and_the_undecided() -> None:
    counts = {"rows": 20, "created": 1, "updated": 2, "unchanged": 3, "archived": 4, "flagged": 5, "rejected": 1}
    assert rows_to_change({**counts, "possible_match": 4}) == 16
    assert rows_to_change({**counts, "possible_match": 4}, undecided=3) == 13


@pytest.mark.parametrize(
    ("counts", "after_import", "terms"),
    [
        ({}, False, ["new", "update", "unchanged", "possible match", "rejected"]),
        ({}, True, ["created", "updated", "unchanged", "rejected"]),
        (
            {"archived": 2, "flagged": 1},
            False,
            ["new", "update", "unchanged", "archived", "flagged", "possible match", "rejected"],
        ),
        ({"archived": 2, "possible_match": 3}, True, ["created", "updated", "unchanged", "archived", "rejected"]),
    ],
)
def test_the_sum_names_every_outcome_that_is_counted(
    counts: dict[str, int], after_import: bool, terms: list[str]
) -> None:
    assert sum_terms(counts, after_import=after_import) == terms


def test_the_sum_words_cover_every_outcome_the_total_adds() -> None:
    """Every outcome the total counts can appear in the sum the page shows."""
    every = {outcome.value: 1 for outcome in FINAL_OUTCOMES} | {POSSIBLE_MATCH: 1}
    assert len(sum_terms(every, after_import=False)) == len(every)
