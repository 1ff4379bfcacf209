"""What every page shares: sessions, the blueprint guard, the council, navigation, layout, errors, headers, request
checks, rate limits, absolute URLs, CSV downloads, request logs and the health check. Each is a module here."""

from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    """Register what every request and page shares, in the order it must run."""
    from app.web import errors, headers, input_guard, layout, rate_limits, sessions, urls

    sessions.init_app(app)
    input_guard.init_app(app)  # control characters in a query string, form or file name never reach the database
    rate_limits.init_app(app)  # every 429, page or API, says when to try again (Retry-After)
    layout.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    urls.init_app(app)  # hosts outside TRUSTED_HOSTS get a 400 before anything else runs
