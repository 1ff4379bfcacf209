"""Money as people type it, and the statutory thresholds decided by a procurement's start date."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.policy import (
    ContractType,
    MoneyError,
    Threshold,
    VatBasis,
    describe_range,
    format_pence,
    parse_pounds,
    threshold_in_force,
)

ENTER_AMOUNT = "Enter an amount in pounds, like £5,000"
NOT_NEGATIVE = "Enter an amount of £0 or more"


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("£5,000", 500_000),
        ("5000", 500_000),
        ("5000.50", 500_050),
        ("5000.5", 500_050),
        ("0.01", 1),
        ("5k", 500_000),
        ("5K", 500_000),
        ("£25k", 2_500_000),
        ("1.2m", 120_000_000),
        ("1.2M", 120_000_000),
        (" £ 181,000 ", 18_100_000),
        ("207,720", 20_772_000),
        ("0", 0),
        ("£0.00", 0),
    ],
)
def test_parse_pounds(typed: str, pence: int) -> None:
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", ENTER_AMOUNT),
        ("   ", ENTER_AMOUNT),
        ("£", ENTER_AMOUNT),
        ("k", ENTER_AMOUNT),
        ("abc", ENTER_AMOUNT),
        ("5 pounds", ENTER_AMOUNT),
        ("NaN", ENTER_AMOUNT),
        ("inf", ENTER_AMOUNT),
        ("Infinity", ENTER_AMOUNT),
        ("-inf", ENTER_AMOUNT),
        ("-5", NOT_NEGATIVE),
        ("-£5,000", NOT_NEGATIVE),
        ("-0.01", NOT_NEGATIVE),
        # Absurdly large numbers must be a message too, not a decimal.InvalidOperation escaping to a 500.
        ("1e30", ENTER_AMOUNT),
        ("9" * 30, "Enter an amount less than £1,000,000,000,000"),
    ],
)
def test_parse_pounds_refuses_with_a_message(typed: str, message: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_pounds(typed)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("pence", "always_show_pence", "text"),
    [
        (500_000, False, "£5,000"),
        (499_999, False, "£4,999.99"),
        (0, False, "£0"),
        (1, False, "£0.01"),
        (50, False, "£0.50"),
        (20_772_000, False, "£207,720"),
        (519_300_000, False, "£5,193,000"),
        (500_000, True, "£5,000.00"),
        (0, True, "£0.00"),
        (499_999, True, "£4,999.99"),
        (-150, False, "-£1.50"),
    ],
)
def test_format_pence(pence: int, always_show_pence: bool, text: str) -> None:
    assert format_pence(pence, always_show_pence=always_show_pence) == text


@pytest.mark.parametrize("pence", [0, 1, 99, 500_000, 499_999, 18_100_000, 20_772_000])
def test_format_then_parse_round_trips(pence: int) -> None:
    assert parse_pounds(format_pence(pence)) == pence


def _pounds(amount: int) -> int:
    return amount * 100


G = ContractType.GOODS_AND_SERVICES
W = ContractType.WORKS
LT = ContractType.LIGHT_TOUCH

#: DOMAIN.md section 2: councils' thresholds by effective date.
THRESHOLDS = [
    Threshold(contract_type, effective_from, _pounds(amount), vat)
    for effective_from, vat, amounts in (
        (date(2018, 1, 1), VatBasis.EXCLUDED, {G: 181_302, W: 4_551_413, LT: 615_278}),
        (date(2020, 1, 1), VatBasis.EXCLUDED, {G: 189_330, W: 4_733_252, LT: 663_540}),
        (date(2022, 1, 1), VatBasis.INCLUDED, {G: 213_477, W: 5_336_937, LT: 663_540}),
        (date(2024, 1, 1), VatBasis.INCLUDED, {G: 214_904, W: 5_372_609, LT: 663_540}),
        (date(2026, 1, 1), VatBasis.INCLUDED, {G: 207_720, W: 5_193_000, LT: 663_540}),
    )
    for contract_type, amount in amounts.items()
]


@pytest.mark.parametrize(
    ("contract_type", "starts_on", "amount_pounds", "vat_basis", "effective_from"),
    [
        (G, date(2025, 12, 31), 214_904, VatBasis.INCLUDED, date(2024, 1, 1)),
        (G, date(2026, 1, 1), 207_720, VatBasis.INCLUDED, date(2026, 1, 1)),
        (G, date(2026, 6, 1), 207_720, VatBasis.INCLUDED, date(2026, 1, 1)),
        (G, date(2019, 6, 1), 181_302, VatBasis.EXCLUDED, date(2018, 1, 1)),
        (G, date(2018, 1, 1), 181_302, VatBasis.EXCLUDED, date(2018, 1, 1)),
        (G, date(2021, 12, 31), 189_330, VatBasis.EXCLUDED, date(2020, 1, 1)),
        (G, date(2022, 1, 1), 213_477, VatBasis.INCLUDED, date(2022, 1, 1)),
        (LT, date(2019, 6, 1), 615_278, VatBasis.EXCLUDED, date(2018, 1, 1)),
        (LT, date(2020, 1, 1), 663_540, VatBasis.EXCLUDED, date(2020, 1, 1)),
        (LT, date(2025, 12, 31), 663_540, VatBasis.INCLUDED, date(2024, 1, 1)),
        (LT, date(2026, 6, 1), 663_540, VatBasis.INCLUDED, date(2026, 1, 1)),
        (W, date(2025, 12, 31), 5_372_609, VatBasis.INCLUDED, date(2024, 1, 1)),
        (W, date(2026, 1, 1), 5_193_000, VatBasis.INCLUDED, date(2026, 1, 1)),
        (W, date(2019, 6, 1), 4_551_413, VatBasis.EXCLUDED, date(2018, 1, 1)),
    ],
)
def test_threshold_in_force_is_decided_by_start_date(
    contract_type: ContractType, starts_on: date, amount_pounds: int, vat_basis: VatBasis, effective_from: date
) -> None:
    found = threshold_in_force(THRESHOLDS, contract_type, starts_on)
    assert found == Threshold(contract_type, effective_from, _pounds(amount_pounds), vat_basis)


@pytest.mark.parametrize("contract_type", list(ContractType))
def test_no_threshold_before_the_first_one(contract_type: ContractType) -> None:
    assert threshold_in_force(THRESHOLDS, contract_type, date(2017, 12, 31)) is None


def test_no_threshold_when_none_are_known() -> None:
    assert threshold_in_force([], G, date(2026, 6, 1)) is None


def test_threshold_in_force_ignores_the_order_it_is_given() -> None:
    assert threshold_in_force(reversed(THRESHOLDS), G, date(2026, 6, 1)) == threshold_in_force(
        THRESHOLDS, G, date(2026, 6, 1)
    )


@pytest.mark.parametrize(
    ("lower", "upper", "text"),
    [
        (0, 500_000, "under £5,000"),
        (500_000, 2_500_000, "£5,000 to £24,999.99"),
        (500_000, 18_100_000, "£5,000 to £180,999.99"),
        (2_500_000, 20_772_000, "£25,000 to £207,719.99"),
        (20_772_000, None, "£207,720 and above"),
        (0, None, "£0 and above"),
    ],
)
def test_describe_range(lower: int, upper: int | None, text: str) -> None:
    assert describe_range(lower, upper) == text
