"""A council's local and wider areas, each provider's locality with its evidence, and re-placing every
site after the postcode directory changes. Reference data and the postcode sample are loaded as seeded.
"""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.locality import LocalArea, Locality
from app.domain.policy import AreaKind, LocalAreaDefinition
from app.domain.providers import LegalForm, Placement, ProviderSource, ProviderStatus, SiteKind
from app.geo.boundaries import BoundaryIndex
from app.geo.placement import SitePlacer, apply_placement
from app.geo.postcode_directory import PostcodeStore, active_release, load_release, purge_inactive_releases
from app.models import Area, AuditEvent, Council, Provider, Site
from app.services.audit import Actor
from app.services.locality import local_area_for, provider_locality, relocate_all
from app.services.seed import SeedReport
from tests.geo.conftest import (
    HALTON,
    KNOWSLEY,
    LCR,
    LIVERPOOL,
    SAMPLE,
    SEFTON,
    ST_HELENS,
    WARDS,
    WEST_LANCASHIRE,
    read_rows,
)

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
ACTOR = Actor.system("test relocate")
ROBY = "E05010942"
CITY_CENTRE_NORTH = "E05015288"


@pytest.fixture
def council(session: Session, reference: SeedReport) -> Council:
    found = session.scalar(select(Council).join(Council.district).where(Area.code == KNOWSLEY))
    assert found is not None
    return found


def _area(session: Session, code: str) -> Area:
    found = session.scalar(select(Area).where(Area.code == code))
    assert found is not None, code
    return found


def _provider(session: Session, name: str, *sites: tuple[SiteKind, str, bool]) -> Provider:
    """A verified provider whose sites (kind, postcode, address public) are placed as registration would."""
    provider = Provider(
        name=name, legal_form=LegalForm.CIC, status=ProviderStatus.VERIFIED, source=ProviderSource.SELF_REGISTERED
    )
    placer = SitePlacer(PostcodeStore(session))
    for kind, postcode, public in sites:
        site = Site(kind=kind, address="1 Test Street", postcode=postcode, address_public=public)
        apply_placement(site, placer.place(postcode, site.address), NOW)
        provider.sites.append(site)
    session.add(provider)
    session.flush()
    return provider


def _trading(session: Session, name: str, postcode: str, *, public: bool = True) -> Provider:
    return _provider(session, name, (SiteKind.TRADING_SITE, postcode, public))


# --- The local and wider areas ------------------------------------------------------------------


def test_own_area_is_knowsley_alone_with_the_city_region_as_the_wider_area(
    session: Session, council: Council, boundaries: BoundaryIndex
) -> None:
    assert council.local_area_definition == LocalAreaDefinition.OWN_AREA  # as seeded
    area = local_area_for(session, council, boundaries)
    assert area == LocalArea("Knowsley", frozenset({KNOWSLEY}), "Liverpool City Region", LCR)
    # the own area needs no boundaries
    assert local_area_for(session, council, None) == area


def test_with_bordering_adds_the_districts_that_border_knowsley(
    session: Session, council: Council, boundaries: BoundaryIndex
) -> None:
    council.local_area_definition = LocalAreaDefinition.WITH_BORDERING
    session.flush()
    area = local_area_for(session, council, boundaries)
    assert area.district_codes == {KNOWSLEY, LIVERPOOL, SEFTON, ST_HELENS, HALTON, WEST_LANCASHIRE}
    assert area.name == "Knowsley and the authorities that border it"
    assert (area.wider_name, area.wider_district_codes) == ("Liverpool City Region", LCR)
    with pytest.raises(ValueError, match="Bordering authorities need the district boundaries"):
        local_area_for(session, council, None)


def test_joint_area_adds_the_partner_districts(session: Session, council: Council) -> None:
    council.local_area_definition = LocalAreaDefinition.JOINT_AREA
    council.joint_areas = [_area(session, LIVERPOOL)]
    session.flush()
    area = local_area_for(session, council, None)
    assert area.district_codes == {KNOWSLEY, LIVERPOOL}
    assert area.name == "Knowsley and Liverpool"

    council.joint_areas = [_area(session, LIVERPOOL), _area(session, SEFTON)]
    session.commit()
    session.expire_all()
    area = local_area_for(session, council, None)
    assert area.district_codes == {KNOWSLEY, LIVERPOOL, SEFTON}
    assert area.name.startswith("Knowsley, ")
    assert sorted(area.name.removeprefix("Knowsley, ").split(" and ")) == ["Liverpool", "Sefton"]


def test_the_wider_area_may_be_a_region_or_a_single_district(session: Session, council: Council) -> None:
    north_west = _area(session, "E12000002")
    assert north_west.kind == AreaKind.REGION
    council.wider_area = north_west
    session.flush()
    area = local_area_for(session, council, None)
    assert area.wider_name == "North West"
    assert len(area.wider_district_codes) == 35  # every current district in the North West
    assert area.wider_district_codes >= LCR
    assert "E06000008" in area.wider_district_codes  # Blackburn with Darwen
    assert all(code.startswith(("E06", "E07", "E08")) for code in area.wider_district_codes)

    council.wider_area = _area(session, LIVERPOOL)
    session.flush()
    area = local_area_for(session, council, None)
    assert (area.wider_name, area.wider_district_codes) == ("Liverpool", frozenset({LIVERPOOL}))

    council.wider_area = None
    session.flush()
    assert local_area_for(session, council, None) == LocalArea("Knowsley", frozenset({KNOWSLEY}))


# --- A provider's locality -----------------------------------------------------------------------


def test_provider_locality_from_where_its_sites_are(session: Session, council: Council) -> None:
    area = local_area_for(session, council, None)
    knowsley = _trading(session, "Roby Community Kitchen CIC", "L36 9GD")
    liverpool = _trading(session, "City Centre Co-op", "L1 8JQ")
    cardiff = _trading(session, "Cardiff Bay Cleaning Ltd", "CF10 1EP")
    session.commit()

    result = provider_locality(session, knowsley, area, public=False)
    assert result.locality == Locality.LOCAL
    assert result.evidence == ("Trading site at L36 9GD: Knowsley, Roby ward",)
    assert knowsley.sites[0].ward_code == ROBY

    result = provider_locality(session, liverpool, area, public=False)
    assert result.locality == Locality.WIDER
    assert result.evidence == ("Trading site at L1 8JQ: Liverpool, City Centre North ward",)

    result = provider_locality(session, cardiff, area, public=False)
    assert result.locality == Locality.OUTSIDE
    assert result.evidence == ("Trading site at CF10 1EP: Cardiff",)


def test_a_registered_office_in_knowsley_makes_a_provider_local_and_leads_the_evidence(
    session: Session, council: Council
) -> None:
    provider = _provider(
        session,
        "Two Sites Ltd",
        (SiteKind.TRADING_SITE, "CF10 1EP", True),
        (SiteKind.TRADING_SITE, "L1 8JQ", True),
        (SiteKind.REGISTERED_OFFICE, "L36 9GD", True),
    )
    result = provider_locality(session, provider, local_area_for(session, council, None), public=False)
    assert result.locality == Locality.LOCAL
    assert result.evidence == (
        "Registered office at L36 9GD: Knowsley, Roby ward",
        "Trading site at L1 8JQ: Liverpool, City Centre North ward",
        "Trading site at CF10 1EP: Cardiff",
    )


def test_a_provider_that_could_not_be_placed_is_unknown_with_the_reason(session: Session, council: Council) -> None:
    provider = _trading(session, "Nowhere Ltd", "L99 9ZZ")
    assert provider.sites[0].placement == Placement.NOT_PLACED
    result = provider_locality(session, provider, local_area_for(session, council, None), public=False)
    assert result.locality == Locality.UNKNOWN
    assert result.evidence == (
        "Trading site at L99 9ZZ: not placed, postcode L99 9ZZ is not in the postcode directory",
    )


def test_an_unknown_postcode_in_a_knowsley_postcode_district_is_local_but_approximate(
    session: Session, council: Council
) -> None:
    provider = _trading(session, "New Build Ltd", "L36 9ZZ")
    site = provider.sites[0]
    assert (site.placement, site.district_code, site.ward_code) == (Placement.POSTCODE_DISTRICT, KNOWSLEY, None)
    result = provider_locality(session, provider, local_area_for(session, council, None), public=False)
    assert result.locality == Locality.LOCAL
    assert result.evidence == ("Trading site at L36 9ZZ: Knowsley (approximate: to be checked)",)


def test_an_unknown_postcode_in_a_split_postcode_district_says_why_it_has_no_district(
    session: Session, council: Council
) -> None:
    """L14 is split between Knowsley and Liverpool, so an unknown L14 postcode is placed at the middle of
    L14 with no district, and the placer says so. The evidence must carry that reason.

    Fails while placed_sites (app/services/locality.py) passes the placement note only for NOT_PLACED
    sites: a POSTCODE_DISTRICT site with no district reads "not placed, its location is not known".
    """
    provider = _trading(session, "Split Outcode Ltd", "L14 9ZZ")
    site = provider.sites[0]
    assert (site.placement, site.district_code) == (Placement.POSTCODE_DISTRICT, None)
    assert site.placement_note is not None
    assert "L14 spans more than one council district, so the district is not known" in site.placement_note
    result = provider_locality(session, provider, local_area_for(session, council, None), public=False)
    assert result.locality == Locality.UNKNOWN
    assert "L14 spans more than one council district" in result.evidence[0]


def test_public_evidence_hides_the_postcode_and_ward_of_a_hidden_address(session: Session, council: Council) -> None:
    """A hidden (home) address shows only its council area: a ward narrows a home down to a few streets."""
    area = local_area_for(session, council, None)
    provider = _provider(
        session,
        "Home Based Childminder",
        (SiteKind.TRADING_SITE, "L36 9GD", False),
        (SiteKind.REGISTERED_OFFICE, "L1 8JQ", True),
    )
    public = provider_locality(session, provider, area, public=True)
    assert public.locality == Locality.LOCAL
    assert public.evidence == (
        "Trading site (address not shown): Knowsley",
        "Registered office at L1 8JQ: Liverpool, City Centre North ward",
    )
    assert all("L36" not in line and "Roby" not in line for line in public.evidence)
    private = provider_locality(session, provider, area, public=False)
    assert private.evidence == (
        "Trading site at L36 9GD: Knowsley, Roby ward",
        "Registered office at L1 8JQ: Liverpool, City Centre North ward",
    )


def test_bordering_makes_a_liverpool_provider_local(
    session: Session, council: Council, boundaries: BoundaryIndex
) -> None:
    provider = _trading(session, "City Centre Co-op", "L1 8JQ")
    assert provider_locality(session, provider, local_area_for(session, council, None), public=False).locality == (
        Locality.WIDER
    )
    council.local_area_definition = LocalAreaDefinition.WITH_BORDERING
    result = provider_locality(session, provider, local_area_for(session, council, boundaries), public=False)
    assert result.locality == Locality.LOCAL


# --- Re-placing every site -----------------------------------------------------------------------


def _second_release(tmp_path: Path, moved: dict[str, tuple[str, str]]) -> Path:
    """The sample as one file (postcode, district, ward, point), with some postcodes moved district.

    ``moved`` maps a postcode to its new (district code, ward code); '' for no ward.
    """
    wards = {row["postcode"]: row["ward_code_derived"] for row in read_rows(WARDS)}
    path = tmp_path / "postcodes_next_release.csv.gz"
    with gzip.open(path, "wt", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["pcds", "lad25cd", "wd25cd", "lat", "long"])
        for row in read_rows(SAMPLE):
            district, ward = moved.get(row["postcode"], (row["lad_code"], wards.get(row["postcode"], "")))
            writer.writerow([row["postcode"], district, ward, row["lat"], row["lon"]])
    return path


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_relocate_all_follows_a_postcode_that_moved_district(
    session: Session, council: Council, tmp_path: Path
) -> None:
    area = local_area_for(session, council, None)
    moving = _trading(session, "Roby Community Kitchen CIC", "L36 9GD")
    staying = _trading(session, "City Centre Co-op", "L1 8JQ")
    far = _trading(session, "Cardiff Bay Cleaning Ltd", "CF10 1EP")
    jersey = _provider(session, "Jersey Trust", (SiteKind.REGISTERED_OFFICE, "JE1 0BD", True))
    session.commit()
    assert provider_locality(session, moving, area, public=False).locality == Locality.LOCAL

    result = load_release(
        session, _second_release(tmp_path, {"L36 9GD": (LIVERPOOL, "")}), name="Next release (L36 9GD moved)"
    )
    assert result.created and result.replaced == ["ONS postcode directory (NSPD, LAD25), with North West wards"]
    assert purge_inactive_releases(session) == 1
    session.commit()
    release = active_release(session)
    assert release is not None and release.name == "Next release (L36 9GD moved)"

    seen: list[tuple[int, int]] = []
    report = relocate_all(
        session,
        SitePlacer(PostcodeStore(session)),
        area,
        ACTOR,
        NOW,
        progress=lambda done, total: seen.append((done, total)),
        batch_size=3,
    )
    session.commit()

    assert (report.sites, report.placed, report.not_placed) == (4, 3, 1)
    assert seen == [(3, 4), (4, 4)]
    assert [(p.id, before, after) for p, before, after in report.changed_providers] == [
        (moving.id, "Local", "In the wider area")
    ]
    session.expire_all()
    site = session.get(Site, moving.sites[0].id)
    assert site is not None
    assert (site.district_code, site.ward_code, site.placement) == (LIVERPOOL, None, Placement.POSTCODE)
    moved = provider_locality(session, moving, area, public=False)
    assert moved.locality == Locality.WIDER
    assert moved.evidence == ("Trading site at L36 9GD: Liverpool",)
    for unchanged, locality in ((staying, Locality.WIDER), (far, Locality.OUTSIDE), (jersey, Locality.UNKNOWN)):
        assert provider_locality(session, unchanged, area, public=False).locality == locality

    [changed] = _events(session, "provider.locality_changed")
    assert (changed.entity_type, changed.entity_id) == ("provider", str(moving.id))
    assert changed.changes == {"from": "local", "to": "wider"}
    assert changed.actor_label == "test relocate"
    [placed] = _events(session, "site.placed")  # only the site whose district or ward changed
    assert (placed.entity_type, placed.entity_id) == ("site", str(site.id))
    assert placed.changes == {"from": [KNOWSLEY, ROBY], "to": [LIVERPOOL, None], "by": "postcode_directory"}
    [relocated] = _events(session, "sites.relocated")
    assert relocated.changes == {"sites": 4, "placed": 3, "not_placed": 1}


def test_relocate_all_places_a_site_whose_postcode_was_changed(session: Session, council: Council) -> None:
    area = local_area_for(session, council, None)
    provider = _trading(session, "Moving In Ltd", "L1 8JQ")
    other = _trading(session, "Staying Put Ltd", "L36 9GD")
    provider.sites[0].postcode = "L36 9GD"  # edited, not yet placed again
    session.commit()
    assert provider_locality(session, provider, area, public=False).locality == Locality.WIDER

    report = relocate_all(session, SitePlacer(PostcodeStore(session)), area, ACTOR, NOW)
    session.commit()

    assert (report.sites, report.placed, report.not_placed) == (2, 2, 0)
    assert [(p.name, before, after) for p, before, after in report.changed_providers] == [
        ("Moving In Ltd", "In the wider area", "Local")
    ]
    assert provider_locality(session, provider, area, public=False).evidence == (
        "Trading site at L36 9GD: Knowsley, Roby ward",
    )
    assert provider_locality(session, other, area, public=False).locality == Locality.LOCAL
    assert [e.changes for e in _events(session, "provider.locality_changed")] == [{"from": "wider", "to": "local"}]
    assert [e.changes for e in _events(session, "site.placed")] == [
        {"from": [LIVERPOOL, CITY_CENTRE_NORTH], "to": [KNOWSLEY, ROBY], "by": "postcode_directory"}
    ]
    assert [e.changes for e in _events(session, "sites.relocated")] == [{"sites": 2, "placed": 2, "not_placed": 0}]


def test_relocate_all_with_nothing_changed_reports_no_provider(session: Session, council: Council) -> None:
    area = local_area_for(session, council, None)
    _trading(session, "Roby Community Kitchen CIC", "L36 9GD")
    session.commit()
    report = relocate_all(session, SitePlacer(PostcodeStore(session)), area, ACTOR, NOW)
    session.commit()
    assert (report.sites, report.placed, report.not_placed, report.changed_providers) == (1, 1, 0, [])
    assert _events(session, "site.placed") == []
    assert _events(session, "provider.locality_changed") == []
    assert len(_events(session, "sites.relocated")) == 1
