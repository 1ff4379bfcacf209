"""The commissioner's search service with a database: the band decides who may be asked, the filters narrow the list,
the distance filter counts public premises only, and a shortlist is checked against the band."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from shapely.geometry import box
from sqlalchemy.orm import Session

from app.domain.bands import Estimate, VatTreatment
from app.domain.locality import LocalArea
from app.domain.policy import ContractType
from app.domain.providers import FactKind, LegalForm, ProviderStatus, SiteKind
from app.geo.boundaries import BoundaryIndex
from app.models import Provider, ProviderFact, ServiceCategory, Site
from app.services.locality import local_area_for
from app.services.search import (
    NOT_ON_THE_REGISTER,
    Criteria,
    ResultRow,
    SearchResult,
    Selected,
    eligibility_only,
    search,
    selected,
)
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


# The band decides who may be asked; the filters only narrow the list ----------------------------------------------

NAVIGATION, CLEANING = "community-support", "cleaning"
LOCAL = {"Page Moss CIC", "Huyton Co-operative", "Knowsley Cleaners CIC"}
ELSEWHERE = {"City Navigators Ltd", "Blackburn Builders Ltd"}


@dataclass(frozen=True)
class Market:
    ids: dict[str, int]
    area: LocalArea


@pytest.fixture
def market(session: Session, knowsley: factories.CouncilSetup) -> Market:
    """Three published providers in Knowsley, two elsewhere, and two not published (one sent, one a draft)."""
    navigation = ServiceCategory(slug=NAVIGATION, name="Community support, advice and navigation")
    cleaning = ServiceCategory(slug=CLEANING, name="Cleaning")
    built = [
        ("Page Moss CIC", LegalForm.CIC, "E08000011", ProviderStatus.VERIFIED, navigation),
        ("Huyton Co-operative", LegalForm.COOPERATIVE, "E08000011", ProviderStatus.VERIFIED, navigation),
        ("Knowsley Cleaners CIC", LegalForm.CIC, "E08000011", ProviderStatus.VERIFIED, cleaning),
        ("City Navigators Ltd", LegalForm.PRIVATE_COMPANY, "E08000012", ProviderStatus.VERIFIED, navigation),
        ("Blackburn Builders Ltd", LegalForm.PRIVATE_COMPANY, "E06000008", ProviderStatus.VERIFIED, cleaning),
        ("Waiting Navigators CIC", LegalForm.CIC, "E08000011", ProviderStatus.SUBMITTED, navigation),
        ("Unfinished CIC", LegalForm.CIC, "E08000011", ProviderStatus.DRAFT, navigation),
    ]
    ids = {}
    for name, legal_form, district, status, category in built:
        provider = factories.provider(session, name, legal_form=legal_form, district_code=district, status=status)
        provider.services = [category]
        ids[name] = provider.id
    small = session.get(Provider, ids["Page Moss CIC"])
    assert small is not None
    small.facts += [
        ProviderFact(kind=FactKind.STAFF_COUNT, value="4"),
        ProviderFact(kind=FactKind.TURNOVER, value=str(85_000 * 100)),
    ]
    session.commit()
    return Market(ids, local_area_for(session, knowsley.council, None))


def _criteria(pounds: int, **narrowed: Any) -> Criteria:
    return Criteria(
        Estimate(ContractType.GOODS_AND_SERVICES, TODAY, VatTreatment.EXCLUDED, total_pence=pounds * 100), **narrowed
    )


def _names(rows: list[ResultRow]) -> set[str]:
    return {row.provider.name for row in rows}


def test_a_local_only_band_lists_local_providers_and_says_whom_it_left_out(
    session: Session, knowsley: factories.CouncilSetup, market: Market
) -> None:
    result = search(session, knowsley.council, market.area, _criteria(4_000, show_excluded=True), TODAY)

    assert result.choice.band.code == "A"
    assert _names(result.rows) == LOCAL and (result.total, result.local_eligible) == (3, 3)
    assert all(row.eligibility.eligible for row in result.rows)
    assert _names(result.excluded) == ELSEWHERE and result.excluded_total == 2
    assert not any(row.eligibility.eligible for row in result.excluded)
    assert all(row.eligibility.reason for row in result.excluded)  # each says why


def test_above_the_threshold_every_published_provider_may_be_asked(
    session: Session, knowsley: factories.CouncilSetup, market: Market
) -> None:
    result = search(session, knowsley.council, market.area, _criteria(300_000), TODAY)

    assert result.choice.band.code == "D"
    assert _names(result.rows) == LOCAL | ELSEWHERE
    assert (result.total, result.local_eligible) == (5, 3)
    assert result.excluded == [] and result.excluded_total == 0  # not asked for


@pytest.mark.parametrize(
    ("pounds", "category", "message"),
    [
        (20_000, NAVIGATION, "Only 2 eligible local providers for the 3 quotes this band needs"),
        (20_000, CLEANING, "Only 1 eligible local provider for the 3 quotes this band needs"),
        (20_000, "no-such-service", "No eligible local providers for the 3 quotes this band needs"),
        (4_000, NAVIGATION, None),  # one quote needed, two found
    ],
)
def test_a_thin_market_is_said_in_words(
    session: Session,
    knowsley: factories.CouncilSetup,
    market: Market,
    pounds: int,
    category: str,
    message: str | None,
) -> None:
    result = search(session, knowsley.council, market.area, _criteria(pounds, category=category), TODAY)

    assert result.thin_market is (message is not None)
    assert result.thin_market_message() == message


@pytest.mark.parametrize(
    ("narrowed", "found"),
    [
        ({"category": NAVIGATION}, {"Page Moss CIC", "Huyton Co-operative", "City Navigators Ltd"}),
        ({"legal_forms": frozenset({LegalForm.COOPERATIVE})}, {"Huyton Co-operative"}),
        ({"social_economy_only": True}, LOCAL),
        ({"sme_only": True}, {"Page Moss CIC"}),  # the only one that said its size
        (
            {"category": NAVIGATION, "verified_only": False},
            {"Page Moss CIC", "Huyton Co-operative", "City Navigators Ltd", "Waiting Navigators CIC"},
        ),
    ],
)
def test_each_filter_narrows_the_list_and_a_draft_is_never_listed(
    session: Session, knowsley: factories.CouncilSetup, market: Market, narrowed: dict[str, Any], found: set[str]
) -> None:
    result = search(session, knowsley.council, market.area, _criteria(300_000, **narrowed), TODAY)

    assert _names(result.rows) == found and result.total == len(found)


def test_pages_split_the_list_without_repeats_and_a_page_past_the_end_is_the_last(
    session: Session, knowsley: factories.CouncilSetup, market: Market
) -> None:
    def page(number: int) -> SearchResult:
        return search(session, knowsley.council, market.area, _criteria(300_000), TODAY, page=number, per_page=2)

    pages = [page(n) for n in (1, 2, 3)]
    names = [row.provider.name for result in pages for row in result.rows]
    assert [len(result.rows) for result in pages] == [2, 2, 1] and {result.total for result in pages} == {5}
    assert sorted(names) == sorted(LOCAL | ELSEWHERE)  # each once
    beyond = page(9)
    assert beyond.page == 3 and [row.provider.name for row in beyond.rows] == names[-1:]


def test_a_shortlist_is_checked_against_the_band_not_against_the_filters(
    session: Session, knowsley: factories.CouncilSetup, market: Market
) -> None:
    ids = market.ids
    narrowed = _criteria(4_000, category=CLEANING, verified_only=True)
    chosen = [
        ids["City Navigators Ltd"],  # outside Knowsley, and the band is local only
        ids["Waiting Navigators CIC"],  # sent, not yet checked: still one the commissioner may ask
        ids["Page Moss CIC"],  # not a cleaner, but chosen under another filter
        ids["Unfinished CIC"],  # a draft is not on the register
        999_999,  # nobody
        ids["City Navigators Ltd"],  # chosen twice, listed once
    ]

    shortlist = selected(session, knowsley.council, market.area, narrowed, TODAY, chosen)

    assert set(shortlist.eligible_ids) == {ids["Waiting Navigators CIC"], ids["Page Moss CIC"]}
    assert shortlist.not_eligible == [
        (ids["City Navigators Ltd"], "City Navigators Ltd"),
        (ids["Unfinished CIC"], NOT_ON_THE_REGISTER),
        (999_999, NOT_ON_THE_REGISTER),
    ]
    assert shortlist.count == 5
    assert selected(session, knowsley.council, market.area, narrowed, TODAY, []) == Selected([], [])


def test_only_the_estimate_decides_eligibility() -> None:
    narrowed = _criteria(
        4_000,
        category=CLEANING,
        keywords="windows",
        legal_forms=frozenset({LegalForm.CIC}),
        social_economy_only=True,
        sme_only=True,
        within_km=5,
        show_excluded=True,
    )

    assert eligibility_only(narrowed) == Criteria(narrowed.estimate, verified_only=False)
