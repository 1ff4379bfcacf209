"""Pages of results: how many pages a total makes, which page a request may see, and the rows it shows."""

from __future__ import annotations

from math import ceil


def page_count(total: int, per_page: int) -> int:
    """At least one page, so an empty list still has a page to say so on."""
    return max(1, ceil(total / per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    """The page asked for, kept between the first and the last."""
    return max(1, min(page, page_count(total, per_page)))


def offset_of(page: int, per_page: int) -> int:
    return (page - 1) * per_page


class Paged:
    """For a page of results holding ``total``, ``page`` and ``per_page``: its page count and the rows it shows."""

    total: int
    page: int
    per_page: int

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
