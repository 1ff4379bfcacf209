"""Views for the officers who run the register."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.domain.providers import IDENTIFIER_SCHEMES, LegalForm
from app.domain.registration import ReviewDecision
from app.domain.review_queue import BulkAction, QueueSort, QueueStatus
from app.domain.text import plain_int
from app.domain.wording import split_org_id
from app.extensions import db
from app.jobs.mail import deliver_outbox
from app.models import Area, ImportBatch, JoinRequest, Provider, ProviderFact, ProviderIdentifier
from app.models.base import utcnow
from app.officers import bp
from app.officers.audit_views import record_url
from app.officers.forms import (
    ApproveJoinRequestForm,
    BulkActionForm,
    ConfirmBulkActionForm,
    DeclineJoinRequestForm,
    MarkCheckedForm,
    RejectForm,
    RequestChangesForm,
    VerifyForm,
    queue_filters,
)
from app.services import audit_log, membership, overview, verification
from app.services.locality import provider_locality
from app.services.policy import bands_in_force
from app.services.verification import QueueFilters
from app.web.council import home_local_area, provider_place
from app.web.sessions import signed_in_user
from app.web.urls import absolute_url

_Part = TypeVar("_Part", ProviderIdentifier, ProviderFact)


@bp.route("/")
def index() -> str:
    """What needs attention: providers by status, recent changes, data loaded."""
    council = current_user.council
    return render_template(
        "officers/index.html",
        council=council,
        status_counts=overview.provider_status_counts(db.session),
        waiting=verification.waiting_counts(db.session),
        not_placed=overview.sites_not_placed(db.session),
        recent_events=audit_log.describe(db.session, overview.recent_audit_events(db.session, limit=10)),
        record_url=record_url,
        batches=overview.recent_import_batches(db.session, limit=5),
        postcode_release=overview.current_postcode_release(db.session),
        bands=bands_in_force(db.session, council, utcnow().date()) if council else [],
    )


# Checking organisations -------------------------------------------------------------------------------------------


def _service_url() -> str:
    """Where the emails send people: their organisation's home in this service."""
    return absolute_url("providers.index")


def _back_to_review(provider_id: int) -> Response:
    return redirect(url_for("officers.review_provider", provider_id=provider_id))


def _refused(provider_id: int, message: str) -> Response:
    """The service would not make the change: undo anything half-done and say why on the review page."""
    db.session.rollback()
    flash(message, "error")
    return _back_to_review(provider_id)


def _render_review(
    provider: Provider,
    *,
    changes_form: RequestChangesForm | None = None,
    reject_form: RejectForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    # Forms this request did not post are drawn empty, not bound to another form's data.
    return (
        render_template(
            "officers/review_provider.html",
            provider=provider,
            **provider_place(provider, public=False),
            schemes=IDENTIFIER_SCHEMES,
            members=verification.members_of(db.session, provider),
            reviews=verification.reviews_of(db.session, provider),
            can_verify=verification.may_decide(provider, ReviewDecision.VERIFIED),
            can_send_back=verification.may_decide(provider, ReviewDecision.CHANGES_REQUESTED),
            mark_checked_form=MarkCheckedForm(formdata=None),
            verify_form=VerifyForm(formdata=None),
            changes_form=changes_form or RequestChangesForm(formdata=None),
            reject_form=reject_form or RejectForm(formdata=None),
        ),
        status,
    )


def _queue_choices() -> tuple[list[ImportBatch], list[Area]]:
    return verification.imported_batches(db.session), verification.queue_districts(db.session)


def _filters_from(args: Mapping[str, str], batches: list[ImportBatch], districts: list[Area]) -> QueueFilters:
    return queue_filters(args, {b.id for b in batches}, {d.code for d in districts})


def _render_queue(
    *,
    decline_form: DeclineJoinRequestForm | None = None,
    failed_request_id: int | None = None,
    bulk_form: BulkActionForm | None = None,
    args: Mapping[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    batches, districts = _queue_choices()
    args = request.args if args is None else args
    filters = _filters_from(args, batches, districts)
    page = plain_int(str(args.get("page", ""))) or 1
    result = verification.review_queue_page(db.session, filters, page)
    area = home_local_area()
    return (
        render_template(
            "officers/reviews.html",
            result=result,
            filters=filters,
            batches=batches,
            districts=districts,
            legal_forms=list(LegalForm),
            statuses=list(QueueStatus),
            sorts=list(QueueSort),
            bulk_actions=list(BulkAction),
            localities={
                p.id: provider_locality(db.session, p, area, public=False, names=result.area_names)
                for p in result.providers
            }
            if area
            else {},
            selectable=verification.selectable_ids(result.providers),
            bulk_form=bulk_form or BulkActionForm(formdata=None, **filters.query_args()),
            join_requests=verification.pending_join_requests(db.session),
            approve_form=ApproveJoinRequestForm(formdata=None),
            decline_form=decline_form,
            failed_request_id=failed_request_id,
            blank_decline_form=DeclineJoinRequestForm(formdata=None),
        ),
        status,
    )


@bp.route("/reviews")
def reviews() -> tuple[str, int]:
    """Organisations and requests waiting for an officer, a page at a time, filtered and sorted."""
    return _render_queue()


def _bulk_plan(form: BulkActionForm) -> tuple[QueueFilters, verification.BulkPlan] | None:
    """The filters and what the action would do; None (with the error at the field) when it would do nothing."""
    filters = _filters_from(form.filter_args(), *_queue_choices())
    plan = verification.plan_bulk_action(db.session, form.bulk_action, filters=filters, provider_ids=form.chosen_ids())
    if plan.applies == 0:
        form.action.errors = [*form.action.errors, verification.nothing_to_change_message(form.bulk_action)]
        return None
    return filters, plan


@bp.route("/reviews/bulk-action", methods=["POST"])
def bulk_action() -> tuple[str, int]:
    """Check what a bulk action would change and ask the officer to confirm it."""
    form = BulkActionForm()
    if form.validate_on_submit() and (planned := _bulk_plan(form)):
        filters, plan = planned
        confirm = ConfirmBulkActionForm(formdata=None, data=form.data)
        return render_template("officers/reviews_confirm.html", form=confirm, plan=plan, filters=filters), 200
    return _render_queue(bulk_form=form, args=form.filter_args(), status=400)


@bp.route("/reviews/bulk-action/confirm", methods=["POST"])
def confirm_bulk_action() -> Response | tuple[str, int]:
    """Publish, or take back into the queue, every organisation the officer confirmed."""
    form = ConfirmBulkActionForm()
    if not form.validate_on_submit() or not _bulk_plan(form):
        return _render_queue(bulk_form=form, args=form.filter_args(), status=400)
    filters = _filters_from(form.filter_args(), *_queue_choices())
    try:
        result = verification.apply_bulk_action(
            db.session,
            signed_in_user(),
            form.bulk_action,
            utcnow(),
            _service_url(),
            filters=filters,
            provider_ids=form.chosen_ids(),
        )
    except verification.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("officers.reviews", **filters.query_args()))
    db.session.commit()
    deliver_outbox()
    flash(verification.bulk_result_message(result), "success")
    return redirect(url_for("officers.reviews", **filters.query_args()))


@bp.route("/providers/<int:provider_id>/review")
def review_provider(provider_id: int) -> tuple[str, int]:
    """Everything an officer checks before deciding, with the evidence for each fact."""
    return _render_review(db.get_or_404(Provider, provider_id))


def _part_to_mark(model: type[_Part], part_id: int, provider_id: int) -> _Part:
    """A registration number or fact of this provider, for "Mark as checked": 404 for anyone else's (or none), 400
    without the button's form."""
    part = db.get_or_404(model, part_id)
    if part.provider_id != provider_id:
        abort(404)
    if not MarkCheckedForm().validate_on_submit():
        abort(400)
    return part


@bp.route("/providers/<int:provider_id>/identifiers/<int:identifier_id>/mark-checked", methods=["POST"])
def mark_identifier_checked(provider_id: int, identifier_id: int) -> Response:
    """Record that an officer checked a registration number against its register."""
    identifier = _part_to_mark(ProviderIdentifier, identifier_id, provider_id)
    register, number = split_org_id(identifier.org_id)  # 'Companies House number 01234567', not the org-id
    verification.verify_identifier(db.session, signed_in_user(), identifier, utcnow())
    db.session.commit()
    flash(f"{register} {number} is marked as checked by the council", "success")
    return _back_to_review(provider_id)


@bp.route("/providers/<int:provider_id>/facts/<int:fact_id>/mark-checked", methods=["POST"])
def mark_fact_checked(provider_id: int, fact_id: int) -> Response:
    """Record that an officer checked one ownership, size or fair-work fact."""
    fact = _part_to_mark(ProviderFact, fact_id, provider_id)
    label = fact.kind.label
    try:
        verification.verify_fact(db.session, signed_in_user(), fact, utcnow())
    except verification.ReviewError as exc:
        return _refused(provider_id, str(exc))
    db.session.commit()
    flash(f"{label} is marked as checked by the council", "success")
    return _back_to_review(provider_id)


@bp.route("/providers/<int:provider_id>/verify", methods=["POST"])
def verify_provider(provider_id: int) -> Response:
    """Publish the entry, or accept the changes to a published one, and email its members."""
    provider = db.get_or_404(Provider, provider_id)
    if not VerifyForm().validate_on_submit():
        abort(400)
    name, was_change = provider.name, provider.awaiting_review
    try:
        verification.verify(db.session, signed_in_user(), provider, utcnow(), _service_url())
    except verification.ReviewError as exc:
        return _refused(provider_id, str(exc))
    db.session.commit()
    deliver_outbox()
    flash(f"The changes to {name} are accepted" if was_change else f"{name} is verified and published", "success")
    return redirect(url_for("officers.reviews"))


def _send_back(
    provider: Provider,
    form: RequestChangesForm | RejectForm,
    field: Any,
    decide: Callable[[str], object],
    done: str,
    form_name: str,
) -> Response | tuple[str, int]:
    """Ask for changes or reject: the written message is required, and its error shows at the field."""
    if form.validate_on_submit():
        try:
            decide(field.data or "")
        except verification.ReviewError as exc:
            if exc.field != field.name:
                return _refused(provider.id, str(exc))
            db.session.rollback()
            field.errors = [*field.errors, str(exc)]
        else:
            db.session.commit()
            deliver_outbox()
            flash(done, "success")
            return redirect(url_for("officers.reviews"))
    return _render_review(provider, **{form_name: form}, status=400)


@bp.route("/providers/<int:provider_id>/request-changes", methods=["POST"])
def request_changes(provider_id: int) -> Response | tuple[str, int]:
    """Send the entry back to its members with what to change."""
    provider = db.get_or_404(Provider, provider_id)
    form = RequestChangesForm()
    return _send_back(
        provider,
        form,
        form.message,
        lambda message: verification.request_changes(
            db.session, signed_in_user(), provider, message, utcnow(), _service_url()
        ),
        f"{provider.name} has been asked to make changes",
        "changes_form",
    )


@bp.route("/providers/<int:provider_id>/reject", methods=["POST"])
def reject_provider(provider_id: int) -> Response | tuple[str, int]:
    """Refuse the entry and email its members the reason."""
    provider = db.get_or_404(Provider, provider_id)
    form = RejectForm()
    return _send_back(
        provider,
        form,
        form.reason,
        lambda reason: verification.reject(db.session, signed_in_user(), provider, reason, utcnow()),
        f"{provider.name} is rejected and will not be on the register",
        "reject_form",
    )


# Requests to join or claim an organisation --------------------------------------------------------------------------


@bp.route("/join-requests/<int:request_id>/approve", methods=["POST"])
def approve_join_request(request_id: int) -> Response:
    """Let the person act for the organisation (it then counts as claimed) and email them."""
    join_request = db.get_or_404(JoinRequest, request_id)
    if not ApproveJoinRequestForm().validate_on_submit():
        abort(400)
    email, name = join_request.user.email, join_request.provider.name
    try:
        membership.decide_join_request(db.session, signed_in_user(), join_request, True, None, utcnow())
    except membership.MembershipError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("officers.reviews"))
    db.session.commit()
    deliver_outbox()
    flash(f"{email} can now keep {name}'s entry up to date", "success")
    return redirect(url_for("officers.reviews"))


@bp.route("/join-requests/<int:request_id>/decline", methods=["POST"])
def decline_join_request(request_id: int) -> Response | tuple[str, int]:
    """Refuse the request, with a note the person is emailed."""
    join_request = db.get_or_404(JoinRequest, request_id)
    form = DeclineJoinRequestForm()
    # Each request on the queue has its own note box: the error summary must point at this one.
    form.note.id = f"note-{request_id}"
    if form.validate_on_submit():
        email, name = join_request.user.email, join_request.provider.name
        try:
            membership.decide_join_request(db.session, signed_in_user(), join_request, False, form.note.data, utcnow())
        except membership.MembershipError as exc:
            db.session.rollback()
            if exc.field != "note":
                flash(str(exc), "error")
                return redirect(url_for("officers.reviews"))
            form.note.errors = [*form.note.errors, str(exc)]
        else:
            db.session.commit()
            deliver_outbox()
            flash(f"You declined {email}'s request to join {name}", "success")
            return redirect(url_for("officers.reviews"))
    return _render_queue(decline_form=form, failed_request_id=request_id, status=400)
