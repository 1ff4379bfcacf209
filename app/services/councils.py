"""Finding a council: by the code of the district it serves (the one lookup every caller uses)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.models import Council
from app.models.geography import Area


def council_by_code(session: Session, district_code: str | None) -> Council | None:
    """The council serving the district with this ONS code (E08000011 for Knowsley), or None."""
    if not district_code:
        return None
    # Its district and wider area come with it: every page that names the council's area reads both.
    return session.scalar(
        select(Council)
        .join(Area, Council.district_id == Area.id)
        .where(Area.code == district_code)
        .options(joinedload(Council.district), joinedload(Council.wider_area))
    )
