"""What every page shares: the signed-in user, navigation, error pages, headers and the blueprint guard."""

from __future__ import annotations

import errno
import secrets
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.domain import wording
from app.domain.locality import LocalArea
from app.domain.policy import LocalAreaDefinition, format_pence
from app.domain.providers import address_text
from app.domain.roles import Role, may_enter
from app.domain.sessions import SessionEnd, SessionPolicy
from app.extensions import db, login_manager
from app.geo.factory import boundary_index
from app.models import Council, User
from app.models.base import utcnow
from app.models.geography import Area
from app.services import accounts
from app.services.locality import local_area_for

#: Where the cookie keeps the server-side session's token.
SESSION_TOKEN_KEY = "sid"  # noqa: S105 - a key in the session, not a secret


def session_policy() -> SessionPolicy:
    config = current_app.config
    return SessionPolicy(
        idle=timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
        lifetime=timedelta(hours=int(config["SESSION_MAX_HOURS"])),
    )


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user, while their session is live on the server (see app/domain/sessions.py).

    The cookie carries 'id:version' and the session's token: a bumped version (password change, sign out
    everywhere) or a session ended on the server (signed out, idle, past its lifetime) signs the browser out.
    """
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
        version = int(raw_version)
    except ValueError:
        return None
    if user is None or user.session_version != version or not user.active:
        return None
    now = utcnow()
    policy = session_policy()
    check = accounts.check_session(db.session, flask_session.get(SESSION_TOKEN_KEY), user, policy, now)
    if check.live is None:
        flask_session.pop("_user_id", None)
        flask_session.pop(SESSION_TOKEN_KEY, None)
        if check.ended in (SessionEnd.IDLE, SessionEnd.EXPIRED):
            flash(check.ended.message, "info")  # shown on the next page, the sign-in page for a page that needs it
        return None
    if policy.needs_touch(check.live.last_seen_at, now):
        g.touch_session_id = check.live.id
    return user


def _touch_session(response: Response) -> Response:
    """Record that a live session was used, in a transaction of its own once the view is done (see load_user).

    Only for answers that succeeded: the view's own work is committed by then, so nothing of it is caught up here.
    """
    session_id = g.pop("touch_session_id", None)
    if session_id is None or response.status_code >= 400:
        return response
    try:
        with Session(db.engine) as own:
            accounts.touch_session(own, session_id)
            own.commit()
    except SQLAlchemyError:  # a missed touch only shortens the idle time by a minute: never fail the page
        current_app.logger.warning("could not record that session %s was used", session_id, exc_info=True)
    return response


def guard_blueprint(bp: Blueprint, area: str) -> None:
    """Every view in ``bp`` needs a signed-in user whose role may enter ``area``."""

    @bp.before_request
    def _require_role() -> Response | None:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        if not may_enter(current_user.role, area):
            abort(403)
        return None


def home_council() -> Council | None:
    """The council this deployment serves (COUNCIL_CODE), looked up once per request."""
    if "home_council" not in g:
        try:
            g.home_council = db.session.execute(
                select(Council)
                .join(Area, Council.district_id == Area.id)
                .where(Area.code == current_app.config["COUNCIL_CODE"])
            ).scalar_one_or_none()
        except SQLAlchemyError:
            # The layout must still render (an error page, say) when the database is unreachable.
            current_app.logger.exception("Could not look up the council")
            db.session.rollback()
            g.home_council = None
    return g.home_council  # type: ignore[no-any-return]


def home_local_area() -> LocalArea | None:
    """The home council's definition of local, built once per request."""
    if "home_local_area" not in g:
        council = home_council()
        g.home_local_area = None
        if council is not None:
            needs_boundaries = council.local_area_definition == LocalAreaDefinition.WITH_BORDERING
            g.home_local_area = local_area_for(
                db.session, council, boundary_index(db.session) if needs_boundaries else None
            )
    return g.home_local_area  # type: ignore[no-any-return]


#: Navigation items that stand for part of an area rather than all of it.
NAVIGATION_SECTIONS = {"officers.imports_list": "officers.import"}


def navigation_for(role: Role | None, endpoint: str | None) -> list[dict[str, Any]]:
    """Service navigation items for a role: each user group sees its own home first."""
    items: list[tuple[str, str]] = []
    if role == Role.PROVIDER:
        items.append(("providers.index", "Your organisation"))
    if role in (Role.COMMISSIONER, Role.OFFICER, Role.ADMIN):
        items.append(("commissioners.index", "Buying"))
    if role in (Role.OFFICER, Role.ADMIN):
        items.append(("officers.index", "Manage the register"))
        items.append(("officers.imports_list", "Imports"))
    items.append(("public.directory_index", "Find providers"))
    if role is None:
        items.append(("auth.sign_in", "Sign in"))
    current_area = (endpoint or "").split(".")[0]

    def pages_of(target: str) -> str:
        """The endpoints an item stands for: its area's, or (for imports) the import pages within it."""
        return NAVIGATION_SECTIONS.get(target, target.split(".")[0] + ".")

    # One item is active: the page's own, else the most specific one whose pages it is.
    matching = [
        target
        for target, _ in items
        if endpoint == target
        or (current_area not in ("public", "auth") and (endpoint or "").startswith(pages_of(target)))
    ]
    active = max(matching, key=lambda target: (endpoint == target, len(pages_of(target))), default=None)
    return [{"href": url_for(target), "text": text, "active": target == active} for target, text in items]


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce  # type: ignore[no-any-return]


def _render_error(template: str, status: int, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def init_web(app: Flask) -> None:
    """Register the context processors, filters, error handlers and headers shared by all pages."""
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.after_request(_touch_session)
    from app import input_guard

    input_guard.init_app(app)  # control characters in a query string, form or file name never reach the database
    from app import rate_limits

    rate_limits.init_app(app)  # every 429, page or API, says when to try again (Retry-After)

    @app.context_processor
    def _layout_context() -> dict[str, Any]:
        council = home_council()
        role = current_user.role if current_user.is_authenticated else None
        return {
            "council_name": council.name if council else app.config["COUNCIL_NAME"],
            "feedback_email": app.config["FEEDBACK_EMAIL"],
            "accessibility_email": app.config["ACCESSIBILITY_EMAIL"],
            "privacy_email": app.config["PRIVACY_EMAIL"],
            "nav_items": navigation_for(role, request.endpoint),
            "csp_nonce": csp_nonce,
        }

    # How values read on every page: one home for each rule, in app/domain/wording.py.
    app.add_template_filter(format_pence, "pounds")
    app.add_template_filter(wording.govuk_date, "govuk_date")
    app.add_template_filter(wording.govuk_datetime, "govuk_datetime")
    app.add_template_filter(lambda fact: wording.fact_text(fact.kind, fact.value), "fact_value")
    app.add_template_filter(wording.geocoder_name, "geocoder_name")
    app.add_template_filter(wording.identifier_label, "identifier_label")
    app.add_template_filter(wording.split_org_id, "split_org_id")
    app.add_template_filter(wording.yes_no, "yes_no")
    app.add_template_filter(lambda site: address_text(site.address, site.town, site.postcode), "address_text")
    app.add_template_filter(wording.sentence_case, "sentence_case")
    app.add_template_filter(wording.in_sentence, "in_sentence")

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        return _render_error("errors/csrf.html", 400)

    @app.errorhandler(400)
    def _bad_request(error: HTTPException) -> tuple[str, int]:
        return _render_error("errors/400.html", 400)

    @app.errorhandler(403)
    def _forbidden(error: HTTPException) -> tuple[str, int]:
        return _render_error("errors/403.html", 403)

    @app.errorhandler(404)
    def _not_found(error: HTTPException) -> tuple[str, int]:
        return _render_error("errors/404.html", 404)

    @app.errorhandler(405)
    def _method_not_allowed(error: HTTPException) -> tuple[str, int]:
        return _render_error("errors/404.html", 405)

    @app.errorhandler(413)
    def _too_large(error: HTTPException) -> tuple[str, int]:
        # Raised by Werkzeug for a request over MAX_CONTENT_LENGTH; the import's own limit is the one to state.
        limits = [app.config.get("IMPORT_MAX_BYTES"), app.config.get("MAX_CONTENT_LENGTH")]
        limit = min(int(size) for size in limits if size)
        return _render_error(
            "errors/413.html",
            413,
            limit=f"{limit / (1024 * 1024):g} MB",
            retry_url=request.path if request.method == "POST" and request.endpoint else None,
        )

    @app.errorhandler(429)
    def _too_many(error: HTTPException) -> tuple[str, int]:
        from app.rate_limits import retry_after_seconds

        minutes = max(1, -(-retry_after_seconds() // 60))
        return _render_error("errors/429.html", 429, minutes=minutes, signing_in=request.endpoint == "auth.sign_in")

    @app.errorhandler(OSError)
    def _no_space(error: OSError) -> tuple[str, int]:
        """The server's disk is full (an upload being spooled, most likely): a page that says so, not a bare 500.

        Other operating-system errors are server errors like any other.
        """
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise error
        app.logger.error("out of disk space serving %s %s", request.method, request.path, exc_info=error)
        db.session.rollback()
        return _render_error("errors/no_space.html", 503, retry_url=request.path if request.method == "POST" else None)

    @app.errorhandler(500)
    def _server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        try:
            return _render_error("errors/500.html", 500)
        except Exception:  # the layout itself failed (e.g. the database is down): still no stack trace
            app.logger.exception("Could not render the error page")
            return (
                "<!DOCTYPE html><html lang=en><title>Sorry, there is a problem with the service</title>"
                "<h1>Sorry, there is a problem with the service</h1><p>Try again later.</p></html>",
                500,
            )

    @app.after_request
    def _security_headers(response: Response) -> Response:
        nonce = g.get("csp_nonce")
        script_src = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:  # over https (directly, or behind TRUSTED_PROXIES): browsers keep to https
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
