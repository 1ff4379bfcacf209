"""Conditional GETs for what anyone may see: the directory, a provider's public page, the service's own pages and the
API. Each answer carries an ETag made from the register's version, the app's build and the address asked for, and a
request that already holds that ETag is answered 304 before anything is looked up or rendered.

The register's version is the newest audit event of a kind that can change these pages (PRIVATE_ACTIONS cannot):
every change to what they show writes one in the same transaction (the project's rule; docs/deployment.md lists the
write paths checked). On PostgreSQL the newest id alone is not enough: ids come from a sequence when a row is
written, not when it commits, so a transaction that took id 100 can commit after another that took 101, and a reader
could have seen 101 without 100's change. The version therefore also counts the events among the last RECENT_EVENTS
ids, which changes when such a late one commits (services write their audit event last, just before the commit, so a
late commit is a few ids behind at most). SQLite has one writer at a time, so its ids come in commit order anyway.

Only a request with no session or remember-me cookie is answered this way: anything signed in, holding a CSRF token
or a flash message keeps today's ``no-store``. The ETag is weak (W/"..."): the body of two 200s differs by the CSP
nonce of its inline script, so they are equivalent, not byte-identical. A 304 carries no Content-Security-Policy
(app/web/headers.py): a cache updates the stored answer's headers from a 304's (RFC 9111 section 4.3.4), and a new
nonce would no longer match the script in the body it keeps.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app, g, request, session
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE_NAME
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.config import PROJECT_ROOT
from app.extensions import db
from app.models import AuditEvent
from app.models.base import utcnow

#: A page anyone may see: kept by a browser or a shared cache, and asked again (with its ETag) every time.
REVALIDATE = "no-cache"

#: The endpoints answered conditionally, with the Cache-Control their 200 and 304 both carry. The API's two are the
#: values its views set (app/api/views.py): a 304 must repeat what the 200 said (RFC 9110 section 15.4.5).
CACHE_CONTROL = {
    "public.index": REVALIDATE,
    "public.directory_index": REVALIDATE,
    "public.provider": REVALIDATE,
    "public.accessibility": REVALIDATE,
    "public.privacy": REVALIDATE,
    "public.cookies": REVALIDATE,
    "public.data_sources": REVALIDATE,
    "api.eligible_providers": "public, max-age=60",
    "api.openapi": "public, max-age=3600",
}

#: How far back a late commit's audit event is looked for (see the module's note).
RECENT_EVENTS = 1_000

#: Audit actions that change nothing the public pages or the API show (accounts and sign-ins, commissioners' records,
#: spending files, membership, audit exports): a sign-in must not make every cached page stale. Any other action,
#: including one added later, counts as a change.
PRIVATE_ACTIONS = ("user.", "record.", "audit_log.", "invitation.", "join_request.", "spend.", "spend_supplier.")

#: What the build is made of: every file that can change what a page says.
BUILD_FOLDERS = ("app", "templates", "migrations")
#: Settings the pages print.
BUILD_SETTINGS = (
    "APP_ENV",
    "COUNCIL_CODE",
    "COUNCIL_NAME",
    "FEEDBACK_EMAIL",
    "ACCESSIBILITY_EMAIL",
    "PRIVACY_EMAIL",
    "SERVER_BASE_URL",
    "PER_PAGE",
)


def _version_statement() -> Select[tuple[int | None, int]]:
    public = and_(*(~AuditEvent.action.startswith(prefix, autoescape=True) for prefix in PRIVATE_ACTIONS))
    newest = select(AuditEvent.id).where(public).order_by(AuditEvent.id.desc()).limit(1).scalar_subquery()
    top = select(func.max(AuditEvent.id)).scalar_subquery()
    recent = select(func.count()).where(AuditEvent.id > top - RECENT_EVENTS, public).scalar_subquery()
    return select(newest, recent)


#: Built once: making the statement cost more than running it, on every public request.
_VERSION = _version_statement()


def register_version(session: Session) -> tuple[int, int]:
    """The newest public audit event's id and how many public events are among the last RECENT_EVENTS ids, in one
    statement (so one snapshot), both read backwards along the primary key's index."""
    found, count = session.execute(_VERSION).one()
    return int(found or 0), int(count or 0)


def this_requests_register_version() -> tuple[int, int]:
    """:func:`register_version`, read once per request."""
    if "register_version" not in g:
        g.register_version = register_version(db.session)
    return g.register_version  # type: ignore[no-any-return]


T = TypeVar("T")
_kept_lock = threading.Lock()


def kept_for_register_version(name: str, compute: Callable[[], T], *, key: Hashable = None, most: int = 1) -> T:
    """What ``compute`` gives, worked out once in this process for each version of the register (and ``key``): for
    what many pages ask and only a public change can alter (the districts and services the directory lists, a
    council's local area, a search form rendered for its parameters). The ``most`` most recently used values are
    kept under ``name``. ``compute`` must return plain values, never ORM objects, which belong to one request's
    session.

    Sound for the reason the ETags are: every change to what a public page shows records a public audit event in the
    same transaction, which moves the version. Read once per request, before ``compute`` reads anything, the version
    is never newer than what ``compute`` sees, so a value is at worst worked out again once more than needed."""
    if not current_app.config["KEEP_FOR_REGISTER_VERSION"]:
        return compute()
    wanted = (this_requests_register_version(), key)
    every: dict[str, OrderedDict[Hashable, object]] = current_app.extensions.setdefault("kept_for_register", {})
    with _kept_lock:
        kept = every.setdefault(name, OrderedDict())
        if wanted in kept:
            kept.move_to_end(wanted)
            return kept[wanted]  # type: ignore[return-value]
    value = compute()
    with _kept_lock:
        kept[wanted] = value
        while len(kept) > most:
            kept.popitem(last=False)
    return value


def build_digest(root: Path, settings: dict[str, object]) -> str:
    """A digest of the code, templates, static files, migrations and the settings pages print: the same in every
    worker of one deployment, and different after any change to what a page could say."""
    digest = hashlib.sha256()
    for folder in BUILD_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in BUILD_SETTINGS:
        digest.update(f"{name}={settings.get(name)!r}\0".encode())
    return digest.hexdigest()


def _build() -> str:
    """The build's digest, worked out on first use (not at start-up) and kept for the process."""
    if "build_digest" not in current_app.extensions:
        current_app.extensions["build_digest"] = build_digest(PROJECT_ROOT, dict(current_app.config))
    return str(current_app.extensions["build_digest"])


def _cache_control() -> str | None:
    """This request's Cache-Control if it may be answered conditionally: a GET or HEAD of a public endpoint by
    someone with no session and no remember-me cookie."""
    if request.method not in ("GET", "HEAD") or request.routing_exception is not None:
        return None
    cache_control = CACHE_CONTROL.get(request.endpoint or "")
    if cache_control is None:
        return None
    if current_app.config["SESSION_COOKIE_NAME"] in request.cookies or REMEMBER_COOKIE_NAME in request.cookies:
        return None
    return cache_control


def _etag() -> str:
    top, recent = this_requests_register_version()
    # latin-1 reads any bytes: a query that is not UTF-8 is the view's to refuse, never a 500 here.
    query = request.query_string.decode("latin-1")
    address = f"{request.scheme}://{request.host}{request.script_root}{request.path}?{query}"
    # The API's bands depend on the day (thresholds and bands in force), so the day is part of the key.
    key = f"{_build()}|{top}|{recent}|{utcnow().date().isoformat()}|{address}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _not_modified() -> Response | None:
    """A 304 before the view runs, when the request already holds this page's ETag; otherwise note the ETag (worked
    out before the page reads anything, so the page is never older than its ETag says)."""
    cache_control = _cache_control()
    if cache_control is None:
        return None
    tag = _etag()
    g.cache_etag, g.cache_control = tag, cache_control
    if not request.if_none_match.contains_weak(tag):
        return None
    response = current_app.response_class(status=304)
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = cache_control
    response.vary.add("Cookie")
    return response


def _tag(response: Response) -> Response:
    """Give a public 200 its ETag and Cache-Control; anything that set a cookie or a flash keeps ``no-store``."""
    tag = g.pop("cache_etag", None)
    cache_control = g.pop("cache_control", None)
    if tag is None or response.status_code != 200 or session.modified or "Set-Cookie" in response.headers:
        return response
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = cache_control
    response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    """Answer conditional GETs of public pages before the view, and tag their answers after it."""
    app.before_request(_not_modified)
    app.after_request(_tag)
