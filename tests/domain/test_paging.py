"""Pages of results: one rule for every list (review queue, directory, search, records, imports)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.domain.paging import Paged, clamp_page, page_count


@pytest.mark.parametrize(
    ("total", "per_page", "pages"), [(0, 50, 1), (1, 50, 1), (50, 50, 1), (51, 50, 2), (8_255, 50, 166)]
)
def test_page_count(total: int, per_page: int, pages: int) -> None:
    assert page_count(total, per_page) == pages


@pytest.mark.parametrize(("asked", "shown"), [(-3, 1), (0, 1), (1, 1), (2, 2), (3, 3), (4, 3), (10_000, 3)])
def test_a_page_outside_the_list_shows_the_nearest(asked: int, shown: int) -> None:
    assert clamp_page(asked, total=101, per_page=50) == shown


@dataclass(frozen=True)
class _Page(Paged):
    total: int
    page: int
    per_page: int


@pytest.mark.parametrize(
    ("total", "page", "first", "last"), [(0, 1, 0, 0), (8_255, 1, 1, 50), (8_255, 166, 8_251, 8_255), (20, 1, 1, 20)]
)
def test_showing_first_to_last_of_total(total: int, page: int, first: int, last: int) -> None:
    shown = _Page(total, page, 50)
    assert (shown.first, shown.last) == (first, last)
