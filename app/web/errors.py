"""Error pages: every failure the user can meet gets a page in the service's own words, never a stack trace."""

from __future__ import annotations

import errno
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db


def render_error(template: str, status: int, **context: Any) -> tuple[str, int]:
    """An error page with its status."""
    return render_template(template, **context), status


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error("errors/csrf.html", 400)

    @app.errorhandler(400)
    def _bad_request(error: HTTPException) -> tuple[str, int]:
        return render_error("errors/400.html", 400)

    @app.errorhandler(403)
    def _forbidden(error: HTTPException) -> tuple[str, int]:
        return render_error("errors/403.html", 403)

    @app.errorhandler(404)
    def _not_found(error: HTTPException) -> tuple[str, int]:
        return render_error("errors/404.html", 404)

    @app.errorhandler(405)
    def _method_not_allowed(error: HTTPException) -> tuple[str, int]:
        return render_error("errors/404.html", 405)

    @app.errorhandler(413)
    def _too_large(error: HTTPException) -> tuple[str, int]:
        # Raised by Werkzeug for a request over MAX_CONTENT_LENGTH; the import's own limit is the one to state.
        limits = [app.config.get("IMPORT_MAX_BYTES"), app.config.get("MAX_CONTENT_LENGTH")]
        limit = min(int(size) for size in limits if size)
        return render_error(
            "errors/413.html",
            413,
            limit=f"{limit / (1024 * 1024):g} MB",
            retry_url=request.path if request.method == "POST" and request.endpoint else None,
        )

    @app.errorhandler(429)
    def _too_many(error: HTTPException) -> tuple[str, int]:
        from app.web.rate_limits import retry_after_seconds

        minutes = max(1, -(-retry_after_seconds() // 60))
        return render_error("errors/429.html", 429, minutes=minutes, signing_in=request.endpoint == "auth.sign_in")

    @app.errorhandler(OSError)
    def _no_space(error: OSError) -> tuple[str, int]:
        """The server's disk is full (an upload being spooled, most likely): a page that says so, not a bare 500.

        Other operating-system errors are server errors like any other.
        """
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise error
        app.logger.error("out of disk space serving %s %s", request.method, request.path, exc_info=error)
        db.session.rollback()
        return render_error("errors/no_space.html", 503, retry_url=request.path if request.method == "POST" else None)

    @app.errorhandler(500)
    def _server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        try:
            return render_error("errors/500.html", 500)
        except Exception:  # the layout itself failed (e.g. the database is down): still no stack trace
            app.logger.exception("Could not render the error page")
            return (
                "<!DOCTYPE html><html lang=en><title>Sorry, there is a problem with the service</title>"
                "<h1>Sorry, there is a problem with the service</h1><p>Try again later.</p></html>",
                500,
            )
