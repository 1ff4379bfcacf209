"""The commissioner's search service with a database: the distance filter counts public premises only."""

from __future__ import annotations

from datetime import date

from shapely.geometry import box
from sqlalchemy.orm import Session

from app.domain.bands import Estimate, VatTreatment
from app.domain.policy import ContractType
from app.domain.providers import FactKind, SiteKind
from app.geo.boundaries import BoundaryIndex
from app.models import ProviderFact, Site
from app.services.locality import local_area_for
from app.services.search import Criteria, search
from tests import factories

TODAY = date(2026, 12, 3)
# Knowsley drawn as a square, about 11 km a side; the points below are measured from its edge.
KNOWSLEY_BOX = box(-2.90, 53.40, -2.75, 53.50)
BOUNDARIES = BoundaryIndex({"E08000011": KNOWSLEY_BOX}, {})


def _place(site: Site, latitude: float, longitude: float) -> None:
    site.latitude, site.longitude = latitude, longitude


def test_within_counts_only_public_premises_never_a_hidden_home_address(
    session: Session, knowsley: factories.CouncilSetup
) -> None:
    """Far (about 35 km off) trading publicly; near (3 km off) only by a hidden home address."""
    near_public = factories.provider(session, "Near Public Co-operative", district_code="E08000012")
    _place(near_public.sites[0], 53.40, -2.95)  # about 3 km west of the edge
    home_only = factories.provider(session, "Home Based Helpers CIC", district_code="E08000012", address_public=False)
    _place(home_only.sites[0], 53.40, -2.95)  # the same distance, but the address is hidden
    far = Site(kind=SiteKind.TRADING_SITE, postcode="BB1 1AA", district_code="E06000008", address_public=True)
    _place(far, 53.75, -2.48)
    home_only.sites.append(far)
    session.commit()

    area = local_area_for(session, knowsley.council, None)
    criteria = Criteria(
        Estimate(ContractType.GOODS_AND_SERVICES, TODAY, VatTreatment.EXCLUDED, total_pence=30_000_000),
        within_km=10,
    )
    result = search(session, knowsley.council, area, criteria, TODAY, boundaries=BOUNDARIES)
    names = [row.provider.name for row in result.rows]
    assert names == ["Near Public Co-operative"]
    assert result.rows[0].distance_km is not None and 2 < result.rows[0].distance_km < 4

    wider = Criteria(criteria.estimate, within_km=60)
    found = search(session, knowsley.council, area, wider, TODAY, boundaries=BOUNDARIES)
    by_name = {row.provider.name: row for row in found.rows}
    assert set(by_name) == {"Near Public Co-operative", "Home Based Helpers CIC"}
    # Its distance is its public premises' distance, never the hidden home's.
    home_distance = by_name["Home Based Helpers CIC"].distance_km
    assert home_distance is not None and home_distance > 20


def test_a_stored_size_that_is_not_a_plain_number_is_read_as_not_known(
    session: Session, knowsley: factories.CouncilSetup
) -> None:
    """str.isdigit() says yes to a superscript two, which int() cannot read: the search must not fail on it."""
    provider = factories.provider(session, "Odd Figures CIC")
    provider.facts += [
        ProviderFact(kind=FactKind.STAFF_COUNT, value="\u00b2"),
        ProviderFact(kind=FactKind.TURNOVER, value="\u00b3"),
    ]
    session.commit()

    area = local_area_for(session, knowsley.council, None)
    criteria = Criteria(Estimate(ContractType.GOODS_AND_SERVICES, TODAY, VatTreatment.EXCLUDED, total_pence=400_000))
    result = search(session, knowsley.council, area, criteria, TODAY, boundaries=BOUNDARIES)
    assert [row.provider.name for row in result.rows] == ["Odd Figures CIC"]
