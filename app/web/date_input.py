"""The GOV.UK date input as a WTForms field: day, month and year boxes, and the design system's messages.

Boxes are named '<name>-day', '<name>-month' and '<name>-year' (so a GET form gives a shareable URL), and the
error summary links to the first box with the problem, as the design system asks. Draw it with the
``date_input`` macro in templates/_macros/date_input.html.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

from app.domain.text import is_plain_number

PARTS = ("day", "month", "year")
#: The most digits a day or a month box may hold (the year must have exactly 4).
PART_DIGITS = 2


class DateInputField(Field):
    """A date in three boxes. ``what`` names it in messages ("Start date"); ``check`` may refuse a real
    date with a message (too early, too late). Optional unless ``required``: three empty boxes give None."""

    PARTS = PARTS

    def __init__(
        self,
        label: str,
        *,
        what: str,
        required: bool = False,
        check: Callable[[date], str | None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, **kwargs)
        self.what = what
        self.required = required
        self.check = check
        self.parts: dict[str, str] = dict.fromkeys(PARTS, "")
        self.bad_parts: tuple[str, ...] = ()

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = self.data = data
        if isinstance(data, date):
            self.parts = {"day": str(data.day), "month": str(data.month), "year": str(data.year)}
        if formdata is not None and any(f"{self.name}-{part}" in formdata for part in PARTS):
            self.parts = {part: (formdata.get(f"{self.name}-{part}") or "").strip() for part in PARTS}
            self.raw_data = list(self.parts.values())
            self.data = None

    @property
    def given(self) -> bool:
        return any(self.parts.values())

    def pre_validate(self, form: Any) -> None:
        if not self.raw_data or not self.given:
            if self.required and self.data is None:
                self.bad_parts = PARTS
                raise ValidationError(f"Enter {self.what[0].lower()}{self.what[1:]}")
            return
        missing = [part for part in PARTS if not self.parts[part]]
        if missing:
            self.bad_parts = tuple(missing)
            raise ValidationError(f"{self.what} must include a {' and '.join(missing)}")
        not_numbers = tuple(p for p in PARTS if not _is_part_number(p, self.parts[p]))
        if not_numbers:
            self.bad_parts = not_numbers
            raise ValidationError(f"{self.what} must be a real date")
        day, month, year = (self.parts[part] for part in PARTS)
        if len(year) != 4:
            self.bad_parts = ("year",)
            raise ValidationError("Year must include 4 numbers")
        try:
            self.data = date(int(year), int(month), int(day))
        except (ValueError, OverflowError) as exc:
            self.bad_parts = tuple(p for p in ("day", "month") if _out_of_range(p, int(day), int(month))) or PARTS
            raise ValidationError(f"{self.what} must be a real date") from exc
        if self.check is not None and (problem := self.check(self.data)):
            self.bad_parts = PARTS
            self.data = None
            raise ValidationError(problem)

    @property
    def error_href(self) -> str:
        """Where the error summary links: the first box with the problem."""
        return f"#{self.id}-{(self.bad_parts or PARTS)[0]}"


def _is_part_number(part: str, text: str) -> bool:
    """Digits 0 to 9 only (int() cannot read '²', which str.isdigit() passes), and no more than a day or month
    can have; a year of the wrong length has its own message."""
    return is_plain_number(text) and (part == "year" or len(text) <= PART_DIGITS)


def _out_of_range(part: str, day: int, month: int) -> bool:
    if part == "month":
        return not 1 <= month <= 12
    return not 1 <= day <= 31


def date_query(name: str, value: date) -> dict[str, str]:
    """A date as the three query parameters a DateInputField named ``name`` reads."""
    return {f"{name}-day": str(value.day), f"{name}-month": str(value.month), f"{name}-year": str(value.year)}
