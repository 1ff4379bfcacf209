"""What the import does with each row (a plan), and the counts of those plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.domain.imports.lifecycle import COUNT_KEYS, RowOutcome, counts_add_up
from app.domain.imports.rows import FORMULA, NOT_PLACED, ParsedRow, RowProblem
from app.domain.registers import RegisterEntry
from app.geo.placement import PlacementResult


@dataclass(frozen=True)
class Candidate:
    """A provider on the register a row may be, and why."""

    provider_id: int
    name: str
    score: float
    why: str


@dataclass
class RowPlan:
    """What the import does with one data row."""

    row: ParsedRow
    outcome: RowOutcome | None = None  # None: a possible match still to decide
    provider_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)
    extra_problems: list[RowProblem] = field(default_factory=list)
    service_ids: list[int] = field(default_factory=list)
    placement: PlacementResult | None = None
    # The loaded public register's record for the row's number (app.services.imports.register_facts), kept for the
    # provider it creates or updates; whether that number came from the register (matched by exact name and
    # postcode, not in the file), and whether the register's registered office placed it (the file gave no postcode).
    register_entry: RegisterEntry | None = None
    number_from_register: bool = False
    placed_by_register: bool = False

    @property
    def problems(self) -> list[RowProblem]:
        """The row's own problems, then those found matching it to the register."""
        return [*self.row.problems, *self.extra_problems]


@dataclass
class ImportCounts:
    """What a check or an import found, row by row. ``rows`` is every non-blank row below the header; each has one
    outcome (created ... rejected, or a possible match before the commit), and those add up to ``rows``. The rest
    count rows within those: blank rows skipped, rows with warnings, rows the file says are dissolved (and those a
    public register says are), rows with a formula-like cell, and organisations that could not be placed (each
    listed as a problem).

    One field per count the rulebook names (:data:`COUNT_KEYS`, in its order); :meth:`as_dict` is what a batch
    stores."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    flagged: int = 0
    rejected: int = 0
    possible_match: int = 0
    blank_rows: int = 0
    with_warnings: int = 0
    dissolved: int = 0
    register_dissolved: int = 0
    formula: int = 0
    not_placed: int = 0

    def add(self, plan: RowPlan) -> None:
        """Count one planned row: its outcome, and what it has within."""
        self.rows += 1
        if plan.outcome is None:
            self.possible_match += 1
        else:
            setattr(self, plan.outcome.value, getattr(self, plan.outcome.value) + 1)
        problems = plan.problems
        if plan.outcome != RowOutcome.REJECTED and any(not p.rejects for p in problems):
            self.with_warnings += 1
        if any(p.code == NOT_PLACED for p in problems):
            self.not_placed += 1
        if plan.row.ended:
            if plan.row.status.source is None:
                self.dissolved += 1
            else:  # the file said nothing of it: a public register says so
                self.register_dissolved += 1
        if any(p.code == FORMULA for p in problems):
            self.formula += 1

    def as_dict(self) -> dict[str, int]:
        """Every count by its key, as a batch stores them."""
        return {key: getattr(self, key) for key in COUNT_KEYS}

    @property
    def add_up(self) -> bool:
        """Whether the outcomes add up to the rows (the rulebook's :func:`counts_add_up`)."""
        return counts_add_up(self.as_dict())
