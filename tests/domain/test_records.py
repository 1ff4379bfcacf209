"""Who may change a commissioning record: its maker, or a register officer; colleagues only read it."""

from __future__ import annotations

import pytest

from app.domain.records import (
    SHORTLIST_MAX,
    ShortlistFull,
    add_to_shortlist,
    filters_text,
    may_change_record,
    remove_from_shortlist,
    selected_text,
    value_as_entered,
)
from app.domain.roles import Role


@pytest.mark.parametrize(
    ("role", "user_id", "owner_id", "allowed"),
    [
        (Role.COMMISSIONER, 1, 1, True),  # the commissioner who made it
        (Role.COMMISSIONER, 2, 1, False),  # a colleague at the council reads only
        (Role.COMMISSIONER, 2, None, False),  # its maker has left: the officers keep it
        (Role.OFFICER, 3, 1, True),
        (Role.ADMIN, 4, 1, True),
        (Role.OFFICER, 3, None, True),
        (Role.PROVIDER, 1, 1, False),  # never reaches a record, but the rule says no anyway
        ("commissioner", 1, 1, True),
    ],
)
def test_who_may_change_a_record(role: Role | str, user_id: int, owner_id: int | None, allowed: bool) -> None:
    assert may_change_record(role, user_id, owner_id) is allowed


def test_a_shortlist_adds_once_in_order_and_removes() -> None:
    chosen = add_to_shortlist((), 7)
    chosen = add_to_shortlist(chosen, 3)
    assert add_to_shortlist(chosen, 7) == (7, 3)
    assert remove_from_shortlist(chosen, 7) == (3,)
    assert remove_from_shortlist(chosen, 99) == (7, 3)


def test_a_shortlist_has_a_limit() -> None:
    full = tuple(range(SHORTLIST_MAX))
    with pytest.raises(ShortlistFull, match=f"You can shortlist up to {SHORTLIST_MAX} providers"):
        add_to_shortlist(full, 1000)
    assert add_to_shortlist(full, 0) == full  # already there: nothing to add


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "No providers selected"),
        (1, "1 provider selected"),
        (3, "3 providers selected"),
        (1200, "1,200 providers selected"),
    ],
)
def test_the_count_in_words(count: int, text: str) -> None:
    assert selected_text(count) == text


@pytest.mark.parametrize(
    ("criteria", "text"),
    [
        ({"total_pence": 450_000, "vat": "excluded"}, "£4,500 (excluding VAT)"),
        ({"total_pence": 540_000, "vat": "included"}, "£5,400 (including VAT)"),
        (
            {"annual_pence": 4_000_000, "years": "2", "options_pence": 500_000, "vat": "not_applicable"},
            "£40,000 a year for 2 years, plus £5,000 of options and extensions (VAT does not apply)",
        ),
        (
            {"annual_pence": 4_000_000, "years": "1.5", "options_pence": 0, "vat": "excluded"},
            "£40,000 a year for 1.5 years (excluding VAT)",
        ),
        ({"annual_pence": 100, "years": "1", "vat": "odd"}, "£1 a year for 1 year"),
        ({}, ""),
    ],
)
def test_the_value_as_the_commissioner_gave_it(criteria: dict[str, object], text: str) -> None:
    assert value_as_entered(criteria) == text


def test_the_filters_in_words() -> None:
    assert filters_text({"verified_only": True, "legal_form_labels": []}) == []
    assert filters_text(
        {
            "legal_form_labels": ["Co-operative society", "Community interest company (CIC)"],
            "social_economy_only": True,
            "sme_only": True,
            "within_km": 10.0,
            "verified_only": False,
        }
    ) == [
        "Legal form: Co-operative society, Community interest company (CIC)",
        "Social economy only",
        "Small and medium-sized enterprises only",
        "Within 10 km of the council's area",
        "Included organisations the council had not checked",
    ]
