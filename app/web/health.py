"""``GET /healthz``: whether the database answers, the schema is at the migrations' head and a postcode directory
is loaded: 200 when all three hold, 503 otherwise, as JSON, for load balancers and monitoring."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import select, text

from app.config import PROJECT_ROOT
from app.extensions import csrf, db, limiter
from app.models import PostcodeRelease

bp = Blueprint("health", __name__)


def migration_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_heads())


def health() -> tuple[bool, dict[str, Any]]:
    """Each check's result; True overall only when all pass. Never raises."""
    checks: dict[str, Any] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:  # the point is to report it, not to fail
        db.session.rollback()
        checks["database"] = {"ok": False, "error": type(error).__name__}
        checks["migrations"] = {"ok": False, "error": "database unreachable"}
        checks["postcodes"] = {"ok": False, "error": "database unreachable"}
        return False, checks
    try:
        current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:
        db.session.rollback()
        current = set()
    heads = migration_heads()
    checks["migrations"] = {"ok": current == heads, "current": sorted(current), "head": sorted(heads)}
    try:
        release = db.session.scalar(select(PostcodeRelease).where(PostcodeRelease.active.is_(True)))
        count = release.row_count if release is not None else 0
        checks["postcodes"] = {
            "ok": bool(release is not None and count),
            "release": release.name if release is not None else None,
            "postcodes": int(count or 0),
        }
    except Exception as error:
        db.session.rollback()
        checks["postcodes"] = {"ok": False, "error": type(error).__name__}
    return all(check["ok"] for check in checks.values()), checks


@bp.route("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> tuple[Response, int]:
    """Open to all (load balancers, monitoring): says nothing beyond what is needed to act."""
    ok, checks = health()
    response = jsonify({"status": "ok" if ok else "unavailable", "checks": checks, "version": _version()})
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ok else 503


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("local-supplier-register")
    except PackageNotFoundError:
        return "unknown"
