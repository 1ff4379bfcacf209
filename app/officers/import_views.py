"""Views for officers importing providers from a spreadsheet (CSV); routes on the officers blueprint.

Upload, confirm the columns, see the check's preview (counts, problems, possible matches to decide), import,
download the rejected rows to fix, and undo. The work is in :mod:`app.services.imports`; the check and the
import run as jobs (:mod:`app.jobs.imports`), so a long file shows its progress instead of holding the request.
"""

from __future__ import annotations

from collections.abc import Iterable
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
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from app.domain.imports.fields import MappingError
from app.domain.imports.lifecycle import (
    CHECKED_OR_DONE,
    DECIDABLE,
    MAPPABLE,
    UNDOABLE,
    ImportStatus,
    ImportStep,
    StepRefused,
    counts_add_up,
    counts_of,
    require_status,
    rows_to_change,
    running_step,
    sum_terms,
)
from app.domain.imports.outcomes import describe_progress, problem_outcome
from app.domain.imports.reading import ImportFormatError
from app.domain.imports.rows import ENDED, FLAGGED, FORMULA, NOT_PLACED
from app.domain.paging import page_count
from app.extensions import db
from app.jobs import imports as jobs
from app.models import ImportBatch, ImportIssue, User
from app.models.base import utcnow
from app.officers import bp
from app.officers.import_forms import (
    VERIFIED,
    CommitForm,
    MatchesForm,
    RetryForm,
    UndoForm,
    UploadForm,
    columns_form,
    matches_form,
)
from app.services.audit import Actor
from app.services.imports import mapping, results, steps, storage, undoing
from app.web.downloads import csv_download
from app.web.sessions import signed_in_user

PROBLEMS_PER_PAGE = 50
MATCHES_PER_PAGE = 30
NO_DECISIONS = "Select whether each organisation is the same as the one on the register, or a different one"
#: The problem lists an officer can pick from the counts (?show=...), with their headings.
PROBLEM_LISTS = {
    NOT_PLACED: "Organisations that could not be placed",
    FORMULA: "Rows with a cell that looks like a formula",
    ENDED: "Rows the file or a public register says are dissolved",
    FLAGGED: "Organisations on the register flagged as dissolved",
}
#: The query parameter that says the officer started this step and is waiting for it (never that it has finished).
WAITING_FOR = "job"


def _actor() -> Actor:
    return Actor.of(signed_in_user())


def _folder() -> Path:
    return jobs.upload_folder()


def _to_batch(batch_id: int, anchor: str | None = None) -> BaseResponse:
    return redirect(url_for("officers.import_batch", batch_id=batch_id, _anchor=anchor))


def _refused(batch_id: int, message: str) -> BaseResponse:
    """The step cannot run now: undo anything half-done and say why on the batch page."""
    db.session.rollback()
    flash(message, "error")
    return _to_batch(batch_id)


def _start(batch: ImportBatch, step: ImportStep, actor: Actor) -> str | None:
    """Start the check or the import (a job, or within the request where JOB_RUNNER says so).

    Returns why it could not start (it has started already: a double click, or another officer), or None.
    """
    small = (batch.file_size or 0) <= int(current_app.config.get("IMPORT_INLINE_MAX_BYTES") or 0)
    try:
        jobs.submit(batch, step, actor, inline=small)  # a small file is done while the officer waits
    except StepRefused as exc:
        return str(exc)
    return None


def _file_name(name: str | None) -> str:
    """The name the officer's computer gave the file, without any folders some browsers send."""
    return (name or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1][:300] or "upload.csv"


def _emails(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u.email for u in db.session.scalars(select(User).where(User.id.in_(sorted(wanted))))}


def _page_number(name: str = "page") -> int:
    return max(1, request.args.get(name, 1, type=int) or 1)


# The list and the upload -------------------------------------------------------------------------------------------


@bp.route("/imports")
def imports_list() -> str:
    """Every import, newest first."""
    per_page = current_app.config["PER_PAGE"]
    total = db.session.scalar(select(func.count()).select_from(ImportBatch)) or 0
    page = min(_page_number(), page_count(total, per_page))
    batches = list(
        db.session.scalars(
            select(ImportBatch).order_by(ImportBatch.id.desc()).limit(per_page).offset((page - 1) * per_page)
        )
    )
    return render_template(
        "officers/imports/list.html",
        batches=batches,
        emails=_emails(b.created_by_id for b in batches),
        page=page,
        pages=page_count(total, per_page),
        total=total,
    )


@bp.route("/imports/new", methods=["GET", "POST"])
def import_new() -> BaseResponse | tuple[str, int]:
    """Upload a CSV file: it is stored, its format read and its columns matched to the register's fields."""
    form = UploadForm()
    form.offer(mapping.saved_mappings(db.session))
    if form.validate_on_submit():
        upload = form.file.data
        folder = _folder()
        stored: storage.StoredUpload | None = None
        try:
            stored = storage.store_upload(upload.stream, folder, current_app.config["IMPORT_MAX_BYTES"])
            batch = mapping.begin(
                db.session,
                _actor(),
                stored,
                _file_name(upload.filename),
                folder,
                source_name=(form.source_name.data or "").strip() or None,
                mapping_name=form.mapping_name.data or None,
            )
        except MappingError as exc:  # the saved choices are gone
            _forget_upload(stored, folder)
            form.mapping_name.errors = [*form.mapping_name.errors, str(exc)]
        except (storage.UploadError, ImportFormatError) as exc:
            _forget_upload(stored, folder)
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            db.session.commit()
            return redirect(url_for("officers.import_columns", batch_id=batch.id))
    status = 400 if form.is_submitted() else 200
    return render_template("officers/imports/new.html", form=form), status


def _forget_upload(stored: storage.StoredUpload | None, folder: Path) -> None:
    """Roll back, and delete the copy of a file no batch was made for (unless another batch has the same file)."""
    db.session.rollback()
    if stored is not None and not storage.stored_file_in_use(db.session, stored.name):
        (folder / stored.name).unlink(missing_ok=True)


# Columns -----------------------------------------------------------------------------------------------------------


@bp.route("/imports/<int:batch_id>/columns", methods=["GET", "POST"])
def import_columns(batch_id: int) -> BaseResponse | tuple[str, int]:
    """Confirm which column holds what, then check every row (nothing on the register changes yet)."""
    batch = db.get_or_404(ImportBatch, batch_id)
    if batch.status not in MAPPABLE:
        return _refused(batch.id, f"This import is {batch.status.label.lower()}, so its columns cannot be changed now")
    columns = mapping.mapping_of(batch)
    form = columns_form(columns, batch.dissolved_rows)
    if form.validate_on_submit():
        actor = _actor()
        try:
            mapping.confirm_mapping(
                db.session,
                actor,
                batch,
                form.choices(),
                save_as=form.save_as.data or None,
                dissolved=form.dissolved_choice(),
            )
        except MappingError as exc:
            db.session.rollback()
            form.attach(str(exc))
        except StepRefused as exc:
            return _refused(batch.id, str(exc))
        else:
            if problem := _start(batch, ImportStep.CHECK, actor):
                return _refused(batch.id, problem)
            return _to_batch(batch.id)
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "officers/imports/columns.html",
            batch=batch,
            form=form,
            sheet_format=storage.format_of(batch),
            unused=columns.unmapped_headers,
            legal_forms=_legal_form_words(batch),
            earlier=results.earlier_imports_of(db.session, batch),
        ),
        status,
    )


def _legal_form_words(batch: ImportBatch) -> list[results.WordsReading]:
    """How the legal-form column's wordings will be read; none when the file cannot be read now."""
    try:
        return results.legal_form_words(batch, _folder())
    except (StepRefused, ImportFormatError):
        return []


# The batch page ----------------------------------------------------------------------------------------------------


def _shown_list() -> str | None:
    """Which problem list the officer chose from the counts (?show=not_placed), or None for every problem."""
    show = request.args.get("show")
    return show if show in PROBLEM_LISTS else None


def _match_rows(batch: ImportBatch, page: int) -> tuple[list[Any], int]:
    """The page's possible matches and how many there are."""
    total = results.count_issues(db.session, batch, "possible_match")
    found = results.issues(
        db.session, batch, ["possible_match"], offset=(page - 1) * MATCHES_PER_PAGE, limit=MATCHES_PER_PAGE
    )
    return found, total


def _rejected_rows(batch: ImportBatch, row_numbers: set[int]) -> set[int]:
    """Which of these rows are rejected: a warning on a rejected row does not mean the row is imported."""
    if not row_numbers:
        return set()
    return set(
        db.session.scalars(
            select(ImportIssue.row_number).where(
                ImportIssue.batch_id == batch.id,
                ImportIssue.kind == "error",
                ImportIssue.row_number.in_(sorted(row_numbers)),
            )
        )
    )


def _render_batch(
    batch: ImportBatch,
    *,
    decisions: MatchesForm | None = None,
    commit_form: CommitForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    counts = counts_of(batch.counts)
    # A job that can no longer finish is reported, with the action to run it again; a GET page never marks it.
    stopped = jobs.job_is_lost(batch)
    context: dict[str, Any] = {
        "batch": batch,
        "counts": counts,
        "rejected_why": results.rejected_breakdown(db.session, batch) if counts["rejected"] else [],
        "statuses": ImportStatus,
        "emails": _emails([batch.created_by_id, batch.committed_by_id, batch.undone_by_id]),
        "mappable": batch.status in MAPPABLE,
        "progress": None,
        "stopped": stopped,
        "earlier": [],
        "problems": [],
        "matches": [],
        "candidates": {},
        "sum_terms": sum_terms,
    }
    if batch.status.running:
        context["progress"] = _progress(batch)
        if stopped:
            context["retry_form"] = RetryForm(formdata=None)
    if batch.status in (ImportStatus.UPLOADED, ImportStatus.CHECKING, ImportStatus.CHECKED):
        context["earlier"] = results.earlier_imports_of(db.session, batch)
    if batch.status in CHECKED_OR_DONE:
        show = _shown_list()
        total = results.count_issues(db.session, batch, ["error", "warning"], code=show)
        page = min(_page_number(), page_count(total, PROBLEMS_PER_PAGE))
        problems = results.issues(
            db.session,
            batch,
            ["error", "warning"],
            offset=(page - 1) * PROBLEMS_PER_PAGE,
            limit=PROBLEMS_PER_PAGE,
            code=show,
        )
        context.update(
            problem_outcome=problem_outcome,
            show=show,
            show_heading=PROBLEM_LISTS.get(show or ""),
            all_problems=results.count_issues(db.session, batch, ["error", "warning"]) if show else total,
            problems=problems,
            rejected_rows=_rejected_rows(batch, {p.row_number for p in problems}),
            problems_total=total,
            problems_page=page,
            problems_pages=page_count(total, PROBLEMS_PER_PAGE),
        )
    if batch.status in DECIDABLE:
        matches_page = _page_number("matches_page")
        if decisions is not None:
            matches_page = max(1, request.form.get("matches_page", 1, type=int) or 1)
        matches, matches_total = _match_rows(batch, matches_page)
        undecided = results.undecided_rows(db.session, batch)
        context.update(
            matches=matches,
            matches_total=matches_total,
            matches_page=matches_page,
            matches_pages=page_count(matches_total, MATCHES_PER_PAGE),
            candidates=results.candidates_named(db.session, matches),
            decisions=decisions or matches_form(matches),
            undecided=undecided,
            to_change=rows_to_change(counts, undecided),
            commit_form=commit_form or CommitForm(formdata=None),
            adds_up=counts_add_up(counts),
        )
    if batch.status in (ImportStatus.IMPORTED, ImportStatus.UNDONE):
        context["adds_up"] = counts_add_up(counts)
    if batch.status == ImportStatus.FAILED:
        context["retry_form"] = RetryForm(formdata=None)
        context["failed_during"] = ImportStep.parse(batch.counts.get("failed_during")) or ImportStep.CHECK
    return render_template("officers/imports/batch.html", **context), status


@bp.route("/imports/<int:batch_id>")
def import_batch(batch_id: int) -> tuple[str, int]:
    """Where an import stands: its progress, the check's preview, or what it did."""
    batch = db.get_or_404(ImportBatch, batch_id)
    # An officer who started a background import is sent here with ?job=commit (the page reloads itself with the
    # same address when the job ends): once it has finished, say what it did, as an import done while waiting does.
    if request.args.get(WAITING_FOR) == ImportStep.COMMIT and batch.status == ImportStatus.IMPORTED:
        flash(_imported_message(batch), "success")
    return _render_batch(batch)


def _imported_message(batch: ImportBatch) -> str:
    """What the import did, naming the batch: never just '0 created'."""
    return f"Import {batch.id} ({batch.file_name}) is finished. {batch.outcome}"


def _progress(batch: ImportBatch) -> dict[str, Any]:
    """How far the running step is: rows, the share of the file done (0-1), a percentage and the same in words."""
    running = running_step(batch.status)
    stored = jobs.progress_store.get(batch.id) or {}
    step = running or (ImportStep.COMMIT if batch.status == ImportStatus.IMPORTED else ImportStep.CHECK)
    total: int | None = None
    seconds: float | None = None
    if running is None:
        done = batch.status in CHECKED_OR_DONE
        rows, fraction = batch.rows, 1.0 if done else 0.0
        total = batch.rows or None
    elif stored.get("step") != running:  # the last step's figures, or the job has not started yet
        rows, fraction = 0, 0.0
    else:
        rows, fraction = int(stored.get("rows", 0)), float(stored.get("fraction", 0.0))
        total = int(stored["total"]) if stored.get("total") else None
        if stored.get("started") and stored.get("at"):
            seconds = float(stored["at"]) - float(stored["started"])
    return {
        "step": step,
        "rows": rows,
        "total": total,
        "fraction": fraction,
        "percent": round(max(0.0, min(fraction, 1.0)) * 100),
        "words": describe_progress(step, rows, fraction, total, seconds),
    }


@bp.route("/imports/<int:batch_id>/progress.json")
def import_progress(batch_id: int) -> Response:
    """How far the running step is, for the batch page to poll."""
    batch = db.get_or_404(ImportBatch, batch_id)
    stopped = jobs.job_is_lost(batch)
    return jsonify(
        {
            "status": batch.status.value,
            "label": batch.status.label,
            # A job that stopped is not running: the page reloads to say so, with the action to run it again.
            "running": batch.status.running and not stopped,
            "stopped": stopped,
            **_progress(batch),
        }
    )


@bp.route("/imports/<int:batch_id>/matches", methods=["POST"])
def import_matches(batch_id: int) -> BaseResponse | tuple[str, int]:
    """Record 'same organisation' or 'different organisation' for possible matches; no need to check again."""
    batch = db.get_or_404(ImportBatch, batch_id)
    if batch.status not in DECIDABLE:
        return _refused(batch.id, f"This import is {batch.status.label.lower()}, so matches cannot be decided now")
    page = max(1, request.form.get("matches_page", 1, type=int) or 1)
    matches, _total = _match_rows(batch, page)
    form = matches_form(matches, posted=True)
    valid = form.validate_on_submit()
    fields = form.decision_fields()
    if not fields:  # nothing left to decide on that page
        return _to_batch(batch.id, "possible-matches")
    if valid and not form.decisions():
        fields[0].errors = [NO_DECISIONS]
        valid = False
    if not valid:
        return _render_batch(batch, decisions=form, status=400)
    try:
        changed = steps.decide(db.session, _actor(), batch, form.decisions())
    except StepRefused as exc:
        return _refused(batch.id, str(exc))
    db.session.commit()
    decided = "Your decisions are saved" if changed else "Nothing changed"
    flash(f"{decided}. You do not need to check the file again: the import uses your decisions.", "success")
    return _to_batch(batch.id, "possible-matches")


@bp.route("/imports/<int:batch_id>/commit", methods=["POST"])
def import_commit(batch_id: int) -> BaseResponse | tuple[str, int]:
    """Write the checked file to the register."""
    batch = db.get_or_404(ImportBatch, batch_id)
    form = CommitForm()
    try:
        # The button is on the check's preview; a failed import runs again with "Try again" (import_retry).
        require_status(batch.status, ImportStatus.CHECKED)
    except StepRefused as exc:
        return _refused(batch.id, str(exc))
    if not form.validate_on_submit():
        return _render_batch(batch, commit_form=form, status=400)
    batch.publish_verified = form.publish.data == VERIFIED
    if problem := _start(batch, ImportStep.COMMIT, _actor()):
        return _refused(batch.id, problem)
    batch = db.get_or_404(ImportBatch, batch_id)
    if batch.status == ImportStatus.IMPORTED:
        flash(_imported_message(batch), "success")
        return _to_batch(batch.id)
    # A job: the batch page shows the progress, and says what the import did once it has finished, whether the job
    # ends before the page loads or after (its script then reloads the same address). The address says the officer
    # is waiting for the import, never that it has finished.
    return redirect(url_for("officers.import_batch", batch_id=batch.id, **{WAITING_FOR: ImportStep.COMMIT.value}))


@bp.route("/imports/<int:batch_id>/retry", methods=["POST"])
def import_retry(batch_id: int) -> BaseResponse:
    """Run the step that failed, or whose job stopped before it finished, again."""
    batch = db.get_or_404(ImportBatch, batch_id)
    if not RetryForm().validate_on_submit():
        abort(400)
    # A job that stopped is marked failed here, on the officer's POST (never by a page that only shows it).
    if jobs.notice_lost_job(batch):
        batch = db.get_or_404(ImportBatch, batch_id)
    try:
        require_status(batch.status, ImportStatus.FAILED)
    except StepRefused as exc:
        return _refused(batch.id, str(exc))
    step = ImportStep.parse(batch.counts.get("failed_during")) or ImportStep.CHECK
    if problem := _start(batch, step, _actor()):
        return _refused(batch.id, problem)
    return _to_batch(batch.id)


@bp.route("/imports/<int:batch_id>/undo", methods=["GET", "POST"])
def import_undo(batch_id: int) -> BaseResponse | tuple[str, int]:
    """Confirm, then remove what the import created and restore what it updated."""
    batch = db.get_or_404(ImportBatch, batch_id)
    if batch.status not in UNDOABLE:
        return _refused(batch.id, f"This import is {batch.status.label.lower()}, so it cannot be undone")
    form = UndoForm()
    if form.validate_on_submit():
        try:
            report = undoing.undo(db.session, _actor(), batch, now=utcnow())
        except StepRefused as exc:
            return _refused(batch.id, str(exc))
        db.session.commit()
        message = f"The import is undone: {report.removed:,} removed and {report.restored:,} restored"
        if report.left:
            message += f". {len(report.left):,} changed since the import and were left as they are"
        flash(message, "success")
        return _to_batch(batch_id)
    return render_template("officers/imports/undo.html", batch=batch, form=form, counts=counts_of(batch.counts)), 200


# Downloads ---------------------------------------------------------------------------------------------------------


@bp.route("/imports/<int:batch_id>/problems.csv")
def import_problems(batch_id: int) -> BaseResponse:
    """Every problem the check (or the import) found, one a line."""
    batch = db.get_or_404(ImportBatch, batch_id)
    return csv_download(results.problems_table(db.session, batch), f"import-{batch.id}-problems.csv")


@bp.route("/imports/<int:batch_id>/rejected.csv")
def import_rejected(batch_id: int) -> BaseResponse:
    """The rejected rows as the file had them, with what is wrong, to fix and import again."""
    batch = db.get_or_404(ImportBatch, batch_id)
    if results.count_issues(db.session, batch, "error"):
        try:
            storage.open_stored(batch, _folder()).close()
        except StepRefused as exc:
            return _refused(batch.id, str(exc))
    return csv_download(results.rejected_rows(db.session, batch, _folder()), f"import-{batch.id}-rejected-rows.csv")
