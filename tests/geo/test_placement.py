"""Placing sites: by postcode, by address through an online geocoder, by postcode district, or not at all."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from geopy.exc import GeocoderTimedOut
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.policy import AreaKind
from app.domain.providers import Placement, SiteKind
from app.geo.boundaries import BoundaryIndex
from app.geo.factory import build_placer
from app.geo.geocoders import POSTCODE_DIRECTORY, OnlineGeocoder
from app.geo.placement import PlacementResult, SitePlacer, apply_placement, place_sites
from app.geo.postcode_directory import LoadResult, PostcodeStore, load_release
from app.models import Area, Site
from app.services.seed import SeedReport
from tests import factories
from tests.geo.conftest import (
    KNOWSLEY,
    ROBY,
    TERMINATED,
    FakeGeocoder,
    Geography,
    StatementCounter,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HUYTON = (53.4107, -2.8417)  # a real point in Knowsley's Roby ward (beside L36 9GD)
PARIS = (48.85, 2.35)
ST_PETER_PORT = (49.4557, -2.5363)  # Guernsey: in no UK council district
ADDRESS = "Huyton Village, Knowsley"
FOUND = "Derby Road, Huyton, Knowsley, L36 9UJ, United Kingdom"
L36_NOTE = "Postcode L36 9ZZ is not in the postcode directory; placed at the centre of L36. Check the postcode."
L35_NOTE = (
    "Postcode L35 9ZZ is not in the postcode directory; placed at the centre of L35. Check the postcode. "
    "L35 spans more than one council district, so the district is not known."
)


@pytest.fixture
def placer(session: Session, sample_release: LoadResult) -> SitePlacer:
    """The offline placer: the postcode directory only."""
    return SitePlacer(PostcodeStore(session))


@pytest.fixture
def boundaries(reference: SeedReport, geography: Geography) -> BoundaryIndex:
    """Every UK district and the Liverpool City Region's wards, and the sample postcodes, from seed_data."""
    assert geography.index.district_count == 361
    return geography.index


def _online_placer(session: Session, boundaries: BoundaryIndex, *tables: tuple[str, FakeGeocoder]) -> SitePlacer:
    online = [OnlineGeocoder(name, table, session, limiter=table.geocode) for name, table in tables]  # type: ignore[arg-type]
    return SitePlacer(PostcodeStore(session), online=online, boundaries=boundaries)


# --- Offline: the postcode directory ------------------------------------------------------------


@pytest.mark.parametrize("typed", ["L36 9GD", "l369gd", " L36 9GD "])
def test_a_postcode_in_the_directory_is_placed_at_its_own_point(placer: SitePlacer, typed: str) -> None:
    result = placer.place(typed)

    assert result == PlacementResult(
        Placement.POSTCODE, "L36 9GD", 53.410696, -2.84173, KNOWSLEY, ROBY, POSTCODE_DIRECTORY, None
    )
    assert result.placed is True


@pytest.mark.parametrize(
    ("postcode", "district", "latitude", "longitude"),
    [
        ("CF10 1EP", "W06000015", 51.475764, -3.179217),
        ("EH1 1AA", "S12000036", 55.953646, -3.188108),
        ("BT1 1AA", "N09000003", 54.602445, -5.922291),
        ("SW1A 1AA", "E09000033", 51.50101, -0.141563),
    ],
)
def test_postcodes_outside_the_north_west_have_a_district_and_no_ward(
    placer: SitePlacer, postcode: str, district: str, latitude: float, longitude: float
) -> None:
    assert placer.place(postcode) == PlacementResult(
        Placement.POSTCODE, postcode, latitude, longitude, district, None, POSTCODE_DIRECTORY, None
    )


def test_a_terminated_postcode_is_placed_with_a_note(session: Session, onspd_file: Path) -> None:
    load_release(session, onspd_file)
    placer = SitePlacer(PostcodeStore(session))

    result = placer.place(TERMINATED)

    assert result.placement == Placement.POSTCODE
    assert result.district_code == KNOWSLEY
    assert result.latitude is not None and result.ward_code is not None
    assert result.note == f"Postcode {TERMINATED} is no longer in use; check the address is current"
    assert placer.place("L36 9GD").note is None  # a live postcode in the same release has none


@pytest.mark.parametrize(
    ("postcode", "outcode", "district", "note"),
    [("L36 9ZZ", "L36", KNOWSLEY, L36_NOTE), ("l35 9zz", "L35", None, L35_NOTE)],
)
def test_an_unknown_postcode_is_placed_at_its_postcode_district_for_checking(
    session: Session, placer: SitePlacer, postcode: str, outcode: str, district: str | None, note: str
) -> None:
    centroid = PostcodeStore(session).outcode(outcode)
    assert centroid is not None

    result = placer.place(postcode, "1 Somewhere Road")  # no online geocoder: the address is not used

    assert result == PlacementResult(
        Placement.POSTCODE_DISTRICT,
        postcode.upper(),
        centroid.latitude,
        centroid.longitude,
        district,
        None,
        POSTCODE_DIRECTORY,
        note,
    )
    assert result.placed is True


@pytest.mark.parametrize(
    ("typed", "postcode", "reason"),
    [
        ("", None, "There is no postcode for this address"),
        ("   ", None, "There is no postcode for this address"),
        (None, None, "There is no postcode for this address"),
        ("L36", None, "'L36' is not a full UK postcode"),
        (" Huyton ", None, "'Huyton' is not a full UK postcode"),
        (
            "GY1 1AA",
            "GY1 1AA",
            "GY1 1AA is in the Channel Islands or the Isle of Man, "
            "which have no council district in the UK postcode directory",
        ),
        (
            "je10bd",
            "JE1 0BD",
            "JE1 0BD is in the Channel Islands or the Isle of Man, "
            "which have no council district in the UK postcode directory",
        ),
        (
            "IM1 1AA",
            "IM1 1AA",
            "IM1 1AA is in the Channel Islands or the Isle of Man, "
            "which have no council district in the UK postcode directory",
        ),
        (
            "GY1 9ZZ",  # not in the directory at all
            "GY1 9ZZ",
            "GY1 9ZZ is in the Channel Islands or the Isle of Man, "
            "which have no council district in the UK postcode directory",
        ),
        ("AB11 3AG", "AB11 3AG", "Postcode AB11 3AG has no location in the postcode directory (non-geographic)"),
        ("ZZ9 9ZZ", "ZZ9 9ZZ", "Postcode ZZ9 9ZZ is not in the postcode directory"),
    ],
)
def test_what_cannot_be_placed_says_why(
    placer: SitePlacer, typed: str | None, postcode: str | None, reason: str
) -> None:
    result = placer.place(typed, "1 Somewhere Road")

    assert result == PlacementResult(Placement.NOT_PLACED, postcode, note=reason)
    assert result.placed is False


# --- With an online geocoder and the real boundaries --------------------------------------------


def test_the_boundaries_place_huyton_in_roby_ward_of_knowsley(session: Session, boundaries: BoundaryIndex) -> None:
    roby = session.scalar(select(Area).where(Area.code == ROBY))

    located = boundaries.locate(*HUYTON)

    assert located is not None
    assert (located.district_code, located.ward_code) == (KNOWSLEY, ROBY)
    assert roby is not None and roby.kind == AreaKind.WARD and roby.parent is not None
    assert roby.parent.code == KNOWSLEY


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("L36", f"{ADDRESS}, United Kingdom"),  # malformed: the postcode is left out of the query
        ("", f"{ADDRESS}, United Kingdom"),
        ("L36 9ZZ", f"{ADDRESS}, L36 9ZZ, United Kingdom"),  # unknown: the address beats the outcode centre
    ],
)
def test_a_site_without_a_usable_postcode_is_placed_from_its_address(
    session: Session, boundaries: BoundaryIndex, typed: str, query: str
) -> None:
    table = FakeGeocoder(default=(*HUYTON, FOUND))
    placer = _online_placer(session, boundaries, ("fake", table))

    result = placer.place(typed, "  Huyton Village,\n  Knowsley ")

    assert result == PlacementResult(
        Placement.ADDRESS,
        "L36 9ZZ" if typed == "L36 9ZZ" else None,
        *HUYTON,
        KNOWSLEY,
        ROBY,
        "fake",
        f"Placed from the address by fake: {FOUND}",
    )
    assert [q for q, _ in table.calls] == [query]


def test_a_postcode_in_the_directory_never_calls_the_online_geocoder(
    session: Session, boundaries: BoundaryIndex
) -> None:
    table = FakeGeocoder(default=(*PARIS, "Paris"))
    placer = _online_placer(session, boundaries, ("fake", table))

    result = placer.place("L36 9GD", ADDRESS)

    assert (result.placement, result.placed_by, result.district_code) == (
        Placement.POSTCODE,
        POSTCODE_DIRECTORY,
        KNOWSLEY,
    )
    assert table.calls == []


def test_an_answer_outside_the_uk_is_not_used(session: Session, boundaries: BoundaryIndex) -> None:
    placer = _online_placer(session, boundaries, ("fake", FakeGeocoder(default=(*PARIS, "Paris, France"))))

    result = placer.place("L36", "Rue de Rivoli, Paris")

    assert result == PlacementResult(
        Placement.NOT_PLACED,
        None,
        note="'L36' is not a full UK postcode. fake placed the address at 48.85000, 2.35000, "
        "which is outside every UK council district we hold",
    )


def test_a_crown_dependency_address_is_outside_every_district(session: Session, boundaries: BoundaryIndex) -> None:
    placer = _online_placer(session, boundaries, ("fake", FakeGeocoder(default=(*ST_PETER_PORT, "St Peter Port"))))

    result = placer.place("GY1 1AA", "Smith Street, St Peter Port")

    assert result.placement == Placement.NOT_PLACED
    assert result.note == (
        "GY1 1AA is in the Channel Islands or the Isle of Man, which have no council district in the UK postcode "
        "directory. fake placed the address at 49.45570, -2.53630, which is outside every UK council district we hold"
    )


def test_an_answer_outside_the_uk_falls_back_to_the_postcode_district(
    session: Session, boundaries: BoundaryIndex
) -> None:
    placer = _online_placer(session, boundaries, ("fake", FakeGeocoder(default=(*PARIS, "Paris, France"))))

    result = placer.place("L36 9ZZ", ADDRESS)

    assert (result.placement, result.district_code, result.placed_by) == (
        Placement.POSTCODE_DISTRICT,
        KNOWSLEY,
        POSTCODE_DIRECTORY,
    )


def test_a_geocoder_that_times_out_leaves_the_site_not_placed_with_the_reason(
    session: Session, boundaries: BoundaryIndex
) -> None:
    placer = _online_placer(session, boundaries, ("nominatim", FakeGeocoder(default=GeocoderTimedOut("timed out"))))

    result = placer.place("L36", ADDRESS)

    assert result == PlacementResult(
        Placement.NOT_PLACED, None, note="'L36' is not a full UK postcode. nominatim did not answer (GeocoderTimedOut)"
    )


def test_a_geocoder_that_times_out_falls_back_to_the_postcode_district_keeping_the_reason(
    session: Session, boundaries: BoundaryIndex
) -> None:
    """The officer checking an approximate placement should see that the address lookup failed, and why."""
    centroid = PostcodeStore(session).outcode("L36")
    assert centroid is not None
    placer = _online_placer(session, boundaries, ("nominatim", FakeGeocoder(default=GeocoderTimedOut("timed out"))))

    result = placer.place("L36 9ZZ", ADDRESS)

    assert (result.placement, result.latitude, result.longitude, result.district_code) == (
        Placement.POSTCODE_DISTRICT,
        centroid.latitude,
        centroid.longitude,
        KNOWSLEY,
    )
    assert result.note is not None
    assert result.note.startswith(L36_NOTE)
    assert "nominatim did not answer (GeocoderTimedOut)" in result.note


def test_the_next_geocoder_is_tried_when_one_fails(session: Session, boundaries: BoundaryIndex) -> None:
    first = FakeGeocoder(default=GeocoderTimedOut("timed out"))
    second = FakeGeocoder(default=(*HUYTON, FOUND))
    placer = _online_placer(session, boundaries, ("nominatim", first), ("photon", second))

    result = placer.place("L36", ADDRESS)

    assert (result.placement, result.placed_by, result.district_code, result.ward_code) == (
        Placement.ADDRESS,
        "photon",
        KNOWSLEY,
        ROBY,
    )
    assert len(first.calls) == len(second.calls) == 1


@pytest.mark.parametrize("address", [None, "", "  \n "])
def test_with_no_address_there_is_nothing_to_look_up(
    session: Session, boundaries: BoundaryIndex, address: str | None
) -> None:
    table = FakeGeocoder(default=(*HUYTON, FOUND))
    placer = _online_placer(session, boundaries, ("fake", table))

    result = placer.place("L36", address)

    assert result == PlacementResult(
        Placement.NOT_PLACED, None, note="'L36' is not a full UK postcode. There is no address to look up"
    )
    assert table.calls == []


# --- Writing placements onto sites --------------------------------------------------------------

_EXACT = PlacementResult(Placement.POSTCODE, "L36 9GD", 53.410696, -2.84173, KNOWSLEY, ROBY, POSTCODE_DIRECTORY)
_NOT = PlacementResult(Placement.NOT_PLACED, None, note="There is no postcode for this address")


@pytest.mark.parametrize(
    ("before", "result", "changed"),
    [
        ((None, None), _EXACT, True),
        ((KNOWSLEY, ROBY), _EXACT, False),
        ((KNOWSLEY, "E05010944"), _EXACT, True),  # only the ward moved
        (("E08000012", ROBY), _EXACT, True),  # only the district moved
        ((KNOWSLEY, None), _EXACT, True),
        ((KNOWSLEY, ROBY), _NOT, True),
        ((None, None), _NOT, False),
    ],
)
def test_apply_placement_says_whether_the_area_changed(
    before: tuple[str | None, str | None], result: PlacementResult, changed: bool
) -> None:
    site = Site(postcode="l369gd", district_code=before[0], ward_code=before[1], placement=Placement.POSTCODE)

    assert apply_placement(site, result, NOW) is changed
    assert (site.district_code, site.ward_code) == (result.district_code, result.ward_code)


def test_apply_placement_writes_every_field() -> None:
    site = Site(postcode="l369gd", placed_at=None)

    apply_placement(site, _EXACT, NOW)

    assert (site.postcode, site.latitude, site.longitude) == ("L36 9GD", 53.410696, -2.84173)
    assert (site.placement, site.placed_by, site.placed_at, site.placement_note) == (
        Placement.POSTCODE,
        POSTCODE_DIRECTORY,
        NOW,
        None,
    )


def test_apply_placement_clears_a_placement_that_no_longer_holds() -> None:
    site = Site(postcode="L36", latitude=53.41, longitude=-2.84, district_code=KNOWSLEY, placed_at=NOW)
    result = PlacementResult(Placement.NOT_PLACED, None, note="'L36' is not a full UK postcode")

    assert apply_placement(site, result, NOW) is True

    assert site.postcode == "L36"  # what was typed is kept when it is not a postcode
    assert (site.latitude, site.longitude, site.district_code, site.ward_code) == (None, None, None, None)
    assert (site.placement, site.placed_by, site.placed_at) == (Placement.NOT_PLACED, None, None)
    assert site.placement_note == "'L36' is not a full UK postcode"


# --- Placing many sites -------------------------------------------------------------------------


def test_place_sites_looks_postcodes_up_in_bulk_and_returns_the_changed_sites(
    session: Session, placer: SitePlacer, ward_rows: dict[str, dict[str, str]]
) -> None:
    real = sorted(p for p, row in ward_rows.items() if row["outcode"] in {"L36", "L35", "WA8", "L1"})[::40][:40]
    provider = factories.provider(session, "Many sites", postcode=real[0], district_code=None)
    provider.sites.extend(Site(kind=SiteKind.TRADING_SITE, postcode=p.lower().replace(" ", "")) for p in real[1:])
    # Already where the directory puts them: these do not change.
    unchanged = {real[1], real[2]}
    for site in provider.sites:
        if site.postcode.upper() in {u.replace(" ", "") for u in unchanged}:
            row = ward_rows[next(u for u in unchanged if u.replace(" ", "") == site.postcode.upper())]
            site.district_code, site.ward_code = row["lad_code"], row["ward_code_derived"]
    odd = [Site(postcode="L36"), Site(postcode="L36 9ZZ"), Site(postcode="GY1 1AA"), Site(postcode=None)]
    provider.sites.extend(odd)
    session.commit()
    sites = list(provider.sites)
    assert len(sites) == 44

    with StatementCounter(session) as counter:
        changed = place_sites(placer, sites, NOW)

    # One query for the active release and one for all 41 real postcodes; the unknown L36 9ZZ costs
    # three more (its entry, again inside PostcodeDirectory.geocode, and its outcode): not one per site.
    assert len(counter.selects) <= 5  # for 44 sites
    assert sum("FROM postcodes" in s for s in counter.selects) <= 3
    by_postcode = {s.postcode: s for s in sites}
    for postcode in real:
        site = by_postcode[postcode]
        row = ward_rows[postcode]
        assert (site.placement, site.district_code, site.ward_code) == (
            Placement.POSTCODE,
            row["lad_code"],
            row["ward_code_derived"],
        ), postcode
        assert (site.latitude, site.longitude) == (float(row["lat"]), float(row["lon"]))
        assert site.placed_at == NOW
    assert by_postcode["L36 9ZZ"].placement == Placement.POSTCODE_DISTRICT
    assert by_postcode["L36 9ZZ"].district_code == KNOWSLEY
    assert by_postcode["GY1 1AA"].placement == Placement.NOT_PLACED
    assert by_postcode["L36"].placement_note == "'L36' is not a full UK postcode"
    assert by_postcode[None].placement_note == "There is no postcode for this address"
    expected_changed = [s for s in sites if s.postcode not in unchanged and s.postcode not in {"L36", "GY1 1AA", None}]
    assert changed == expected_changed
    assert len(changed) == 40 - 2 + 1  # the real ones that moved, and L36 9ZZ


def test_place_sites_places_each_new_site_at_its_own_postcode(session: Session, placer: SitePlacer) -> None:
    """Sites not yet flushed have no id; each must still be placed by its own postcode."""
    sites = [Site(postcode="L36 9GD"), Site(postcode="CF10 1EP"), Site(postcode="EH1 1AA")]

    changed = place_sites(placer, sites, NOW)

    assert [(s.postcode, s.district_code) for s in sites] == [
        ("L36 9GD", KNOWSLEY),
        ("CF10 1EP", "W06000015"),
        ("EH1 1AA", "S12000036"),
    ]
    assert [(s.latitude, s.longitude) for s in sites] == [
        (53.410696, -2.84173),
        (51.475764, -3.179217),
        (55.953646, -3.188108),
    ]
    assert changed == sites


# --- Building the placer from settings ----------------------------------------------------------


@pytest.mark.parametrize("config", [{"GEOCODERS": "postcode_directory"}, {}, {"GEOCODERS": " , "}])
def test_the_default_placer_is_offline(session: Session, config: dict[str, str]) -> None:
    placer = build_placer(session, config)

    assert placer.online == []
    assert placer.boundaries is None
    assert isinstance(placer.store, PostcodeStore)


def test_a_placer_with_nominatim_has_one_online_geocoder(session: Session, boundaries: BoundaryIndex) -> None:
    placer = build_placer(
        session,
        {"GEOCODERS": "postcode_directory, Nominatim", "GEOCODER_USER_AGENT": "lsr-tests/1.0 (tests@example.org)"},
    )

    assert [g.name for g in placer.online] == ["nominatim"]
    assert placer.online[0]._geocode.func.__self__.headers["User-Agent"] == "lsr-tests/1.0 (tests@example.org)"
    assert placer.boundaries is not None
    assert placer.boundaries.district_count == 361
