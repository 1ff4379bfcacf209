"""The spend report's pages: where the money went in a period, two periods side by side, and the payments behind any
figure.

Every page is a GET (it changes nothing, and its address can be shared): the period and the filters are in the
query string, read by app/spend/forms.py and app/spend/pages.py. What cannot be read (an impossible date, a category
column that does not exist) gets the GOV.UK error summary and a 400, never a 500. Every figure links to the payments
behind it: the link carries the period and the figure's own filters (app/domain/spend/shares.PaymentFilters), which
payments_behind reads back, so the payments listed add up to the figure.
"""

from __future__ import annotations

from typing import Any

from flask import request

from app.domain.spend.periods import Period
from app.domain.spend.shares import PaymentFilters, short_money
from app.extensions import db
from app.models import Council, SpendSupplier
from app.services.spend.report import (
    PAYMENT_ORDERS,
    ReportError,
    SpendReport,
    compare_reports,
    comparison_offers,
    payments_behind,
    period_choices,
    spend_report,
)
from app.spend import bp
from app.spend.charts import PLACE_KINDS, CompareRow, ShareBar, breakdown_bars, change_between, trend_columns
from app.spend.forms import period_query
from app.spend.pages import (
    DIMENSION_CHOICES,
    behind,
    council_shown,
    dimension_asked,
    error,
    filters_asked,
    form_errors,
    no_spend,
    officer_url,
    page,
    payments_refused,
    period_form,
    report_refused,
)

#: Payments shown a page at a time.
PER_PAGE = 50
#: The most categories the report's chart draws (its table has them all).
CHART_CATEGORIES = 12
#: The shares the comparison's chart draws (its table has them all), each with the words it is drawn with.
COMPARED_IN_CHART = (
    ("local", "Local"),
    ("social_economy", "Social economy"),
    ("sme", "SMEs"),
    ("deprived_10", "In the 10% most deprived areas"),
    ("deprived_20", "In the 20% most deprived areas"),
)


def chart_data(report: SpendReport) -> dict[str, Any]:
    """The report's figures ready to draw (app/spend/charts.py)."""
    places = [ShareBar(f.label, f.pence, f.share, PLACE_KINDS.get(f.key, "not-known")) for f in report.places]
    forms = [ShareBar(f.label, f.pence, f.share, "measure") for f in report.social_economy_forms if f.payments]
    kinds = [
        ShareBar("Social economy", report.social_economy.pence, report.social_economy.share, "measure"),
        ShareBar("SMEs", report.sme.pence, report.sme.share, "measure"),
        ShareBar("In the 10% most deprived areas", report.deprived_10.pence, report.deprived_10.share, "measure"),
        ShareBar("In the 20% most deprived areas", report.deprived_20.pence, report.deprived_20.share, "measure"),
    ]
    categories = breakdown_bars(
        [(row.name, row.spend.pence, row.local.pence, row.local.share) for row in report.categories]
    )
    months = trend_columns(
        [(row.year, row.month, row.measured.pence, row.local.pence, row.local.share) for row in report.months]
    )
    largest = max((column.pence for column in months), default=0)
    return {
        "places": places,
        "forms": forms,
        "kinds": kinds,
        "categories": categories[:CHART_CATEGORIES],
        "categories_left_out": max(0, len(categories) - CHART_CATEGORIES),
        "months": months,
        "largest_month": f"Largest month: {short_money(largest)}",
    }


def compare_query(before: Period, after: Period) -> dict[str, str]:
    """The query that asks the comparison page for ``before`` beside ``after``."""
    return {**period_query(after), **period_query(before, "with")}


def in_order(one: Period, other: Period) -> tuple[Period, Period]:
    """Two periods earlier first: a comparison's change runs forward in time."""
    return (other, one) if other.start < one.start else (one, other)


def offered_comparisons(period: Period, offers: list[Period]) -> list[tuple[Period, dict[str, str]]]:
    """Each period offered for comparison with the query that sets the two side by side, earlier first."""
    return [(offer, compare_query(*in_order(period, offer))) for offer in offers]


@bp.route("")
def report() -> tuple[str, int]:
    """The report for a period: the latest financial year with payments unless another is asked for."""
    council = council_shown()
    choices = period_choices(db.session, council)
    form = period_form(choices)
    dimension, errors = dimension_asked()
    if (nothing := no_spend(council, form)) is not None:
        return nothing
    period = form.read()
    errors = form_errors(form) + errors
    if period is None or errors:
        return report_refused(council, form, errors, dimension)
    found = spend_report(db.session, council, period, dimension=dimension)
    kept = {"dimension": dimension} if dimension != "auto" else {}
    return page(
        "spend/report.html",
        council=council,
        form=form,
        errors=[],
        report=found,
        dimension=dimension,
        dimension_choices=DIMENSION_CHOICES,
        charts=chart_data(found),
        behind=behind(period),
        period_query=period_query(period),
        csv_query={**period_query(period), **kept},
        kept=kept,
        upload_url=officer_url("officers.spend_files"),
        suppliers_url=officer_url("officers.spend_suppliers"),
        supplier_url=lambda supplier_id: officer_url("officers.spend_supplier", supplier_id=supplier_id),
        comparisons=offered_comparisons(period, comparison_offers(db.session, council, period, choices)),
    )


@bp.route("/compare")
def compare() -> tuple[str, int]:
    """Two periods side by side: each share in both, with the change in points (and its direction in words)."""
    council = council_shown()
    choices = period_choices(db.session, council)
    after_form = period_form(choices)
    before_form = period_form(choices, "with")
    if not before_form.asked and (nothing := no_spend(council, after_form)) is not None:
        return nothing
    after = after_form.read()
    before = None
    if after is not None:
        if before_form.asked:
            before = before_form.read()
        else:
            # The period before when it holds payments, else another that does: never one that could only say
            # 'Not comparable'.
            offers = comparison_offers(db.session, council, after, choices)
            if not offers:
                return page(
                    "spend/compare.html",
                    council=council,
                    form=after_form,
                    with_form=before_form,
                    errors=[],
                    nothing_to_compare=after,
                    period_query=period_query,
                )
            before, after = in_order(after, offers[0])
            after_form.show(after)
            before_form.show(before)
    errors = form_errors(after_form) + form_errors(before_form)
    if after is None or before is None or errors:
        return page("spend/compare.html", 400, council=council, form=after_form, with_form=before_form, errors=errors)
    comparison = compare_reports(spend_report(db.session, council, before), spend_report(db.session, council, after))
    by_key = {row.key: row for row in comparison.shares}
    rows = [
        CompareRow(label, "local", by_key[key].before, by_key[key].after)
        for key, label in COMPARED_IN_CHART
        if key in by_key
    ]
    return page(
        "spend/compare.html",
        council=council,
        form=after_form,
        with_form=before_form,
        errors=[],
        comparison=comparison,
        rows=rows,
        before=before,
        after=after,
        period_query=period_query,
        behind_before=behind(before),
        behind_after=behind(after),
        change_between=change_between,
    )


def _supplier_name(council: Council, filters: PaymentFilters) -> str | None:
    """The name of the supplier a figure is about: only the council's own (another council's is never named)."""
    if filters.supplier_id is None:
        return None
    supplier = db.session.get(SpendSupplier, filters.supplier_id)
    if supplier is None or supplier.council_id != council.id:
        return None
    return supplier.name


@bp.route("/payments")
def payments() -> tuple[str, int]:
    """The payments behind a figure, a page at a time, with their sum (which is the figure) and the filter in words."""
    council = council_shown()
    form = period_form(period_choices(db.session, council))
    if (nothing := no_spend(council, form)) is not None:
        return nothing
    period = form.read()
    filters, errors = filters_asked(request.args, period)
    order = request.args.get("order", "date")
    if order not in PAYMENT_ORDERS:
        errors.append(error("Order the payments by date or by amount", "#filters"))
    errors = form_errors(form) + errors
    if period is None or filters is None or errors:
        return payments_refused(council, form, errors)
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), 1_000_000)
    try:
        found = payments_behind(db.session, council, period, filters, page=number, per_page=PER_PAGE, order=order)
    except ReportError as refusal:
        return payments_refused(council, form, [error(str(refusal), "#filters")])
    return page(
        "spend/payments.html",
        council=council,
        form=form,
        errors=[],
        found=found,
        filters=filters,
        described=filters.describe(_supplier_name(council, filters)),
        query={**period_query(period), **filters.query()},
        order=order,
        report_query=period_query(period),
        supplier_url=lambda supplier_id: officer_url("officers.spend_supplier", supplier_id=supplier_id),
    )
