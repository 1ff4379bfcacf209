"""Leakage turned into opportunities: for each category where the council's spend went outside its area, the local
providers on the register that offer that service, and whether the band a typical contract falls in would let the
council ask them."""

from __future__ import annotations

from app.extensions import db
from app.services.spend import leakage as leakage_service
from app.services.spend.report import period_choices
from app.services.spend.suppliers import attribution_summary
from app.spend import bp
from app.spend.charts import ShareBar
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

#: The most categories the leakage chart draws (the cards below it show them all).
CHART_CATEGORIES = 12


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
    chart = [
        ShareBar(opportunity.name, opportunity.outside.pence, opportunity.outside.share, "outside")
        for opportunity in opportunities[:CHART_CATEGORIES]
    ]
    return page(
        "spend/leakage.html",
        council=council,
        form=form,
        errors=[],
        period=period,
        opportunities=opportunities,
        area_name=leakage_service.local_area(db.session, council).name,
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
