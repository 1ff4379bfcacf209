"""Question pages for registering an organisation. Messages follow the GOV.UK pattern: say what to do."""

from __future__ import annotations

import re

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, EmailField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from app.domain.policy import MoneyError, parse_pounds
from app.domain.postcodes import PostcodeError, parse_postcode
from app.domain.providers import NAME_MAX_LENGTH, LegalForm, SiteKind
from app.domain.registration import CHARITY_REGULATORS
from app.domain.text import EMAIL_FORMAT, is_plain_number
from app.domain.wording import in_sentence
from app.web.forms import Form

YES_NO_NOT_KNOWN = [SelectChoice("yes", "Yes"), SelectChoice("no", "No"), SelectChoice("not known", "Not known")]


def _length(maximum: int, what: str) -> Length:
    return Length(max=maximum, message=f"{what} must be {maximum:,} characters or fewer")


class PostcodeField(StringField):
    """A UK postcode, normalised ('l369gd' becomes 'L36 9GD'), with the domain's GOV.UK messages."""

    def pre_validate(self, form: Form) -> None:
        try:
            self.data = str(parse_postcode(self.data))
        except PostcodeError as exc:
            raise ValidationError(str(exc)) from exc


class OrganisationNameForm(Form):
    name = StringField(
        "What is your organisation's name?",
        widget=GovTextInput(),
        description="The name it is registered under, if it is registered",
        validators=[InputRequired("Enter your organisation's name"), _length(NAME_MAX_LENGTH, "Organisation name")],
    )
    trading_name = StringField(
        "Trading name (optional)",
        widget=GovTextInput(),
        description="If you work under a different name",
        validators=[Optional(), _length(NAME_MAX_LENGTH, "Trading name")],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class LegalFormForm(Form):
    legal_form = RadioField(
        "What type of organisation is it?",
        choices=[SelectChoice(f.value, f.label) for f in LegalForm if f != LegalForm.UNKNOWN],
        validators=[InputRequired("Select the type of organisation")],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class RegistrationNumbersForm(Form):
    companies_house_number = StringField(
        "Companies House number",
        widget=GovTextInput(),
        description="8 characters, like 01234567 or SC123456",
        validators=[Optional(), _length(20, "Companies House number")],
    )
    mutuals_number = StringField(
        "FCA Mutuals Public Register number",
        widget=GovTextInput(),
        description="Like 525R or 31129",
        validators=[Optional(), _length(20, "FCA register number")],
    )
    charity_regulator = RadioField(
        "Which charity regulator is it registered with?",
        choices=[SelectChoice(scheme, name) for scheme, name in CHARITY_REGULATORS.items()],
        validators=[Optional()],
    )
    charity_number = StringField(
        "Charity number",
        widget=GovTextInput(),
        description="Like 1234567, SC012345 or NIC100001",
        validators=[Optional(), _length(20, "Charity number")],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class RegisterDetailsForm(Form):
    """Whether the public register's details for the numbers given are the organisation's."""

    confirmed = RadioField(
        "Are these your organisation's details?",
        choices=[SelectChoice("yes", "Yes, these are our details"), SelectChoice("no", "No, the number is wrong")],
        validators=[InputRequired("Select yes if these are your organisation's details")],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class PremisesPostcodeForm(Form):
    kind = RadioField(
        "What kind of premises is it?",
        choices=[SelectChoice(k.value, k.label) for k in SiteKind],
        validators=[InputRequired("Select what kind of premises it is")],
    )
    postcode = PostcodeField(
        "Postcode",
        widget=GovTextInput(),
        description="We use the postcode to find which council area and ward the premises are in",
        validators=[InputRequired("Enter a postcode")],
    )
    submit = SubmitField("Find the area", widget=GovSubmitInput())


class PremisesAddressForm(Form):
    address_line_1 = StringField(
        "Address line 1",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the first line of the address"), _length(200, "Address line 1")],
    )
    address_line_2 = StringField(
        "Address line 2 (optional)", widget=GovTextInput(), validators=[Optional(), _length(200, "Address line 2")]
    )
    town = StringField(
        "Town or city",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the town or city"), _length(100, "Town or city")],
    )
    hidden = BooleanField(
        "This is a home address: do not show it to the public",
        widget=GovCheckboxInput(),
        description="The council still uses it to see which area you are in, and shows only the council area",
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class AreasServedForm(Form):
    areas = SelectMultipleField(
        "Which areas do you work in?",
        widget=GovCheckboxesInput(),
        description="Select all that apply. These can be different from where your premises are.",
        validators=[InputRequired("Select at least one area you work in")],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class ServicesForm(Form):
    services = SelectMultipleField(
        "What services do you provide?",
        widget=GovCheckboxesInput(),
        description="Select all that apply",
        validators=[InputRequired("Select at least one service you provide")],
    )
    description = TextAreaField(
        "Describe what your organisation does",
        widget=GovCharacterCount(),
        description="Who you work with and what you offer, in plain words",
        validators=[InputRequired("Describe what your organisation does"), _length(2000, "The description")],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


def _percent(form: Form, field: StringField) -> None:
    if field.data and field.data.strip():
        text = field.data.strip().rstrip("%").strip()
        if not re.fullmatch(r"\d{1,3}(\.\d+)?", text) or float(text) > 100:
            what = in_sentence(field.label.text.removesuffix(" (optional)"))  # 'dividend cap', never '(optional)'
            raise ValidationError(f"Enter the {what} as a percentage from 0 to 100, like 35")
        field.data = text


class OwnershipForm(Form):
    asset_lock = RadioField("Does it have an asset lock?", choices=YES_NO_NOT_KNOWN, validators=[Optional()])
    dividend_cap = StringField(
        "Dividend cap (optional)",
        widget=GovTextInput(),
        description="The most of its profits it may pay out as dividends, as a percentage. CICs: 35",
        validators=[Optional(), _percent],
    )
    member_owned = RadioField("Is it owned by its members?", choices=YES_NO_NOT_KNOWN, validators=[Optional()])
    employee_owned = RadioField(
        "Is it employee-owned?",
        choices=YES_NO_NOT_KNOWN,
        description="More than half owned by its employees, or by an employee ownership trust",
        validators=[Optional()],
    )
    community_owned = RadioField("Is it community-owned?", choices=YES_NO_NOT_KNOWN, validators=[Optional()])
    ultimate_parent = StringField(
        "Ultimate parent company (optional)",
        widget=GovTextInput(),
        description="Leave this empty if no other company owns or controls it",
        validators=[Optional(), _length(300, "Ultimate parent company")],
    )
    parent_country = StringField(
        "Country of the ultimate parent (optional)",
        widget=GovTextInput(),
        validators=[Optional(), _length(100, "Country")],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


def _whole_number(form: Form, field: StringField) -> None:
    if field.data and field.data.strip():
        text = field.data.strip().replace(",", "")
        if not is_plain_number(text) or len(text) > 7:
            raise ValidationError("Enter the number of staff as a whole number, like 12")
        field.data = text


#: The example turnover the hint and the error messages both give.
TURNOVER_EXAMPLE = "£85,000"


def _money(form: Form, field: StringField) -> None:
    if field.data and field.data.strip():
        try:
            field.data = str(parse_pounds(field.data))
        except MoneyError as exc:
            message = (
                str(exc).replace("an amount", "the turnover", 1).replace("like £5,000", f"like {TURNOVER_EXAMPLE}")
            )
            raise ValidationError(message) from exc


class SizeForm(Form):
    staff_count = StringField(
        "How many people work for it? (optional)",
        widget=GovTextInput(),
        description="Paid staff, counting part-time staff as one each",
        validators=[Optional(), _whole_number],
    )
    turnover = StringField(
        "Annual turnover (optional)",
        widget=GovTextInput(),
        description=f"In pounds, from your latest accounts, like {TURNOVER_EXAMPLE}",
        validators=[Optional(), _money],
    )
    local_staff_share = StringField(
        "Share of staff who live locally (optional)",
        widget=GovTextInput(),
        description="As a percentage, like 80",
        validators=[Optional(), _percent],
    )
    real_living_wage = RadioField(
        "Is it accredited by the Living Wage Foundation?",
        choices=YES_NO_NOT_KNOWN,
        description="The Real Living Wage for 2025 to 2026 is £13.45 an hour, £14.80 in London",
        validators=[Optional()],
    )
    social_enterprise_mark = RadioField(
        "Does it hold the Social Enterprise Mark?", choices=YES_NO_NOT_KNOWN, validators=[Optional()]
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


def _website(form: Form, field: StringField) -> None:
    if field.data and field.data.strip():
        text = field.data.strip()
        if not re.match(r"^https?://", text, re.IGNORECASE):
            text = "https://" + text
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?(/[^\s<>\"']*)?", text, re.IGNORECASE):
            raise ValidationError("Enter a website address in the correct format, like https://www.example.org")
        field.data = text


def _phone(form: Form, field: StringField) -> None:
    if field.data and field.data.strip():
        digits = re.sub(r"[\s()\-]", "", field.data.strip())
        if not re.fullmatch(r"\+?\d{10,14}", digits):
            raise ValidationError("Enter a telephone number, like 0151 443 4031 or +44 151 443 4031")


class ContactForm(Form):
    contact_name = StringField(
        "Contact name (optional)", widget=GovTextInput(), validators=[Optional(), _length(200, "Contact name")]
    )
    contact_email = EmailField(
        "Email address for enquiries",
        widget=GovTextInput(),
        description="Council staff will use this to ask for quotes",
        validators=[
            InputRequired("Enter an email address for enquiries"),
            Email(EMAIL_FORMAT),
            _length(320, "Email address"),
        ],
    )
    contact_phone = StringField("Telephone (optional)", widget=GovTextInput(), validators=[Optional(), _phone])
    website = StringField(
        "Website (optional)",
        widget=GovTextInput(),
        description="Like https://www.example.org",
        validators=[Optional(), _length(500, "Website address"), _website],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class SubmitRegistrationForm(Form):
    submit = SubmitField("Send for checking", widget=GovSubmitInput())


class RemovePremisesForm(Form):
    confirm = RadioField(
        "Are you sure you want to remove these premises?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[InputRequired("Select yes if you want to remove these premises")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class InviteForm(Form):
    email = EmailField(
        "Colleague's email address",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter your colleague's email address"),
            Email(EMAIL_FORMAT),
            _length(320, "Email address"),
        ],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class JoinRequestForm(Form):
    message = TextAreaField(
        "How are you connected to this organisation?",
        widget=GovTextArea(),
        description="For example your role. The register team reads this before deciding.",
        validators=[InputRequired("Enter how you are connected to the organisation"), _length(1000, "Your message")],
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())
