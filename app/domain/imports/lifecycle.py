"""The import's rulebook: its statuses, its two steps and which status each may start from, and its counts.

One home for what the job runner, the service, the officers' views and the CLI each used to say for themselves:
a step that may not start raises :class:`StepRefused`; the counts every check and import records are
:data:`COUNT_KEYS`, shown with :data:`COUNT_LABELS`, and the outcomes among them add up to the rows in the file
(:func:`counts_add_up`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from app.domain.labelled import LabelledEnum


class ImportStatus(LabelledEnum):
    UPLOADED = "uploaded", "Columns to confirm"
    CHECKING = "checking", "Being checked"
    CHECKED = "checked", "Checked, ready to import"
    IMPORTING = "importing", "Being imported"
    IMPORTED = "imported", "Imported"
    UNDONE = "undone", "Undone"
    FAILED = "failed", "Failed"

    @property
    def running(self) -> bool:
        return self in (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportStep(StrEnum):
    """The two long steps of an import, each run as a job. The values are stored (``counts["failed_during"]``) and
    put in addresses (``?job=commit``), so they do not change."""

    CHECK = "check"
    COMMIT = "commit"

    @property
    def runs_in(self) -> ImportStatus:
        """The status a batch has while this step runs."""
        return _RUNS_IN[self]

    @classmethod
    def parse(cls, value: object) -> ImportStep | None:
        """The step a stored or posted value names, or None (an old record, a hand-edited address)."""
        return cls(value) if isinstance(value, str) and value in cls._value2member_map_ else None


_RUNS_IN = {ImportStep.CHECK: ImportStatus.CHECKING, ImportStep.COMMIT: ImportStatus.IMPORTING}

#: The statuses a batch may be in for each step to start. A failed batch runs its step again; a checked one may be
#: checked again (after the officer changes the columns) or imported.
STARTS_FROM: Mapping[ImportStep, tuple[ImportStatus, ...]] = {
    ImportStep.CHECK: (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED),
    ImportStep.COMMIT: (ImportStatus.CHECKED, ImportStatus.FAILED),
}
#: Statuses whose columns can still be chosen (and the file checked again): those the check may start from.
MAPPABLE = STARTS_FROM[ImportStep.CHECK]
#: Statuses whose stored problems describe the batch as it stands.
CHECKED_OR_DONE = (ImportStatus.CHECKED, ImportStatus.IMPORTED, ImportStatus.UNDONE)
#: Statuses in which the possible matches can be decided.
DECIDABLE = (ImportStatus.CHECKED,)
#: Statuses from which an import can be undone.
UNDOABLE = (ImportStatus.IMPORTED,)


class StepRefused(Exception):
    """An import step that cannot run now (the batch is not in a status it may start from, or the file has gone);
    the message is fit to show."""


def may_start(step: ImportStep, status: ImportStatus) -> bool:
    """Whether a batch in ``status`` may start ``step`` (be marked as running it)."""
    return status in STARTS_FROM[step]


def may_run(step: ImportStep, status: ImportStatus) -> bool:
    """Whether the step's work may run on a batch in ``status``: one it may start from, or the step's own running
    status (the job runner marks the batch running before the work begins)."""
    return status == step.runs_in or may_start(step, status)


def running_step(status: ImportStatus) -> ImportStep | None:
    """The step a batch in ``status`` is running, if any."""
    return next((step for step in ImportStep if step.runs_in == status), None)


def refusal(status: ImportStatus) -> StepRefused:
    """The refusal of a step the batch is not ready for, naming the status it is in."""
    return StepRefused(f"This import is {status.label.lower()}, so that cannot be done now")


def require_status(status: ImportStatus, *allowed: ImportStatus) -> None:
    """Raise :func:`refusal` unless ``status`` is one of ``allowed``."""
    if status not in allowed:
        raise refusal(status)


# --- Outcomes and counts --------------------------------------------------------------------------------------------


class RowOutcome(LabelledEnum):
    """What happens, or happened, to one data row. Every row ends as exactly one of these."""

    CREATED = "created", "New"
    UPDATED = "updated", "Update"
    UNCHANGED = "unchanged", "Unchanged"
    # The file says it has ended (dissolved, removed, struck off) and the officer chose to keep such rows: added as
    # archived, never published.
    ARCHIVED = "archived", "Archived"
    # The file says it has ended, and it matches an organisation on the register: that one is not changed, but
    # flagged for an officer to check.
    FLAGGED = "flagged", "Flagged for checking"
    REJECTED = "rejected", "Rejected"


#: The outcomes that must add up to the number of data rows.
FINAL_OUTCOMES = (
    RowOutcome.CREATED,
    RowOutcome.UPDATED,
    RowOutcome.UNCHANGED,
    RowOutcome.ARCHIVED,
    RowOutcome.FLAGGED,
    RowOutcome.REJECTED,
)
#: A row that may be an organisation on the register, before the officer decides: an outcome until the commit.
POSSIBLE_MATCH = "possible_match"

#: Every count a check or an import records, in the order they are listed, with the words the CLI lists them by.
#: ``rows`` is every non-blank row below the header; each has one outcome (or is a possible match before the
#: commit), and those add up to ``rows``. The rest count rows within those, and the blank rows skipped.
COUNT_LABELS: Mapping[str, str] = {
    "rows": "Rows in the file",
    "created": "New organisations",
    "updated": "Updated",
    "unchanged": "Unchanged",
    "archived": "Dissolved, kept as archived",
    "flagged": "Flagged as dissolved",
    "rejected": "Rejected",
    POSSIBLE_MATCH: "Possible matches to decide",
    "blank_rows": "Blank rows (skipped)",
    "with_warnings": "Imported with a warning",
    "dissolved": "Dissolved in the file",
    "register_dissolved": "Dissolved on a public register",
    "formula": "With a formula-like cell",
    "not_placed": "Not placed on the map",
}
COUNT_KEYS: tuple[str, ...] = tuple(COUNT_LABELS)
#: Counts listed only when there are some (the rest are always listed).
SHOWN_WHEN_ANY = frozenset({"archived", "flagged", "blank_rows", "dissolved", "register_dissolved", "formula"})
#: The outcomes that change the register when imported (a possible match may, once decided).
_CHANGING = (RowOutcome.CREATED, RowOutcome.UPDATED, RowOutcome.ARCHIVED, RowOutcome.FLAGGED)


def counts_of(stored: Mapping[str, Any]) -> dict[str, int]:
    """Every count, as a whole number (0 when not recorded), from a batch's stored counts."""
    return {key: int(stored.get(key, 0)) for key in COUNT_KEYS}


def outcome_total(counts: Mapping[str, int]) -> int:
    """The rows' outcomes added up, with the possible matches (before the commit)."""
    return sum(int(counts.get(o.value, 0)) for o in FINAL_OUTCOMES) + int(counts.get(POSSIBLE_MATCH, 0))


def counts_add_up(counts: Mapping[str, int]) -> bool:
    """True when the rows' outcomes (and possible matches, before the commit) add up to the rows in the file."""
    return outcome_total(counts) == int(counts.get("rows", 0))


#: How each term of the sum is worded on the batch page, before the import and after it.
_SUM_WORDS: Mapping[str, tuple[str, str]] = {
    RowOutcome.CREATED.value: ("new", "created"),
    RowOutcome.UPDATED.value: ("update", "updated"),
    RowOutcome.UNCHANGED.value: ("unchanged", "unchanged"),
    RowOutcome.ARCHIVED.value: ("archived", "archived"),
    RowOutcome.FLAGGED.value: ("flagged", "flagged"),
    POSSIBLE_MATCH: ("possible match", "possible match"),
    RowOutcome.REJECTED.value: ("rejected", "rejected"),
}
#: Terms always shown in the sum, even at nought, so the page says what every row could have become.
_ALWAYS_IN_SUM = frozenset({"created", "updated", "unchanged", "rejected"})


def sum_terms(counts: Mapping[str, int], *, after_import: bool) -> list[str]:
    """The words of the sum :func:`counts_add_up` checks, in order ("new + update + unchanged + rejected"):
    the outcomes always shown, the others when any row has them; possible matches only before the import."""
    terms = []
    for key, (before, after) in _SUM_WORDS.items():
        if key == POSSIBLE_MATCH and after_import:
            continue
        if key in _ALWAYS_IN_SUM or key == POSSIBLE_MATCH or int(counts.get(key, 0)):
            terms.append(after if after_import else before)
    return terms


def rows_to_change(counts: Mapping[str, int], undecided: int = 0) -> int:
    """How many rows a checked file would change on the register: new, updated, archived, flagged and possible
    matches, less the ``undecided`` matches (left as they are until decided)."""
    changing = sum(int(counts.get(o.value, 0)) for o in _CHANGING)
    return changing + int(counts.get(POSSIBLE_MATCH, 0)) - undecided
