"""Views for council staff who buy services."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.commissioners import bp
from app.domain.policy import ContractType
from app.extensions import db
from app.models.base import utcnow
from app.services import overview
from app.services.policy import bands_in_force


@bp.route("/")
def index() -> str:
    """The council's spend bands in force today and how many verified providers are local."""
    council = current_user.council
    today = utcnow().date()
    bands = bands_in_force(db.session, council, today) if council else []
    light_touch = bands_in_force(db.session, council, today, ContractType.LIGHT_TOUCH) if council else []
    counts = overview.local_provider_counts(db.session, council) if council else None
    return render_template(
        "commissioners/index.html",
        council=council,
        bands=bands,
        light_touch_threshold=light_touch[0].threshold if light_touch else None,
        counts=counts,
        today=today,
    )
