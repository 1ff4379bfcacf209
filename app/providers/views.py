"""Views for people who run an organisation on the register."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.extensions import db
from app.providers import bp
from app.services import directory
from app.services.locality import provider_locality
from app.web import home_local_area


@bp.route("/")
def index() -> str:
    """The organisation's status and what to do next."""
    provider = current_user.provider
    names = (
        directory.district_names(db.session, {c for s in provider.sites for c in (s.district_code, s.ward_code) if c})
        if provider
        else {}
    )
    area = home_local_area()
    locality = provider_locality(db.session, provider, area, public=False) if provider and area else None
    return render_template("providers/index.html", provider=provider, area_names=names, locality=locality, area=area)
