"""Organisation names compared as people mean them (the supplier import's matching, and the spend import's next)."""

from __future__ import annotations

import pytest

from app.domain.names import NEAR_MATCH_SCORE, match_name, name_similarity, normalise_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Co-operative  Society", "cooperative society"),
        ("C.I.C.", "cic"),
        ("Smith & Sons (Widnes)/Runcorn", "smith and sons widnes runcorn"),
        ("O\u2019Brien's", "obriens"),
        ("  ", ""),
    ],
)
def test_words_are_normalised(text: str, words: str) -> None:
    assert normalise_words(text) == words


@pytest.mark.parametrize(
    ("name", "matched"),
    [
        ("The Good Org Ltd.", "good org"),
        ("Good Org Limited", "good org"),
        ("Smith & Co", "smith"),
        ("Knowsley Food Co-op", "knowsley food coop"),
        ("The Company Ltd", "the company ltd"),  # nothing but legal words: kept whole rather than emptied
    ],
)
def test_names_for_matching_drop_legal_words(name: str, matched: str) -> None:
    assert match_name(name) == matched


def test_the_same_organisation_written_two_ways_is_a_near_match_and_another_is_not() -> None:
    assert name_similarity("The Good Org Ltd", "GOOD ORG LIMITED") == 100.0
    assert name_similarity("Halewood Crafts CIC", "Halewood Crafts Community Interest Co") >= NEAR_MATCH_SCORE
    assert name_similarity("Halewood Crafts CIC", "Knowsley Food Co-op") < NEAR_MATCH_SCORE
