"""The leakage view's chart (/spend/leakage): it says how many of the categories it draws, and every bar is money on
one scale, labelled with the money that went outside and its share of the category, so a category of £71 spent all
outside the area is a sliver beside one of £2.4m, not a bar as long."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from flask.testing import FlaskClient

from app.domain.spend.classification import PlaceBasis, SpendPlace
from app.extensions import db
from app.spend.leakage_views import CHART_CATEGORIES
from tests import factories
from tests.spend_factories import payment, spend_batch, spend_supplier
from tests.views.conftest import COMMISSIONER

YEAR = {"period": "year", "year": "2025-26"}
#: Outside the area, the most first: Highways (£2.4m outside and £600,000 local), eleven more, £71, and £50.
OUTSIDE = [("Highways", 2_400_000_00)] + [(f"Category {n:02d}", (12 - n) * 10_000_00) for n in range(1, 11)]
OUTSIDE += [("Tiny purchases", 71_00), ("Smallest of all", 50_00)]


def _words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _chart(html: str) -> str:
    found = re.search(r'<figure class="app-chart" id="chart-leakage">(.*?)</figure>', html, re.S)
    assert found, "no leakage chart"
    return found.group(1)


@pytest.fixture
def thirteen(knowsley: factories.CouncilSetup) -> None:
    """Knowsley's year: thirteen categories with spend outside the area, and one all spent locally."""
    session = db.session
    council = knowsley.council
    batch = spend_batch(session, council, file_name="knowsley-2025-26.csv")
    outside = spend_supplier(session, council, "National Facilities plc", place=SpendPlace.OUTSIDE)
    local = spend_supplier(
        session, council, "Page Moss Gardens CIC", place=SpendPlace.LOCAL, basis=PlaceBasis.REGISTERED_OFFICE
    )
    for label, pence in OUTSIDE:
        payment(session, batch, outside, pence, date(2025, 6, 2), service_area=label)
    payment(session, batch, local, 600_000_00, date(2025, 6, 3), service_area="Highways")
    payment(session, batch, local, 90_000_00, date(2025, 6, 4), service_area="Parks")
    session.commit()


def test_the_chart_says_how_many_categories_it_draws_of_how_many(
    thirteen: None, sign_in_as, client: FlaskClient
) -> None:
    sign_in_as(COMMISSIONER)
    response = client.get("/spend/leakage", query_string=YEAR)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    words = _words(html)
    assert CHART_CATEGORIES == 12
    assert (
        "The 12 largest of the 13 categories with spend outside Knowsley, by the money that went outside, the most "
        "first (all 13 are listed below the chart)."
    ) in words
    chart = _chart(html)
    assert "The 12 largest of the 13 categories with spend outside Knowsley in 2025-26" in _words(chart)
    assert "Smallest of all" not in chart  # the 13th: in the cards below, not the chart
    assert "Smallest of all" in words


def test_every_bar_is_money_on_one_scale_with_its_share(thirteen: None, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(COMMISSIONER)
    html = client.get("/spend/leakage", query_string=YEAR).get_data(as_text=True)
    chart = _chart(html)
    # Each figure is the money that went outside and, in brackets, its share of the category's measured spend.
    figures = re.findall(r'<text class="app-chart__text app-chart__figure"[^>]*>([^<]+)</text>', chart)
    assert figures[0] == "£2.4m (80.0%)"
    assert figures[-1] == "£71 (100.0%)"
    assert len(figures) == 12
    # The description says the same in full.
    assert "Highways: £2,400,000 went outside, 80.0% of its measured spend of £3,000,000." in _words(chart)
    # The solid bars (what went outside) are to one scale: Highways' measured £3m is the whole width, its £2.4m
    # outside 80% of it, and the £71 category a sliver, though all of it went outside.
    solid = [float(w) for w in re.findall(r'class="app-chart__bar--outside"[^>]*width="([0-9.]+)%"', chart)]
    assert solid[0] == pytest.approx(80.0)
    assert solid[-1] == pytest.approx(71 / 3_000_000 * 100, abs=0.01)
    assert solid == sorted(solid, reverse=True)
    # The key says what the solid part is.
    assert "Went outside Knowsley (solid) The rest of the category\u2019s measured spend (outlined)" in _words(html)


def test_a_few_categories_are_all_drawn_and_said_so(knowsley: factories.CouncilSetup, sign_in_as, client) -> None:  # type: ignore[no-untyped-def]
    session = db.session
    batch = spend_batch(session, knowsley.council)
    outside = spend_supplier(session, knowsley.council, "Far Away Landscapes Ltd", place=SpendPlace.OUTSIDE)
    payment(session, batch, outside, 5_000_00, date(2025, 6, 2), service_area="Grounds")
    payment(session, batch, outside, 3_000_00, date(2025, 6, 2), service_area="Cleaning")
    session.commit()
    sign_in_as(COMMISSIONER)
    words = _words(client.get("/spend/leakage", query_string=YEAR).get_data(as_text=True))
    assert "All 2 categories with spend outside Knowsley, by the money that went outside, the most first." in words
    assert "listed below the chart" not in words
