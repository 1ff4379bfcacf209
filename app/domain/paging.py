"""Pages of results: how many pages a total makes, which page a request may see, the rows it shows, and which page
links a pager offers."""

from __future__ import annotations

from math import ceil

#: A count stops here: past it a list says "more than 10,000" rather than count every match (issue 14).
COUNT_LIMIT = 10_000

#: How many pages either side of the current one a pager links to.
PAGER_REACH = 2


def page_count(total: int, per_page: int) -> int:
    """At least one page, so an empty list still has a page to say so on."""
    return max(1, ceil(total / per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    """The page asked for, kept between the first and the last."""
    return max(1, min(page, page_count(total, per_page)))


def offset_of(page: int, per_page: int) -> int:
    return (page - 1) * per_page


def pager_items(page: int, pages: int, *, more: bool = False) -> list[int | None]:
    """The page numbers a pager links to, None where it shows an ellipsis: the first and the last page, the pages
    within two of ``page``, and an ellipsis in place of the page three away where pages are left out.

    Only the pages near ``page`` are looked at, so a list of 5,000 pages costs what a list of 10 does. ``more``:
    the count stopped at a cap, so ``pages`` is not the last page; the pager ends in an ellipsis instead.
    """
    last = None if more else pages
    near = range(max(1, page - PAGER_REACH - 1), min(pages, page + PAGER_REACH + 1) + 1)
    items: list[int | None] = []
    for number in sorted({1, pages, *near}):
        if number in (1, last) or abs(number - page) <= PAGER_REACH:
            items.append(number)
        elif abs(number - page) == PAGER_REACH + 1:
            items.append(None)
    if more and items[-1] is not None:
        items.append(None)
    return items


def count_words(total: int, one: str, many: str, *, capped: bool = False) -> str:
    """A count in words, as every list says it: '1 provider', '8,367 providers', or 'more than 10,000 providers'
    when the count stopped at COUNT_LIMIT (``capped``)."""
    if capped:
        return f"more than {COUNT_LIMIT:,} {many}"
    return f"{total:,} {one if total == 1 else many}"


class Paged:
    """For a page of results holding ``total``, ``page`` and ``per_page``: its page count and the rows it shows.

    ``total_capped``: the count stopped at COUNT_LIMIT, so ``total`` is a floor, not the number of matches.
    """

    total: int
    page: int
    per_page: int
    total_capped: bool = False

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def first(self) -> int:
        """The number of the first row on this page (0 when there are none)."""
        return offset_of(self.page, self.per_page) + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)
