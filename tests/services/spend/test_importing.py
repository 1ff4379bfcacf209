"""Importing a council's spend file (issue 13): taken, mapped, every row a payment or a rejection with its reason,
doubles across files flagged not counted twice, undone; and each kind of bad input with a clear outcome."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.spend.columns import SpendField
from app.domain.spend.lifecycle import SpendBatchStatus
from app.models import AuditEvent
from app.models.spend import Payment, SpendBatch, SpendMapping, SpendRejection, SpendSupplier
from app.services.audit import Actor
from app.services.imports.storage import StoredUpload, store_upload, stored_file_in_use
from app.services.spend import importing
from app.services.spend.files import forget_unused
from app.services.spend.importing import (
    ChooseSheet,
    SpendRefused,
    batch_mapping,
    confirm_mapping,
    drop_batch,
    import_batch,
    undo_batch,
    upload_spend_file,
)
from tests.factories import CouncilSetup

NOW = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
ACTOR = Actor(None, "officer@example.org")
#: How an OLE compound file starts: an old .xls workbook, or an .xlsx encrypted with a password.
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER = ["Supplier Name", "Payment Date", "Amount", "Transaction Number", "Service Area"]


# --- Helpers ------------------------------------------------------------------------------------------------------


def csv_bytes(rows: Sequence[Sequence[str]], header: Sequence[str] | None = HEADER, *, before: str = "") -> bytes:
    out = io.StringIO()
    out.write(before)
    writer = csv.writer(out, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


#: A month of payments: three suppliers, a credit, two lines alike (separate payments, as Trafford has them).
APRIL = [
    ["Page Moss Gardens CIC", "03/04/2024", "1,250.00", "T1", "Parks"],
    ["Acme Supplies Ltd", "05/04/2024", "£2,730.00", "T2", "Highways"],
    ["Acme Supplies Limited", "05/04/2024", "(250.00)", "T3", "Highways"],
    ["Roby Catering", "12/04/2024", "99.99", "T4", "Schools"],
    ["Roby Catering", "12/04/2024", "99.99", "T4", "Schools"],
]


@pytest.fixture(name="folder")
def folder_fixture(app: Flask) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def store(folder: Path, content: bytes) -> StoredUpload:
    return store_upload(io.BytesIO(content), folder, 50 * 1024 * 1024)


def upload(
    session: Session, council: CouncilSetup, folder: Path, content: bytes, name: str = "spend.csv", **kw: Any
) -> SpendBatch:
    return upload_spend_file(session, council.council, store(folder, content), name, ACTOR, NOW, folder=folder, **kw)


def imported(
    session: Session, council: CouncilSetup, folder: Path, content: bytes, name: str = "spend.csv", **kw: Any
) -> SpendBatch:
    """Uploaded, its guessed columns confirmed, imported and committed."""
    batch = upload(session, council, folder, content, name, **kw)
    confirm_mapping(session, batch, {f.value: i for f, i in batch_mapping(batch).items()}, ACTOR, NOW)
    import_batch(session, batch, NOW, folder=folder, actor=ACTOR)
    session.commit()
    return batch


def count(session: Session, model: type, **where: Any) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(session.scalar(query) or 0)


def rejections(session: Session, batch: SpendBatch) -> list[SpendRejection]:
    return list(
        session.scalars(
            select(SpendRejection).where(SpendRejection.batch_id == batch.id).order_by(SpendRejection.row_number)
        )
    )


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def adds_up(batch: SpendBatch) -> bool:
    counts = batch.counts
    return bool(counts["rows"] == counts["payments"] + counts["rejected"])


# --- A file in, as payments -----------------------------------------------------------------------------------------


def test_a_file_is_uploaded_mapped_by_its_headings_and_waits_for_the_officer(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    batch = upload(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    assert batch.status == SpendBatchStatus.MAPPING
    assert batch.publisher == "Knowsley Council"
    assert batch_mapping(batch) == {
        SpendField.SUPPLIER_NAME: 0,
        SpendField.DATE: 1,
        SpendField.AMOUNT: 2,
        SpendField.TRANSACTION_NUMBER: 3,
        SpendField.SERVICE_AREA: 4,
    }
    assert batch.file_format["headers"] == HEADER
    assert batch.file_format["kind"] == "csv"
    assert batch.file_format["sample_rows"][0] == APRIL[0]
    assert batch.counts["mapping_source"] == "guessed" and batch.mapping_name is None
    assert batch.file_format["encoding_name"] == "UTF-8" and batch.file_format["delimiter_name"] == "comma"
    [event] = events(session, "spend.upload")
    assert event.changes["file_name"] == "april.csv" and event.entity_id == str(batch.id)


def test_every_row_becomes_a_payment_and_the_counts_add_up(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    batch = imported(session, knowsley, folder, csv_bytes(APRIL))
    assert batch.status == SpendBatchStatus.IMPORTED and batch.imported_at is not None
    counts = batch.counts
    assert counts["rows"] == 5 and counts["payments"] == 5 and counts["rejected"] == 0 and adds_up(batch)
    assert counts["total_pence"] == 125_000 + 273_000 - 25_000 + 9_999 * 2
    assert counts["credits"] == 1 and counts["credits_pence"] == -25_000
    # Two lines alike in one file are two payments, not a double.
    assert counts["duplicates"] == 0
    assert (batch.period_start, batch.period_end) == (date(2024, 4, 3), date(2024, 4, 12))
    assert batch.file_total_pence is None and counts["total_difference_pence"] is None
    assert count(session, Payment, batch_id=batch.id) == 5
    credit = session.scalar(select(Payment).where(Payment.amount_pence < 0))
    assert credit is not None and credit.row_number == 4 and credit.service_area == "Highways"
    # Each payment takes its supplier; the totals the attribution queue orders by are kept.
    suppliers = {s.name: s for s in session.scalars(select(SpendSupplier))}
    assert sum(s.payment_count for s in suppliers.values()) == 5
    assert sum(s.total_pence for s in suppliers.values()) == counts["total_pence"]
    [event] = events(session, "spend.import")
    assert event.changes["payments"] == 5 and event.changes["rows"] == 5


def test_a_total_row_is_not_a_payment_and_is_compared_with_the_sum(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    rows = [*APRIL, ["Total", "", "3,929.98", "", ""]]
    batch = imported(session, knowsley, folder, csv_bytes(rows))
    assert batch.counts["rows"] == 5 and adds_up(batch)
    assert batch.file_total_pence == 392_998 and batch.total_row_number == 7
    assert batch.counts["total_difference_pence"] == 0

    wrong = [*APRIL[:4], ["Grand total", "", "4,000.00", "", ""]]
    other = imported(session, knowsley, folder, csv_bytes(wrong, before="Spend over 250\n"), "b.csv")
    assert other.file_total_pence == 400_000
    assert other.counts["total_difference_pence"] == 400_000 - (125_000 + 273_000 - 25_000 + 9_999)


def test_a_zip_holding_one_csv_and_a_gzipped_csv_are_read(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    batch = imported(session, knowsley, folder, zipped({"april.csv": csv_bytes(APRIL[:2])}), "april.zip")
    assert batch.file_format["kind"] == "zip" and batch.file_format["member"] == "april.csv"
    assert batch.counts["payments"] == 2
    packed = imported(session, knowsley, folder, gzip.compress(csv_bytes(APRIL[2:4])), "april.csv.gz")
    assert packed.file_format["kind"] == "gzip" and packed.counts["payments"] == 2


def test_a_workbook_sheet_is_read(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    book = workbook({"April": [HEADER, ["Acme Supplies Ltd", date(2024, 4, 5), 2730, "T2", "Highways"]]})
    batch = imported(session, knowsley, folder, book, "april.xlsx")
    assert batch.file_format["kind"] == "xlsx"
    assert batch.counts["payments"] == 1 and batch.counts["total_pence"] == 273_000
    payment = session.scalar(select(Payment).where(Payment.batch_id == batch.id))
    assert payment is not None and payment.paid_on == date(2024, 4, 5)


def test_a_file_without_headings_is_mapped_by_the_officer(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    batch = upload(session, knowsley, folder, csv_bytes(APRIL, header=None))
    assert batch.file_format["header_position"] == "none"
    assert batch.file_format["headers"][:2] == ["Column 1", "Column 2"]
    assert batch.file_format["sample_rows"][0] == APRIL[0]
    with pytest.raises(SpendRefused, match="supplier's name"):
        importing.import_batch(session, batch, NOW, folder=folder)
    confirm_mapping(session, batch, {"supplier_name": 0, "date": 1, "amount": 2}, ACTOR, NOW)
    import_batch(session, batch, NOW, folder=folder)
    assert batch.counts["rows"] == 5 and batch.counts["payments"] == 5


# --- Columns ------------------------------------------------------------------------------------------------------


def test_the_confirmed_mapping_is_saved_for_the_publisher_and_maps_its_next_file(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    header = ["Payee", "When", "Value", "Cost Centre Code"]
    first = upload(session, knowsley, folder, csv_bytes([["Acme", "05/04/2024", "10.00", "X1"]], header))
    # 'When' and 'Cost Centre Code' are not headings the guess knows: the officer says which is the date.
    assert SpendField.DATE not in batch_mapping(first)
    confirm_mapping(session, first, {"supplier_name": 0, "date": 1, "amount": 2}, ACTOR, NOW, amount_basis="net")
    saved = session.scalar(select(SpendMapping))
    assert saved is not None and saved.publisher == "Knowsley Council"
    assert saved.columns == {"supplier_name": "Payee", "date": "When", "amount": "Value"}
    assert saved.amount_basis == "net"
    [event] = events(session, "spend.mapping")
    assert event.changes["columns"] == {"supplier_name": "Payee", "date": "When", "amount": "Value"}

    second = upload(session, knowsley, folder, csv_bytes([["Acme", "05/05/2024", "12.00", "X2"]], header), "may.csv")
    assert second.counts["mapping_source"] == "saved" and second.mapping_name == "Knowsley Council"
    assert batch_mapping(second) == {SpendField.SUPPLIER_NAME: 0, SpendField.DATE: 1, SpendField.AMOUNT: 2}
    assert second.file_format["amount_basis"] == "net"


def test_a_saved_mapping_whose_headings_are_gone_is_not_used(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    session.add(
        SpendMapping(council_id=knowsley.council.id, publisher="Knowsley Council", columns={"supplier_name": "Payee"})
    )
    session.flush()
    batch = upload(session, knowsley, folder, csv_bytes(APRIL))
    assert batch.counts["mapping_source"] == "guessed" and SpendField.SUPPLIER_NAME in batch_mapping(batch)


def test_the_publisher_is_taken_from_the_file_when_it_names_itself(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    header = ["OrganisationLabel", "BeneficiaryName", "PaymentDate", "Amount"]
    batch = upload(session, knowsley, folder, csv_bytes([["Trafford Council", "Acme", "2025-03-31", "10.00"]], header))
    assert batch.publisher == "Trafford Council"
    given = upload(session, knowsley, folder, csv_bytes(APRIL[:1]), publisher="Knowsley MBC (finance)", name="x.csv")
    assert given.publisher == "Knowsley MBC (finance)"


@pytest.mark.parametrize(
    ("choices", "field", "words"),
    [
        ({"supplier_name": 0, "date": 1}, "amount", "no column for the amount"),
        ({"amount": 2, "date": 1}, "supplier_name", "no column for the supplier's name"),
        ({"supplier_name": 0, "amount": 0, "date": 1}, "amount", "cannot both be the column 'Supplier Name'"),
        ({"supplier_name": 0, "amount": 9, "date": 1}, "amount", "Choose a column"),
        ({"supplier_name": 0, "amount": "x", "date": 1}, "amount", "Choose a column"),
    ],
)
def test_a_mapping_missing_a_required_column_or_doubling_one_is_refused(
    session: Session, knowsley: CouncilSetup, folder: Path, choices: dict[str, Any], field: str, words: str
) -> None:
    batch = upload(session, knowsley, folder, csv_bytes(APRIL))
    before = dict(batch.mapping)
    with pytest.raises(SpendRefused, match=words) as refused:
        confirm_mapping(session, batch, choices, ACTOR, NOW)
    assert refused.value.field == field
    assert batch.mapping == before


# --- Bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"   \r\n\r\n", "empty"),
        (b"\x00\x01\x02binary\x00" * 50, "not a CSV"),
        (zipped({"readme.txt": b"hello"}), "no CSV file"),
        (zipped({"a.csv": csv_bytes(APRIL), "b.csv": csv_bytes(APRIL)}), "2 CSV files"),
        (b"PK\x03\x04 this is not really a zip", "damaged"),
        (OLE + b"\x00" * 600, "an older Office document"),
        (OLE + b"\x00" * 200 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 400, "protected by a password"),
        (gzip.compress(csv_bytes(APRIL))[:40], "damaged"),
    ],
    ids=["blank", "binary", "zip-no-csv", "zip-two-csvs", "damaged-zip", "old-excel", "password", "cut-gzip"],
)
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(
    session: Session, knowsley: CouncilSetup, folder: Path, content: bytes, words: str
) -> None:
    with pytest.raises(SpendRefused, match=words) as refused:
        upload(session, knowsley, folder, content)
    assert refused.value.field == "file"
    assert count(session, SpendBatch) == 0


def test_a_corrupt_workbook_is_refused(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    book = workbook({"April": [HEADER, ["Acme", "05/04/2024", "10.00", "T1", "Parks"]]})
    broken = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook><sheets>"})
    for content in (book[: len(book) // 2], broken):
        with pytest.raises(SpendRefused, match="The workbook is damaged, so it could not be read") as refused:
            upload(session, knowsley, folder, content, "april.xlsx")
        assert refused.value.field == "file"
    assert count(session, SpendBatch) == 0


def test_a_workbook_with_several_sheets_asks_which(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    book = workbook(
        {
            "Notes": [["This workbook lists payments over £500"]],
            "April": [HEADER, ["Acme Supplies Ltd", "05/04/2024", "2730", "T2", "Highways"]],
        }
    )
    with pytest.raises(ChooseSheet) as asked:
        upload(session, knowsley, folder, book, "spend.xlsx")
    assert asked.value.sheets == ["Notes", "April"] and asked.value.field == "sheet"
    assert "Notes" in str(asked.value) and "April" in str(asked.value)
    batch = imported(session, knowsley, folder, book, "spend.xlsx", sheet="April")
    assert batch.sheet == "April" and batch.counts["payments"] == 1


def test_a_file_with_no_amount_or_no_supplier_column_names_what_is_missing(
    session: Session, knowsley: CouncilSetup, folder: Path, tmp_path: Path
) -> None:
    no_amount = csv_bytes([["Acme", "05/04/2024", "Parks"]], ["Supplier Name", "Payment Date", "Service Area"])
    path = tmp_path / "no-amount.csv"
    path.write_bytes(no_amount)
    with pytest.raises(SpendRefused, match="no column for the amount"):
        importing.import_file(session, knowsley.council, path, path.name, ACTOR, NOW, folder=folder, max_bytes=10**6)
    session.rollback()
    no_supplier = csv_bytes([["05/04/2024", "10.00", "Parks"]], ["Payment Date", "Amount", "Service Area"])
    path.write_bytes(no_supplier)
    with pytest.raises(SpendRefused, match="no column for the supplier's name"):
        importing.import_file(session, knowsley.council, path, path.name, ACTOR, NOW, folder=folder, max_bytes=10**6)


def test_an_amount_that_cannot_be_read_rejects_the_row_with_the_cell_quoted(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    rows = [*APRIL[:2], ["Acme Supplies Ltd", "06/04/2024", "twelve pounds", "T9", "Highways"]]
    batch = imported(session, knowsley, folder, csv_bytes(rows))
    assert batch.counts["rows"] == 3 and batch.counts["payments"] == 2 and batch.counts["rejected"] == 1
    [rejected] = rejections(session, batch)
    assert rejected.code == "amount" and rejected.row_number == 4
    assert rejected.column == "Amount" and rejected.cell == "twelve pounds"
    assert "twelve pounds" in rejected.reason


def test_a_date_that_cannot_be_read_rejects_the_row(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    rows = [*APRIL[:2], ["Acme Supplies Ltd", "31/02/2024", "10.00", "T9", "Highways"]]
    batch = imported(session, knowsley, folder, csv_bytes(rows))
    [rejected] = rejections(session, batch)
    assert rejected.code == "date" and rejected.cell == "31/02/2024" and rejected.column == "Payment Date"
    assert adds_up(batch)


def test_a_date_far_outside_the_files_period_rejects_the_row(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    rows = [[f"Supplier {n}", f"{n % 28 + 1:02d}/04/2024", "100.00", f"T{n}", "Parks"] for n in range(300)]
    rows.append(["Acme Supplies Ltd", "05/04/2042", "55.00", "T999", "Highways"])  # 2042 for 2024
    rows.append(["Acme Supplies Ltd", "05/03/2024", "56.00", "T998", "Highways"])  # the month before: fine
    batch = imported(session, knowsley, folder, csv_bytes(rows))
    assert batch.counts["rows"] == 302 and batch.counts["payments"] == 301 and batch.counts["rejected"] == 1
    assert batch.counts["dates_far_outside"] == 1
    [rejected] = rejections(session, batch)
    assert rejected.code == "date" and rejected.row_number == 302 and rejected.cell == "05/04/2042"
    assert "far outside the file's period (April 2024 to April 2024)" in rejected.reason
    assert batch.period_end == date(2024, 4, 28)
    assert batch.counts["total_pence"] == 300 * 10_000 + 5_600


#: Trafford's headings, as its files have them (../shared/data/spend/trafford), and a row in its form.
TRAFFORD_HEADER = [
    "OrganisationLabel",
    "OrganisationURI",
    "EffectiveDate",
    "OrganisationalUnit",
    "BeneficiaryName",
    "BeneficiaryOtherID",
    "PaymentDate",
    "TransactionNumber",
    "Amount",
    "IrrecoverableVATAmount",
    "Purpose",
    "ProclassLabel",
    "ProclassCode",
    "InvoiceNumber",
    "ProfitCentre",
    "VATRegistrationNumber",
]


def trafford_row(name: str, paid_on: str, amount: str, number: str) -> list[str]:
    return [
        "Trafford Council",
        "https://opendatacommunities.org/id/metropolitan-district-council/trafford",
        "2026-05-31",
        "LIFT REPAIRS & MTCE",
        name,
        "3536",
        paid_on,
        number,
        amount,
        "0.00",
        "CLIENTS LIFT REP & M - Service Charges",
        "FACILITIES MGT : Lifts",
        "191400",
        "68787",
        "250210",
        "GB812311285",
    ]


#: Six payments in Trafford's form, April and May 2026.
TRAFFORD_SIX = [
    trafford_row("VLC (Stairlifts) Limited", "2026-05-29", "742.50", "5100509851"),
    trafford_row("George Cox & Sons Ltd", "2026-05-29", "31843.62", "5100507185"),
    trafford_row("Acme Supplies Ltd", "2026-04-14", "120.00", "5100500001"),
    trafford_row("Roby Catering", "2026-04-17", "99.99", "5100500002"),
    trafford_row("Page Moss Gardens CIC", "2026-05-02", "1250.00", "5100500003"),
    trafford_row("Halewood Hire Ltd", "2026-04-30", "310.00", "5100500004"),
]


def with_date(row: list[str], paid_on: str) -> list[str]:
    return [*row[:6], paid_on, *row[7:]]


def test_a_date_before_2000_or_after_2099_rejects_the_row_quoting_the_cell(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """The reviewer's file: a row dated 1999 was taken as a payment (a small file let it through), and every report
    page then failed, as no period of the report can be before 2000. It is rejected as it is read."""
    rows = [
        *APRIL,
        ["Acme Supplies Ltd", "07/04/1999", "10.00", "T7", "Highways"],
        ["Acme Supplies Ltd", "2101-04-07", "11.00", "T8", "Highways"],
        ["Total", "", "3,950.98", "", ""],
    ]
    batch = imported(session, knowsley, folder, csv_bytes(rows))
    counts = batch.counts
    assert counts["rows"] == 7 and counts["payments"] == 5 and counts["rejected"] == 2 and adds_up(batch)
    assert counts["dates_out_of_range"] == 2 and counts["rejected_by_code"] == {"date": 2}
    nineteen, twenty_one = rejections(session, batch)
    assert (nineteen.row_number, nineteen.code, nineteen.column, nineteen.cell) == (
        7,
        "date",
        "Payment Date",
        "07/04/1999",
    )
    assert nineteen.reason.startswith("The date '07/04/1999' is in 1999: ")
    assert "dated from 2000 to 2099" in nineteen.reason
    assert twenty_one.cell == "2101-04-07" and "is in 2101" in twenty_one.reason
    # The period and the payments are the file's others; the file's total row counts the rejected lines too.
    assert (batch.period_start, batch.period_end) == (date(2024, 4, 3), date(2024, 4, 12))
    assert session.scalar(select(func.min(Payment.paid_on))) == date(2024, 4, 3)
    assert counts["total_difference_pence"] == 0


def test_a_workbooks_date_cell_in_1999_rejects_the_row(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    book = workbook(
        {
            "Spend": [
                HEADER,
                ["Acme Supplies Ltd", date(2026, 4, 5), 2730, "T2", "Highways"],
                ["Roby Catering", date(1999, 4, 7), 99.99, "T3", "Schools"],
            ]
        }
    )
    batch = imported(session, knowsley, folder, book, "small.xlsx")
    assert batch.counts["payments"] == 1 and batch.counts["rejected"] == 1 and adds_up(batch)
    [rejected] = rejections(session, batch)
    assert rejected.code == "date" and rejected.row_number == 3
    assert rejected.cell == "1999-04-07" and "is in 1999" in rejected.reason
    assert batch.period_start == batch.period_end == date(2026, 4, 5)


def test_a_date_run_together_with_the_amount_in_1999_is_rejected_with_the_date_read(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    header = ["Supplier Name", "Payment Date", "Amount", "Description"]
    rows = [
        ["Acme Supplies Ltd", "05/04/2024", "10.00", "Stationery"],
        ["Roby Catering", "07/04/19991,680.00", "", ""],  # the date and the amount run together by the export
    ]
    batch = imported(session, knowsley, folder, csv_bytes(rows, header))
    assert batch.counts["payments"] == 1 and adds_up(batch)
    [rejected] = rejections(session, batch)
    assert rejected.code == "date" and rejected.cell == "07/04/1999"
    assert rejected.reason.startswith("The date '07/04/1999' is in 1999")


def test_a_far_date_in_a_small_file_of_traffords_form_is_rejected(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """Six rows, one dated 2016 among April and May 2026: the file's period is where most of its rows are, so the
    stray is far outside it (it used to make a month of its own, and the period ran from 2016)."""
    rows = [*TRAFFORD_SIX[:5], with_date(TRAFFORD_SIX[5], "2016-04-30")]
    batch = imported(session, knowsley, folder, csv_bytes(rows, TRAFFORD_HEADER), "trafford-small.csv")
    counts = batch.counts
    assert counts["rows"] == 6 and counts["payments"] == 5 and counts["rejected"] == 1 and adds_up(batch)
    assert counts["dates_far_outside"] == 1 and counts["dates_out_of_range"] == 0
    [rejected] = rejections(session, batch)
    assert (rejected.row_number, rejected.code, rejected.column, rejected.cell) == (
        7,
        "date",
        "PaymentDate",
        "30/04/2016",
    )
    assert "far outside the file's period (April 2026 to May 2026)" in rejected.reason
    assert (batch.period_start, batch.period_end) == (date(2026, 4, 14), date(2026, 5, 29))


def test_a_small_file_with_no_date_standing_out_keeps_them_all(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """Two rows years apart: which one is the slip cannot be said, so neither is rejected as one."""
    rows = [TRAFFORD_SIX[0], with_date(TRAFFORD_SIX[1], "2019-05-29")]
    batch = imported(session, knowsley, folder, csv_bytes(rows, TRAFFORD_HEADER), "two.csv")
    assert batch.counts["payments"] == 2 and batch.counts["rejected"] == 0
    assert (batch.period_start, batch.period_end) == (date(2019, 5, 29), date(2026, 5, 29))


SHARED_SPEND = Path(__file__).resolve().parents[4] / "shared" / "data" / "spend"
TRAFFORD_2026 = SHARED_SPEND / "trafford" / "trafford-supplier-spend-2026-27.zip"
HYNDBURN_APRIL = SHARED_SPEND / "hyndburn_spend_over_250_April-24.csv"


def head_lines(content: bytes, rows: int) -> list[bytes]:
    """The heading line and the first ``rows`` data lines of a published file, as its bytes are."""
    return content.splitlines(keepends=True)[: rows + 1]


@pytest.mark.skipif(not TRAFFORD_2026.is_file(), reason="the shared Trafford file is not here")
def test_the_first_rows_of_traffords_file_with_one_date_mistyped(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """Trafford's own first six rows (all 29 May 2026), one date typed as 1999 and another as 2016."""
    with zipfile.ZipFile(TRAFFORD_2026) as archive:
        content = archive.read(archive.namelist()[0])
    lines = head_lines(content, 6)
    assert lines[3].count(b",2026-05-29,") == 1 and lines[5].count(b",2026-05-29,") == 1
    lines[3] = lines[3].replace(b",2026-05-29,", b",1999-05-29,")
    lines[5] = lines[5].replace(b",2026-05-29,", b",2016-05-29,")
    batch = imported(session, knowsley, folder, b"".join(lines), "trafford-head.csv")
    assert batch.counts["rows"] == 6 and batch.counts["payments"] == 4 and adds_up(batch)
    assert batch.counts["dates_out_of_range"] == 1 and batch.counts["dates_far_outside"] == 1
    first, second = rejections(session, batch)
    assert (first.row_number, first.cell) == (4, "1999-05-29") and "is in 1999" in first.reason
    assert (second.row_number, second.cell) == (6, "29/05/2016") and "far outside" in second.reason
    assert batch.period_start == batch.period_end == date(2026, 5, 29)


@pytest.mark.skipif(not HYNDBURN_APRIL.is_file(), reason="the shared Hyndburn file is not here")
def test_the_first_rows_of_hyndburns_file_with_one_date_mistyped(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """Hyndburn's own first six rows (its '£' written in the Windows code page), one dated 07/04/1999, another
    07/04/2014."""
    lines = head_lines(HYNDBURN_APRIL.read_bytes(), 6)
    assert lines[2].count(b",09/04/2024,") == 1 and lines[4].count(b",09/04/2024,") == 1
    lines[2] = lines[2].replace(b",09/04/2024,", b",07/04/1999,")
    lines[4] = lines[4].replace(b",09/04/2024,", b",07/04/2014,")
    batch = imported(session, knowsley, folder, b"".join(lines), "hyndburn-head.csv")
    assert batch.counts["rows"] == 6 and batch.counts["payments"] == 4 and adds_up(batch)
    first, second = rejections(session, batch)
    assert (first.row_number, first.column, first.cell) == (3, "Payment Date", "07/04/1999")
    assert first.reason.startswith("The date '07/04/1999' is in 1999")
    assert (second.row_number, second.cell) == (5, "07/04/2014") and "far outside" in second.reason


def test_a_file_with_headings_and_no_rows_is_refused(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    batch = upload(session, knowsley, folder, csv_bytes([]))
    with pytest.raises(SpendRefused, match="no rows of payments"):
        import_batch(session, batch, NOW, folder=folder)


def test_a_stored_file_that_is_gone_or_changed_is_refused(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    batch = upload(session, knowsley, folder, csv_bytes(APRIL[:1]))
    path = folder / str(batch.stored_file)
    original = path.read_bytes()
    try:
        path.write_bytes(csv_bytes(APRIL[1:2]))
        with pytest.raises(SpendRefused, match="not the one that was uploaded"):
            import_batch(session, batch, NOW, folder=folder)
        path.unlink()
        with pytest.raises(SpendRefused, match="no longer kept"):
            import_batch(session, batch, NOW, folder=folder)
    finally:
        path.write_bytes(original)


# --- The same file, and the same payments, again --------------------------------------------------------------------


def test_the_same_file_again_is_refused_naming_the_first_until_it_is_undone(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    first = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    with pytest.raises(SpendRefused, match=r"uploaded before, as 'april.csv' \(import \d+\) on 1 May 2026") as refused:
        upload(session, knowsley, folder, csv_bytes(APRIL), "april-again.csv")
    assert "undo that import first" in str(refused.value) and refused.value.field == "file"

    undo_batch(session, first, ACTOR, NOW)
    session.commit()
    again = imported(session, knowsley, folder, csv_bytes(APRIL), "april-again.csv")
    assert again.counts["payments"] == 5 and again.counts["duplicates"] == 0


def test_a_file_waiting_for_its_columns_is_the_same_file_until_dropped(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    waiting = upload(session, knowsley, folder, csv_bytes(APRIL))
    with pytest.raises(SpendRefused, match="waiting for its columns"):
        upload(session, knowsley, folder, csv_bytes(APRIL))
    stored = drop_batch(session, waiting, ACTOR, NOW)
    session.commit()
    assert waiting.status == SpendBatchStatus.DROPPED and stored is not None
    assert not stored_file_in_use(session, stored)
    forget_unused(session, folder, stored)
    assert not (folder / stored).exists()
    batch = upload(session, knowsley, folder, csv_bytes(APRIL))
    assert batch.status == SpendBatchStatus.MAPPING


def test_payments_another_file_already_brought_are_flagged_not_doubled(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    first = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    # The next file repeats two of April's payments (one of the pair of like lines) and adds a new one.
    overlap = [APRIL[1], APRIL[3], ["Acme Supplies Ltd", "02/05/2024", "10.00", "T10", "Highways"]]
    second = imported(session, knowsley, folder, csv_bytes(overlap), "april-and-may.csv")
    assert second.counts["rows"] == 3 and second.counts["payments"] == 1 and second.counts["rejected"] == 2
    assert second.counts["duplicates"] == 2 and adds_up(second)
    assert second.counts["total_pence"] == 1_000
    doubles = rejections(session, second)
    assert [(r.code, r.row_number) for r in doubles] == [("duplicate", 2), ("duplicate", 3)]
    assert doubles[0].reason.startswith("Already imported from 'april.csv' (row 3): the same transaction number")
    assert doubles[1].reason.startswith("Already imported from 'april.csv' (row 5)")
    assert "Acme Supplies Ltd, 05/04/2024, £2,730.00" in str(doubles[0].cell)
    # Counted once: the council's payments add up to the two files without the doubles.
    total = session.scalar(select(func.sum(Payment.amount_pence)).where(Payment.council_id == knowsley.council.id))
    assert total == first.counts["total_pence"] + 1_000


def test_doubles_are_matched_as_a_multiset(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    """Another file holds a line 3 times, this one 5 times: 3 are doubles, 2 are payments."""
    line = ["Roby Catering", "12/04/2024", "99.99", "", "Schools"]
    imported(session, knowsley, folder, csv_bytes([line] * 3), "three.csv")
    five = imported(session, knowsley, folder, csv_bytes([line] * 5 + [APRIL[0]]), "five.csv")
    assert five.counts["duplicates"] == 3 and five.counts["payments"] == 3 and adds_up(five)
    reasons = [r.reason for r in rejections(session, five)]
    assert [r.split(":")[0] for r in reasons] == [
        "Already imported from 'three.csv' (row 2)",
        "Already imported from 'three.csv' (row 3)",
        "Already imported from 'three.csv' (row 4)",
    ]
    assert all("the same supplier, date and amount" in r for r in reasons)


def test_a_different_transaction_number_is_a_different_payment(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    imported(session, knowsley, folder, csv_bytes([["Acme Supplies Ltd", "05/04/2024", "10.00", "A1", "X"]]), "a.csv")
    other = [
        ["Acme Supplies Ltd", "05/04/2024", "10.00", "A2", "X"],  # same supplier, date, amount; another payment
        ["Acme Supplies Ltd", "05/04/2024", "10.00", "", "X"],  # no number: the same as A1
    ]
    second = imported(session, knowsley, folder, csv_bytes(other), "b.csv")
    assert second.counts["payments"] == 1 and second.counts["duplicates"] == 1
    [double] = rejections(session, second)
    assert double.row_number == 3 and "the same supplier, date and amount" in double.reason


def test_payments_of_an_undone_file_are_not_doubles(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    first = imported(session, knowsley, folder, csv_bytes(APRIL[:2]), "a.csv")
    undo_batch(session, first, ACTOR, NOW)
    session.commit()
    second = imported(session, knowsley, folder, csv_bytes(APRIL[:3]), "b.csv")
    assert second.counts["duplicates"] == 0 and second.counts["payments"] == 3


# --- Undo ---------------------------------------------------------------------------------------------------------


def test_undo_removes_the_payments_and_rejections_and_recounts_the_suppliers(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    rows = [*APRIL, ["Acme Supplies Ltd", "06/04/2024", "n/a", "T9", "Highways"]]
    batch = imported(session, knowsley, folder, csv_bytes(rows))
    assert count(session, Payment) == 5 and count(session, SpendRejection) == 1
    removed = undo_batch(session, batch, ACTOR, NOW)
    session.commit()
    assert removed == {"payments": 5, "rejections": 1}
    assert batch.status == SpendBatchStatus.UNDONE and batch.undone_at is not None
    assert count(session, Payment) == 0 and count(session, SpendRejection) == 0
    # The suppliers stay (their resolutions are the council's), with nothing paid to them now.
    suppliers = list(session.scalars(select(SpendSupplier)))
    assert suppliers and all(s.total_pence == 0 and s.payment_count == 0 for s in suppliers)
    [event] = events(session, "spend.undo")
    assert event.changes["payments"] == 5
    with pytest.raises(SpendRefused, match="cannot be undone"):
        undo_batch(session, batch, ACTOR, NOW)


def test_an_import_not_waiting_is_refused(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    batch = imported(session, knowsley, folder, csv_bytes(APRIL))
    with pytest.raises(SpendRefused, match="cannot be imported now: it is imported"):
        import_batch(session, batch, NOW, folder=folder)
    with pytest.raises(SpendRefused, match="cannot be changed now"):
        confirm_mapping(session, batch, {"supplier_name": 0, "date": 1, "amount": 2}, ACTOR, NOW)
    assert count(session, Payment) == 5


def test_a_named_mapping_that_does_not_exist_or_fit_is_refused(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    with pytest.raises(SpendRefused, match="no saved column mapping for 'Trafford Council'"):
        upload(session, knowsley, folder, csv_bytes(APRIL), mapping_name="Trafford Council")
    session.add(
        SpendMapping(
            council_id=knowsley.council.id,
            publisher="Trafford Council",
            columns={"supplier_name": "BeneficiaryName", "amount": "Amount", "date": "PaymentDate"},
        )
    )
    session.flush()
    with pytest.raises(SpendRefused, match="'BeneficiaryName', 'PaymentDate'"):
        upload(session, knowsley, folder, csv_bytes(APRIL), mapping_name="Trafford Council")


def test_doubles_across_several_files_and_suppliers_match_a_count_by_hand(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """Lines of many suppliers, dates and amounts spread over two earlier files: the new file's doubles are, for
    each (supplier, date, amount), as many as the earlier files hold, never more than it has."""
    names = ["Acme Supplies Ltd", "Roby Catering", "Page Moss Gardens CIC"]
    earlier_a = [[names[n % 3], f"0{1 + n % 4}/04/2024", f"{10 + n % 5}.00", "", "X"] for n in range(24)]
    earlier_b = [[names[n % 2], f"0{1 + n % 3}/04/2024", f"{10 + n % 4}.00", "", "X"] for n in range(18)]
    new = [[names[n % 3], f"0{1 + n % 5}/04/2024", f"{10 + n % 6}.00", "", "X"] for n in range(60)]
    imported(session, knowsley, folder, csv_bytes(earlier_a), "a.csv")
    imported(session, knowsley, folder, csv_bytes(earlier_b), "b.csv")
    batch = imported(session, knowsley, folder, csv_bytes(new), "new.csv")

    def key(row: list[str]) -> tuple[str, str, str]:
        return row[0], row[1], row[2]

    # b's lines that a already held were doubles of a's: the council holds each line as often as the fuller file.
    held = Counter(key(r) for r in earlier_a) | Counter(key(r) for r in earlier_b)
    expected = sum(min(n, held[k]) for k, n in Counter(key(r) for r in new).items())
    assert expected > 0 and batch.counts["duplicates"] == expected
    assert batch.counts["payments"] == 60 - expected and adds_up(batch)
    # Each earlier line is used at most once.
    named = Counter(r.reason.split(":")[0] for r in rejections(session, batch))
    assert all(n == 1 for n in named.values())


def test_a_large_file_is_written_a_chunk_at_a_time_with_its_progress(
    session: Session, knowsley: CouncilSetup, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    rows = [[f"Supplier {n % 7}", f"{n % 28 + 1:02d}/04/2024", f"{n}.50", f"T{n}", "Parks"] for n in range(40)]
    rows[10][2] = "not money"
    rows.insert(20, ["", "", "", "", ""])  # a blank row is neither a payment nor a rejection
    seen: list[tuple[int, int | None]] = []
    batch = upload(session, knowsley, folder, csv_bytes(rows))
    confirm_mapping(session, batch, {"supplier_name": 0, "date": 1, "amount": 2}, ACTOR, NOW)
    import_batch(session, batch, NOW, folder=folder, progress=lambda done, total: seen.append((done, total)))
    assert batch.counts["rows"] == 40 and batch.counts["payments"] == 39 and batch.counts["rejected"] == 1
    assert batch.counts["blank"] == 1 and batch.counts["suppliers"] == 7
    assert batch.counts["total_pence"] == sum(n * 100 + 50 for n in range(40) if n != 10)
    assert len(seen) > 5 and seen[-1] == (40, 40)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert all(total is None or total >= done for done, total in seen)
    assert count(session, SpendSupplier) == 7


def test_a_quote_never_closed_rejects_its_row_and_says_why(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    content = (
        csv_bytes(APRIL[:2]) + b'Acme Supplies Ltd,06/04/2024,"10.00,T9,Highways\r\nRoby,07/04/2024,5.00,T10,X\r\n'
    )
    batch = imported(session, knowsley, folder, content)
    assert batch.counts["payments"] == 2 and batch.counts["rejected"] == 1 and adds_up(batch)
    [rejected] = rejections(session, batch)
    assert rejected.code == "unclosed_quote" and "quote mark" in rejected.reason


def test_a_stored_upload_a_spend_file_holds_is_in_use_for_the_supplier_import_too(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    # Uploads are named by their content: the same bytes uploaded as a supplier list would share this copy, and the
    # supplier import's drop must not delete it while a spend batch holds it.
    batch = upload(session, knowsley, folder, csv_bytes(APRIL))
    assert batch.stored_file is not None
    assert stored_file_in_use(session, batch.stored_file)
    assert not stored_file_in_use(session, "no-such-upload.csv")


def test_a_file_of_one_column_is_refused_at_the_upload_by_the_service(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    # The command line and the page get the same refusal: no choice of columns could make payments of it.
    with pytest.raises(SpendRefused, match="read as 1 column") as refused:
        upload(session, knowsley, folder, b"Dear colleague,\nplease find the payments attached.\n", "letter.csv")
    assert refused.value.field == "file"
