"""A count that stopped at its cap (app/domain/paging.py COUNT_LIMIT) says "more than 10,000", and its pager offers
no last page: the directory and the commissioner's search, each rendered from its real view with the result it made
marked capped just before rendering (the services are not touched)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, before_render_template
from flask.testing import FlaskClient

from app.domain.paging import COUNT_LIMIT
from tests.views.conftest import NavigationMarket


@contextmanager
def capped_results(app: Flask, page: int | None = None) -> Iterator[None]:
    """Every page rendered meanwhile shows its ``result`` as a count stopped at COUNT_LIMIT (on ``page``, if given)."""

    def cap(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        result = context.get("result")
        if result is not None:
            # The result is a frozen dataclass: this is what a service does when its count stops at the cap.
            object.__setattr__(result, "total", COUNT_LIMIT)
            object.__setattr__(result, "total_capped", True)
            if page is not None:
                object.__setattr__(result, "page", page)

    with before_render_template.connected_to(cap, app):
        yield


def test_the_directory_says_more_than_10000_providers(
    app: Flask, client: FlaskClient, navigation_market: NavigationMarket
) -> None:
    with capped_results(app):
        page = client.get("/directory?page=1").get_data(as_text=True)
    assert "More than 10,000 providers, showing 1 to 20" in page
    assert "10,000 providers" not in page.replace("More than 10,000 providers", "")
    assert 'href="/directory?page=2"' in page  # the next page
    assert "page=500" not in page  # 500 is where the count stopped, not the last page
    assert "govuk-pagination__item--ellipsis" in page


def test_a_directory_search_says_more_than_10000_found(
    app: Flask, client: FlaskClient, navigation_market: NavigationMarket
) -> None:
    with capped_results(app):
        page = client.get("/directory?q=navigation").get_data(as_text=True)
    assert "More than 10,000 providers found for \u2018navigation\u2019" in page


def test_a_deep_page_of_a_capped_directory_is_a_page_of_more_than(
    app: Flask, client: FlaskClient, navigation_market: NavigationMarket
) -> None:
    with capped_results(app, page=250):
        page = client.get("/directory?page=250").get_data(as_text=True)
    assert "<title>Find providers (page 250 of more than 500)" in page
    assert "showing 4,981 to 5,000" in page
    for number in (1, 248, 249, 251, 252):
        assert f'href="/directory?page={number}"' in page
    assert 'href="/directory?page=253"' not in page and 'href="/directory?page=500"' not in page
    assert page.count("govuk-pagination__item--ellipsis") == 2


def test_an_uncapped_directory_says_its_count(client: FlaskClient, navigation_market: NavigationMarket) -> None:
    page = client.get("/directory").get_data(as_text=True)
    assert "4 providers" in page and "More than" not in page


@pytest.mark.parametrize("value", ["4000", "400000"])
def test_the_commissioners_search_says_more_than_10000_eligible_providers(
    app: Flask, commissioner_client: FlaskClient, navigation_market: NavigationMarket, value: str
) -> None:
    url = f"/commissioner/search?contract_type=goods_and_services&vat=excluded&category=community-support&value={value}"
    with capped_results(app):
        page = commissioner_client.get(url).get_data(as_text=True)
    assert "More than 10,000 eligible providers for community support, advice and navigation" in page
    assert "page=500" not in page
    uncapped = commissioner_client.get(url).get_data(as_text=True)
    assert "More than" not in uncapped and re.search(r"\d eligible providers? for community support", uncapped)
