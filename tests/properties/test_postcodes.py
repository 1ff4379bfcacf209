"""Property tests of the postcode parser (app/domain/postcodes.py).

The parser enforces the shapes of BS 7666 (outward A9, A99, AA9, AA99, A9A, AA9A; inward 9AA) but not the
letters the Royal Mail leaves out of each position, so the generated postcodes use every letter A-Z.
"""

from __future__ import annotations

import re
import string

from hypothesis import example, given
from hypothesis import strategies as st

from app.domain.postcodes import (
    ENTER_FULL_POSTCODE,
    ENTER_POSTCODE,
    Postcode,
    PostcodeError,
    is_outward_code,
    normalise_postcode,
    parse_postcode,
    try_normalise_postcode,
)

LETTER = st.sampled_from(string.ascii_uppercase)
DIGIT = st.sampled_from(string.digits)

OUTWARD = st.one_of(
    st.tuples(LETTER, DIGIT),  # A9
    st.tuples(LETTER, DIGIT, DIGIT),  # A99
    st.tuples(LETTER, LETTER, DIGIT),  # AA9
    st.tuples(LETTER, LETTER, DIGIT, DIGIT),  # AA99
    st.tuples(LETTER, DIGIT, LETTER),  # A9A
    st.tuples(LETTER, LETTER, DIGIT, LETTER),  # AA9A
).map("".join)
INWARD = st.tuples(DIGIT, LETTER, LETTER).map("".join)
POSTCODE = st.builds(Postcode, OUTWARD, INWARD)

#: What the normal form of any accepted postcode looks like.
NORMAL_FORM = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}|GIR 0AA")
#: Spacing people (and spreadsheets) put in postcodes; the parser squashes whitespace and hyphens.
WHITESPACE = " \t\n\r\u00a0\u2009\u3000"
SPACING = st.text(alphabet=WHITESPACE + "-", max_size=3)

#: Text that looks a little like a postcode more often than st.text() alone would.
POSTCODE_ISH = st.one_of(
    st.text(),
    st.text(alphabet=string.ascii_letters + string.digits + " -\t\u00a0Oo", max_size=12),
    st.builds(lambda p, junk: str(p) + junk, POSTCODE, st.text(max_size=3)),
    st.builds(lambda junk, p: junk + str(p), st.text(max_size=3), POSTCODE),
)


@given(POSTCODE_ISH)
@example("GIR 0AA")
@example("L36 9GO")
@example("\u00df")  # 'ß'.upper() is two letters
@example("l36 9gd\n")
def test_arbitrary_text_raises_nothing_but_postcode_error(text: str) -> None:
    try:
        postcode = parse_postcode(text)
    except PostcodeError as error:
        assert str(error) in (ENTER_POSTCODE, ENTER_FULL_POSTCODE)
        assert try_normalise_postcode(text) is None
        return
    normal = str(postcode)
    assert NORMAL_FORM.fullmatch(normal), normal
    assert try_normalise_postcode(text) == normalise_postcode(text) == normal
    assert parse_postcode(normal) == postcode  # idempotent on whatever it accepts
    assert postcode.area == re.match(r"[A-Z]+", postcode.outward).group(0)  # type: ignore[union-attr]
    is_outward_code(text)  # must not raise either


@given(st.one_of(st.none(), st.text(alphabet=WHITESPACE, max_size=5)))
def test_nothing_but_space_asks_for_a_postcode(text: str | None) -> None:
    try:
        parse_postcode(text)
    except PostcodeError as error:
        assert str(error) == ENTER_POSTCODE
    else:
        raise AssertionError(f"{text!r} was accepted")
    assert try_normalise_postcode(text) is None


@given(POSTCODE)
def test_a_postcode_in_the_uk_format_parses_to_its_parts(postcode: Postcode) -> None:
    text = postcode.outward + postcode.inward
    parsed = parse_postcode(text)
    assert parsed == postcode
    assert str(parsed) == f"{postcode.outward} {postcode.inward}"
    assert parse_postcode(str(parsed)) == parsed  # normalising is idempotent
    assert normalise_postcode(normalise_postcode(text)) == normalise_postcode(text)
    assert try_normalise_postcode(text) == str(postcode)
    assert is_outward_code(postcode.outward)


@given(POSTCODE, st.data())
def test_case_and_spacing_do_not_change_the_result(postcode: Postcode, data: st.DataObject) -> None:
    characters = list(postcode.outward + postcode.inward)
    typed = data.draw(SPACING)
    for character in characters:
        typed += data.draw(st.sampled_from([character, character.lower()])) + data.draw(SPACING)
    assert parse_postcode(typed) == postcode
    assert try_normalise_postcode(typed) == str(postcode)


@given(POSTCODE, st.sampled_from("Oo"))
def test_letter_o_for_the_inward_zero_is_read_as_zero(postcode: Postcode, letter: str) -> None:
    zero = Postcode(postcode.outward, "0" + postcode.inward[1:])
    assert parse_postcode(f"{postcode.outward} {letter}{postcode.inward[1:]}") == zero


@given(POSTCODE)
def test_a_part_of_a_postcode_is_not_a_postcode(postcode: Postcode) -> None:
    for part in (postcode.outward, postcode.inward, postcode.outward + postcode.inward[:2]):
        assert try_normalise_postcode(part) is None, part
