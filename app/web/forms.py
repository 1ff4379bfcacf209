"""The base form every form in the app subclasses: one guard for what people type.

Every field is bound through `Form.Meta.bind_field`, which
- refuses control characters (NUL and the other C0/C1 codes; tab and line breaks are allowed in a textarea) in
  any value or uploaded file name, before anything else runs, with a message naming the field;
- strips spaces from the ends of every text field (not passwords), so "   " is blank;
- makes "required" mean "has something other than spaces", with an "Enter ..." message;
- gives length limits GOV.UK messages ("Name must be 200 characters or fewer") instead of the library's English.
Forms keep their own messages wherever they set one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, Field, FileField, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectFieldBase
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from app.domain.text import has_hidden_characters, hidden_characters_message, without_hidden_characters

#: The names of every field of every form: the request guard leaves control characters in these to the form,
#: which answers with a field message, and refuses them anywhere else (see app/input_guard.py).
FIELD_NAMES: set[str] = set()

_REQUIRED_DEFAULTS = {None, "", "This field is required."}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _is_text(field: Field) -> bool:
    return isinstance(field, StringField)


def _is_multiline(field: Field) -> bool:
    return isinstance(field, TextAreaField)


def field_name(field: Field) -> str:
    """A short name for the field to begin a message with, like 'Organisation name' or 'Your name'.

    Taken from a message the form already gives ("Organisation name must be 300 characters or fewer"), from the
    label when it is not a question, or from its "Enter ..." message.
    """
    for validator in field.validators:
        message = getattr(validator, "message", None)
        if isinstance(validator, Length) and isinstance(message, str) and " must " in message:
            return message.split(" must ", 1)[0]
    label = field.label.text.replace("(optional)", "").strip()
    if label and not label.endswith("?"):
        return label
    for validator in field.validators:
        message = getattr(validator, "message", None)
        if isinstance(validator, InputRequired | DataRequired) and isinstance(message, str):
            for verb in ("Enter ", "Describe "):
                if message.startswith(verb):
                    rest = message[len(verb) :]
                    return rest[:1].upper() + rest[1:]
    return "The answer"


def _lower_first(name: str) -> str:
    # "Your name" -> "your name", but keep acronyms and proper names such as "FCA register number".
    return name[:1].lower() + name[1:] if name[:2] != name[:2].upper() else name


class TextRequired(InputRequired):
    """Input required, and spaces alone do not count (the field is stripped before this runs)."""

    def __call__(self, form: Any, field: Field) -> None:
        data = field.data
        if not field.raw_data or (isinstance(data, str) and not data.strip()) or data is None:
            field.errors[:] = []
            raise StopValidation(self.message)


def _required_message(name: str, message: Any, verb: str = "Enter") -> Any:
    return f"{verb} {_lower_first(name)}" if message in _REQUIRED_DEFAULTS else message


def _length_message(name: str, validator: Length) -> str:
    low, high = validator.min, validator.max
    if low > 0 and high > 0:
        if low == high:
            return f"{name} must be {high:,} characters"
        return f"{name} must be between {low:,} and {high:,} characters"
    if high > 0:
        return f"{name} must be {high:,} characters or fewer"
    return f"{name} must be {low:,} characters or more"


def _govuk_validators(field: Field) -> list[Any]:
    """New validator objects (the form class's list is shared by every instance, so it is never changed)."""
    name = field_name(field)
    text = _is_text(field) and not isinstance(field, PasswordField)
    validators: list[Any] = []
    for validator in field.validators:
        if isinstance(validator, Length) and validator.message is None:
            validator = Length(validator.min, validator.max, _length_message(name, validator))
        elif text and type(validator) in (InputRequired, DataRequired):
            validator = TextRequired(_required_message(name, validator.message))
        elif type(validator) in (InputRequired, DataRequired) and validator.message in _REQUIRED_DEFAULTS:
            # A choice is selected, not entered (GOV.UK: "Select the type of organisation").
            verb = "Select" if isinstance(field, SelectFieldBase | BooleanField) else "Enter"
            validator = type(validator)(_required_message(name, validator.message, verb))
        validators.append(validator)
    return validators


def _submitted_texts(field: Field) -> Iterable[str]:
    for value in field.raw_data or ():
        if isinstance(value, str):
            yield value
        elif isinstance(value, FileStorage) and value.filename:
            yield value.filename


def _guard(field: Field, pre_validate: Callable[[Any], None]) -> Callable[[Any], None]:
    """Run the hidden-character check before the field's own pre_validate, and stop there if it fails."""

    def guarded(form: Any) -> None:
        multiline = _is_multiline(field)
        for text in _submitted_texts(field):
            if has_hidden_characters(text, multiline=multiline):
                name = "The file name" if isinstance(field, FileField) else field_name(field)
                message = hidden_characters_message(name, text, multiline=multiline)
                field.errors[:] = []  # only this message: what the library made of the value does not matter
                if _is_text(field) and not isinstance(field, PasswordField):
                    shown = without_hidden_characters(text, multiline=multiline).strip()
                    field.raw_data = [shown]
                    field.data = shown
                elif isinstance(field, PasswordField):
                    field.raw_data, field.data = [""], ""
                raise StopValidation(message)
        pre_validate(form)

    return guarded


class Form(FlaskForm):
    """The base of every form in the app (see the module docstring)."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: UnboundField, options: dict[str, Any]) -> Field:
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                filters = unbound_field.kwargs.get("filters", ())
                if _strip not in filters:
                    options = {**options, "filters": (_strip, *filters)}
            field = unbound_field.bind(form=form, **options)
            field.validators = _govuk_validators(field)
            field.pre_validate = _guard(field, field.pre_validate)  # type: ignore[method-assign]
            return field

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for attribute in dir(cls):
            if isinstance(getattr(cls, attribute, None), UnboundField):
                FIELD_NAMES.add(attribute)
