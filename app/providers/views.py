"""Views for people who run an organisation on the register."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.extensions import db
from app.providers import bp
from app.services import directory


@bp.route("/")
def index() -> str:
    """The organisation's status and what to do next."""
    provider = current_user.provider
    names = (
        directory.district_names(db.session, {c for s in provider.sites for c in (s.district_code, s.ward_code) if c})
        if provider
        else {}
    )
    return render_template("providers/index.html", provider=provider, area_names=names)
