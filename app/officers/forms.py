"""Forms for checking organisations and deciding requests to join them."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import Form

# DataRequired, not InputRequired: a message of only spaces tells the organisation nothing.
CHANGES_NEEDED = "Enter what the organisation needs to change"
REJECT_REASON_NEEDED = "Enter why the organisation cannot be on the register"
DECLINE_NOTE_NEEDED = "Enter why you are declining the request"
MESSAGE_MAX = 5000
MESSAGE_TOO_LONG = "The message must be 5,000 characters or fewer"
REASON_TOO_LONG = "The reason must be 5,000 characters or fewer"
NOTE_TOO_LONG = "The note must be 5,000 characters or fewer"


class MarkCheckedForm(Form):
    """One button: record that an officer checked a registration number or a fact."""

    submit = SubmitField("Mark as checked", widget=GovSubmitInput())


class VerifyForm(Form):
    submit = SubmitField("Verify and publish", widget=GovSubmitInput())


class RequestChangesForm(Form):
    message = TextAreaField(
        "What does the organisation need to change?",
        widget=GovTextArea(),
        description="We will email this to the people who act for the organisation.",
        validators=[DataRequired(CHANGES_NEEDED), Length(max=MESSAGE_MAX, message=MESSAGE_TOO_LONG)],
    )
    submit = SubmitField("Ask for changes", widget=GovSubmitInput())


class RejectForm(Form):
    reason = TextAreaField(
        "Why can the organisation not be on the register?",
        widget=GovTextArea(),
        description="We will email this to the people who act for the organisation.",
        validators=[DataRequired(REJECT_REASON_NEEDED), Length(max=MESSAGE_MAX, message=REASON_TOO_LONG)],
    )
    submit = SubmitField("Reject", widget=GovSubmitInput())


class ApproveJoinRequestForm(Form):
    submit = SubmitField("Approve", widget=GovSubmitInput())


class DeclineJoinRequestForm(Form):
    note = TextAreaField(
        "Why are you declining?",
        widget=GovTextArea(),
        description="We will email this to the person who asked.",
        validators=[DataRequired(DECLINE_NOTE_NEEDED), Length(max=MESSAGE_MAX, message=NOTE_TOO_LONG)],
    )
    submit = SubmitField("Decline", widget=GovSubmitInput())
