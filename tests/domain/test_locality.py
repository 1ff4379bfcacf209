"""Locality in words: how a placed site is described, and which locality a provider's sites give it.

Pure: no Flask, no database. DOMAIN.md section 3: "located" means where a supplier is based or has
substantive operations, so any premises count, registered office or trading site.
"""

from __future__ import annotations

import pytest

from app.domain.locality import LocalArea, Locality, LocalityAssessment, PlacedSite, assess_locality, describe_site

KNOWSLEY = "E08000011"
LIVERPOOL = "E08000012"
SEFTON = "E08000014"
CARDIFF = "W06000015"
LCR = frozenset({"E06000006", KNOWSLEY, LIVERPOOL, "E08000013", SEFTON, "E08000015"})

# Knowsley's own area, with the Liverpool City Region (which includes Knowsley) as its wider area.
KNOWSLEY_AREA = LocalArea("Knowsley", frozenset({KNOWSLEY}), "Liverpool City Region", LCR)


def trading(
    postcode: str | None,
    code: str | None,
    name: str | None,
    ward: str | None = None,
    *,
    approximate: bool = False,
    not_placed_reason: str | None = None,
) -> PlacedSite:
    return PlacedSite("Trading site", postcode, code, name, ward, approximate, not_placed_reason)


def office(
    postcode: str | None,
    code: str | None,
    name: str | None,
    ward: str | None = None,
    *,
    not_placed_reason: str | None = None,
) -> PlacedSite:
    return PlacedSite("Registered office", postcode, code, name, ward, False, not_placed_reason)


IN_KNOWSLEY = trading("L36 9GD", KNOWSLEY, "Knowsley", "Page Moss")
IN_LIVERPOOL = trading("L1 8JQ", LIVERPOOL, "Liverpool", "City Centre North")
IN_CARDIFF = trading("CF10 1EP", CARDIFF, "Cardiff")
NOT_PLACED = trading("L99 9ZZ", None, None, not_placed_reason="Postcode L99 9ZZ is not in the postcode directory")


# --- describe_site ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "words"),
    [
        (IN_KNOWSLEY, "Trading site at L36 9GD: Knowsley, Page Moss ward"),
        (
            trading(None, KNOWSLEY, "Knowsley", "Page Moss"),
            "Trading site (address not shown): Knowsley, Page Moss ward",
        ),
        (office("L36 9GD", KNOWSLEY, "Knowsley", "Roby"), "Registered office at L36 9GD: Knowsley, Roby ward"),
        (office("CF10 1EP", CARDIFF, "Cardiff"), "Registered office at CF10 1EP: Cardiff"),
        # A district we hold no name for is shown by its code rather than left out.
        (trading("L1 8JQ", LIVERPOOL, None), "Trading site at L1 8JQ: E08000012"),
        (
            trading("L36 9ZZ", KNOWSLEY, "Knowsley", approximate=True),
            "Trading site at L36 9ZZ: Knowsley (approximate: to be checked)",
        ),
        (
            trading(None, KNOWSLEY, "Knowsley", approximate=True),
            "Trading site (address not shown): Knowsley (approximate: to be checked)",
        ),
        (
            NOT_PLACED,
            "Trading site at L99 9ZZ: not placed, postcode L99 9ZZ is not in the postcode directory",
        ),
        (
            trading(None, None, None, not_placed_reason="There is no postcode for this address"),
            "Trading site (address not shown): not placed, there is no postcode for this address",
        ),
        (
            office("L99 9ZZ", None, None),
            "Registered office at L99 9ZZ: not placed, its location is not known",
        ),
        # An empty reason is no reason.
        (
            office("L99 9ZZ", None, None, not_placed_reason=""),
            "Registered office at L99 9ZZ: not placed, its location is not known",
        ),
    ],
)
def test_describe_site(site: PlacedSite, words: str) -> None:
    assert describe_site(site) == words


def test_a_reason_that_starts_with_a_postcode_keeps_its_capitals() -> None:
    """The placer writes reasons such as 'JE1 0BD is in the Channel Islands ...' (app/geo/placement.py).

    Lower-casing the first letter is right for a sentence ('Postcode ...' -> 'postcode ...') but turns
    the postcode into 'jE1 0BD', which is not a postcode.
    """
    site = office(
        "JE1 0BD",
        None,
        None,
        not_placed_reason="JE1 0BD is in the Channel Islands or the Isle of Man, "
        "which have no council district in the UK postcode directory",
    )
    assert describe_site(site) == (
        "Registered office at JE1 0BD: not placed, JE1 0BD is in the Channel Islands or the Isle of Man, "
        "which have no council district in the UK postcode directory"
    )


# --- assess_locality -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sites", "locality"),
    [
        ([IN_KNOWSLEY], Locality.LOCAL),
        ([IN_LIVERPOOL], Locality.WIDER),
        ([IN_CARDIFF], Locality.OUTSIDE),
        ([NOT_PLACED], Locality.UNKNOWN),
        ([], Locality.UNKNOWN),
        # local beats wider beats outside beats unknown, whatever the order of the sites
        ([IN_CARDIFF, IN_LIVERPOOL, IN_KNOWSLEY], Locality.LOCAL),
        ([NOT_PLACED, IN_KNOWSLEY], Locality.LOCAL),
        ([IN_CARDIFF, IN_LIVERPOOL], Locality.WIDER),
        ([NOT_PLACED, IN_LIVERPOOL], Locality.WIDER),
        ([IN_CARDIFF, NOT_PLACED], Locality.OUTSIDE),
        ([NOT_PLACED, IN_CARDIFF], Locality.OUTSIDE),
        ([NOT_PLACED, NOT_PLACED], Locality.UNKNOWN),
        # approximate placements count where they land
        ([trading("L36 9ZZ", KNOWSLEY, "Knowsley", approximate=True)], Locality.LOCAL),
    ],
)
def test_assess_locality_takes_the_best_site(sites: list[PlacedSite], locality: Locality) -> None:
    assert assess_locality(sites, KNOWSLEY_AREA).locality == locality


def test_a_registered_office_alone_counts_as_local() -> None:
    site = office("L36 9GD", KNOWSLEY, "Knowsley", "Roby")
    result = assess_locality([site], KNOWSLEY_AREA)
    assert result == LocalityAssessment(Locality.LOCAL, ("Registered office at L36 9GD: Knowsley, Roby ward",), site)
    assert result.summary == "Registered office at L36 9GD: Knowsley, Roby ward"


def test_the_evidence_lists_the_deciding_site_first() -> None:
    result = assess_locality(iter([IN_CARDIFF, NOT_PLACED, IN_LIVERPOOL, IN_KNOWSLEY]), KNOWSLEY_AREA)
    assert result.locality == Locality.LOCAL
    assert result.evidence == (
        "Trading site at L36 9GD: Knowsley, Page Moss ward",
        "Trading site at L1 8JQ: Liverpool, City Centre North ward",
        "Trading site at CF10 1EP: Cardiff",
        "Trading site at L99 9ZZ: not placed, postcode L99 9ZZ is not in the postcode directory",
    )
    assert result.summary == result.evidence[0]

    wider = assess_locality([IN_CARDIFF, IN_LIVERPOOL], KNOWSLEY_AREA)
    assert wider.evidence == (
        "Trading site at L1 8JQ: Liverpool, City Centre North ward",
        "Trading site at CF10 1EP: Cardiff",
    )


def test_outside_puts_the_placed_site_before_one_that_was_not_placed() -> None:
    """Outside is decided by the sites that were placed; the summary must be one of them, not the
    site that could not be placed (which says nothing about where the provider is)."""
    result = assess_locality([NOT_PLACED, IN_CARDIFF], KNOWSLEY_AREA)
    assert result.locality == Locality.OUTSIDE
    assert result.summary == "Trading site at CF10 1EP: Cardiff"
    assert result.evidence == (
        "Trading site at CF10 1EP: Cardiff",
        "Trading site at L99 9ZZ: not placed, postcode L99 9ZZ is not in the postcode directory",
    )


def test_a_site_in_both_the_local_and_the_wider_area_is_listed_once() -> None:
    assert KNOWSLEY in KNOWSLEY_AREA.district_codes & KNOWSLEY_AREA.wider_district_codes
    alone = assess_locality([IN_KNOWSLEY], KNOWSLEY_AREA)
    assert alone.evidence == ("Trading site at L36 9GD: Knowsley, Page Moss ward",)

    both = assess_locality([IN_LIVERPOOL, IN_KNOWSLEY], KNOWSLEY_AREA)
    assert both.locality == Locality.LOCAL
    assert both.evidence == (
        "Trading site at L36 9GD: Knowsley, Page Moss ward",
        "Trading site at L1 8JQ: Liverpool, City Centre North ward",
    )


def test_a_local_area_of_several_districts_counts_each_as_local() -> None:
    area = LocalArea("Knowsley and Liverpool", frozenset({KNOWSLEY, LIVERPOOL}), "Liverpool City Region", LCR)
    result = assess_locality([IN_CARDIFF, IN_LIVERPOOL], area)
    assert result.locality == Locality.LOCAL
    assert result.evidence[0] == "Trading site at L1 8JQ: Liverpool, City Centre North ward"


def test_without_a_wider_area_the_city_region_is_outside() -> None:
    area = LocalArea("Knowsley", frozenset({KNOWSLEY}))
    assert assess_locality([IN_LIVERPOOL], area).locality == Locality.OUTSIDE


def test_no_sites_is_unknown_with_no_evidence() -> None:
    """No premises at all is not the same as premises we could not place: the words say which."""
    result = assess_locality([], KNOWSLEY_AREA)
    assert result == LocalityAssessment(Locality.UNKNOWN, ())
    assert result.summary == "We cannot say where it is based: it has given no premises"
    assert result.unknown_reason == "We cannot say where it is based: it has given no premises"


def test_only_unplaced_sites_is_unknown_and_says_why() -> None:
    result = assess_locality([NOT_PLACED], KNOWSLEY_AREA)
    assert result.locality == Locality.UNKNOWN
    assert result.summary == "Trading site at L99 9ZZ: not placed, postcode L99 9ZZ is not in the postcode directory"
    assert result.unknown_reason == "None of its premises could be placed, so we cannot say"


IN_SEFTON = trading("PR8 1DA", SEFTON, "Sefton")


@pytest.mark.parametrize(
    ("sites", "deciding"),
    [
        ([NOT_PLACED, IN_CARDIFF, IN_LIVERPOOL, IN_KNOWSLEY], IN_KNOWSLEY),  # local beats every other
        ([IN_CARDIFF, IN_SEFTON, IN_LIVERPOOL], IN_SEFTON),  # then the first in the wider area
        ([NOT_PLACED, IN_CARDIFF], IN_CARDIFF),  # then the first placed anywhere
        ([NOT_PLACED], None),  # nothing placed: nothing decides
        ([], None),
    ],
)
def test_the_deciding_site_is_the_one_the_answer_rests_on(sites: list[PlacedSite], deciding: PlacedSite | None) -> None:
    assert assess_locality(sites, KNOWSLEY_AREA).deciding == deciding
