"""Placing a site on the map from its postcode, using only the postcode directory.

A site is placed when its postcode is in the directory with a point; otherwise it is left
unplaced with a note that says exactly why. Nothing is guessed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.postcodes import try_normalise_postcode
from app.domain.providers import Placement
from app.models import Postcode, Site

PLACED_BY_POSTCODE_DIRECTORY = "postcode_directory"


def place_site_by_postcode(session: Session, site: Site, now: datetime) -> None:
    """Set ``site``'s point, district and ward from the postcode directory, or say why not.

    A valid postcode is stored in its normalised form ("l369gd" becomes "L36 9GD").
    Does not flush or commit.
    """
    raw = (site.postcode or "").strip()
    if not raw:
        _leave_unplaced(site, "There is no postcode for this address")
        return
    postcode = try_normalise_postcode(raw)
    if postcode is None:
        _leave_unplaced(site, f"'{raw}' is not a full UK postcode")
        return
    site.postcode = postcode
    entry = session.get(Postcode, postcode)
    if entry is None:
        _leave_unplaced(site, f"Postcode {postcode} is not in the postcode directory")
        return
    if entry.latitude is None or entry.longitude is None:
        _leave_unplaced(
            site,
            f"Postcode {postcode} has no location in the postcode directory "
            "(Channel Islands, Isle of Man or non-geographic)",
        )
        return
    site.latitude = entry.latitude
    site.longitude = entry.longitude
    site.district_code = entry.district_code
    site.ward_code = entry.ward_code
    site.placement = Placement.POSTCODE
    site.placed_by = PLACED_BY_POSTCODE_DIRECTORY
    site.placed_at = now
    # A terminated postcode still has its old point; place it, but ask an officer to check.
    site.placement_note = (
        f"Postcode {postcode} is no longer in use; check the address is current" if entry.terminated else None
    )


def _leave_unplaced(site: Site, note: str) -> None:
    site.latitude = None
    site.longitude = None
    site.district_code = None
    site.ward_code = None
    site.placement = Placement.NOT_PLACED
    site.placed_by = None
    site.placed_at = None
    site.placement_note = note
