"""The commissioner's search page: the band in words, eligible providers with reasons, every bad input."""

from __future__ import annotations

import re
from collections import OrderedDict

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from app.models import ServiceCategory
from tests import factories

SEARCH = "/commissioner/search"


# Every test here searches the same market.
pytestmark = pytest.mark.usefixtures("navigation_market")


def start_on(day: str, month: str, year: str) -> dict[str, str]:
    return {"start_date-day": day, "start_date-month": month, "start_date-year": year}


def query(**params: str) -> str:
    base = {"contract_type": "goods_and_services", "vat": "excluded", "category": "community-support"}
    base.update(params)
    return SEARCH + "?" + "&".join(f"{k}={v}" for k, v in base.items())


def test_the_empty_form(commissioner_client: FlaskClient) -> None:
    page = commissioner_client.get(SEARCH).get_data(as_text=True)
    assert "Find providers for a contract" in page and "Estimated value" in page


def test_a_4000_navigation_service_lists_only_local_providers_with_reasons(commissioner_client: FlaskClient) -> None:
    response = commissioner_client.get(query(value="%C2%A34%2C000"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Low value, under £5,000 (excluding VAT): 1 quote. "
        "Your council reserves this band to providers based in Knowsley." in page
    )
    assert "2 eligible providers for community support, advice and navigation" in page
    assert "Page Moss Navigators CIC" in page and "Huyton Helpers Co-operative" in page
    assert "City Navigators Ltd" not in page and "Knowsley Cleaners CIC" not in page and "Draft Navigators" not in page
    assert "Eligible: based in Knowsley, as this band requires" in page
    assert "Real Living Wage employer (self-declared)" in page
    assert "Trading site at L36 9GD: Knowsley, Page Moss ward" in page
    assert "open legal question" in page  # a single-quote band reserved by location
    # ranked: the CIC with more generative signals first
    assert page.index("Page Moss Navigators CIC") < page.index("Huyton Helpers Co-operative")


def test_excluded_providers_are_shown_with_why(commissioner_client: FlaskClient) -> None:
    page = commissioner_client.get(query(value="4000", show_excluded="y")).get_data(as_text=True)
    assert "Not eligible for this band (1)" in page
    assert "City Navigators Ltd" in page
    assert "Not eligible: in the Liverpool City Region area but not in Knowsley" in page


def test_a_thin_market_is_flagged(commissioner_client: FlaskClient) -> None:
    page = commissioner_client.get(query(value="20000")).get_data(as_text=True)
    assert "Intermediate value" in page
    assert "Only 2 eligible local providers for the 3 quotes this band needs" in page
    assert "consider delivering the service in-house" in page


def test_above_the_threshold_everyone_is_eligible(commissioner_client: FlaskClient) -> None:
    page = commissioner_client.get(query(value="300000")).get_data(as_text=True)
    assert "Above the statutory threshold" in page
    assert "City Navigators Ltd" in page and "3 eligible providers" in page
    assert "notifiable" in page


def test_keywords_use_full_text_search(commissioner_client: FlaskClient) -> None:
    page = commissioner_client.get(query(value="4000", category="", q="page+moss")).get_data(as_text=True)
    assert "1 eligible provider" in page and "Page Moss Navigators CIC" in page


def test_unverified_providers_only_on_request(commissioner_client: FlaskClient) -> None:
    page = commissioner_client.get(query(value="4000", include_unverified="y")).get_data(as_text=True)
    assert "Draft Navigators CIC" in page and "Not checked by the council yet" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"value": ""}, "Enter the estimated value, like £4,500"),
        ({"value": "0"}, "Enter an estimated value of more than £0"),
        ({"value": "-5"}, "Enter an amount of £0 or more"),
        ({"value": "lots"}, "Enter an amount in pounds, like £5,000"),
        ({"value": "20000000000"}, "Enter an estimated value of £10 billion or less"),
        ({"value": "4000", "years": "none"}, "Enter the number of years as a number, like 2 or 1.5"),
        ({"value": "4000", **start_on("31", "12", "2017")}, "Enter a start date on or after 1 January 2018"),
        ({"value": "4000", **start_on("1", "1", "2099")}, "Enter a start date before"),
        ({"value": "4000", **start_on("32", "13", "2026")}, "Start date must be a real date"),
        ({"value": "4000", **start_on("29", "2", "2027")}, "Start date must be a real date"),
        ({"value": "4000", **start_on("1", "", "2027")}, "Start date must include a month"),
        ({"value": "4000", **start_on("", "", "2027")}, "Start date must include a day and month"),
        ({"value": "4000", **start_on("1", "April", "2027")}, "Start date must be a real date"),
        ({"value": "4000", **start_on("1", "4", "27")}, "Year must include 4 numbers"),
        # str.isdigit() says yes to a superscript two, which int() cannot read; 25 digits overflow a date.
        ({"value": "4000", **start_on("%C2%B2", "1", "2027")}, "Start date must be a real date"),
        ({"value": "4000", **start_on("1", "%C2%B3", "2027")}, "Start date must be a real date"),
        ({"value": "4000", **start_on("1", "1", "%C2%B2%C2%B2%C2%B2%C2%B2")}, "Start date must be a real date"),
        ({"value": "4000", **start_on("1" * 25, "1", "2027")}, "Start date must be a real date"),
        ({"value": "4000", **start_on("1", "1" * 25, "2027")}, "Start date must be a real date"),
        ({"value": "4000", **start_on("001", "1", "2027")}, "Start date must be a real date"),
        ({"value": "4000", "within_km": "far"}, "Enter a distance in kilometres, like 10"),
    ],
)
def test_bad_input_is_explained_at_the_field(
    commissioner_client: FlaskClient, params: dict[str, str], message: str
) -> None:
    response = commissioner_client.get(query(**params))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and 'class="govuk-error-summary' in page
    assert "Traceback" not in page


def test_pound_signs_and_commas_are_understood(commissioner_client: FlaskClient) -> None:
    page = commissioner_client.get(query(value="%C2%A34%2C500")).get_data(as_text=True)
    assert "Your estimate: £4,500 excluding VAT (£5,400 including VAT)" in page


def test_a_council_with_no_band_covering_the_value_says_so(commissioner_client: FlaskClient, knowsley) -> None:  # type: ignore[no-untyped-def]
    from app.models import SpendBand

    for band in db.session.query(SpendBand).all():
        db.session.delete(band)
    db.session.commit()
    response = commissioner_client.get(query(value="4000"))
    assert response.status_code == 400
    assert "Your council has no spend bands in force on that start date" in response.get_data(as_text=True)


def test_the_start_date_is_the_govuk_date_input(commissioner_client: FlaskClient) -> None:
    """Issue 11, finding 27: "1 January 2020" typed as text was refused; the date is now three boxes."""
    page = commissioner_client.get(query(value="4000")).get_data(as_text=True)
    for part in ("day", "month", "year"):
        assert f'name="start_date-{part}"' in page and f'id="start_date-{part}"' in page
    assert 'name="start_date"' not in page
    # The bands of the date given apply; the boxes keep what was typed.
    page = commissioner_client.get(query(value="4000", **start_on("1", "4", "2027"))).get_data(as_text=True)
    assert "Low value" in page and 'value="2027"' in page


def test_a_date_error_marks_only_the_wrong_box_and_the_summary_links_to_it(commissioner_client: FlaskClient) -> None:
    response = commissioner_client.get(query(value="4000", **start_on("1", "", "2027")))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#start_date-month"' in page
    assert page.count("govuk-input--error") == 1
    assert re.search(r'id="start_date-month"[^>]*', page) is not None
    # The filters panel is open, so the error is in view.
    assert '<details class="govuk-details" open' in page


def test_a_search_lands_on_its_results(commissioner_client: FlaskClient, knowsley) -> None:  # type: ignore[no-untyped-def]
    """Issue 11, finding 24: on a phone the form is 4,000 px tall, so the form, the pages and a skip link all
    take the user to the results heading."""
    empty = commissioner_client.get(SEARCH).get_data(as_text=True)
    assert 'action="/commissioner/search#results"' in empty
    assert "Skip to results" not in empty  # no results yet
    for number in range(25):
        provider = factories.provider(db.session, f"Navigator {number:02d} CIC")
        provider.services = [db.session.query(ServiceCategory).filter_by(slug="community-support").one()]
    db.session.commit()
    page = commissioner_client.get(query(value="4000")).get_data(as_text=True)
    assert '<h2 class="govuk-heading-l" id="results" tabindex="-1">' in page
    assert '<a class="govuk-link" href="#results">Skip to results</a>' in page
    assert re.search(r'href="/commissioner/search\?page=2[^"]*#results"', page)


def test_the_search_form_is_rendered_once_for_the_same_search_and_afresh_with_errors(
    commissioner_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = commissioner_client.application
    monkeypatch.setitem(app.config, "KEEP_FOR_REGISTER_VERSION", True)
    monkeypatch.setitem(app.extensions, "kept_for_register", {"search form": OrderedDict()})
    kept: OrderedDict[object, str] = app.extensions["kept_for_register"]["search form"]
    first = commissioner_client.get("/commissioner/search?value=4000&q=navigation")
    assert first.status_code == 200 and len(kept) == 1
    (markup,) = kept.values()
    assert 'value="navigation"' in markup and markup in first.get_data(as_text=True)
    assert commissioner_client.get("/commissioner/search?value=4000&q=navigation&page=2").status_code == 200
    assert len(kept) == 1  # another page of the same search: the same form
    assert commissioner_client.get("/commissioner/search?value=4000&q=cleaning").status_code == 200
    assert len(kept) == 2
    wrong = commissioner_client.get("/commissioner/search?value=lots")
    assert wrong.status_code == 400 and len(kept) == 2  # a form with errors is never kept
    assert "govuk-error-message" in wrong.get_data(as_text=True)
