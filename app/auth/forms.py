"""Forms for signing in and resetting passwords."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from app.web.forms import Form

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


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
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="Must be 10 characters or more. A few unrelated words make a strong password you can remember.",
        validators=[InputRequired("Enter a new password")],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Confirm your new password"),
            EqualTo("password", "The passwords do not match"),
        ],
    )
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
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        description="Must be 10 characters or more. A few unrelated words make a strong password you can remember.",
        validators=[InputRequired("Enter a password")],
    )
    confirm = PasswordField(
        "Confirm your password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your password"), EqualTo("password", "The passwords do not match")],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class AcceptInvitationForm(Form):
    submit = SubmitField("Accept the invitation", widget=GovSubmitInput())
