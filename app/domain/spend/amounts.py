"""An amount of money as councils' spend files write it, read to whole pence.

Published files write the same amount many ways: ``2,730.00`` (quoted, so the comma survives), ``£1,680.00``,
``œ1,680.00`` (a £ sign saved in an old DOS code page, byte 0x9C, which reads as Windows-1252 "œ"), ``106,396.00-``
(a ledger's trailing minus), ``(250.00)`` (an accountant's brackets), ``1 234.50`` or ``GBP 12.00``. Every one of
them is read exactly (no floats); anything else is refused with the cell quoted, so a row is rejected with its
reason rather than imported with a wrong amount.
"""

from __future__ import annotations

import re

#: What may stand before (or after) the number for pounds sterling: the sign itself, the sign as byte 0x9C of DOS
#: code pages 437/850 read as Windows-1252 ("œ"), the sign as UTF-8 bytes read as Windows-1252 ("Â£"), and words.
_CURRENCY = re.compile(r"^(?:gbp|£|œ|â£|Â£)\s*|\s*(?:gbp|£|œ)$", re.IGNORECASE)
#: Spaces of every kind (a thousands separator in some exports, padding in others).
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
#: A number: digits with optional thousands separators (commas, or single spaces), optional decimals.
_NUMBER = re.compile(r"^(?P<whole>\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+)?(?:\.(?P<fraction>\d*))?$")
#: The usual cell, read at once: "1680.50", "-195.75", "337".
_PLAIN = re.compile(r"^(-?)(\d{1,15})(?:\.(\d{1,2}))?$")
#: Longest cell quoted back in a message.
_QUOTE_LIMIT = 60


class AmountError(ValueError):
    """A cell that is not an amount of money; the message quotes it and is fit to show."""


def _quoted(text: str) -> str:
    shown = text.strip()
    if len(shown) > _QUOTE_LIMIT:
        shown = shown[: _QUOTE_LIMIT - 1] + "…"
    return f"'{shown}'"


def parse_amount(text: str) -> int:
    """The amount in a cell as whole pence (negative for a credit).

    Accepts a £ sign (or "GBP", or the sign as DOS byte 0x9C read as "œ") before or after, a minus before or after
    the number or the £ sign, brackets for a negative, thousands separators (commas, or spaces between groups of
    three) and up to two decimal places (more only when they are zeros: ``12.500``). Raises :class:`AmountError`
    for a blank cell, text, two numbers, or a fraction of a penny.
    """
    plain = _PLAIN.match(text)
    if plain is not None:
        sign, whole, fraction = plain.groups()
        pence = int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
        return -pence if sign else pence
    cell = text.strip().strip('"').strip("'").strip()
    if not cell:
        raise AmountError("The amount is blank")
    body = _SPACES.sub(" ", cell)
    signs = 0  # a minus before or after, or brackets: one of them at most
    for _ in range(3):  # a sign, brackets and a currency, in any order: "-£12.00", "£-12.00", "(£250.00)"
        if body.startswith("(") and body.endswith(")"):
            signs, body = signs + 1, body[1:-1].strip()
        elif body.startswith(("-", "\u2212")):
            signs, body = signs + 1, body[1:].strip()
        elif body.endswith(("-", "\u2212")):
            signs, body = signs + 1, body[:-1].strip()
        elif body.startswith("+"):
            body = body[1:].strip()
        body = _CURRENCY.sub("", body, count=1).strip()
    if signs > 1:
        raise AmountError(f"The amount {_quoted(cell)} has more than one minus sign or bracket")
    negative = signs == 1
    match = _NUMBER.match(body)
    if not body or match is None or (match["whole"] is None and not match["fraction"]):
        raise AmountError(_why_not(cell, body))
    whole = int((match["whole"] or "0").replace(",", "").replace(" ", ""))
    fraction = match["fraction"] or ""
    if len(fraction) > 2:
        if fraction[2:].strip("0"):
            raise AmountError(f"The amount {_quoted(cell)} has more than two decimal places: part of a penny")
        fraction = fraction[:2]
    pence = whole * 100 + int(fraction.ljust(2, "0"))
    return -pence if negative else pence


def _why_not(cell: str, body: str) -> str:
    """Why a cell is not an amount, in words."""
    numbers = re.findall(r"\d[\d,]*(?:\.\d+)?", body)
    if len(numbers) > 1 and re.search(r"\d[^\w.,]+\d", body):
        return f"The amount {_quoted(cell)} holds more than one number"
    if re.search(r"\d,\d", body) and not re.search(r"\d,\d{3}(?!\d)", body):
        return f"The amount {_quoted(cell)} is not a number of pounds and pence (a comma in the wrong place)"
    if not numbers:
        return f"The amount {_quoted(cell)} is not a number"
    return f"The amount {_quoted(cell)} is not a number of pounds and pence"
