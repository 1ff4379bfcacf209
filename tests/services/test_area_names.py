"""Names of areas: one lookup by code, and one for the districts and wards of providers, sites and placements."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.domain.providers import Placement
from app.geo.placement import PlacementResult
from app.services.locality import area_names, area_names_for
from tests import factories
from tests.factories import CouncilSetup

KNOWSLEY = "E08000011"
LIVERPOOL = "E08000012"
PAGE_MOSS = "E05015271"


def test_area_names_names_the_codes_it_knows(session: Session, knowsley: CouncilSetup) -> None:
    assert area_names(session, {KNOWSLEY, LIVERPOOL, PAGE_MOSS, "E08999999"}) == {
        KNOWSLEY: "Knowsley",
        LIVERPOOL: "Liverpool",
        PAGE_MOSS: "Page Moss",
    }
    assert area_names(session, [None, ""]) == {}
    assert area_names(session, set()) == {}


def test_area_names_for_names_the_districts_and_wards_of_providers_sites_and_placements(
    session: Session, knowsley: CouncilSetup
) -> None:
    in_page_moss = factories.provider(session, "Page Moss CIC", ward_code=PAGE_MOSS)
    in_liverpool = factories.provider(session, "City Ltd", district_code=LIVERPOOL)
    unplaced = factories.provider(session, "Unplaced CIC", district_code=None)

    assert area_names_for(session, [in_page_moss, in_liverpool, unplaced]) == {
        KNOWSLEY: "Knowsley",
        PAGE_MOSS: "Page Moss",
        LIVERPOOL: "Liverpool",
    }
    assert area_names_for(session, [in_liverpool.sites[0]]) == {LIVERPOOL: "Liverpool"}
    placed = PlacementResult(Placement.POSTCODE, "L36 9GD", district_code=KNOWSLEY, ward_code=PAGE_MOSS)
    assert area_names_for(session, [placed]) == {KNOWSLEY: "Knowsley", PAGE_MOSS: "Page Moss"}
    assert area_names_for(session, [unplaced, PlacementResult(Placement.NOT_PLACED, "GY1 1AA")]) == {}
