"""Property tests of money in pounds and pence (app/domain/policy.py: parse_pounds and format_pence)."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.domain.policy import MAX_POUNDS, MoneyError, format_pence, parse_pounds

#: The largest amount parse_pounds accepts is a penny under a trillion pounds.
MAX_PENCE = int(MAX_POUNDS) * 100 - 1
PENCE = st.integers(min_value=0, max_value=MAX_PENCE)

MONEY_ISH = st.one_of(
    st.text(),
    st.text(alphabet=string.digits + ".,£ -kKmM\n\t", max_size=20),
    st.builds(lambda p, junk: format_pence(p) + junk, PENCE, st.text(max_size=3)),
    st.builds(lambda junk, p: junk + format_pence(p), st.text(max_size=3), PENCE),
)


@given(MONEY_ISH)
@example("1e5")
@example("NaN")
@example("Infinity")
@example("-£5")
@example("\u0663")  # an Arabic-Indic digit: re's \d matches it
@example("9" * 5000)
@example("0." + "9" * 60)
@example("999999999999.99999999999999999999")
def test_arbitrary_text_raises_only_money_error(text: str) -> None:
    try:
        pence = parse_pounds(text)
    except MoneyError as error:
        assert str(error).startswith("Enter an amount")
        return
    assert isinstance(pence, int)
    assert pence >= 0
    if pence <= MAX_PENCE:  # the limit itself: see test_an_accepted_amount_is_below_the_limit
        assert parse_pounds(format_pence(pence)) == pence


@given(PENCE, st.booleans())
def test_format_then_parse_round_trips(pence: int, always_show_pence: bool) -> None:
    assert parse_pounds(format_pence(pence, always_show_pence=always_show_pence)) == pence


@given(PENCE)
def test_the_ways_people_write_an_amount_agree(pence: int) -> None:
    pounds, rem = divmod(pence, 100)
    ways = [
        f"£{pounds:,}.{rem:02d}",  # '£1,234.50'
        f"{pounds}.{rem:02d}",  # '1234.50'
        f" {pounds}.{rem:02d} ",  # ' 1234.50 '
        f"£ {pounds:,}.{rem:02d}",
        f"{pounds:,}.{rem:02d}",
    ]
    if rem % 10 == 0:
        ways.append(f"{pounds}.{rem // 10}")  # '1234.5'
    if rem == 0:
        ways += [f"{pounds}", f"£{pounds:,}"]
    assert {way: parse_pounds(way) for way in ways} == dict.fromkeys(ways, pence)


@given(st.integers(min_value=0, max_value=999_999_999), st.sampled_from(["k", "K", "m", "M"]))
def test_k_and_m_multiply(pounds: int, suffix: str) -> None:
    multiplier = 1000 if suffix in "kK" else 1_000_000
    if pounds * multiplier >= MAX_POUNDS:
        with pytest.raises(MoneyError):
            parse_pounds(f"{pounds}{suffix}")
    else:
        assert parse_pounds(f"{pounds}{suffix}") == parse_pounds(str(pounds)) * multiplier


@given(PENCE.filter(lambda p: p > 0))
def test_a_negative_amount_is_refused_as_negative(pence: int) -> None:
    with pytest.raises(MoneyError, match="£0 or more"):
        parse_pounds("-" + format_pence(pence).removeprefix("£"))


@given(st.integers(max_value=-1))
def test_format_pence_shows_a_negative_sign_parse_pounds_refuses(pence: int) -> None:
    text = format_pence(pence)
    assert text.startswith("-£")
    with pytest.raises(MoneyError):
        parse_pounds(text)


@pytest.mark.parametrize("text", ["999999999999.995", "999999999.999995k", "999999.999999995m"])
def test_an_amount_that_rounds_up_to_the_limit_is_refused(text: str) -> None:
    with pytest.raises(MoneyError, match="less than £1,000,000,000,000"):
        parse_pounds(text)
    pence = parse_pounds(text.replace("995", "994"))  # a hair below rounds down and is accepted
    assert pence < MAX_POUNDS * 100
    assert parse_pounds(format_pence(pence)) == pence
