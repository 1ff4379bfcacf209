"""Forms for commissioning records: saving a shortlist, the commissioner's notes, and closing a record."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import Form
from app.services.records import NO_PROVIDERS, NO_TITLE, NOTE_MAX, TITLE_MAX, TITLE_TOO_LONG

NOTE_TOO_LONG = f"The note must be {NOTE_MAX:,} characters or fewer"


def _provider_ids(form: Form, field: SelectMultipleField) -> None:
    values = [v for v in field.data or [] if v.strip()]
    if not values:
        raise ValidationError(NO_PROVIDERS)
    if not all(v.strip().isdigit() for v in values):
        raise ValidationError("Select providers from the search results")


class ShortlistForm(Form):
    """The checkboxes on the search results and the record's title. The search parameters travel beside
    them as hidden inputs, and the view re-runs the search from them."""

    # The boxes are drawn by the results page, one per eligible row; the choices are checked by the service.
    provider_id = SelectMultipleField("Providers for the shortlist", validate_choice=False, validators=[_provider_ids])
    title = StringField(
        "Title for this record",
        widget=GovTextInput(),
        description="For example the service you are buying and the year",
        validators=[DataRequired(NO_TITLE), Length(max=TITLE_MAX, message=TITLE_TOO_LONG)],
    )

    @property
    def provider_ids(self) -> list[int]:
        return [int(v) for v in self.provider_id.data or [] if v.strip().isdigit()]


class RecordNotesForm(Form):
    in_house_considered = TextAreaField(
        "Did you consider delivering this service in-house?",
        widget=GovTextArea(),
        description="Say whether the council could provide it itself, and why you decided as you did",
        validators=[Optional(), Length(max=NOTE_MAX, message=NOTE_TOO_LONG)],
    )
    why_these = TextAreaField(
        "Why did you choose these providers?",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=NOTE_MAX, message=NOTE_TOO_LONG)],
    )
    outcome = TextAreaField(
        "What was the outcome?",
        widget=GovTextArea(),
        description="For example who you awarded the contract to and for how much, or why you did not award it. "
        "You need this to close the record.",
        validators=[Optional(), Length(max=NOTE_MAX, message=NOTE_TOO_LONG)],
    )
    submit = SubmitField("Save notes", widget=GovSubmitInput())


class CloseRecordForm(Form):
    submit = SubmitField("Close this record", widget=GovSubmitInput())
