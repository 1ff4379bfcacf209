"""The rule on hidden (control) characters, without Flask."""

from __future__ import annotations

import pytest

from app.domain.text import hidden_characters, hidden_characters_message, without_hidden_characters


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
