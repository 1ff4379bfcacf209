"""Leakage turned into opportunities: for each category where the council's spend goes outside its area, the local
providers on the register that offer that service, and whether the band their typical contract falls in would let
the council ask them."""

from __future__ import annotations

from app.extensions import db
from app.services.spend.report import period_choices
from app.spend import bp
from app.spend.forms import period_query
from app.spend.pages import (
    DIMENSION_CHOICES,
    behind,
    council_shown,
    dimension_asked,
    form_errors,
    officer_url,
    page,
    period_form,
)


@bp.route("/leakage")
def leakage() -> tuple[str, int]:
    """The period's leakage by category, each with the local providers that could win it."""
    from app.services.spend import leakage as leakage_service  # REPORT's leakage service (design.md section 5)

    council = council_shown()
    choices = period_choices(db.session, council)
    form = period_form(choices)
    dimension, errors = dimension_asked()
    if choices.empty and not form.asked:
        return page("spend/no_spend.html", council=council, upload_url=officer_url("officers.spend_files"))
    period = form.read()
    errors = form_errors(form) + errors
    if period is None or errors:
        return page(
            "spend/leakage.html",
            400,
            council=council,
            form=form,
            errors=errors,
            opportunities=None,
            dimension=dimension,
            dimension_choices=DIMENSION_CHOICES,
        )
    opportunities = leakage_service.leakage_opportunities(db.session, council, period, dimension=dimension)
    return page(
        "spend/leakage.html",
        council=council,
        form=form,
        errors=[],
        period=period,
        opportunities=opportunities,
        dimension=dimension,
        dimension_choices=DIMENSION_CHOICES,
        behind=behind(period),
        period_query=period_query(period),
        categories_url=officer_url("officers.spend_categories"),
    )
