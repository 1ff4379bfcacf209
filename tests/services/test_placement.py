"""Placing a site from the postcode directory: placed when the directory has a point, never guessed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from app.domain.providers import Placement
from app.models import Postcode, Site
from app.services.placement import place_site_by_postcode

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def directory(session: Session) -> None:
    """Three real directory entries, as they are in the NSPD-derived files in seed_data/."""
    session.add_all(
        [
            Postcode(
                postcode="L36 9GD",
                latitude=53.410696,
                longitude=-2.84173,
                district_code="E08000011",
                ward_code="E05010942",
            ),
            Postcode(
                postcode="L32 8RG",
                latitude=53.482019,
                longitude=-2.885575,
                district_code="E08000011",
                ward_code="E05010949",
                terminated=True,  # not a fact about L32 8RG: set here to exercise the note
            ),
            # Guernsey: in the directory, with a pseudo district code and no grid reference
            Postcode(postcode="GY1 1AA", latitude=None, longitude=None, district_code="L99999999"),
        ]
    )
    session.flush()


@pytest.mark.usefixtures("directory")
@pytest.mark.parametrize("typed", ["L36 9GD", "l369gd", " L36  9GD "])
def test_a_postcode_in_the_directory_places_the_site(session: Session, typed: str) -> None:
    site = Site(postcode=typed)
    place_site_by_postcode(session, site, NOW)
    assert site.placement == Placement.POSTCODE
    assert site.postcode == "L36 9GD"
    assert (site.latitude, site.longitude) == (53.410696, -2.84173)
    assert site.district_code == "E08000011"
    assert site.ward_code == "E05010942"
    assert site.placed_by == "postcode_directory"
    assert site.placed_at == NOW
    assert site.placement_note is None


@pytest.mark.usefixtures("directory")
@pytest.mark.parametrize(
    ("typed", "note"),
    [
        ("L99 9ZZ", "Postcode L99 9ZZ is not in the postcode directory"),
        ("l999zz", "Postcode L99 9ZZ is not in the postcode directory"),
        ("", "There is no postcode for this address"),
        ("   ", "There is no postcode for this address"),
        (None, "There is no postcode for this address"),
        ("XYZ", "'XYZ' is not a full UK postcode"),
        ("L36", "'L36' is not a full UK postcode"),
        (
            "GY1 1AA",
            "Postcode GY1 1AA has no location in the postcode directory "
            "(Channel Islands, Isle of Man or non-geographic)",
        ),
    ],
)
def test_a_site_that_cannot_be_placed_says_why(session: Session, typed: str | None, note: str) -> None:
    site = Site(postcode=typed)
    place_site_by_postcode(session, site, NOW)
    assert site.placement == Placement.NOT_PLACED
    assert site.placement_note == note
    assert (site.latitude, site.longitude, site.district_code, site.ward_code) == (None, None, None, None)
    assert site.placed_by is None
    assert site.placed_at is None


@pytest.mark.usefixtures("directory")
def test_a_new_postcode_that_cannot_be_placed_clears_the_old_point(session: Session) -> None:
    site = Site(postcode="L36 9GD")
    place_site_by_postcode(session, site, NOW)
    site.postcode = "L99 9ZZ"
    place_site_by_postcode(session, site, NOW)
    assert site.placement == Placement.NOT_PLACED
    assert (site.latitude, site.longitude, site.district_code, site.ward_code) == (None, None, None, None)


@pytest.mark.usefixtures("directory")
def test_a_terminated_postcode_is_placed_with_a_note_to_check(session: Session) -> None:
    site = Site(postcode="L32 8RG")
    place_site_by_postcode(session, site, NOW)
    assert site.placement == Placement.POSTCODE
    assert site.district_code == "E08000011"
    assert site.placement_note == "Postcode L32 8RG is no longer in use; check the address is current"
