"""What the spend pages share: whose spend they show, the period and the filters read from the query string, the
error summary's items for what cannot be read, and the link to the payments behind a figure."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from app.domain.roles import OFFICER_ROLES
from app.domain.spend.periods import Period, PeriodChoices, PeriodKind
from app.domain.spend.shares import DIMENSIONS, FilterError, PaymentFilters, percent_text, short_money
from app.extensions import db
from app.models import Council
from app.services.spend.report import outside_years, outside_years_sentence
from app.spend import bp
from app.spend.forms import PeriodForm, period_query
from app.web.council import users_council

#: The report's category column: 'auto' lets the report choose.
DIMENSION_CHOICES = {"auto": "Chosen for you", **DIMENSIONS}

#: The query parameters of a figure's filters (app/domain/spend/shares.PaymentFilters.query), kept through the
#: period chooser when a link cannot be read. 'month' is left out: the chooser asks it as a period.
FILTER_KEYS = (
    "place",
    "basis",
    "measured",
    "exclusion",
    "dimension",
    "category",
    "supplier",
    "social_economy",
    "legal_form",
    "sme",
    "deprived",
    "decile_known",
    "attributed",
)

#: An item of the GOV.UK error summary: its words and the question it links to.
ErrorItem = dict[str, str]


@bp.context_processor
def _wording() -> dict[str, Any]:
    """How the spend pages word shares and money: the same words as the report's own."""
    return {"percent_text": percent_text, "short_money": short_money}


def council_shown() -> Council:
    """The signed-in user's council: its spend, and never another's."""
    council = users_council()
    if council is None:
        abort(404)
    return council


def is_officer() -> bool:
    return current_user.role in OFFICER_ROLES


def officer_url(endpoint: str, **values: Any) -> str | None:
    """A link into the officers' spend pages: for officers only, and only where the page exists."""
    if not is_officer() or endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def error(text: str, href: str) -> ErrorItem:
    return {"text": text, "href": href}


def form_errors(form: PeriodForm) -> list[ErrorItem]:
    """The error summary's items for a period form, in the order the page asks its questions."""
    items = []
    for field in form.page_order():
        if field.errors:
            href = getattr(field, "error_href", None) or f"#{field.id}"
            items.append(error(field.errors[0], href))
    return items


def period_form(choices: PeriodChoices, prefix: str = "") -> PeriodForm:
    """The period the query string asks for (with ``prefix`` for a second period on the page)."""
    return PeriodForm(request.args, choices=choices, prefix=prefix)


def dimension_asked() -> tuple[str, list[ErrorItem]]:
    """The category column asked for ('auto' when none is), with an error when it is not one a report has."""
    asked = request.args.get("dimension", "auto").strip() or "auto"
    if asked not in DIMENSION_CHOICES:
        return "auto", [error("Choose a category column from the list", "#dimension")]
    return asked, []


def filters_asked(args: Mapping[str, str], period: Period | None) -> tuple[PaymentFilters | None, list[ErrorItem]]:
    """The figure's filters from the query string, or the error summary's item for the one that cannot be read.

    A month period's own month, read again as a month filter (both are 'month' in an address), is no filter."""
    try:
        filters = PaymentFilters.from_query(args)
    except FilterError as refusal:
        return None, [error(str(refusal), "#filters")]
    if (
        period is not None
        and period.kind == PeriodKind.MONTH
        and filters.month == (period.start.year, period.start.month)
    ):
        filters = filters.with_(month=None)
    return filters, []


def behind(period: Period) -> Callable[..., str]:
    """The link to the payments behind a figure (or behind any filters) in ``period``."""

    def link(figure: Any = None, *, filters: PaymentFilters | None = None, **extra: str) -> str:
        chosen = filters if filters is not None else figure.filters
        # A month figure of a month period names the same month as the period: one 'month' in the address.
        return url_for("spend.payments", **{**period_query(period), **chosen.query(), **extra})

    return link


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A spend page: every one knows whether the reader is an officer (who gets the links to put things right)."""
    return render_template(template, is_officer=is_officer(), **context), status


def no_spend(council: Council, form: PeriodForm) -> tuple[str, int] | None:
    """The page saying the council has no spend files yet (with, for officers, the way to upload one), when it has
    none and the address asks for no period; None otherwise.

    A council whose only payments are dated outside the years a report covers (a file of dates typed as 1999) has
    files: the report page says which payments no period can show, and the chooser is open for another period."""
    if not form.choices.empty or form.asked:
        return None
    undated = outside_years(db.session, council) if form.choices.outside else []
    if undated:
        return page(
            "spend/report.html",
            council=council,
            form=form,
            errors=[],
            report=None,
            dimension="auto",
            dimension_choices=DIMENSION_CHOICES,
            outside_years=outside_years_sentence(undated),
            upload_url=officer_url("officers.spend_files"),
        )
    return page("spend/no_spend.html", council=council, upload_url=officer_url("officers.spend_files"))


def report_refused(council: Council, form: PeriodForm, errors: list[ErrorItem], dimension: str) -> tuple[str, int]:
    """The report page for an address that cannot be read: the error summary, the period chooser, and the
    category column's question when that is what could not be read."""
    dimension_error = next((item["text"] for item in errors if item["href"] == "#dimension"), None)
    return page(
        "spend/report.html",
        400,
        council=council,
        form=form,
        errors=errors,
        report=None,
        dimension=request.args.get("dimension", "auto") if dimension_error else dimension,
        dimension_error=dimension_error,
        dimension_choices=DIMENSION_CHOICES,
        period_query=period_query(form.chosen) if form.chosen else {},
    )


def payments_refused(council: Council, form: PeriodForm, errors: list[ErrorItem]) -> tuple[str, int]:
    """The payments page for an address that cannot be read: the error summary and the period chooser, which keeps
    the figure's filters."""
    keep = {key: request.args[key] for key in FILTER_KEYS if key in request.args}
    return page("spend/payments.html", 400, council=council, form=form, errors=errors, found=None, keep=keep)
