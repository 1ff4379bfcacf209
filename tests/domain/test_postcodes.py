"""Postcodes as people type them: normalising, the error copy, crown dependencies, outward codes."""

from __future__ import annotations

import pytest

from app.domain.postcodes import (
    ENTER_FULL_POSTCODE,
    ENTER_POSTCODE,
    PostcodeError,
    is_outward_code,
    normalise_postcode,
    parse_postcode,
    try_normalise_postcode,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # case and spacing
        ("L36 9GD", "L36 9GD"),
        ("l36 9gd", "L36 9GD"),
        ("L369GD", "L36 9GD"),
        ("l369gd", "L36 9GD"),
        ("  L36   9GD  ", "L36 9GD"),
        ("L 3 6 9 G D", "L36 9GD"),
        ("L36\u00a09GD", "L36 9GD"),  # non-breaking space pasted from a web page
        ("L36\t9GD", "L36 9GD"),
        ("L36-9GD", "L36 9GD"),
        # letter O typed for the zero at the start of the inward code
        ("W1A OAX", "W1A 0AX"),
        # every shape: A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA
        ("M1 1AE", "M1 1AE"),
        ("m11ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("b338th", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("cr26xh", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("dn551pt", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("w1a0ax", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("ec1a1bb", "EC1A 1BB"),
        # the non-geographic Girobank postcode
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_normalises_any_case_and_spacing(typed: str, expected: str) -> None:
    assert normalise_postcode(typed) == expected
    assert try_normalise_postcode(typed) == expected


@pytest.mark.parametrize(
    ("typed", "outward", "inward", "area"),
    [
        ("L36 9GD", "L36", "9GD", "L"),
        ("M1 1AE", "M1", "1AE", "M"),
        ("CR2 6XH", "CR2", "6XH", "CR"),
        ("EC1A 1BB", "EC1A", "1BB", "EC"),
        ("W1A 0AX", "W1A", "0AX", "W"),
    ],
)
def test_parse_splits_outward_and_inward(typed: str, outward: str, inward: str, area: str) -> None:
    postcode = parse_postcode(typed)
    assert (postcode.outward, postcode.inward, postcode.area) == (outward, inward, area)
    assert str(postcode) == f"{outward} {inward}"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", ENTER_POSTCODE),
        ("   ", ENTER_POSTCODE),
        (None, ENTER_POSTCODE),
        ("L36", ENTER_FULL_POSTCODE),
        ("L36 9G", ENTER_FULL_POSTCODE),
        ("XYZ", ENTER_FULL_POSTCODE),
        ("12345", ENTER_FULL_POSTCODE),
        ("L36 9GDD", ENTER_FULL_POSTCODE),
        ("L36 99D", ENTER_FULL_POSTCODE),
        ("ABC1 1AA", ENTER_FULL_POSTCODE),
        ("L36 9GD!", ENTER_FULL_POSTCODE),
    ],
)
def test_rejects_what_is_not_a_full_postcode(typed: str | None, message: str) -> None:
    with pytest.raises(PostcodeError) as caught:
        normalise_postcode(typed)
    assert str(caught.value) == message
    assert try_normalise_postcode(typed) is None


def test_error_messages_are_the_govuk_copy() -> None:
    assert ENTER_POSTCODE == "Enter a postcode"
    assert ENTER_FULL_POSTCODE == "Enter a full UK postcode, like L36 9GD"


@pytest.mark.parametrize(
    ("typed", "crown_dependency"),
    [
        ("GY1 1AA", True),  # Guernsey
        ("JE2 3AB", True),  # Jersey
        ("IM1 1AA", True),  # Isle of Man
        ("L36 9GD", False),
        ("G1 1AA", False),  # Glasgow: one letter, not GY
        ("J1 1AA", False),
        ("IG1 1AA", False),  # Ilford: the letters must match in order
        ("EC1A 1BB", False),
    ],
)
def test_crown_dependency_flag(typed: str, crown_dependency: bool) -> None:
    assert parse_postcode(typed).is_crown_dependency is crown_dependency


@pytest.mark.parametrize(
    ("typed", "outward"),
    [
        ("L36", True),
        ("l36", True),
        (" L36 ", True),
        ("M1", True),
        ("CR2", True),
        ("DN55", True),
        ("W1A", True),
        ("EC1A", True),
        ("L36 9GD", False),
        ("L369GD", False),
        ("L", False),
        ("36", False),
        ("", False),
        ("ABC1", False),
        ("L36X9", False),
    ],
)
def test_is_outward_code(typed: str, outward: bool) -> None:
    assert is_outward_code(typed) is outward
