"""Rows that are the same organisation as an earlier row."""

from __future__ import annotations

import pytest

from app.domain.imports.duplicates import duplicate_key, flag_duplicates
from app.domain.imports.rows import parse_row
from tests.domain.imports.sample_rows import MAPPING, row

# --- Duplicates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "key"),
    [
        (row(number="525R", registrar="FCA", postcode="L36 9GD"), "GB-MPR-525R"),
        (row(name="Good Org Ltd.", postcode="l369gd"), "goodorgltd|L36 9GD"),
        (row(name="Good Org"), "goodorg|"),
        (row(name=""), None),
    ],
)
def test_duplicate_key(cells, key):
    assert duplicate_key(parse_row(cells, MAPPING, 2)) == key


def test_duplicates_are_flagged_from_the_second_occurrence():
    cells = [
        row(name="Alpha", number="525R", registrar="FCA"),
        row(name="Beta", postcode="L36 9GD"),
        row(name="Alpha Renamed", number="525 r", registrar="FCA"),
        row(name="BETA", postcode="L369GD"),
        row(name="Beta", postcode="L36 9GE"),
        row(name="Alpha", number="525R", registrar="FCA"),
        row(name=""),
        row(name=""),
    ]
    parsed = list(flag_duplicates((parse_row(c, MAPPING, n) for n, c in enumerate(cells, start=2)), MAPPING))
    flagged = [
        (p.row_number, p.column, p.message, p.rejects) for r in parsed for p in r.problems if "Same" in p.message
    ]
    assert flagged == [
        (4, "Registration number", "Same organisation as row 2", True),
        (5, "Name", "Same organisation as row 3", True),
        (7, "Registration number", "Same organisation as row 2", True),
    ]
