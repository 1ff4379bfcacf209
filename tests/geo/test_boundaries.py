"""District and ward boundaries, read from the database as seeded: which district a point is in,
which districts border Knowsley, and how far a point is from a district.

Points are real: the ONS postcode directory's own point for each postcode (the sample in
tests/fixtures), so the district each lands in can be checked against the code ONS gives it.
"""

from __future__ import annotations

import pytest
from geopy.distance import geodesic

from app.geo.boundaries import BoundaryIndex, Located
from tests.geo.conftest import (
    HALTON,
    KNOWSLEY,
    LCR,
    LIVERPOOL,
    SEFTON,
    ST_HELENS,
    WEST_LANCASHIRE,
    WIRRAL,
    Geography,
)


def test_every_current_uk_district_has_a_boundary(boundaries: BoundaryIndex) -> None:
    # 296 in England, 22 in Wales, 32 in Scotland, 11 in Northern Ireland
    assert boundaries.district_count == 361


def test_l36_9gd_is_in_knowsley_roby_ward(geography: Geography) -> None:
    row = geography.postcodes["L36 9GD"]
    assert (row["lad_code"], row["ward_name_derived"]) == (KNOWSLEY, "Roby")
    located = geography.index.locate(*geography.point("L36 9GD"))
    assert located == Located(KNOWSLEY, row["ward_code_derived"])
    assert located is not None and located.ward_code is not None
    assert geography.area_names[located.ward_code] == "Roby"
    assert geography.area_names[KNOWSLEY] == "Knowsley"


@pytest.mark.parametrize(
    ("latitude", "longitude", "district"),
    [
        (53.4044, -2.9806, LIVERPOOL),  # Liverpool city centre, around L1 8JQ
        (53.6466, -3.0070, SEFTON),  # Southport
        (53.3918, -3.0182, WIRRAL),  # Birkenhead, across the Mersey
    ],
)
def test_points_in_the_city_region_land_in_their_district(
    boundaries: BoundaryIndex, latitude: float, longitude: float, district: str
) -> None:
    located = boundaries.locate(latitude, longitude)
    assert located is not None
    assert located.district_code == district
    assert located.ward_code is not None  # the city region's wards are held


@pytest.mark.parametrize(
    ("postcode", "district"),
    [
        ("L1 8JQ", LIVERPOOL),
        ("SW1A 1AA", "E09000033"),  # Westminster
        ("CF10 1EP", "W06000015"),  # Cardiff
        ("LL11 0AA", "W06000006"),  # Wrexham
        ("EH1 1AA", "S12000036"),  # City of Edinburgh
        ("BT1 1AA", "N09000003"),  # Belfast
    ],
)
def test_a_postcode_point_in_each_nation_lands_in_the_district_ons_gives_it(
    geography: Geography, postcode: str, district: str
) -> None:
    row = geography.postcodes.get(postcode) or geography.uk_postcodes[postcode]
    assert row["lad_code"] == district
    located = geography.index.locate(*geography.point(postcode))
    assert located is not None
    assert located.district_code == district


@pytest.mark.parametrize(
    ("latitude", "longitude", "district"),
    [
        (51.4816, -3.1791, "W06000015"),  # Cardiff
        (55.9533, -3.1883, "S12000036"),  # Edinburgh
        (54.5973, -5.9301, "N09000003"),  # Belfast
        (51.5007, -0.1246, "E09000033"),  # Westminster
    ],
)
def test_a_city_centre_in_each_nation_has_its_district_and_no_ward(
    boundaries: BoundaryIndex, latitude: float, longitude: float, district: str
) -> None:
    # Wards are held only for the city region and its neighbours.
    assert boundaries.locate(latitude, longitude) == Located(district, None)


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (53.6, -3.6),  # Liverpool Bay, the Irish Sea
        (48.8566, 2.3522),  # Paris
        (53.3498, -6.2603),  # Dublin
        (54.1523, -4.4861),  # Douglas, Isle of Man: a crown dependency, no UK district
        (49.1859, -2.1070),  # St Helier, Jersey
        (0.0, 0.0),
    ],
)
def test_a_point_outside_every_uk_district_is_none(
    boundaries: BoundaryIndex, latitude: float, longitude: float
) -> None:
    assert boundaries.locate(latitude, longitude) is None


# Postcodes either side of the Knowsley/Liverpool border in the postcode districts that straddle it,
# each the closest pair in its outward code (35 to 105 metres apart).
BORDER_PAIRS = [("L14 9LQ", "L14 2HA"), ("L16 3GA", "L16 3NB"), ("L28 0QR", "L28 0QS")]


@pytest.mark.parametrize(("in_knowsley", "in_liverpool"), BORDER_PAIRS)
def test_points_either_side_of_the_knowsley_liverpool_border_land_on_their_own_side(
    geography: Geography, in_knowsley: str, in_liverpool: str
) -> None:
    knowsley_row, liverpool_row = geography.postcodes[in_knowsley], geography.postcodes[in_liverpool]
    assert (knowsley_row["lad_code"], liverpool_row["lad_code"]) == (KNOWSLEY, LIVERPOOL)
    apart = geodesic(geography.point(in_knowsley), geography.point(in_liverpool)).km
    assert apart < 0.11
    for postcode, row in ((in_knowsley, knowsley_row), (in_liverpool, liverpool_row)):
        assert geography.index.locate(*geography.point(postcode)) == Located(
            row["lad_code"], row["ward_code_derived"]
        ), postcode


def test_every_postcode_in_the_outcodes_split_by_the_border_lands_in_its_ons_district(geography: Geography) -> None:
    rows = [r for r in geography.postcodes.values() if r["postcode"].split()[0] in {"L14", "L16", "L28"}]
    assert {r["lad_code"] for r in rows} == {KNOWSLEY, LIVERPOOL}
    assert len(rows) == 1100
    wrong = []
    for row in rows:
        located = geography.index.locate(float(row["lat"]), float(row["lon"]))
        if located is None or located.district_code != row["lad_code"]:
            wrong.append((row["postcode"], row["lad_code"], located))
    assert wrong == []


def test_near_borders_a_few_sample_points_fall_the_other_side_of_the_outline(geography: Geography) -> None:
    """Why placement trusts the postcode's district code over a polygon (DOMAIN.md section 5): of the
    14,771 North West sample points, only a handful right on a border land in the neighbour."""
    wrong = {
        row["postcode"]
        for row in geography.postcodes.values()
        if (located := geography.index.locate(float(row["lat"]), float(row["lon"]))) is None
        or located.district_code != row["lad_code"]
    }
    assert len(geography.postcodes) == 14_771
    assert wrong == {"L10 0AR", "L10 8LQ", "L30 1PE"}


def test_knowsley_borders_exactly_its_five_neighbours(boundaries: BoundaryIndex) -> None:
    # Checked against the exact outlines: each shares a border with Knowsley; Wirral (across the
    # Mersey), Warrington, Wigan and Cheshire West are 2.5 km or more away.
    assert boundaries.bordering(KNOWSLEY) == {LIVERPOOL, SEFTON, ST_HELENS, HALTON, WEST_LANCASHIRE}


@pytest.mark.parametrize("neighbour", [LIVERPOOL, SEFTON, ST_HELENS, HALTON, WEST_LANCASHIRE])
def test_bordering_is_mutual(boundaries: BoundaryIndex, neighbour: str) -> None:
    assert KNOWSLEY in boundaries.bordering(neighbour)
    assert neighbour not in boundaries.bordering(neighbour)


def test_wirral_does_not_border_knowsley_and_an_unknown_code_borders_nothing(boundaries: BoundaryIndex) -> None:
    # The outlines are clipped to the coast, so the Mersey keeps Wirral (1.3 km of water from
    # Liverpool) from every city region neighbour; by land it borders only Cheshire West and Chester.
    assert boundaries.bordering(WIRRAL) == {"E06000050"}
    assert boundaries.bordering("E99999999") == set()


def test_distance_is_zero_inside_the_district(geography: Geography) -> None:
    assert geography.index.distance_km(*geography.point("L36 9GD"), {KNOWSLEY}) == 0.0
    # the nearest of several districts: the point is inside one of them
    assert geography.index.distance_km(*geography.point("L1 8JQ"), {KNOWSLEY, LIVERPOOL}) == 0.0
    assert geography.index.distance_km(*geography.point("L1 8JQ"), set(LCR)) == 0.0


def test_liverpool_city_centre_is_about_six_km_from_knowsley(boundaries: BoundaryIndex) -> None:
    # Measured on the British National Grid from the exact outline: 5.91 km.
    km = boundaries.distance_km(53.4044, -2.9806, {KNOWSLEY})
    assert km is not None
    assert 5.5 < km < 6.5


def test_distance_is_never_more_than_to_a_point_inside_the_district(geography: Geography) -> None:
    """L1 8JQ's own point is 6.44 km from L14 7AX, a postcode that the index itself places in Knowsley,
    so it cannot be further than that from Knowsley (on the British National Grid: 6.34 km).

    Fails while distance_km picks the nearest point of the outline in degrees of longitude and
    latitude (which are not the same length at 53 degrees north) and then measures to that point:
    it answers 8.43 km, to a point on Knowsley's northern edge.
    """
    inside = geography.point("L14 7AX")
    assert geography.index.locate(*inside) is not None
    assert geography.index.locate(*inside).district_code == KNOWSLEY  # type: ignore[union-attr]
    city_centre = geography.point("L1 8JQ")
    to_inside = geodesic(city_centre, inside).km
    assert 6.4 < to_inside < 6.5
    km = geography.index.distance_km(*city_centre, {KNOWSLEY})
    assert km is not None
    assert km <= to_inside
    assert 6.0 < km < 6.5


def test_distance_to_a_far_district(boundaries: BoundaryIndex) -> None:
    # Cardiff city centre to Knowsley: 209.5 km on the British National Grid.
    km = boundaries.distance_km(51.475764, -3.179217, {KNOWSLEY})
    assert km is not None
    assert 205 < km < 214
    # the nearest of two: Southport is in Sefton, 17.7 km from Knowsley
    assert boundaries.distance_km(53.6466, -3.0070, {KNOWSLEY, SEFTON}) == 0.0
    southport = boundaries.distance_km(53.6466, -3.0070, {KNOWSLEY})
    assert southport is not None and 17.0 < southport < 18.5


def test_distance_to_unknown_districts_is_none(boundaries: BoundaryIndex) -> None:
    assert boundaries.distance_km(53.4044, -2.9806, {"E99999999"}) is None
    assert boundaries.distance_km(53.4044, -2.9806, set()) is None
    # an unknown code beside a known one is ignored
    assert boundaries.distance_km(53.4044, -2.9806, {"E99999999", LIVERPOOL}) == 0.0
