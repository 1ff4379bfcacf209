"""Rate limits shared by several pages, and the Retry-After every 429 answer carries (pages and the API alike).

Email-sending pages (forgot password, create an account, send the link again) are limited twice: per email
address, so nobody can flood one person's inbox, and per client address, so nobody can send to many people. The
per-address count is kept under a hash of the address, like the sign-in lockout, so typed addresses are not stored.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from app.domain.passwords import email_key
from app.extensions import limiter

#: Used when the limit that was hit cannot be read (the storage went away mid-request): a minute.
DEFAULT_RETRY_SECONDS = 60


def email_rate_limit_per_address() -> str:
    return str(current_app.config["EMAIL_RATE_LIMIT_PER_ADDRESS"])


def email_rate_limit_per_client() -> str:
    return str(current_app.config["EMAIL_RATE_LIMIT_PER_CLIENT"])


def _submitted_email() -> str:
    """The counted address: the one typed into the form, or the signed-in user's (send the link again)."""
    from flask_login import current_user

    typed = request.form.get("email", "")
    if not typed and current_user.is_authenticated:
        typed = current_user.email
    return "email:" + email_key(typed)


def _sent(response: Response) -> bool:
    # Only requests that went on to send (a redirect after a valid form) count; a form with an error sends nothing.
    return response.status_code in (302, 303)


#: Decorators for a view that sends email: both limits, shared by every such page, counted on POST only.
per_address = limiter.shared_limit(
    email_rate_limit_per_address,
    scope="email-to-address",
    key_func=_submitted_email,
    methods=["POST"],
    deduct_when=_sent,
)
per_client = limiter.shared_limit(
    email_rate_limit_per_client,
    scope="email-from-client",
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_sent,
)


def retry_after_seconds() -> int:
    """Seconds until the limit this request hit lets another through."""
    current = limiter.current_limit
    if current is None or not current.breached:
        return DEFAULT_RETRY_SECONDS
    # Flask-Limiter gives the reset as the whole second after the window ends, which could say 61 seconds for a
    # limit per minute; nobody need wait longer than the window itself.
    return max(1, min(math.ceil(current.reset_at - time.time()), current.limit.get_expiry()))


def _add_retry_after(response: Response) -> Response:
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(retry_after_seconds())
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_retry_after)
