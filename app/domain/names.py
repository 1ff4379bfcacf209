"""Organisation names compared as people mean them: case, punctuation, '&' and legal suffixes ignored.

Used by the supplier import to find an organisation already on the register, and meant for any importer that
matches the names a file gives (a council's payees) to the register's organisations.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz


def normalise_words(text: str) -> str:
    """'Co-operative  Society' -> 'cooperative society'; 'C.I.C.' -> 'cic'; brackets and slashes become spaces."""
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[.\-'\u2019]", "", text)
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return text.strip()


#: Words that say what kind of body an organisation is rather than which one; ignored when comparing names.
_NAME_NOISE = frozenset(
    {"ltd", "limited", "the", "cic", "plc", "llp", "cio", "co", "company", "society", "and", "of", "uk"}
)
#: A name this similar (0-100, rapidfuzz token set ratio on normalised names) at the same postcode is a possible match.
NEAR_MATCH_SCORE = 85.0


def match_name(text: str) -> str:
    """A name for matching: case, punctuation, '&' and legal suffixes ignored. 'The Good Org Ltd.' -> 'good org'."""
    words = normalise_words(text.replace("&", " and ")).split()
    kept = [w for w in words if w not in _NAME_NOISE]
    return " ".join(kept or words)


def name_similarity(a: str, b: str) -> float:
    """0-100: how alike two organisation names are once normalised by :func:`match_name`."""
    return float(fuzz.token_set_ratio(match_name(a), match_name(b)))
