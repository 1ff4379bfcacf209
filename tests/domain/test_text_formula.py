"""The one rule on text a spreadsheet may run as a formula (CSV injection), without Flask: the import warns about
it and every download escapes it."""

from __future__ import annotations

import pytest

from app.domain.text import looks_like_formula


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("=1+1", True),
        ("+1", True),
        ("-1", True),
        ("@SUM(A1)", True),
        ('\uff1dHYPERLINK("http://evil.example")', True),  # full-width = + - @, read as formulas by some locales
        ("\uff0b1", True),
        ("\uff0d1", True),
        ("\uff20SUM(A1)", True),
        ("\tx", True),  # a leading tab or carriage return
        ("\rx", True),
        (" =x", True),  # some spreadsheets trim the space before deciding
        ("\n=x", True),
        ("\u00a0@x", True),
        ("+44 151 443 2000", True),  # a phone number too: the import's exemption for phone numbers is its own
        ("Page Moss Community CIC", False),
        ("a=b", False),
        ("Costs \u00a34,500 - roughly", False),
        ("'=1+1", False),  # already guarded
        ("", False),
        ("   ", False),
    ],
)
def test_which_text_a_spreadsheet_may_run_as_a_formula(text: str, formula: bool) -> None:
    assert looks_like_formula(text) is formula
