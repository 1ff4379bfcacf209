"""The report's figures made ready to draw: the bars, columns and words templates/_macros/charts.html puts in SVG.

The macros only draw: every length here is 0 to 100 (a percentage of the chart's width or height), and every
figure is already in words (app/domain/spend/shares.py words them), so a chart's description, its bars' labels and
the table beside it say the same.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from app.domain.policy import format_pence
from app.domain.spend.shares import percent_text, points, points_text, short_money

#: How many characters of a label fit beside its figure on a 320 px screen; the full label is in the chart's
#: description and in the table.
LABEL_FIT = 28

#: The colour (a class of assets/scss/_charts.scss) each row of the place breakdown is drawn in, by its key.
PLACE_KINDS = {
    "local_registered_office": "local-based",
    "local_branched": "local-branched",
    "local_trading_site": "local-trading-site",
    "local_officer": "local-officer",
    "local_no_basis": "local-other",
    "wider": "wider",
    "outside": "outside",
    "not_known": "not-known",
    "not_a_supplier": "not-a-supplier",
}


def cut(label: str, limit: int = LABEL_FIT) -> str:
    """``label`` as a chart draws it: whole when it fits, else cut at a word with an ellipsis."""
    text = " ".join(label.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[limit // 2 :]:
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:-\u2013") + "\u2026"  # no trailing punctuation or en dash before the ellipsis


def length(value: Fraction | float | None) -> float:
    """A share (0 to 1) drawn as a length from 0 to 100; a negative share (net credits) is drawn as nothing."""
    if value is None:
        return 0.0
    drawn = float(value) * 100
    if not math.isfinite(drawn):
        return 0.0
    return max(0.0, min(100.0, drawn))


@dataclass(frozen=True)
class Change:
    """How a share moved between two periods, in points, with the words and the arrow a page shows beside them."""

    points: Fraction | None

    @property
    def direction(self) -> str:
        """'up', 'down', 'same', or 'none' when either period has nothing to measure."""
        words = self.words
        if self.points is None:
            return "none"
        if words == "no change":
            return "same"
        return "up" if self.points > 0 else "down"

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "same": "→"}.get(self.direction, "")

    @property
    def words(self) -> str:
        """'up 3.2 points', 'down 1 point', 'no change', 'Not comparable'."""
        return points_text(self.points)


def change_between(earlier: Fraction | None, later: Fraction | None) -> Change:
    """The change from ``earlier`` to ``later`` (shares, 0 to 1) in percentage points."""
    return Change(points(earlier, later))


@dataclass(frozen=True)
class ShareBar:
    """One bar of a share chart: a share of a whole, labelled."""

    label: str
    pence: int
    share: Fraction | None
    kind: str

    @property
    def short(self) -> str:
        return cut(self.label)

    @property
    def percent(self) -> float:
        return length(self.share)

    @property
    def words(self) -> str:
        return percent_text(self.share)

    @property
    def detail(self) -> str:
        return f"{percent_text(self.share)}, {format_pence(self.pence)}"


@dataclass(frozen=True)
class BreakdownBar:
    """One bar of a breakdown: an amount beside the largest, with its local part solid."""

    label: str
    length: float
    solid: float
    pence: int
    local_share: Fraction | None

    @property
    def short(self) -> str:
        return cut(self.label)

    @property
    def words(self) -> str:
        return short_money(self.pence)

    @property
    def detail(self) -> str:
        return f"{format_pence(self.pence)}, {percent_text(self.local_share)} local"


def breakdown_bars(rows: Sequence[tuple[str, int, int, Fraction | None]]) -> list[BreakdownBar]:
    """Bars for (label, pence, local pence, local share) rows, each as long as its amount beside the largest."""
    largest = max((total for _, total, _, _ in rows), default=0)
    bars = []
    for label, total, local, local_share in rows:
        drawn = total / largest * 100 if largest > 0 and total > 0 else 0.0
        solid = min(drawn, local / largest * 100) if largest > 0 and local > 0 else 0.0
        bars.append(BreakdownBar(label, drawn, solid, total, local_share))
    return bars


#: The most month names a wide chart, and a phone's, writes under its columns.
WIDE_LABELS = 12
NARROW_LABELS = 6


@dataclass(frozen=True)
class TrendColumn:
    """One month of a trend."""

    year: int
    month: int
    height: float
    solid: float
    pence: int
    local_pence: int
    local_share: Fraction | None
    label: str | None
    year_label: str | None
    minor: bool

    @property
    def long_label(self) -> str:
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def detail(self) -> str:
        return (
            f"{format_pence(self.pence)}, of which {format_pence(self.local_pence)} local "
            f"({percent_text(self.local_share)})"
        )


def trend_columns(months: Sequence[tuple[int, int, int, int, Fraction | None]]) -> list[TrendColumn]:
    """Columns for (year, month, pence, local pence, local share) in order, each as tall as its amount beside the
    largest month's. Month names go under the columns that have room: all twelve of a year on a wide screen,
    every other one on a phone; the year under the first month named and each January."""
    tallest = max((total for _, _, total, _, _ in months), default=0)
    wide_step = max(1, math.ceil(len(months) / WIDE_LABELS))
    narrow_step = wide_step * max(1, math.ceil(len(months) / wide_step / NARROW_LABELS))
    columns = []
    for index, (year, month, total, local, local_share) in enumerate(months):
        height = total / tallest * 100 if tallest > 0 and total > 0 else 0.0
        solid = min(height, local / tallest * 100) if tallest > 0 and local > 0 else 0.0
        named = index % wide_step == 0
        columns.append(
            TrendColumn(
                year=year,
                month=month,
                height=height,
                solid=solid,
                pence=total,
                local_pence=local,
                local_share=local_share,
                label=calendar.month_abbr[month] if named else None,
                year_label=str(year) if named and (index == 0 or month == 1) else None,
                minor=named and index % narrow_step != 0,
            )
        )
    return columns


@dataclass(frozen=True)
class CompareRow:
    """One share in two periods, side by side."""

    label: str
    kind: str
    earlier: Fraction | None
    later: Fraction | None

    @property
    def short(self) -> str:
        return cut(self.label, 22)

    @property
    def earlier_percent(self) -> float:
        return length(self.earlier)

    @property
    def later_percent(self) -> float:
        return length(self.later)

    @property
    def earlier_words(self) -> str:
        return percent_text(self.earlier)

    @property
    def later_words(self) -> str:
        return percent_text(self.later)

    @property
    def change(self) -> Change:
        return change_between(self.earlier, self.later)

    @property
    def change_words(self) -> str:
        return self.change.words
