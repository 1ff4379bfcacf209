"""The spend report's downloads: the report, and the payments behind any figure, as CSV files a spreadsheet opens
safely (app/web/downloads.csv_download: no cell runs as a formula), each with the method note at the top."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from app.extensions import db
from app.services.spend import exports
from app.services.spend.report import period_choices, spend_report
from app.spend import bp
from app.spend.pages import (
    council_shown,
    dimension_asked,
    filters_asked,
    form_errors,
    no_spend,
    payments_refused,
    period_form,
    report_refused,
)
from app.web.downloads import csv_download


@bp.route("/report.csv")
def report_csv() -> Response | tuple[str, int]:
    """The report as CSV: the method note, then every figure with its amount, payments and share."""
    council = council_shown()
    form = period_form(period_choices(db.session, council))
    if (nothing := no_spend(council, form)) is not None:
        return nothing
    dimension, errors = dimension_asked()
    period = form.read()
    errors = form_errors(form) + errors
    if period is None or errors:
        return report_refused(council, form, errors, dimension)
    found = spend_report(db.session, council, period, dimension=dimension)
    return csv_download(exports.report_csv_rows(found), exports.export_file_name(found, "spend"))


@bp.route("/payments.csv")
def payments_csv() -> Response | tuple[str, int]:
    """The payments behind a figure (every payment of the period when no filter is given), classified, as CSV with
    the method note and the filter in words at the top. Streamed: a year of payments is never held whole."""
    council = council_shown()
    form = period_form(period_choices(db.session, council))
    if (nothing := no_spend(council, form)) is not None:
        return nothing
    period = form.read()
    filters, errors = filters_asked(request.args, period)
    errors = form_errors(form) + errors
    if period is None or filters is None or errors:
        return payments_refused(council, form, errors)
    found = spend_report(db.session, council, period)
    rows = exports.payments_csv_rows(db.session, council, period, filters, report=found)
    return csv_download(rows, exports.export_file_name(found, "payments"))
