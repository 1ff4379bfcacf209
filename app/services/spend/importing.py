"""A council's spend file imported: taken (the same file twice is refused), its columns mapped (the publisher's
saved mapping, else a guess the officer confirms), every data row read as a payment or rejected with its reason,
payments already imported from another file flagged rather than doubled, and undone on request (not while a later
file counts on its payments: see :func:`undo_batch`).

The file is streamed once and never held: payments go to the database in chunks (COPY on PostgreSQL, a core
``INSERT`` with many rows elsewhere), and only small things stay in memory (the supplier keys, a count of rows per
month, the file's total row). A date in a year no payment may have (before 2000 or after 2099) is rejected as it is
read. What can only be judged once the whole file is read is judged in the database after: dates far outside the
file's period, and payments another file already brought. Every data row ends as a payment or a rejection:
``rows == payments + rejected``, checked before the batch is marked imported.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Table as Table_
from sqlalchemy import case, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from app.domain.policy import format_pence
from app.domain.refusals import Refusal
from app.domain.spend.columns import (
    REQUIRED_FIELDS,
    SpendField,
    amount_basis_for_heading,
    describe_missing,
    guess_mapping,
    missing_fields,
    too_few_columns,
)
from app.domain.spend.dates import DateError, check_payment_year, core_period, far_outside
from app.domain.spend.lifecycle import COUNTING_STATUSES, MAY_IMPORT_FROM, MAY_UNDO_FROM, SpendBatchStatus
from app.domain.spend.rows import DATE, PaymentLine, RowRejection, TotalRow, read_payment
from app.models import Council
from app.models.spend import Payment, SpendBatch, SpendMapping, SpendRejection
from app.services.audit import Actor, record
from app.services.imports.storage import StoredUpload, UploadError, store_upload
from app.services.spend.classify import classify_suppliers, refresh_supplier_totals
from app.services.spend.files import open_spend_file, open_stored, sample_rows, sha256_of
from app.services.spend.suppliers import SupplierBook, resolve_suppliers
from app.tabular import FileFormatError, Table, TableFormat
from app.tabular.workbook import SheetNotChosen

#: Payments (and rejections) written to the database at a time.
CHUNK_ROWS = 5_000
#: Payments written by COPY after which PostgreSQL's statistics of the table are refreshed (see _BulkWriter).
ANALYZE_AFTER = 10_000
#: Rows deleted or looked up by id at a time (well under every database's limit on bound parameters).
ID_CHUNK = 500
#: A batch in one of these may take the same file again (it never imported, or its import was undone).
MAY_TAKE_AGAIN = frozenset({SpendBatchStatus.UNDONE, SpendBatchStatus.DROPPED, SpendBatchStatus.FAILED})
#: Headings of a column naming the body that published the file (Trafford's ``OrganisationLabel``), compared with
#: case, spaces and punctuation ignored.
PUBLISHER_HEADINGS = frozenset(
    {"organisationlabel", "organisationname", "organisation", "bodyname", "body", "orgshortname", "publisher"}
)
#: How far an import has got: (data rows read, rows the file holds, estimated from the share of it read until the
#: end, when it is exact).
Progress = Callable[[int, int | None], None]


class SpendRefused(Refusal):
    """A spend file, mapping, import or undo the rules refuse; the message is fit to show."""


class ChooseSheet(SpendRefused):
    """A workbook with several sheets and none chosen: the page asks which (``sheets`` lists them)."""

    def __init__(self, message: str, sheets: Sequence[str]) -> None:
        super().__init__(message, "sheet")
        self.sheets = list(sheets)


# --- Taking the file ----------------------------------------------------------------------------------------------


def upload_spend_file(
    session: Session,
    council: Council,
    stored: StoredUpload,
    file_name: str,
    actor: Actor,
    now: datetime,
    *,
    folder: Path,
    publisher: str | None = None,
    sheet: str | None = None,
    mapping_name: str | None = None,
) -> SpendBatch:
    """A batch for a stored upload (``store_upload`` into ``folder``), its columns mapped, waiting for the officer
    to confirm them (status MAPPING). Raises SpendRefused: the same file again, or a file that cannot be read.

    The publisher defaults to the body the file names in a column such as Trafford's ``OrganisationLabel``, else
    the council's name; ``mapping_name`` asks for that publisher's saved mapping by name (the command line's
    ``--mapping``), refusing when there is none or it does not fit. Otherwise the publisher's saved mapping is used
    when every heading it names is in the file, and a guess from the headings when not.
    """
    _refuse_same_file(session, council, stored.sha256)
    with open_stored(folder, stored.name) as stream:
        table_format, samples = _read_head(stream, file_name, sheet)
    headers = list(table_format.headers)
    if table_format.header_position == "none" and (narrow := too_few_columns(len(headers))):
        raise SpendRefused(narrow, "file")
    publisher = (publisher or mapping_name or _publisher_in(headers, samples) or council.name).strip()[:200]
    saved = _saved_mapping(session, council, publisher)
    if mapping_name:
        if saved is None:
            raise SpendRefused(f"There is no saved column mapping for '{mapping_name}'", "mapping")
        mapping = _fitting(saved, headers)
        if mapping is None:
            lacking = sorted(set(saved.columns.values()) - set(headers))
            raise SpendRefused(
                f"The saved column mapping for '{mapping_name}' names columns this file does not have: "
                + ", ".join(f"'{h}'" for h in lacking),
                "mapping",
            )
        source = "saved"
    else:
        mapping = _fitting(saved, headers) if saved is not None else None
        source = "saved" if mapping is not None else "guessed"
        if mapping is None:
            mapping = guess_mapping(headers)
    amount_heading = headers[mapping[SpendField.AMOUNT]] if SpendField.AMOUNT in mapping else ""
    basis = (saved.amount_basis if saved is not None and source == "saved" else None) or amount_basis_for_heading(
        amount_heading
    )
    batch = SpendBatch(
        council_id=council.id,
        created_at=now,
        created_by_id=actor.user_id,
        publisher=publisher,
        file_name=file_name[:300],
        sha256=stored.sha256,
        file_size=stored.size,
        stored_file=stored.name,
        sheet=sheet,
        file_format={**format_json(table_format), "sample_rows": samples, "amount_basis": basis},
        mapping=mapping_json(mapping),
        mapping_name=mapping_name or (publisher if source == "saved" else None),
        status=SpendBatchStatus.MAPPING,
        counts={"mapping_source": source},
    )
    session.add(batch)
    session.flush()
    record(
        session,
        actor,
        "spend.upload",
        "spend_batch",
        batch.id,
        {
            "file_name": file_name,
            "sha256": stored.sha256,
            "size": stored.size,
            "publisher": publisher,
            "sheet": sheet,
            "mapping": source,
        },
    )
    return batch


def _refuse_same_file(session: Session, council: Council, sha256: str) -> None:
    earlier = session.scalar(
        select(SpendBatch)
        .where(
            SpendBatch.council_id == council.id,
            SpendBatch.sha256 == sha256,
            SpendBatch.status.not_in(MAY_TAKE_AGAIN),
        )
        .order_by(SpendBatch.id)
        .limit(1)
    )
    if earlier is None:
        return
    when = f"{earlier.created_at.day} {earlier.created_at:%B %Y}"
    if earlier.status == SpendBatchStatus.MAPPING:
        then = "and is waiting for its columns to be confirmed: carry on with that upload, or drop it first"
    elif earlier.status == SpendBatchStatus.IMPORTING:
        then = "and is being imported now"
    else:
        then = "and its payments are imported. To import it again, undo that import first"
    raise SpendRefused(
        f"This file was uploaded before, as '{earlier.file_name}' (import {earlier.id}) on {when}, {then}", "file"
    )


def _read_head(stream: IO[bytes], file_name: str, sheet: str | None) -> tuple[TableFormat, list[list[str]]]:
    """The file's format and its first rows, or SpendRefused saying why it cannot be read (ChooseSheet for a
    workbook of several sheets read without saying which)."""
    try:
        with open_spend_file(stream, file_name, sheet) as table:
            return table.format, sample_rows(table)
    except SheetNotChosen as error:
        raise ChooseSheet(str(error), error.sheets) from error
    except FileFormatError as error:
        raise SpendRefused(str(error), "file") from error


def format_json(table_format: TableFormat) -> dict[str, Any]:
    """How the file was read, as the batch keeps it (and the pages show it)."""
    container = table_format.container
    return {
        "kind": container if container in ("zip", "xlsx", "gzip") else "csv",
        "encoding": table_format.encoding,
        "encoding_name": table_format.encoding_name,
        "delimiter": table_format.delimiter,
        "delimiter_name": table_format.delimiter_name,
        "header_row_number": table_format.header_row_number,
        "header_position": table_format.header_position,
        "title_rows": list(table_format.title_rows),
        "headers": list(table_format.headers),
        "container": table_format.container,
        "member": table_format.member,
    }


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def _publisher_in(headers: Sequence[str], samples: Sequence[Sequence[str]]) -> str | None:
    """The publishing body a column of the file names (its first row's value), if the file has such a column."""
    for index, heading in enumerate(headers):
        if _squash(heading) in PUBLISHER_HEADINGS:
            for row in samples:
                value = row[index].strip() if index < len(row) else ""
                if value:
                    return value
    return None


def _saved_mapping(session: Session, council: Council, publisher: str) -> SpendMapping | None:
    return session.scalar(
        select(SpendMapping).where(SpendMapping.council_id == council.id, SpendMapping.publisher == publisher)
    )


def _fitting(saved: SpendMapping, headers: Sequence[str]) -> dict[SpendField, int] | None:
    """A saved mapping laid on this file's headings, or None when the file lacks a heading it names."""
    mapping: dict[SpendField, int] = {}
    for name, heading in saved.columns.items():
        if heading not in headers:
            return None
        try:
            mapping[SpendField(name)] = list(headers).index(heading)
        except ValueError:
            continue  # a field this version no longer has
    return mapping


def mapping_json(mapping: Mapping[SpendField, int]) -> dict[str, int]:
    """A mapping as the batch keeps it: field name -> column position."""
    return {field.value: int(index) for field, index in mapping.items()}


def batch_mapping(batch: SpendBatch) -> dict[SpendField, int]:
    """The batch's mapping: field -> column position (fields this version does not know are skipped)."""
    mapping: dict[SpendField, int] = {}
    for name, index in (batch.mapping or {}).items():
        try:
            mapping[SpendField(name)] = int(index)
        except (ValueError, TypeError):
            continue
    return mapping


def batch_headers(batch: SpendBatch) -> list[str]:
    return [str(h) for h in (batch.file_format or {}).get("headers", [])]


# --- Confirming the columns ---------------------------------------------------------------------------------------


def confirm_mapping(
    session: Session,
    batch: SpendBatch,
    mapping: Mapping[str, int | str | None],
    actor: Actor,
    now: datetime,
    *,
    amount_basis: str | None = None,
    save: bool = True,
) -> dict[SpendField, int]:
    """Record the officer's columns (field name -> column position; None or '' for a field the file lacks).

    Refuses (SpendRefused, with the field it belongs to) a mapping without a column for each required field (the
    message names what is missing), a position the file does not have, or two fields on one column. ``save`` keeps
    it as the publisher's mapping, by heading, so the publisher's next file maps itself.
    """
    if batch.status not in MAY_IMPORT_FROM:
        raise SpendRefused(f"The columns of this file cannot be changed now: it is {batch.status.label.lower()}")
    headers = batch_headers(batch)
    chosen: dict[SpendField, int] = {}
    taken: dict[int, SpendField] = {}
    for name, raw in mapping.items():
        try:
            field = SpendField(name)
        except ValueError as error:
            raise SpendRefused(f"'{name}' is not a column the import knows") from error
        if raw is None or raw == "":
            continue
        try:
            index = int(raw)
        except (TypeError, ValueError) as error:
            raise SpendRefused(f"Choose a column of the file for {field.label.lower()}", field.value) from error
        if not 0 <= index < len(headers):
            raise SpendRefused(f"Choose a column of the file for {field.label.lower()}", field.value)
        if index in taken:
            other = taken[index]
            raise SpendRefused(
                f"{field.label} and {other.label.lower()} cannot both be the column '{_heading(headers, index)}'",
                field.value,
            )
        taken[index] = field
        chosen[field] = index
    missing = missing_fields(chosen)
    if missing:
        raise SpendRefused(describe_missing(missing), missing[0].value)
    if amount_basis not in (None, "", "net", "gross"):
        raise SpendRefused("Say whether the amounts are net or gross of VAT", "amount_basis")
    basis = amount_basis or (batch.file_format or {}).get("amount_basis")
    batch.mapping = mapping_json(chosen)
    batch.file_format = {**(batch.file_format or {}), "amount_basis": basis}
    batch.counts = {**(batch.counts or {}), "mapping_source": "confirmed"}
    if save:
        _save_mapping(session, batch, chosen, headers, basis, actor, now)
    record(
        session,
        actor,
        "spend.mapping",
        "spend_batch",
        batch.id,
        {
            "columns": {field.value: _heading(headers, index) for field, index in chosen.items()},
            "amount_basis": basis,
            "saved_for": batch.publisher if save else None,
        },
    )
    return chosen


def _heading(headers: Sequence[str], index: int) -> str:
    return headers[index] if 0 <= index < len(headers) and headers[index].strip() else f"Column {index + 1}"


def _save_mapping(
    session: Session,
    batch: SpendBatch,
    chosen: Mapping[SpendField, int],
    headers: Sequence[str],
    basis: str | None,
    actor: Actor,
    now: datetime,
) -> None:
    """Keep the mapping as the publisher's, by heading. A blank or repeated heading cannot name a column in the next
    file, so a field on one is left out (the next file's guess fills it, or the officer does)."""
    counts = Counter(headers)
    columns = {
        field.value: headers[index]
        for field, index in chosen.items()
        if headers[index].strip() and counts[headers[index]] == 1
    }
    saved = session.scalar(
        select(SpendMapping).where(
            SpendMapping.council_id == batch.council_id, SpendMapping.publisher == batch.publisher
        )
    )
    if saved is None:
        saved = SpendMapping(council_id=batch.council_id, publisher=batch.publisher)
        session.add(saved)
    saved.columns = columns
    saved.amount_basis = basis
    saved.created_by_id = actor.user_id
    saved.updated_at = now


# --- Importing ----------------------------------------------------------------------------------------------------


def import_batch(
    session: Session,
    batch: SpendBatch,
    now: datetime,
    *,
    folder: Path,
    progress: Progress | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    """Read the batch's stored file into payments and rejections, and mark it imported; returns its counts.

    Refuses (SpendRefused) a batch not waiting to import, a mapping without the required columns, a stored file
    that is gone or changed, and a file with no data rows. Never commits: a failure leaves nothing behind when the
    caller rolls back.
    """
    if batch.status not in (*MAY_IMPORT_FROM, SpendBatchStatus.IMPORTING):
        raise SpendRefused(f"This file cannot be imported now: it is {batch.status.label.lower()}")
    mapping = batch_mapping(batch)
    missing = missing_fields(mapping)
    if missing:
        raise SpendRefused(describe_missing(missing), missing[0].value)
    council = session.get_one(Council, batch.council_id)
    # A run that failed part way was rolled back; this makes a second run safe whatever the first left.
    session.execute(delete(Payment).where(Payment.batch_id == batch.id))
    session.execute(delete(SpendRejection).where(SpendRejection.batch_id == batch.id))
    session.flush()

    reader = _BatchReader(session, batch, council, mapping, progress, now)
    try:
        with open_stored(folder, batch.stored_file) as stream:
            if sha256_of(stream) != batch.sha256:
                raise SpendRefused("The stored file is not the one that was uploaded. Upload it again", "file")
            reader.read(stream, batch.file_size or os.fstat(stream.fileno()).st_size)
    except FileFormatError as error:
        raise SpendRefused(str(error), "file") from error
    if reader.rows == 0:
        raise SpendRefused("The file has no rows of payments under its column headings", "file")

    headers = batch_headers(batch)
    date_heading = _heading(headers, mapping[SpendField.DATE])
    far = _reject_far_dates(session, batch, reader.month_counts, date_heading)
    duplicates = _reject_duplicates(session, batch)

    counts = _counts(session, batch, reader, far=far, duplicates=duplicates)
    if counts["rows"] != counts["payments"] + counts["rejected"]:
        raise AssertionError(f"spend import {batch.id}: rows do not add up: {counts}")  # never silently lost

    total = reader.totals[-1] if reader.totals else None
    batch.file_total_pence = total.amount_pence if total else None
    batch.total_row_number = total.row_number if total else None
    batch.period_start, batch.period_end = counts.pop("_period")
    batch.counts = {**counts, "mapping_source": (batch.counts or {}).get("mapping_source")}
    batch.status = SpendBatchStatus.IMPORTED  # counting from here, so the suppliers' totals include it
    batch.imported_at = now
    batch.imported_by_id = actor.user_id if actor else None
    batch.error = None
    session.flush()

    new_ids = set(reader.book.new_ids)
    resolve_suppliers(session, council, new_ids, now)
    classify_suppliers(session, council, new_ids, now)
    refresh_supplier_totals(session, council, _suppliers_of(session, batch) | new_ids)
    record(
        session,
        actor or Actor.system("spend import"),
        "spend.import",
        "spend_batch",
        batch.id,
        {k: counts[k] for k in ("rows", "payments", "rejected", "duplicates", "total_pence", "file_total_pence")},
    )
    if progress:
        progress(counts["rows"], counts["rows"])
    return dict(batch.counts)


class _BatchReader:
    """One pass over the file: payments and rejections written a chunk at a time, small tallies kept."""

    def __init__(
        self,
        session: Session,
        batch: SpendBatch,
        council: Council,
        mapping: Mapping[SpendField, int],
        progress: Progress | None,
        now: datetime,
    ) -> None:
        self.session = session
        self.batch = batch
        self.mapping = mapping
        self.progress = progress
        self.book = SupplierBook(session, council, now)
        self.rows = 0  # data rows: each a payment or a rejection
        self.read_payments = 0
        self.read_rejections = 0
        self.blank = 0
        self.lines_pence = 0  # every amount read from a payment line, doubles and dates rejected included
        self.totals: list[TotalRow] = []
        self.month_counts: Counter[tuple[int, int]] = Counter()
        self.fused_recovered = 0
        self.out_of_range = 0  # rows rejected for a year no payment may have (also counted in rejections)
        self.date_heading = _heading(batch_headers(batch), mapping[SpendField.DATE])
        self._payments: list[PaymentLine] = []
        self._rejections: list[dict[str, Any]] = []
        self._writer = _BulkWriter(session)

    def read(self, stream: IO[bytes], size: int) -> None:
        batch = self.batch
        with open_spend_file(stream, batch.file_name, batch.sheet) as table:
            self._check_same_format(table)
            headers = table.headers
            for row in table:
                outcome = read_payment(row, self.mapping, headers)
                if outcome is None:
                    self.blank += 1
                elif isinstance(outcome, PaymentLine):
                    self._payment(outcome, row.cells)
                elif isinstance(outcome, RowRejection):
                    self._rejection(outcome)
                else:
                    self.totals.append(outcome)
                if len(self._payments) >= CHUNK_ROWS or len(self._rejections) >= CHUNK_ROWS:
                    self._flush()
                    if self.progress:
                        share = min(1.0, stream.tell() / max(1, size))
                        estimate = max(self.rows, round(self.rows / share)) if share > 0 else None
                        self.progress(self.rows, estimate)
            self._flush()
            self.blank += table.blank_rows
        self._writer.finish()

    def _check_same_format(self, table: Table) -> None:
        if list(table.headers) != batch_headers(self.batch):
            raise SpendRefused("The stored file no longer matches this upload. Upload it again", "file")

    def _payment(self, line: PaymentLine, cells: Sequence[str]) -> None:
        self.lines_pence += line.amount_pence  # the file's own total counts it, whatever its date
        cell = self._date_cell(line, cells)
        try:
            check_payment_year(line.paid_on, cell)
        except DateError as error:
            # Before 2000 or after 2099: no period of the report could hold it, and it must not shape the file's.
            self.out_of_range += 1
            self._rejection(RowRejection(line.row_number, DATE, self.date_heading, cell, str(error)))
            return
        self.rows += 1
        self.read_payments += 1
        self.month_counts[(line.paid_on.year, line.paid_on.month)] += 1
        if line.note:
            self.fused_recovered += 1
        self._payments.append(line)

    def _date_cell(self, line: PaymentLine, cells: Sequence[str]) -> str:
        """The date's cell as the file has it; the date as read when the row had its cells run together (the date
        may have come from another column's cell) or has no such cell."""
        index = self.mapping[SpendField.DATE]
        cell = cells[index].strip() if 0 <= index < len(cells) and not line.note else ""
        return cell or f"{line.paid_on:%d/%m/%Y}"

    def _rejection(self, rejection: RowRejection) -> None:
        self.rows += 1
        self.read_rejections += 1
        self._rejections.append(
            {
                "batch_id": self.batch.id,
                "row_number": rejection.row_number,
                "code": rejection.code[:30],
                "column": rejection.column[:300] if rejection.column else None,
                "cell": rejection.cell,
                "reason": rejection.reason,
            }
        )

    def _flush(self) -> None:
        if self._payments:
            lines = self._payments
            supplier_ids = self.book.supplier_ids(lines)  # the chunk's new suppliers in one statement
            council_id, batch_id = self.batch.council_id, self.batch.id
            self.session.flush()  # the batch exists before its payments
            self._writer.payments(
                [
                    (
                        council_id,
                        batch_id,
                        line.row_number,
                        supplier_id,
                        line.paid_on,
                        line.amount_pence,
                        line.supplier_name,
                        line.transaction_number,
                        line.department,
                        line.service_area,
                        line.expense_type,
                        line.proclass_code,
                        line.proclass_label,
                        line.description,
                    )
                    for line, supplier_id in zip(lines, supplier_ids, strict=True)
                ]
            )
            self._payments = []
        if self._rejections:
            self._writer.rejections(self._rejections)
            self._rejections = []


#: The payment columns written, in the order the reader gives them.
PAYMENT_COLUMNS = (
    "council_id",
    "batch_id",
    "row_number",
    "supplier_id",
    "paid_on",
    "amount_pence",
    "supplier_name",
    "transaction_number",
    "department",
    "service_area",
    "expense_type",
    "proclass_code",
    "proclass_label",
    "description",
)


#: The rejection columns written, in the order the writer takes them (the last two only for a 'duplicate').
REJECTION_COLUMNS = (
    "batch_id",
    "row_number",
    "code",
    "column",
    "cell",
    "reason",
    "duplicate_of_batch_id",
    "duplicate_of_row_number",
)


class _BulkWriter:
    """Writes payments and rejections in bulk in the session's transaction: COPY with psycopg on PostgreSQL (several
    times faster than many-row INSERTs there), a core INSERT with many rows elsewhere."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect
        self.copy = self.dialect.name == "postgresql" and self.dialect.driver == "psycopg"
        self.written = 0

    def payments(self, rows: list[tuple[Any, ...]]) -> None:
        self.written += len(rows)
        self._write(Payment.__table__, PAYMENT_COLUMNS, rows)  # type: ignore[arg-type]

    def rejections(self, rows: list[dict[str, Any]]) -> None:
        self._write(
            SpendRejection.__table__,  # type: ignore[arg-type]
            REJECTION_COLUMNS,
            [tuple(row.get(name) for name in REJECTION_COLUMNS) for row in rows],
        )

    def finish(self) -> None:
        """After a large load, PostgreSQL's planner is told how many payments there are now: without fresh
        statistics it takes the table for the small one it was and plans the queries that follow (doubles, the
        suppliers' totals) as scans of the whole table, once per supplier (47 s instead of under 1 s for a year of
        Trafford's payments). ANALYZE runs inside the transaction and sees its rows."""
        if self.copy and self.written >= ANALYZE_AFTER:
            self.session.execute(text(f"ANALYZE {Payment.__tablename__}"))

    def _write(self, table: Table_, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.copy:
            quote = self.dialect.identifier_preparer.quote
            statement = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
            driver = self.session.connection().connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row(row)
            return
        self.session.connection().execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def _month_words(day: date) -> str:
    return f"{day:%B %Y}"


def _reject_far_dates(
    session: Session, batch: SpendBatch, month_counts: Mapping[tuple[int, int], int], heading: str
) -> int:
    """Payments dated far outside the months that hold the file's payments (a year typed wrongly, 2042 for 2024)
    become rejections with code 'date'; returns how many."""
    core = core_period(month_counts)
    if core is None:
        return 0
    start, end = core
    outside = session.execute(
        select(Payment.id, Payment.row_number, Payment.paid_on).where(
            Payment.batch_id == batch.id, or_(Payment.paid_on < start, Payment.paid_on > end)
        )
    ).all()
    far = [row for row in outside if far_outside(row.paid_on, start, end)]
    if not far:
        return 0
    period = f"{_month_words(start)} to {_month_words(end)}"
    _delete_payments(session, [row.id for row in far])
    _BulkWriter(session).rejections(
        [
            {
                "batch_id": batch.id,
                "row_number": row.row_number,
                "code": "date",
                "column": heading[:300],
                "cell": f"{row.paid_on:%d/%m/%Y}",
                "reason": (
                    f"The date {row.paid_on:%d/%m/%Y} is far outside the file's period ({period}): more than 12 "
                    "months before or after it, so it is probably mistyped. Correct it in the file and import the "
                    "row again"
                ),
            }
            for row in far
        ],
    )
    return len(far)


def _delete_payments(session: Session, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), ID_CHUNK):
        session.execute(delete(Payment).where(Payment.id.in_(ids[start : start + ID_CHUNK])))


@dataclass(frozen=True)
class _Line:
    """A payment as the duplicate check sees it."""

    id: int
    batch_id: int
    row_number: int
    transaction_number: str | None
    supplier_name: str


#: How payments are grouped for the duplicate check: the supplier, the date and the amount.
_Key = tuple[int, date, int]


def _reject_duplicates(session: Session, batch: SpendBatch) -> int:
    """This batch's payments that another counting batch of the council already holds become rejections with code
    'duplicate', naming that file and row; returns how many.

    A payment is the same as another when both have the same supplier, date and amount and the same transaction
    number, or when either has no transaction number. It is a multiset match: a line another file holds 3 times
    and this file 5 times is doubled 3 times. Lines repeated within one file are not doubles (some councils publish
    identical lines for separate payments).

    Both sides are streamed in the order of (supplier, date, amount) and walked together a group at a time, so only
    one group's lines are held, however large the files and however many lines they share.
    """
    first, last = session.execute(
        select(func.min(Payment.paid_on), func.max(Payment.paid_on)).where(Payment.batch_id == batch.id)
    ).one()
    if first is None:
        return 0
    # FOR SHARE (PostgreSQL; SQLite takes one writer at a time anyway): a file being undone at this moment is
    # waited for and then left out, and one not undone yet cannot be until this import has committed its doubles
    # (undo_batch, which refuses to undo a file whose payments another file's doubles count on).
    others = dict(
        session.execute(
            select(SpendBatch.id, SpendBatch.file_name)
            .where(
                SpendBatch.council_id == batch.council_id,
                SpendBatch.id != batch.id,
                SpendBatch.status.in_(COUNTING_STATUSES),
                SpendBatch.period_start <= last,
                SpendBatch.period_end >= first,
            )
            .with_for_update(read=True)
        ).all()
    )
    if not others:
        return 0
    streamed = {"yield_per": CHUNK_ROWS}
    writer = _BulkWriter(session)
    key = (Payment.supplier_id, Payment.paid_on, Payment.amount_pence)
    fresh = session.execute(
        select(*key, Payment.id, Payment.row_number, Payment.transaction_number, Payment.supplier_name)
        .where(Payment.batch_id == batch.id)
        .order_by(*key, Payment.row_number),
        execution_options=streamed,
    )
    held = session.execute(
        select(*key, Payment.id, Payment.batch_id, Payment.row_number, Payment.transaction_number)
        .where(
            Payment.council_id == batch.council_id,
            Payment.batch_id.in_(list(others)),
            Payment.paid_on >= first,
            Payment.paid_on <= last,
        )
        .order_by(*key, Payment.batch_id, Payment.row_number),
        execution_options=streamed,
    )
    try:
        fresh_groups = (
            (k, [_Line(r.id, batch.id, r.row_number, r.transaction_number, r.supplier_name) for r in rows])
            for k, rows in groupby(fresh, key=lambda r: (r.supplier_id, r.paid_on, r.amount_pence))
        )
        held_groups = (
            (k, [_Line(r.id, r.batch_id, r.row_number, r.transaction_number, "") for r in rows])
            for k, rows in groupby(held, key=lambda r: (r.supplier_id, r.paid_on, r.amount_pence))
        )
        doubles = 0
        rejections: list[dict[str, Any]] = []
        for (_supplier, paid_on, amount), lines, earlier_lines in _shared_groups(fresh_groups, held_groups):
            for line, earlier, by_number in _match(lines, earlier_lines):
                doubles += 1
                same = "transaction number, supplier, date and amount" if by_number else "supplier, date and amount"
                rejections.append(
                    {
                        "batch_id": batch.id,
                        "row_number": line.row_number,
                        "code": "duplicate",
                        "column": None,
                        "cell": f"{line.supplier_name}, {paid_on:%d/%m/%Y}, "
                        f"{format_pence(amount, always_show_pence=True)}"
                        + (f", {line.transaction_number}" if line.transaction_number else ""),
                        "reason": (
                            f"Already imported from '{others[earlier.batch_id]}' (row {earlier.row_number}): the same "
                            f"{same}. It is counted once, from that file"
                        ),
                        # What it doubled: that file is not undone while this one counts on it (undo_batch).
                        "duplicate_of_batch_id": earlier.batch_id,
                        "duplicate_of_row_number": earlier.row_number,
                    }
                )
            if len(rejections) >= CHUNK_ROWS:
                writer.rejections(rejections)
                rejections = []
    finally:  # a stream left part-read (the other ran out first) is closed, on PostgreSQL a server cursor
        fresh.close()
        held.close()
    writer.rejections(rejections)
    if doubles:
        # A payment's row is its own in a batch: the doubles are the payments whose rows were just rejected as such.
        session.execute(
            delete(Payment).where(
                Payment.batch_id == batch.id,
                Payment.row_number.in_(
                    select(SpendRejection.row_number).where(
                        SpendRejection.batch_id == batch.id, SpendRejection.code == "duplicate"
                    )
                ),
            )
        )
    return doubles


def _shared_groups(
    fresh: Iterable[tuple[_Key, list[_Line]]], held: Iterable[tuple[_Key, list[_Line]]]
) -> Iterator[tuple[_Key, list[_Line], list[_Line]]]:
    """The groups (key, this file's lines, lines held already) whose key both sorted streams have, walking them
    together."""
    held_iter = iter(held)
    current = next(held_iter, None)
    for key, lines in fresh:
        while current is not None and current[0] < key:
            current = next(held_iter, None)
        if current is None:
            return
        if current[0] == key:
            yield key, lines, current[1]


def _match(fresh: list[_Line], held: list[_Line]) -> Iterable[tuple[_Line, _Line, bool]]:
    """Pair this file's lines with lines already held (same supplier, date and amount), each used once: the same
    transaction number first, then a line without one with any line, in row order. Yields (line, earlier, whether
    the transaction numbers matched)."""
    fresh.sort(key=lambda line: line.row_number)
    held.sort(key=lambda line: (line.batch_id, line.row_number))
    used: set[int] = set()
    paired: set[int] = set()
    by_number: dict[str, list[_Line]] = defaultdict(list)
    for line in held:
        if line.transaction_number:
            by_number[line.transaction_number].append(line)
    for line in fresh:
        if line.transaction_number:
            for earlier in by_number.get(line.transaction_number, []):
                if earlier.id not in used:
                    used.add(earlier.id)
                    paired.add(line.id)
                    yield line, earlier, True
                    break
    # A line with a transaction number can only be the same as one without; a line without, as any: the first are
    # paired first so that the second, which can take either, do not use up what the first need.
    numbered = [line for line in fresh if line.id not in paired and line.transaction_number]
    bare = [line for line in fresh if line.id not in paired and not line.transaction_number]
    for group, any_earlier in ((numbered, False), (bare, True)):
        for line in group:
            for earlier in held:
                if earlier.id not in used and (any_earlier or not earlier.transaction_number):
                    used.add(earlier.id)
                    yield line, earlier, False
                    break


def _counts(session: Session, batch: SpendBatch, reader: _BatchReader, *, far: int, duplicates: int) -> dict[str, Any]:
    """The batch's figures, from the database (what was written) and the reader (what was read)."""
    payments, total, credits, credits_pence, first, last, suppliers = session.execute(
        select(
            func.count(Payment.id),
            func.coalesce(func.sum(Payment.amount_pence), 0),
            func.coalesce(func.sum(case((Payment.amount_pence < 0, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Payment.amount_pence < 0, Payment.amount_pence), else_=0)), 0),
            func.min(Payment.paid_on),
            func.max(Payment.paid_on),
            func.count(func.distinct(Payment.supplier_id)),
        ).where(Payment.batch_id == batch.id)
    ).one()
    by_code = dict(
        session.execute(
            select(SpendRejection.code, func.count())
            .where(SpendRejection.batch_id == batch.id)
            .group_by(SpendRejection.code)
        ).all()
    )
    rejected = sum(by_code.values())
    file_total = reader.totals[-1].amount_pence if reader.totals else None
    return {
        "rows": reader.rows,
        "payments": int(payments),
        "rejected": int(rejected),
        "rejected_by_code": {code: int(n) for code, n in sorted(by_code.items())},
        "blank": reader.blank,
        "credits": int(credits),
        "total_pence": int(total),
        "credits_pence": int(credits_pence),
        "lines_pence": reader.lines_pence,
        "duplicates": duplicates,
        "dates_far_outside": far,
        "dates_out_of_range": reader.out_of_range,
        "fused_recovered": reader.fused_recovered,
        "suppliers": int(suppliers),
        "suppliers_new": len(reader.book.new_ids),
        "file_total_pence": file_total,
        "total_row_number": reader.totals[-1].row_number if reader.totals else None,
        # Against every amount read from the file (payments, and lines rejected as doubles or for their dates), as
        # the file's own total counts them all.
        "total_difference_pence": None if file_total is None else file_total - reader.lines_pence,
        "total_rows": len(reader.totals),
        "_period": (first, last),
    }


def _suppliers_of(session: Session, batch: SpendBatch) -> set[int]:
    """The suppliers the batch's payments went to."""
    return set(session.scalars(select(Payment.supplier_id).where(Payment.batch_id == batch.id).distinct()))


# --- Undoing and dropping -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UndoBlocker:
    """A later counting file some of whose rows were rejected as doubles of this file's payments: while it counts,
    those payments are counted from this file only."""

    batch_id: int
    file_name: str
    doubles: int


def undo_blockers(session: Session, batch: SpendBatch) -> list[UndoBlocker]:
    """The counting files whose rows were rejected as doubles of ``batch``'s payments, in the order imported, with
    how many: undoing ``batch`` while they count would leave those payments counted nowhere. (The undo page may
    show them before the officer confirms; :func:`undo_batch` refuses while there are any.)"""
    rows = session.execute(
        select(SpendBatch.id, SpendBatch.file_name, func.count(SpendRejection.id))
        .join(SpendRejection, SpendRejection.batch_id == SpendBatch.id)
        .where(
            SpendRejection.duplicate_of_batch_id == batch.id,
            SpendRejection.code == "duplicate",
            SpendBatch.id != batch.id,
            SpendBatch.status.in_(COUNTING_STATUSES),
        )
        .group_by(SpendBatch.id, SpendBatch.file_name)
        .order_by(SpendBatch.id)
    ).all()
    return [UndoBlocker(int(batch_id), str(name), int(doubles)) for batch_id, name, doubles in rows]


def _payments_words(count: int) -> str:
    return f"{count:,} payment{'' if count == 1 else 's'}"


def _and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _refuse_undo_while_counted_on(blockers: Sequence[UndoBlocker]) -> None:
    """SpendRefused naming each later file counting on this one, how many of its payments, and the way out."""
    if not blockers:
        return
    files = [f"'{b.file_name}' (import {b.batch_id})" for b in blockers]
    held = [f"{_payments_words(b.doubles)} in {name}" for b, name in zip(blockers, files, strict=True)]
    total = sum(b.doubles for b in blockers)
    one = total == 1
    several = len(blockers) > 1
    raise SpendRefused(
        f"This file cannot be undone yet: {_and_list(held)} {'was' if one else 'were'} left out of "
        f"{'those files' if several else 'that file'} as already imported from this one, so undoing this file "
        f"would leave {'it' if one else 'them'} counted nowhere. Undo {_and_list(files)} first, then undo this "
        f"file, then import {'them' if several else 'it'} again"
    )


def _refuse_undo_while_importing(session: Session, batch: SpendBatch) -> None:
    """A file of the council being imported now may be finding doubles of this one's payments: the undo waits."""
    importing = session.scalar(
        select(SpendBatch.file_name)
        .where(
            SpendBatch.council_id == batch.council_id,
            SpendBatch.id != batch.id,
            SpendBatch.status == SpendBatchStatus.IMPORTING,
        )
        .order_by(SpendBatch.id)
        .limit(1)
    )
    if importing is not None:
        raise SpendRefused(
            f"'{importing}' is being imported now, and its payments are being checked against this file's for "
            "doubles. Undo this file when that import has finished"
        )


def undo_batch(session: Session, batch: SpendBatch, actor: Actor, now: datetime) -> dict[str, int]:
    """Remove an imported batch's payments and rejected rows; it stops counting (status UNDONE). Its suppliers stay,
    with their resolutions, for the council's other files; their totals are recomputed.

    Refused while a later counting file had rows rejected as doubles of this one's payments (undo that file first,
    then this one, then import that file again: otherwise those payments would count nowhere), and while another of
    the council's files is being imported (it may be finding such doubles now).
    """
    if batch.status not in MAY_UNDO_FROM:
        raise SpendRefused(f"This import cannot be undone: it is {batch.status.label.lower()}")
    _refuse_undo_while_counted_on(undo_blockers(session, batch))
    _refuse_undo_while_importing(session, batch)
    # Conditional, so two officers undoing at once undo it once.
    changed = session.execute(
        update(SpendBatch)
        .where(SpendBatch.id == batch.id, SpendBatch.status.in_(MAY_UNDO_FROM))
        .values(status=SpendBatchStatus.UNDONE, undone_at=now, undone_by_id=actor.user_id)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise SpendRefused("This import has been undone already")
    # Again, now that this file's row is locked: an import that read it as counting (FOR SHARE in
    # _reject_duplicates) had to commit first, and its doubles of this file are seen here. The caller rolls back.
    _refuse_undo_while_counted_on(undo_blockers(session, batch))
    suppliers = _suppliers_of(session, batch)
    payments = session.execute(delete(Payment).where(Payment.batch_id == batch.id)).rowcount  # type: ignore[attr-defined]
    rejections = session.execute(delete(SpendRejection).where(SpendRejection.batch_id == batch.id)).rowcount  # type: ignore[attr-defined]
    session.refresh(batch)
    refresh_supplier_totals(session, session.get_one(Council, batch.council_id), suppliers)
    removed = {"payments": int(payments), "rejections": int(rejections)}
    batch.counts = {**(batch.counts or {}), "undone": removed}
    record(session, actor, "spend.undo", "spend_batch", batch.id, {"file_name": batch.file_name, **removed})
    return removed


def drop_batch(session: Session, batch: SpendBatch, actor: Actor, now: datetime) -> str | None:
    """Give up an upload never imported (its columns not confirmed, or its import failed): status DROPPED, so the
    same file may be uploaded again. Returns the stored file's name, for the caller to delete once committed
    (:func:`app.services.spend.files.forget_unused`: only when no other batch holds the same file)."""
    if batch.status not in MAY_IMPORT_FROM:
        raise SpendRefused(f"This upload cannot be dropped: it is {batch.status.label.lower()}")
    stored = batch.stored_file
    batch.status = SpendBatchStatus.DROPPED
    batch.stored_file = None
    record(session, actor, "spend.drop", "spend_batch", batch.id, {"file_name": batch.file_name, "at": now.isoformat()})
    return stored


# --- The command line's one step -----------------------------------------------------------------------------------


def import_file(
    session: Session,
    council: Council,
    path: Path,
    file_name: str,
    actor: Actor,
    now: datetime,
    *,
    folder: Path,
    max_bytes: int,
    mapping_name: str | None = None,
    sheet: str | None = None,
    publisher: str | None = None,
    progress: Progress | None = None,
) -> SpendBatch:
    """Store, upload, map and import a file in one go (:func:`import_stored`). Never commits; on failure the caller
    rolls back and deletes the stored copy (:func:`app.services.spend.files.forget_unused`), whose name
    :func:`import_stored` lets a caller that stores the file itself know."""
    try:
        with path.open("rb") as stream:
            stored = store_upload(stream, folder, max_bytes)
    except UploadError as error:
        raise SpendRefused(str(error), "file") from error
    return import_stored(
        session,
        council,
        stored,
        file_name,
        actor,
        now,
        folder=folder,
        mapping_name=mapping_name,
        sheet=sheet,
        publisher=publisher,
        progress=progress,
    )


def import_stored(
    session: Session,
    council: Council,
    stored: StoredUpload,
    file_name: str,
    actor: Actor,
    now: datetime,
    *,
    folder: Path,
    mapping_name: str | None = None,
    sheet: str | None = None,
    publisher: str | None = None,
    progress: Progress | None = None,
) -> SpendBatch:
    """Upload, map and import a stored file in one go (the command line): the publisher's saved mapping (or the one
    named by ``mapping_name``) or the guessed one, refused when it lacks a required column. Never commits."""
    batch = upload_spend_file(
        session,
        council,
        stored,
        file_name,
        actor,
        now,
        folder=folder,
        publisher=publisher,
        sheet=sheet,
        mapping_name=mapping_name,
    )
    mapping = batch_mapping(batch)
    missing = missing_fields(mapping)
    if missing:
        prefix = ""
        if (batch.file_format or {}).get("header_position") == "none":
            prefix = "No row of column headings was recognised in the file, so its columns cannot be matched: "
        raise SpendRefused(prefix + describe_missing(missing), "file")
    confirm_mapping(session, batch, mapping_json(mapping), actor, now, save=False)
    import_batch(session, batch, now, folder=folder, progress=progress, actor=actor)
    return batch


__all__ = [
    "CHUNK_ROWS",
    "REQUIRED_FIELDS",
    "ChooseSheet",
    "Progress",
    "SpendRefused",
    "UndoBlocker",
    "batch_headers",
    "batch_mapping",
    "confirm_mapping",
    "drop_batch",
    "import_batch",
    "import_file",
    "import_stored",
    "undo_batch",
    "undo_blockers",
    "upload_spend_file",
]
