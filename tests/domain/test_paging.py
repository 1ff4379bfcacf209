"""Pages of results: one rule for every list (review queue, directory, search, records, imports)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.domain.paging import COUNT_LIMIT, Paged, clamp_page, count_words, page_count, pager_items


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


def _pager_as_the_template_chose(page: int, pages: int) -> list[int | None]:
    """The pager's items as templates/_macros/pagination.html chose them before pager_items: every page looked at."""
    items: list[int | None] = []
    for number in range(1, pages + 1):
        if number in (1, pages) or abs(number - page) <= 2:
            items.append(number)
        elif abs(number - page) == 3:
            items.append(None)
    return items


@pytest.mark.parametrize("pages", range(2, 16))
def test_the_pager_offers_the_same_pages_as_before(pages: int) -> None:
    for page in range(-1, pages + 5):
        assert pager_items(page, pages) == _pager_as_the_template_chose(page, pages), (page, pages)


@pytest.mark.parametrize(
    ("page", "pages", "items"),
    [
        (1, 5_000, [1, 2, 3, None, 5_000]),
        (2_500, 5_000, [1, None, 2_498, 2_499, 2_500, 2_501, 2_502, None, 5_000]),
        (4, 5_000, [1, 2, 3, 4, 5, 6, None, 5_000]),
        (5_000, 5_000, [1, None, 4_998, 4_999, 5_000]),
        (5, 10, [1, None, 3, 4, 5, 6, 7, None, 10]),
    ],
)
def test_a_pager_over_thousands_of_pages_links_the_ends_and_the_pages_near(
    page: int, pages: int, items: list[int | None]
) -> None:
    assert pager_items(page, pages) == items


@pytest.mark.parametrize(
    ("page", "pages", "items"),
    [
        (1, 500, [1, 2, 3, None]),
        (250, 500, [1, None, 248, 249, 250, 251, 252, None]),
        (499, 500, [1, None, 497, 498, 499, 500, None]),
        (500, 500, [1, None, 498, 499, 500, None]),
        (1, 2, [1, 2, None]),
    ],
)
def test_a_capped_count_has_no_last_page_only_an_ellipsis(page: int, pages: int, items: list[int | None]) -> None:
    assert pager_items(page, pages, more=True) == items


@pytest.mark.parametrize(
    ("total", "capped", "words"),
    [
        (0, False, "0 providers"),
        (1, False, "1 provider"),
        (8_367, False, "8,367 providers"),
        (COUNT_LIMIT, True, "more than 10,000 providers"),
        (COUNT_LIMIT + 1, True, "more than 10,000 providers"),
    ],
)
def test_a_count_in_words_says_more_than_the_cap_when_it_stopped_there(total: int, capped: bool, words: str) -> None:
    assert count_words(total, "provider", "providers", capped=capped) == words


def test_a_page_of_results_is_not_capped_unless_it_says_so() -> None:
    assert _Page(8_255, 1, 50).total_capped is False
