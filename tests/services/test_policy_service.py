"""A council's bands in force on a date, thresholds resolved; and the home pages' counts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from app.domain.policy import ContractType, LocalityRule, VatBasis
from app.domain.providers import ProviderStatus
from app.models import Council, Site, SpendBand
from app.services import ordered_pages, overview, policy
from tests import factories
from tests.factories import CouncilSetup

ON = date(2026, 6, 1)
GOODS_THRESHOLD = 20_772_000  # £207,720 from 1 January 2026
LIGHT_TOUCH_THRESHOLD = 66_354_000  # £663,540
KNOWSLEY = "E08000011"
LIVERPOOL = "E08000012"
BLACKBURN = "E06000008"


def _band(council: Council, code: str, **kw: object) -> SpendBand:
    values: dict[str, object] = {
        "code": code,
        "label": f"Band {code}",
        "lower_pence": 100_000,
        "upper_pence": 200_000,
        "vat_basis": VatBasis.EXCLUDED,
        "route": "Quotes",
        "locality_rule": LocalityRule.OPEN,
        "effective_from": date(2025, 2, 24),
    }
    values.update(kw)
    return SpendBand(council=council, **values)


def test_knowsleys_bands_in_force(session: Session, knowsley: CouncilSetup) -> None:
    bands = policy.bands_in_force(session, knowsley.council, ON)

    assert [(b.band.code, b.lower, b.upper) for b in bands] == [
        ("A", 0, 500_000),
        ("B", 500_000, 18_100_001),
        ("C", 18_100_001, GOODS_THRESHOLD),
        ("D", GOODS_THRESHOLD, None),
    ]
    assert [b.range_text for b in bands] == [
        "under £5,000",
        "£5,000 to £181,000",
        "£181,000.01 (excluding VAT) up to the statutory threshold of £207,720 (including VAT)",
        "from the statutory threshold of £207,720 (including VAT)",
    ]
    threshold = bands[0].threshold
    assert threshold is not None
    assert (threshold.contract_type, threshold.amount_pence, threshold.effective_from) == (
        ContractType.GOODS_AND_SERVICES,
        GOODS_THRESHOLD,
        date(2026, 1, 1),
    )


def test_a_light_touch_procurement_uses_the_light_touch_threshold(session: Session, knowsley: CouncilSetup) -> None:
    bands = {b.band.code: b for b in policy.bands_in_force(session, knowsley.council, ON, ContractType.LIGHT_TOUCH)}

    assert bands["C"].upper == LIGHT_TOUCH_THRESHOLD
    assert bands["D"].lower == LIGHT_TOUCH_THRESHOLD
    assert bands["D"].range_text == "from the statutory threshold of £663,540 (including VAT)"
    assert bands["A"].upper == 500_000  # fixed bounds are untouched
    assert bands["C"].threshold is not None
    assert bands["C"].threshold.contract_type == ContractType.LIGHT_TOUCH


def test_a_works_procurement_uses_the_works_threshold(session: Session, knowsley: CouncilSetup) -> None:
    bands = {b.band.code: b for b in policy.bands_in_force(session, knowsley.council, ON, ContractType.WORKS)}
    assert bands["C"].upper == 519_300_000
    assert bands["D"].range_text == "from the statutory threshold of £5,193,000 (including VAT)"


@pytest.mark.parametrize(
    ("effective_from", "effective_to", "in_force"),
    [
        (date(2024, 1, 1), date(2026, 1, 1), False),  # ended before
        (date(2024, 1, 1), ON, False),  # effective_to is the first day it no longer applies
        (date(2024, 1, 1), date(2026, 6, 2), True),
        (ON, None, True),  # starts that day
        (date(2026, 6, 2), None, False),  # not started yet
    ],
)
def test_bands_are_effective_dated(
    session: Session, knowsley: CouncilSetup, effective_from: date, effective_to: date | None, in_force: bool
) -> None:
    session.add(_band(knowsley.council, "X", effective_from=effective_from, effective_to=effective_to))
    session.commit()

    codes = [b.band.code for b in policy.bands_in_force(session, knowsley.council, ON)]

    assert codes == (["A", "X", "B", "C", "D"] if in_force else ["A", "B", "C", "D"])


def test_another_councils_bands_are_not_included(session: Session, knowsley: CouncilSetup) -> None:
    liverpool = Council(name="Liverpool City Council", district=knowsley.neighbour)
    session.add(_band(liverpool, "L"))
    session.commit()

    assert [b.band.code for b in policy.bands_in_force(session, liverpool, ON)] == ["L"]
    assert "L" not in [b.band.code for b in policy.bands_in_force(session, knowsley.council, ON)]


def test_thresholds_are_read_from_the_database(session: Session, knowsley: CouncilSetup) -> None:
    found = {t.contract_type: t.amount_pence for t in policy.thresholds(session)}
    assert found == {
        ContractType.GOODS_AND_SERVICES: GOODS_THRESHOLD,
        ContractType.WORKS: 519_300_000,
        ContractType.LIGHT_TOUCH: LIGHT_TOUCH_THRESHOLD,
    }


# overview


def test_local_and_wider_counts(session: Session, knowsley: CouncilSetup) -> None:
    factories.provider(session, "Knowsley verified", district_code=KNOWSLEY)
    factories.provider(session, "Liverpool verified", district_code=LIVERPOOL)
    factories.provider(session, "Blackburn verified", district_code=BLACKBURN)
    factories.provider(session, "Knowsley draft", district_code=KNOWSLEY, status=ProviderStatus.DRAFT)
    factories.provider(session, "Liverpool submitted", district_code=LIVERPOOL, status=ProviderStatus.SUBMITTED)
    factories.provider(session, "Not placed", district_code=None)
    session.commit()

    counts = overview.local_provider_counts(session, knowsley.council)

    assert counts == overview.LocalCounts(local=1, wider=2, wider_area_name="Liverpool City Region")


@pytest.mark.parametrize(
    ("district_code", "status", "local", "wider"),
    [
        (KNOWSLEY, ProviderStatus.VERIFIED, 1, 1),  # the wider area includes the council's own district
        (LIVERPOOL, ProviderStatus.VERIFIED, 0, 1),
        (BLACKBURN, ProviderStatus.VERIFIED, 0, 0),
        (KNOWSLEY, ProviderStatus.DRAFT, 0, 0),
        (KNOWSLEY, ProviderStatus.SUBMITTED, 0, 0),
        (LIVERPOOL, ProviderStatus.REJECTED, 0, 0),
        (LIVERPOOL, ProviderStatus.ARCHIVED, 0, 0),
        (None, ProviderStatus.VERIFIED, 0, 0),
    ],
)
def test_one_provider_counts_where_it_is(
    session: Session,
    knowsley: CouncilSetup,
    district_code: str | None,
    status: ProviderStatus,
    local: int,
    wider: int,
) -> None:
    factories.provider(session, district_code=district_code, status=status)
    session.commit()
    counts = overview.local_provider_counts(session, knowsley.council)
    assert (counts.local, counts.wider) == (local, wider)


def test_a_provider_with_several_sites_counts_once(session: Session, knowsley: CouncilSetup) -> None:
    provider = factories.provider(session, district_code=KNOWSLEY)
    for code in (KNOWSLEY, LIVERPOOL):
        provider.sites.append(Site(postcode="L1 1AA", district_code=code))
    session.commit()
    counts = overview.local_provider_counts(session, knowsley.council)
    assert (counts.local, counts.wider) == (1, 1)


def test_a_council_without_a_wider_area(session: Session, knowsley: CouncilSetup) -> None:
    knowsley.council.wider_area = None
    factories.provider(session, district_code=LIVERPOOL)
    factories.provider(session, district_code=KNOWSLEY)
    session.commit()
    assert overview.local_provider_counts(session, knowsley.council) == overview.LocalCounts(1, 0, None)


def test_counts_past_the_cap_say_more_than(
    session: Session, knowsley: CouncilSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ordered_pages, "COUNT_LIMIT", 2)
    for code in (KNOWSLEY, KNOWSLEY, LIVERPOOL):
        factories.provider(session, district_code=code)
    session.commit()
    counts = overview.local_provider_counts(session, knowsley.council)
    assert (counts.local, counts.local_capped, counts.wider, counts.wider_capped) == (2, False, 2, True)
    assert (counts.local_text, counts.wider_text) == ("2 providers", "more than 10,000 providers")


def test_provider_status_counts(session: Session, knowsley: CouncilSetup) -> None:
    for status, n in ((ProviderStatus.VERIFIED, 3), (ProviderStatus.SUBMITTED, 2), (ProviderStatus.DRAFT, 1)):
        for _ in range(n):
            factories.provider(session, status=status)
    session.commit()

    counts = overview.provider_status_counts(session)

    assert counts == {
        ProviderStatus.DRAFT: 1,
        ProviderStatus.SUBMITTED: 2,
        ProviderStatus.VERIFIED: 3,
        ProviderStatus.CHANGES_REQUESTED: 0,
        ProviderStatus.REJECTED: 0,
        ProviderStatus.ARCHIVED: 0,
    }


def test_provider_status_counts_when_empty(session: Session) -> None:
    assert overview.provider_status_counts(session) == dict.fromkeys(ProviderStatus, 0)


def test_sites_not_placed(session: Session, knowsley: CouncilSetup) -> None:
    factories.provider(session, district_code=KNOWSLEY)
    factories.provider(session, district_code=None)
    factories.provider(session, district_code=None, status=ProviderStatus.DRAFT)
    session.commit()
    assert overview.sites_not_placed(session) == 2


def test_sites_not_placed_when_all_are_placed(session: Session, knowsley: CouncilSetup) -> None:
    factories.provider(session, district_code=KNOWSLEY)
    session.commit()
    assert overview.sites_not_placed(session) == 0


def test_a_band_bounded_by_a_missing_threshold_says_so(session, knowsley) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from app.services.policy import bands_in_force

    bands = {b.band.code: b for b in bands_in_force(session, knowsley.council, date(2025, 6, 1))}
    assert bands["C"].threshold_missing and bands["D"].threshold_missing
    assert "not recorded" in bands["C"].range_text
    assert not bands["A"].threshold_missing
    assert bands["A"].range_text == "under £5,000"


def test_a_search_above_the_threshold_gets_the_regulated_procedure_whatever_the_bands_say(
    session: Session, knowsley: CouncilSetup
) -> None:
    """Issue 11 #2: with D retired and C running on with no limit, reserved and local only (as stored bands may be),
    a £5,000,000 search is still the regulated procedure, open to a provider from Liverpool that is not an SME."""
    from sqlalchemy import select

    from app.domain.bands import Estimate, VatTreatment
    from app.domain.policy import Reservation
    from app.services.locality import local_area_for
    from app.services.search import Criteria, search

    rows = {row.code: row for row in session.scalars(select(SpendBand).where(SpendBand.council == knowsley.council))}
    rows["D"].effective_to = date(2026, 3, 1)
    rows["C"].upper_is_statutory_threshold = False
    rows["C"].locality_rule = LocalityRule.LOCAL_ONLY
    rows["C"].reservation = Reservation.SME
    outside = factories.provider(session, "Mersey Works Ltd", district_code=LIVERPOOL)
    session.commit()

    estimate = Estimate(ContractType.GOODS_AND_SERVICES, ON, VatTreatment.EXCLUDED, total_pence=500_000_000)
    result = search(session, knowsley.council, local_area_for(session, knowsley.council, None), Criteria(estimate), ON)

    choice = result.choice
    assert choice.above_threshold
    assert choice.band.route == "Regulated procedure under the Procurement Act 2023"
    assert (choice.locality_rule, choice.band.reservation) == (LocalityRule.OPEN, Reservation.NONE)
    assert "3 quotes or tender" not in choice.summary("Knowsley")
    assert choice.cautions[0].startswith("£6,000,000 including VAT is at or above the statutory threshold")
    assert outside.id in {row.provider.id for row in result.rows}
