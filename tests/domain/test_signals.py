"""Generative signals: what counts for a provider in a commissioner's results (and an offshore parent, against it),
each in words with how it is known. They rank and explain; they never exclude."""

from __future__ import annotations

import pytest

from app.domain.eligibility import OFFSHORE_PARENT_WEIGHT, generative_signals, signal_score
from app.domain.providers import EvidenceState, FactKind, LegalForm

MATCHED = EvidenceState.REGISTER_MATCHED


def test_a_cic_with_an_asset_lock_and_a_checked_number_scores_each() -> None:
    signals = generative_signals(LegalForm.CIC, {FactKind.ASSET_LOCK: ("yes", EvidenceState.SELF_DECLARED)}, 1)
    assert [s.text for s in signals] == [
        "Community interest company: assets locked to its community purpose",
        "Asset lock (self-declared)",
        "Registration number checked by the council",
    ]
    assert signal_score(signals) == 3 + 2 + 1


@pytest.mark.parametrize(
    ("country", "counts_against"),
    [
        ("Jersey", True),
        ("British Virgin Islands", True),
        ("Cayman Islands", True),
        ("United Kingdom", False),
        ("Germany", False),  # outside the UK, but not an offshore financial centre
        ("Atlantis", False),  # words we do not know as a country are not held against anyone
        (None, False),  # not known
    ],
)
def test_an_ultimate_parent_in_an_offshore_financial_centre_counts_against_and_says_so(
    country: str | None, counts_against: bool
) -> None:
    signals = generative_signals(LegalForm.PRIVATE_COMPANY, {FactKind.PARENT_COUNTRY: (country, MATCHED)}, 0)
    against = [s for s in signals if s.weight < 0]
    if counts_against:
        assert [s.weight for s in against] == [OFFSHORE_PARENT_WEIGHT]
        assert against[0].text == (
            f"Its ultimate parent is registered in {country}, an offshore financial centre "
            "(from a public register): listed lower, not excluded"
        )
    else:
        assert against == []
