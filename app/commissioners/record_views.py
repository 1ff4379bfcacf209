"""Commissioning records: save a shortlist from the search results, list and read records, notes, close, export."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from app.commissioners import bp, shortlist
from app.commissioners.record_forms import (
    CHOOSE_FROM_RESULTS,
    CloseRecordForm,
    RecordNotesForm,
    ShortlistChangeForm,
    ShortlistForm,
)
from app.commissioners.searching import SearchRun, render_search, search_from
from app.domain.records import (
    ShortlistFull,
    add_to_shortlist,
    estimated_value,
    filters_text,
    remove_from_shortlist,
    value_as_entered,
)
from app.extensions import db
from app.models import CommissioningRecord, Council
from app.models.base import utcnow
from app.services import records as record_service
from app.web.date_input import DateInputField, date_query
from app.web.sessions import signed_in_user

# Fields of the shortlist forms and the request itself, not of the search.
NOT_SEARCH_PARAMETERS = frozenset({"csrf_token", "title", "provider_id", "add", "remove", "clear", "anchor"})


def _council() -> Council:
    council = current_user.council
    if council is None:
        abort(404)
    return council  # type: ignore[no-any-return]


def _record_or_404(record_id: int) -> CommissioningRecord:
    record = record_service.get_record(db.session, _council(), record_id)
    if record is None:
        abort(404)
    return record


def _search_parameters(form: MultiDict[str, str]) -> MultiDict[str, str]:
    return MultiDict([(k, v) for k, v in form.items(multi=True) if k not in NOT_SEARCH_PARAMETERS])


def _given(run: SearchRun) -> dict[str, list[str]]:
    """The search parameters as the commissioner gave them, without the page and the button."""
    names = {f.name for f in run.form if f.name != "submit"}
    names.update(f"start_date-{part}" for part in DateInputField.PARTS)
    return {k: v for k, v in run.params.to_dict(flat=False).items() if k in names}


def _render_search(
    run: SearchRun, shortlist: ShortlistForm | None = None, selection_error: str | None = None
) -> tuple[str, int]:
    """The search page again: something about the shortlist was wrong."""
    return render_search(run, 400, shortlist, selection_error)


@bp.route("/shortlist", methods=["POST"])
def change_shortlist() -> BaseResponse | tuple[str, int]:
    """Add a provider from the results to the shortlist in the making, take one off or empty it, then go back
    to the same page of results. The choice is kept on the server, so it survives paging and filtering."""
    council = _council()
    form = ShortlistChangeForm()
    params = _search_parameters(request.form)
    if not form.validate_on_submit():
        run = search_from(params, council, shortlist.chosen(council))
        return _render_search(run, selection_error=CHOOSE_FROM_RESULTS)
    chosen = shortlist.chosen(council)
    anchor = form.anchor.data or "shortlist"
    if form.add.data:
        provider_id = int(form.add.data)
        run = search_from(params, council, chosen)
        if run.result is None:
            return _render_search(run)
        checked = run.check([provider_id])
        if provider_id not in checked.eligible_ids:
            return _render_search(run, selection_error=record_service.not_eligible_message(checked.not_eligible))
        try:
            chosen = add_to_shortlist(chosen, provider_id)
        except ShortlistFull as exc:
            return _render_search(run, selection_error=str(exc))
        anchor = form.anchor.data or f"provider-{provider_id}"
    elif form.remove.data:
        provider_id = int(form.remove.data)
        chosen = remove_from_shortlist(chosen, provider_id)
        anchor = form.anchor.data or f"provider-{provider_id}"
    elif form.clear.data:
        chosen = ()
    shortlist.keep(council, chosen)
    db.session.commit()
    return redirect(url_for("commissioners.search", **params.to_dict(flat=False), _anchor=anchor))


@bp.route("/records/new", methods=["POST"])
def create_record() -> BaseResponse | tuple[str, int]:
    """Save the shortlist made on the search results as a commissioning record."""
    council = _council()
    form = ShortlistForm()
    chosen = shortlist.chosen(council)
    run = search_from(_search_parameters(request.form), council, chosen)
    valid = form.validate_on_submit()
    if run.result is None or run.criteria is None or run.selected is None:
        return _render_search(run, form)
    if not chosen:
        return _render_search(run, form, record_service.NO_PROVIDERS)
    if not valid:
        return _render_search(run, form)
    try:
        record = record_service.create_record(
            db.session,
            signed_in_user(),
            council,
            run.criteria,
            run.result,
            chosen,
            form.title.data or "",
            utcnow(),
            query=_given(run),
            shortlisted=run.selected.rows,
        )
    except record_service.RecordError as exc:
        db.session.rollback()
        if exc.field == "title":
            form.title.errors = [*form.title.errors, str(exc)]
            return _render_search(run, form)
        return _render_search(run, form, str(exc))
    shortlist.forget(council)
    db.session.commit()
    flash(f"Your shortlist is saved as “{record.title}”", "success")
    return redirect(url_for("commissioners.record", record_id=record.id))


@bp.route("/records")
def records() -> str:
    """The council's commissioning records, newest first, searchable by title and provider."""
    council = _council()
    found = record_service.list_records(
        db.session,
        council,
        request.args.get("q"),
        request.args.get("page", 1, type=int) or 1,
        current_app.config["PER_PAGE"],
    )
    return render_template("commissioners/records.html", page=found, council=council)


def _render_record(
    record: CommissioningRecord, notes_form: RecordNotesForm | None = None, status: int = 200
) -> tuple[str, int]:
    if notes_form is None:
        notes_form = RecordNotesForm(formdata=None, obj=record)
    return (
        render_template(
            "commissioners/record.html",
            record=record,
            notes_form=notes_form,
            close_form=CloseRecordForm(formdata=None),
            search_again=url_for("commissioners.search", **_search_again(record)),
            start_date=_day(record.band.get("start_date")),
            can_change=record_service.may_change(signed_in_user(), record),
            filters=filters_text(record.inputs.get("criteria", {})),
            value_as_entered=value_as_entered(record.inputs.get("criteria", {})),
            estimated_value=estimated_value(record.band, record.inputs.get("criteria", {})),
        ),
        status,
    )


def _not_yours(record: CommissioningRecord, exc: record_service.NotYourRecord) -> tuple[str, int]:
    """A colleague may read the record but not change it: say so, and whose it is."""
    return render_template("commissioners/record_not_yours.html", record=record, message=str(exc)), 403


def _search_again(record: CommissioningRecord) -> dict[str, list[str]]:
    """The record's search as query parameters. Records made when the start date was one box keep it as
    text: give it as the three boxes the search reads now, from the date the service understood."""
    query = dict(record.inputs.get("query", {}))
    if "start_date" in query:
        del query["start_date"]
        start = _day(record.inputs.get("criteria", {}).get("start_date"))
        if start is not None:
            query.update({k: [v] for k, v in date_query("start_date", start).items()})
    return query


def _day(text: object) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


@bp.route("/records/<int:record_id>")
def record(record_id: int) -> tuple[str, int]:
    """One record: what was searched, the band and rules, the shortlist as it was, and the notes."""
    return _render_record(_record_or_404(record_id))


@bp.route("/records/<int:record_id>/notes", methods=["POST"])
def record_notes(record_id: int) -> BaseResponse | tuple[str, int]:
    """Save the commissioner's notes on an open record."""
    found = _record_or_404(record_id)
    form = RecordNotesForm()
    if form.validate_on_submit():
        try:
            changes = record_service.update_notes(
                db.session,
                signed_in_user(),
                found,
                in_house_considered=form.in_house_considered.data,
                why_these=form.why_these.data,
                outcome=form.outcome.data,
            )
        except record_service.NotYourRecord as exc:
            db.session.rollback()
            return _not_yours(found, exc)
        except record_service.RecordError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("commissioners.record", record_id=record_id))
        db.session.commit()
        flash("Your notes are saved" if changes else "Nothing changed in your notes", "success")
        return redirect(url_for("commissioners.record", record_id=record_id))
    return _render_record(found, form, 400)


@bp.route("/records/<int:record_id>/close", methods=["POST"])
def close_record(record_id: int) -> BaseResponse | tuple[str, int]:
    """Make the record final: its notes cannot be changed after this."""
    found = _record_or_404(record_id)
    if not CloseRecordForm().validate_on_submit():
        abort(400)
    try:
        record_service.close_record(db.session, signed_in_user(), found, utcnow())
    except record_service.NotYourRecord as exc:
        db.session.rollback()
        return _not_yours(found, exc)
    except record_service.RecordError as exc:
        db.session.rollback()
        if exc.field == "outcome":
            form = RecordNotesForm(formdata=None, obj=found)
            form.outcome.errors = [str(exc)]
            return _render_record(found, form, 400)
        flash(str(exc), "error")
        return redirect(url_for("commissioners.record", record_id=record_id))
    db.session.commit()
    flash(f"“{found.title}” is closed", "success")
    return redirect(url_for("commissioners.record", record_id=record_id))


@bp.route("/records/<int:record_id>/export.csv")
def export_record(record_id: int) -> Response:
    """The record as a CSV file, safe to open in a spreadsheet."""
    found = _record_or_404(record_id)
    # A byte order mark, so Excel reads the file as UTF-8 and shows £ as £.
    body = "\ufeff" + record_service.export_csv(found)
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="commissioning-record-{found.id}.csv"',
        },
    )
