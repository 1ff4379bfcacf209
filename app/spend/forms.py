"""The questions of the spend report's pages, asked in the query string (a report is a GET: it changes nothing, and
its address can be shared): which period, and which payments behind a figure."""

from __future__ import annotations

from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional, ValidationError

from app.domain.spend.periods import Period, PeriodChoices, PeriodError, PeriodKind
from app.web.date_input import DateInputField, date_query
from app.web.forms import Form

#: Which question each kind of period is answered by.
VALUE_FIELDS = {
    PeriodKind.MONTH: "month",
    PeriodKind.QUARTER: "quarter",
    PeriodKind.YEAR: "year",
}
#: A refusal of Period's (its ``field``) goes on this question.
REFUSAL_FIELDS = {"from": "start", "to": "end"}


class PeriodForm(Form):
    """Which period a report covers: a month, a quarter, a financial year, or dates of your choosing."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    #: Which kind of period: each of the page's period forms says its own in a hidden input.
    period = HiddenField("Period", validators=[Optional()])
    month = SelectField("Month", widget=GovSelect(), validate_choice=False, validators=[Optional()])
    quarter = SelectField("Quarter", widget=GovSelect(), validate_choice=False, validators=[Optional()])
    year = SelectField("Financial year", widget=GovSelect(), validate_choice=False, validators=[Optional()])
    start = DateInputField("From", what="The start date", description="For example, 1 4 2025")
    end = DateInputField("To", what="The end date", description="For example, 31 3 2026")
    submit = SubmitField("Show the report", widget=GovSubmitInput())

    def __init__(self, *args: Any, choices: PeriodChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.chosen: Period | None = None
        self.month.choices = [SelectChoice(p.value, p.label) for p in choices.months]
        self.quarter.choices = [SelectChoice(p.value, p.label) for p in choices.quarters]
        self.year.choices = [SelectChoice(p.value, p.label) for p in choices.years]

    def page_order(self) -> list[Any]:
        """The questions in the order the page asks them (for the error summary)."""
        return [self.period, self.month, self.quarter, self.year, self.start, self.end]

    def _kind(self) -> PeriodKind | None:
        """The kind of period asked for: the ``period`` parameter, else the one whose question was answered (a
        hand-written link may give only ``month=2026-04``); None when the query asks for no period."""
        if self.period.data:
            try:
                return PeriodKind(self.period.data)
            except ValueError:
                return None
        for kind, name in VALUE_FIELDS.items():
            if (getattr(self, name).data or "").strip():
                return kind
        if self.start.given or self.end.given:
            return PeriodKind.RANGE
        return None

    @property
    def asked(self) -> bool:
        """Whether the query string asks for a period at all (else the report opens on the latest year)."""
        return bool(self.period.data) or self._kind() is not None

    def validate_period(self, field: HiddenField) -> None:
        if field.data and field.data not in {kind.value for kind in PeriodKind}:
            field.error_href = f"#{self.year.id}"  # the summary links to the first question
            raise ValidationError("Choose a month, a quarter, a financial year or dates of your choosing")

    def read(self) -> Period | None:
        """The period asked for, or the latest financial year with payments when none is; None with the form's
        errors when the period cannot be read (an impossible date, a month that does not exist)."""
        if not self.asked:
            default = self.choices.default()
            if default is not None:
                self.show(default)
            self.chosen = default
            return default
        if not self.validate():
            return None
        kind = self._kind()
        assert kind is not None  # validate_period refused any other
        try:
            if kind == PeriodKind.RANGE:
                self.chosen = self._range()
                if self.chosen is None:
                    return None
            else:
                value_field = getattr(self, VALUE_FIELDS[kind])
                if not (value_field.data or "").strip():
                    value_field.errors = [*value_field.errors, f"Choose the {value_field.label.text.lower()}"]
                    return None
                self.chosen = Period.parse(kind.value, value_field.data)
        except PeriodError as refusal:
            name = REFUSAL_FIELDS.get(refusal.field or "") or VALUE_FIELDS.get(kind, "year")
            field = getattr(self, name)
            field.errors = [*field.errors, str(refusal)]
            if isinstance(field, DateInputField):
                field.bad_parts = field.PARTS
            return None
        self.show(self.chosen)
        return self.chosen

    def _range(self) -> Period | None:
        missing = False
        for field, what in ((self.start, "the start date"), (self.end, "the end date")):
            if field.data is None and not field.errors:
                field.errors = [f"Enter {what}"]
                field.bad_parts = field.PARTS
                missing = True
        if missing:
            return None
        assert self.start.data is not None and self.end.data is not None
        if self.end.data < self.start.data:
            raise PeriodError("The end date must be the same as or after the start date", "to")
        return Period.between(self.start.data, self.end.data)

    def show(self, period: Period) -> None:
        """Mark ``period`` as the one chosen, adding it to its list when the list does not hold it (a period with
        no payments, reached by a link)."""
        self.period.data = period.kind.value
        if period.kind == PeriodKind.RANGE:
            self.start.parts = _parts(period.start)
            self.end.parts = _parts(period.end)
            return
        field = getattr(self, VALUE_FIELDS[period.kind])
        field.data = period.value
        if period.value not in {choice.value for choice in field.choices}:
            field.choices = [SelectChoice(period.value, period.label), *field.choices]


def _parts(day: date) -> dict[str, str]:
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def period_query(period: Period, prefix: str = "") -> dict[str, str]:
    """The query parameters that ask a PeriodForm (with ``prefix``) for ``period`` again: kept in every link."""
    name = f"{prefix}-" if prefix else ""
    if period.kind == PeriodKind.RANGE:
        return {
            f"{name}period": period.kind.value,
            **date_query(f"{name}start", period.start),
            **date_query(f"{name}end", period.end),
        }
    return {f"{name}period": period.kind.value, f"{name}{VALUE_FIELDS[period.kind]}": period.value}
