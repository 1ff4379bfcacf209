"""The base form every form subclasses (issue 11, findings 8 and 20): trimming, blank answers, GOV.UK length
messages and the refusal of control characters, for every kind of field."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

import app.web.forms as forms_module
from app.web.forms import FIELD_NAMES, Form


class ExampleForm(Form):
    full_name = StringField("Your name", validators=[InputRequired(), Length(max=10)])
    org = StringField(
        "What is your organisation's name?",
        validators=[InputRequired("Enter your organisation's name"), Length(min=2, max=20)],
    )
    town = StringField("Town (optional)", validators=[Optional(), Length(max=5, message="Town is too long")])
    about = TextAreaField("About you", validators=[Optional(), Length(max=50)])
    password = PasswordField("Password", validators=[InputRequired("Enter a password")])
    size = RadioField("Size", choices=[SelectChoice("small", "Small")], validators=[Optional()])
    upload = FileField("Upload a file")


VALID = {"full_name": "Ana", "org": "Page Moss", "password": "  spaces kept  "}


@pytest.fixture
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context(method="POST"):
        yield


def _form(**data: object) -> ExampleForm:
    values = {**VALID, **data}
    return ExampleForm(MultiDict(values), meta={"csrf": False})


def test_a_valid_form_is_trimmed_except_the_password(request_context: None) -> None:
    form = _form(full_name="  Ana  ", town=" Hale ")
    assert form.validate(), form.errors
    assert form.full_name.data == "Ana" and form.town.data == "Hale"
    assert form.password.data == "  spaces kept  "


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"full_name": "   "}, {"full_name": ["Enter your name"]}),
        ({"full_name": "\u00a0\t"}, {"full_name": ["Your name must not contain hidden characters such as tabs"]}),
        ({"full_name": ""}, {"full_name": ["Enter your name"]}),
        ({"org": "  "}, {"org": ["Enter your organisation's name"]}),
        ({"full_name": "x" * 11}, {"full_name": ["Your name must be 10 characters or fewer"]}),
        ({"org": "x"}, {"org": ["Your organisation's name must be between 2 and 20 characters"]}),
        ({"town": "Prescot"}, {"town": ["Town is too long"]}),  # a form's own message is kept
        ({"town": "   "}, {}),  # optional and blank
        ({"about": "x" * 51}, {"about": ["About you must be 50 characters or fewer"]}),
        ({"about": "line one\r\nline two\ttabbed"}, {}),
        (
            {"about": "bell\x07"},
            {"about": ["About you must not contain hidden characters such as those copied from another program"]},
        ),
        (
            {"password": "pass\x00word"},
            {"password": ["Password must not contain hidden characters such as null characters"]},
        ),
        ({"size": "sm\x00all"}, {"size": ["Size must not contain hidden characters such as null characters"]}),
        (
            {"org": "Page\x00 Moss"},
            {"org": ["Your organisation's name must not contain hidden characters such as null characters"]},
        ),
    ],
)
def test_messages(request_context: None, data: dict[str, str], errors: dict[str, list[str]]) -> None:
    form = _form(**data)
    assert form.validate() is (not errors)
    assert form.errors == errors


def test_a_control_character_gives_only_its_own_message_and_is_not_shown_back(request_context: None) -> None:
    form = _form(full_name="A\x00" + "x" * 20)
    assert not form.validate()
    assert form.full_name.errors == ["Your name must not contain hidden characters such as null characters"]
    assert "\x00" not in form.full_name._value()
    assert form.password.data == "  spaces kept  "


def test_an_uploaded_file_name_with_a_control_character_is_refused(app: Flask) -> None:
    upload = FileStorage(io.BytesIO(b"name\n"), filename="list\x00.csv")
    with app.test_request_context(method="POST"):
        form = ExampleForm(MultiDict({**VALID, "upload": upload}), meta={"csrf": False})
        assert not form.validate()
        assert form.errors == {"upload": ["The file name must not contain hidden characters such as null characters"]}


def test_the_class_validators_are_not_changed_for_other_instances(request_context: None) -> None:
    first = _form(full_name="   ")
    first.validate()
    second = _form(full_name="Ana")
    assert second.validate()
    unbound = ExampleForm.full_name  # type: ignore[attr-defined]
    assert all(type(v) in (InputRequired, Length) for v in unbound.kwargs["validators"])


def test_every_form_in_the_app_is_built_on_the_base_form() -> None:
    from flask_wtf import FlaskForm

    import app.auth.forms
    import app.commissioners.forms
    import app.commissioners.record_forms
    import app.officers.audit_views
    import app.officers.band_forms
    import app.officers.forms
    import app.officers.import_forms
    import app.providers.forms

    modules = [
        app.auth.forms,
        app.commissioners.forms,
        app.commissioners.record_forms,
        app.officers.audit_views,
        app.officers.band_forms,
        app.officers.forms,
        app.officers.import_forms,
        app.providers.forms,
    ]
    classes = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, FlaskForm) and value.__module__ == module.__name__
    ]
    assert classes
    assert [c.__name__ for c in classes if not issubclass(c, Form)] == []
    assert {"full_name", "email", "name", "postcode", "q", "source_name"} <= FIELD_NAMES
    assert forms_module.Form is Form


def test_a_required_choice_left_unanswered_says_select(request_context: None) -> None:
    class ChoiceForm(Form):
        legal_form = RadioField(
            "Type of organisation", choices=[SelectChoice("cic", "CIC")], validators=[InputRequired()]
        )

    form = ChoiceForm(MultiDict({}), meta={"csrf": False})
    assert not form.validate()
    assert form.errors == {"legal_form": ["Select type of organisation"]}
