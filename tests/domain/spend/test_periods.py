"""Report periods: months, quarters and financial years (April to March), ranges; words, links, neighbours."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.spend.periods import (
    Period,
    PeriodError,
    PeriodKind,
    financial_year_of,
    periods_with_data,
    previous_of,
    span_label,
    year_before_of,
    year_label,
)


@pytest.mark.parametrize(
    ("period", "start", "end", "label"),
    [
        (Period.month(2026, 4), date(2026, 4, 1), date(2026, 4, 30), "April 2026"),
        (Period.month(2024, 2), date(2024, 2, 1), date(2024, 2, 29), "February 2024"),
        (Period.quarter(2026, 1), date(2026, 4, 1), date(2026, 6, 30), "Q1 2026-27 (April to June 2026)"),
        (Period.quarter(2026, 3), date(2026, 10, 1), date(2026, 12, 31), "Q3 2026-27 (October to December 2026)"),
        (Period.quarter(2026, 4), date(2027, 1, 1), date(2027, 3, 31), "Q4 2026-27 (January to March 2027)"),
        (Period.financial_year(2026), date(2026, 4, 1), date(2027, 3, 31), "2026-27"),
        (Period.financial_year(1999 + 1), date(2000, 4, 1), date(2001, 3, 31), "2000-01"),
        (Period.financial_year(2099), date(2099, 4, 1), date(2100, 3, 31), "2099-00"),
        (
            Period(date(2026, 4, 1), date(2026, 5, 31)),
            date(2026, 4, 1),
            date(2026, 5, 31),
            "1 April 2026 to 31 May 2026",
        ),
        (Period(date(2026, 4, 7), date(2026, 4, 7)), date(2026, 4, 7), date(2026, 4, 7), "7 April 2026"),
    ],
)
def test_each_kind_has_its_days_and_words(period: Period, start: date, end: date, label: str) -> None:
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize(
    ("period", "kind", "value"),
    [
        (Period.month(2026, 4), "month", "2026-04"),
        (Period.quarter(2026, 4), "quarter", "2026-27-Q4"),
        (Period.financial_year(2026), "year", "2026-27"),
        (Period(date(2026, 4, 3), date(2026, 5, 31)), "range", "2026-04-03/2026-05-31"),
    ],
)
def test_a_period_goes_into_a_link_and_comes_back(period: Period, kind: str, value: str) -> None:
    assert (period.kind.value, period.value) == (kind, value)
    again = Period.parse(kind, value)
    assert again == period and again.kind == period.kind and again.label == period.label


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("month", "2026-4", Period.month(2026, 4)),
        ("quarter", "2026-Q2", Period.quarter(2026, 2)),
        ("quarter", "2026-27 q2", Period.quarter(2026, 2)),
        ("year", "2026", Period.financial_year(2026)),
        ("range", "2026-04-01..2026-04-30", Period(date(2026, 4, 1), date(2026, 4, 30))),
        ("range", "1/4/2026/30/4/2026", None),
    ],
)
def test_parse_is_forgiving_where_it_is_certain(kind: str, value: str, expected: Period | None) -> None:
    if expected is None:
        with pytest.raises(PeriodError):
            Period.parse(kind, value)
    else:
        assert Period.parse(kind, value) == expected


@pytest.mark.parametrize(
    ("kind", "value", "message", "field"),
    [
        ("week", "2026-04", "Choose a month, a quarter, a financial year or dates", "period"),
        ("month", "April", "Enter a month like 2026-04", "period"),
        ("month", "2026-13", "Enter a month from 1 to 12", "period"),
        ("month", "1899-01", "Enter a year between 2000 and 2099", "period"),
        ("quarter", "2026-27-Q5", "Enter a quarter like 2026-27-Q1", "period"),
        ("quarter", "2026-28-Q1", "A financial year runs April to March: 2026 is followed by 2026-27", "period"),
        ("year", "2026-28", "A financial year runs April to March: 2026 is followed by 2026-27", "period"),
        ("year", "", "Enter a financial year like 2026-27", "period"),
        ("range", "2026-04-01", "Enter a start date and an end date, like 2026-04-01/2026-05-31", "period"),
        ("range", "2026-02-30/2026-03-01", "The start date must be a real date, like 2026-04-01", "from"),
        ("range", "2026-04-01/soon", "Enter the end date as a date, like 2026-04-01", "to"),
        ("range", "2026-05-01/2026-04-01", "The end date must be the same as or after the start date", "to"),
    ],
)
def test_parse_refuses_what_it_cannot_read_with_a_message(kind: str, value: str, message: str, field: str) -> None:
    with pytest.raises(PeriodError) as caught:
        Period.parse(kind, value)
    assert (str(caught.value), caught.value.field) == (message, field)


@pytest.mark.parametrize(
    ("start", "end", "kind", "label"),
    [
        ("2026-04-01", "2027-03-31", PeriodKind.YEAR, "2026-27"),
        ("2026-07-01", "2026-09-30", PeriodKind.QUARTER, "Q2 2026-27 (July to September 2026)"),
        ("2027-02-01", "2027-02-28", PeriodKind.MONTH, "February 2027"),
        ("1/4/2026", "31/5/2026", PeriodKind.RANGE, "1 April 2026 to 31 May 2026"),
        ("2026-01-01", "2026-12-31", PeriodKind.RANGE, "1 January 2026 to 31 December 2026"),
        ("2026-05-01", "2026-07-31", PeriodKind.RANGE, "1 May 2026 to 31 July 2026"),
    ],
)
def test_dates_that_make_a_month_quarter_or_year_become_one(start: str, end: str, kind: PeriodKind, label: str) -> None:
    period = Period.from_dates(start, end)
    assert (period.kind, period.label) == (kind, label)


@pytest.mark.parametrize(
    ("start", "end", "message", "field"),
    [
        (None, "2026-04-30", "Enter the start date", "from"),
        ("2026-04-01", " ", "Enter the end date", "to"),
        ("2026-04-30", "2026-04-01", "The end date must be the same as or after the start date", "to"),
        ("yesterday", "2026-04-01", "Enter the start date as a date, like 2026-04-01", "from"),
    ],
)
def test_from_dates_needs_two_dates_in_order(start: str | None, end: str, message: str, field: str) -> None:
    with pytest.raises(PeriodError) as caught:
        Period.from_dates(start, end)
    assert (str(caught.value), caught.value.field) == (message, field)


@pytest.mark.parametrize(
    ("period", "previous", "year_before"),
    [
        (Period.month(2026, 1), Period.month(2025, 12), Period.month(2025, 1)),
        (Period.quarter(2026, 1), Period.quarter(2025, 4), Period.quarter(2025, 1)),
        (Period.quarter(2026, 3), Period.quarter(2026, 2), Period.quarter(2025, 3)),
        (Period.financial_year(2026), Period.financial_year(2025), Period.financial_year(2025)),
        (
            Period(date(2026, 4, 11), date(2026, 4, 20)),
            Period(date(2026, 4, 1), date(2026, 4, 10)),
            Period(date(2025, 4, 11), date(2025, 4, 20)),
        ),
        (
            Period(date(2024, 2, 29), date(2024, 3, 1)),
            Period(date(2024, 2, 27), date(2024, 2, 28)),
            Period(date(2023, 2, 28), date(2023, 3, 1)),
        ),
    ],
)
def test_the_period_before_and_the_same_period_a_year_before(
    period: Period, previous: Period, year_before: Period
) -> None:
    assert period.previous() == previous and period.previous().kind == period.kind
    assert period.year_before() == year_before and period.year_before().kind == period.kind


def test_months_and_sentences() -> None:
    assert Period.quarter(2026, 4).months == [(2027, 1), (2027, 2), (2027, 3)]
    assert len(Period.financial_year(2026).months) == 12
    assert Period(date(2026, 4, 30), date(2026, 5, 1)).months == [(2026, 4), (2026, 5)]
    assert Period.financial_year(2026).in_sentence == "in 2026-27"
    assert Period(date(2026, 4, 1), date(2026, 5, 31)).in_sentence == "from 1 April 2026 to 31 May 2026"
    assert Period.month(2026, 4).contains(date(2026, 4, 30)) and not Period.month(2026, 4).contains(date(2026, 5, 1))
    assert financial_year_of(date(2027, 3, 31)) == 2026 and financial_year_of(date(2027, 4, 1)) == 2027
    assert year_label(2099) == "2099-00"


def test_periods_with_data_lists_what_holds_payments_newest_first() -> None:
    choices = periods_with_data({(2026, 3): 10, (2026, 4): 5, (2026, 7): 1, (2026, 8): 0})
    assert [p.label for p in choices.months] == ["July 2026", "April 2026", "March 2026"]
    assert [p.value for p in choices.quarters] == ["2026-27-Q2", "2026-27-Q1", "2025-26-Q4"]
    assert [p.label for p in choices.years] == ["2026-27", "2025-26"]
    assert choices.default() == Period.financial_year(2026)
    empty = periods_with_data([])
    assert empty.empty and empty.default() is None


def test_months_outside_the_years_a_period_can_show_are_set_apart_not_raised() -> None:
    """A payment typed as 07/04/1999 (or 2101) in an imported file must not stop the report opening."""
    choices = periods_with_data({(1999, 4): 1, (2101, 1): 2, (2026, 4): 5})
    assert [p.label for p in choices.months] == ["April 2026"]
    assert [p.label for p in choices.years] == ["2026-27"]
    assert choices.outside == ((2101, 1), (1999, 4))
    assert choices.outside_payments == 3
    assert choices.default() == Period.financial_year(2026)
    # Only the months given (no counts): still set apart, with no count to say.
    bare = periods_with_data([(1999, 4), (2026, 4)])
    assert bare.outside == ((1999, 4),) and bare.outside_payments == 0
    # All of them outside: nothing to choose, but not 'no payments'.
    only = periods_with_data({(1999, 4): 1})
    assert only.empty and only.default() is None and only.outside == ((1999, 4),)


def test_january_to_march_2000_are_months_of_a_year_that_cannot_be_chosen() -> None:
    choices = periods_with_data({(2000, 2): 3})
    assert [p.label for p in choices.months] == ["February 2000"]
    assert choices.quarters == [] and choices.years == [] and choices.outside == ()
    assert choices.default() == Period.month(2000, 2)


def test_the_period_before_the_earliest_year_is_none_not_an_error() -> None:
    assert previous_of(Period.financial_year(2000)) is None
    assert previous_of(Period.quarter(2000, 1)) is None
    assert year_before_of(Period.month(2000, 6)) is None
    assert previous_of(Period.month(2000, 6)) == Period.month(2000, 5)
    assert year_before_of(Period.financial_year(2026)) == Period.financial_year(2025)
    with pytest.raises(PeriodError):
        Period.financial_year(2000).previous()


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (date(2026, 4, 1), date(2026, 5, 29), "1 April to 29 May 2026"),
        (date(2026, 4, 2), date(2026, 4, 28), "2 to 28 April 2026"),
        (date(2025, 12, 1), date(2026, 1, 29), "1 December 2025 to 29 January 2026"),
        (date(2026, 4, 3), date(2026, 4, 3), "3 April 2026"),
    ],
)
def test_a_span_of_days_says_its_month_and_year_once(start: date, end: date, words: str) -> None:
    assert span_label(start, end) == words


def test_which_periods_hold_payments_and_another_to_compare_with() -> None:
    choices = periods_with_data({(2024, 6): 1, (2024, 7): 1, (2025, 4): 3, (2026, 5): 1})
    q1_2025 = Period.quarter(2025, 1)
    assert choices.holds(q1_2025) is True
    assert choices.holds(Period.quarter(2024, 4)) is False
    assert choices.holds(Period(date(2025, 4, 3), date(2025, 4, 9))) is None  # a range: counted elsewhere
    # The latest earlier period of the kind with payments: Q2 2024-25 (July 2024), not the empty Q4.
    assert choices.other_with_data(q1_2025) == Period.quarter(2024, 2)
    assert choices.other_with_data(Period.financial_year(2025)) == Period.financial_year(2024)
    # The earliest: only a later one is left.
    assert choices.other_with_data(Period.financial_year(2024)) == Period.financial_year(2026)
    assert choices.other_with_data(Period.month(2025, 4)) == Period.month(2024, 7)
    assert choices.other_with_data(Period(date(2025, 4, 1), date(2025, 4, 9))) is None
    alone = periods_with_data({(2025, 4): 3})
    assert alone.other_with_data(Period.financial_year(2025)) is None
