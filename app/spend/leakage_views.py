"""Leakage turned into opportunities: for each category where the council's spend went outside its area, the local
providers on the register that offer that service, and whether the band a typical contract falls in would let the
council ask them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from app.domain.policy import format_pence
from app.domain.spend.shares import percent_text, short_money
from app.extensions import db
from app.services.spend import leakage as leakage_service
from app.services.spend.report import period_choices
from app.services.spend.suppliers import attribution_summary
from app.spend import bp
from app.spend.charts import cut
from app.spend.forms import period_query
from app.spend.pages import (
    DIMENSION_CHOICES,
    behind,
    council_shown,
    dimension_asked,
    form_errors,
    no_spend,
    officer_url,
    page,
    period_form,
)
from app.web.council import council_local_area

#: The most categories the leakage chart draws (the cards below it show them all).
CHART_CATEGORIES = 12
#: How many characters of a category's name fit beside its figure (money and share) on a 320 px screen.
LABEL_FIT = 15


@dataclass(frozen=True)
class LeakageBar:
    """One category in the leakage chart, drawn to one scale of money for every category: the whole bar is the
    category's measured spend beside the largest charted, its solid part the money that went outside the area. So a
    £71 category all spent outside is a sliver beside a £2.4m one, not a bar as long; the figure says both the money
    and the share."""

    label: str
    length: float
    solid: float
    outside_pence: int
    measured_pence: int
    share: Fraction | None

    @property
    def short(self) -> str:
        return cut(self.label, LABEL_FIT)

    @property
    def words(self) -> str:
        return f"{short_money(self.outside_pence)} ({percent_text(self.share)})"

    @property
    def detail(self) -> str:
        return (
            f"{format_pence(self.outside_pence)} went outside, {percent_text(self.share)} of its measured spend of "
            f"{format_pence(self.measured_pence)}"
        )


def leakage_bars(opportunities: Sequence[leakage_service.Opportunity]) -> list[LeakageBar]:
    """The chart's bars for the categories with the most spend outside (the first :data:`CHART_CATEGORIES`)."""
    shown = list(opportunities[:CHART_CATEGORIES])
    largest = max((max(o.measured_pence, o.outside.pence) for o in shown), default=0)
    bars = []
    for opportunity in shown:
        outside = max(opportunity.outside.pence, 0)
        whole = max(opportunity.measured_pence, outside)
        length = whole / largest * 100 if largest > 0 else 0.0
        solid = min(length, outside / largest * 100) if largest > 0 else 0.0
        bars.append(
            LeakageBar(opportunity.name, length, solid, outside, opportunity.measured_pence, opportunity.outside.share)
        )
    return bars


@bp.route("/leakage")
def leakage() -> tuple[str, int]:
    """The period's spend outside the local area by category, largest first, each with the local providers that
    could win it."""
    council = council_shown()
    choices = period_choices(db.session, council)
    form = period_form(choices)
    dimension, errors = dimension_asked()
    if (nothing := no_spend(council, form)) is not None:
        return nothing
    period = form.read()
    errors = form_errors(form) + errors
    if period is None or errors:
        dimension_error = next((item["text"] for item in errors if item["href"] == "#dimension"), None)
        return page(
            "spend/leakage.html",
            400,
            council=council,
            form=form,
            errors=errors,
            opportunities=None,
            dimension=dimension,
            dimension_error=dimension_error,
            dimension_choices=DIMENSION_CHOICES,
            period_query=period_query(form.chosen) if form.chosen else {},
        )
    opportunities = leakage_service.leakage_opportunities(db.session, council, period, dimension=dimension)
    chart = leakage_bars(opportunities)
    return page(
        "spend/leakage.html",
        council=council,
        form=form,
        errors=[],
        period=period,
        opportunities=opportunities,
        area_name=council_local_area(council).name,
        outside_pence=sum(opportunity.outside.pence for opportunity in opportunities),
        with_providers=sum(1 for opportunity in opportunities if opportunity.providers),
        not_mapped=sum(1 for opportunity in opportunities if not opportunity.mapped),
        chart=chart,
        dimension=dimension,
        dimension_choices=DIMENSION_CHOICES,
        behind=behind(period),
        period_query=period_query(period),
        categories_url=officer_url("officers.spend_categories"),
        attribution=attribution_summary(db.session, council),
        suppliers_url=officer_url("officers.spend_suppliers"),
    )
