"""Exports: the report and its classified payments as CSV rows, with the method note, numbers as numbers, and
nothing a spreadsheet would run as a formula once written by the download helper."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.domain.providers import LegalForm
from app.domain.spend.classification import PlaceBasis, SpendPlace
from app.domain.spend.periods import Period
from app.domain.spend.shares import PaymentFilters
from app.services.records import safe_cell
from app.services.spend.exports import (
    PAYMENT_COLUMNS,
    REPORT_COLUMNS,
    export_file_name,
    payments_csv_rows,
    pounds,
    report_csv_rows,
)
from app.services.spend.report import spend_report
from tests.factories import CouncilSetup
from tests.services.spend.test_report import Q1, Scene, build_scene
from tests.spend_factories import payment, spend_batch, spend_supplier


@pytest.fixture
def scene(session: Session, knowsley: CouncilSetup) -> Scene:
    return build_scene(session, knowsley)


def written(rows: object) -> list[list[str]]:
    """The rows as the download helper writes them (every cell through safe_cell), read back as a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:  # type: ignore[attr-defined]
        writer.writerow([safe_cell(cell) for cell in row])
    return list(csv.reader(io.StringIO(buffer.getvalue())))


def test_pounds() -> None:
    assert (pounds(123456), pounds(-5), pounds(0)) == (Decimal("1234.56"), Decimal("-0.05"), Decimal("0.00"))


def test_the_report_export_starts_with_the_method_note_then_every_figure(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    rows = written(report_csv_rows(report))
    assert rows[0] == ["Spend report", "Knowsley Council"]
    assert rows[1] == ["Period", "Q1 2026-27 (April to June 2026)"]
    notes = [row[1] for row in rows if row[:1] == ["Method note"]]
    assert notes == report.method.lines
    header = rows.index(REPORT_COLUMNS)
    body = rows[header + 1 :]
    by_figure = {(row[0], row[1]): row for row in body}
    assert by_figure[("Totals", "All payments")][2:4] == ["115000.00", "12"]
    assert by_figure[("Where the money went", "Local")][2:6] == ["44000.00", "5", "44.00", "measured spend"]
    assert by_figure[("Where the money went", "Local: a branch in the area")][4] == "15.00"
    assert by_figure[("Left out of the measure", "Tax or duty")][2:6] == ["12000.00", "1", "10.43", "all payments"]
    assert by_figure[("Size", "SMEs, of the spend whose supplier's size is known")][4] == "41.18"
    assert by_figure[("By service area", "Highways")][2:8] == [
        "59000.00", "4", "59.00", "measured spend", "21000.00", "35.59",
    ]  # fmt: skip
    assert by_figure[("By month", "June 2026")][6] == "-1000.00"  # a net credit stays a number
    assert by_figure[("Largest suppliers", "Big Builders Ltd")][-1] == "Local (branch)"
    # Every headline figure of the report is in the export with its amount and payments.
    headline = [
        report.total, report.measured, report.not_a_supplier, report.local, *report.places, report.social_economy,
        *report.social_economy_forms, report.sme, report.not_sme, report.sme_unknown, report.deprived_10,
        report.deprived_20, report.decile_known, report.attributed, report.not_attributed,
        *(row.spend for row in report.top_suppliers),
    ]  # fmt: skip
    for figure in headline:
        assert [figure.label, str(pounds(figure.pence)), str(figure.payments)] in [row[1:4] for row in body]
    assert len([row for row in body if row[0] == "By month"]) == 3


def test_a_supplier_name_a_spreadsheet_would_run_is_written_as_text(session: Session, knowsley: CouncilSetup) -> None:
    batch = spend_batch(session, knowsley.council, file_name="=cmd.csv")
    evil = spend_supplier(session, knowsley.council, "=HYPERLINK(\"http://x\")", place=SpendPlace.LOCAL,
                          basis=PlaceBasis.REGISTERED_OFFICE, legal_form=LegalForm.CIC)  # fmt: skip
    payment(session, batch, evil, -250_00, date(2026, 4, 2), service_area="+SUM(A1)", description="@risk")
    payment(session, batch, evil, 1_000_00, date(2026, 4, 3), service_area="+SUM(A1)")
    report = spend_report(session, knowsley.council, Q1)
    for rows in (report_csv_rows(report), payments_csv_rows(session, knowsley.council, Q1, report=report)):
        for row in written(rows):
            for cell in row:
                assert not cell.startswith(("=", "+", "@")), cell
                if cell.startswith("-"):
                    assert Decimal(cell) < 0  # only numbers may start with a minus


def test_the_payments_export_streams_exactly_the_payments_behind_a_figure(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    for figure in (report.total, report.local, report.categories[0].local, report.not_attributed):
        rows = written(payments_csv_rows(session, scene.council, Q1, figure.filters, report=report))
        header = rows.index(PAYMENT_COLUMNS)
        assert ["Which payments", figure.filters.describe()] in rows[:header]
        body = rows[header + 1 :]
        assert len(body) == figure.payments
        assert sum(Decimal(row[3]) for row in body) == pounds(figure.pence)
        assert all(len(row) == len(PAYMENT_COLUMNS) for row in body)
    everything = written(payments_csv_rows(session, scene.council, Q1))
    first = everything[everything.index(PAYMENT_COLUMNS) + 1]
    assert first[0] == "2026-04-10" and first[19] == "knowsley-q1.csv"
    branch = next(row for row in everything if row[1:2] == ["Big Builders Ltd"])
    assert branch[4:12] == ["Local", "Branch", "", "Private company", "No", "No", "4", "Matched"]


def test_payments_export_with_no_report_given_works_it_out(session: Session, scene: Scene) -> None:
    rows = written(payments_csv_rows(session, scene.council, Q1, PaymentFilters(places=(SpendPlace.WIDER,))))
    assert rows[0] == ["Payments", "Knowsley Council"]
    assert rows[-1][1] == "Liverpool Co-op"


def test_export_file_names(session: Session, scene: Scene) -> None:
    assert (
        export_file_name(spend_report(session, scene.council, Q1), "spend") == "knowsley-council-spend-2026-27-Q1.csv"
    )
    ranged = spend_report(session, scene.council, Period(date(2026, 4, 3), date(2026, 4, 9)))
    assert export_file_name(ranged, "payments") == "knowsley-council-payments-2026-04-03-to-2026-04-09.csv"
