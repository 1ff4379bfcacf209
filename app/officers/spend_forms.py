"""Forms for the officers' spend pages: uploading a council's published payments file, choosing a workbook's sheet,
confirming which column holds what, the one-button steps (import, undo, try again), and attributing suppliers
(confirm or reject a possible match, link to an organisation, give a postcode, leave out of the measure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import Field, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.domain.spend.classification import Exclusion, PlaceBasis
from app.domain.spend.columns import REQUIRED_FIELDS, SpendField
from app.domain.text import plain_int
from app.web.forms import Form

FILE_NEEDED = "Select a spending file"
PUBLISHER_TOO_LONG = "Who published the file must be 200 characters or fewer"
SHEET_NEEDED = "Select the sheet that holds the payments"
NOT_IN_FILE = "Not in this file"
BASIS_NEEDED = "Select whether the file's amounts include VAT"
POSTCODE_NEEDED = "Enter the supplier's postcode"
PLACE_BASIS_NEEDED = "Select what the postcode is"
EXCLUSION_NEEDED = "Select why it is not a supplier for this measure"
NOTE_TOO_LONG = "The note must be 2,000 characters or fewer"
ORGANISATION_NEEDED = "Select the organisation on the register"
SERVICE_NEEDED = "Select the service it bought"
#: The amount basis choices: what the file's amounts are ("not_said": the file does not say).
NET, GROSS, NOT_SAID = "net", "gross", "not_said"
#: The bases an officer can give with a postcode: what the postcode is an address of, in the words of the question.
OFFICER_BASES = {
    PlaceBasis.REGISTERED_OFFICE: ("Its registered office", "Where it is based, as Companies House has it"),
    PlaceBasis.BRANCHED: ("A branch", "A trading site of an organisation based elsewhere"),
    PlaceBasis.TRADING_SITE: ("Where it trades", "A trading site; it has no registered office elsewhere"),
    PlaceBasis.OFFICER: ("An address found for it", "Not sure which kind: the report counts it as given by an officer"),
}


class SpendUploadForm(Form):
    file = FileField(
        "Upload a spending file",
        widget=GovFileInput(),
        description="A CSV file, a zip file holding one CSV file, or an Excel workbook (XLSX), as the council "
        "publishes it",
        validators=[FileRequired(FILE_NEEDED)],
    )
    publisher = StringField(
        "Who published it? (optional)",
        widget=GovTextInput(),
        description="The council or body whose payments these are. The column choices you confirm are kept for "
        "the publisher, so its next file matches its columns by itself. Leave it blank for your own council.",
        validators=[Optional(), Length(max=200, message=PUBLISHER_TOO_LONG)],
    )
    submit = SubmitField("Upload and continue", widget=GovSubmitInput())


class SheetForm(Form):
    """Which sheet of a workbook holds the payments (the workbook is kept from the upload)."""

    sheet = RadioField("Which sheet holds the payments?", choices=[], validators=[InputRequired(SHEET_NEEDED)])
    submit = SubmitField("Continue", widget=GovSubmitInput())


def sheet_form(sheets: Sequence[str]) -> SheetForm:
    form = SheetForm()
    form.sheet.choices = [SelectChoice(name, name) for name in sheets]
    return form


def _column_label(index: int, heading: str, first: str) -> str:
    """A column as the officer sees it in the file: its heading and where it is (two columns can share a heading);
    for a file with no row of headings ('Column 3'), its first value instead, to choose it by."""
    heading = heading.strip()
    if heading and heading != f"Column {index + 1}":
        return f"{heading} (column {index + 1})"
    value = " ".join(first.split())
    value = value if len(value) <= 40 else value[:39] + "…"
    return f"Column {index + 1}: {value}" if value else f"Column {index + 1} (no heading)"


class SpendColumnsForm(Form):
    """One select per spend field ('column_<field>', valued by the column's position), made for a file's headings
    by :func:`spend_columns_form`; and whether the amounts include VAT."""

    amount_basis = RadioField(
        "Do the amounts include VAT?",
        choices=[
            SelectChoice(NET, "No: the amounts are net of VAT"),
            SelectChoice(GROSS, "Yes: the amounts are gross, with VAT"),
            SelectChoice(NOT_SAID, "The file does not say"),
        ],
        default=NOT_SAID,
        validators=[InputRequired(BASIS_NEEDED)],
    )
    submit = SubmitField("Import the payments", widget=GovSubmitInput())

    #: The field -> column-count of the file, set by spend_columns_form.
    column_count: int = 0

    def column_fields(self) -> list[Field]:
        return [self[f"column_{field.value}"] for field in SpendField]

    def chosen(self) -> dict[str, int]:
        """Field name -> the column's position, for every field given a column."""
        chosen: dict[str, int] = {}
        for field in SpendField:
            index = plain_int(self[f"column_{field.value}"].data or "")
            if index is not None:
                chosen[field.value] = index
        return chosen

    def basis(self) -> str | None:
        return self.amount_basis.data if self.amount_basis.data in (NET, GROSS) else None

    def validate(self, extra_validators: Mapping[str, Sequence[object]] | None = None) -> bool:
        """Each required field needs a column, and no column holds two fields: each said at its own question."""
        valid = super().validate(extra_validators)  # type: ignore[arg-type]
        taken: dict[int, SpendField] = {}
        for field in SpendField:
            select = self[f"column_{field.value}"]
            index = plain_int(select.data or "")
            if index is None:
                if field in REQUIRED_FIELDS and not select.errors:
                    select.errors = [*select.errors, f"Select the column that holds the {field.label.lower()}"]
                    valid = False
                continue
            if index in taken:
                other = taken[index]
                select.errors = [
                    *select.errors,
                    f"The {field.label.lower()} and the {other.label.lower()} cannot be the same column: choose "
                    f"another column for the {field.label.lower()}, or '{NOT_IN_FILE}'",
                ]
                valid = False
            else:
                taken[index] = field
        return valid

    def attach(self, message: str, field_name: str | None) -> None:
        """Show a refusal of the service at the question it names, else at the first column question."""
        target = None
        if field_name:
            key = field_name if field_name.startswith("column_") else f"column_{field_name}"
            target = self._fields.get(key) or self._fields.get(field_name)
        if target is None:
            target = self.column_fields()[0]
        target.errors = [*target.errors, message]


def spend_columns_form(
    headers: Sequence[str], mapping: Mapping[str, object], basis: str | None, first_row: Sequence[str] = ()
) -> SpendColumnsForm:
    """The column choices for a file's headings (and its first row's values, for a column with no heading), each
    preselected from ``mapping`` (field -> position) when not posted."""
    options = [SelectChoice("", NOT_IN_FILE)] + [
        SelectChoice(str(index), _column_label(index, heading, first_row[index] if index < len(first_row) else ""))
        for index, heading in enumerate(headers)
    ]

    class _Form(SpendColumnsForm):
        pass

    for item in SpendField:
        field = SelectField(
            item.label if item in REQUIRED_FIELDS else f"{item.label} (optional)",
            widget=GovSelect(),
            choices=options,
            description=item.hint,
            validators=[Optional()],
        )
        setattr(_Form, f"column_{item.value}", field)
    form = _Form()
    form.column_count = len(headers)
    if not form.is_submitted():
        for item in SpendField:
            index = plain_int(str(mapping.get(item.value, "")))
            form[f"column_{item.value}"].data = str(index) if index is not None and index < len(headers) else ""
        form.amount_basis.data = basis if basis in (NET, GROSS) else NOT_SAID
    return form


class ImportForm(Form):
    submit = SubmitField("Import the payments", widget=GovSubmitInput())


class RetryForm(Form):
    submit = SubmitField("Try again", widget=GovSubmitInput())


class DropForm(Form):
    submit = SubmitField("Drop this upload", widget=GovSubmitInput())


class UndoForm(Form):
    submit = SubmitField("Undo this file", widget=GovSubmitInput())


# Attributing suppliers --------------------------------------------------------------------------------------------


class ConfirmSuggestionForm(Form):
    submit = SubmitField("Confirm the match", widget=GovSubmitInput())


class RejectSuggestionForm(Form):
    submit = SubmitField("Not the same organisation", widget=GovSubmitInput())


class ReopenForm(Form):
    submit = SubmitField("Attribute it again", widget=GovSubmitInput())


class LinkForm(Form):
    """Link the supplier to the organisation on the register the officer picked from a search (its id)."""

    provider = HiddenField(validators=[InputRequired(ORGANISATION_NEEDED)])
    submit = SubmitField("Link to this organisation", widget=GovSubmitInput())

    def validate_provider(self, field: Field) -> None:
        if plain_int(field.data or "") is None:
            raise ValidationError(ORGANISATION_NEEDED)

    def provider_id(self) -> int:
        return plain_int(self.provider.data or "") or 0


class PlaceForm(Form):
    postcode = StringField(
        "Postcode",
        widget=GovTextInput(),
        # No council's own postcode as the example: the pages serve every council.
        description="A full postcode, for example SW1A 1AA",
        validators=[
            InputRequired(POSTCODE_NEEDED),
            Length(max=10, message="The postcode must be 10 characters or fewer"),
        ],
    )
    basis = RadioField(
        "What is at this postcode?",
        choices=[SelectChoice(b.value, words) for b, (words, _hint) in OFFICER_BASES.items()],
        validators=[InputRequired(PLACE_BASIS_NEEDED)],
    )
    submit = SubmitField("Save the postcode", widget=GovSubmitInput())

    basis_hints = {b.value: hint for b, (_words, hint) in OFFICER_BASES.items()}

    def place_basis(self) -> PlaceBasis:
        return PlaceBasis(self.basis.data)


class ExcludeForm(Form):
    exclusion = RadioField(
        "Why is it not a supplier for this measure?",
        choices=[SelectChoice(e.value, e.label) for e in Exclusion],
        validators=[InputRequired(EXCLUSION_NEEDED)],
    )
    note = TextAreaField(
        "Note (optional)",
        widget=GovTextArea(),
        description="Anything another officer should know, like which body it is",
        validators=[Optional(), Length(max=2000, message=NOTE_TOO_LONG)],
    )
    submit = SubmitField("Leave it out of the measure", widget=GovSubmitInput())

    exclusion_hints = {e.value: e.hint for e in Exclusion}

    def chosen(self) -> Exclusion:
        return Exclusion(self.exclusion.data)


# Categories -------------------------------------------------------------------------------------------------------


class MapCategoryForm(Form):
    """Match one spend category (its column and its words as the files give them) to a register service category."""

    dimension = HiddenField(validators=[InputRequired()])
    label = HiddenField(validators=[InputRequired()])
    service = SelectField(
        "Another service it bought", widget=GovSelect(), choices=[], validators=[InputRequired(SERVICE_NEEDED)]
    )
    submit = SubmitField("Match", widget=GovSubmitInput())

    def offer(self, services: Sequence[tuple[int, str]]) -> MapCategoryForm:
        self.service.choices = [SelectChoice("", "Choose a service")] + [
            SelectChoice(str(i), name) for i, name in services
        ]
        return self

    def service_id(self) -> int | None:
        return plain_int(self.service.data or "")


class UnmapCategoryForm(Form):
    """Undo a match (or, with the suggestion's service, confirm one: the same three values)."""

    dimension = HiddenField(validators=[InputRequired()])
    label = HiddenField(validators=[InputRequired()])
    service = HiddenField(validators=[InputRequired()])
    submit = SubmitField("Remove", widget=GovSubmitInput())

    def service_id(self) -> int | None:
        return plain_int(self.service.data or "")
