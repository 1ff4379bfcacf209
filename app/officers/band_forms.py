"""Forms for a council's spend bands: one band's rules, the date a change applies from, and retiring a band."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, Field, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from app.domain.bands import MIN_QUOTES, QUOTES_OUT_OF_RANGE, BandValues, band_date_problem, band_value_problems
from app.domain.policy import LocalityRule, MoneyError, Reservation, VatBasis, format_pence, parse_pounds
from app.domain.text import is_plain_number, plain_int
from app.models import SpendBand
from app.models.base import utcnow
from app.web.date_input import DateInputField
from app.web.forms import Form

AMOUNT, THRESHOLD, NO_LIMIT = "amount", "threshold", "none"
YES, NO = "yes", "no"

LOWER_KIND_NEEDED = "Select where the band starts"
UPPER_KIND_NEEDED = "Select where the band ends"
LOWER_NEEDED = "Enter the lower limit in pounds, like £5,000"
UPPER_NEEDED = "Enter the upper limit in pounds, like £25,000"
UPPER_NOT_POSITIVE = "The upper limit must be more than £0"
VAT_NEEDED = "Select whether the limits include VAT"
QUOTES_NEEDED = "Enter the minimum number of quotes, like 3"
QUOTES_NOT_WHOLE = "The minimum number of quotes must be a whole number, like 3"
ADVERTISED_NEEDED = "Select yes if contracts in this band are advertised"
LOCALITY_NEEDED = "Select the locality rule"
RESERVATION_NEEDED = "Select whether the band is reserved to a type of organisation"

# Questions whose messages only make sense once the answers they depend on are valid.
DEPENDS_ON: Mapping[str, Sequence[str]] = {
    "upper_amount": ("lower_kind", "lower_amount", "upper_kind"),
    "upper_kind": ("lower_kind",),
    "rationale": ("locality_rule", "reservation"),
}


def _pounds(pence: int) -> str:
    """Pence as the officer would type them into a box that already shows '£'."""
    return format_pence(pence).removeprefix("£")


def _money(field: StringField, needed: str, what: str) -> int:
    text = (field.data or "").strip()
    if not text:
        raise ValidationError(needed)
    try:
        return parse_pounds(text)
    except MoneyError as exc:
        message = str(exc)
        if "£0 or more" in message:
            raise ValidationError(f"The {what} must be £0 or more") from exc
        if "less than" in message:
            raise ValidationError(f"The {what} must be {message.removeprefix('Enter an amount ')}") from exc
        raise ValidationError(needed) from exc


def _band_date(label: str, what: str, description: str) -> DateInputField:
    """A required date in the GOV.UK date input, refused when the band rules say it is too early or too late."""
    return DateInputField(
        label,
        what=what,
        description=description,
        required=True,
        check=lambda day: band_date_problem(day, what, utcnow().date()),
    )


class BandForm(Form):
    """One band's rules, the same questions for a new band and a change."""

    locality_hints: Mapping[str, str] = {r.value: r.hint for r in LocalityRule}

    label = StringField(
        "Name of the band",
        widget=GovTextInput(),
        description="The name your contract procedure rules use, like Low value or Intermediate value",
    )
    code = StringField("Short code", widget=GovTextInput(), description="Like A, B or C")
    lower_kind = RadioField(
        "Where does the band start?",
        choices=[SelectChoice(AMOUNT, "At an amount in pounds"), SelectChoice(THRESHOLD, "At the statutory threshold")],
        validators=[InputRequired(LOWER_KIND_NEEDED)],
    )
    lower_amount = StringField(
        "Lower limit in pounds",
        widget=GovTextInput(),
        description="The band covers values of this amount and more. Enter 0 for the lowest band.",
    )
    upper_kind = RadioField(
        "Where does the band end?",
        choices=[
            SelectChoice(AMOUNT, "At an amount in pounds"),
            SelectChoice(THRESHOLD, "Just below the statutory threshold"),
            SelectChoice(NO_LIMIT, "It has no upper limit"),
        ],
        validators=[InputRequired(UPPER_KIND_NEEDED)],
    )
    # The officer types the highest value in the band, as contract procedure rules say it ("up to £181,000");
    # the rules keep an exclusive upper bound, a penny above it (see values() and fill_from()).
    upper_amount = StringField(
        "Upper limit in pounds",
        widget=GovTextInput(),
        description="The highest value in the band, like £4,999.99 for a band under £5,000, or £181,000 for a band "
        "up to £181,000. The next band starts just above it.",
    )
    # Only asked when a limit is an amount: limits at the threshold follow the threshold's own VAT basis.
    vat_basis = RadioField(
        "Do the limits include VAT?",
        choices=[SelectChoice(b.value, b.label) for b in VatBasis],
        validate_choice=False,
    )
    min_quotes = StringField("Minimum number of quotes", widget=GovTextInput(), description="From 1 to 10")
    route = TextAreaField(
        "How are contracts in this band awarded?",
        widget=GovTextArea(),
        description="Like 3 written quotes, or a regulated procedure under the Procurement Act 2023",
    )
    advertised = RadioField(
        "Are contracts in this band advertised?",
        choices=[SelectChoice(YES, "Yes"), SelectChoice(NO, "No")],
        validators=[InputRequired(ADVERTISED_NEEDED)],
    )
    locality_rule = RadioField(
        "What is the locality rule?",
        choices=[SelectChoice(r.value, r.label) for r in LocalityRule],
        validators=[InputRequired(LOCALITY_NEEDED)],
    )
    reservation = RadioField(
        "Is the band reserved to a type of organisation?",
        choices=[SelectChoice(r.value, r.label) for r in Reservation],
        validators=[InputRequired(RESERVATION_NEEDED)],
    )
    rationale = TextAreaField(
        "Why is the band reserved? (optional unless it is reserved)",
        widget=GovTextArea(),
        description="A band that is local only or reserved needs a recorded reason, stated in the notice.",
    )
    adjust_adjoining = BooleanField(
        "Move the bands next to this one so the bands still meet",
        widget=GovCheckboxInput(),
        description="Without this, a change that leaves a gap or an overlap between bands is refused.",
        default=True,
    )

    def validate_lower_amount(self, field: StringField) -> None:
        if self.lower_kind.data == AMOUNT:
            _money(field, LOWER_NEEDED, "lower limit")

    def validate_upper_amount(self, field: StringField) -> None:
        if self.upper_kind.data == AMOUNT and _money(field, UPPER_NEEDED, "upper limit") <= 0:
            raise ValidationError(UPPER_NOT_POSITIVE)

    def limit_is_an_amount(self) -> bool:
        """Whether the VAT question is relevant: a limit at the threshold, or none, has no VAT basis to give."""
        return bool(AMOUNT in (self.lower_kind.data, self.upper_kind.data))

    def validate_vat_basis(self, field: RadioField) -> None:
        if self.limit_is_an_amount() and field.data not in {basis.value for basis in VatBasis}:
            raise ValidationError(VAT_NEEDED)

    def page_order(self) -> list[Field]:
        """The questions in the order the page shows them: the date first, then the band's own questions."""
        first = [self["effective_from"]] if "effective_from" in self else []
        rest = [f for f in self if f.name not in ("effective_from", "csrf_token", "submit")]
        return [*first, *rest]

    def validate_min_quotes(self, field: StringField) -> None:
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(QUOTES_NEEDED)
        if not is_plain_number(text):
            raise ValidationError(QUOTES_NOT_WHOLE)
        if plain_int(text) is None:  # too many digits for any number of quotes
            raise ValidationError(QUOTES_OUT_OF_RANGE)

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Each answer on its own, then the rules for the band as a whole, all shown at once."""
        valid = super().validate(extra_validators)
        for where, message in band_value_problems(self.values()):
            field = self[where]
            if field.errors or any(self[other].errors for other in DEPENDS_ON.get(where, ())):
                continue
            field.errors = [*field.errors, message]
            valid = False
        return valid

    def values(self) -> BandValues:
        """The answers as the rules and the service take them; answers that are missing or wrong become harmless
        defaults."""

        def pence(field: StringField) -> int | None:
            try:
                return parse_pounds(field.data or "")
            except MoneyError:
                return None

        quotes = plain_int((self.min_quotes.data or "").strip())
        upper = pence(self.upper_amount) if self.upper_kind.data == AMOUNT else None
        if self.limit_is_an_amount():
            vat = VatBasis(self.vat_basis.data) if self.vat_basis.data in set(VatBasis) else VatBasis.EXCLUDED
        else:
            vat = VatBasis.INCLUDED  # the statutory threshold's basis since 2022; no amount depends on it
        return BandValues(
            label=self.label.data or "",
            code=self.code.data or "",
            lower_pence=(pence(self.lower_amount) or 0) if self.lower_kind.data == AMOUNT else 0,
            upper_pence=None if upper is None else upper + 1,
            vat_basis=vat,
            min_quotes=MIN_QUOTES if quotes is None else quotes,
            route=self.route.data or "",
            advertised=self.advertised.data == YES,
            locality_rule=LocalityRule(self.locality_rule.data)
            if self.locality_rule.data in set(LocalityRule)
            else LocalityRule.OPEN,
            reservation=Reservation(self.reservation.data)
            if self.reservation.data in set(Reservation)
            else Reservation.NONE,
            rationale=self.rationale.data,
            lower_is_threshold=self.lower_kind.data == THRESHOLD,
            upper_is_threshold=self.upper_kind.data == THRESHOLD,
        )

    def fill_from(self, row: SpendBand) -> None:
        """Start a change from the band as it is."""
        self.label.data, self.code.data = row.label, row.code
        self.lower_kind.data = THRESHOLD if row.lower_is_statutory_threshold else AMOUNT
        self.lower_amount.data = "" if row.lower_is_statutory_threshold else _pounds(row.lower_pence)
        if row.upper_is_statutory_threshold:
            self.upper_kind.data, self.upper_amount.data = THRESHOLD, ""
        elif row.upper_pence is None:
            self.upper_kind.data, self.upper_amount.data = NO_LIMIT, ""
        else:
            # What the officer means: the highest value in the band, not the exclusive bound a penny above it.
            self.upper_kind.data, self.upper_amount.data = AMOUNT, _pounds(row.upper_pence - 1)
        self.vat_basis.data = row.vat_basis.value
        self.min_quotes.data = str(row.min_quotes)
        self.route.data = row.route
        self.advertised.data = YES if row.advertised else NO
        self.locality_rule.data = row.locality_rule.value
        self.reservation.data = row.reservation.value
        self.rationale.data = row.rationale or ""

    def attach(self, field_name: str | None, message: str, fallback: str) -> None:
        """Show a service's refusal beside its question (or ``fallback`` when it names none)."""
        field = self[field_name if field_name and field_name in self else fallback]
        field.errors = [*field.errors, message]


class AddBandForm(BandForm):
    effective_from = _band_date(
        "From what date does the band apply?",
        "The date the band applies from",
        "For example, 1 4 2027",
    )
    submit = SubmitField("Add the band", widget=GovSubmitInput())


class ChangeBandForm(BandForm):
    effective_from = _band_date(
        "From what date does the change apply?",
        "The date the change applies from",
        "The band as it is stays on record up to the day before. For example, 1 4 2027",
    )
    submit = SubmitField("Change the band", widget=GovSubmitInput())


class RetireBandForm(Form):
    effective_to = _band_date(
        "From what date does the band stop applying?",
        "The date the band stops applying",
        "The band applies up to the day before and stays on record. For example, 1 4 2027",
    )
    adjust_adjoining = BooleanField(
        "Extend the band below this one to cover its values",
        widget=GovCheckboxInput(),
        description="If it is the lowest band, the band above it is extended instead. Without this, "
        "retiring a band that leaves a gap is refused.",
        default=True,
    )
    submit = SubmitField("Retire the band", widget=GovSubmitInput())
