"""A payment's date as councils' spend files write it, day first (UK), and the period a file's payments cover.

Files from one council alone write ``05/10/2024``, ``5/10/24``, ``05-Oct-21``, ``6 June 2023`` and
``2024-10-05 00:00:00`` from one month to the next, and a spreadsheet saved without its date format leaves
Excel's day number (``43658``). All are read; an impossible date (``31/02/2024``) or text is refused with the cell
quoted. A date that reads but cannot be a payment of a council's published spending (before 2000, after 2099:
:func:`check_payment_year`) or lies far from the rest of the file's payments is most likely a typing slip (1999 for
2019, 2204 for 2024): :func:`core_period` and :func:`far_outside` find the second kind.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date, timedelta

_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in {
        calendar.month_name[number].casefold(),
        calendar.month_abbr[number].casefold(),
    }
}
_MONTHS["sept"] = 9
#: A time after the date, as exports add it: " 00:00:00", "T00:00:00", " 00:00", "T00:00:00.000Z", "+01:00".
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_NUMERIC_DMY = re.compile(rf"^(\d{{1,2}})([/.\-])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_TIME}$")
_ISO = re.compile(rf"^(\d{{4}})([/.\-])(\d{{1,2}})\2(\d{{1,2}}){_TIME}$")
_NAMED_MONTH = re.compile(
    rf"^(\d{{1,2}})(?:st|nd|rd|th)?[\s\-/.]+([a-z]+)\.?,?[\s\-/.]+(\d{{4}}|\d{{2}}){_TIME}$", re.IGNORECASE
)
#: Excel's day numbers for 1 January 1950 to 31 December 2099: a date cell saved without its format.
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (18264, 73050)
#: Longest cell quoted back in a message.
_QUOTE_LIMIT = 60


class DateError(ValueError):
    """A cell that is not a date; the message quotes it and is fit to show."""


def _quoted(text: str) -> str:
    shown = text.strip()
    if len(shown) > _QUOTE_LIMIT:
        shown = shown[: _QUOTE_LIMIT - 1] + "…"
    return f"'{shown}'"


def _full_year(year: str) -> int:
    """A year as written: two digits are this century's (spend files start long after 2000)."""
    return 2000 + int(year) if len(year) == 2 else int(year)


def _checked(cell: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"The date {_quoted(cell)} does not exist") from None


def parse_date(text: str) -> date:
    """The date in a cell, read day first: ``05/10/2024`` is 5 October 2024.

    Accepts ``05/10/2024``, ``5/10/2024``, ``05/10/24``, ``05-10-2024``, ``05.10.2024``, ``05-Oct-21``,
    ``05-OCT-2021``, ``6 Jun 2023``, ``6 June 2023``, ``6th June 2023``, ``2024-10-05`` with or without a time
    (``2024-10-05 00:00:00``, ``2024-10-05T00:00:00``), and Excel's day numbers for 1950 to 2099 (``43658``).
    Two-digit years are this century's. Raises :class:`DateError` for a blank cell, text or a date that does not
    exist.
    """
    cell = text.strip().strip('"').strip()
    if not cell:
        raise DateError("The date is blank")
    if len(cell) == 10 and cell[4] == "-" and cell[7] == "-" and cell[:4].isdigit():  # ISO, the usual, at once
        try:
            return date.fromisoformat(cell)
        except ValueError:
            pass  # said below, with the reason
    if match := _NUMERIC_DMY.match(cell):
        day, _, month, year = match.groups()
        return _checked(cell, _full_year(year), int(month), int(day))
    if match := _ISO.match(cell):
        year, _, month, day = match.groups()
        return _checked(cell, int(year), int(month), int(day))
    if match := _NAMED_MONTH.match(cell):
        day, month_name, year = match.groups()
        month = _MONTHS.get(month_name.casefold())
        if month is None:
            raise DateError(f"The date {_quoted(cell)} does not name a month")
        return _checked(cell, _full_year(year), month, int(day))
    if match := _SERIAL.match(cell):
        serial = int(match[1])
        if _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + timedelta(days=serial)
    if re.match(r"^\d{1,2}/\d{1,2}/\d{4}\d", cell):
        raise DateError(f"The date {_quoted(cell)} has something run onto it")
    raise DateError(f"The date {_quoted(cell)} is not a date written day, month, year")


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


#: The years a payment of a council's published spending may be dated in. Councils have published their payments
#: since 2010-11, and the report names its periods for 2000 to 2099: a date outside these years is a slip (1999 for
#: 2019, 2102 for 2021) that no period of the report could show.
PAYMENT_YEARS = range(2000, 2100)


def check_payment_year(paid_on: date, cell: str) -> date:
    """``paid_on`` (read from ``cell``) when its year is one a payment may have (:data:`PAYMENT_YEARS`); else
    :class:`DateError`, quoting the cell.

    Kept apart from :func:`parse_date`, which reads any real date: the check for cells run together tries ways of
    splitting a cell and needs ``07/04/1999`` to read as the date it is, not as ``07/04/19`` with ``99`` cut off.
    """
    if paid_on.year not in PAYMENT_YEARS:
        raise DateError(
            f"The date {_quoted(cell)} is in {paid_on.year}: payments in a council's published spending are dated "
            f"from {PAYMENT_YEARS[0]} to {PAYMENT_YEARS[-1]}, so it is probably mistyped. Correct it in the file and "
            "import the row again"
        )
    return paid_on


#: A date further than this many months from the months that hold a file's payments is far outside its period.
FAR_OUTSIDE_MONTHS = 12
#: Months holding less than this share of a file's payments are not part of its period.
CORE_MONTH_SHARE = 0.005
#: The share of a file's payments (in the months that count) one run of months must hold for dates in the file's
#: other runs to stand out as strays.
CORE_RUN_SHARE = 0.75


def _month_index(month: tuple[int, int]) -> int:
    return month[0] * 12 + month[1] - 1


def core_period(month_counts: Mapping[tuple[int, int], int]) -> tuple[date, date] | None:
    """The period a file's payments are in, from the first day of its first month to the last day of its last, or
    None when the file has no dated payments.

    Months holding under 0.5% of the payments are left out first (in a large file, a stray few do not stretch it).
    In a small file every month with a row holds more than that, so the months left are then taken as runs with no
    gap of more than 12 months between one month and the next: when one run holds at least three quarters of the
    payments, the period is that run, and a date in another run (by construction more than 12 months away) is far
    outside it. A 6-row file of five April 2026 payments and one of April 2016 has April 2026 as its period. When no
    run holds that much (two rows years apart, a file split evenly between two years), no date stands out from the
    rest, and the period is every month left.
    """
    total = sum(count for count in month_counts.values() if count > 0)
    if total <= 0:
        return None
    months = sorted(
        (month, count) for month, count in month_counts.items() if count > 0 and count >= total * CORE_MONTH_SHARE
    )
    if not months:
        return None
    runs: list[list[tuple[tuple[int, int], int]]] = []
    for month, count in months:
        if not runs or _month_index(month) - _month_index(runs[-1][-1][0]) > FAR_OUTSIDE_MONTHS:
            runs.append([])
        runs[-1].append((month, count))
    core = max(runs, key=lambda run: sum(count for _, count in run))
    if sum(count for _, count in core) < CORE_RUN_SHARE * sum(count for _, count in months):
        core = months
    (first_year, first_month), (last_year, last_month) = core[0][0], core[-1][0]
    return date(first_year, first_month, 1), date(last_year, last_month, calendar.monthrange(last_year, last_month)[1])


def far_outside(paid_on: date, core_start: date, core_end: date) -> bool:
    """Whether a date is more than 12 months before the core period's first day or after its last: most likely a
    slip of the keyboard (2204 for 2024), not a payment of this file."""
    return paid_on < _add_months(core_start, -FAR_OUTSIDE_MONTHS) or paid_on > _add_months(core_end, FAR_OUTSIDE_MONTHS)
