"""Leakage turned into opportunities: categories whose spend left the area, the local providers that offer them,
the band a typical contract falls in, and suggested matches an officer confirms (never applied silently)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.policy import LocalityRule, Reservation
from app.domain.providers import LegalForm, ProviderStatus
from app.domain.spend.classification import PlaceBasis, SpendPlace
from app.domain.spend.periods import Period
from app.models import AuditEvent, CpvCode, Provider, ServiceCategory, SpendBand, SpendCategoryService
from app.services.audit import Actor
from app.services.spend.leakage import (
    MappingRefused,
    ServiceMatcher,
    categories_to_map,
    category_mappings,
    leakage_opportunities,
    map_category,
    suggest_services,
    unmap_category,
)
from app.services.spend.report import payments_behind
from tests import factories
from tests.factories import CouncilSetup
from tests.spend_factories import payment, spend_batch, spend_supplier

Q1 = Period.quarter(2026, 1)
ON = date(2026, 6, 30)
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
OFFICER = Actor(None, "officer@example.com")
KNOWSLEY, LIVERPOOL = "E08000011", "E08000012"


@dataclass
class Market:
    grounds: ServiceCategory
    cleaning: ServiceCategory
    green_hands: Provider


def _category(session: Session, slug: str, name: str, description: str, cpv: list[tuple[str, str]]) -> ServiceCategory:
    codes = []
    for code, label in cpv:
        found = session.get(CpvCode, code) or CpvCode(code=code, label=label)
        codes.append(found)
    category = ServiceCategory(slug=slug, name=name, description=description, cpv_codes=codes)
    session.add(category)
    session.flush()
    return category


def _provider(session: Session, name: str, form: LegalForm, services: list[ServiceCategory], **kw: object) -> Provider:
    provider = factories.provider(session, name, legal_form=form, **kw)  # type: ignore[arg-type]
    provider.services.extend(services)
    session.flush()
    return provider


@pytest.fixture
def market(session: Session, knowsley: CouncilSetup) -> Market:
    """Two register services, and who offers them: three verified providers in Knowsley for grounds maintenance
    (two in the social economy), one in Liverpool, one in Knowsley not yet verified, one in Knowsley that cleans."""
    grounds = _category(
        session,
        "grounds-maintenance-and-gardening",
        "Grounds maintenance and gardening",
        "Parks, green spaces, verges and gardens: mowing, planting and tree work.",
        [("77310000-6", "Planting and maintenance services of green areas")],
    )
    cleaning = _category(
        session, "cleaning", "Cleaning", "Office, school and building cleaning.", [("90910000-9", "Cleaning services")]
    )
    green_hands = _provider(session, "Green Hands CIC", LegalForm.CIC, [grounds])
    _provider(session, "Huyton Gardeners", LegalForm.CLG, [grounds])
    _provider(session, "Mowers Ltd", LegalForm.PRIVATE_COMPANY, [grounds])
    _provider(session, "Liverpool Landscapes CIC", LegalForm.CIC, [grounds], district_code=LIVERPOOL)
    _provider(session, "New Growth Co-op", LegalForm.COOPERATIVE, [grounds], status=ProviderStatus.SUBMITTED)
    _provider(session, "Sparkle Cleaning CIC", LegalForm.CIC, [cleaning])
    return Market(grounds, cleaning, green_hands)


@pytest.fixture
def spend(session: Session, knowsley: CouncilSetup) -> None:
    """A quarter's spend by service area: grounds maintenance and cleaning leaving Knowsley, parks unmapped."""
    council = knowsley.council
    batch = spend_batch(session, council)

    def supplier(name: str, place: SpendPlace) -> object:
        return spend_supplier(session, council, name, place=place, legal_form=LegalForm.PRIVATE_COMPANY)

    far, farther, near = (
        supplier("National Grounds plc", SpendPlace.OUTSIDE),
        supplier("Regional Verges Ltd", SpendPlace.OUTSIDE),
        supplier("Wirral Mowing Ltd", SpendPlace.WIDER),
    )
    local = spend_supplier(session, council, "Green Hands CIC", place=SpendPlace.LOCAL, basis=PlaceBasis.BRANCHED)
    cleaners = supplier("Big Clean plc", SpendPlace.OUTSIDE)
    unknown = supplier("Someone", SpendPlace.NOT_KNOWN)
    refund = supplier("Refunds Ltd", SpendPlace.OUTSIDE)
    for who, pence, area in (
        (far, 25_000_00, "Grounds Maintenance"),
        (far, 5_000_00, "Grounds Maintenance"),
        (farther, 10_000_00, "Grounds Maintenance"),
        (near, 20_000_00, "Grounds Maintenance"),
        (local, 5_000_00, "Grounds Maintenance"),
        (unknown, 7_000_00, "Grounds Maintenance"),
        (cleaners, 300_000_00, "Cleaning"),
        (far, 8_000_00, "Parks"),
        (refund, -2_000_00, "Stationery"),
        (local, 4_000_00, "Stationery"),
        (far, 1_000_00, None),
    ):
        payment(session, batch, who, pence, date(2026, 5, 1), service_area=area)  # type: ignore[arg-type]


def _map(session: Session, knowsley: CouncilSetup, label: str, category: ServiceCategory) -> SpendCategoryService:
    return map_category(session, knowsley.council, "service_area", label, category, OFFICER, NOW)


def test_categories_leaking_largest_first_with_the_local_providers_that_offer_them(
    session: Session, knowsley: CouncilSetup, market: Market, spend: None
) -> None:
    _map(session, knowsley, "Grounds Maintenance", market.grounds)
    _map(session, knowsley, "Cleaning", market.cleaning)
    found = leakage_opportunities(session, knowsley.council, Q1, today=ON)
    assert [(o.name, o.outside.pence, o.outside_suppliers) for o in found] == [
        ("Cleaning", 300_000_00, 1),
        ("Grounds Maintenance", 60_000_00, 3),
        ("Parks", 8_000_00, 1),
        ("Not given", 1_000_00, 1),
    ]  # Stationery left the area only as a credit: nothing to win back there
    grounds = found[1]
    assert grounds.dimension == "service_area" and grounds.mapped
    assert [p.name for p in grounds.providers] == ["Green Hands CIC", "Huyton Gardeners", "Mowers Ltd"]
    assert (grounds.social_enterprises, grounds.eligible) == (2, 3)
    assert grounds.wording == (
        "£60k on “Grounds Maintenance” went to 3 suppliers outside Knowsley in Q1 2026-27 (April to June 2026); "
        "3 local providers on the register offer it, 2 of them social enterprises."
    )
    assert grounds.measured_pence == 72_000_00 and grounds.outside.share is not None
    assert grounds.outside.percent == "83.3%"


def test_the_band_of_a_typical_contract_and_what_its_rule_lets_the_council_do(
    session: Session, knowsley: CouncilSetup, market: Market, spend: None
) -> None:
    _map(session, knowsley, "Grounds Maintenance", market.grounds)
    _map(session, knowsley, "Cleaning", market.cleaning)
    found = {o.name: o for o in leakage_opportunities(session, knowsley.council, Q1, today=ON)}
    grounds = found["Grounds Maintenance"].band
    # £60,000 outside over 3 suppliers: a typical contract of £20,000, in Knowsley's intermediate band.
    assert grounds is not None and grounds.typical_pence == 20_000_00
    assert (grounds.label, grounds.locality_rule, grounds.above_threshold) == (
        "Intermediate value",
        LocalityRule.LOCAL_ONLY,
        False,
    )
    assert (
        "A typical contract (£20,000, the spend outside the area per supplier over Q1 2026-27 (April to June 2026), "
        "as published) falls in the council's band “Intermediate value” (£5,000 to £173,099.99 (excluding VAT)): "
        "local only, so the council may ask just providers based in Knowsley."
    ) in found["Grounds Maintenance"].details
    cleaning = found["Cleaning"]
    assert cleaning.band is not None and cleaning.band.above_threshold
    assert cleaning.band.locality_rule == LocalityRule.OPEN
    assert (
        "A typical contract (£300,000, the spend outside the area per supplier over Q1 2026-27 (April to June 2026), "
        "as published) is at or above the statutory threshold: a regulated procedure open to all, where location may "
        "not be used."
    ) in cleaning.details
    assert cleaning.wording.endswith("1 local provider on the register offers it, a social enterprise.")


def test_a_band_reserved_to_the_social_economy_counts_who_qualifies(
    session: Session, knowsley: CouncilSetup, market: Market, spend: None
) -> None:
    band = session.scalar(select(SpendBand).where(SpendBand.council_id == knowsley.council.id, SpendBand.code == "B"))
    assert band is not None
    band.reservation = Reservation.VCSE
    session.flush()
    _map(session, knowsley, "Grounds Maintenance", market.grounds)
    grounds = next(
        o for o in leakage_opportunities(session, knowsley.council, Q1, today=ON) if o.label == "Grounds Maintenance"
    )
    assert grounds.eligible == 2
    assert [p.name for p in grounds.providers if not p.eligible] == ["Mowers Ltd"]
    assert "not a voluntary, community or social enterprise" in grounds.providers[-1].reason
    assert "The band is reserved to voluntary, community and social enterprises: 2 local providers qualify." in (
        grounds.details
    )


def test_every_outside_figure_is_the_sum_of_its_payments(
    session: Session, knowsley: CouncilSetup, market: Market, spend: None
) -> None:
    for opportunity in leakage_opportunities(session, knowsley.council, Q1, today=ON):
        behind = payments_behind(session, knowsley.council, Q1, opportunity.outside.filters)
        assert (behind.total_pence, behind.total) == (opportunity.outside.pence, opportunity.outside.payments)


def test_unmatched_categories_get_suggestions_that_are_never_applied(
    session: Session, knowsley: CouncilSetup, market: Market, spend: None
) -> None:
    found = {o.name: o for o in leakage_opportunities(session, knowsley.council, Q1, today=ON)}
    parks = found["Parks"]
    assert not parks.mapped and parks.providers == []
    assert [s.service.slug for s in parks.suggestions] == ["grounds-maintenance-and-gardening"]
    assert parks.suggestions[0].matched_on == "its description"
    assert parks.wording == (
        "£8k on “Parks” went to 1 supplier outside Knowsley in Q1 2026-27 (April to June 2026); it is not yet "
        "matched to any of the register's services."
    )
    grounds = found["Grounds Maintenance"]
    assert grounds.suggestions[0].service.slug == "grounds-maintenance-and-gardening"
    assert grounds.suggestions[0].score >= 90 and grounds.suggestions[0].matched_on == "its name"
    assert found["Not given"].suggestions == []
    assert "cannot be matched to the register's services without a category" in found["Not given"].wording
    assert session.scalar(select(func.count()).select_from(SpendCategoryService)) == 0


def test_no_local_provider_yet(session: Session, knowsley: CouncilSetup, market: Market, spend: None) -> None:
    _map(session, knowsley, "Parks", market.cleaning)  # an odd match, but the officer's to make
    other = factories.provider(session, "Elsewhere Ltd", district_code=LIVERPOOL)
    other.services.append(market.grounds)
    parks = next(o for o in leakage_opportunities(session, knowsley.council, Q1, today=ON) if o.label == "Parks")
    assert parks.services[0].slug == "cleaning" and parks.suggestions == []
    assert parks.wording.endswith("1 local provider on the register offers it, a social enterprise.")
    _map(session, knowsley, "Parks", market.grounds)
    unmap_category(session, knowsley.council, "service_area", "Parks", market.cleaning, OFFICER, NOW)
    session.delete(session.scalar(select(Provider).where(Provider.name == "Green Hands CIC")))
    for provider in session.scalars(select(Provider).where(Provider.name.in_(["Huyton Gardeners", "Mowers Ltd"]))):
        session.delete(provider)
    session.flush()
    parks = next(o for o in leakage_opportunities(session, knowsley.council, Q1, today=ON) if o.label == "Parks")
    assert parks.wording.endswith("no local provider on the register offers it yet.")


def test_mapping_is_recorded_in_the_audit_log_and_undone(
    session: Session, knowsley: CouncilSetup, market: Market
) -> None:
    row = _map(session, knowsley, "  Grounds Maintenance ", market.grounds)
    assert (row.label, row.dimension, row.mapped_at) == ("Grounds Maintenance", "service_area", NOW)
    again = _map(session, knowsley, "Grounds Maintenance", market.grounds)
    assert again.id == row.id
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "spend.category_mapped")))
    assert len(events) == 1 and events[0].changes["service_category"] == "grounds-maintenance-and-gardening"
    assert category_mappings(session, knowsley.council, "service_area")["Grounds Maintenance"][0].name == (
        "Grounds maintenance and gardening"
    )
    assert unmap_category(
        session, knowsley.council, "service_area", "Grounds Maintenance", market.grounds, OFFICER, NOW
    )
    assert not unmap_category(
        session, knowsley.council, "service_area", "Grounds Maintenance", market.grounds, OFFICER, NOW
    )
    assert session.scalar(select(func.count()).where(AuditEvent.action == "spend.category_unmapped")) == 1
    assert category_mappings(session, knowsley.council, "service_area") == {}


@pytest.mark.parametrize(
    ("dimension", "label", "field"),
    [("colour", "Red", "dimension"), ("department", "   ", "label"), ("department", "x" * 201, "label")],
)
def test_mappings_the_rules_refuse(
    session: Session, knowsley: CouncilSetup, market: Market, dimension: str, label: str, field: str
) -> None:
    with pytest.raises(MappingRefused) as caught:
        map_category(session, knowsley.council, dimension, label, market.grounds, OFFICER, NOW)
    assert caught.value.field == field


def test_categories_to_map_for_the_officers_page(
    session: Session, knowsley: CouncilSetup, market: Market, spend: None
) -> None:
    _map(session, knowsley, "Cleaning", market.cleaning)
    rows = categories_to_map(session, knowsley.council, "service_area")
    assert [(r.label, r.pence, r.payments) for r in rows] == [
        ("Cleaning", 300_000_00, 1),
        ("Grounds Maintenance", 72_000_00, 6),
        ("Parks", 8_000_00, 1),
        ("Stationery", 2_000_00, 2),
    ]
    assert [s.name for s in rows[0].services] == ["Cleaning"] and rows[0].suggestions == []
    assert rows[1].suggestions[0].service.slug == "grounds-maintenance-and-gardening"
    assert categories_to_map(session, knowsley.council, "department") == []
    assert categories_to_map(session, knowsley.council, "service_area", period=Period.month(2026, 1)) == []
    with pytest.raises(MappingRefused):
        categories_to_map(session, knowsley.council, "colour")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("SC : Childcare Services", "childcare"),
        ("CONSTRUCTION: Bld Construction", "building-repairs-and-construction"),
        ("Interpretation & Translation", "translation-and-interpreting"),
        ("CATERING : Food & Beverages", "food-catering-and-community-cafes"),
        ("LEGAL SERVICES : Advocacy", "legal-finance-and-accounting"),
        ("TRANSPORT : Taxi Services", "transport-and-community-transport"),
    ],
)
def test_suggestions_over_the_registers_real_services_for_real_proclass_labels(
    session: Session, reference: object, label: str, expected: str
) -> None:
    assert expected in [s.service.slug for s in suggest_services(session, label)]


def test_words_that_say_nothing_suggest_nothing(session: Session, reference: object) -> None:
    matcher = ServiceMatcher.load(session)
    assert matcher.suggest("NA") == [] and matcher.suggest("Services and supplies") == []
    assert matcher.suggest("UTILITIES : Water") == []
