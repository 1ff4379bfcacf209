"""Forms for signing in and resetting passwords."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from app.domain.passwords import MIN_PASSWORD_LENGTH
from app.domain.text import EMAIL_FORMAT
from app.web.forms import Form

#: The hint under every box where someone chooses a password; the length is the password rules' own.
NEW_PASSWORD_HINT = (
    f"Must be {MIN_PASSWORD_LENGTH} characters or more. A few unrelated words make a strong password you can remember."
)


def _new_password(label: str, needed: str) -> PasswordField:
    """A box to choose a password in (its rules are checked by the accounts service, with the email address)."""
    return PasswordField(
        label, widget=GovPasswordInput(), description=NEW_PASSWORD_HINT, validators=[InputRequired(needed)]
    )


def _confirm_password(label: str, needed: str) -> PasswordField:
    """The same password again, which must match the ``password`` box."""
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        validators=[InputRequired(needed), EqualTo("password", "The passwords do not match")],
    )


class SignInForm(Form):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired("Enter your email address"), Email(EMAIL_FORMAT), Length(max=320)],
    )
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgotPasswordForm(Form):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        description="We will email you a link to reset your password",
        validators=[InputRequired("Enter your email address"), Email(EMAIL_FORMAT), Length(max=320)],
    )
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class ResetPasswordForm(Form):
    password = _new_password("New password", "Enter a new password")
    confirm = _confirm_password("Confirm new password", "Confirm your new password")
    submit = SubmitField("Reset password", widget=GovSubmitInput())


class CreateAccountForm(Form):
    full_name = StringField(
        "Your name", widget=GovTextInput(), validators=[InputRequired("Enter your name"), Length(max=200)]
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        description="We will send you a link to confirm it",
        validators=[InputRequired("Enter your email address"), Email(EMAIL_FORMAT), Length(max=320)],
    )
    password = _new_password("Create a password", "Enter a password")
    confirm = _confirm_password("Confirm your password", "Confirm your password")
    submit = SubmitField("Create account", widget=GovSubmitInput())


class AcceptInvitationForm(Form):
    submit = SubmitField("Accept the invitation", widget=GovSubmitInput())
