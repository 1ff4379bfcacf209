"""Views for officers measuring where the council's money goes; routes on the officers blueprint.

A spending file the council published is uploaded, its columns confirmed (kept per publisher, so the next file maps
itself), and imported as a job with a progress bar: every data row ends as a payment or a rejected row with its
reason, and the batch page says so ("2,000 rows read: 1,990 payments and 10 rejected"), beside the file's own total
row. A batch can be undone. The suppliers paid are attributed in a queue ordered by spend, and the files' spending
categories mapped to the register's services. The work is in :mod:`app.services.spend`; an officer acts on their
own council's files and suppliers only (another council's are not found).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from markupsafe import Markup, escape
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from app.domain.paging import clamp_page, offset_of, page_count
from app.domain.refusals import Refusal
from app.domain.spend.classification import Resolution
from app.domain.spend.columns import REQUIRED_FIELDS, SpendField, amount_basis_for_heading
from app.domain.spend.lifecycle import MAY_IMPORT_FROM, MAY_UNDO_FROM, SpendBatchStatus
from app.domain.spend.periods import Period
from app.domain.spend.shares import DIMENSIONS
from app.domain.spend.suppliers import suggested_exclusion
from app.extensions import db
from app.jobs import spend as spend_jobs
from app.models import Council, Provider, ServiceCategory, User
from app.models.base import utcnow
from app.models.spend import Payment, SpendBatch, SpendRejection, SpendSupplier
from app.officers import bp
from app.officers.spend_forms import (
    OFFICER_BASES,
    ConfirmSuggestionForm,
    DropForm,
    ExcludeForm,
    ImportForm,
    LinkForm,
    MapCategoryForm,
    PlaceForm,
    RejectSuggestionForm,
    ReopenForm,
    RetryForm,
    SheetForm,
    SpendColumnsForm,
    SpendUploadForm,
    UndoForm,
    UnmapCategoryForm,
    sheet_form,
    spend_columns_form,
)
from app.services.audit import Actor
from app.services.imports import storage
from app.services.spend import importing, leakage
from app.services.spend import suppliers as attribution
from app.services.spend.files import forget_unused
from app.services.spend.report import counting_batch_ids, resolve_dimension
from app.tabular import NOT_TEXT
from app.web.council import users_council
from app.web.downloads import csv_download
from app.web.sessions import signed_in_user

REJECTED_PER_PAGE = 50
SUPPLIERS_PER_PAGE = 50
SAMPLE_ROWS = 3
SEARCH_RESULTS = 10
#: Where an upload waits while the officer chooses a workbook's sheet (the flask session, signed).
PENDING_UPLOAD = "spend_upload"
#: The query parameter that says the officer started the import and is waiting for it (never that it finished).
WAITING_FOR = "job"
#: The rejected rows an officer can pick from the counts (?why=...), in words.
REJECTION_KINDS = {
    "supplier": "No supplier name",
    "amount": "The amount cannot be read",
    "date": "The date cannot be read, or is far outside the file's period",
    "fused": "Cells run together",
    "unclosed_quote": "A quote mark that is never closed",
    "duplicate": "Already imported from another file",
}
#: The names a workbook is given: a file so named that cannot be read is said to be a workbook that cannot be read.
WORKBOOK_EXTENSIONS = frozenset({"xlsx", "xlsm", "xltx", "xls", "xlsb"})
#: The attribution queue's lists (?show=...), with their names, in the order of the tabs.
QUEUE_LISTS = {
    "to_do": "To do",
    "suggested": "Possible matches",
    "attributed": "Attributed",
    "excluded": "Left out",
    "all": "All suppliers",
}


def _actor() -> Actor:
    return Actor.of(signed_in_user())


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _council() -> Council:
    """The officer's own council (an admin's may only be the deployment's): every page here is about its files."""
    council = users_council()
    if council is None:
        abort(404)
    return council  # type: ignore[no-any-return]


def _batch_or_404(batch_id: int) -> SpendBatch:
    """One of the officer's council's files; another council's is not found."""
    batch = db.session.get(SpendBatch, batch_id)
    if batch is None or batch.council_id != _council().id:
        abort(404)
    return batch


def _supplier_or_404(supplier_id: int) -> SpendSupplier:
    supplier = db.session.get(SpendSupplier, supplier_id)
    if supplier is None or supplier.council_id != _council().id:
        abort(404)
    return supplier


def _page_number(name: str = "page") -> int:
    return max(1, request.args.get(name, 1, type=int) or 1)


def _emails(ids: list[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {u.id: u.email for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def _counted(number: int, one: str, many: str) -> str:
    """A number of things in words, as the pages' ``counted`` macro says them: "1 row", "2,000 rows"."""
    return f"{number:,} {one if number == 1 else many}"


#: A run of characters a table cell may break after (a file name with no space in it): after these, or this long.
_BREAK_AFTER = frozenset("_-./\\")
_BREAK_EVERY = 16
_WBR = Markup("<wbr>")


def breakable(text: str) -> Markup:
    """``text`` escaped, with a line-break opportunity (``<wbr>``) after each underscore, hyphen, dot or slash and
    in any long run without one, so a file name like ``payments_over_500_april_2026_FINAL.csv`` wraps in its table
    cell instead of widening the table past the page (a table cell's words never break by themselves)."""
    pieces: list[Markup] = []
    run = 0
    for char in text:
        pieces.append(escape(char))
        run = 0 if char.isspace() else run + 1
        if run and (char in _BREAK_AFTER or run >= _BREAK_EVERY):
            pieces.append(_WBR)
            run = 0
    return Markup("").join(pieces)


def _file_name(name: str | None) -> str:
    """The name the officer's computer gave the file, without any folders some browsers send."""
    return (name or "spend.csv").replace("\\", "/").rsplit("/", 1)[-1][:300] or "spend.csv"


def _to_batch(batch_id: int, anchor: str | None = None, **args: Any) -> BaseResponse:
    return redirect(url_for("officers.spend_file", batch_id=batch_id, _anchor=anchor, **args))


def _refused(batch_id: int, message: str) -> BaseResponse:
    """The step cannot run now: undo anything half-done and say why on the batch page."""
    db.session.rollback()
    flash(message, "error")
    return _to_batch(batch_id)


def _forget_upload(stored: storage.StoredUpload | None) -> None:
    """Roll back, and delete the copy of a file no batch was made for (unless another batch holds the same file)."""
    db.session.rollback()
    if stored is not None:
        forget_unused(db.session, _folder(), stored.name)


# The list and the upload -------------------------------------------------------------------------------------------


def _render_files(form: SpendUploadForm, status: int = 200) -> tuple[str, int]:
    council = _council()
    per_page = int(current_app.config["PER_PAGE"])
    where = SpendBatch.council_id == council.id
    total = db.session.scalar(select(func.count()).select_from(SpendBatch).where(where)) or 0
    page = clamp_page(_page_number(), total, per_page)
    batches = list(
        db.session.scalars(
            select(SpendBatch)
            .where(where)
            .order_by(SpendBatch.id.desc())
            .limit(per_page)
            .offset(offset_of(page, per_page))
        )
    )
    return (
        render_template(
            "officers/spend/files.html",
            council=council,
            form=form,
            batches=batches,
            emails=_emails([b.created_by_id for b in batches]),
            page=page,
            pages=page_count(total, per_page),
            total=total,
            statuses=SpendBatchStatus,
            breakable=breakable,
        ),
        status,
    )


@bp.route("/spend", methods=["GET", "POST"])
def spend_files() -> BaseResponse | tuple[str, int]:
    """The council's spending files, newest first, and the upload of the next one."""
    council = _council()
    form = SpendUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        publisher = (form.publisher.data or "").strip() or None
        stored: storage.StoredUpload | None = None
        try:
            stored = storage.store_upload(upload.stream, _folder(), current_app.config["IMPORT_MAX_BYTES"])
        except storage.UploadError as exc:
            _forget_upload(stored)
            form.file.errors = [*form.file.errors, str(exc)]
            return _render_files(form, 400)
        return _begin(council, form, stored, _file_name(upload.filename), publisher, None)
    return _render_files(form, 400 if form.is_submitted() else 200)


def _begin(
    council: Council,
    form: SpendUploadForm | SheetForm,
    stored: storage.StoredUpload,
    file_name: str,
    publisher: str | None,
    sheet: str | None,
) -> BaseResponse | tuple[str, int]:
    """Read the stored upload's header and make its batch; a refusal is shown at the file (or the sheet)."""
    try:
        batch = importing.upload_spend_file(
            db.session,
            council,
            stored,
            file_name,
            _actor(),
            utcnow(),
            folder=_folder(),
            publisher=publisher,
            sheet=sheet,
        )
    except importing.ChooseSheet as exc:
        # The officer chooses the sheet; the upload waits (kept by its content) instead of being sent again.
        db.session.rollback()
        flask_session[PENDING_UPLOAD] = {
            "name": stored.name,
            "sha256": stored.sha256,
            "size": stored.size,
            "file_name": file_name,
            "publisher": publisher,
            "sheets": exc.sheets,
        }
        return redirect(url_for("officers.spend_sheet"))
    except Refusal as exc:
        message = _upload_refusal(exc, file_name)
        if isinstance(form, SheetForm):
            # The workbook stays while the officer may choose another sheet.
            db.session.rollback()
            form.sheet.errors = [*form.sheet.errors, message]
            return _render_sheet(form, 400)
        _forget_upload(stored)
        target = form.publisher if exc.field == "publisher" else form.file
        target.errors = [*target.errors, message]
        return _render_files(form, 400)
    db.session.commit()
    flask_session.pop(PENDING_UPLOAD, None)
    return redirect(url_for("officers.spend_columns", batch_id=batch.id))


def _extension(file_name: str) -> str:
    return file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""


def _upload_refusal(exc: Refusal, file_name: str) -> str:
    """The refusal's message, fitted to the file the officer thinks they sent.

    The reading layer knows a file by its bytes, not its name: a damaged workbook, or another file renamed .xlsx, is
    to it a file that is not text, and it says to save the spreadsheet as CSV. The officer sent a workbook, so say
    that the workbook cannot be read, with both ways to send it again."""
    message = str(exc)
    extension = _extension(file_name)
    if message == NOT_TEXT and extension in WORKBOOK_EXTENSIONS:
        return (
            f"The file is named as an Excel workbook (.{extension}) but cannot be read as one: it may be damaged, "
            "or another kind of file given a workbook's name. Open it in Excel and save it as an Excel Workbook "
            "(.xlsx) or as 'CSV UTF-8', and upload that"
        )
    return message


def _render_sheet(form: SheetForm, status: int = 200) -> tuple[str, int]:
    return render_template("officers/spend/sheet.html", form=form, pending=flask_session.get(PENDING_UPLOAD)), status


@bp.route("/spend/sheet", methods=["GET", "POST"])
def spend_sheet() -> BaseResponse | tuple[str, int]:
    """Choose which sheet of the uploaded workbook holds the payments."""
    council = _council()
    pending = flask_session.get(PENDING_UPLOAD)
    if not pending:
        flash("Upload the workbook again: the one you uploaded is no longer waiting for a sheet", "error")
        return redirect(url_for("officers.spend_files"))
    form = sheet_form(pending["sheets"])
    if form.validate_on_submit():
        stored = storage.StoredUpload(Path(pending["name"]).name, pending["sha256"], int(pending["size"]))
        if not (_folder() / stored.name).exists():
            flask_session.pop(PENDING_UPLOAD, None)
            flash("Upload the workbook again: the copy kept while you chose a sheet is gone", "error")
            return redirect(url_for("officers.spend_files"))
        return _begin(council, form, stored, pending["file_name"], pending.get("publisher"), form.sheet.data)
    return _render_sheet(form, 400 if form.is_submitted() else 200)


# Columns -----------------------------------------------------------------------------------------------------------


def _headers(batch: SpendBatch) -> list[str]:
    return [str(h) for h in (batch.file_format or {}).get("headers", [])]


def _samples(batch: SpendBatch) -> list[list[str]]:
    """The first data rows as the file has them (kept at upload), to show beside each column."""
    rows = (batch.file_format or {}).get("sample_rows") or []
    return [[str(cell) for cell in row] for row in rows[:SAMPLE_ROWS]]


def _column_samples(headers: list[str], samples: list[list[str]]) -> list[dict[str, Any]]:
    """Each column of the file: its position, heading and first values, for the table beside the questions."""
    return [
        {
            "number": index + 1,
            "heading": heading,
            "values": [row[index] if index < len(row) else "" for row in samples],
        }
        for index, heading in enumerate(headers)
    ]


def _default_basis(batch: SpendBatch, headers: list[str]) -> str | None:
    """Net or gross, as saved for the publisher or as the amount column's heading says (like 'Net Amount(£)')."""
    basis = (batch.file_format or {}).get("amount_basis")
    if basis:
        return str(basis)
    index = (batch.mapping or {}).get(SpendField.AMOUNT.value)
    try:
        return amount_basis_for_heading(headers[int(index)]) if index is not None else None
    except (ValueError, IndexError):
        return None


def _render_columns(batch: SpendBatch, form: SpendColumnsForm, status: int = 200) -> tuple[str, int]:
    headers = _headers(batch)
    return (
        render_template(
            "officers/spend/columns.html",
            batch=batch,
            form=form,
            file_format=batch.file_format or {},
            columns=_column_samples(headers, _samples(batch)),
            required=REQUIRED_FIELDS,
        ),
        status,
    )


@bp.route("/spend/<int:batch_id>/columns", methods=["GET", "POST"])
def spend_columns(batch_id: int) -> BaseResponse | tuple[str, int]:
    """Confirm which column holds what (kept for the publisher's next file), then import the payments."""
    batch = _batch_or_404(batch_id)
    if batch.status not in MAY_IMPORT_FROM:
        return _refused(batch.id, f"This file is {batch.status.label.lower()}, so its columns cannot be changed now")
    headers = _headers(batch)
    samples = _samples(batch)
    first_row = samples[0] if samples else []
    form = spend_columns_form(headers, batch.mapping or {}, _default_basis(batch, headers), first_row)
    if form.validate_on_submit():
        actor = _actor()
        try:
            importing.confirm_mapping(db.session, batch, form.chosen(), actor, utcnow(), amount_basis=form.basis())
        except Refusal as exc:
            db.session.rollback()
            form.attach(str(exc), exc.field)
        else:
            db.session.commit()
            return _start_import(batch, actor)
    return _render_columns(batch, form, 400 if form.is_submitted() else 200)


# Importing ---------------------------------------------------------------------------------------------------------


def _start_import(batch: SpendBatch, actor: Actor) -> BaseResponse:
    """Import the payments: within the request for a small file, else as a job the batch page follows."""
    small = (batch.file_size or 0) <= int(current_app.config.get("IMPORT_INLINE_MAX_BYTES") or 0)
    batch_id = batch.id
    try:
        spend_jobs.submit(batch, actor, inline=small)
    except Refusal as exc:
        return _refused(batch_id, str(exc))
    db.session.expire_all()
    batch = _batch_or_404(batch_id)
    if batch.status == SpendBatchStatus.IMPORTED:
        flash(*_imported_message(batch))
        return _to_batch(batch.id)
    if batch.status == SpendBatchStatus.FAILED:
        return _to_batch(batch.id)
    return _to_batch(batch.id, **{WAITING_FOR: "import"})


def _imported_message(batch: SpendBatch) -> tuple[str, str]:
    """What the import did, and how to flash it: a success only when some payments now count. An import that made
    no payment (every row rejected, or every row already imported from another file) is said as a notice."""
    counts = batch.counts or {}
    payments = int(counts.get("payments") or 0)
    rejected = int(counts.get("rejected") or 0)
    duplicates = int(counts.get("duplicates") or 0)
    if payments:
        return (
            f"{batch.file_name} is imported: {_counted(payments, 'payment', 'payments')} and "
            f"{_counted(rejected, 'rejected row', 'rejected rows')}",
            "success",
        )
    if not rejected:
        return f"{batch.file_name} is read, but it has no rows of payments: nothing from it counts", "warning"
    every = "the only row" if rejected == 1 else f"all {rejected:,} rows"
    if duplicates == rejected:
        return (
            f"No payment from {batch.file_name} was added: {every} {'is' if rejected == 1 else 'are'} already "
            "imported from another file, and count once, from that file",
            "warning",
        )
    return (
        f"No payment from {batch.file_name} was added: {every} {'was' if rejected == 1 else 'were'} rejected. "
        "The reasons are below",
        "warning",
    )


@bp.route("/spend/<int:batch_id>/import", methods=["POST"])
def spend_import(batch_id: int) -> BaseResponse:
    """Import the payments with the columns confirmed (again, after a failure or a job that stopped)."""
    batch = _batch_or_404(batch_id)
    if not ImportForm().validate_on_submit():
        abort(400)
    # A job that stopped is marked failed here, on the officer's POST (never by a page that only shows it).
    if spend_jobs.notice_lost_job(batch):
        db.session.expire_all()
        batch = _batch_or_404(batch_id)
    if batch.status not in MAY_IMPORT_FROM:
        return _refused(batch.id, f"This file is {batch.status.label.lower()}, so it cannot be imported now")
    if batch.status == SpendBatchStatus.MAPPING and not batch.mapping:
        return redirect(url_for("officers.spend_columns", batch_id=batch.id))
    return _start_import(batch, _actor())


# The batch page ----------------------------------------------------------------------------------------------------


def _progress(batch: SpendBatch) -> dict[str, Any]:
    """How far the import is: rows read, of about how many (estimated from the share of the file read), the share
    done (0-1), a percentage and the same in words."""
    stored = spend_jobs.progress_store.get(batch.id) or {}
    rows = int(stored.get("rows") or 0)
    total = int(stored["total"]) if stored.get("total") else None
    fraction = float(stored["fraction"]) if stored.get("fraction") is not None else None
    if fraction is None:
        fraction = min(1.0, rows / total) if total else 0.0
    fraction = max(0.0, min(fraction, 1.0))
    percent = round(fraction * 100)
    if not stored:
        words = "Waiting to start reading the file"
    elif total and rows >= total:
        words = f"All {rows:,} rows read: matching the suppliers and checking for payments imported before"
    elif total:
        words = f"{rows:,} rows read of about {total:,} ({percent}%)"
    else:
        words = f"{rows:,} rows read"
    return {"rows": rows, "total": total, "fraction": fraction, "percent": percent, "words": words}


def _rejections(batch: SpendBatch, why: str | None, page: int) -> tuple[list[SpendRejection], int]:
    where = [SpendRejection.batch_id == batch.id]
    if why:
        where.append(SpendRejection.code == why)
    total = db.session.scalar(select(func.count()).select_from(SpendRejection).where(*where)) or 0
    page = clamp_page(page, total, REJECTED_PER_PAGE)
    rows = list(
        db.session.scalars(
            select(SpendRejection)
            .where(*where)
            .order_by(SpendRejection.row_number, SpendRejection.id)
            .limit(REJECTED_PER_PAGE)
            .offset(offset_of(page, REJECTED_PER_PAGE))
        )
    )
    return rows, total


def _rejected_by_kind(batch: SpendBatch) -> list[tuple[str, str, int]]:
    """(code, words, rows) for each kind of rejection in the batch, the most first."""
    found = db.session.execute(
        select(SpendRejection.code, func.count())
        .where(SpendRejection.batch_id == batch.id)
        .group_by(SpendRejection.code)
        .order_by(func.count().desc(), SpendRejection.code)
    ).all()
    return [(code, REJECTION_KINDS.get(code, code.replace("_", " ").capitalize()), int(n)) for code, n in found]


def _counts(batch: SpendBatch) -> dict[str, Any]:
    """The batch's counts with every figure the page uses, and whether they add up (rows = payments + rejected).

    The file's total row counts every line it lists, so it is compared with the amounts of every line read
    (``lines_pence``: the payments, and the lines rejected as already imported or dated far outside the file's
    period, whose amounts were read); rows whose amount could not be read are not in it.
    """
    raw = dict(batch.counts or {})
    counts: dict[str, Any] = {
        key: int(raw.get(key) or 0)
        for key in (
            "rows",
            "payments",
            "rejected",
            "blank",
            "credits",
            "total_pence",
            "credits_pence",
            "duplicates",
            "dates_far_outside",
            "suppliers_new",
        )
    }
    counts["adds_up"] = counts["rows"] == counts["payments"] + counts["rejected"]
    counts["lines_pence"] = int(raw["lines_pence"]) if raw.get("lines_pence") is not None else counts["total_pence"]
    file_total = batch.file_total_pence if batch.file_total_pence is not None else raw.get("file_total_pence")
    counts["file_total_pence"] = int(file_total) if file_total is not None else None
    counts["difference_pence"] = (
        counts["file_total_pence"] - counts["lines_pence"] if counts["file_total_pence"] is not None else None
    )
    return counts


def _render_batch(batch: SpendBatch, status: int = 200) -> tuple[str, int]:
    stopped = spend_jobs.job_is_lost(batch)
    context: dict[str, Any] = {
        "batch": batch,
        "statuses": SpendBatchStatus,
        "counts": _counts(batch),
        "emails": _emails([batch.created_by_id, batch.imported_by_id, batch.undone_by_id]),
        "file_format": batch.file_format or {},
        "stopped": stopped,
        "progress": None,
        "may_undo": batch.status in MAY_UNDO_FROM,
        "import_form": ImportForm(formdata=None),
        "retry_form": RetryForm(formdata=None),
        "drop_form": DropForm(formdata=None),
        "may_drop": batch.status in MAY_IMPORT_FROM,
        "kinds": [],
        "rejections": [],
        "breakable": breakable,
    }
    if batch.status == SpendBatchStatus.IMPORTING:
        context["progress"] = _progress(batch)
    if batch.status in (SpendBatchStatus.IMPORTED, SpendBatchStatus.UNDONE):
        why = request.args.get("why")
        why = why if why in REJECTION_KINDS else None
        rows, total = _rejections(batch, why, _page_number())
        context.update(
            kinds=_rejected_by_kind(batch),
            why=why,
            why_words=REJECTION_KINDS.get(why or ""),
            rejections=rows,
            rejections_total=total,
            rejections_page=clamp_page(_page_number(), total, REJECTED_PER_PAGE),
            rejections_pages=page_count(total, REJECTED_PER_PAGE),
        )
    return render_template("officers/spend/batch.html", **context), status


@bp.route("/spend/<int:batch_id>")
def spend_file(batch_id: int) -> tuple[str, int]:
    """Where a spending file stands: its columns to confirm, the import's progress, or what the import did."""
    batch = _batch_or_404(batch_id)
    # An officer who started a background import is sent here with ?job=import (the page reloads itself with the same
    # address when the job ends): once it has finished, say so, as an import done while waiting does.
    if request.args.get(WAITING_FOR) == "import" and batch.status == SpendBatchStatus.IMPORTED:
        flash(*_imported_message(batch))
    return _render_batch(batch)


@bp.route("/spend/<int:batch_id>/progress.json")
def spend_progress(batch_id: int) -> Response:
    """How far the import is, for the batch page to poll (the supplier import's script reads the same shape)."""
    batch = _batch_or_404(batch_id)
    stopped = spend_jobs.job_is_lost(batch)
    return jsonify(
        {
            "status": batch.status.value,
            "label": batch.status.label,
            "running": batch.status == SpendBatchStatus.IMPORTING and not stopped,
            "stopped": stopped,
            **_progress(batch),
        }
    )


@bp.route("/spend/<int:batch_id>/undo", methods=["GET", "POST"])
def spend_undo(batch_id: int) -> BaseResponse | tuple[str, int]:
    """Confirm, then remove the file's payments and rejected rows from the measure."""
    batch = _batch_or_404(batch_id)
    if batch.status not in MAY_UNDO_FROM:
        return _refused(batch.id, f"This file is {batch.status.label.lower()}, so it cannot be undone")
    form = UndoForm()
    if form.validate_on_submit():
        payments = int((batch.counts or {}).get("payments") or 0)
        try:
            importing.undo_batch(db.session, batch, _actor(), utcnow())
        except Refusal as exc:
            return _refused(batch.id, str(exc))
        db.session.commit()
        if payments == 1:
            removed = "its 1 payment no longer counts in the report"
        elif payments:
            removed = f"its {payments:,} payments no longer count in the report"
        else:
            removed = "it had no payments that counted, so the report is as it was"
        flash(f"{batch.file_name} is undone: {removed}", "success")
        return _to_batch(batch.id)
    blockers = importing.undo_blockers(db.session, batch)
    return (
        render_template("officers/spend/undo.html", batch=batch, form=form, counts=_counts(batch), blockers=blockers),
        200,
    )


@bp.route("/spend/<int:batch_id>/drop", methods=["POST"])
def spend_drop(batch_id: int) -> BaseResponse:
    """Give up an upload never imported, so the same file can be uploaded again; its stored copy is deleted."""
    batch = _batch_or_404(batch_id)
    if not DropForm().validate_on_submit():
        abort(400)
    try:
        stored = importing.drop_batch(db.session, batch, _actor(), utcnow())
    except Refusal as exc:
        return _refused(batch.id, str(exc))
    db.session.commit()
    forget_unused(db.session, _folder(), stored)
    flash(f"{batch.file_name} is dropped: nothing from it was imported", "success")
    return redirect(url_for("officers.spend_files"))


@bp.route("/spend/<int:batch_id>/rejected.csv")
def spend_rejected(batch_id: int) -> BaseResponse:
    """The rejected rows with the cell and the reason, one a line (every cell made safe for a spreadsheet)."""
    batch = _batch_or_404(batch_id)

    def rows() -> Any:
        yield ["Row", "Why", "Column", "Cell", "Reason"]
        query = (
            select(SpendRejection)
            .where(SpendRejection.batch_id == batch_id)
            .order_by(SpendRejection.row_number, SpendRejection.id)
            .execution_options(yield_per=1000)
        )
        for rejection in db.session.scalars(query):
            yield [
                rejection.row_number,
                REJECTION_KINDS.get(rejection.code, rejection.code),
                rejection.column or "",
                rejection.cell or "",
                rejection.reason,
            ]

    return csv_download(rows(), f"spend-{batch.id}-rejected-rows.csv")


# Attributing suppliers ---------------------------------------------------------------------------------------------


def _queue_list() -> str:
    show = request.args.get("show", "to_do")
    return show if show in QUEUE_LISTS else "to_do"


def _providers_named(ids: set[int | None]) -> dict[int, Provider]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    return {p.id: p for p in db.session.scalars(select(Provider).where(Provider.id.in_(wanted)))}


@bp.route("/spend/suppliers")
def spend_suppliers() -> str:
    """The suppliers paid, the most first, to attribute: link, confirm a possible match, place or leave out."""
    council = _council()
    show = _queue_list()
    queue = attribution.attribution_queue(
        db.session, council, page=_page_number(), per_page=SUPPLIERS_PER_PAGE, show=show
    )
    return render_template(
        "officers/spend/suppliers.html",
        council=council,
        summary=attribution.attribution_summary(db.session, council),
        show=show,
        lists=QUEUE_LISTS,
        queue=queue,
        suppliers=queue.items,
        providers=queue.providers,
        exclusion_suggestions=queue.exclusion_suggestions,
        resolutions=Resolution,
        confirm_form=ConfirmSuggestionForm(formdata=None),
    )


def _payments_by_file(supplier: SpendSupplier) -> list[dict[str, Any]]:
    found = db.session.execute(
        select(SpendBatch, func.count(Payment.id), func.coalesce(func.sum(Payment.amount_pence), 0))
        .join(Payment, Payment.batch_id == SpendBatch.id)
        .where(Payment.supplier_id == supplier.id)
        .group_by(SpendBatch.id)
        .order_by(SpendBatch.id.desc())
    ).all()
    return [{"batch": batch, "payments": int(n), "total_pence": int(total)} for batch, n, total in found]


def _search_register(query: str) -> list[tuple[Provider, float]]:
    """Organisations on the register whose name is most like what the officer searched, best first, how alike."""
    return attribution.link_candidates(db.session, query, limit=SEARCH_RESULTS)


def _render_supplier(
    supplier: SpendSupplier,
    *,
    place_form: PlaceForm | None = None,
    exclude_form: ExcludeForm | None = None,
    link_form: LinkForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    searched = request.args.get("q")
    query = (supplier.name if searched is None else searched).strip()[:200]
    linked = _providers_named({supplier.provider_id, supplier.candidate_provider_id})
    place_form = place_form or PlaceForm(formdata=None)
    if exclude_form is None:
        exclude_form = ExcludeForm(formdata=None)
        suggested = suggested_exclusion(supplier.name)
        if suggested is not None:
            exclude_form.exclusion.data = suggested.value
    return (
        render_template(
            "officers/spend/supplier.html",
            supplier=supplier,
            provider=linked.get(supplier.provider_id or 0),
            candidate=linked.get(supplier.candidate_provider_id or 0),
            by_file=_payments_by_file(supplier),
            resolutions=Resolution,
            query=query,
            searched=searched is not None,
            results=_search_register(query) if query else [],
            confirm_form=ConfirmSuggestionForm(formdata=None),
            reject_form=RejectSuggestionForm(formdata=None),
            reopen_form=ReopenForm(formdata=None),
            link_form=link_form or LinkForm(formdata=None),
            place_form=place_form,
            exclude_form=exclude_form,
            suggested_exclusion=suggested_exclusion(supplier.name),
            bases=OFFICER_BASES,
            resolved_by=_emails([supplier.resolved_by_id]).get(supplier.resolved_by_id or 0),
            breakable=breakable,
        ),
        status,
    )


@bp.route("/spend/suppliers/<int:supplier_id>")
def spend_supplier(supplier_id: int) -> tuple[str, int]:
    """One supplier as the files name it: its payments by file, how it is attributed and classified, the actions."""
    return _render_supplier(_supplier_or_404(supplier_id))


def _attributed(supplier: SpendSupplier, message: str) -> BaseResponse:
    db.session.commit()
    flash(message, "success")
    back = request.form.get("back")
    if back and back.startswith("/officer/spend/suppliers") and "//" not in back:
        return redirect(back)
    return redirect(url_for("officers.spend_supplier", supplier_id=supplier.id))


def _supplier_refused(supplier: SpendSupplier, message: str) -> BaseResponse:
    db.session.rollback()
    flash(message, "error")
    return redirect(url_for("officers.spend_supplier", supplier_id=supplier.id))


@bp.route("/spend/suppliers/<int:supplier_id>/confirm", methods=["POST"])
def spend_supplier_confirm(supplier_id: int) -> BaseResponse:
    """The possible match is the same organisation."""
    supplier = _supplier_or_404(supplier_id)
    if not ConfirmSuggestionForm().validate_on_submit():
        abort(400)
    if supplier.resolution != Resolution.SUGGESTED or supplier.candidate_provider_id is None:
        return _supplier_refused(supplier, "There is no possible match to confirm for this supplier now")
    try:
        attribution.confirm_suggestion(db.session, supplier, _actor(), utcnow())
    except Refusal as exc:
        return _supplier_refused(supplier, str(exc))
    return _attributed(supplier, f"{supplier.name} is linked to the organisation on the register")


@bp.route("/spend/suppliers/<int:supplier_id>/reject", methods=["POST"])
def spend_supplier_reject(supplier_id: int) -> BaseResponse:
    """The possible match is a different organisation: the supplier goes back to the queue."""
    supplier = _supplier_or_404(supplier_id)
    if not RejectSuggestionForm().validate_on_submit():
        abort(400)
    if supplier.resolution != Resolution.SUGGESTED:
        return _supplier_refused(supplier, "There is no possible match to reject for this supplier now")
    try:
        attribution.reject_suggestion(db.session, supplier, _actor(), utcnow())
    except Refusal as exc:
        return _supplier_refused(supplier, str(exc))
    return _attributed(supplier, f"The possible match for {supplier.name} is rejected: it is back in the queue")


@bp.route("/spend/suppliers/<int:supplier_id>/link", methods=["POST"])
def spend_supplier_link(supplier_id: int) -> BaseResponse | tuple[str, int]:
    """Link the supplier to an organisation on the register the officer found."""
    supplier = _supplier_or_404(supplier_id)
    form = LinkForm()
    if not form.validate_on_submit():
        return _render_supplier(supplier, link_form=form, status=400)
    try:
        provider = attribution.provider_for_link(db.session, form.provider_id())
        attribution.link_supplier(db.session, supplier, provider, _actor(), utcnow())
    except Refusal as exc:
        db.session.rollback()
        form.provider.errors = [str(exc)]
        return _render_supplier(supplier, link_form=form, status=400)
    return _attributed(supplier, f"{supplier.name} is linked to {provider.name}")


@bp.route("/spend/suppliers/<int:supplier_id>/place", methods=["POST"])
def spend_supplier_place(supplier_id: int) -> BaseResponse | tuple[str, int]:
    """Give the supplier's postcode and what is there (not on the register, or to say where it is for this measure)."""
    supplier = _supplier_or_404(supplier_id)
    form = PlaceForm()
    if not form.validate_on_submit():
        return _render_supplier(supplier, place_form=form, status=400)
    try:
        attribution.place_supplier(db.session, supplier, form.postcode.data, form.place_basis(), _actor(), utcnow())
    except Refusal as exc:
        db.session.rollback()
        target = form.basis if exc.field == "basis" else form.postcode
        target.errors = [*target.errors, str(exc)]
        return _render_supplier(supplier, place_form=form, status=400)
    return _attributed(supplier, f"{supplier.name} is placed at {supplier.postcode or form.postcode.data}")


@bp.route("/spend/suppliers/<int:supplier_id>/exclude", methods=["POST"])
def spend_supplier_exclude(supplier_id: int) -> BaseResponse | tuple[str, int]:
    """Leave the supplier out of the measure (another public body, tax, an individual, an internal transfer)."""
    supplier = _supplier_or_404(supplier_id)
    form = ExcludeForm()
    if not form.validate_on_submit():
        return _render_supplier(supplier, exclude_form=form, status=400)
    try:
        attribution.exclude_supplier(
            db.session, supplier, form.chosen(), (form.note.data or "").strip() or None, _actor(), utcnow()
        )
    except Refusal as exc:
        db.session.rollback()
        target = form.note if exc.field == "note" else form.exclusion
        target.errors = [*target.errors, str(exc)]
        return _render_supplier(supplier, exclude_form=form, status=400)
    return _attributed(supplier, f"{supplier.name} is left out of the measure: {form.chosen().label.lower()}")


@bp.route("/spend/suppliers/<int:supplier_id>/reopen", methods=["POST"])
def spend_supplier_reopen(supplier_id: int) -> BaseResponse:
    """Put an attributed supplier back in the queue, to attribute again."""
    supplier = _supplier_or_404(supplier_id)
    if not ReopenForm().validate_on_submit():
        abort(400)
    try:
        attribution.reopen_supplier(db.session, supplier, _actor(), utcnow())
    except Refusal as exc:
        return _supplier_refused(supplier, str(exc))
    return _attributed(supplier, f"{supplier.name} is back in the queue to attribute")


# Categories --------------------------------------------------------------------------------------------------------

CATEGORIES_PER_PAGE = 25
#: Every day a payment can have: the categories page counts all the council's payments that count.
ALL_TIME = Period(date(1, 1, 1), date(9999, 12, 31))


def _services() -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in db.session.scalars(select(ServiceCategory).order_by(ServiceCategory.name))]


def _dimension(council: Council, asked: str | None) -> str:
    """The column the categories come from: the one asked for, else the one the report would choose."""
    if asked in DIMENSIONS:
        return asked
    return resolve_dimension(db.session, council, ALL_TIME, "auto")


def _render_categories(
    council: Council,
    dimension: str,
    page: int,
    *,
    failed: MapCategoryForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    categories = leakage.categories_to_map(db.session, council, dimension)
    total = len(categories)
    page = clamp_page(page, total, CATEGORIES_PER_PAGE)
    shown = categories[
        offset_of(page, CATEGORIES_PER_PAGE) : offset_of(page, CATEGORIES_PER_PAGE) + CATEGORIES_PER_PAGE
    ]
    services = _services()
    failed_label = failed.label.data if failed is not None else None
    return (
        render_template(
            "officers/spend/categories.html",
            council=council,
            dimension=dimension,
            dimensions=DIMENSIONS,
            categories=shown,
            total=total,
            page=page,
            pages=page_count(total, CATEGORIES_PER_PAGE),
            services=services,
            map_form=MapCategoryForm(formdata=None).offer(services),
            unmap_form=UnmapCategoryForm(formdata=None),
            failed=failed,
            failed_label=failed_label,
            has_spend=bool(counting_batch_ids(db.session, council)),
        ),
        status,
    )


@bp.route("/spend/categories")
def spend_categories() -> tuple[str, int]:
    """Match the files' spending categories to the register's services, so the leakage view can name the local
    providers who offer what went outside the area. Suggestions count only once an officer confirms them."""
    council = _council()
    return _render_categories(council, _dimension(council, request.args.get("dimension")), _page_number())


def _to_categories(dimension: str | None, page: int, anchor: str | None = None) -> BaseResponse:
    return redirect(
        url_for(
            "officers.spend_categories", dimension=dimension or None, page=page if page > 1 else None, _anchor=anchor
        )
    )


def _posted_page() -> int:
    return max(1, request.form.get("page", 1, type=int) or 1)


@bp.route("/spend/categories/match", methods=["POST"])
def spend_category_map() -> BaseResponse | tuple[str, int]:
    """Match one category to a service (a suggestion confirmed, or one the officer chose)."""
    council = _council()
    form = MapCategoryForm().offer(_services())
    dimension = form.dimension.data if form.dimension.data in DIMENSIONS else None
    if dimension is None or not form.label.data:
        abort(400)
    if not form.validate_on_submit():
        return _render_categories(council, dimension, _posted_page(), failed=form, status=400)
    service = db.session.get(ServiceCategory, form.service_id() or 0)
    if service is None:
        abort(400)
    try:
        leakage.map_category(db.session, council, dimension, form.label.data, service, _actor(), utcnow())
    except Refusal as exc:
        db.session.rollback()
        form.service.errors = [str(exc)]
        return _render_categories(council, dimension, _posted_page(), failed=form, status=400)
    db.session.commit()
    flash(f"'{form.label.data}' is matched to {service.name}", "success")
    return _to_categories(dimension, _posted_page())


@bp.route("/spend/categories/unmatch", methods=["POST"])
def spend_category_unmap() -> BaseResponse:
    """Remove a category's match to a service."""
    council = _council()
    form = UnmapCategoryForm()
    if not form.validate_on_submit() or form.dimension.data not in DIMENSIONS:
        abort(400)
    service = db.session.get(ServiceCategory, form.service_id() or 0)
    if service is None:
        abort(400)
    try:
        removed = leakage.unmap_category(
            db.session, council, form.dimension.data, form.label.data, service, _actor(), utcnow()
        )
    except Refusal as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _to_categories(form.dimension.data, _posted_page())
    db.session.commit()
    if removed:
        flash(f"'{form.label.data}' is no longer matched to {service.name}", "success")
    return _to_categories(form.dimension.data, _posted_page())
