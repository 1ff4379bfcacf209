"""Security headers on every answer, the nonce that lets the page's own inline script run, and conditional GETs of
public pages (app/web/caching.py)."""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from werkzeug.wrappers import Response

from app.web import caching


def csp_nonce() -> str:
    """This request's Content-Security-Policy nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    """Add the security headers (and no-store for pages) after every request; answer public pages' conditional
    GETs (app/web/caching.py, whose hook runs before this one, so its Cache-Control stands)."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # A 304 keeps the policy the cached page came with: a cache replaces a stored answer's headers with a 304's
        # (RFC 9111 section 4.3.4), and this request's nonce (or none) would not match the script in the kept body.
        if response.status_code != 304:
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

    caching.init_app(app)
