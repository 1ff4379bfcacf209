"""Running it for real: request ids, structured (JSON) logs and proxy headers (the health check is app/web/health.py).

* Every request gets an id: the proxy's ``X-Request-ID`` when it is a safe token, otherwise a new one. It is
  returned in the ``X-Request-ID`` response header and carried by every log line written while serving it, so a
  council's IT team can follow one request from the proxy's log through the app's.
* ``LOG_FORMAT=json`` (the production default) writes one JSON object a line: time, level, logger, message,
  request id, and for the access line the method, path, status, duration and user id. ``text`` is for people.
* ``TRUSTED_PROXIES=N``: trust N proxies' ``X-Forwarded-For`` and ``X-Forwarded-Proto`` (rate limits then count
  the real client, and secure cookies and redirects use https).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
access_log = logging.getLogger("app.access")


def request_id() -> str | None:
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line, with the request id and any ``extra={...}`` fields of the access log."""

    FIELDS = ("method", "path", "status", "duration_ms", "user_id", "remote_addr")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in self.FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(app: Flask) -> None:
    """Log to stderr in the configured format; leaves logging alone under tests (pytest captures it)."""
    if app.config["APP_ENV"] == "test":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if app.config.get("LOG_FORMAT", "text") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the access log below replaces its lines


def init_app(app: Flask) -> None:
    """Log format, proxy headers, and a request id plus an access-log line for every request."""
    configure_logging(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        started = getattr(g, "request_started", None)
        if request.endpoint != "health.healthz":
            user = current_user if has_request_context() else None
            # The route's pattern, not the path: reset, invitation and confirmation links carry tokens that must
            # not reach the logs ("/reset-password/<token>").
            path = request.url_rule.rule if request.url_rule is not None else request.path
            access_log.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                    "user_id": getattr(user, "id", None) if user is not None and user.is_authenticated else None,
                    "remote_addr": request.remote_addr,
                },
            )
        return response
