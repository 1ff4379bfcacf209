"""The spend report and its classified payments as rows for a CSV download, each with the method note at the top.

Rows hold typed values (money as a Decimal of pounds, counts as ints, shares as a Decimal percentage) so a
spreadsheet reads numbers as numbers; the view writes them with app/web/downloads.csv_download, which makes every
text cell formula-safe (a name like "=HYPERLINK(...)" in a council's file is written as text, never run).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.domain.spend.periods import Period
from app.domain.spend.shares import DIMENSIONS, NET_CREDIT, OF_NET_CREDIT, PaymentFilters, percent
from app.models import Council, Payment
from app.services.spend.report import (
    Figure,
    SpendReport,
    counting_batch_ids,
    payments_query,
    spend_report,
)

#: How many payments are read from the database at a time while a download streams.
STREAM_BATCH = 2_000

REPORT_COLUMNS = [
    "Section",
    "Figure",
    "Amount (£)",
    "Payments",
    "Share (%)",
    "Share of",
    "Local amount (£)",
    "Local share (%)",
    "Note",
]

PAYMENT_COLUMNS = [
    "Date paid",
    "Payee as the file names it",
    "Supplier",
    "Amount (£)",
    "Place",
    "Address basis",
    "District",
    "Legal form",
    "Social economy",
    "SME",
    "IMD decile",
    "Attributed",
    "Department",
    "Service area",
    "Expense type",
    "ProClass code",
    "ProClass label",
    "Description",
    "Transaction number",
    "File",
    "Row in the file",
]

SHARE_OF_WORDS = {
    "measured": "measured spend",
    "total": "all payments",
    "category": "the category's measured spend",
    "month": "the month's measured spend",
    "known": "spend whose supplier's size is known",
}


def pounds(pence: int) -> Decimal:
    """Pence as pounds for a spreadsheet: 123456 -> Decimal('1234.56'), -5 -> Decimal('-0.05')."""
    return Decimal(pence).scaleb(-2)


def _share(figure: Figure) -> Decimal | None:
    """A figure's share as a percentage, left blank for a net credit (a negative share of spend means nothing)."""
    if figure.net_credit:
        return None
    return percent(figure.share, 2)


#: The Note column's words for a share left blank because of a credit (app.domain.spend.shares.share_text).
CREDIT_NOTES = {
    NET_CREDIT: "net credit: refunds outweigh payments, so no share",
    OF_NET_CREDIT: "no share: the whole is a net credit",
}


def _figure_row(section: str, figure: Figure, local: Figure | None = None, note: str = "") -> list[Any]:
    """A figure as a row: section, label, amount, payments, share and what it is of; with ``local`` its local part;
    then the Note column (``note``, and what a share left blank for a credit means)."""
    share = _share(figure)
    row: list[Any] = [
        section,
        figure.label,
        pounds(figure.pence),
        figure.payments,
        share,
        SHARE_OF_WORDS.get(figure.share_of, figure.share_of) if share is not None else "",
    ]
    notes = [note] if note else []
    notes += [
        f"{what}{CREDIT_NOTES[f.percent]}"
        for what, f in (("", figure), ("local part: ", local))
        if f is not None and f.percent in CREDIT_NOTES
    ]
    if local is not None or notes:
        row += [pounds(local.pence), _share(local)] if local is not None else ["", ""]
    if notes:
        text = "; ".join(notes)
        row.append(text[:1].upper() + text[1:])
    return row


def _preamble(report: SpendReport, title: str) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [title, report.council_name],
        ["Period", report.period.label],
        ["From", report.period.start.isoformat(), "To", report.period.end.isoformat()],
        ["Summary", report.summary],
    ]
    if report.coverage:
        rows.append(["Coverage", report.coverage])
    rows += [["Method note", line] for line in report.method.lines]
    rows.append([])
    return rows


def report_csv_rows(report: SpendReport) -> Iterator[list[Any]]:
    """The report as rows: the method note, then every figure with its amount, payments and share."""
    yield from _preamble(report, "Spend report")
    yield REPORT_COLUMNS
    yield _figure_row("Totals", report.total)
    yield _figure_row("Totals", report.measured)
    yield _figure_row("Totals", report.not_a_supplier)
    for row in report.method.exclusions:
        yield _figure_row("Left out of the measure", row.spend)
    yield _figure_row("Where the money went", report.local)
    for figure in report.places:
        yield _figure_row("Where the money went", figure)
    yield _figure_row("Social economy", report.social_economy)
    for figure in report.social_economy_forms:
        yield _figure_row("Social economy by legal form", figure)
    for figure in (report.sme, report.not_sme, report.sme_unknown):
        yield _figure_row("Size", figure)
    yield [
        "Size",
        "SMEs, of the spend whose supplier's size is known",
        pounds(report.sme.pence),
        report.sme.payments,
        percent(report.sme_share_of_known, 2),
        SHARE_OF_WORDS["known"] if report.sme_share_of_known is not None else "",
    ]
    for figure in (report.deprived_10, report.deprived_20, report.decile_known):
        yield _figure_row("Deprived areas", figure)
    for figure in (report.attributed, report.not_attributed):
        yield _figure_row("Attribution", figure)
    section = f"By {DIMENSIONS[report.dimension].lower()}"
    for category in report.categories:
        yield _figure_row(section, category.spend, category.local)
    for month in report.months:
        yield _figure_row("By month", replace(month.measured, label=month.label), month.local)
    for supplier in report.top_suppliers:
        basis = f" ({supplier.basis.label.lower()})" if supplier.basis else ""
        yield _figure_row("Largest suppliers", supplier.spend, note=f"{supplier.place.label}{basis}")


def _yes_no(value: bool | None) -> str:
    return "Not known" if value is None else ("Yes" if value else "No")


def payments_csv_rows(
    session: Session,
    council: Council,
    period: Period,
    filters: PaymentFilters | None = None,
    *,
    report: SpendReport | None = None,
) -> Iterator[list[Any]]:
    """The payments behind a figure (every payment of the period with no filters), classified, streamed from the
    database a few thousand at a time, after the method note and the filters in words."""
    chosen = filters or PaymentFilters()
    report = report or spend_report(session, council, period)
    yield from _preamble(report, "Payments")
    yield ["Which payments", chosen.describe()]
    yield []
    yield PAYMENT_COLUMNS
    query = (
        payments_query(council, period, chosen, counting_batch_ids(session, council))
        .order_by(Payment.paid_on, Payment.batch_id, Payment.row_number, Payment.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for payment, supplier, file_name in session.execute(query):
        yield [
            payment.paid_on.isoformat(),
            payment.supplier_name,
            supplier.name,
            pounds(payment.amount_pence),
            supplier.place.label,
            supplier.place_basis.label if supplier.place_basis else "",
            supplier.district_code or "",
            supplier.legal_form.label if supplier.legal_form else "Not known",
            _yes_no(supplier.social_economy),
            _yes_no(supplier.sme),
            supplier.imd_decile if supplier.imd_decile is not None else "",
            supplier.resolution.label,
            payment.department or "",
            payment.service_area or "",
            payment.expense_type or "",
            payment.proclass_code or "",
            payment.proclass_label or "",
            payment.description or "",
            payment.transaction_number or "",
            file_name,
            payment.row_number,
        ]


def export_file_name(report: SpendReport, what: str) -> str:
    """'knowsley-council-spend-2026-27.csv', 'knowsley-council-payments-2026-04.csv'."""
    council = "".join(c if c.isalnum() else "-" for c in report.council_name.lower()).strip("-")
    while "--" in council:
        council = council.replace("--", "-")
    stamp = report.period.value.replace("/", "-to-")
    return f"{council}-{what}-{stamp}.csv"
