"""Property tests of band selection (app/domain/bands.py): choose_band, whole_life_value, band_set_problems.

Band sets are generated gap-free by choosing sorted boundaries: [0, b1), [b1, b2), ..., [bk, no limit). The
expected band is found here with integer arithmetic of our own (VAT at 20%, rounded half up), independently of
the code's Decimal arithmetic. The thresholds are those of DOMAIN.md section 2, as tests/domain builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.domain.bands import (
    EARLIEST_START,
    MAX_VALUE_PENCE,
    NOTIFIABLE_FROM_PENCE,
    Band,
    BandError,
    Estimate,
    Value,
    VatTreatment,
    band_set_problems,
    band_table,
    choose_band,
    whole_life_value,
)
from app.domain.policy import ContractType, LocalityRule, Threshold, VatBasis
from tests.domain.test_bands import THRESHOLDS, TODAY

LATEST_START = date(TODAY.year + 10, 12, 31)
START = st.dates(min_value=EARLIEST_START, max_value=LATEST_START)
CONTRACT_TYPE = st.sampled_from(list(ContractType))
VAT = st.sampled_from(list(VatTreatment))
#: Every threshold on record is above this, so bands below it never reach one.
BELOW_EVERY_THRESHOLD = min(t.amount_pence for t in THRESHOLDS) * 5 // 6 - 1
ALL_PROBLEMS_OF_SHAPE = ("overlap", "Nothing covers")


def including_vat(pence: int) -> int:
    """pence x 1.2, rounded half up, in integers."""
    return (12 * pence + 5) // 10


def excluding_vat(pence: int) -> int:
    """pence / 1.2, rounded half up, in integers."""
    return (10 * pence + 6) // 12


def expected_value(pence: int, vat: VatTreatment) -> Value:
    if vat == VatTreatment.NOT_APPLICABLE:
        return Value(pence, pence)
    if vat == VatTreatment.INCLUDED:
        return Value(excluding_vat(pence), pence)
    return Value(pence, including_vat(pence))


def threshold_on(contract_type: ContractType, on: date) -> Threshold | None:
    found = [t for t in THRESHOLDS if t.contract_type == contract_type and t.effective_from <= on]
    return max(found, key=lambda t: t.effective_from) if found else None


def band(code: str, lower: int, upper: int | None, basis: VatBasis, rule: LocalityRule, **kw: object) -> Band:
    return Band(
        code=code,
        label=f"Band {code}",
        lower_pence=lower,
        upper_pence=upper,
        vat_basis=basis,
        min_quotes=1,
        route="",
        locality_rule=rule,
        effective_from=EARLIEST_START,
        **kw,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class BandSet:
    bands: list[Band]  # in value order
    shuffled: list[Band]  # as the council might list them


@st.composite
def gap_free_bands(draw: st.DrawFn, basis: VatBasis, top: int) -> BandSet:
    """[0, b1), [b1, b2), ..., [bk, None) in one VAT basis, with boundaries below ``top``."""
    boundaries = sorted(draw(st.lists(st.integers(1, top), max_size=6, unique=True)))
    lowers = [0, *boundaries]
    uppers: list[int | None] = [*boundaries, None]
    rules = st.sampled_from([LocalityRule.OPEN, LocalityRule.LOCAL_FIRST, LocalityRule.LOCAL_ONLY])
    bands = [band(f"B{i}", lo, up, basis, draw(rules)) for i, (lo, up) in enumerate(zip(lowers, uppers, strict=True))]
    return BandSet(bands, draw(st.permutations(bands)))


def near(boundaries: list[int]) -> st.SearchStrategy[int]:
    """Totals whose value, with VAT added, taken off or neither, is on a boundary or a penny or two either side."""
    centres = {c for b in boundaries for c in (b, including_vat(b), excluding_vat(b)) if 1 <= c <= MAX_VALUE_PENCE}
    around = {t for c in centres for t in range(c - 2, c + 3) if 1 <= t <= MAX_VALUE_PENCE}
    if not centres:
        return st.integers(1, MAX_VALUE_PENCE)
    return st.sampled_from(sorted(centres)) | st.sampled_from(sorted(around))


@st.composite
def estimates(draw: st.DrawFn, boundaries: list[int] | None = None, thresholds: bool = False) -> Estimate:
    """Any value up to the maximum; half the time one beside a boundary or the threshold in force (no options)."""
    contract_type, start = draw(CONTRACT_TYPE), draw(START)
    threshold = threshold_on(contract_type, start) if thresholds else None
    beside = [*(boundaries or []), *([threshold.amount_pence] if threshold else [])]
    if beside and draw(st.booleans()):
        total, options = draw(near(beside)), 0
    else:
        total = draw(st.integers(1, MAX_VALUE_PENCE))
        options = draw(st.integers(0, MAX_VALUE_PENCE - total) | st.just(0))
    return Estimate(contract_type, start, draw(VAT), total_pence=total, options_pence=options)


def lowers(bands: list[Band]) -> list[int]:
    return [b.lower_pence for b in bands]


def containing(bands: list[Band], amount: int) -> Band:
    [found] = [b for b in bands if b.lower_pence <= amount and (b.upper_pence is None or amount < b.upper_pence)]
    return found


@given(st.data(), st.sampled_from(list(VatBasis)), st.booleans())
def test_choose_band_picks_the_band_whose_range_holds_the_value(
    data: st.DataObject, basis: VatBasis, with_thresholds: bool
) -> None:
    band_set = data.draw(gap_free_bands(basis, MAX_VALUE_PENCE * 2))
    thresholds = THRESHOLDS if with_thresholds else []
    est = data.draw(estimates(lowers(band_set.bands), with_thresholds))
    pence = est.total_pence + est.options_pence  # type: ignore[operator]

    choice = choose_band(band_set.shuffled, thresholds, est, TODAY)

    value = expected_value(pence, est.vat)
    assert choice.value == value
    expected = containing(band_set.bands, value.in_basis(basis))
    threshold = threshold_on(est.contract_type, est.start_date) if with_thresholds else None
    assert choice.threshold == threshold
    above = threshold is not None and value.in_basis(threshold.vat_basis) >= threshold.amount_pence
    assert choice.above_threshold == above
    if above:
        # None of these sets has a band from the threshold: the law's regulated procedure applies regardless.
        assert choice.band.lower_is_threshold
        assert choice.band.route.startswith("Regulated procedure under the")
        assert choice.locality_rule == LocalityRule.OPEN
    else:
        assert choice.band == expected
        assert choice.locality_rule == expected.locality_rule
    assert choice.notifiable == (value.including_vat >= NOTIFIABLE_FROM_PENCE)


@given(st.data(), st.sampled_from(list(VatBasis)), START)
def test_a_gap_free_band_set_has_no_gaps_or_overlaps(data: st.DataObject, basis: VatBasis, on: date) -> None:
    band_set = data.draw(gap_free_bands(basis, MAX_VALUE_PENCE * 2))
    problems = band_set_problems(band_set.shuffled, THRESHOLDS, on)
    assert not [p for p in problems if any(word in p for word in ALL_PROBLEMS_OF_SHAPE)], problems


@given(st.data(), st.sampled_from(list(VatBasis)))
def test_removing_a_band_leaves_a_gap_that_choose_band_refuses(data: st.DataObject, basis: VatBasis) -> None:
    band_set = data.draw(gap_free_bands(basis, MAX_VALUE_PENCE))
    assume(len(band_set.bands) >= 2)
    index = data.draw(st.integers(0, len(band_set.bands) - 2))  # not the last: it has no upper limit
    gone = band_set.bands[index]
    rest = [b for b in band_set.bands if b != gone]
    assert any("Nothing covers" in p for p in band_set_problems(rest, [], TODAY))
    assert gone.upper_pence is not None
    assume(gone.upper_pence > max(1, gone.lower_pence))
    amount = data.draw(st.integers(max(1, gone.lower_pence), gone.upper_pence - 1))
    est = Estimate(ContractType.GOODS_AND_SERVICES, TODAY, VatTreatment.NOT_APPLICABLE, total_pence=amount)
    with pytest.raises(BandError, match="None of your council's spend bands covers"):
        choose_band(rest, [], est, TODAY)


@given(st.data())
def test_at_or_above_the_threshold_the_band_from_the_threshold_is_chosen(data: st.DataObject) -> None:
    """Knowsley's shape: bands by value (excluding VAT), one up to the threshold and one from it (VAT as it counts)."""
    below = data.draw(gap_free_bands(VatBasis.EXCLUDED, BELOW_EVERY_THRESHOLD))
    est = data.draw(estimates(lowers(below.bands), thresholds=True))
    *numeric, last = below.bands
    up_to_threshold = band("BT", last.lower_pence, None, VatBasis.EXCLUDED, LocalityRule.OPEN, upper_is_threshold=True)
    from_threshold = band("BR", 0, None, VatBasis.INCLUDED, LocalityRule.OPEN, lower_is_threshold=True)
    bands = [*numeric, up_to_threshold, from_threshold]
    threshold = threshold_on(est.contract_type, est.start_date)
    assert threshold is not None  # one is on record from EARLIEST_START
    assert band_set_problems(bands, THRESHOLDS, est.start_date) == []

    choice = choose_band(bands, THRESHOLDS, est, TODAY)

    value = expected_value(est.total_pence + est.options_pence, est.vat)  # type: ignore[operator]
    if value.in_basis(threshold.vat_basis) >= threshold.amount_pence:
        assert choice.band == replace(from_threshold, advertised=True)  # a regulated procedure is advertised
        assert choice.above_threshold
    else:
        expected = (
            up_to_threshold if value.excluding_vat >= last.lower_pence else containing(numeric, value.excluding_vat)
        )
        assert choice.band == expected
        assert not choice.above_threshold


@given(st.integers(max_value=0), VAT, CONTRACT_TYPE)
def test_nothing_is_not_banded(total: int, vat: VatTreatment, contract_type: ContractType) -> None:
    est = Estimate(contract_type, TODAY, vat, total_pence=total)
    with pytest.raises(BandError, match="more than £0"):
        choose_band([band("B0", 0, None, VatBasis.EXCLUDED, LocalityRule.OPEN)], THRESHOLDS, est, TODAY)


ANNUAL = st.integers(0, 1_000_000_000)
YEARS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(30), places=2)


def whole_life(annual: int, years: Decimal, options: int, vat: VatTreatment) -> Value | None:
    """The value, or None when it is refused (only ever as nothing: these inputs never reach the maximum)."""
    try:
        return whole_life_value(Estimate(ContractType.WORKS, TODAY, vat, None, annual, years, options))
    except BandError as error:
        assert "more than £0" in str(error)
        return None


def at_most(a: Value | None, b: Value | None) -> bool:
    if a is None:
        return True
    return b is not None and a.excluding_vat <= b.excluding_vat and a.including_vat <= b.including_vat


@given(ANNUAL, ANNUAL, YEARS, YEARS, st.integers(0, 10_000_000), VAT)
def test_whole_life_value_is_monotonic_in_annual_value_and_years(
    annual_a: int, annual_b: int, years_a: Decimal, years_b: Decimal, options: int, vat: VatTreatment
) -> None:
    annual_a, annual_b = sorted((annual_a, annual_b))
    years_a, years_b = sorted((years_a, years_b))
    smallest = whole_life(annual_a, years_a, options, vat)
    assert at_most(smallest, whole_life(annual_b, years_a, options, vat))
    assert at_most(smallest, whole_life(annual_a, years_b, options, vat))
    assert at_most(whole_life(annual_a, years_b, options, vat), whole_life(annual_b, years_b, options, vat))
    assert at_most(whole_life(annual_b, years_a, options, vat), whole_life(annual_b, years_b, options, vat))
    assert at_most(smallest, whole_life(annual_a, years_a, options + 1, vat))


@given(st.integers(1, MAX_VALUE_PENCE), VAT)
def test_whole_life_value_of_a_total_is_the_total_with_vat_added_or_taken_off(total: int, vat: VatTreatment) -> None:
    value = whole_life_value(Estimate(ContractType.GOODS_AND_SERVICES, TODAY, vat, total_pence=total))
    assert value == expected_value(total, vat)
    assert value.excluding_vat <= value.including_vat


@given(START)
def test_start_dates_in_range_are_accepted(start: date) -> None:
    est = Estimate(ContractType.GOODS_AND_SERVICES, start, VatTreatment.EXCLUDED, total_pence=100)
    choose_band([band("B0", 0, None, VatBasis.EXCLUDED, LocalityRule.OPEN)], THRESHOLDS, est, TODAY)
    late = Estimate(ContractType.GOODS_AND_SERVICES, LATEST_START + timedelta(days=1), VatTreatment.EXCLUDED, 100)
    with pytest.raises(BandError, match="start date before"):
        choose_band([band("B0", 0, None, VatBasis.EXCLUDED, LocalityRule.OPEN)], THRESHOLDS, late, TODAY)


@given(st.data())
def test_the_band_table_agrees_with_choose_band(data: st.DataObject) -> None:
    """Issue 11 #4: the commissioner's table is the search's own answer for every value entered, with any VAT answer."""
    below = data.draw(gap_free_bands(VatBasis.EXCLUDED, BELOW_EVERY_THRESHOLD))
    est = data.draw(estimates(lowers(below.bands), thresholds=True))
    assume(est.options_pence == 0)
    *numeric, last = below.bands
    up_to_threshold = band("BT", last.lower_pence, None, VatBasis.EXCLUDED, LocalityRule.OPEN, upper_is_threshold=True)
    from_threshold = band("BR", 0, None, VatBasis.INCLUDED, LocalityRule.OPEN, lower_is_threshold=True)
    bands = [*numeric, up_to_threshold, from_threshold]

    choice = choose_band(bands, THRESHOLDS, est, TODAY)
    table = band_table(bands, THRESHOLDS, est.contract_type, est.start_date)

    [row] = [r for r in table.rows if r.band.code == choice.band.code]
    found = row.ranges[est.vat]
    assert found is not None
    low, high = found
    assert est.total_pence is not None
    assert low <= est.total_pence and (high is None or est.total_pence < high)
