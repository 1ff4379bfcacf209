"""The commissioner's search: what is being bought, roughly what it costs, and how to narrow the list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.domain.bands import Estimate, VatTreatment
from app.domain.policy import ContractType, MoneyError, parse_pounds
from app.domain.providers import LegalForm
from app.web.date_input import DateInputField
from app.web.forms import Form


def _money(form: Form, field: StringField) -> None:
    if field.data and field.data.strip():
        try:
            field.pence = parse_pounds(field.data)  # type: ignore[attr-defined]
        except MoneyError as exc:
            raise ValidationError(str(exc)) from exc


def _years(form: Form, field: StringField) -> None:
    if field.data and field.data.strip():
        try:
            years = Decimal(field.data.strip())
        except InvalidOperation as exc:
            raise ValidationError("Enter the number of years as a number, like 2 or 1.5") from exc
        if not years.is_finite() or years <= 0 or years > 50:
            raise ValidationError("Enter the number of years as a number from 0.1 to 50, like 2 or 1.5")


class SearchForm(Form):
    """Read from the query string (a search is a GET: it changes nothing, and its URL can be shared)."""

    class Meta:
        csrf = False

    category = SelectField("What are you buying?", widget=GovSelect(), validators=[Optional()])
    q = StringField(
        "Keywords (optional)",
        widget=GovTextInput(),
        description="For example community navigation, or a provider's name",
        validators=[Optional(), Length(max=200, message="Keywords must be 200 characters or fewer")],
    )
    contract_type = RadioField(
        "What type of contract is it?",
        choices=[SelectChoice(t.value, t.label) for t in ContractType],
        default=ContractType.GOODS_AND_SERVICES.value,
        validators=[DataRequired("Select the type of contract")],
    )
    value = StringField(
        "Estimated value",
        widget=GovTextInput(),
        description="The total for the whole contract, or the value a year if you give the number of years",
        validators=[InputRequired("Enter the estimated value, like £4,500"), _money],
    )
    years = StringField(
        "Number of years (optional)",
        widget=GovTextInput(),
        description="Leave empty if the value is the total. Include any extensions.",
        validators=[Optional(), _years],
    )
    options = StringField(
        "Value of options and extensions not already included (optional)",
        widget=GovTextInput(),
        validators=[Optional(), _money],
    )
    vat = RadioField(
        "Does the value include VAT?",
        choices=[SelectChoice(v.value, v.label) for v in VatTreatment],
        default=VatTreatment.EXCLUDED.value,
        validators=[DataRequired("Select whether the value includes VAT")],
    )
    start_date = DateInputField(
        "When will the contract start? (optional)",
        what="Start date",
        description="For example, 1 4 2027. Leave it empty for today. The date decides which thresholds apply.",
    )
    legal_form = SelectMultipleField("Legal form", widget=GovCheckboxesInput(), validators=[Optional()])
    social_economy = BooleanField(
        "Social economy only",
        widget=GovCheckboxInput(),
        description="CICs, co-operatives, community benefit societies, charities and community groups",
    )
    sme = BooleanField("Small and medium-sized enterprises only", widget=GovCheckboxInput())
    include_unverified = BooleanField(
        "Include organisations the council has not checked yet", widget=GovCheckboxInput()
    )
    within_km = StringField(
        "Within this many kilometres of the council's area (optional)",
        widget=GovTextInput(),
        validators=[Optional()],
    )
    show_excluded = BooleanField("Also show providers this band excludes, with why", widget=GovCheckboxInput())
    submit = SubmitField("Search", widget=GovSubmitInput())

    def validate_within_km(self, field: StringField) -> None:
        if field.data and field.data.strip():
            try:
                km = float(field.data)
            except ValueError as exc:
                raise ValidationError("Enter a distance in kilometres, like 10") from exc
            if not 0 < km <= 500:
                raise ValidationError("Enter a distance from 1 to 500 kilometres")

    def estimate(self, today: date) -> Estimate:
        years = Decimal(self.years.data.strip()) if self.years.data and self.years.data.strip() else None
        pence = getattr(self.value, "pence", 0)
        start = self.start_date.data or today
        return Estimate(
            contract_type=ContractType(self.contract_type.data),
            start_date=start,
            vat=VatTreatment(self.vat.data),
            total_pence=None if years else pence,
            annual_pence=pence if years else None,
            years=years,
            options_pence=getattr(self.options, "pence", 0),
        )


def legal_form_choices() -> list[SelectChoice]:
    return [SelectChoice(f.value, f.label) for f in LegalForm if f != LegalForm.UNKNOWN]
