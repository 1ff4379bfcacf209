"""The rule on hidden (control) characters, without Flask."""

from __future__ import annotations

import pytest

from app.domain.text import (
    hidden_characters,
    hidden_characters_message,
    is_plain_number,
    plain_int,
    without_hidden_characters,
)


@pytest.mark.parametrize(
    ("text", "multiline", "found"),
    [
        ("Page Moss CIC", False, []),
        ("Café Ŵ — 'quoted' £5", False, []),
        ("a\x00b", False, ["\x00"]),
        ("a\x00b", True, ["\x00"]),
        ("line one\nline two", False, ["\n"]),
        ("line one\r\nline two\tindented", True, []),
        ("bell\x07 and escape\x1b", True, ["\x07", "\x1b"]),
        ("delete\x7f", False, ["\x7f"]),
        ("C1 control\x85 and\x9f", False, ["\x85", "\x9f"]),
        ("\x00\x00\x00", False, ["\x00"]),
    ],
)
def test_which_characters_are_hidden(text: str, multiline: bool, found: list[str]) -> None:
    assert hidden_characters(text, multiline=multiline) == found


def test_the_message_names_the_field_and_what_was_found() -> None:
    assert hidden_characters_message("Your name", "a\x00b") == (
        "Your name must not contain hidden characters such as null characters"
    )
    assert (
        hidden_characters_message("Town", "a\tb\nc")
        == "Town must not contain hidden characters such as tabs or line breaks"
    )
    assert hidden_characters_message("Description", "a\x07", multiline=True) == (
        "Description must not contain hidden characters such as those copied from another program"
    )


def test_what_is_shown_back_loses_only_the_refused_characters() -> None:
    assert without_hidden_characters("Page\x00 Moss\tCIC") == "Page MossCIC"
    assert without_hidden_characters("one\ntwo\x00", multiline=True) == "one\ntwo"


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("0", True),
        ("2027", True),
        ("007", True),
        ("", False),
        (" 3", False),
        ("-3", False),
        ("+3", False),
        ("3.0", False),
        ("1,000", False),
        ("\u00b2", False),  # superscript two: str.isdigit() says yes, int() refuses it
        ("1\u00b3", False),
        ("\u0663", False),  # Arabic-Indic three: int() reads it, but nobody types it into a register
        ("\uff13", False),  # a full-width three
    ],
)
def test_a_plain_number_is_digits_0_to_9_only(text: str, plain: bool) -> None:
    assert is_plain_number(text) is plain


@pytest.mark.parametrize(
    ("text", "max_digits", "number"),
    [
        ("12", 18, 12),
        ("0", 18, 0),
        ("000000000000000000000042", 2, 42),  # leading zeros are not digits of the number
        ("123", 2, None),
        ("1" * 25, 18, None),
        ("9" * 5000, 18, None),  # past Python's own limit, int() would raise
        ("\u00b2", 18, None),
        ("", 18, None),
        (None, 18, None),
    ],
)
def test_plain_int_reads_only_plain_numbers_of_a_sensible_length(
    text: str | None, max_digits: int, number: int | None
) -> None:
    assert plain_int(text, max_digits=max_digits) == number


def test_plain_int_allows_a_number_as_long_as_a_database_integer_by_default() -> None:
    assert plain_int("9" * 18) == 10**18 - 1
    assert plain_int("9" * 19) is None
