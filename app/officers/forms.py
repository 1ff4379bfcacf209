"""Forms for checking organisations and deciding requests to join them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation, ValidationError

from app.domain.providers import LegalForm
from app.domain.review_queue import BulkAction, QueueSort, QueueStatus, parse_enum
from app.domain.text import plain_int
from app.services.verification import QueueFilters
from app.web.forms import Form

CHANGES_NEEDED = "Enter what the organisation needs to change"
REJECT_REASON_NEEDED = "Enter why the organisation cannot be on the register"
DECLINE_NOTE_NEEDED = "Enter why you are declining the request"
MESSAGE_MAX = 5000
MESSAGE_TOO_LONG = "The message must be 5,000 characters or fewer"
REASON_TOO_LONG = "The reason must be 5,000 characters or fewer"
NOTE_TOO_LONG = "The note must be 5,000 characters or fewer"
TO_MEMBERS = "We will email this to the people who act for the organisation."


def _written(label: str, description: str, needed: str, too_long: str) -> TextAreaField:
    """What an officer writes to be emailed with a decision: required, and at most MESSAGE_MAX characters."""
    # DataRequired, not InputRequired: a message of only spaces tells the organisation nothing.
    return TextAreaField(
        label,
        widget=GovTextArea(),
        description=description,
        validators=[DataRequired(needed), Length(max=MESSAGE_MAX, message=too_long)],
    )


class MarkCheckedForm(Form):
    """One button: record that an officer checked a registration number or a fact."""

    submit = SubmitField("Mark as checked", widget=GovSubmitInput())


class VerifyForm(Form):
    submit = SubmitField("Verify and publish", widget=GovSubmitInput())


class RequestChangesForm(Form):
    message = _written("What does the organisation need to change?", TO_MEMBERS, CHANGES_NEEDED, MESSAGE_TOO_LONG)
    submit = SubmitField("Ask for changes", widget=GovSubmitInput())


class RejectForm(Form):
    reason = _written(
        "Why can the organisation not be on the register?", TO_MEMBERS, REJECT_REASON_NEEDED, REASON_TOO_LONG
    )
    submit = SubmitField("Reject", widget=GovSubmitInput())


class ApproveJoinRequestForm(Form):
    submit = SubmitField("Approve", widget=GovSubmitInput())


class DeclineJoinRequestForm(Form):
    note = _written(
        "Why are you declining?", "We will email this to the person who asked.", DECLINE_NOTE_NEEDED, NOTE_TOO_LONG
    )
    submit = SubmitField("Decline", widget=GovSubmitInput())


# The review queue ----------------------------------------------------------------------------------------------------

BULK_ACTION_NEEDED = "Select what to do with the organisations"
BULK_SCOPE_NEEDED = "Select which organisations to change"
BULK_SELECTION_NEEDED = "Select at least one organisation, or choose every organisation matching the filters"
SELECTED, ALL_MATCHING = "selected", "all"
FILTER_ARGS = ("status", "batch", "district", "legal_form", "not_placed", "sort")


def queue_filters(args: Mapping[str, str], batch_ids: set[int], district_codes: set[str]) -> QueueFilters:
    """The queue's filters from a query string (or the hidden fields of a bulk action); unknown values are ignored."""
    batch = plain_int(args.get("batch", ""))
    district = args.get("district") or None
    return QueueFilters(
        status=parse_enum(QueueStatus, args.get("status"), QueueStatus.WAITING),
        batch_id=batch if batch in batch_ids else None,
        district_code=district if district in district_codes else None,
        legal_form=next((f for f in LegalForm if f.value == args.get("legal_form")), None),
        not_placed=args.get("not_placed") == "yes",
        sort=parse_enum(QueueSort, args.get("sort"), QueueSort.OLDEST),
    )


class _Choice(RadioField):
    """A radio question whose unknown answer gets the same message as no answer."""

    def pre_validate(self, form: object) -> None:
        if self.data not in {choice[0] for choice in self.iter_choices()}:
            messages = [getattr(v, "message", None) for v in self.validators]
            raise StopValidation(next((m for m in messages if m), "Select an option"))


class BulkActionForm(Form):
    """Publish, or take back into the queue, the ticked organisations or every one matching the filters."""

    action = _Choice(
        "What do you want to do with them?",
        choices=[SelectChoice(a.value, a.label) for a in BulkAction],
        validators=[InputRequired(BULK_ACTION_NEEDED)],
    )
    scope = _Choice(
        "Which organisations?",
        choices=[
            SelectChoice(SELECTED, "The organisations I have selected on this page"),
            SelectChoice(ALL_MATCHING, "Every organisation matching the filters"),
        ],
        validators=[InputRequired(BULK_SCOPE_NEEDED)],
    )
    # Ticked rows: ids are checked against the queue by the service, so no choices are listed here.
    provider_id = SelectMultipleField(coerce=int, validate_choice=False)
    # The filters the officer was looking at, carried to the confirmation page and back.
    status = HiddenField()
    batch = HiddenField()
    district = HiddenField()
    legal_form = HiddenField()
    not_placed = HiddenField()
    sort = HiddenField()
    # The page the ticks were made on, to show it again if something is missing.
    page = HiddenField()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_scope(self, field: RadioField) -> None:
        if field.data == SELECTED and not self.provider_id.data:
            raise ValidationError(BULK_SELECTION_NEEDED)

    def filter_args(self) -> dict[str, str]:
        """The filters (and page) the officer was looking at, as query-string arguments."""
        return {name: str(self[name].data) for name in (*FILTER_ARGS, "page") if self[name].data}

    def chosen_ids(self) -> Sequence[int] | None:
        """The ticked organisations, or None for every one matching the filters."""
        return list(self.provider_id.data or []) if self.scope.data == SELECTED else None

    @property
    def bulk_action(self) -> BulkAction:
        return BulkAction(self.action.data)


class ConfirmBulkActionForm(BulkActionForm):
    """The same choice, sent again from the confirmation page."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class StartRegisterCheckForm(Form):
    """One button: check every provider against the loaded public registers now."""

    submit = SubmitField("Check every provider now", widget=GovSubmitInput())
