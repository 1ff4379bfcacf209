"""The council this deployment serves and its definition of local, looked up once per request."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.domain.locality import LocalArea
from app.extensions import db
from app.models import Council, Provider
from app.services.councils import council_by_code
from app.services.locality import area_names_for, council_area, provider_locality
from app.web.caching import kept_for_register_version


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


def users_council() -> Council | None:
    """The council a page is for: a signed-in council officer's or commissioner's own, else the deployment's."""
    if current_user.is_authenticated and current_user.council is not None:
        return current_user.council  # type: ignore[no-any-return]
    return home_council()


def home_local_area() -> LocalArea | None:
    """The home council's definition of local: built once per request, and kept in the process until the register
    changes (a council's area, its bordering authorities and their names change only by audited writes)."""
    if "home_local_area" not in g:
        g.home_local_area = kept_for_register_version("home local area", _build_home_local_area)
    return g.home_local_area  # type: ignore[no-any-return]


def _build_home_local_area() -> LocalArea | None:
    council = home_council()
    return None if council is None else council_local_area(council)


def council_local_area(council: Council) -> LocalArea:
    """A council's definition of local (its districts and wider area, with their names), kept in the process until
    the register changes."""

    return kept_for_register_version(f"local area of council {council.id}", lambda: council_area(db.session, council))


def provider_place(provider: Provider, *, public: bool) -> dict[str, Any]:
    """What a page about one provider shows of where it is: ``area_names``, the home council's local ``area``, and
    the provider's ``locality`` there (None without a home council); ``public`` as the public may see its sites."""
    names = area_names_for(db.session, [provider])
    area = home_local_area()
    locality = provider_locality(db.session, provider, area, public=public, names=names) if area else None
    return {"area_names": names, "area": area, "locality": locality}
