"""The council this deployment serves and its definition of local, looked up once per request."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.exc import SQLAlchemyError

from app.domain.locality import LocalArea
from app.domain.policy import LocalAreaDefinition
from app.extensions import db
from app.geo.factory import boundary_index
from app.models import Council
from app.services.councils import council_by_code
from app.services.locality import local_area_for


def home_council() -> Council | None:
    """The council this deployment serves (COUNCIL_CODE), looked up once per request."""
    if "home_council" not in g:
        try:
            g.home_council = council_by_code(db.session, current_app.config["COUNCIL_CODE"])
        except SQLAlchemyError:
            # The layout must still render (an error page, say) when the database is unreachable.
            current_app.logger.exception("Could not look up the council")
            db.session.rollback()
            g.home_council = None
    return g.home_council  # type: ignore[no-any-return]


def home_local_area() -> LocalArea | None:
    """The home council's definition of local, built once per request."""
    if "home_local_area" not in g:
        council = home_council()
        g.home_local_area = None
        if council is not None:
            needs_boundaries = council.local_area_definition == LocalAreaDefinition.WITH_BORDERING
            g.home_local_area = local_area_for(
                db.session, council, boundary_index(db.session) if needs_boundaries else None
            )
    return g.home_local_area  # type: ignore[no-any-return]
