"""The audit trail for officers: who changed what and when, filtered, paged and exported as CSV."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional, ValidationError

from app.domain.paging import page_count
from app.extensions import db
from app.models.base import utcnow
from app.officers import bp
from app.services import audit_log
from app.services.audit import Actor, record
from app.web.date_input import DateInputField, date_query
from app.web.downloads import csv_download
from app.web.forms import Form

PER_PAGE = 50
UNTIL_BEFORE_SINCE = "The date to show events up to must be the same as or after the date to show events from"

#: The page that shows each kind of record, and the name of its id in the URL.
RECORD_PAGES = {
    "provider": ("officers.review_provider", "provider_id"),
    "import_batch": ("officers.import_batch", "batch_id"),
    "commissioning_record": ("commissioners.record", "record_id"),
    "spend_band": ("officers.spend_bands", None),
    "spend_batch": ("officers.spend_file", "batch_id"),
    "spend_supplier": ("officers.spend_supplier", "supplier_id"),
}


def record_url(subject: audit_log.Subject) -> str | None:
    """The page of the record an event is about, if it has one."""
    if subject.link_type not in RECORD_PAGES or subject.link_id is None:
        return None
    endpoint, argument = RECORD_PAGES[subject.link_type]
    return url_for(endpoint, **({argument: subject.link_id} if argument else {}))


class AuditFilterForm(Form):
    """What to show: read from the query string, so a filtered log has a URL that can be shared."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    action = SelectField("What happened", widget=GovSelect(), validators=[Optional()])
    actor = StringField("Who (part of an email address)", widget=GovTextInput(), validators=[Optional()])
    since = DateInputField("From", what="The date to show events from", description="For example, 1 11 2026")
    until = DateInputField(
        "Up to and including", what="The date to show events up to", description="For example, 30 11 2026"
    )
    submit = SubmitField("Show events", widget=GovSubmitInput())

    def validate_until(self, field: DateInputField) -> None:
        # On the later date, as the design system's "must be after the date it starts" example is: `until` is
        # checked after `since`, so both dates are known here (each is None when its boxes were empty or wrong).
        if self.since.data is not None and field.data is not None and field.data < self.since.data:
            raise ValidationError(UNTIL_BEFORE_SINCE)

    def filter(self) -> audit_log.AuditFilter:
        """The filter a valid form asks for."""
        return audit_log.AuditFilter(
            action=self.action.data or None,
            actor=(self.actor.data or "").strip() or None,
            since=self.since.data,
            until=self.until.data,
        )


def filter_query(where: audit_log.AuditFilter) -> dict[str, str]:
    """The query parameters that ask for ``where`` again: kept in the pager's and the download's links."""
    query = {name: value for name, value in (("action", where.action), ("actor", where.actor)) if value}
    for name, day in (("since", where.since), ("until", where.until)):
        if day is not None:
            query.update(date_query(name, day))
    return query


def _form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", "Anything")] + [
        SelectChoice(action, words) for action, words in audit_log.action_choices(db.session)
    ]
    return form


def _asked_for(form: AuditFilterForm) -> audit_log.AuditFilter | None:
    """The filter the query string asks for (every event when it asks nothing); None when the form is not valid."""
    if not request.args:
        return audit_log.AuditFilter()
    return form.filter() if form.validate() else None


def _invalid_filter(form: AuditFilterForm) -> tuple[str, int]:
    """The page again with the filter's errors and no events."""
    return render_template("officers/audit.html", form=form, events=[], total=0, page=1, pages=1), 400


@bp.route("/audit")
def audit_events() -> tuple[str, int] | str:
    """The audit trail, newest first."""
    form = _form()
    where = _asked_for(form)
    if where is None:
        return _invalid_filter(form)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 1_000_000)
    events, total = audit_log.events(db.session, where, page=page, per_page=PER_PAGE)
    pages = page_count(total, PER_PAGE)
    query = filter_query(where)  # only the filters go into links, as the form read them
    return render_template(
        "officers/audit.html",
        form=form,
        events=audit_log.describe(db.session, events),
        total=total,
        page=page,
        pages=pages,
        query=query,
        record_url=record_url,
    )


@bp.route("/audit.csv")
def audit_export() -> Response | tuple[str, int]:
    """The events matching the filter, oldest first, as CSV. The export is itself recorded."""
    form = _form()
    where = _asked_for(form)
    if where is None:
        return _invalid_filter(form)
    record(
        db.session,
        Actor.of(current_user),
        "audit_log.exported",
        "audit_log",
        None,
        {k: str(v) for k, v in where.__dict__.items() if v},
    )
    db.session.commit()
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return csv_download(audit_log.export_rows(db.session, where), f"audit-log-{stamp}.csv")
