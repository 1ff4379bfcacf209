"""Views for the officers who run the register."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.extensions import db
from app.models.base import utcnow
from app.officers import bp
from app.services import overview
from app.services.policy import bands_in_force


@bp.route("/")
def index() -> str:
    """What needs attention: providers by status, recent changes, data loaded."""
    council = current_user.council
    return render_template(
        "officers/index.html",
        council=council,
        status_counts=overview.provider_status_counts(db.session),
        not_placed=overview.sites_not_placed(db.session),
        recent_events=overview.recent_audit_events(db.session, limit=10),
        batches=overview.recent_import_batches(db.session, limit=5),
        postcode_release=overview.current_postcode_release(db.session),
        bands=bands_in_force(db.session, council, utcnow().date()) if council else [],
    )
