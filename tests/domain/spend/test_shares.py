"""Shares, points, money in short, and the filters that find the payments behind a figure."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app.domain.providers import LegalForm
from app.domain.spend.classification import Exclusion, PlaceBasis, SpendPlace
from app.domain.spend.shares import (
    PLACE_ROWS,
    FilterError,
    PaymentFilters,
    SmeStatus,
    percent,
    percent_text,
    points,
    points_text,
    share,
    short_money,
)


@pytest.mark.parametrize(
    ("part", "base", "expected"),
    [
        (1, 8, Fraction(1, 8)),
        (0, 100, Fraction(0)),
        (-5, 100, Fraction(-1, 20)),  # a net credit
        (120, 100, Fraction(6, 5)),  # credits elsewhere can make a part larger than the base
        (5, 0, None),
        (5, -10, None),
    ],
)
def test_a_share_is_exact_and_none_without_a_positive_base(part: int, base: int, expected: Fraction | None) -> None:
    assert share(part, base) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(1, 8), "12.5%"),
        (Fraction(1, 3), "33.3%"),
        (Fraction(2, 3), "66.7%"),
        (Fraction(1, 1), "100.0%"),
        (Fraction(0), "0.0%"),
        (Fraction(1, 4000), "under 0.1%"),
        (Fraction(-1, 4000), "under -0.1%"),
        (Fraction(1, 2000), "0.1%"),  # half up
        (None, "Not measured"),
    ],
)
def test_percent_text(value: Fraction | None, text: str) -> None:
    assert percent_text(value) == text


def test_percent_rounds_half_up_to_the_places_asked() -> None:
    assert str(percent(Fraction(12345, 100000), 2)) == "12.35"
    assert percent(None) is None


@pytest.mark.parametrize(
    ("before", "after", "text"),
    [
        (Fraction(1, 10), Fraction(121, 1000), "up 2.1 points"),
        (Fraction(1, 2), Fraction(496, 1000), "down 0.4 points"),
        (Fraction(1, 2), Fraction(51, 100), "up 1.0 point"),
        (Fraction(1, 2), Fraction(1, 2), "no change"),
        (Fraction(1, 2), Fraction(50004, 100000), "no change"),
        (None, Fraction(1, 2), "Not comparable"),
    ],
)
def test_points_between_two_shares(before: Fraction | None, after: Fraction | None, text: str) -> None:
    assert points_text(points(before, after)) == text


@pytest.mark.parametrize(
    ("pence", "text"),
    [
        (120_000_000, "£1.2m"),
        (124_999_999, "£1.2m"),
        (125_000_000, "£1.3m"),
        (45_000_000, "£450k"),
        (99_999_000, "£1m"),
        (85_000, "£850"),
        (85_050, "£851"),
        (1_250_000_000_000, "£12.5bn"),
        (-30_000_000, "-£300k"),
        (0, "£0"),
    ],
)
def test_short_money_for_headlines(pence: int, text: str) -> None:
    assert short_money(pence) == text


def test_the_place_rows_split_local_spend_by_every_basis_then_the_other_places() -> None:
    local = [row.basis for row in PLACE_ROWS if row.place == SpendPlace.LOCAL]
    assert local == [*PlaceBasis, None]
    others = [row.place for row in PLACE_ROWS if row.place != SpendPlace.LOCAL]
    assert others == [SpendPlace.WIDER, SpendPlace.OUTSIDE, SpendPlace.NOT_KNOWN]
    assert len({row.key for row in PLACE_ROWS}) == len(PLACE_ROWS)


EVERY_FILTER = PaymentFilters(
    places=(SpendPlace.WIDER, SpendPlace.OUTSIDE),
    basis=PlaceBasis.BRANCHED,
    measured=True,
    exclusion=Exclusion.TAX,
    category=("service_area", "Parks & Open Spaces"),
    supplier_id=42,
    month=(2026, 4),
    social_economy=True,
    legal_form=LegalForm.CIC,
    sme=SmeStatus.UNKNOWN,
    deprived=2,
    decile_known=True,
    attributed=False,
)


@pytest.mark.parametrize(
    "filters",
    [
        PaymentFilters(),
        EVERY_FILTER,
        PaymentFilters(places=(SpendPlace.LOCAL,), no_basis=True),
        PaymentFilters(category=("proclass", None)),
        PaymentFilters(social_economy=False, attributed=True, decile_known=False),
    ],
)
def test_filters_go_into_a_link_and_come_back(filters: PaymentFilters) -> None:
    assert PaymentFilters.from_query(filters.query()) == filters


def test_a_link_with_no_filters_is_all_payments() -> None:
    assert PaymentFilters().query() == {}
    assert not PaymentFilters().any and EVERY_FILTER.any
    assert PaymentFilters().describe() == "All payments"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"place": "nowhere"}, "place"),
        ({"basis": "head_office"}, "basis"),
        ({"measured": "perhaps"}, "measured"),
        ({"dimension": "colour", "category": "Red"}, "dimension"),
        ({"category": "Red"}, "dimension"),
        ({"supplier": "12a"}, "supplier"),
        ({"supplier": "1" * 19}, "supplier"),
        ({"supplier": "²"}, "supplier"),
        ({"month": "April"}, "month"),
        ({"month": "2026-13"}, "month"),
        ({"legal_form": "plc"}, "legal_form"),
        ({"sme": "maybe"}, "sme"),
        ({"deprived": "3"}, "deprived"),
        ({"exclusion": "gift"}, "exclusion"),
        ({"attributed": "2"}, "attributed"),
    ],
)
def test_a_link_that_cannot_be_read_is_refused_with_the_field(args: dict[str, str], field: str) -> None:
    with pytest.raises(FilterError) as caught:
        PaymentFilters.from_query(args)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("filters", "words"),
    [
        (
            PaymentFilters(places=(SpendPlace.LOCAL,), basis=PlaceBasis.BRANCHED),
            "Local: a branch in the area",
        ),
        (PaymentFilters(places=(SpendPlace.LOCAL,), no_basis=True), "Local: basis not recorded"),
        (
            PaymentFilters(measured=True, category=("department", "Highways"), month=(2026, 4)),
            "Department “Highways”; paid in April 2026; suppliers in the measure",
        ),
        (PaymentFilters(category=("proclass", None)), "No proClass category given"),
        (
            PaymentFilters(measured=True, social_economy=True, legal_form=LegalForm.CIC),
            "Community interest company (CIC); the social economy; suppliers in the measure",
        ),
        (
            PaymentFilters(places=(SpendPlace.WIDER, SpendPlace.OUTSIDE), category=("service_area", "Parks")),
            "Wider area or Outside; service area “Parks”",
        ),
        (PaymentFilters(measured=True, deprived=1), "In the 10% most deprived areas; suppliers in the measure"),
        (PaymentFilters(attributed=False), "Not attributed yet"),
        (
            PaymentFilters(places=(SpendPlace.NOT_A_SUPPLIER,), exclusion=Exclusion.TAX),
            "Not a supplier; left out of the measure: tax or duty",
        ),
    ],
)
def test_filters_in_words(filters: PaymentFilters, words: str) -> None:
    assert filters.describe() == words


def test_a_supplier_is_named_when_the_page_knows_it() -> None:
    assert PaymentFilters(supplier_id=7).describe("Acme Ltd") == "Paid to Acme Ltd"
    assert PaymentFilters(supplier_id=7).describe() == "Paid to supplier number 7"


def test_filters_that_make_no_sense_are_refused() -> None:
    with pytest.raises(FilterError):
        PaymentFilters(deprived=3)
    with pytest.raises(FilterError):
        PaymentFilters(category=("colour", "Red"))
