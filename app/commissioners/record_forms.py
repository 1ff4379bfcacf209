"""Forms for commissioning records: saving a shortlist, the commissioner's notes, and closing a record."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from app.services.records import NO_TITLE, NOTE_MAX, TITLE_MAX, TITLE_TOO_LONG
from app.web.forms import Form

CHOOSE_FROM_RESULTS = "Choose providers from the search results"

NOTE_TOO_LONG = f"The note must be {NOTE_MAX:,} characters or fewer"


class ShortlistForm(Form):
    """The record's title, saved with the providers chosen so far. The search parameters travel beside it as
    hidden inputs, and the view re-runs the search from them; the providers come from the shortlist kept
    on the server (see app.commissioners.shortlist), never from the page."""

    title = StringField(
        "Title for this record",
        widget=GovTextInput(),
        description="For example the service you are buying and the year",
        validators=[DataRequired(NO_TITLE), Length(max=TITLE_MAX, message=TITLE_TOO_LONG)],
    )


class ShortlistChangeForm(Form):
    """Add one provider to the shortlist or take one off (the buttons' values), or empty it."""

    add = StringField(validators=[Optional(), Regexp(r"^\d{1,12}$", message=CHOOSE_FROM_RESULTS)])
    remove = StringField(validators=[Optional(), Regexp(r"^\d{1,12}$", message=CHOOSE_FROM_RESULTS)])
    clear = StringField(validators=[Optional()])
    # Where to go back to on the page: the provider's row, or the shortlist itself.
    anchor = StringField(validators=[Optional(), AnyOf(["shortlist"])])


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
