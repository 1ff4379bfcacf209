"""What text people may give the register: the one home of the rules on hidden (control) characters, on
what counts as a whole number typed or stored as text, and the message for an email address that is not one.

A control character (NUL and the other C0 codes, DEL, the C1 codes) is never part of a name, an address or a
search. Most arrive by pasting from another program or from someone probing the service; PostgreSQL refuses a
NUL outright, so letting one through turns a typing slip into a server error. The form guard, the request guard
and the API all ask this module, so the rule is the same everywhere.
"""

from __future__ import annotations

import unicodedata

#: Said wherever an email address is typed that is not one (the forms' check and the accounts service's).
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"

#: Allowed in a multi-line answer (a textarea): tab, line feed and carriage return.
LINE_BREAKS = frozenset("\t\n\r")

#: Words the messages use to describe what was found, most specific first.
_DESCRIPTIONS = {
    "\x00": "null characters",
    "\t": "tabs",
    "\n": "line breaks",
    "\r": "line breaks",
}


def hidden_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters in text, in order and without repeats (tab and line breaks allowed if multiline)."""
    found: list[str] = []
    for char in text:
        if unicodedata.category(char) != "Cc":
            continue
        if multiline and char in LINE_BREAKS:
            continue
        if char not in found:
            found.append(char)
    return found


def has_hidden_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether text holds a control character that is not allowed in it."""
    return bool(hidden_characters(text, multiline=multiline))


def without_hidden_characters(text: str, *, multiline: bool = False) -> str:
    """Text with the disallowed control characters taken out (to show back what was typed, never to store)."""
    refused = set(hidden_characters(text, multiline=multiline))
    return "".join(char for char in text if char not in refused)


def hidden_characters_message(name: str, text: str, *, multiline: bool = False) -> str:
    """A GOV.UK-style message naming the field: 'Your name must not contain hidden characters such as tabs'."""
    found = hidden_characters(text, multiline=multiline)
    words = [_DESCRIPTIONS[c] for c in found if c in _DESCRIPTIONS]
    if not words:
        words = ["those copied from another program"]
    described = " or ".join(dict.fromkeys(words))
    return f"{name} must not contain hidden characters such as {described}"


# --- Text a spreadsheet may run as a formula (CSV injection) ------------------------------------------------------

#: A spreadsheet runs a cell as a formula when it starts with one of these (OWASP), or with the full-width forms
#: that some spreadsheet locales read as them.
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: A leading tab or carriage return can also start a formula, whatever follows it.
FORMULA_CONTROL_STARTS = ("\t", "\r")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet may run text as a formula: the one rule for import warnings and download escaping.

    It looks past leading whitespace, because some spreadsheets trim it before deciding (" =1+1").
    """
    return text.startswith(FORMULA_CONTROL_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


#: Digits in a number stored in a 64-bit database integer (BIGINT goes up to 9,223,372,036,854,775,807).
BIGINT_DIGITS = 18


def is_plain_number(text: str) -> bool:
    """Whether text is a whole number written with the digits 0 to 9 and nothing else.

    str.isdigit() also says yes to superscripts like '²', which int() refuses, so a check made with it let typed
    and stored values through to a server error. Ask this before every int() of text from outside.
    """
    return text.isascii() and text.isdigit()


def plain_int(text: str | None, *, max_digits: int = BIGINT_DIGITS) -> int | None:
    """Text as a whole number if it is a plain number of at most ``max_digits`` digits (leading zeros aside),
    otherwise None: a page number or an id from a link, a figure stored as text."""
    if text is None or not is_plain_number(text) or len(text.lstrip("0")) > max_digits:
        return None
    return int(text)
