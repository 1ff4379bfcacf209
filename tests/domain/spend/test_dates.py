"""Payment dates as councils write them, day first; the period a file's payments cover and dates far outside it."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.spend.dates import (
    PAYMENT_YEARS,
    DateError,
    check_payment_year,
    core_period,
    far_outside,
    parse_date,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # Every form found in the shared files (the file each comes from named).
        ("04/01/2017", date(2017, 1, 4)),  # hyndburn_2017_2025/..._1701.csv
        ("02/06/17", date(2017, 6, 2)),  # ..._1706.csv
        ("05-Apr-17", date(2017, 4, 5)),  # ..._1704.csv
        ("04-Nov-20", date(2020, 11, 4)),  # ..._November-2020.csv
        ("15 June 2023", date(2023, 6, 15)),  # ..._July-23-csv.csv
        ("14 Apr 2023", date(2023, 4, 14)),  # ..._May-2023-csv.csv
        ("21 November 2023", date(2023, 11, 21)),  # ..._November-23-csv.csv
        ("07/09/23", date(2023, 9, 7)),  # ..._September-2023.csv
        ("15/07/24", date(2024, 7, 15)),  # hyndburn_spend_over_250_August-24.csv
        ("2019-01-03", date(2019, 1, 3)),  # North West Open Data, Bolton 2019
        ("2025-03-31", date(2025, 3, 31)),  # Trafford 2024-25
        ("43658", date(2019, 7, 12)),  # ..._1908.csv: Excel's day number, the cell saved without its format
        ("43708", date(2019, 8, 31)),  # ..._1908.csv, ZURICH INSURANCE PLC
        # The other forms the design names.
        ("05/10/2024", date(2024, 10, 5)),
        ("5/10/2024", date(2024, 10, 5)),
        ("05/10/24", date(2024, 10, 5)),
        ("05-Oct-21", date(2021, 10, 5)),
        ("05-OCT-2021", date(2021, 10, 5)),
        ("6 Jun 2023", date(2023, 6, 6)),
        ("6 June 2023", date(2023, 6, 6)),
        ("6th June 2023", date(2023, 6, 6)),
        ("6 Sept 2023", date(2023, 9, 6)),
        ("2024-10-05", date(2024, 10, 5)),
        ("2024-10-05 00:00:00", date(2024, 10, 5)),
        ("2024-10-05T00:00:00", date(2024, 10, 5)),
        ("2024-10-05T00:00:00.000Z", date(2024, 10, 5)),
        ("2024/10/05", date(2024, 10, 5)),
        ("05/10/2024 00:00", date(2024, 10, 5)),
        ("05.10.2024", date(2024, 10, 5)),
        ("05-10-2024", date(2024, 10, 5)),
        (" 05/10/2024 ", date(2024, 10, 5)),
        ('"05/10/2024"', date(2024, 10, 5)),
        ("29/02/2024", date(2024, 2, 29)),
        ("43658.0", date(2019, 7, 12)),
    ],
)
def test_dates_read_day_first(cell, expected):
    assert parse_date(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("", "The date is blank"),
        ("  ", "The date is blank"),
        ("31/02/2024", "The date '31/02/2024' does not exist"),
        ("29/02/2023", "The date '29/02/2023' does not exist"),
        ("13/13/2024", "The date '13/13/2024' does not exist"),
        ("2024-02-30", "The date '2024-02-30' does not exist"),
        ("2024-13-01", "The date '2024-13-01' does not exist"),
        ("00/10/2024", "The date '00/10/2024' does not exist"),
        ("5 Smarch 2024", "The date '5 Smarch 2024' does not name a month"),
        ("next Tuesday", "The date 'next Tuesday' is not a date written day, month, year"),
        ("10/2024", "The date '10/2024' is not a date written day, month, year"),
        ("05/10/2024 1,680.00", "The date '05/10/2024 1,680.00' is not a date written day, month, year"),
        ("05/10/20241,680.00", "The date '05/10/20241,680.00' has something run onto it"),
        ("1680.00", "The date '1680.00' is not a date written day, month, year"),
        ("123", "The date '123' is not a date written day, month, year"),
        # A five-digit number outside Excel's days for 1950-2099 is not taken for a date.
        ("99999", "The date '99999' is not a date written day, month, year"),
        ("12345", "The date '12345' is not a date written day, month, year"),
    ],
)
def test_dates_refused_quote_the_cell(cell, message):
    with pytest.raises(DateError) as raised:
        parse_date(cell)
    assert str(raised.value) == message


def test_a_date_error_is_a_value_error():
    assert issubclass(DateError, ValueError)


# --- The file's period ---------------------------------------------------------------------------------------------


def test_core_period_is_the_months_holding_the_payments():
    assert core_period({(2024, 8): 500, (2024, 7): 290}) == (date(2024, 7, 1), date(2024, 8, 31))


def test_core_period_ignores_months_with_under_half_a_percent_of_the_rows():
    # 1,000 payments: a month needs 5 to count; a slip typed as December 2022 in a January 2022 file does not.
    counts = {(2022, 1): 996, (2022, 12): 4}
    assert core_period(counts) == (date(2022, 1, 1), date(2022, 1, 31))
    counts = {(2022, 1): 995, (2022, 12): 5}
    assert core_period(counts) == (date(2022, 1, 1), date(2022, 12, 31))


def test_core_period_of_a_leap_february_and_of_nothing():
    assert core_period({(2024, 2): 3}) == (date(2024, 2, 1), date(2024, 2, 29))
    assert core_period({}) is None
    assert core_period({(2024, 2): 0}) is None


@pytest.mark.parametrize(
    ("paid_on", "outside"),
    [
        (date(2024, 4, 1), False),
        (date(2023, 4, 1), False),  # exactly 12 months before the first day
        (date(2023, 3, 31), True),
        (date(2026, 3, 31), False),  # exactly 12 months after the last day
        (date(2026, 4, 1), True),
        (date(2204, 10, 5), True),  # 2204 typed for 2024
        (date(2014, 10, 5), True),
    ],
)
def test_far_outside_is_more_than_twelve_months_from_the_core(paid_on, outside):
    assert far_outside(paid_on, date(2024, 4, 1), date(2025, 3, 31)) is outside


def test_far_outside_from_a_month_end_to_a_shorter_month():
    # 12 months after 29 February 2024 is 28 February 2025.
    assert far_outside(date(2025, 2, 28), date(2024, 2, 1), date(2024, 2, 29)) is False
    assert far_outside(date(2025, 3, 1), date(2024, 2, 1), date(2024, 2, 29)) is True


# --- Years a payment may have ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "year"),
    [
        ("07/04/1999", 1999),  # the reviewer's row: 1999 for 2019 or 2024
        ("1999-04-07", 1999),  # the same in Trafford's ISO form (and a workbook's date cell, as the reader gives it)
        ("31/12/1999", 1999),
        ("36525", 1999),  # Excel's day number for 31 December 1999
        ("05/10/1924", 1924),
        ("01/01/2100", 2100),
        ("2101-03-04", 2101),
        ("05/10/2204", 2204),  # 2204 typed for 2024
    ],
)
def test_a_year_no_payment_may_have_is_refused_quoting_the_cell(cell, year):
    paid_on = parse_date(cell)  # a real date: it reads
    assert paid_on.year == year
    with pytest.raises(DateError) as raised:
        check_payment_year(paid_on, cell)
    message = str(raised.value)
    assert message.startswith(f"The date '{cell}' is in {year}: ")
    assert "dated from 2000 to 2099" in message and "Correct it in the file" in message


@pytest.mark.parametrize("cell", ["01/01/2000", "36526", "31/12/2099", "07/04/19", "2026-04-07", "05/10/99"])
def test_the_years_2000_to_2099_are_payments_years(cell):
    paid_on = parse_date(cell)
    assert check_payment_year(paid_on, cell) == paid_on
    assert paid_on.year in PAYMENT_YEARS


def test_parse_date_still_reads_any_real_date():
    """The check is apart: cells run together are split by whether each part reads, and '07/04/1999' must read as
    the date it is (not as '07/04/19' with '99' left over for the amount)."""
    assert parse_date("07/04/1999") == date(1999, 4, 7)


# --- The period of a small file -------------------------------------------------------------------------------------


def test_a_small_files_period_is_where_most_of_its_rows_are():
    # Six rows: five in April and May 2026, one typed as 2016. Each month holds far over 0.5% of six rows, so the
    # period used to stretch from 2016 to 2026 and let the stray through.
    counts = {(2016, 4): 1, (2026, 4): 3, (2026, 5): 2}
    start, end = core_period(counts)
    assert (start, end) == (date(2026, 4, 1), date(2026, 5, 31))
    assert far_outside(date(2016, 4, 7), start, end)
    assert not far_outside(date(2026, 5, 29), start, end)


def test_a_stray_after_the_file_is_found_as_one_before_it():
    counts = {(2024, 10): 5, (2042, 10): 1}
    start, end = core_period(counts)
    assert (start, end) == (date(2024, 10, 1), date(2024, 10, 31))
    assert far_outside(date(2042, 10, 5), start, end)


def test_three_rows_of_four_are_enough_for_the_fourth_to_stand_out():
    assert core_period({(2026, 4): 3, (2016, 4): 1}) == (date(2026, 4, 1), date(2026, 4, 30))


@pytest.mark.parametrize(
    "counts",
    [
        {(2020, 1): 1, (2026, 1): 1},  # two rows years apart: neither stands out
        {(2020, 1): 2, (2026, 1): 1},  # two of three: not enough to say the third is a slip
        {(2022, 5): 60, (2024, 9): 40},  # a file split between two years: both are its period
    ],
)
def test_when_no_run_of_months_holds_three_quarters_the_period_is_every_month(counts):
    months = sorted(counts)
    first, last = months[0], months[-1]
    start, end = core_period(counts)
    assert (start.year, start.month) == first and (end.year, end.month) == last
    assert not any(far_outside(date(year, month, 15), start, end) for year, month in counts)


def test_months_twelve_apart_are_one_run_and_thirteen_apart_are_two():
    # April 2025 is within 12 months of April 2026, so it is not far outside and the run takes it in.
    assert core_period({(2026, 4): 5, (2025, 4): 1}) == (date(2025, 4, 1), date(2026, 4, 30))
    # March 2025 is 13 months before: a run of its own, and a stray.
    start, end = core_period({(2026, 4): 5, (2025, 3): 1})
    assert (start, end) == (date(2026, 4, 1), date(2026, 4, 30))
    assert far_outside(date(2025, 3, 31), start, end)


def test_a_block_of_mistyped_years_in_a_large_file_is_not_its_period():
    # A year of 2024-25 payments, with 500 typed as April 2042: 500 is well over 0.5% of the file, so the period
    # used to run from 2024 to 2042. They are a run of their own, under a quarter of the file.
    counts = {(2024 + (month > 12), (month - 1) % 12 + 1): 800 for month in range(4, 16)}
    counts[(2042, 4)] = 500
    start, end = core_period(counts)
    assert (start, end) == (date(2024, 4, 1), date(2025, 3, 31))
    assert far_outside(date(2042, 4, 1), start, end)
