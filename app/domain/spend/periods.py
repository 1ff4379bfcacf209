"""The periods a spend report covers: a month, a quarter or a financial year (April to March), or a range of days.

Councils report community wealth building by financial year, and officers look at months and quarters to see a
change take hold, so every period can say what it is in words ("Q1 2026-27 (April to June 2026)"), give the period
before it for a comparison, and be written into a link and read back (``Period.parse(kind, value)``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.domain.labelled import LabelledEnum
from app.domain.refusals import Refusal

#: Spend before this year or after the last is a typing slip (no council published payments before 2010).
EARLIEST_YEAR = 2000
LATEST_YEAR = 2099
#: The financial year starts in April.
YEAR_START_MONTH = 4


class PeriodKind(LabelledEnum):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter", "Quarters of the financial year: Q1 is April to June"
    YEAR = "year", "Financial year", "April to March"
    RANGE = "range", "Dates of your choosing"


class PeriodError(Refusal):
    """A period that cannot be read or does not make sense; ``field`` names the question ('period', 'from', 'to')."""


def financial_year_of(day: date) -> int:
    """The calendar year a day's financial year starts in: 2027-02-01 is in 2026-27, so 2026."""
    return day.year if day.month >= YEAR_START_MONTH else day.year - 1


def year_label(start_year: int) -> str:
    """'2026-27'."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def span_label(start: date, end: date) -> str:
    """Days from ``start`` to ``end`` in words, saying a month or year once: '1 April to 29 May 2026', '2 to 28 April
    2026', '1 December 2025 to 29 January 2026', '3 April 2026'."""
    if start == end:
        return _day(start)
    if start.year != end.year:
        return f"{_day(start)} to {_day(end)}"
    if start.month != end.month:
        return f"{start.day} {start:%B} to {_day(end)}"
    return f"{start.day} to {_day(end)}"


def can_show(year: int) -> bool:
    """Whether a period of ``year`` can be chosen: spend dated outside these years is taken for a typing slip."""
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def years_shown() -> str:
    """The years a period can be chosen in, in words: '2000 to 2099'."""
    return f"{EARLIEST_YEAR} to {LATEST_YEAR}"


def _check_year(year: int, what: str, field_name: str) -> None:
    if not can_show(year):
        raise PeriodError(f"Enter {what} between {EARLIEST_YEAR} and {LATEST_YEAR}", field_name)


def _read_date(text: str, what: str, field_name: str) -> date:
    """A date as a link or the command line gives it: 2026-04-01 (or 1/4/2026, day first)."""
    cleaned = text.strip()
    found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", cleaned)
    if found:
        year, month, day = (int(part) for part in found.groups())
    else:
        found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", cleaned)
        if not found:
            raise PeriodError(f"Enter {what} as a date, like 2026-04-01", field_name)
        day, month, year = (int(part) for part in found.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        raise PeriodError(f"{what[0].upper()}{what[1:]} must be a real date, like 2026-04-01", field_name) from None
    _check_year(value.year, f"{what} in a year", field_name)
    return value


@dataclass(frozen=True, order=True)
class Period:
    """A span of whole days, ``start`` to ``end`` inclusive, of one kind."""

    start: date
    end: date
    kind: PeriodKind = field(default=PeriodKind.RANGE, compare=False)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("The end date must be the same as or after the start date", "to")

    # --- Making one -------------------------------------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        _check_year(year, "a year", "period")
        if not 1 <= month <= 12:
            raise PeriodError("Enter a month from 1 to 12", "period")
        return cls(date(year, month, 1), _month_end(year, month), PeriodKind.MONTH)

    @classmethod
    def quarter(cls, start_year: int, number: int) -> Period:
        """Quarter ``number`` (1 to 4) of the financial year starting in April ``start_year``."""
        _check_year(start_year, "a financial year starting", "period")
        if not 1 <= number <= 4:
            raise PeriodError("Enter a quarter from Q1 to Q4", "period")
        first = _add_months(start_year, YEAR_START_MONTH, 3 * (number - 1))
        last = _add_months(*first, 2)
        return cls(date(*first, 1), _month_end(*last), PeriodKind.QUARTER)

    @classmethod
    def financial_year(cls, start_year: int) -> Period:
        """April ``start_year`` to March of the year after."""
        _check_year(start_year, "a financial year starting", "period")
        return cls(date(start_year, YEAR_START_MONTH, 1), date(start_year + 1, 3, 31), PeriodKind.YEAR)

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        """The days from ``start`` to ``end``; a span that is exactly a month, quarter or financial year is one."""
        _check_year(start.year, "a start date in a year", "from")
        _check_year(end.year, "an end date in a year", "to")
        period = cls(start, end, PeriodKind.RANGE)
        for kind in (PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH):
            exact = period._as(kind)
            if exact is not None:
                return exact
        return period

    def _as(self, kind: PeriodKind) -> Period | None:
        """This span as a period of ``kind`` when it is exactly one."""
        if self.start.day != 1:
            return None
        if kind == PeriodKind.MONTH:
            candidate = Period.month(self.start.year, self.start.month)
        elif kind == PeriodKind.QUARTER:
            if (self.start.month - YEAR_START_MONTH) % 3:
                return None
            fy = financial_year_of(self.start)
            candidate = Period.quarter(fy, (self.start.month - YEAR_START_MONTH) % 12 // 3 + 1)
        else:
            if self.start.month != YEAR_START_MONTH:
                return None
            candidate = Period.financial_year(self.start.year)
        return candidate if candidate.end == self.end else None

    @classmethod
    def parse(cls, kind: str, value: str) -> Period:
        """Read a period back from a link: ('month', '2026-04'), ('quarter', '2026-27-Q1'), ('year', '2026-27'),
        ('range', '2026-04-01/2026-05-31'). Refuses anything else with a message to show."""
        try:
            period_kind = PeriodKind(kind)
        except ValueError:
            raise PeriodError("Choose a month, a quarter, a financial year or dates", "period") from None
        text = (value or "").strip()
        if period_kind == PeriodKind.MONTH:
            found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
            if not found:
                raise PeriodError("Enter a month like 2026-04", "period")
            return cls.month(int(found.group(1)), int(found.group(2)))
        if period_kind == PeriodKind.QUARTER:
            found = re.fullmatch(r"(\d{4})(?:-(\d{2}))?[- ]?Q([1-4])", text, re.IGNORECASE)
            if not found:
                raise PeriodError("Enter a quarter like 2026-27-Q1", "period")
            start_year = int(found.group(1))
            cls._check_second_year(start_year, found.group(2))
            return cls.quarter(start_year, int(found.group(3)))
        if period_kind == PeriodKind.YEAR:
            found = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", text)
            if not found:
                raise PeriodError("Enter a financial year like 2026-27", "period")
            start_year = int(found.group(1))
            cls._check_second_year(start_year, found.group(2))
            return cls.financial_year(start_year)
        parts = re.split(r"/|\.\.", text)
        if len(parts) != 2:
            raise PeriodError("Enter a start date and an end date, like 2026-04-01/2026-05-31", "period")
        start = _read_date(parts[0], "the start date", "from")
        end = _read_date(parts[1], "the end date", "to")
        return cls(start, end, PeriodKind.RANGE)

    @staticmethod
    def _check_second_year(start_year: int, second: str | None) -> None:
        if second is not None and int(second) != (start_year + 1) % 100:
            raise PeriodError(
                f"A financial year runs April to March: {start_year} is followed by {year_label(start_year)}", "period"
            )

    @classmethod
    def from_dates(cls, start_text: str | None, end_text: str | None) -> Period:
        """The period between two dates as typed (the command line's --from and --to): both are needed."""
        if not (start_text or "").strip():
            raise PeriodError("Enter the start date", "from")
        if not (end_text or "").strip():
            raise PeriodError("Enter the end date", "to")
        start = _read_date(start_text or "", "the start date", "from")
        end = _read_date(end_text or "", "the end date", "to")
        if end < start:
            raise PeriodError("The end date must be the same as or after the start date", "to")
        return cls.between(start, end)

    # --- Saying what it is ------------------------------------------------------------------------------------

    @property
    def value(self) -> str:
        """What :meth:`parse` reads back, with ``kind``: '2026-04', '2026-27-Q1', '2026-27', '2026-04-01/2026-05-31'."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{year_label(financial_year_of(self.start))}-Q{self.quarter_number}"
        if self.kind == PeriodKind.YEAR:
            return year_label(self.start.year)
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @property
    def quarter_number(self) -> int:
        """1 to 4 for a quarter of the financial year (the quarter the start falls in, for any period)."""
        return (self.start.month - YEAR_START_MONTH) % 12 // 3 + 1

    @property
    def label(self) -> str:
        """'April 2026', 'Q1 2026-27 (April to June 2026)', '2026-27', '1 April 2026 to 31 May 2026'."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%B %Y}"
        if self.kind == PeriodKind.QUARTER:
            months = (
                f"{self.start:%B} to {self.end:%B %Y}"
                if self.start.year == self.end.year
                else f"{self.start:%B %Y} to {self.end:%B %Y}"
            )
            return f"Q{self.quarter_number} {year_label(financial_year_of(self.start))} ({months})"
        if self.kind == PeriodKind.YEAR:
            return year_label(self.start.year)
        if self.start == self.end:
            return _day(self.start)
        return f"{_day(self.start)} to {_day(self.end)}"

    @property
    def in_sentence(self) -> str:
        """How the period reads after 'in' or 'from': 'in 2026-27', 'in April 2026', 'from 1 April to ...'."""
        if self.kind == PeriodKind.RANGE:
            return f"on {self.label}" if self.start == self.end else f"from {self.label}"
        return f"in {self.label}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def months(self) -> list[tuple[int, int]]:
        """Every (year, month) the period touches, in order."""
        found: list[tuple[int, int]] = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            found.append((year, month))
            year, month = _add_months(year, month, 1)
        return found

    # --- Its neighbours ---------------------------------------------------------------------------------------

    def previous(self) -> Period:
        """The period just before, of the same kind (a range: as many days, ending the day before this starts)."""
        if self.kind == PeriodKind.MONTH:
            return Period.month(*_add_months(self.start.year, self.start.month, -1))
        if self.kind == PeriodKind.QUARTER:
            fy = financial_year_of(self.start)
            if self.quarter_number == 1:
                return Period.quarter(fy - 1, 4)
            return Period.quarter(fy, self.quarter_number - 1)
        if self.kind == PeriodKind.YEAR:
            return Period.financial_year(self.start.year - 1)
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end, PeriodKind.RANGE)

    def year_before(self) -> Period:
        """The same period a year earlier: what a seasonal comparison wants."""
        if self.kind == PeriodKind.MONTH:
            return Period.month(self.start.year - 1, self.start.month)
        if self.kind == PeriodKind.QUARTER:
            return Period.quarter(financial_year_of(self.start) - 1, self.quarter_number)
        if self.kind == PeriodKind.YEAR:
            return self.previous()
        return Period(_year_earlier(self.start), _year_earlier(self.end), PeriodKind.RANGE)


def previous_of(period: Period) -> Period | None:
    """The period just before ``period`` (see :meth:`Period.previous`), or None when it would fall before the
    earliest year a period can be chosen in."""
    try:
        return period.previous()
    except PeriodError:
        return None


def year_before_of(period: Period) -> Period | None:
    """The same period a year earlier (see :meth:`Period.year_before`), or None before the earliest year."""
    try:
        return period.year_before()
    except PeriodError:
        return None


def _year_earlier(day: date) -> date:
    # 29 February has no day a year before: the 28th stands in.
    return date(day.year - 1, day.month, min(day.day, calendar.monthrange(day.year - 1, day.month)[1]))


@dataclass(frozen=True)
class PeriodChoices:
    """The months, quarters and financial years that hold payments, newest first, for a period chooser.

    ``outside`` holds the months with payments dated outside the years a period can be chosen in (a date typed
    as 07/04/1999 or 2101): no period shows them, so the pages say so rather than fail; ``outside_payments`` says
    how many payments they hold (0 when only the months were given).
    """

    months: list[Period]
    quarters: list[Period]
    years: list[Period]
    outside: tuple[tuple[int, int], ...] = ()
    outside_payments: int = 0

    @property
    def latest_year(self) -> Period | None:
        return self.years[0] if self.years else None

    @property
    def empty(self) -> bool:
        return not self.months

    def default(self) -> Period | None:
        """The period a report opens on: the latest financial year with payments (else the latest month: January
        to March 2000 are months of a financial year, 1999-00, that cannot be chosen)."""
        return self.latest_year or (self.months[0] if self.months else None)

    def of_kind(self, kind: PeriodKind) -> list[Period]:
        """The periods of ``kind`` that hold payments, newest first (none for a range: those are not listed)."""
        return {PeriodKind.MONTH: self.months, PeriodKind.QUARTER: self.quarters, PeriodKind.YEAR: self.years}.get(
            kind, []
        )

    def holds(self, period: Period) -> bool | None:
        """Whether ``period`` holds payments: a month, quarter or year is listed only when it does; for a range
        this cannot say (None), since payments are counted by month."""
        if period.kind == PeriodKind.RANGE:
            return None
        return period in self.of_kind(period.kind)

    def other_with_data(self, period: Period) -> Period | None:
        """Another period of the same kind that holds payments, to compare ``period`` with: the latest one before
        it, else the latest one after it; None for a range or when there is no other."""
        others = [p for p in self.of_kind(period.kind) if p != period]
        earlier = [p for p in others if p.end < period.start]
        chosen = earlier or others
        return chosen[0] if chosen else None


def periods_with_data(months: Iterable[tuple[int, int]] | Mapping[tuple[int, int], int]) -> PeriodChoices:
    """The periods that hold payments, given the (year, month) pairs that do (a mapping's counts of 0 are left out).

    Months outside the years a period can be chosen in are set apart in ``outside``, never raised: a payment dated
    1999 in an imported file must not stop the report opening.
    """
    counts: dict[tuple[int, int], int] | None = None
    if isinstance(months, Mapping):
        counts = {key: count for key, count in months.items() if count}
        held = set(counts)
    else:
        held = set(months)
    ordered = sorted(held, reverse=True)
    outside = tuple(key for key in ordered if not can_show(key[0]))
    month_periods = [Period.month(year, month) for year, month in ordered if can_show(year)]
    quarters: dict[tuple[int, int], Period] = {}
    years: dict[int, Period] = {}
    for period in month_periods:
        fy = financial_year_of(period.start)
        if not can_show(fy):
            continue  # January to March 2000: its financial year, 1999-00, cannot be chosen; the months can
        quarters.setdefault((fy, period.quarter_number), Period.quarter(fy, period.quarter_number))
        years.setdefault(fy, Period.financial_year(fy))
    return PeriodChoices(
        month_periods,
        sorted(quarters.values(), reverse=True),
        sorted(years.values(), reverse=True),
        outside,
        sum(counts[key] for key in outside) if counts is not None else 0,
    )
