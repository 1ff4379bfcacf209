"""The one check at the door of every signed-in blueprint: who may enter its area (app/domain/roles.py)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.domain.roles import may_enter


def guard_blueprint(bp: Blueprint, area: str) -> None:
    """Every view in ``bp`` needs a signed-in user whose role may enter ``area``."""

    @bp.before_request
    def _require_role() -> Response | None:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        if not may_enter(current_user.role, area):
            abort(403)
        return None
