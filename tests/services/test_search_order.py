"""The search's and the directory's order at any size: segments (local before the wider area before elsewhere; names
that hold the words before the rest) read page by page from the order's index, counts that stop at a cap, and the
same answers whether the matches are few (read whole) or many (walked in the index)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.bands import Estimate, VatTreatment
from app.domain.policy import ContractType, LocalityRule
from app.domain.providers import LegalForm, ProviderStatus
from app.models import Provider, SpendBand
from app.services import fulltext, ordered_pages, public_directory
from app.services.locality import local_area_for
from app.services.search import Criteria, SearchResult, search
from tests import factories

TODAY = date(2026, 12, 3)
VALUE = 2_000_000  # band B: £20,000, local only unless a test makes it local first


def _criteria(**narrowed: Any) -> Criteria:
    estimate = Estimate(ContractType.GOODS_AND_SERVICES, TODAY, VatTreatment.EXCLUDED, total_pence=VALUE)
    return Criteria(estimate, **narrowed)


def _provider(
    session: Session, name: str, district: str | None, score: int, description: str = "", **kwargs: Any
) -> Provider:
    made = factories.provider(session, name, district_code=district, **kwargs)
    made.description = description or None
    fulltext.refresh(session, made)
    made.signal_score = score  # set after the refresh: the order is what is tested, not how the weight is made
    return made


@pytest.fixture
def local_first(session: Session, knowsley: factories.CouncilSetup) -> list[str]:
    """Band B made local first, and providers at every level; returns their names in the order the band ranks them."""
    band = session.scalar(select(SpendBand).where(SpendBand.council_id == knowsley.council.id, SpendBand.code == "B"))
    assert band is not None
    band.locality_rule = LocalityRule.LOCAL_FIRST
    made = [
        ("Knowsley Strong CIC", "E08000011", 3),
        ("Knowsley Able CIC", "E08000011", 1),
        ("knowsley Bright CIC", "E08000011", 1),  # the same weight: name order, as stored
        ("Liverpool Top Ltd", "E08000012", 5),  # a higher weight, but only in the wider area
        ("Liverpool Plain Ltd", "E08000012", 0),
        ("Blackburn Best Ltd", "E06000008", 9),  # placed, outside the wider area
        ("Nowhere Yet CIC", None, 9),  # not placed
    ]
    for name, district, score in made:
        _provider(session, name, district, score)
    draft = _provider(session, "Knowsley Draft CIC", "E08000011", 9, status=ProviderStatus.DRAFT)
    assert draft.status == ProviderStatus.DRAFT
    session.commit()
    return [
        "Knowsley Strong CIC",
        "Knowsley Able CIC",
        "knowsley Bright CIC",
        "Liverpool Top Ltd",
        "Liverpool Plain Ltd",
        "Blackburn Best Ltd",
        "Nowhere Yet CIC",
    ]


def _search(session: Session, knowsley: factories.CouncilSetup, criteria: Criteria, **kw: Any) -> SearchResult:
    area = local_area_for(session, knowsley.council, None)
    return search(session, knowsley.council, area, criteria, TODAY, **kw)


def _all_pages(session: Session, knowsley: factories.CouncilSetup, criteria: Criteria, per_page: int) -> list[str]:
    names: list[str] = []
    first = _search(session, knowsley, criteria, per_page=per_page)
    for number in range(1, first.pages + 1):
        names += [
            row.provider.name for row in _search(session, knowsley, criteria, page=number, per_page=per_page).rows
        ]
    return names


def test_local_first_lists_each_level_in_turn_then_weight_then_name(
    session: Session, knowsley: factories.CouncilSetup, local_first: list[str]
) -> None:
    result = _search(session, knowsley, _criteria(), per_page=50)

    assert [row.provider.name for row in result.rows] == local_first
    assert (result.total, result.local_eligible, result.total_capped) == (7, 3, False)


@pytest.mark.parametrize("few_matches", [fulltext.FEW_MATCHES, 0], ids=["listed", "walked-in-the-index"])
@pytest.mark.parametrize("per_page", [1, 2, 3, 4, 6])
def test_pages_that_span_two_levels_neither_repeat_nor_skip_a_provider(
    session: Session,
    knowsley: factories.CouncilSetup,
    local_first: list[str],
    per_page: int,
    few_matches: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past FEW_MATCHES candidates a page walks the order's index testing the filters row by row; the same list."""
    monkeypatch.setattr(fulltext, "FEW_MATCHES", few_matches)
    assert _all_pages(session, knowsley, _criteria(), per_page) == local_first
    assert _all_pages(session, knowsley, _criteria(category="no-such-service"), per_page) == []


@pytest.fixture
def worded(session: Session, knowsley: factories.CouncilSetup) -> None:
    """Providers that say "navigation" in their names, and heavier ones that only describe it."""
    _provider(session, "Huyton Navigation CIC", "E08000011", 0)
    _provider(session, "Prescot Navigators Co-operative", "E08000011", 1)
    _provider(session, "Kirkby Advice Trust", "E08000011", 5, "Welfare advice and community navigation")
    _provider(session, "Halewood Helpers CIC", "E08000011", 2, "Navigation for families")
    _provider(session, "Whiston Gardens CIC", "E08000011", 9, "Parks and gardens")
    session.commit()


NAVIGATION_ORDER = [
    "Prescot Navigators Co-operative",  # names that hold the word first, by weight
    "Huyton Navigation CIC",
    "Kirkby Advice Trust",  # then the rest, by weight
    "Halewood Helpers CIC",
]


@pytest.mark.parametrize("few_matches", [fulltext.FEW_MATCHES, 0], ids=["read-whole", "walked-in-the-index"])
def test_names_that_hold_the_words_come_first_whether_matches_are_few_or_many(
    session: Session,
    knowsley: factories.CouncilSetup,
    worded: None,
    monkeypatch: pytest.MonkeyPatch,
    few_matches: int,
) -> None:
    monkeypatch.setattr(fulltext, "FEW_MATCHES", few_matches)
    result = _search(session, knowsley, _criteria(keywords="navig"))

    assert [row.provider.name for row in result.rows] == NAVIGATION_ORDER
    assert _all_pages(session, knowsley, _criteria(keywords="navig"), 1) == NAVIGATION_ORDER
    assert result.total == 4


def test_a_count_past_the_cap_stops_there_and_says_so(
    session: Session, knowsley: factories.CouncilSetup, local_first: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ordered_pages, "COUNT_LIMIT", 5)
    result = _search(session, knowsley, _criteria(), per_page=2)

    assert (result.total, result.total_capped) == (5, True)  # 7 eligible: "more than 5"
    assert (result.local_eligible, result.local_capped) == (3, False)
    assert result.pages == 3  # the pages the cap reaches
    monkeypatch.setattr(ordered_pages, "COUNT_LIMIT", 7)
    exact = _search(session, knowsley, _criteria(), per_page=2)
    assert (exact.total, exact.total_capped) == (7, False)


def test_a_local_only_band_counts_local_providers_once(
    session: Session, knowsley: factories.CouncilSetup, local_first: list[str]
) -> None:
    estimate = Estimate(ContractType.GOODS_AND_SERVICES, TODAY, VatTreatment.EXCLUDED, total_pence=400_000)
    result = _search(session, knowsley, Criteria(estimate))

    assert result.choice.locality_rule == LocalityRule.LOCAL_ONLY
    assert [row.provider.name for row in result.rows] == local_first[:3]
    assert result.total == result.local_eligible == 3


# The public directory ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("few_matches", [fulltext.FEW_MATCHES, 0], ids=["read-whole", "walked-in-the-index"])
def test_the_directory_lists_names_without_regard_to_case_and_name_matches_first(
    session: Session,
    knowsley: factories.CouncilSetup,
    worded: None,
    monkeypatch: pytest.MonkeyPatch,
    few_matches: int,
) -> None:
    monkeypatch.setattr(fulltext, "FEW_MATCHES", few_matches)
    _provider(session, "aintree Advice CIC", "E08000012", 0, legal_form=LegalForm.COOPERATIVE)
    session.commit()

    everyone = public_directory.list_verified_providers(session, per_page=50)
    names = [entry.provider.name for entry in everyone.entries]
    assert names == sorted(names, key=str.lower) and names[0] == "aintree Advice CIC"

    found = public_directory.list_verified_providers(session, query="navig")
    assert [entry.provider.name for entry in found.entries] == [
        "Huyton Navigation CIC",
        "Prescot Navigators Co-operative",
        "Halewood Helpers CIC",
        "Kirkby Advice Trust",
    ]
    paged = [
        entry.provider.name
        for number in (1, 2, 3, 4)
        for entry in public_directory.list_verified_providers(session, query="navig", page=number, per_page=1).entries
    ]
    assert paged == [entry.provider.name for entry in found.entries]


def test_the_directory_count_stops_at_the_cap(
    session: Session, knowsley: factories.CouncilSetup, worded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ordered_pages, "COUNT_LIMIT", 3)
    page = public_directory.list_verified_providers(session, per_page=2)

    assert (page.total, page.total_capped, page.pages) == (3, True, 2)
    narrowed = public_directory.list_verified_providers(session, query="navig", per_page=2)
    assert (narrowed.total, narrowed.total_capped) == (3, True)
    few = public_directory.list_verified_providers(session, query="gardens")
    assert (few.total, few.total_capped) == (1, False)


def test_the_district_and_service_filters_list_only_what_published_providers_have(
    session: Session, knowsley: factories.CouncilSetup
) -> None:
    _provider(session, "Published Co-operative", "E08000012", 0)
    _provider(session, "Draft CIC", "E06000008", 0, status=ProviderStatus.DRAFT)
    session.commit()

    districts = public_directory.districts_with_verified_providers(session)
    assert [area.code for area in districts] == ["E08000012"]
