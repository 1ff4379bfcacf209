"""Forms for importing providers from a spreadsheet: the upload, the column choices, possible matches and the
steps (import, undo, try again) that are one button each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import Field, RadioField, SelectField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.domain.imports.fields import IMPORT_FIELDS, ColumnMapping
from app.domain.imports.registration_status import DissolvedRows
from app.models import ImportIssue, ImportMapping
from app.web.forms import Form

FILE_NEEDED = "Select a CSV file"
SOURCE_TOO_LONG = "Where the list is from must be 300 characters or fewer"
SAVE_AS_TOO_LONG = "The name must be 100 characters or fewer"
PUBLISH_NEEDED = "Select whether to publish new organisations or add them to the queue for checks"
DISSOLVED_NEEDED = "Select what to do with organisations the file says are dissolved"
NOT_IN_FILE = "Not in this file"
SAME, SEPARATE = "same", "separate"
VERIFIED, QUEUE = "verified", "queue"


class UploadForm(Form):
    file = FileField(
        "Upload a file",
        widget=GovFileInput(),
        description="A CSV file with a row of column headings, then one organisation a row",
        validators=[FileRequired(FILE_NEEDED)],
    )
    source_name = StringField(
        "Where is this list from? (optional)",
        widget=GovTextInput(),
        description="Like 'Co-operatives UK open data, March 2026'. Shown with the import; the file name is used "
        "if you leave it blank.",
        validators=[Optional(), Length(max=300, message=SOURCE_TOO_LONG)],
    )
    mapping_name = SelectField(
        "Use column choices you saved before (optional)",
        widget=GovSelect(),
        description="For a file laid out like one you imported before. You can check the choices on the next page.",
        choices=[],
        validators=[Optional()],
    )
    submit = SubmitField("Upload and continue", widget=GovSubmitInput())

    def offer(self, saved: Iterable[ImportMapping]) -> None:
        """The saved mappings to choose from (the question is left out when there are none)."""
        self.mapping_name.choices = [SelectChoice("", "None: match the columns by their headings")] + [
            SelectChoice(m.name, m.name) for m in saved
        ]


class ColumnsForm(Form):
    """One select per field the import takes ('column_<field>'), made for a file's headers by :func:`columns_form`."""

    save_as = StringField(
        "Save these choices as (optional)",
        widget=GovTextInput(),
        description="A name, like 'Co-operatives UK open data', to use these choices again for a file laid out "
        "the same way.",
        validators=[Optional(), Length(max=100, message=SAVE_AS_TOO_LONG)],
    )
    dissolved = RadioField(
        "What should happen to organisations the file says are dissolved, removed or struck off?",
        choices=[SelectChoice(d.value, d.label) for d in DissolvedRows],
        default=DissolvedRows.REJECT.value,
        validators=[InputRequired(DISSOLVED_NEEDED)],
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())

    #: Hints under each choice of ``dissolved``.
    dissolved_hints = {d.value: d.hint for d in DissolvedRows}

    def dissolved_choice(self) -> DissolvedRows:
        return DissolvedRows(self.dissolved.data or DissolvedRows.REJECT.value)

    def column_fields(self) -> list[Field]:
        return [self[f"column_{f.name}"] for f in IMPORT_FIELDS]

    def choices(self) -> dict[str, str | None]:
        """Field name -> header chosen, or None for 'not in this file'."""
        return {f.name: self[f"column_{f.name}"].data or None for f in IMPORT_FIELDS}

    def attach(self, message: str) -> None:
        """Show the service's refusal at the column it is about: one chosen twice, else the name."""
        chosen: dict[str, Field] = {}
        where = self["column_name"]
        for field in self.column_fields():
            if field.data and field.data in chosen:
                where = field
                break
            if field.data:
                chosen[field.data] = field
        where.errors = [*where.errors, message]


def columns_form(mapping: ColumnMapping, dissolved: DissolvedRows = DissolvedRows.REJECT) -> ColumnsForm:
    """The column choices for a file's headers, each preselected from ``mapping`` (and the batch's choice for
    dissolved rows) when not posted."""
    headers = list(dict.fromkeys(h for h in mapping.headers if h))
    options = [SelectChoice("", NOT_IN_FILE)] + [SelectChoice(h, h) for h in headers]

    class _Form(ColumnsForm):
        pass

    for item in IMPORT_FIELDS:
        field = SelectField(item.label, widget=GovSelect(), choices=options, validators=[Optional()])
        setattr(_Form, f"column_{item.name}", field)
    form = _Form()
    if not form.is_submitted():
        for item in IMPORT_FIELDS:
            form[f"column_{item.name}"].data = mapping.header_for(item.name) or ""
        form.dissolved.data = dissolved.value
    return form


class MatchesForm(Form):
    """'Same organisation' or 'different organisation' for each possible match on the page ('match_<issue id>')."""

    submit = SubmitField("Save these decisions", widget=GovSubmitInput())

    def decision_fields(self) -> list[Field]:
        return [f for f in self if f.name.startswith("match_")]

    def decisions(self) -> dict[int, str]:
        """Issue id -> 'same' or 'separate', for the matches the officer decided."""
        return {int(f.name.removeprefix("match_")): f.data for f in self.decision_fields() if f.data}


def matches_form(issues: Sequence[ImportIssue], *, posted: bool = False) -> MatchesForm:
    """Radios for ``issues``: bound to this request's answers when ``posted``, else showing the decisions made."""

    class _Form(MatchesForm):
        pass

    for issue in issues:
        field = RadioField(
            f"Is row {issue.row_number} the same organisation?",
            choices=[
                SelectChoice(SAME, "Same organisation: update it"),
                SelectChoice(SEPARATE, "Different organisation: add it as new"),
            ],
            validators=[Optional()],
        )
        setattr(_Form, f"match_{issue.id}", field)
    form = _Form() if posted else _Form(formdata=None)
    if not posted:
        for issue in issues:
            form[f"match_{issue.id}"].data = issue.decision
    return form


class CommitForm(Form):
    publish = RadioField(
        "What should happen to organisations new to the register?",
        choices=[
            SelectChoice(VERIFIED, "Publish new organisations as verified"),
            SelectChoice(QUEUE, "Add them to the queue for checks"),
        ],
        default=QUEUE,
        validators=[InputRequired(PUBLISH_NEEDED)],
    )
    submit = SubmitField("Import", widget=GovSubmitInput())


class UndoForm(Form):
    submit = SubmitField("Undo this import", widget=GovSubmitInput())


class RetryForm(Form):
    submit = SubmitField("Try again", widget=GovSubmitInput())
