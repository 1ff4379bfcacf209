"""Spend bands: the band an estimate falls in, its guardrails and wording, and which bands and band sets are lawful.

Pure domain: no Flask, no database. Knowsley's bands are built here as seeded in seed_data/policy/spend_bands.csv,
and the statutory thresholds are DOMAIN.md section 2, as Threshold objects.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.domain.bands import (
    EARLIEST_START,
    MAX_VALUE_PENCE,
    NOTIFIABLE_FROM_PENCE,
    REGULATED_LABEL,
    SINGLE_QUOTE_CAUTION,
    Band,
    BandChoice,
    BandError,
    BandTable,
    BandValues,
    Estimate,
    ResolvedBand,
    Value,
    VatTreatment,
    band_date_problem,
    band_set_issues,
    band_set_issues_by_date,
    band_set_problems,
    band_set_warnings,
    band_table,
    band_value_problems,
    change_dates,
    check_start_date,
    choose_band,
    describe_value,
    entered_words,
    local_only_problem,
    resolve,
    whole_life_value,
)
from app.domain.policy import (
    ContractType,
    LocalityRule,
    Reservation,
    Threshold,
    VatBasis,
    parse_pounds,
)

G = ContractType.GOODS_AND_SERVICES
W = ContractType.WORKS
LT = ContractType.LIGHT_TOUCH

EXC = VatTreatment.EXCLUDED
INC = VatTreatment.INCLUDED
NA = VatTreatment.NOT_APPLICABLE

LOCAL_ONLY = LocalityRule.LOCAL_ONLY
OPEN = LocalityRule.OPEN

TODAY = date(2026, 6, 1)
BANDS_FROM = date(2025, 2, 24)


def p(text: str) -> int:
    """Pence from pounds as a person writes them, so the tables read like the issue."""
    return parse_pounds(text)


#: DOMAIN.md section 2: councils' statutory thresholds by effective date (VAT excluded before 2022).
THRESHOLDS = [
    Threshold(contract_type, effective_from, amount * 100, vat)
    for effective_from, vat, amounts in (
        (date(2018, 1, 1), VatBasis.EXCLUDED, {G: 181_302, W: 4_551_413, LT: 615_278}),
        (date(2020, 1, 1), VatBasis.EXCLUDED, {G: 189_330, W: 4_733_252, LT: 663_540}),
        (date(2022, 1, 1), VatBasis.INCLUDED, {G: 213_477, W: 5_336_937, LT: 663_540}),
        (date(2024, 1, 1), VatBasis.INCLUDED, {G: 214_904, W: 5_372_609, LT: 663_540}),
        (date(2026, 1, 1), VatBasis.INCLUDED, {G: 207_720, W: 5_193_000, LT: 663_540}),
    )
    for contract_type, amount in amounts.items()
]

BAND_A = Band(
    code="A",
    label="Low value",
    lower_pence=0,
    upper_pence=500_000,
    vat_basis=VatBasis.EXCLUDED,
    min_quotes=1,
    route="1 quote",
    locality_rule=LocalityRule.LOCAL_ONLY,
    effective_from=BANDS_FROM,
)
BAND_B = Band(
    code="B",
    label="Intermediate value",
    lower_pence=500_000,
    upper_pence=18_100_001,
    vat_basis=VatBasis.EXCLUDED,
    min_quotes=3,
    route="3 quotes",
    locality_rule=LocalityRule.LOCAL_ONLY,
    effective_from=BANDS_FROM,
)
BAND_C = Band(
    code="C",
    label="High value",
    lower_pence=18_100_001,
    upper_pence=None,
    vat_basis=VatBasis.EXCLUDED,
    min_quotes=3,
    route="3 quotes or tender",
    locality_rule=LocalityRule.OPEN,
    effective_from=BANDS_FROM,
    upper_is_threshold=True,
    advertised=True,
)
BAND_D = Band(
    code="D",
    label="Above the statutory threshold",
    lower_pence=0,
    upper_pence=None,
    vat_basis=VatBasis.INCLUDED,
    min_quotes=1,
    route="Regulated procedure under the Procurement Act 2023",
    locality_rule=LocalityRule.OPEN,
    effective_from=BANDS_FROM,
    lower_is_threshold=True,
    advertised=True,
)
KNOWSLEY = [BAND_A, BAND_B, BAND_C, BAND_D]
#: The same bands, as if they had been in force since before the first recorded threshold.
KNOWSLEY_SINCE_2010 = [replace(b, effective_from=date(2010, 1, 1)) for b in KNOWSLEY]


def regulated_reason_for(amount: str, threshold: str = "£207,720", since: str = "1 January 2026") -> str:
    return (
        f"{amount} including VAT is at or above the statutory threshold for goods and services ({threshold} "
        f"including VAT from {since}), so the regulated procedure under the Procurement Act 2023 applies, whatever "
        "the council's own bands say. Location may not be used to exclude or favour suppliers."
    )


NOTIFIABLE_CAUTION = (
    "From £30,000 including VAT this contract is notifiable: publish a contract details notice, and the "
    "supplier needs a Central Digital Platform identifier."
)
LIGHT_TOUCH_CAUTION = "Light-touch services have their own statutory threshold: £663,540 including VAT."


def estimate(
    amount: str | None = None,
    vat: VatTreatment = EXC,
    *,
    start: date = TODAY,
    contract_type: ContractType = G,
    annual: str | None = None,
    years: str | None = None,
    options: str = "0",
) -> Estimate:
    return Estimate(
        contract_type=contract_type,
        start_date=start,
        vat=vat,
        total_pence=p(amount) if amount is not None else None,
        annual_pence=p(annual) if annual is not None else None,
        years=Decimal(years) if years is not None else None,
        options_pence=p(options),
    )


def choose(est: Estimate, bands: list[Band] | None = None, today: date = TODAY) -> BandChoice:
    return choose_band(KNOWSLEY if bands is None else bands, THRESHOLDS, est, today)


def resolved(code: str, on: date, contract_type: ContractType = G, bands: list[Band] | None = None) -> ResolvedBand:
    found = resolve(KNOWSLEY if bands is None else bands, THRESHOLDS, contract_type, on)
    return next(r for r in found if r.band.code == code)


# --- whole-life value: annual x years, options, rounding half up, VAT both ways -------------------------------


@pytest.mark.parametrize(
    ("est", "excluding", "including"),
    [
        (estimate("£5,000", EXC), 500_000, 600_000),
        (estimate("£4,999.99", EXC), 499_999, 599_999),  # 599,998.8 rounds up
        (estimate("£6,000", INC), 500_000, 600_000),
        (estimate("£5,999", INC), 499_917, 599_900),  # £4,999.1666... rounds to £4,999.17
        (estimate("£5,999.99", INC), 499_999, 599_999),
        (estimate("£210,000", INC), 17_500_000, 21_000_000),
        (estimate("£180,000", EXC), 18_000_000, 21_600_000),
        (estimate("£5,000", NA), 500_000, 500_000),
        (estimate("£210,000", NA), 21_000_000, 21_000_000),
        # Half up, never half to even: 3p / 1.2 = 2.5p -> 3p; 15p / 1.2 = 12.5p -> 13p.
        (estimate("0.03", INC), 3, 3),
        (estimate("0.15", INC), 13, 15),
        (estimate("0.03", EXC), 3, 4),  # 3.6p -> 4p
        (estimate("0.02", EXC), 2, 2),  # 2.4p -> 2p
        # Annual value times years.
        (estimate(annual="£2,000", years="2.5"), 500_000, 600_000),
        (estimate(annual="£2,000", years="2.5", vat=NA), 500_000, 500_000),
        (estimate(annual="£1,999.99", years="2.5"), 499_998, 599_998),  # 499,997.5p rounds up
        (estimate(annual="0.01", years="2.5"), 3, 4),  # 2.5p -> 3p, half up
        (estimate(annual="£3,333.31", years="1.5"), 499_997, 599_996),  # 499,996.5p -> 499,997p
        (estimate(annual="£3,333.33", years="1.5"), 500_000, 600_000),  # 499,999.5p -> £5,000
        (estimate(annual="£5,000", years="2.5", vat=INC), 1_041_667, 1_250_000),
        # Options and extensions are added.
        (estimate("£4,000", options="£1,000"), 500_000, 600_000),
        (estimate("£4,000", options="£999.99"), 499_999, 599_999),
        (estimate(annual="£1,000", years="2", options="£1,000"), 300_000, 360_000),
        (estimate("£5,000", INC, options="£1,000"), 500_000, 600_000),
        # The largest value accepted.
        (estimate("£10,000,000,000", EXC), MAX_VALUE_PENCE, 1_200_000_000_000),
    ],
)
def test_whole_life_value(est: Estimate, excluding: int, including: int) -> None:
    assert whole_life_value(est) == Value(excluding, including)


def test_a_total_wins_over_annual_and_years() -> None:
    est = Estimate(G, TODAY, EXC, total_pence=500_000, annual_pence=100_000, years=Decimal(3))
    assert whole_life_value(est) == Value(500_000, 600_000)


@pytest.mark.parametrize(("basis", "expected"), [(VatBasis.EXCLUDED, 500_000), (VatBasis.INCLUDED, 600_000)])
def test_value_in_basis(basis: VatBasis, expected: int) -> None:
    assert Value(500_000, 600_000).in_basis(basis) == expected


ENTER_VALUE = "Enter the estimated value of the contract"
MORE_THAN_ZERO = "Enter an estimated value of more than £0"
AT_MOST_TEN_BILLION = "Enter an estimated value of £10 billion or less"
ENTER_YEARS = "Enter how many years the contract lasts, like 2 or 1.5"


@pytest.mark.parametrize(
    ("est", "message", "field"),
    [
        (Estimate(G, TODAY, EXC), ENTER_VALUE, "value"),
        (Estimate(G, TODAY, EXC, annual_pence=200_000), ENTER_VALUE, "value"),
        (Estimate(G, TODAY, EXC, years=Decimal(2)), ENTER_VALUE, "value"),
        (Estimate(G, TODAY, EXC, total_pence=0), MORE_THAN_ZERO, "value"),
        (Estimate(G, TODAY, INC, total_pence=0), MORE_THAN_ZERO, "value"),
        (Estimate(G, TODAY, EXC, total_pence=-1), MORE_THAN_ZERO, "value"),
        (Estimate(G, TODAY, EXC, total_pence=-500_000), MORE_THAN_ZERO, "value"),
        (Estimate(G, TODAY, EXC, annual_pence=0, years=Decimal(2)), MORE_THAN_ZERO, "value"),
        (Estimate(G, TODAY, EXC, annual_pence=-200_000, years=Decimal(2)), MORE_THAN_ZERO, "value"),
        (Estimate(G, TODAY, EXC, annual_pence=200_000, years=Decimal(0)), ENTER_YEARS, "years"),
        (Estimate(G, TODAY, EXC, annual_pence=200_000, years=Decimal("-1.5")), ENTER_YEARS, "years"),
        (Estimate(G, TODAY, EXC, total_pence=MAX_VALUE_PENCE + 1), AT_MOST_TEN_BILLION, "value"),
        (Estimate(G, TODAY, NA, total_pence=MAX_VALUE_PENCE + 1), AT_MOST_TEN_BILLION, "value"),
        (Estimate(G, TODAY, EXC, total_pence=MAX_VALUE_PENCE, options_pence=1), AT_MOST_TEN_BILLION, "value"),
        (
            Estimate(G, TODAY, EXC, annual_pence=p("£5,000,000,000"), years=Decimal("2.5")),
            AT_MOST_TEN_BILLION,
            "value",
        ),
    ],
)
def test_whole_life_value_refuses(est: Estimate, message: str, field: str) -> None:
    with pytest.raises(BandError) as caught:
        whole_life_value(est)
    assert str(caught.value) == message
    assert caught.value.field == field


@pytest.mark.parametrize(
    "est",
    [
        # A negative total cannot be rescued by options: -£1,000 plus £6,000 of options is not a £5,000 contract.
        Estimate(G, TODAY, EXC, total_pence=-100_000, options_pence=600_000),
        Estimate(G, TODAY, EXC, annual_pence=-100_000, years=Decimal(2), options_pence=700_000),
    ],
)
def test_a_negative_total_is_refused_even_with_options(est: Estimate) -> None:
    with pytest.raises(BandError) as caught:
        whole_life_value(est)
    assert caught.value.field == "value"


def test_negative_options_are_refused() -> None:
    """Options and extensions only ever add to the value; a negative amount would move a contract down a band."""
    with pytest.raises(BandError):
        whole_life_value(Estimate(G, TODAY, EXC, total_pence=600_000, options_pence=-200_000))


def test_a_value_that_rounds_to_nothing_is_refused() -> None:
    """1p a year for 0.4 years is 0.4p, which rounds to £0: "more than £0" must hold after rounding."""
    with pytest.raises(BandError) as caught:
        whole_life_value(Estimate(G, TODAY, EXC, annual_pence=1, years=Decimal("0.4")))
    assert str(caught.value) == MORE_THAN_ZERO


# --- the band an estimate falls in ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("est", "code", "above", "rule"),
    [
        # The £5,000 edge: lower bounds inclusive, upper bounds exclusive.
        (estimate("£4,999.99", EXC), "A", False, LOCAL_ONLY),
        (estimate("£5,000", EXC), "B", False, LOCAL_ONLY),
        (estimate("£0.01", EXC), "A", False, LOCAL_ONLY),
        (estimate("£4,999.99", NA), "A", False, LOCAL_ONLY),
        (estimate("£5,000", NA), "B", False, LOCAL_ONLY),
        # VAT-inclusive estimates are compared with the bands' VAT-exclusive bounds.
        (estimate("£5,999", INC), "A", False, LOCAL_ONLY),  # £4,999.17 excluding VAT
        (estimate("£5,999.99", INC), "A", False, LOCAL_ONLY),  # £4,999.99 excluding VAT
        (estimate("£6,000", INC), "B", False, LOCAL_ONLY),  # £5,000 excluding VAT
        (estimate("£5,000", INC), "A", False, LOCAL_ONLY),  # £4,166.67 excluding VAT
        # The £181,000 edge, where VAT does not apply (so the threshold is not reached first).
        (estimate("£181,000", NA), "B", False, LOCAL_ONLY),
        (estimate("£181,000.01", NA), "C", False, OPEN),
        (estimate("£207,719.99", NA), "C", False, OPEN),
        (estimate("£207,720", NA), "D", True, OPEN),  # exactly the threshold
        # With VAT added, £181,000.01 is £217,200.01: over the £207,720 threshold, so the regulated procedure.
        (estimate("£181,000.01", EXC), "D", True, OPEN),
        (estimate("£250,000", EXC), "D", True, OPEN),
        # £173,099.99 is £207,719.99 with VAT (rounded), just under the threshold.
        (estimate("£173,099.99", EXC), "B", False, LOCAL_ONLY),
        # Annual x years, and options.
        (estimate(annual="£2,000", years="2.5"), "B", False, LOCAL_ONLY),
        (estimate(annual="£1,999.99", years="2.5"), "A", False, LOCAL_ONLY),
        (estimate(annual="£3,333.33", years="1.5"), "B", False, LOCAL_ONLY),  # £4,999.995 rounds to £5,000
        (estimate("£4,000", options="£1,000"), "B", False, LOCAL_ONLY),
        (estimate("£4,000", options="£999.99"), "A", False, LOCAL_ONLY),
        (estimate(annual="£60,000", years="3", vat=NA, options="£10,000"), "C", False, OPEN),  # £190,000, no VAT
    ],
)
def test_choose_band(est: Estimate, code: str, above: bool, rule: LocalityRule) -> None:
    choice = choose(est)
    assert (choice.band.code, choice.above_threshold, choice.locality_rule) == (code, above, rule)


@pytest.mark.parametrize(
    ("est", "code", "above", "threshold_pounds"),
    [
        # VAT does not apply: the threshold change alone moves £210,000 from C to D.
        (estimate("£210,000", NA, start=date(2025, 12, 31)), "C", False, 214_904),
        (estimate("£210,000", NA, start=date(2026, 1, 1)), "D", True, 207_720),
        # £210,000 including VAT is £175,000 excluding: the council's intermediate band by its own measure,
        # and below the threshold on 31 December 2025, so local only.
        (estimate("£210,000", INC, start=date(2025, 12, 31)), "B", False, 214_904),
        (estimate("£214,903.99", INC, start=date(2025, 12, 31)), "B", False, 214_904),
        (estimate("£214,904", NA, start=date(2025, 12, 31)), "D", True, 214_904),
        (estimate("£214,903.99", NA, start=date(2025, 12, 31)), "C", False, 214_904),
        # Works: £4,400,000 is £5,280,000 with VAT, under £5,372,609 and over £5,193,000.
        (estimate("£1,000,000", EXC, start=date(2026, 6, 1), contract_type=W), "C", False, 5_193_000),
        (estimate("£4,400,000", EXC, start=date(2025, 12, 31), contract_type=W), "C", False, 5_372_609),
        (estimate("£4,400,000", EXC, start=date(2026, 1, 1), contract_type=W), "D", True, 5_193_000),
        (estimate("£5,192,999.99", INC, start=date(2026, 1, 1), contract_type=W), "C", False, 5_193_000),
        (estimate("£5,193,000", INC, start=date(2026, 1, 1), contract_type=W), "D", True, 5_193_000),
        (estimate("£5,193,000", INC, start=date(2025, 12, 31), contract_type=W), "C", False, 5_372_609),
        # Light-touch services: £663,540.
        (estimate("£300,000", EXC, contract_type=LT), "C", False, 663_540),
        (estimate("£552,949.99", EXC, contract_type=LT), "C", False, 663_540),  # £663,539.99 with VAT
        (estimate("£663,539.99", INC, contract_type=LT), "C", False, 663_540),
        (estimate("£663,540", INC, contract_type=LT), "D", True, 663_540),
        (estimate("£552,950", EXC, contract_type=LT), "D", True, 663_540),  # £663,540 with VAT
    ],
)
def test_choose_band_by_start_date_and_contract_type(
    est: Estimate, code: str, above: bool, threshold_pounds: int
) -> None:
    choice = choose(est)
    assert choice.threshold is not None
    assert (choice.band.code, choice.above_threshold, choice.threshold.amount_pence) == (
        code,
        above,
        threshold_pounds * 100,
    )


def test_a_300000_goods_contract_is_above_the_threshold_where_light_touch_is_not() -> None:
    goods = choose(estimate("£300,000", EXC))
    light_touch = choose(estimate("£300,000", EXC, contract_type=LT))
    assert (goods.band.code, goods.above_threshold) == ("D", True)
    assert (light_touch.band.code, light_touch.above_threshold) == ("C", False)
    assert light_touch.cautions == (NOTIFIABLE_CAUTION, LIGHT_TOUCH_CAUTION)
    assert LIGHT_TOUCH_CAUTION not in goods.cautions


def test_a_light_touch_service_in_b_stays_local_only() -> None:
    """£180,000 is £216,000 with VAT: over the goods threshold, well under the light-touch one."""
    choice = choose(estimate("£180,000", EXC, contract_type=LT))
    assert (choice.band.code, choice.above_threshold, choice.locality_rule) == ("B", False, LOCAL_ONLY)
    assert not choice.above_threshold
    assert LIGHT_TOUCH_CAUTION in choice.cautions


@pytest.mark.parametrize(
    ("est", "code", "above"),
    [
        # Before 2022 thresholds excluded VAT: £181,302 (2018), £189,330 (2020).
        (estimate("£181,200", EXC, start=date(2019, 6, 1)), "C", False),
        (estimate("£181,301.99", EXC, start=date(2019, 6, 1)), "C", False),
        (estimate("£181,302", EXC, start=date(2019, 6, 1)), "D", True),
        (estimate("£217,562.40", INC, start=date(2019, 6, 1)), "D", True),  # £181,302 excluding VAT
        (estimate("£185,000", EXC, start=date(2019, 12, 31)), "D", True),
        (estimate("£185,000", EXC, start=date(2020, 1, 1)), "C", False),
        # £180,000 excluding VAT: under £189,330 excluding VAT in 2021.
        (estimate("£180,000", EXC, start=date(2021, 12, 31)), "B", False),
    ],
)
def test_choose_band_before_thresholds_included_vat(est: Estimate, code: str, above: bool) -> None:
    choice = choose_band(KNOWSLEY_SINCE_2010, THRESHOLDS, est, TODAY)
    assert (choice.band.code, choice.above_threshold) == (code, above)


def test_from_2022_the_threshold_includes_vat() -> None:
    """£180,000 excluding VAT is under £189,330 on 31 Dec 2021, but £216,000 is over £213,477 on 1 Jan 2022."""
    choice = choose_band(KNOWSLEY_SINCE_2010, THRESHOLDS, estimate("£180,000", EXC, start=date(2022, 1, 1)), TODAY)
    assert (choice.above_threshold, choice.locality_rule) == (True, OPEN)


@pytest.mark.parametrize(
    "est",
    [
        # £210,000 including VAT on 1 January 2026, when the threshold falls to £207,720.
        estimate("£210,000", INC, start=date(2026, 1, 1)),
        # Exactly the threshold, including VAT.
        estimate("£207,720", INC),
        # £173,100 is £207,720 with VAT; £180,000 is £216,000; £181,000 is £217,200.
        estimate("£173,100", EXC),
        estimate("£180,000", EXC),
        estimate("£181,000", EXC),
        estimate(annual="£60,000", years="3"),  # £180,000 excluding VAT
    ],
)
def test_a_value_at_or_above_the_threshold_takes_the_regulated_procedure(est: Estimate) -> None:
    """At or above the threshold the Procurement Act applies whatever the council's own bands say.

    These values are in B by the council's VAT-exclusive measure, but their VAT-inclusive value reaches the
    threshold, so the commissioner must be told the regulated procedure (band D), not "3 quotes".
    """
    choice = choose(est)
    assert choice.above_threshold is True
    assert choice.locality_rule == OPEN
    assert choice.band.code == "D"
    assert choice.band.route == "Regulated procedure under the Procurement Act 2023"


# --- guardrails and cautions ----------------------------------------------------------------------------------


def test_b_at_the_threshold_with_vat_is_open_with_the_caution() -> None:
    """£180,000 excluding VAT is £216,000 including: location may not exclude suppliers."""
    choice = choose(estimate("£180,000", EXC))
    assert choice.above_threshold is True
    assert choice.locality_rule == OPEN
    assert choice.cautions == (
        regulated_reason_for("£216,000"),
        "Excluding VAT this would be intermediate value, which is local only, but it is at or above the statutory "
        "threshold, where that band's rules do not apply.",
        NOTIFIABLE_CAUTION,
    )
    assert SINGLE_QUOTE_CAUTION not in choice.cautions


def test_a_local_only_band_above_the_threshold_gets_the_regulated_procedure_when_no_band_starts_there() -> None:
    """The guardrail on its own: the value's only band is local only, but its value reaches the threshold."""
    bands = [BAND_A, BAND_B, replace(BAND_C, upper_is_threshold=False)]
    choice = choose(estimate("£180,000", EXC), bands)
    assert (choice.band.label, choice.above_threshold, choice.locality_rule) == (REGULATED_LABEL, True, OPEN)
    assert choice.band.route == "Regulated procedure under the Procurement Act 2023"
    assert BAND_B.locality_rule == LOCAL_ONLY  # the council's band itself is unchanged
    assert choice.cautions[0] == regulated_reason_for("£216,000")


def test_a_single_quote_local_only_band_carries_the_open_legal_question() -> None:
    choice = choose(estimate("£4,999.99", EXC))
    assert choice.band.code == "A"
    assert choice.cautions == (SINGLE_QUOTE_CAUTION,)


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        (replace(BAND_A, locality_rule=LocalityRule.LOCAL_FIRST), ()),
        (replace(BAND_A, locality_rule=LocalityRule.OPEN), ()),
        (replace(BAND_A, min_quotes=2, route="2 quotes"), ()),
    ],
)
def test_the_single_quote_caution_is_only_for_single_quote_local_only(band: Band, expected: tuple[str, ...]) -> None:
    assert choose(estimate("£1,000", EXC), [band, BAND_B, BAND_C, BAND_D]).cautions == expected


def test_a_three_quote_local_only_band_has_no_caution_below_the_notifiable_value() -> None:
    choice = choose(estimate("£10,000", EXC))
    assert (choice.band.code, choice.locality_rule, choice.cautions) == ("B", LOCAL_ONLY, ())


@pytest.mark.parametrize(
    ("est", "notifiable"),
    [
        (estimate("£30,000", INC), True),
        (estimate("£29,999.99", INC), False),
        (estimate("£25,000", EXC), True),  # £30,000 with VAT
        (estimate("£24,999.99", EXC), False),  # £29,999.99 with VAT (rounded)
        (estimate("£30,000", NA), True),
        (estimate("£29,999.99", NA), False),
        (estimate(annual="£10,000", years="3", vat=INC), True),
        (estimate("£20,000", INC, options="£9,999.99"), False),
    ],
)
def test_notifiable_from_30000_including_vat(est: Estimate, notifiable: bool) -> None:
    choice = choose(est)
    assert choice.notifiable is notifiable
    assert (NOTIFIABLE_CAUTION in choice.cautions) is notifiable
    assert (choice.value.including_vat >= NOTIFIABLE_FROM_PENCE) is notifiable


# --- what the commissioner reads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("est", "summary"),
    [
        (
            estimate("£4,999.99", EXC),
            "Low value, under £5,000 (excluding VAT): 1 quote. "
            "Your council reserves this band to providers based in Knowsley.",
        ),
        (
            estimate("£5,000", EXC),
            "Intermediate value, £5,000 to £173,099.99 (excluding VAT): 3 quotes. "
            "Your council reserves this band to providers based in Knowsley.",
        ),
        (
            estimate("£190,000", NA),
            # The band's route is "3 quotes or tender"; the summary must not shorten it to "3 quotes".
            # Where VAT does not apply the band reads from the amount entered, as the bands table reads it.
            "High value, £181,000.01 to £207,719.99 (VAT does not apply): "
            "3 quotes or tender, advertised. "
            "Location plays no part in who is eligible.",
        ),
        (
            estimate("£250,000", EXC),
            # The band sentence uses the basis the value was entered in: VAT takes £173,100 to the threshold.
            "Above the statutory threshold, £173,100 and above (excluding VAT): "
            "regulated procedure under the Procurement Act 2023, advertised. "
            "Location plays no part in who is eligible.",
        ),
    ],
)
def test_summary(est: Estimate, summary: str) -> None:
    assert choose(est).summary("Knowsley") == summary


@pytest.mark.parametrize(
    ("band", "summary"),
    [
        (
            replace(BAND_B, locality_rule=LocalityRule.LOCAL_FIRST),
            "Intermediate value, £5,000 to £173,099.99 (excluding VAT): 3 quotes. "
            "Every provider is eligible; providers based in Knowsley are listed first.",
        ),
        (
            replace(BAND_B, locality_rule=LocalityRule.OPEN, reservation=Reservation.SME),
            "Intermediate value, £5,000 to £173,099.99 (excluding VAT): 3 quotes. "
            "Location plays no part in who is eligible. "
            "It is reserved to small and medium-sized enterprises.",
        ),
        (
            replace(BAND_B, reservation=Reservation.VCSE),
            "Intermediate value, £5,000 to £173,099.99 (excluding VAT): 3 quotes. "
            "Your council reserves this band to providers based in Knowsley. "
            "It is reserved to voluntary, community and social enterprises.",
        ),
        (
            replace(BAND_B, min_quotes=1, route="1 quote"),
            "Intermediate value, £5,000 to £173,099.99 (excluding VAT): 1 quote. "
            "Your council reserves this band to providers based in Knowsley.",
        ),
        (
            replace(BAND_B, route="Request for quotation"),
            "Intermediate value, £5,000 to £173,099.99 (excluding VAT): request for quotation. "
            "Your council reserves this band to providers based in Knowsley.",
        ),
    ],
)
def test_summary_variants(band: Band, summary: str) -> None:
    choice = choose(estimate("£10,000", EXC), [BAND_A, band, BAND_C, BAND_D])
    assert choice.summary("Knowsley") == summary


@pytest.mark.parametrize(
    ("code", "on", "contract_type", "text"),
    [
        ("A", TODAY, G, "under £5,000"),
        ("B", TODAY, G, "£5,000 to £181,000"),
        ("C", TODAY, G, "£181,000.01 (excluding VAT) up to the statutory threshold of £207,720 (including VAT)"),
        ("D", TODAY, G, "from the statutory threshold of £207,720 (including VAT)"),
        (
            "C",
            date(2025, 12, 31),
            G,
            "£181,000.01 (excluding VAT) up to the statutory threshold of £214,904 (including VAT)",
        ),
        ("D", date(2025, 12, 31), G, "from the statutory threshold of £214,904 (including VAT)"),
        (
            "C",
            date(2026, 1, 1),
            W,
            "£181,000.01 (excluding VAT) up to the statutory threshold of £5,193,000 (including VAT)",
        ),
        ("D", date(2026, 1, 1), W, "from the statutory threshold of £5,193,000 (including VAT)"),
        ("C", TODAY, LT, "£181,000.01 (excluding VAT) up to the statutory threshold of £663,540 (including VAT)"),
        ("D", TODAY, LT, "from the statutory threshold of £663,540 (including VAT)"),
    ],
)
def test_range_text(code: str, on: date, contract_type: ContractType, text: str) -> None:
    item = resolved(code, on, contract_type)
    assert item.threshold_missing is False
    assert item.range_text == text


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("C", "£181,000.01 (excluding VAT) up to the statutory threshold of £181,302 (excluding VAT)"),
        ("D", "from the statutory threshold of £181,302 (excluding VAT)"),
    ],
)
def test_range_text_says_a_threshold_before_2022_excludes_vat(code: str, text: str) -> None:
    assert resolved(code, date(2019, 6, 1), G, KNOWSLEY_SINCE_2010).range_text == text


def test_range_text_below_a_threshold_from_zero() -> None:
    band = replace(BAND_C, code="X", label="Below threshold", lower_pence=0)
    assert ResolvedBand(band, THRESHOLDS[-3]).range_text == "below the statutory threshold of £207,720 (including VAT)"


@pytest.mark.parametrize(
    ("code", "missing", "text"),
    [
        ("A", False, "under £5,000"),
        ("B", False, "£5,000 to £181,000"),
        ("C", True, "bounded by the statutory threshold, which is not recorded for this date"),
        ("D", True, "bounded by the statutory threshold, which is not recorded for this date"),
    ],
)
def test_threshold_missing_before_2018(code: str, missing: bool, text: str) -> None:
    item = resolved(code, date(2017, 12, 31), G, KNOWSLEY_SINCE_2010)
    assert item.threshold is None
    assert item.threshold_missing is missing
    assert item.range_text == text


def test_resolve_orders_bands_by_value_and_resolves_the_threshold() -> None:
    items = resolve(list(reversed(KNOWSLEY)), THRESHOLDS, G, TODAY)
    assert [(r.band.code, r.lower, r.upper) for r in items] == [
        ("A", 0, 500_000),
        ("B", 500_000, 18_100_001),
        ("C", 18_100_001, 20_772_000),
        ("D", 20_772_000, None),
    ]


def test_bands_out_of_force_are_not_resolved() -> None:
    ended = replace(BAND_B, effective_to=TODAY)
    assert [r.band.code for r in resolve([BAND_A, ended], THRESHOLDS, G, TODAY)] == ["A"]
    assert [r.band.code for r in resolve([BAND_A, ended], THRESHOLDS, G, date(2026, 5, 31))] == ["A", "B"]


# --- bad input ------------------------------------------------------------------------------------------------

NO_BANDS = "Your council has no spend bands in force on that start date. Ask the register team."


@pytest.mark.parametrize(
    ("bands", "est", "message", "field"),
    [
        (KNOWSLEY, estimate("£0", EXC), MORE_THAN_ZERO, "value"),
        (KNOWSLEY, estimate("£0", INC), MORE_THAN_ZERO, "value"),
        (KNOWSLEY, Estimate(G, TODAY, EXC, total_pence=-100), MORE_THAN_ZERO, "value"),
        (KNOWSLEY, estimate(annual="£2,000", years="0"), ENTER_YEARS, "years"),
        (KNOWSLEY, Estimate(G, TODAY, EXC, total_pence=MAX_VALUE_PENCE + 1), AT_MOST_TEN_BILLION, "value"),
        (KNOWSLEY, estimate("£10,000,000,000.01", INC), AT_MOST_TEN_BILLION, "value"),
        ([], estimate("£5,000", EXC), NO_BANDS, "start_date"),
        (KNOWSLEY, estimate("£5,000", EXC, start=date(2025, 2, 23)), NO_BANDS, "start_date"),
        (
            KNOWSLEY,
            estimate("£5,000", EXC, start=date(2017, 12, 31)),
            "Enter a start date on or after 1 January 2018",
            "start_date",
        ),
        (
            KNOWSLEY,
            estimate("£5,000", EXC, start=date(2000, 1, 1)),
            "Enter a start date on or after 1 January 2018",
            "start_date",
        ),
        (KNOWSLEY, estimate("£5,000", EXC, start=date(2037, 1, 1)), "Enter a start date before 2037", "start_date"),
        (
            [BAND_A, BAND_C, BAND_D],
            estimate("£10,000", EXC),
            "None of your council's spend bands covers £10,000 (excluding VAT). Ask the register team to check "
            "the bands.",
            "value",
        ),
    ],
)
def test_choose_band_refuses(bands: list[Band], est: Estimate, message: str, field: str) -> None:
    with pytest.raises(BandError) as caught:
        choose_band(bands, THRESHOLDS, est, TODAY)
    assert str(caught.value) == message
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("start", "today", "message"),
    [
        (date(2017, 12, 31), TODAY, "Enter a start date on or after 1 January 2018"),
        (date(2037, 1, 1), TODAY, "Enter a start date before 2037"),
        (date(2036, 1, 1), date(2025, 12, 31), "Enter a start date before 2036"),
    ],
)
def test_check_start_date_refuses(start: date, today: date, message: str) -> None:
    with pytest.raises(BandError) as caught:
        check_start_date(start, today)
    assert (str(caught.value), caught.value.field) == (message, "start_date")


@pytest.mark.parametrize("start", [EARLIEST_START, date(2036, 12, 31), TODAY])
def test_check_start_date_accepts(start: date) -> None:
    check_start_date(start, TODAY)  # raises nothing


def test_a_start_date_ten_years_ahead_is_banded() -> None:
    assert choose(estimate("£5,000", EXC, start=date(2036, 12, 31))).band.code == "B"


# --- band sets ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("on", [BANDS_FROM, date(2025, 12, 31), date(2026, 1, 1), TODAY])
def test_knowsleys_bands_have_no_problems(on: date) -> None:
    assert band_set_problems(KNOWSLEY, THRESHOLDS, on) == []


NO_REGULATED = (
    "No band starts at the statutory threshold (£207,720 including VAT), so contracts at or above it would not be "
    "given the regulated procedure."
)


def local_only_sentence(label: str, threshold: str, since: str) -> str:
    return (
        f"{label} cannot be local only: it covers values at or above the statutory threshold "
        f"({threshold} including VAT from {since}), where location may not be used to exclude suppliers."
    )


@pytest.mark.parametrize(
    ("bands", "on", "problems"),
    [
        ([], TODAY, ["No spend bands are in force on 1 June 2026."]),
        (KNOWSLEY, date(2025, 2, 23), ["No spend bands are in force on 23 February 2025."]),
        ([BAND_B, BAND_C, BAND_D], TODAY, ["Nothing covers values under £5,000."]),
        ([BAND_A, BAND_B], TODAY, ["Nothing covers values of £181,000.01 and above.", NO_REGULATED]),
        (
            [BAND_A, replace(BAND_B, upper_pence=20_000_000), BAND_C, BAND_D],
            TODAY,
            ["Intermediate value and High value overlap."],
        ),
        (
            [BAND_A, BAND_B, replace(BAND_C, upper_is_threshold=False), BAND_D],
            TODAY,
            ["High value has no upper limit, so it overlaps Above the statutory threshold."],
        ),
        # A local-only band with no upper limit.
        (
            [replace(BAND_A, upper_pence=None)],
            TODAY,
            [NO_REGULATED, local_only_sentence("Low value", "£207,720", "1 January 2026")],
        ),
        # A local-only band starting at the threshold.
        (
            [BAND_A, BAND_B, BAND_C, replace(BAND_D, locality_rule=LOCAL_ONLY)],
            TODAY,
            [local_only_sentence("Above the statutory threshold", "£207,720", "1 January 2026")],
        ),
        (
            [BAND_A, BAND_B, BAND_C, replace(BAND_D, locality_rule=LOCAL_ONLY)],
            date(2025, 6, 1),
            [local_only_sentence("Above the statutory threshold", "£214,904", "1 January 2024")],
        ),
        # A local-only band starting above the threshold once VAT is added (£181,000.01 is £217,200.01).
        (
            [BAND_A, BAND_B, replace(BAND_C, locality_rule=LOCAL_ONLY), BAND_D],
            TODAY,
            [local_only_sentence("High value", "£207,720", "1 January 2026")],
        ),
    ],
)
def test_band_set_problems(bands: list[Band], on: date, problems: list[str]) -> None:
    assert band_set_problems(bands, THRESHOLDS, on) == problems


def test_removing_b_leaves_a_gap() -> None:
    """The gap is £5,000 to £181,000 (C starts at £181,000.01), written the way range_text writes a range."""
    assert band_set_problems([BAND_A, BAND_C, BAND_D], THRESHOLDS, TODAY) == [
        "Nothing covers values from £5,000 to £181,000, between Low value and High value."
    ]


B_WARNING = (
    "Intermediate value is local only up to £181,000 excluding VAT, but with VAT its top reaches the statutory "
    "threshold ({threshold} including VAT). Contracts at or above the threshold get the regulated procedure, open "
    "to every supplier."
)


@pytest.mark.parametrize(("on", "threshold"), [(TODAY, "£207,720"), (date(2025, 6, 1), "£214,904")])
def test_band_set_warnings_flag_b(on: date, threshold: str) -> None:
    assert band_set_warnings(KNOWSLEY, THRESHOLDS, on) == [B_WARNING.format(threshold=threshold)]


@pytest.mark.parametrize(
    ("bands", "warnings"),
    [
        # B's top, £173,099.99, is £207,719.99 with VAT: under the threshold.
        ([BAND_A, replace(BAND_B, upper_pence=17_310_000), replace(BAND_C, lower_pence=17_310_000), BAND_D], []),
        # B open: nothing to warn about.
        ([BAND_A, replace(BAND_B, locality_rule=OPEN), BAND_C, BAND_D], []),
        # A local-only band that is already a problem (C) is reported there, not warned about as well.
        (
            [BAND_A, BAND_B, replace(BAND_C, locality_rule=LOCAL_ONLY), BAND_D],
            [B_WARNING.format(threshold="£207,720")],
        ),
    ],
)
def test_band_set_warnings_only_where_a_local_only_top_reaches_the_threshold(
    bands: list[Band], warnings: list[str]
) -> None:
    assert band_set_warnings(bands, THRESHOLDS, TODAY) == warnings


def test_band_set_warning_agrees_with_choose_band_on_a_penny() -> None:
    """The warning converts the band's top to VAT-inclusive the same way as an estimate (half up, not truncated).

    With a threshold of £207,720.04, B's top of £173,100.03 is £207,720.036 with VAT: an estimate of that value
    rounds to £207,720.04 and is treated as at the threshold, so the band set must be warned about.
    """
    threshold = Threshold(G, date(2026, 1, 1), 20_772_004, VatBasis.INCLUDED)
    bands = [BAND_A, replace(BAND_B, upper_pence=17_310_004), replace(BAND_C, lower_pence=17_310_004), BAND_D]
    top = Estimate(G, TODAY, EXC, total_pence=17_310_003)
    assert choose_band(bands, [threshold], top, TODAY).above_threshold is True
    assert len(band_set_warnings(bands, [threshold], TODAY)) == 1


def test_a_local_only_band_that_runs_past_the_threshold_is_refused() -> None:
    """DOMAIN section 3: the product refuses 'local only' above the statutory threshold."""
    wide = Band(
        code="W",
        label="Wide local band",
        lower_pence=2_500_000,
        upper_pence=30_000_000,
        vat_basis=VatBasis.EXCLUDED,
        min_quotes=3,
        route="3 quotes",
        locality_rule=LocalityRule.LOCAL_ONLY,
        effective_from=date(2025, 2, 24),
    )
    [resolved] = resolve([wide], THRESHOLDS, ContractType.GOODS_AND_SERVICES, date(2026, 6, 1))
    problem = local_only_problem(resolved)
    assert problem is not None and problem.startswith("Wide local band cannot be local only")
    narrow = replace(wide, upper_pence=20_000_000)  # below £207,720 in its own figures: lawful, with a VAT warning
    [resolved] = resolve([narrow], THRESHOLDS, ContractType.GOODS_AND_SERVICES, date(2026, 6, 1))
    assert local_only_problem(resolved) is None


# --- issue 11 #2: the regulated procedure cannot be configured away ------------------------------------------

C_WITHOUT_LIMIT = replace(BAND_C, upper_is_threshold=False)


@pytest.mark.parametrize(
    "bands",
    [
        pytest.param(KNOWSLEY, id="as seeded"),
        pytest.param([BAND_A, BAND_B, C_WITHOUT_LIMIT], id="D retired, C runs on"),
        pytest.param(
            [
                BAND_A,
                BAND_B,
                replace(BAND_C, upper_is_threshold=False, upper_pence=25_000_000),
                replace(BAND_D, lower_is_threshold=False, lower_pence=25_000_000, vat_basis=VatBasis.EXCLUDED),
            ],
            id="D moved off the threshold to £250,000",
        ),
        pytest.param(
            [BAND_A, BAND_B, BAND_C, replace(BAND_D, locality_rule=LocalityRule.LOCAL_FIRST)], id="D local first"
        ),
        pytest.param([BAND_A, BAND_B, BAND_C, replace(BAND_D, reservation=Reservation.SME)], id="D reserved"),
        pytest.param([BAND_A, BAND_B, BAND_C, replace(BAND_D, advertised=False)], id="D not advertised"),
        pytest.param([replace(BAND_A, upper_pence=None, locality_rule=LOCAL_ONLY)], id="one local-only band"),
        pytest.param([], id="no bands at all"),
    ],
)
def test_a_value_at_or_above_the_threshold_always_gets_the_regulated_procedure(bands: list[Band]) -> None:
    """Whatever the bands say, £5,000,000 is the regulated procedure, open and unreserved, with the reason."""
    choice = choose(estimate("£5,000,000", EXC), bands)
    assert choice.above_threshold is True
    assert choice.band.lower_is_threshold is True
    assert choice.band.route == "Regulated procedure under the Procurement Act 2023"
    assert (choice.locality_rule, choice.band.locality_rule, choice.band.reservation) == (
        OPEN,
        OPEN,
        Reservation.NONE,
    )
    assert choice.band.advertised is True
    assert choice.cautions[0] == regulated_reason_for("£6,000,000")
    assert "3 quotes or tender" not in choice.summary("Knowsley")
    assert "reserves this band" not in choice.summary("Knowsley")


def test_a_council_band_that_runs_past_the_threshold_is_named_in_a_caution() -> None:
    choice = choose(estimate("£5,000,000", EXC), [BAND_A, BAND_B, C_WITHOUT_LIMIT])
    assert choice.band.label == REGULATED_LABEL
    assert choice.cautions[1] == (
        "By your council's bands this would be high value but it is at or above the statutory threshold, where that "
        "band's rules do not apply."
    )


def test_the_councils_own_band_from_the_threshold_lends_its_name() -> None:
    own = replace(BAND_D, label="Regulated", route="Open tender under the Procurement Act 2023")
    choice = choose(estimate("£500,000", EXC), [BAND_A, BAND_B, BAND_C, own])
    assert (choice.band.label, choice.band.route) == ("Regulated", "Open tender under the Procurement Act 2023")


@pytest.mark.parametrize(
    ("start", "route"),
    [
        (date(2025, 2, 23), "Regulated procedure under the Public Contracts Regulations 2015"),
        (date(2025, 2, 24), "Regulated procedure under the Procurement Act 2023"),
    ],
)
def test_without_a_band_the_law_in_force_on_the_start_date_names_the_procedure(start: date, route: str) -> None:
    bands = [replace(b, effective_from=date(2020, 1, 1)) for b in (BAND_A, BAND_B, C_WITHOUT_LIMIT)]
    choice = choose(estimate("£5,000,000", EXC, start=start), bands)
    assert choice.band.route == route


@pytest.mark.parametrize(
    ("contract_type", "value", "above"),
    [(W, "£4,327,499.99", False), (W, "£4,327,500", True), (LT, "£552,949.99", False), (LT, "£552,950", True)],
)
def test_the_threshold_is_resolved_by_contract_type(contract_type: ContractType, value: str, above: bool) -> None:
    """Works £5,193,000 and light-touch £663,540 (including VAT): £4,327,500 and £552,950 before VAT."""
    choice = choose(estimate(value, EXC, contract_type=contract_type), [BAND_A, BAND_B, C_WITHOUT_LIMIT])
    assert choice.above_threshold is above
    assert (choice.band.label == REGULATED_LABEL) is above


WHERE = "the statutory threshold (£207,720 including VAT)"


@pytest.mark.parametrize(
    ("bands", "problem"),
    [
        ([BAND_A, BAND_B, C_WITHOUT_LIMIT], NO_REGULATED),
        (
            [
                BAND_A,
                BAND_B,
                replace(BAND_C, upper_is_threshold=False, upper_pence=25_000_000),
                replace(BAND_D, lower_is_threshold=False, lower_pence=25_000_000, vat_basis=VatBasis.EXCLUDED),
            ],
            NO_REGULATED,
        ),
        (
            [
                BAND_A,
                BAND_B,
                BAND_C,
                replace(BAND_D, upper_pence=100_000_000),
                replace(BAND_D, code="E", label="E", lower_is_threshold=False, lower_pence=100_000_000),
            ],
            f"Above the statutory threshold starts at {WHERE}, so it must have no upper limit: every contract at or "
            "above the threshold follows the regulated procedure.",
        ),
        (
            [BAND_A, BAND_B, BAND_C, replace(BAND_D, locality_rule=LocalityRule.LOCAL_FIRST)],
            f"Above the statutory threshold starts at {WHERE}, so it must be open: the regulated procedure may not "
            "favour suppliers by location.",
        ),
        (
            [BAND_A, BAND_B, BAND_C, replace(BAND_D, reservation=Reservation.VCSE)],
            f"Above the statutory threshold starts at {WHERE}, so it cannot be reserved to voluntary, community and "
            "social enterprises: reservations of that kind are only for contracts below the threshold.",
        ),
    ],
)
def test_band_sets_that_move_the_regulated_procedure_off_the_threshold_are_problems(
    bands: list[Band], problem: str
) -> None:
    assert band_set_problems(bands, THRESHOLDS, TODAY) == [problem]


def test_band_set_issues_say_which_question_a_problem_is_about() -> None:
    issues = band_set_issues([BAND_A, BAND_B, BAND_C, replace(BAND_D, reservation=Reservation.SME)], THRESHOLDS, TODAY)
    assert [issue.question for issue in issues] == ["reservation"]
    assert [issue.question for issue in band_set_issues([BAND_A, BAND_B, C_WITHOUT_LIMIT], THRESHOLDS, TODAY)] == [
        "bounds"
    ]


@pytest.mark.parametrize(
    ("band", "text"),
    [
        (BAND_A, "1 quote, not advertised"),
        (BAND_C, "3 quotes or tender, advertised"),
        (BAND_D, "Regulated procedure under the Procurement Act 2023, advertised"),
        (replace(BAND_B, route="Written quotes"), "Written quotes (at least 3 quotes), not advertised"),
        (replace(BAND_B, route=""), "3 quotes, not advertised"),
    ],
)
def test_how_to_buy(band: Band, text: str) -> None:
    """The band from the threshold is the regulated procedure: never '1 quote, advertised'."""
    assert band.how_to_buy == text


# --- issue 11 #4: where VAT takes a value over the threshold, shown to commissioners ---------------------------


def _rows(table: BandTable) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(row.band.label, row.excluding_vat, row.including_vat, row.no_vat) for row in table.rows]


def test_the_band_table_shows_each_band_as_the_commissioner_enters_the_value() -> None:
    """Intermediate value runs to £181,000 by the council's measure, but from £173,100 excluding VAT the search
    answers 'above the statutory threshold': the table says so, in both bases and where VAT does not apply."""
    table = band_table(KNOWSLEY, THRESHOLDS, G, TODAY)
    assert _rows(table) == [
        ("Low value", "Under £5,000", "Under £6,000", "Under £5,000"),
        ("Intermediate value", "£5,000 to £173,099.99", "£6,000 to £207,719.99", "£5,000 to £181,000"),
        ("High value", None, None, "£181,000.01 to £207,719.99"),
        ("Above the statutory threshold", "£173,100 and above", "£207,720 and above", "£207,720 and above"),
    ]
    assert table.vat_note == (
        "From £173,100 excluding VAT, VAT at 20% takes the contract to the £207,720 threshold, so it follows the "
        "regulated procedure whichever band its value excluding VAT is in."
    )
    assert [row.how_to_buy for row in table.rows] == [
        "1 quote, not advertised",
        "3 quotes, not advertised",
        "3 quotes or tender, advertised",
        "Regulated procedure under the Procurement Act 2023, advertised",
    ]


@pytest.mark.parametrize(
    ("amount", "vat"),
    [
        ("£173,099.99", EXC),
        ("£173,100", EXC),
        ("£207,719.99", INC),
        ("£207,720", INC),
        ("£181,000", NA),
        ("£181,000.01", NA),
        ("£207,719.99", NA),
        ("£207,720", NA),
        ("£4,999.99", EXC),
        ("£5,999.99", INC),
        ("£6,000", INC),
    ],
)
def test_the_band_table_agrees_with_the_search_on_every_edge(amount: str, vat: VatTreatment) -> None:
    """The table's ranges are the search's own answers: each edge lands in the band the table names."""
    table = band_table(KNOWSLEY, THRESHOLDS, G, TODAY)
    column = {EXC: "excluding_vat", INC: "including_vat", NA: "no_vat"}[vat]
    label = choose(estimate(amount, vat)).band.label
    pence = p(amount)
    [row] = [r for r in table.rows if r.band.label == label]
    text = getattr(row, column)
    assert text is not None
    numbers = [p(n) for n in re.findall(r"£[\d,.]+", text)]
    low = 0 if text.startswith("Under") else numbers[0]
    high = numbers[0] if text.startswith("Under") else (numbers[1] + 1 if len(numbers) > 1 else None)
    assert low <= pence and (high is None or pence < high), (amount, vat, label, text)


def test_without_a_band_from_the_threshold_the_table_still_shows_the_regulated_procedure() -> None:
    table = band_table([BAND_A, BAND_B, C_WITHOUT_LIMIT], THRESHOLDS, G, TODAY)
    assert _rows(table)[-2:] == [
        ("High value", None, None, "£181,000.01 to £207,719.99"),
        (REGULATED_LABEL, "£173,100 and above", "£207,720 and above", "£207,720 and above"),
    ]


def test_before_2022_the_threshold_excluded_vat_and_there_is_no_vat_note() -> None:
    table = band_table(KNOWSLEY_SINCE_2010, THRESHOLDS, G, date(2019, 6, 1))
    assert table.vat_note is None
    assert _rows(table)[-1] == (
        "Above the statutory threshold",
        "£181,302 and above",
        "£217,562.40 and above",
        "£181,302 and above",
    )


@pytest.mark.parametrize("vat", list(VatTreatment))
@pytest.mark.parametrize(
    "amount", ["£4,999.99", "£5,000", "£100,000", "£173,099.99", "£173,100", "£181,000", "£190,000"]
)
def test_the_band_sentence_reads_as_the_bands_table(vat: VatTreatment, amount: str) -> None:
    """The search's sentence gives the band's limits on the basis the value was entered, from band_table's rule."""
    choice = choose(estimate(amount, vat))
    row = next(r for r in band_table(KNOWSLEY, THRESHOLDS, G, TODAY).rows if r.band.code == choice.band.code)
    words = {VatTreatment.EXCLUDED: row.excluding_vat, VatTreatment.INCLUDED: row.including_vat}.get(vat, row.no_vat)
    assert words is not None
    assert choice.range_text == f"{words[:1].lower()}{words[1:]} ({entered_words(vat)})"
    assert choice.summary("Knowsley").startswith(f"{choice.band.label}, {choice.range_text}: ")


def test_the_search_does_not_say_the_band_reaches_181000_excluding_vat() -> None:
    """Trial finding 2: at £100,000 excluding VAT the band ends where VAT takes a value to the threshold."""
    summary = choose(estimate("£100,000", EXC)).summary("Knowsley")
    assert summary.startswith("Intermediate value, £5,000 to £173,099.99 (excluding VAT): 3 quotes.")
    assert "£181,000" not in summary


@pytest.mark.parametrize(
    ("vat", "text"),
    [
        (NA, "£181,000 (VAT does not apply)"),
        (EXC, "£181,000 excluding VAT (£217,200 including VAT)"),
        (INC, "£150,833.33 excluding VAT (£181,000 including VAT)"),
    ],
)
def test_value_text_says_when_vat_does_not_apply(vat: VatTreatment, text: str) -> None:
    choice = choose(estimate("£181,000", vat))
    assert choice.value_text == text
    assert describe_value(choice.value.excluding_vat, choice.value.including_vat, vat) == text


# What a band may be: one band's values, its dates, and the whole set on every date it changes ------------------------

GOOD = BandValues(
    label="Low value",
    code="A",
    lower_pence=0,
    upper_pence=500_000,
    vat_basis=VatBasis.EXCLUDED,
    min_quotes=1,
    route="1 quote",
    advertised=False,
    locality_rule=LocalityRule.OPEN,
)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"label": "  "}, "label", "Enter the name of the band"),
        ({"label": "x" * 201}, "label", "The name must be 200 characters or fewer"),
        ({"code": ""}, "code", "Enter a short code for the band, like A"),
        ({"code": "x" * 21}, "code", "The code must be 20 characters or fewer"),
        ({"lower_pence": -1}, "lower_amount", "The lower limit must be £0 or more"),
        ({"upper_pence": 0}, "upper_amount", "The upper limit must be more than the lower limit"),
        (
            {"lower_pence": 500_000, "upper_pence": 500_000},
            "upper_amount",
            "The upper limit must be more than the lower limit",
        ),
        (
            {"lower_is_threshold": True, "upper_is_threshold": True},
            "upper_kind",
            "A band cannot both start and end at the statutory threshold",
        ),
        ({"min_quotes": 0}, "min_quotes", "The minimum number of quotes must be between 1 and 10"),
        ({"min_quotes": 11}, "min_quotes", "The minimum number of quotes must be between 1 and 10"),
        ({"route": ""}, "route", "Enter how contracts in this band are awarded"),
        ({"route": "x" * 501}, "route", "How contracts are awarded must be 500 characters or fewer"),
        ({"locality_rule": LocalityRule.LOCAL_ONLY}, "rationale", "Enter why the band is reserved to local providers"),
        (
            {"reservation": Reservation.SME},
            "rationale",
            "Enter why the band is reserved to small and medium-sized enterprises",
        ),
        (
            {"reservation": Reservation.VCSE},
            "rationale",
            "Enter why the band is reserved to voluntary, community and social enterprises",
        ),
        ({"rationale": "x" * 5001}, "rationale", "The reason must be 5,000 characters or fewer"),
    ],
)
def test_band_value_problems(changes: dict[str, object], field: str, message: str) -> None:
    assert band_value_problems(replace(GOOD, **changes)) == [(field, message)]  # type: ignore[arg-type]


def test_good_values_have_no_problems() -> None:
    assert band_value_problems(GOOD) == []
    assert band_value_problems(replace(GOOD, locality_rule=LocalityRule.LOCAL_ONLY, rationale="Local")) == []
    # A bound at the threshold ignores its pence, so they cannot make it a problem.
    assert band_value_problems(replace(GOOD, upper_pence=0, upper_is_threshold=True)) == []


def test_band_values_of_a_stored_band_read_its_threshold_columns() -> None:
    stored = SimpleNamespace(
        **{name: getattr(GOOD, name) for name in GOOD.__dataclass_fields__ if not name.endswith("_threshold")},
        lower_is_statutory_threshold=False,
        upper_is_statutory_threshold=True,
    )
    assert BandValues.of(stored) == replace(GOOD, upper_is_threshold=True)


@pytest.mark.parametrize(
    ("on", "today", "problem"),
    [
        (date(2017, 12, 31), None, "The date must be the same as or after 1 January 2018"),
        (date(2018, 1, 1), None, None),
        (date(2036, 12, 31), TODAY, None),
        (date(2037, 1, 1), TODAY, "The date must be before 1 January 2037"),
        (date(2037, 1, 1), None, None),
    ],
)
def test_band_date_problem(on: date, today: date | None, problem: str | None) -> None:
    assert band_date_problem(on, "The date", today) == problem


def test_change_dates_are_where_a_band_or_a_threshold_starts_or_a_band_ends() -> None:
    ended = replace(BAND_B, effective_to=date(2027, 4, 1))
    assert change_dates([BAND_A, ended], THRESHOLDS[:2]) == {BANDS_FROM, date(2027, 4, 1), date(2018, 1, 1)}
    assert change_dates([], []) == set()


def test_knowsleys_bands_have_no_problems_on_any_date_they_change() -> None:
    dates = {on for on in change_dates(KNOWSLEY, THRESHOLDS) if on >= BANDS_FROM}
    assert dates == {BANDS_FROM, date(2026, 1, 1)}
    assert band_set_issues_by_date(KNOWSLEY, THRESHOLDS, dates) == []


def test_band_set_issues_by_date_lists_each_date_with_problems_in_order() -> None:
    retired_b = [BAND_A, replace(BAND_B, effective_to=date(2027, 4, 1)), BAND_C, BAND_D]
    found = band_set_issues_by_date(retired_b, THRESHOLDS, [date(2027, 4, 1), TODAY, date(2017, 1, 1)])
    assert [(on, [issue.text for issue in issues]) for on, issues in found] == [
        (date(2017, 1, 1), ["No spend bands are in force on 1 January 2017."]),
        (
            date(2027, 4, 1),
            ["Nothing covers values from £5,000 to £181,000, between Low value and High value."],
        ),
    ]
