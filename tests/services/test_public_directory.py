"""The public directory: verified providers only, filtered, in name order, a page at a time."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.domain.providers import LegalForm, Placement, ProviderStatus, SiteKind
from app.models import Provider, ServiceCategory, Site
from app.services import fulltext, provider_page, public_directory
from tests import factories
from tests.factories import CouncilSetup

KNOWSLEY = "E08000011"
LIVERPOOL = "E08000012"
BLACKBURN = "E06000008"


def _names(page: public_directory.DirectoryPage) -> list[str]:
    return [entry.provider.name for entry in page.entries]


def _add_site(session: Session, provider: Provider, district_code: str | None) -> None:
    provider.sites.append(
        Site(
            kind=SiteKind.REGISTERED_OFFICE,
            postcode="L1 1AA",
            district_code=district_code,
            placement=Placement.POSTCODE,
        )
    )
    session.flush()


@pytest.mark.parametrize("status", [s for s in ProviderStatus if s != ProviderStatus.VERIFIED])
def test_only_verified_providers_are_listed(session: Session, knowsley: CouncilSetup, status: ProviderStatus) -> None:
    factories.provider(session, "Shown", status=ProviderStatus.VERIFIED)
    factories.provider(session, "Hidden", status=status)
    session.commit()

    page = public_directory.list_verified_providers(session)

    assert _names(page) == ["Shown"]
    assert page.total == 1


def test_filter_by_district(session: Session, knowsley: CouncilSetup) -> None:
    factories.provider(session, "In Knowsley", district_code=KNOWSLEY)
    factories.provider(session, "In Liverpool", district_code=LIVERPOOL)
    factories.provider(session, "Draft in Liverpool", district_code=LIVERPOOL, status=ProviderStatus.DRAFT)
    both = factories.provider(session, "In both", district_code=KNOWSLEY)
    _add_site(session, both, LIVERPOOL)
    session.commit()

    liverpool = public_directory.list_verified_providers(session, district_code=LIVERPOOL)
    knowsley_page = public_directory.list_verified_providers(session, district_code=KNOWSLEY)

    assert _names(liverpool) == ["In both", "In Liverpool"]
    assert liverpool.total == 2
    assert liverpool.filters == {"district": LIVERPOOL}
    assert _names(knowsley_page) == ["In both", "In Knowsley"]
    assert public_directory.list_verified_providers(session, district_code=BLACKBURN).total == 0


def test_filter_by_legal_form(session: Session, knowsley: CouncilSetup) -> None:
    factories.provider(session, "Co-op", legal_form=LegalForm.COOPERATIVE)
    factories.provider(session, "CIC", legal_form=LegalForm.CIC)
    factories.provider(session, "Charity", legal_form=LegalForm.CHARITY)
    session.commit()

    page = public_directory.list_verified_providers(session, legal_form=LegalForm.COOPERATIVE)

    assert _names(page) == ["Co-op"]
    assert page.filters == {"legal_form": "cooperative_society"}


def test_filters_combine(session: Session, knowsley: CouncilSetup) -> None:
    factories.provider(session, "Liverpool co-op", legal_form=LegalForm.COOPERATIVE, district_code=LIVERPOOL)
    factories.provider(session, "Knowsley co-op", legal_form=LegalForm.COOPERATIVE, district_code=KNOWSLEY)
    factories.provider(session, "Liverpool CIC", legal_form=LegalForm.CIC, district_code=LIVERPOOL)
    session.commit()

    page = public_directory.list_verified_providers(session, district_code=LIVERPOOL, legal_form=LegalForm.COOPERATIVE)

    assert _names(page) == ["Liverpool co-op"]
    assert page.filters == {"district": LIVERPOOL, "legal_form": "cooperative_society"}


def test_no_filters_means_an_empty_filter_dict(session: Session, knowsley: CouncilSetup) -> None:
    assert public_directory.list_verified_providers(session).filters == {}


def test_names_are_in_order_whatever_their_case(session: Session, knowsley: CouncilSetup) -> None:
    for name in ["cherry Trees CIC", "Banana Co-op", "apple Community Trust", "Damson Ltd"]:
        factories.provider(session, name)
    session.commit()

    assert _names(public_directory.list_verified_providers(session)) == [
        "apple Community Trust",
        "Banana Co-op",
        "cherry Trees CIC",
        "Damson Ltd",
    ]


@pytest.fixture
def five_providers(session: Session, knowsley: CouncilSetup) -> list[str]:
    names = [f"Provider {letter}" for letter in "ABCDE"]
    for name in names:
        factories.provider(session, name)
    session.commit()
    return names


@pytest.mark.parametrize(
    ("asked", "page", "expected"),
    [
        (1, 1, ["Provider A", "Provider B"]),
        (2, 2, ["Provider C", "Provider D"]),
        (3, 3, ["Provider E"]),
        (4, 3, ["Provider E"]),  # too high: the last page
        (99, 3, ["Provider E"]),
        (0, 1, ["Provider A", "Provider B"]),  # below 1: the first page
        (-5, 1, ["Provider A", "Provider B"]),
    ],
)
def test_pagination(session: Session, five_providers: list[str], asked: int, page: int, expected: list[str]) -> None:
    result = public_directory.list_verified_providers(session, page=asked, per_page=2)
    assert (result.total, result.pages, result.page, result.per_page) == (5, 3, page, 2)
    assert _names(result) == expected


def test_pages_divide_exactly(session: Session, five_providers: list[str]) -> None:
    result = public_directory.list_verified_providers(session, per_page=5)
    assert (result.total, result.pages, len(result.entries)) == (5, 1, 5)


@pytest.mark.parametrize("asked", [1, 3, 0])
def test_an_empty_directory_has_one_empty_page(session: Session, knowsley: CouncilSetup, asked: int) -> None:
    result = public_directory.list_verified_providers(session, page=asked)
    assert (result.total, result.pages, result.page, result.entries) == (0, 1, 1, [])


def test_district_names_are_resolved(session: Session, knowsley: CouncilSetup) -> None:
    one_site = factories.provider(session, "A one site", district_code=KNOWSLEY)
    two_sites = factories.provider(session, "B two sites", district_code=LIVERPOOL)
    _add_site(session, two_sites, KNOWSLEY)
    _add_site(session, two_sites, KNOWSLEY)  # the same district twice is named once
    unknown = factories.provider(session, "C unknown district", district_code="E08999999")
    unplaced = factories.provider(session, "D not placed", district_code=None)
    session.commit()

    entries = {e.provider.id: e.district_names for e in public_directory.list_verified_providers(session).entries}

    assert entries == {
        one_site.id: ["Knowsley"],
        two_sites.id: ["Knowsley", "Liverpool"],
        unknown.id: [],
        unplaced.id: [],
    }


def test_districts_with_verified_providers(session: Session, knowsley: CouncilSetup) -> None:
    factories.provider(session, district_code=LIVERPOOL)
    factories.provider(session, district_code=KNOWSLEY)
    factories.provider(session, district_code=KNOWSLEY)
    factories.provider(session, district_code=BLACKBURN, status=ProviderStatus.SUBMITTED)
    factories.provider(session, district_code=None)
    session.commit()

    assert [a.name for a in public_directory.districts_with_verified_providers(session)] == ["Knowsley", "Liverpool"]


def test_districts_with_verified_providers_leaves_out_wards(session: Session, knowsley: CouncilSetup) -> None:
    # A site wrongly holding a ward code in district_code must not put the ward in the district filter.
    factories.provider(session, district_code="E05015271")
    session.commit()
    assert public_directory.districts_with_verified_providers(session) == []


def test_no_districts_when_nothing_is_verified(session: Session, knowsley: CouncilSetup) -> None:
    factories.provider(session, status=ProviderStatus.DRAFT)
    session.commit()
    assert public_directory.districts_with_verified_providers(session) == []


def test_the_public_provider_page_returns_a_verified_provider(session: Session, knowsley: CouncilSetup) -> None:
    provider = factories.provider(session, "Verified")
    session.commit()
    assert (page := provider_page.public_provider_page(session, provider.id)) is not None and page.provider is provider


@pytest.mark.parametrize("status", [s for s in ProviderStatus if s != ProviderStatus.VERIFIED])
def test_the_public_page_hides_unverified(session: Session, knowsley: CouncilSetup, status: ProviderStatus) -> None:
    provider = factories.provider(session, status=status)
    session.commit()
    assert provider_page.public_provider_page(session, provider.id) is None


def test_the_public_provider_page_for_a_missing_id(session: Session, knowsley: CouncilSetup) -> None:
    assert provider_page.public_provider_page(session, 999_999) is None


# Searching by name or service ------------------------------------------------------------------------------------


@pytest.fixture
def searchable(session: Session, knowsley: CouncilSetup) -> dict[str, Provider]:
    """Providers with services and descriptions, their search documents built as registration builds them."""
    catering = ServiceCategory(slug="catering", name="Catering and food", description="Meals, cafes and events")
    gardening = ServiceCategory(slug="grounds", name="Grounds maintenance", description="Gardening and parks")
    session.add_all([catering, gardening])
    made = {
        "bakery": factories.provider(session, "Halewood Community Bakery", legal_form=LegalForm.COOPERATIVE),
        "cafe": factories.provider(session, "Page Moss Cafe CIC", district_code=LIVERPOOL),
        "gardens": factories.provider(session, "Green Spaces Trust", legal_form=LegalForm.CHARITY),
        "hidden": factories.provider(session, "Hidden Bakery Draft", status=ProviderStatus.SUBMITTED),
    }
    made["bakery"].services.append(catering)
    made["cafe"].services.append(catering)
    made["cafe"].description = "A bakery and cafe run by its members"
    made["gardens"].services.append(gardening)
    made["hidden"].services.append(catering)
    for provider in made.values():
        fulltext.refresh(session, provider)
    session.commit()
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Halewood", ["Halewood Community Bakery"]),  # a name
        ("halewood bakery", ["Halewood Community Bakery"]),  # every word must match, in any case
        ("catering", ["Halewood Community Bakery", "Page Moss Cafe CIC"]),  # a service's name
        ("gardening", ["Green Spaces Trust"]),  # a service's description
        ("gard", ["Green Spaces Trust"]),  # the start of a word
        ("bakery", ["Halewood Community Bakery", "Page Moss Cafe CIC"]),  # a name or a description
        ("plumbing", []),
        ("  ", ["Green Spaces Trust", "Halewood Community Bakery", "Page Moss Cafe CIC"]),  # no words: everyone
        # Operators are never passed on; a search of nothing but punctuation matches nobody, rather than
        # listing everyone as found for it.
        ('"*()', []),
        ("!!!", []),
        ('"catering"!', ["Halewood Community Bakery", "Page Moss Cafe CIC"]),
    ],
)
def test_search_by_name_or_service_finds_only_verified_providers(
    session: Session, searchable: dict[str, Provider], query: str, expected: list[str]
) -> None:
    page = public_directory.list_verified_providers(session, query=query)
    assert sorted(_names(page)) == expected
    assert page.total == len(expected)


def test_a_search_keeps_its_words_in_the_filters_for_the_next_page(
    session: Session, searchable: dict[str, Provider]
) -> None:
    page = public_directory.list_verified_providers(session, query="  catering  ", district_code=LIVERPOOL)
    assert _names(page) == ["Page Moss Cafe CIC"]
    assert page.query == "catering"
    assert page.filters == {"q": "catering", "district": LIVERPOOL}


def test_filter_by_service(session: Session, searchable: dict[str, Provider]) -> None:
    page = public_directory.list_verified_providers(session, service="catering")
    assert _names(page) == ["Halewood Community Bakery", "Page Moss Cafe CIC"]
    assert page.filters == {"service": "catering"}
    assert _names(public_directory.list_verified_providers(session, service="catering", legal_form=LegalForm.CIC)) == [
        "Page Moss Cafe CIC"
    ]
    assert public_directory.list_verified_providers(session, service="no-such-service").total == 0


def test_services_offered_by_verified_providers_only(session: Session, searchable: dict[str, Provider]) -> None:
    unused = ServiceCategory(slug="plumbing", name="Plumbing")
    session.add(unused)
    session.commit()
    assert [c.slug for c in public_directory.services_of_verified_providers(session)] == ["catering", "grounds"]


def test_a_long_search_is_cut_not_refused(session: Session, searchable: dict[str, Provider]) -> None:
    page = public_directory.list_verified_providers(session, query="catering " + "x" * 5_000)
    assert len(page.query) == public_directory.QUERY_MAX
    assert page.total == 0
