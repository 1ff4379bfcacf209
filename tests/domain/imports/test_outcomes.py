"""What an import did, would do, is doing and undid, in words."""

from __future__ import annotations

import pytest

from app.domain.imports.outcomes import (
    describe_outcome,
    describe_progress,
    describe_undo,
    problem_outcome,
    rejected_reasons,
    status_changed_reason,
)
from app.domain.imports.rows import ENDED, REGISTER_ENDED


@pytest.mark.parametrize(
    ("counts", "sentence"),
    [
        (
            {"rows": 109, "unchanged": 105, "rejected": 4},
            "Nothing on the register changed: 105 rows already on the register as the file has them and "
            "4 rows rejected.",
        ),
        (
            {"rows": 8, "unchanged": 8},
            "Nothing on the register changed: all 8 organisations in the file are on it already, as the file has them.",
        ),
        (
            {"rows": 5, "created": 1, "updated": 2, "archived": 1, "rejected": 1},
            "1 new organisation added, 2 organisations updated, 1 dissolved organisation kept as archived "
            "and 1 row rejected.",
        ),
        ({"rows": 0}, "The file has no rows to import, so nothing on the register changed."),
    ],
)
def test_an_imports_outcome_in_one_sentence(counts, sentence):
    assert describe_outcome(counts) == sentence


def test_before_the_import_the_outcome_says_what_it_would_do():
    counts = {"rows": 5, "created": 2, "possible_match": 1, "unchanged": 1, "rejected": 1}
    assert describe_outcome(counts, done=False) == (
        "2 new organisations to add, 1 row already on the register as the file has them, 1 possible match to "
        "decide and 1 row to reject."
    )
    assert describe_outcome({"rows": 2, "unchanged": 2}, done=False) == (
        "Importing it would change nothing on the register: all 2 organisations in the file are on it already, as "
        "the file has them."
    )


def test_progress_in_words():
    assert describe_progress("check", 2000, 0.24) == "2,000 rows checked (24% of the file)"
    assert (
        describe_progress("commit", 2000, 0.25, total_rows=8000, seconds=10)
        == "2,000 of 8,000 rows imported (25%), about 30 seconds left"
    )
    assert describe_progress("commit", 1, 0.001, total_rows=1, seconds=1) == "1 of 1 row imported (0%)"


@pytest.mark.parametrize(
    ("rejects", "code", "row_rejected", "words"),
    [
        (True, None, True, "Not imported"),
        (False, None, True, "Not imported (the row has another problem)"),
        (False, None, False, "Imported without this value"),
        (False, "flagged", False, "Not imported: the organisation on the register is flagged for checking"),
        (False, "ended", False, "Imported as archived, never published"),
        (False, "ended_on_register", False, "Imported as archived, never published"),
        (False, "formula", False, "Imported, as text"),
        (False, "not_placed", False, "Imported, flagged 'not placed'"),
    ],
)
def test_what_a_problem_means_for_its_row(rejects, code, row_rejected, words):
    assert problem_outcome(rejects, code, row_rejected) == words


def test_the_undo_summary_says_how_many_were_left_and_why() -> None:
    from app.domain.providers import ProviderStatus

    published = status_changed_reason(ProviderStatus.VERIFIED)
    assert published == "it has been published since the import"
    left = [{"provider_id": n, "name": f"Org {n}", "reason": published} for n in range(89)]
    left.append({"provider_id": 100, "name": "Claimed", "reason": "people have signed in as it"})
    assert describe_undo({"removed": 6604, "restored": 15, "gone": 0, "left": left}) == (
        "Then undone: 6,604 removed and 15 restored; 89 left because they have been published since the import; "
        "1 left because people have signed in as it."
    )
    assert describe_undo({"removed": 2, "restored": 0, "left": []}) == "Then undone: 2 removed and 0 restored."


def test_every_rejected_row_is_explained_once_so_the_parts_add_up() -> None:

    errors = [(n, ENDED, "Status", "dissolved") for n in range(2, 1559)]
    errors += [
        (8137, None, "Registered Number", "Same organisation as row 4536"),
        (9000, None, "Name", "There is no name"),
        (9000, None, "Postcode", "second problem on the same row"),
        (9001, REGISTER_ENDED, "Registered Number", "Companies House's register of 1 December 2026 says ..."),
        (9002, REGISTER_ENDED, "Registered Number", "Companies House's register of 1 December 2026 says ..."),
    ]
    reasons = rejected_reasons(errors)
    assert reasons == [
        ("the file says they are dissolved, removed or struck off", 1557),
        ("a public register says they are dissolved, removed or struck off", 2),
        ("repeats an earlier row", 1),
        ('has a problem in the "Name" column', 1),
    ]
    assert sum(n for _, n in reasons) == len({row for row, *_ in errors})
