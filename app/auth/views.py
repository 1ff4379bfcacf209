"""Views for signing in and out and for resetting a password."""

from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.forms import AcceptInvitationForm, CreateAccountForm, ForgotPasswordForm, ResetPasswordForm, SignInForm
from app.domain.roles import Role, home_endpoint
from app.extensions import db, limiter
from app.jobs.mail import deliver_outbox
from app.models.base import utcnow
from app.services import accounts, membership
from app.web.rate_limits import per_address, per_client
from app.web.sessions import SESSION_TOKEN_KEY, signed_in_user
from app.web.urls import absolute_url

WRONG_DETAILS = "Enter a correct email address and password"


def home_for(role: Role) -> str:
    """Where each kind of user lands after signing in (which page: app/domain/roles.py)."""
    return url_for(home_endpoint(role))


def _safe_next(target: str | None) -> str | None:
    """Only follow 'next' to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def reset_tokens() -> accounts.ResetTokens:
    return accounts.ResetTokens(current_app.config["SECRET_KEY"], current_app.config["PASSWORD_RESET_MAX_AGE"])


def _sign_in_limit() -> str:
    return str(current_app.config["SIGN_IN_RATE_LIMIT"])


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def sign_in() -> Response | tuple[str, int] | str:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user.role))
    form = SignInForm()
    if form.validate_on_submit():
        cookies = device_cookies()
        now = utcnow()
        result = accounts.attempt_sign_in(
            db.session,
            form.email.data or "",
            form.password.data or "",
            now,
            trusted=cookies.read(request.cookies.get(cookies.name)),
        )
        token = accounts.start_session(db.session, result.user, now) if result.user is not None else None
        db.session.commit()  # the sign-in and its session, or the failure counted towards the lockout
        if result.user is not None:
            session.clear()  # a fresh session at sign-in, so a planted session id is worthless
            login_user(result.user)
            session[SESSION_TOKEN_KEY] = token
            flash("You are signed in", "success")
            response = redirect(_safe_next(request.args.get("next")) or home_for(result.user.role))
            response.set_cookie(
                cookies.name,
                cookies.make(result.user),
                max_age=cookies.max_age_seconds,
                secure=current_app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
            return response
        if result.locked_until is not None:
            message = locked_message(result.locked_until)
            form.email.errors = [*form.email.errors, message]
        else:
            form.email.errors = [*form.email.errors, WRONG_DETAILS]
            form.password.errors = [*form.password.errors, WRONG_DETAILS]
    status = 400 if request.method == "POST" else 200
    return render_template("auth/sign_in.html", form=form), status


def device_cookies() -> accounts.DeviceCookies:
    return accounts.DeviceCookies(current_app.config["SECRET_KEY"])


def locked_message(until: datetime) -> str:
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    return (
        "There have been too many attempts to sign in with this email address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, or reset your password"
    )


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out() -> Response:
    """Sign out of this browser: the session ends on the server, so a copy of its cookie stops working too."""
    accounts.end_session(db.session, session.get(SESSION_TOKEN_KEY), signed_in_user(), utcnow())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("public.index"))


@bp.route("/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere() -> Response:
    """End every session of the signed-in user, on every device."""
    accounts.sign_out_everywhere(db.session, signed_in_user(), utcnow())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out on every device", "success")
    return redirect(url_for("public.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@per_address
@per_client
def forgot_password() -> Response | tuple[str, int] | str:
    """Ask for a password reset link by email."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(
            db.session,
            form.email.data or "",
            reset_tokens(),
            lambda token: absolute_url("auth.reset_password", token=token),
        )
        db.session.commit()
        deliver_outbox()
        return redirect(url_for("auth.check_your_email"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/forgot-password/check-your-email")
def check_your_email() -> str:
    """Confirm that a link is on its way, without saying whether the account exists."""
    return render_template("auth/check_your_email.html")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | tuple[str, int] | str:
    """Choose a new password from an emailed link."""
    try:
        reset_tokens().read(db.session, token)
    except accounts.AccountError as exc:
        return render_template("auth/reset_link_problem.html", message=str(exc)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(db.session, token, form.password.data or "", reset_tokens(), utcnow())
        except accounts.AccountError as exc:
            db.session.rollback()
            form.password.errors = [*form.password.errors, str(exc)]
        else:
            db.session.commit()
            flash("Your password has been reset. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset_password.html", form=form), status


def confirmation_tokens() -> accounts.ConfirmationTokens:
    return accounts.ConfirmationTokens(current_app.config["SECRET_KEY"])


def _absolute(endpoint: str, **values: str) -> str:
    return absolute_url(endpoint, **values)


@bp.route("/create-account", methods=["GET", "POST"])
@per_address
@per_client
def create_account() -> Response | tuple[str, int] | str:
    """Create a provider account; a confirmation link is emailed.

    The answer is the same whether or not the address already has an account (its owner is emailed instead), so
    nobody can use this page to find out who has one.
    """
    if current_user.is_authenticated:
        return redirect(home_for(current_user.role))
    form = CreateAccountForm()
    if form.validate_on_submit():
        after = _safe_next(request.args.get("next"))
        onward = {"next": after} if after else {}  # where the confirmation link leads, after signing in
        email = accounts.normalise_email(form.email.data or "")
        try:
            accounts.create_provider_account(
                db.session,
                email=email,
                password=form.password.data or "",
                full_name=form.full_name.data,
                tokens=confirmation_tokens(),
                link_for=lambda token: _absolute("auth.confirm_email", token=token, **onward),
                sign_in_link=_absolute("auth.sign_in"),
                reset_link=_absolute("auth.forgot_password"),
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            field = {"email": form.email, "password": form.password}.get(exc.field or "", form.email)
            field.errors = [*field.errors, str(exc)]
        else:
            db.session.commit()
            deliver_outbox()
            session["account_email"] = email
            return redirect(url_for("auth.account_check_your_email"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/create_account.html", form=form), status


@bp.route("/create-account/check-your-email")
def account_check_your_email() -> str:
    """Ask the new account holder to open the link we emailed (the same page whether or not the address was new)."""
    return render_template("auth/account_check_your_email.html", email=session.get("account_email"))


@bp.route("/confirm-email/<token>")
def confirm_email(token: str) -> Response | tuple[str, int]:
    """Confirm an email address from the emailed link."""
    try:
        user = accounts.confirm_email(db.session, token, confirmation_tokens(), utcnow())
    except accounts.AccountError as exc:
        return render_template("auth/link_problem.html", message=str(exc), again=url_for("providers.index")), 400
    db.session.commit()
    flash("Your email address is confirmed", "success")
    after = _safe_next(request.args.get("next")) or url_for("providers.index")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(after)
    return redirect(url_for("auth.sign_in", next=after))


@bp.route("/resend-confirmation", methods=["POST"])
@login_required
@per_address
@per_client
def resend_confirmation() -> Response:
    """Send the confirmation link again."""
    user = signed_in_user()
    if user.email_confirmed_at is None:
        accounts.send_confirmation(
            db.session, user, confirmation_tokens(), lambda token: _absolute("auth.confirm_email", token=token)
        )
        db.session.commit()
        deliver_outbox()
    flash(f"We have sent the link again to {user.email}", "success")
    return redirect(url_for("providers.index"))


@bp.route("/accept-invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Response | tuple[str, int] | str:
    """Join an organisation from a colleague's invitation; signed-out visitors sign in or create an account."""
    try:
        invitation = membership.find_invitation(db.session, token, utcnow())
    except membership.MembershipError as exc:
        return render_template("auth/link_problem.html", message=str(exc), again=url_for("public.index")), 400
    form = AcceptInvitationForm()
    if current_user.is_authenticated and form.validate_on_submit():
        try:
            provider = membership.accept_invitation(db.session, token, signed_in_user(), utcnow())
        except membership.MembershipError as exc:
            db.session.rollback()
            return render_template("auth/link_problem.html", message=str(exc), again=url_for("public.index")), 400
        if current_user.email_confirmed_at is None:
            # The invitation reached this address, which confirms it.
            current_user.email_confirmed_at = utcnow()
        db.session.commit()
        flash(f"You can now update {provider.name}'s entry", "success")
        return redirect(url_for("providers.index"))
    return render_template("auth/accept_invitation.html", invitation=invitation, form=form, token=token)
