"""Absolute URLs (links in emails and the API) and the trusted-host check behind them.

One rule for where a link points:

- in production, always ``SERVER_BASE_URL``: the address people use, never whatever ``Host`` a request sent;
- in development and tests, during a request, the request's own scheme and host (so a server started on port 8000
  sends links to port 8000), and ``SERVER_BASE_URL`` outside a request (a command, a job).

Either way the host is one the service trusts: Flask checks every request's ``Host`` against ``TRUSTED_HOSTS``
(see ``app.config.trusted_hosts``), and ``init_app`` answers any other with a 400 before anything else runs:
JSON under /api/, a short page elsewhere.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, jsonify, request
from werkzeug.exceptions import SecurityError
from werkzeug.wrappers import Response

API_PREFIX = "/api/"

_UNTRUSTED_HOST = "This service does not answer to that address"


def base_url() -> str:
    """Where links start: scheme, host and any path prefix, with no trailing slash."""
    if has_request_context() and current_app.config["APP_ENV"] != "production":
        return request.url_root.rstrip("/")
    return str(current_app.config["SERVER_BASE_URL"]).rstrip("/")


def absolute_url(endpoint: str, **values: Any) -> str:
    """The full URL of ``endpoint`` (like ``url_for(..., _external=True)``), starting at ``base_url()``.

    Built from the URL map bound to the base, so it works inside a request and outside one (no SERVER_NAME
    needed) and never reads the request's Host header in production.
    """
    base = urlsplit(base_url())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def is_api_path(path: str) -> bool:
    return path == API_PREFIX.rstrip("/") or path.startswith(API_PREFIX)


def _refuse_untrusted_host() -> Response | None:
    """A Host outside TRUSTED_HOSTS: 400 at once, before anything builds a URL, reads a session or renders a page.

    Flask records the refusal as the routing exception and raises it only at dispatch, after every before-request
    function; the service's own error pages would then fail trying to build links for that host.
    """
    if not isinstance(request.routing_exception, SecurityError):
        return None
    current_app.logger.warning("refused a request for an untrusted host")
    response: Response
    if is_api_path(request.path):
        response = jsonify({"error": {"code": "http_error", "parameter": None, "message": _UNTRUSTED_HOST}})
    else:
        response = Response(
            "<!DOCTYPE html><html lang=en><title>Bad request</title>"
            f"<h1>Bad request</h1><p>{_UNTRUSTED_HOST}.</p></html>",
            mimetype="text/html",
        )
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Refuse untrusted hosts first of all the app's before-request functions."""
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)
