"""Officers changing a council's spend bands: add, change and retire, without rewriting history.

A band row is never edited once written, except to give it an end date: a change ends the row on the change's
date and adds a new row from that date, so the bands in force on any past date can still be rebuilt. Before
anything is added, the council's band set that would result is checked with the domain's rules on every date
the change touches; a change that would add an overlap, a gap or "local only" at or above the statutory
threshold is refused with the reason in words.

Moving the limit between two bands, splitting a band or merging one into its neighbour are each a change to two
bands at once; ``adjust_adjoining`` asks the service to move the bands next to the one being changed so that they
still meet. Without it, any change that leaves a gap or an overlap is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.bands import (
    Band,
    BandTable,
    BandValues,
    ResolvedBand,
    band_date_problem,
    band_set_issues_by_date,
    band_set_problems,
    band_set_warnings,
    band_table,
    band_value_problems,
    change_dates,
    resolve,
)
from app.domain.policy import ContractType, Threshold, threshold_in_force
from app.domain.refusals import Refusal
from app.models import Council, SpendBand, User
from app.services import audit
from app.services.audit import Actor
from app.services.policy import band_rule, thresholds

NOT_CURRENT = "This version of the band has already been replaced or retired. Change the latest version."


class BandConfigError(Refusal):
    """A change to the bands that cannot be made; ``field`` names the question to show it beside."""

    def __init__(self, message: str, field: str | None = None, problems: Sequence[str] = ()) -> None:
        super().__init__(message, field)
        self.problems = tuple(problems)


# Reading ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandVersion:
    """One stored row of a band with its range in words, resolved on the date it starts."""

    row: SpendBand
    resolved: ResolvedBand

    @property
    def never_applied(self) -> bool:
        return self.row.effective_to is not None and self.row.effective_to <= self.row.effective_from

    @property
    def last_day(self) -> date | None:
        """The last day the version applies: the day before its end date, which is exclusive."""
        return self.row.effective_to - timedelta(days=1) if self.row.effective_to else None


@dataclass(frozen=True)
class BandRegister:
    """What the spend bands page shows: today's bands, what is wrong with them, and every other version."""

    today: date
    in_force: list[BandVersion]
    problems: list[str]
    warnings: list[str]
    upcoming: list[BandVersion]
    past: list[BandVersion]
    upcoming_problems: list[tuple[date, list[str]]] = field(default_factory=list)
    #: Today's bands as the search reads a value entered each way (app/domain/bands.py band_table).
    as_entered: BandTable | None = None


def council_rows(session: Session, council: Council) -> list[SpendBand]:
    return list(
        session.scalars(
            select(SpendBand)
            .where(SpendBand.council_id == council.id)
            .order_by(SpendBand.effective_from, SpendBand.code, SpendBand.id)
        )
    )


def band_register(session: Session, council: Council, today: date) -> BandRegister:
    """The council's bands in force today, the problems and warnings of that set, and the history."""
    rows = council_rows(session, council)
    held = thresholds(session)
    rules = {row.id: band_rule(row) for row in rows}
    bands = list(rules.values())
    row_of = {id(rule): row for row, rule in zip(rows, rules.values(), strict=True)}
    in_force = [
        BandVersion(row_of[id(r.band)], r) for r in resolve(bands, held, ContractType.GOODS_AND_SERVICES, today)
    ]

    def version(row: SpendBand) -> BandVersion:
        threshold = threshold_in_force(held, ContractType.GOODS_AND_SERVICES, row.effective_from)
        return BandVersion(row, ResolvedBand(rules[row.id], threshold))

    upcoming = [version(row) for row in rows if row.effective_from > today]
    past = [version(row) for row in rows if row.effective_to is not None and row.effective_to <= today]
    past.sort(key=lambda v: (v.row.effective_to or today, v.row.effective_from, v.row.code), reverse=True)
    # Where a band starts or ends after today; a threshold's own change is not looked ahead to here.
    coming = {on for on in change_dates(bands, ()) if on > today}
    upcoming_problems = [
        (on, [issue.text for issue in issues]) for on, issues in band_set_issues_by_date(bands, held, coming)
    ]
    return BandRegister(
        today=today,
        in_force=in_force,
        problems=band_set_problems(bands, held, today),
        warnings=band_set_warnings(bands, held, today),
        upcoming=upcoming,
        past=past,
        upcoming_problems=upcoming_problems,
        as_entered=band_table(bands, held, ContractType.GOODS_AND_SERVICES, today),
    )


def current_row(session: Session, council: Council, band_id: int) -> SpendBand | None:
    """The council's band row with this id, or None when it is another council's or does not exist."""
    row = session.get(SpendBand, band_id)
    return row if row is not None and row.council_id == council.id else None


# Changing ---------------------------------------------------------------------------------------------------------

# An edge of a band: (is the statutory threshold, pence). (False, None) as an upper edge is "no upper limit".
Edge = tuple[bool, int | None]
NO_LIMIT: Edge = (False, None)


def _lower_edge(row: SpendBand) -> Edge:
    return (True, None) if row.lower_is_statutory_threshold else (False, row.lower_pence)


def _upper_edge(row: SpendBand) -> Edge:
    return (True, None) if row.upper_is_statutory_threshold else (False, row.upper_pence)


def _values_edges(values: BandValues) -> tuple[Edge, Edge]:
    lower: Edge = (True, None) if values.lower_is_threshold else (False, values.lower_pence)
    upper: Edge = (True, None) if values.upper_is_threshold else (False, values.upper_pence)
    return lower, upper


def band_columns(values: BandValues) -> dict[str, Any]:
    """A band's values as the columns of its row: text trimmed, and no pence kept for a bound at the threshold."""
    return {
        "code": values.code.strip(),
        "label": values.label.strip(),
        "lower_pence": 0 if values.lower_is_threshold else values.lower_pence,
        "upper_pence": None if values.upper_is_threshold else values.upper_pence,
        "lower_is_statutory_threshold": values.lower_is_threshold,
        "upper_is_statutory_threshold": values.upper_is_threshold,
        "vat_basis": values.vat_basis,
        "min_quotes": values.min_quotes,
        "route": values.route.strip(),
        "advertised": values.advertised,
        "locality_rule": values.locality_rule,
        "reservation": values.reservation,
        "rationale": (values.rationale or "").strip() or None,
    }


def _row(council_id: int, values: BandValues, effective_from: date, effective_to: date | None = None) -> SpendBand:
    """A new, unsaved row; every column is set here because column defaults only apply on flush."""
    return SpendBand(
        council_id=council_id, effective_from=effective_from, effective_to=effective_to, **band_columns(values)
    )


def _with_edges(values: BandValues, lower: Edge | None = None, upper: Edge | None = None) -> BandValues:
    if lower is not None:
        values = replace(values, lower_is_threshold=lower[0], lower_pence=0 if lower[0] else (lower[1] or 0))
    if upper is not None:
        values = replace(values, upper_is_threshold=upper[0], upper_pence=None if upper[0] else upper[1])
    return values


@dataclass
class _Plan:
    """Rows to end on a date and rows to add, checked together before any of them touches the session."""

    council_id: int
    on: date
    ends: list[tuple[SpendBand, date]] = field(default_factory=list)
    adds: list[SpendBand] = field(default_factory=list)
    # (old row, new row) for each band next door that moved to keep the bands meeting.
    moved: list[tuple[SpendBand, SpendBand]] = field(default_factory=list)

    def move(self, row: SpendBand, lower: Edge | None = None, upper: Edge | None = None) -> None:
        new = _row(self.council_id, _with_edges(BandValues.of(row), lower, upper), self.on, row.effective_to)
        self.ends.append((row, self.on))
        self.adds.append(new)
        self.moved.append((row, new))


def _in_force_on(rows: Iterable[SpendBand], on: date, leave_out: SpendBand | None = None) -> list[SpendBand]:
    return [
        r
        for r in rows
        if r is not leave_out and r.effective_from <= on and (r.effective_to is None or on < r.effective_to)
    ]


def _refusal(new_problems: dict[str, date]) -> str:
    by_date: dict[date, list[str]] = {}
    for problem, on in new_problems.items():
        by_date.setdefault(on, []).append(problem)
    # A full stop, not a colon, before the problems: each is a sentence that starts with a capital.
    parts = [
        f"The bands would {'also ' if i else ''}not work from {on:%-d %B %Y}. {' '.join(found)}"
        for i, (on, found) in enumerate(sorted(by_date.items()))
    ]
    return " ".join(parts)


def _check(
    session: Session, rows: Sequence[SpendBand], plan: _Plan, today: date | None, bounds_field: str | None
) -> None:
    """Refuse the plan if the band set it leaves has a problem, on any date it touches, that it did not have."""
    held: list[Threshold] = thresholds(session)
    ending = {id(row): on for row, on in plan.ends}
    before = [band_rule(row) for row in rows]
    after: list[Band] = [
        replace(band_rule(row), effective_to=ending[id(row)]) if id(row) in ending else band_rule(row) for row in rows
    ]
    after += [band_rule(row) for row in plan.adds]
    dates = {plan.on, *change_dates(after, held)}
    if today is not None:
        dates.add(today)
    dates = {on for on in dates if on >= plan.on}
    had = {on: {issue.text for issue in issues} for on, issues in band_set_issues_by_date(before, held, dates)}
    new_problems: dict[str, date] = {}
    questions: dict[str, str] = {}
    for on, issues in band_set_issues_by_date(after, held, dates):
        for issue in issues:
            if issue.text not in had.get(on, set()):
                new_problems.setdefault(issue.text, on)
                questions.setdefault(issue.text, issue.question)
    if new_problems:
        # Show the refusal beside the question it is about: the locality rule or reservation when every new
        # problem is about that, else where the band starts (or the date, when retiring).
        about = set(questions.values())
        field = bounds_field
        if bounds_field and len(about) == 1 and (only := about.pop()) != "bounds":
            field = only
        raise BandConfigError(_refusal(new_problems), field, list(new_problems))


def _check_code(rows: Sequence[SpendBand], plan: _Plan, new: SpendBand) -> None:
    for other in _in_force_on(rows, plan.on):
        if other.code.lower() == new.code.lower() and other not in (row for row, _ in plan.ends):
            raise BandConfigError(
                f"{other.label} already has the code {other.code} from {plan.on:%-d %B %Y}. Enter a different code",
                "code",
            )


def _check_values(values: BandValues) -> None:
    problems = band_value_problems(values)
    if problems:
        where, message = problems[0]
        raise BandConfigError(message, where)


def _check_version_date(band_row: SpendBand, on: date, today: date | None, what: str, field: str) -> None:
    """Refuse a date to change or retire a band from that the rules refuse, or that is not after the version's first
    day: a row already in force keeps at least one day, so what applied on its first day stays on record."""
    if problem := band_date_problem(on, what, today):
        raise BandConfigError(problem, field)
    not_started = today is not None and band_row.effective_from > today
    if on < band_row.effective_from or (on == band_row.effective_from and not not_started):
        raise BandConfigError(
            f"{what} must be after {band_row.effective_from:%-d %B %Y}, when this version of the band started", field
        )


def _resolved_bounds(band: Band, held: Sequence[Threshold], on: date) -> tuple[int, float | int]:
    item = ResolvedBand(band, threshold_in_force(held, ContractType.GOODS_AND_SERVICES, on))
    return item.lower, float("inf") if item.upper is None else item.upper


def _snapshot(row: SpendBand) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "label": row.label,
        "lower_pence": row.lower_pence,
        "lower_is_statutory_threshold": row.lower_is_statutory_threshold,
        "upper_pence": row.upper_pence,
        "upper_is_statutory_threshold": row.upper_is_statutory_threshold,
        "vat_basis": row.vat_basis.value,
        "min_quotes": row.min_quotes,
        "route": row.route,
        "advertised": row.advertised,
        "locality_rule": row.locality_rule.value,
        "reservation": row.reservation.value,
        "rationale": row.rationale,
        "effective_from": row.effective_from.isoformat(),
        "effective_to": row.effective_to.isoformat() if row.effective_to else None,
    }


def _apply(session: Session, actor: Actor, plan: _Plan, because: SpendBand) -> None:
    """Write the plan, then one audit event for each band next door that moved with ``because``."""
    before = {id(row): _snapshot(row) for row, _ in plan.ends}
    for row, on in plan.ends:
        row.effective_to = on
    session.add_all(plan.adds)
    session.flush()
    for old, new in plan.moved:
        audit.record(
            session,
            actor,
            "spend_band.changed",
            "spend_band",
            new.id,
            {
                "before": before[id(old)],
                "after": _snapshot(new),
                "replaces": old.id,
                "effective_from": plan.on.isoformat(),
                "moved_with": because.id,
            },
        )


def add_band(
    session: Session,
    officer: User,
    council: Council,
    values: BandValues,
    today: date,
    *,
    effective_from: date | None = None,
    adjust_adjoining: bool = False,
) -> SpendBand:
    """Add a band to the council's set from ``effective_from`` (today when not given)."""
    on = effective_from or today
    _check_values(values)
    if problem := band_date_problem(on, "The date the band applies from", today):
        raise BandConfigError(problem, "effective_from")
    rows = council_rows(session, council)
    plan = _Plan(council.id, on)
    new = _row(council.id, values, on)
    if adjust_adjoining:
        # The new band takes its range from the band or bands it lands in: each keeps the part outside it.
        held = thresholds(session)
        low, high = _resolved_bounds(band_rule(new), held, on)
        lower, upper = _values_edges(values)
        for other in _in_force_on(rows, on):
            other_low, other_high = _resolved_bounds(band_rule(other), held, on)
            if other_low < low < other_high:
                plan.move(other, upper=lower)
            elif low <= other_low < high < other_high:
                plan.move(other, lower=upper)
    plan.adds.insert(0, new)
    _check_code(rows, plan, new)
    _check(session, rows, plan, today, "lower_kind")
    _apply(session, Actor.of(officer), plan, new)
    audit.record(
        session,
        Actor.of(officer),
        "spend_band.added",
        "spend_band",
        new.id,
        {"before": None, "after": _snapshot(new), "effective_from": on.isoformat()},
    )
    return new


def change_band(
    session: Session,
    officer: User,
    band_row: SpendBand,
    values: BandValues,
    effective_from: date,
    today: date,
    *,
    adjust_adjoining: bool = False,
) -> SpendBand:
    """End the band's current row on ``effective_from`` and add a row with the new values from that date."""
    if band_row.effective_to is not None:
        raise BandConfigError(NOT_CURRENT)
    _check_values(values)
    on = effective_from
    _check_version_date(band_row, on, today, "The date the change applies from", "effective_from")
    rows = council_rows(session, band_row.council)
    plan = _Plan(band_row.council_id, on)
    new = _row(band_row.council_id, values, on)
    plan.ends.append((band_row, on))
    plan.adds.append(new)
    if adjust_adjoining:
        old_lower, old_upper = _lower_edge(band_row), _upper_edge(band_row)
        new_lower, new_upper = _values_edges(values)
        for other in _in_force_on(rows, on, leave_out=band_row):
            if new_lower != old_lower and _upper_edge(other) == old_lower:
                plan.move(other, upper=new_lower)
            elif new_upper != old_upper and NO_LIMIT not in (old_upper, new_upper) and _lower_edge(other) == old_upper:
                plan.move(other, lower=new_upper)
    _check_code(rows, plan, new)
    _check(session, rows, plan, today, "lower_kind")
    before = _snapshot(band_row)
    _apply(session, Actor.of(officer), plan, new)
    audit.record(
        session,
        Actor.of(officer),
        "spend_band.changed",
        "spend_band",
        new.id,
        {"before": before, "after": _snapshot(new), "replaces": band_row.id, "effective_from": on.isoformat()},
    )
    return new


def retire_band(
    session: Session,
    officer: User,
    band_row: SpendBand,
    effective_to: date,
    *,
    today: date | None = None,
    adjust_adjoining: bool = False,
) -> SpendBand:
    """End the band on ``effective_to``: it applies up to the day before. Returns the band row."""
    if band_row.effective_to is not None:
        raise BandConfigError(NOT_CURRENT)
    on = effective_to
    _check_version_date(band_row, on, today, "The date the band stops applying", "effective_to")
    rows = council_rows(session, band_row.council)
    plan = _Plan(band_row.council_id, on)
    plan.ends.append((band_row, on))
    if adjust_adjoining:
        # The band below takes over the retired band's values; if it was the lowest, the band above does.
        neighbours = _in_force_on(rows, on, leave_out=band_row)
        below = next((r for r in neighbours if _upper_edge(r) == _lower_edge(band_row)), None)
        above = next((r for r in neighbours if _lower_edge(r) == _upper_edge(band_row) != NO_LIMIT), None)
        if below is not None:
            plan.move(below, upper=_upper_edge(band_row))
        elif above is not None:
            plan.move(above, lower=_lower_edge(band_row))
    _check(session, rows, plan, today, None)
    before = _snapshot(band_row)
    _apply(session, Actor.of(officer), plan, band_row)
    audit.record(
        session,
        Actor.of(officer),
        "spend_band.retired",
        "spend_band",
        band_row.id,
        {"before": before, "after": _snapshot(band_row), "effective_to": on.isoformat()},
    )
    return band_row
