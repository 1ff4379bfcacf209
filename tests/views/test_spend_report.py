"""The spend report's pages (/spend): the report for a period, two periods side by side, the payments behind every
figure, the leakage view and the downloads, for officers and commissioners; a provider is turned away, another
council's spend never shows, and an address that cannot be read gets the error summary, never a 500."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.domain.policy import LocalAreaDefinition
from app.domain.providers import LegalForm
from app.domain.spend.classification import Exclusion, PlaceBasis, SpendPlace
from app.domain.spend.lifecycle import SpendBatchStatus
from app.domain.spend.periods import Period
from app.extensions import db
from app.models import Council, Provider, ServiceCategory, SpendBatch, SpendCategoryService, SpendSupplier
from app.services.spend.report import SpendReport, spend_report
from app.spend.charts import breakdown_bars, change_between, cut, trend_columns
from tests import factories
from tests.spend_factories import payment, spend_batch, spend_supplier
from tests.views.conftest import ADMIN, ANON, COMMISSIONER, OFFICER, PROVIDER

YEAR = Period.financial_year(2025)  # April 2025 to March 2026


def _text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def _words(html: str) -> str:
    """The page's words with tags and runs of white space removed, to look for sentences."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _seen(html: str) -> str:
    """The words a sighted reader sees: without the visually hidden words for screen readers."""
    return _words(re.sub(r'<span class="govuk-visually-hidden">[^<]*</span>', "", html))


def _links(html: str, path: str) -> list[str]:
    """Every link on the page to ``path`` (its query included), unescaped, in order."""
    return [unescape(href) for href in re.findall(r'href="(' + re.escape(path) + r'(?:\?[^"]*)?)"', html)]


def _query(href: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(href).query, keep_blank_values=True))


@dataclass(frozen=True)
class Spend:
    """Knowsley's spend in 2025-26 in a few payments whose classification each test knows, and Liverpool's."""

    council: Council
    batch: SpendBatch
    based: SpendSupplier
    branched: SpendSupplier
    wider: SpendSupplier
    outside: SpendSupplier
    unknown: SpendSupplier
    tax: SpendSupplier
    other_council: Council
    other_supplier: SpendSupplier


@pytest.fixture
def spend(knowsley: factories.CouncilSetup) -> Spend:
    session = db.session
    council = knowsley.council
    batch = spend_batch(session, council, file_name="knowsley-spend-2025-26.csv")
    based = spend_supplier(
        session,
        council,
        "Page Moss Gardens CIC",
        place=SpendPlace.LOCAL,
        basis=PlaceBasis.REGISTERED_OFFICE,
        legal_form=LegalForm.CIC,
        sme=True,
        imd_decile=1,
    )
    branched = spend_supplier(
        session,
        council,
        "Northern Cleaning Ltd",
        place=SpendPlace.LOCAL,
        basis=PlaceBasis.BRANCHED,
        legal_form=LegalForm.PRIVATE_COMPANY,
        sme=False,
        imd_decile=2,
    )
    wider = spend_supplier(
        session,
        council,
        "Liverpool Care Co-operative",
        place=SpendPlace.WIDER,
        legal_form=LegalForm.COOPERATIVE,
        sme=True,
        imd_decile=5,
    )
    outside = spend_supplier(session, council, "National Facilities plc", place=SpendPlace.OUTSIDE, sme=False)
    unknown = spend_supplier(session, council, '=HYPERLINK("http://evil.example")', place=SpendPlace.NOT_KNOWN)
    tax = spend_supplier(
        session, council, "HM Revenue & Customs", place=SpendPlace.NOT_A_SUPPLIER, exclusion=Exclusion.TAX
    )
    rows = [
        (based, 120_000_00, date(2025, 4, 3), "Parks"),
        (based, 30_000_00, date(2025, 5, 20), "Parks"),
        (branched, 80_000_00, date(2025, 4, 10), "Cleaning"),
        (branched, -5_000_00, date(2025, 6, 1), "Cleaning"),  # a credit
        (wider, 60_000_00, date(2025, 7, 15), "Adult social care"),
        (outside, 200_000_00, date(2026, 1, 31), "Highways"),
        (unknown, 15_000_00, date(2025, 8, 9), None),
        (tax, 500_000_00, date(2025, 9, 30), "Payroll"),
        # The year before: the comparison's earlier period.
        (based, 20_000_00, date(2024, 6, 1), "Parks"),
        (outside, 180_000_00, date(2024, 7, 1), "Highways"),
    ]
    for supplier, amount, paid_on, area in rows:
        payment(session, batch, supplier, amount, paid_on, service_area=area)
    # An undone file's payments never count.
    undone = spend_batch(session, council, file_name="undone.csv", status=SpendBatchStatus.UNDONE)
    payment(session, undone, based, 999_999_00, date(2025, 4, 4), service_area="Parks")

    other = Council(
        name="Liverpool City Council",
        district=knowsley.neighbour,
        local_area_definition=LocalAreaDefinition.OWN_AREA,
        wider_area=knowsley.wider,
    )
    session.add(other)
    session.flush()
    other_batch = spend_batch(session, other, file_name="liverpool-secret.csv")
    other_supplier = spend_supplier(session, other, "Liverpool Secret Supplier Ltd", place=SpendPlace.LOCAL)
    payment(session, other_batch, other_supplier, 777_777_00, date(2025, 4, 5), service_area="Parks")
    session.commit()
    return Spend(council, batch, based, branched, wider, outside, unknown, tax, other, other_supplier)


def _report(council: Council, period: Period = YEAR) -> SpendReport:
    """The service's report, its read ended (the pages' requests commit in the same test transaction)."""
    found = spend_report(db.session, council, period)
    db.session.commit()
    return found


def year_query(**extra: str) -> dict[str, str]:
    return {"period": "year", "year": "2025-26", **extra}


# --- Who may see it -------------------------------------------------------------------------------------------------

PAGES = [
    "/spend",
    "/spend?period=year&year=2025-26",
    "/spend/compare?period=year&year=2025-26",
    "/spend/payments?period=year&year=2025-26&place=local",
    "/spend/leakage?period=year&year=2025-26",
    "/spend/report.csv?period=year&year=2025-26",
    "/spend/payments.csv?period=year&year=2025-26&place=local",
]


@pytest.mark.parametrize(
    ("role", "status"), [(ANON, 302), (PROVIDER, 403), (COMMISSIONER, 200), (OFFICER, 200), (ADMIN, 200)]
)
@pytest.mark.parametrize("path", PAGES)
def test_who_may_see_the_pages(
    spend: Spend, sign_in_as, client: FlaskClient, role: str, status: int, path: str
) -> None:
    sign_in_as(role)
    response = client.get(path, buffered=True)  # a download streams: read it whole inside the request
    assert response.status_code == status, _text(response)[:500]
    if role == ANON:
        assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("role", [COMMISSIONER, OFFICER])
def test_the_report_shows_the_services_figures(spend: Spend, sign_in_as, client: FlaskClient, role: str) -> None:
    sign_in_as(role)
    html = _text(client.get("/spend", query_string=year_query()))
    report = _report(spend.council)
    words = _words(html)
    assert "Where the money goes: 2025-26" in words
    assert report.total.money in words and report.measured.money in words
    for figure in report.places:
        assert figure.money in words and figure.percent in words
    assert report.local.percent in words
    assert report.social_economy.percent in words
    assert report.sme.percent in words
    assert report.deprived_10.percent in words and report.deprived_20.percent in words
    for line in report.method.lines:
        assert " ".join(line.split()) in words
    assert "Liverpool Secret" not in html and "777,777" not in html


def _money(text: str) -> int:
    """'£1,250.50' or '-£5,000' in pence."""
    found = re.fullmatch(r"(-?)£([\d,]+)(?:\.(\d\d))?", text.strip())
    assert found, f"not an amount: {text!r}"
    pence = int(found.group(2).replace(",", "")) * 100 + int(found.group(3) or 0)
    return -pence if found.group(1) else pence


@dataclass(frozen=True)
class Listed:
    """What a payments page says: the sum, how many payments, the pages, and the amounts it lists."""

    total_pence: int
    payments: int
    amounts: list[int]
    next_page: str | None


def _listed(client: FlaskClient, href: str) -> Listed:
    response = client.get(href)
    assert response.status_code == 200, _text(response)[:800]
    html = _text(response)
    found = re.search(r"They add up to (\S+) in ([\d,]+) payments?", _words(html))
    assert found, _words(html)[:800]
    amounts = [_money(unescape(cell)) for cell in re.findall(r'data-label="Amount">([^<]+?)\s*(?:<|$)', html)]
    following = re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next"', html)
    return Listed(
        _money(found.group(1)),
        int(found.group(2).replace(",", "")),
        amounts,
        unescape(following.group(1)) if following else None,
    )


def _every_amount(client: FlaskClient, href: str) -> tuple[Listed, list[int]]:
    """The first page of the payments at ``href``, and the amounts of every page after it too."""
    first = _listed(client, href)
    amounts = list(first.amounts)
    following = first.next_page
    while following:
        page = _listed(client, following)
        amounts += page.amounts
        following = page.next_page
    return first, amounts


# --- Every figure leads to the payments that make it up -------------------------------------------------------------


@pytest.mark.parametrize("role", [COMMISSIONER, OFFICER])
def test_every_figure_links_to_payments_that_add_up_to_it(
    spend: Spend, sign_in_as, client: FlaskClient, role: str
) -> None:
    sign_in_as(role)
    html = _text(client.get("/spend", query_string=year_query()))
    report = _report(spend.council)
    links = _links(html, "/spend/payments")
    queries = [_query(link) for link in links]
    # Every figure with payments behind it is linked, with the period and the figure's own filters.
    for figure in report.figures():
        if figure.payments:
            assert {**year_query(), **figure.filters.query()} in queries, f"no link for {figure.label}"
    # Each link's money is the sum of the payments it opens; each listed payment is counted once.
    money_links = re.findall(r'<a class="govuk-link" href="(/spend/payments\?[^"]+)">(-?£[\d,.]+)<', html)
    assert len(money_links) >= 40  # places, kinds, categories, months, suppliers, exclusions, attribution
    for link, text in money_links:
        listed, amounts = _every_amount(client, unescape(link))
        assert listed.total_pence == _money(text), (unescape(link), text)
        assert sum(amounts) == listed.total_pence and len(amounts) == listed.payments


def test_a_figure_of_many_payments_is_paged_and_still_adds_up(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    for day in range(1, 121):
        payment(db.session, spend.batch, spend.wider, 1_000_00 + day, date(2025, 10, 1 + day % 28), service_area="Care")
    db.session.commit()
    sign_in_as(OFFICER)
    report = _report(spend.council)
    wider = next(f for f in report.places if f.key == "wider")
    href = "/spend/payments?" + "&".join(f"{k}={v}" for k, v in {**year_query(), **wider.filters.query()}.items())
    first, amounts = _every_amount(client, href)
    assert first.payments == wider.payments == 121
    assert len(first.amounts) == 50
    assert sum(amounts) == first.total_pence == wider.pence
    assert "Payments 1 to 50 of 121" in _words(_text(client.get(href)))


def test_the_payments_page_says_its_filter_in_words(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(COMMISSIONER)
    words = _words(_text(client.get("/spend/payments", query_string=year_query(place="local", basis="branched"))))
    assert "Which payments Local: a branch in the area" in words
    assert "They add up to £75,000 in 2 payments" in words
    assert "Northern Cleaning Ltd" in words and "Page Moss Gardens" not in words
    assert "(a credit)" in words  # the -£5,000 credit is listed, and netted off
    words = _words(_text(client.get("/spend/payments", query_string=year_query(supplier=str(spend.based.id)))))
    assert "Which payments Paid to Page Moss Gardens CIC" in words
    assert re.search(r"knowsley-spend-2025-26\.csv\s*, row \d+", words)


def test_payments_in_a_month_period(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(OFFICER)
    html = _text(client.get("/spend/payments?period=month&month=2025-04"))
    words = _words(html)
    assert "Period April 2025" in words
    assert "Which payments All payments" in words  # the period's own month is no filter
    assert "They add up to £200,000 in 2 payments" in words  # the undone file's payment is not counted


# --- Another council's spend ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [COMMISSIONER, OFFICER, ADMIN])
def test_another_councils_spend_never_shows(spend: Spend, sign_in_as, client: FlaskClient, role: str) -> None:
    sign_in_as(role)
    other = str(spend.other_supplier.id)
    pages = [
        "/spend?period=year&year=2025-26",
        "/spend?period=month&month=2025-04",
        "/spend/compare?period=year&year=2025-26",
        "/spend/payments?period=year&year=2025-26",
        "/spend/payments?period=year&year=2025-26&place=local",
        f"/spend/payments?period=year&year=2025-26&supplier={other}",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = _text(response)
        assert "Liverpool Secret" not in html and "777,777" not in html and "liverpool-secret" not in html, path
    words = _words(_text(client.get(f"/spend/payments?period=year&year=2025-26&supplier={other}")))
    assert "They add up to £0 in 0 payments" in words
    assert f"Which payments Paid to supplier number {other}" in words


# --- The period, the chooser and what cannot be read ----------------------------------------------------------------


def test_the_report_opens_on_the_latest_financial_year_with_payments(
    spend: Spend, sign_in_as, client: FlaskClient
) -> None:
    sign_in_as(COMMISSIONER)
    html = _text(client.get("/spend"))
    assert '<h1 class="govuk-heading-l">Where the money goes: 2025-26</h1>' in html
    # The chooser lists the periods that hold payments, the one shown selected.
    assert re.search(r'<option value="2025-26" selected>2025-26</option>', html)
    assert '<option value="2024-25">2024-25</option>' in html
    assert '<option value="2025-04">April 2025</option>' in html


@pytest.mark.parametrize(
    ("query", "heading", "total"),
    [
        ({"period": "month", "month": "2025-04"}, "April 2025", "£200,000"),
        ({"period": "quarter", "quarter": "2025-26-Q1"}, "Q1 2025-26 (April to June 2025)", "£225,000"),
        ({"month": "2025-05"}, "May 2025", "£30,000"),  # a hand-written link giving only the month
        (
            {
                "period": "range",
                **{"start-day": "1", "start-month": "4", "start-year": "2025"},
                **{"end-day": "31", "end-month": "5", "end-year": "2025"},
            },
            "1 April 2025 to 31 May 2025",
            "£230,000",
        ),
        (
            {
                "period": "range",
                **{"start-day": "1", "start-month": "4", "start-year": "2025"},
                **{"end-day": "30", "end-month": "6", "end-year": "2025"},
            },
            "Q1 2025-26 (April to June 2025)",  # dates that make a quarter are that quarter
            "£225,000",
        ),
    ],
)
def test_each_kind_of_period(
    spend: Spend, sign_in_as, client: FlaskClient, query: dict[str, str], heading: str, total: str
) -> None:
    sign_in_as(OFFICER)
    response = client.get("/spend", query_string=query)
    assert response.status_code == 200
    words = _words(_text(response))
    assert f"Where the money goes: {heading}" in words
    assert f"paid {total} in" in words


def test_a_period_without_payments_says_so(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(COMMISSIONER)
    response = client.get("/spend?period=month&month=2019-04")
    assert response.status_code == 200
    words = _words(_text(response))
    assert "No payments in April 2019 have been imported" in words
    assert "ask a register officer" in words
    # The chooser offers April 2019 as chosen, beside the months that hold payments.
    assert '<option value="2019-04" selected>April 2019</option>' in _text(response)


@pytest.mark.parametrize(
    ("path", "message", "href"),
    [
        (
            "/spend?period=range&start-day=31&start-month=2&start-year=2025&end-day=1&end-month=3&end-year=2025",
            "The start date must be a real date",
            "#start-day",
        ),
        (
            "/spend?period=range&start-day=1&start-month=4&start-year=2025&end-day=1&end-month=3&end-year=2025",
            "The end date must be the same as or after the start date",
            "#end-day",
        ),
        ("/spend?period=range&start-day=1&start-month=4&start-year=2025", "Enter the end date", "#end-day"),
        ("/spend?period=month&month=2025-13", "Enter a month from 1 to 12", "#month"),
        ("/spend?period=month&month=next", "Enter a month like 2026-04", "#month"),
        ("/spend?period=month", "Choose the month", "#month"),
        ("/spend?period=year&year=2025-27", "A financial year runs April to March", "#year"),
        ("/spend?period=decade&year=2025-26", "Choose a month, a quarter, a financial year", "#year"),
        ("/spend?period=year&year=2025-26&dimension=colour", "Choose a category column from the list", "#dimension"),
        (
            "/spend/compare?period=year&year=2025-26&with-period=month&with-month=2025-13",
            "Enter a month",
            "#with-month",
        ),
        ("/spend/payments?period=year&year=2025-26&place=moon", "Choose a place", "#filters"),
        (
            "/spend/payments?period=year&year=2025-26&dimension=colour&category=Parks",
            "Choose a category column",
            "#filters",
        ),
        ("/spend/payments?period=year&year=2025-26&supplier=x1", "The supplier must be a number", "#filters"),
        ("/spend/payments?period=year&year=2025-26&month=2025-99", "Enter a month like 2026-04", "#filters"),
        (
            "/spend/payments?period=year&year=2025-26&month=1999-04",
            "Enter a month in a year from 2000 to 2099",
            "#filters",
        ),
        ("/spend/payments?period=year&year=2025-26&deprived=3", "The most deprived areas are", "#filters"),
        (
            "/spend/payments?period=year&year=2025-26&order=colour",
            "Order the payments by date or by amount",
            "#filters",
        ),
        ("/spend/payments?period=month&month=2025-02-30", "Enter a month like 2026-04", "#month"),
    ],
)
def test_what_cannot_be_read_gets_the_error_summary(
    spend: Spend, sign_in_as, client: FlaskClient, path: str, message: str, href: str
) -> None:
    sign_in_as(OFFICER)
    response = client.get(path)
    assert response.status_code == 400, _text(response)[:500]
    html = _text(response)
    assert "There is a problem" in html
    summary = html[html.index("govuk-error-summary") :]
    summary = summary[: summary.index("</ul>")]
    assert message in unescape(summary), summary
    assert f'href="{href}"' in summary
    # The link's target is on the page.
    assert f'id="{href[1:]}"' in html
    assert "<title>Error: " in html


# --- Two periods side by side ---------------------------------------------------------------------------------------


def test_compare_sets_two_periods_side_by_side_with_the_change_in_words(
    spend: Spend, sign_in_as, client: FlaskClient
) -> None:
    sign_in_as(COMMISSIONER)
    # With no second period asked for, the period before.
    response = client.get("/spend/compare", query_string=year_query())
    assert response.status_code == 200
    html = _text(response)
    words = _seen(html)
    assert "Compare two periods: 2024-25 and 2025-26" in words
    # Local: 10% (£20,000 of £200,000) in 2024-25, 45% (£225,000 of £500,000) in 2025-26.
    assert re.search(r"Local 10\.0% 45\.0% ↑ up 35\.0 points", words)
    assert '<span aria-hidden="true">↑ </span>up 35.0 points' in html  # the arrow is not read out; the words are
    assert re.search(r"Outside 90\.0% 40\.0% ↓ down 50\.0 points", words)
    assert re.search(r"Community benefit society 0\.0% 0\.0% → no change", words)
    # The chart says every figure in words.
    desc = re.search(r'<desc id="chart-compare-desc">([^<]+)</desc>', html)
    assert desc and "Local: 2024-25 10.0%, 2025-26 45.0%, up 35.0 points." in unescape(desc.group(1))
    # Each share links to its own period's payments.
    links = [_query(link) for link in _links(html, "/spend/payments")]
    assert {"period": "year", "year": "2024-25", "place": "local"} in links
    assert {"period": "year", "year": "2025-26", "place": "local"} in links


def test_compare_any_two_periods(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(OFFICER)
    response = client.get(
        "/spend/compare",
        query_string={"period": "month", "month": "2025-04", "with-period": "month", "with-month": "2024-06"},
    )
    assert response.status_code == 200
    words = _seen(_text(response))
    assert "Compare two periods: June 2024 and April 2025" in words
    assert re.search(r"Local 100\.0% 100\.0% → no change", words)


def test_the_report_links_to_its_comparisons(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(OFFICER)
    html = _text(client.get("/spend?period=quarter&quarter=2025-26-Q1"))
    links = [_query(link) for link in _links(html, "/spend/compare")]
    # Q4 2024-25 holds no payments: the latest earlier quarter that does (July 2024), then the year before.
    assert links == [
        {"period": "quarter", "quarter": "2025-26-Q1", "with-period": "quarter", "with-quarter": "2024-25-Q2"},
        {"period": "quarter", "quarter": "2025-26-Q1", "with-period": "quarter", "with-quarter": "2024-25-Q1"},
    ]
    assert "Compare with Q4 2024-25" not in _words(html)
    # The earliest year: the later year that holds payments, set side by side earlier first.
    html = _text(client.get("/spend?period=year&year=2024-25"))
    assert [_query(link) for link in _links(html, "/spend/compare")] == [
        {"period": "year", "year": "2025-26", "with-period": "year", "with-year": "2024-25"}
    ]
    assert "Compare with 2025-26" in _words(html) and "Compare with 2023-24" not in _words(html)


def test_no_comparison_is_offered_when_no_other_period_holds_payments(
    knowsley: factories.CouncilSetup, sign_in_as, client: FlaskClient
) -> None:
    batch = spend_batch(db.session, knowsley.council)
    payment(db.session, batch, spend_supplier(db.session, knowsley.council, "Acme"), 1_000_00, date(2025, 4, 3))
    db.session.commit()
    sign_in_as(COMMISSIONER)
    html = _text(client.get("/spend"))
    assert _links(html, "/spend/compare") == [] and "Compare with" not in html
    # Asked for anyway: the page says there is nothing to compare with, and offers the chooser; no 'Not comparable'.
    response = client.get("/spend/compare?period=year&year=2025-26")
    assert response.status_code == 200
    words = _words(_text(response))
    assert "No other financial year holds payments to compare 2025-26 with." in words
    assert "Not comparable" not in words and "Choose other periods" in words


def test_compare_with_no_period_before_it_takes_another_that_holds_payments(
    spend: Spend, sign_in_as, client: FlaskClient
) -> None:
    sign_in_as(COMMISSIONER)
    # 2023-24 holds nothing: 2024-25 is set beside 2025-26, the later one, earlier first.
    response = client.get("/spend/compare?period=year&year=2024-25")
    assert response.status_code == 200
    words = _seen(_text(response))
    assert "Compare two periods: 2024-25 and 2025-26" in words
    assert "have been imported, so its shares cannot be measured" not in words  # both sides hold payments
    assert re.search(r"Local 10\.0% 45\.0% ↑ up 35\.0 points", words)


# --- Charts ---------------------------------------------------------------------------------------------------------


def test_charts_are_images_with_their_figures_in_words_and_need_no_script(
    spend: Spend, sign_in_as, client: FlaskClient
) -> None:
    sign_in_as(COMMISSIONER)
    response = client.get("/spend", query_string=year_query())
    html = _text(response)
    charts = re.findall(r"<svg class=\"app-chart__svg\"[^>]*>", html)
    assert len(charts) == 5  # places, kinds, social economy by form, categories, months
    for chart in charts:
        assert 'role="img"' in chart and 'width="100%"' in chart
        assert re.search(r'aria-labelledby="(chart-[a-z]+)-title \1-desc"', chart)
    places = unescape(re.search(r'<desc id="chart-places-desc">([^<]+)</desc>', html).group(1))
    assert "Local: based in the area: 30.0%, £150,000." in places
    assert "Outside: 40.0%, £200,000." in places
    months = unescape(re.search(r'<desc id="chart-months-desc">([^<]+)</desc>', html).group(1))
    assert "April 2025: £200,000, of which £200,000 local (100.0%)." in months
    # Nothing inline for the strict CSP to refuse, and nothing from elsewhere.
    main = html[html.index("<main") : html.index("</main>")]
    assert " style=" not in main and "<script" not in main
    assert "https://" not in main.replace("https://www.nationalarchives.gov.uk", "")
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_spending_navigation_item_is_marked_on_the_spend_pages(
    spend: Spend, sign_in_as, client: FlaskClient
) -> None:
    sign_in_as(COMMISSIONER)
    for path in ("/spend", "/spend/compare", "/spend/payments?period=year&year=2025-26"):
        html = _text(client.get(path))
        active = re.findall(
            r'govuk-service-navigation__item--active">\s*<a class="govuk-service-navigation__link" '
            r'href="([^"]+)"[^>]*>\s*(?:<strong[^>]*>)?([^<]+)',
            html,
        )
        assert [(href, words.strip()) for href, words in active] == [("/spend", "Spending")], path


# --- A council with no spend ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/spend", "/spend/compare", "/spend/payments", "/spend/leakage", "/spend/report.csv", "/spend/payments.csv"],
)
@pytest.mark.parametrize("role", [COMMISSIONER, OFFICER])
def test_a_council_with_no_spend_files_is_told_so(
    knowsley: factories.CouncilSetup, sign_in_as, client: FlaskClient, role: str, path: str
) -> None:
    sign_in_as(role)
    response = client.get(path, buffered=True)
    assert response.status_code == 200
    html = _text(response)
    words = _words(html)
    assert "Knowsley Council has no spend files imported yet, so there is no report to show." in words
    if role == OFFICER:
        assert "Upload a spend file</a>" in html and 'href="/officer/spend"' in html
    else:
        assert "Upload a spend file" not in words and "Ask one to import them" in words


# --- The figures made ready to draw ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "drawn"),
    [
        ("Parks", "Parks"),
        ("Adult Social Care - Commissioning and Partnerships", "Adult Social Care -…"),
        ("Supported   living\tservices", "Supported living services"),
        ("Abcdefghijklmnopqrstuvwxyzabcdefghij", "Abcdefghijklmnopqrstuvwxyza…"),
    ],
)
def test_a_long_label_is_cut_at_a_word(label: str, drawn: str) -> None:
    assert cut(label) == drawn.replace(" -…", "…")
    assert len(cut(label)) <= 28


def test_breakdown_bars_are_as_long_as_their_amounts_beside_the_largest() -> None:
    bars = breakdown_bars(
        [("A", 200_00, 50_00, Fraction(1, 4)), ("B", 100_00, 100_00, Fraction(1)), ("C", -10_00, 0, None)]
    )
    assert [(bar.length, bar.solid) for bar in bars] == [(100.0, 25.0), (50.0, 50.0), (0.0, 0.0)]
    assert bars[0].detail == "£200, 25.0% local"
    assert bars[2].detail == "-£10, Not measured local"


def test_a_years_trend_names_every_month_and_the_year_where_it_turns() -> None:
    months = [(2025 + (m < 4), m, 1000, 500, Fraction(1, 2)) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
    columns = trend_columns(months)
    assert [c.label for c in columns] == [
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
        "Jan",
        "Feb",
        "Mar",
    ]
    assert [c.year_label for c in columns if c.year_label] == ["2025", "2026"]
    # On a phone, every other month.
    assert [c.label for c in columns if not c.minor] == ["Apr", "Jun", "Aug", "Oct", "Dec", "Feb"]
    assert all(c.height == 100.0 and c.solid == 50.0 for c in columns)


def test_a_long_trend_names_fewer_months() -> None:
    months = [(2017 + (i + 3) // 12, (i + 3) % 12 + 1, 100 * i, 0, None) for i in range(96)]
    columns = trend_columns(months)
    named = [c for c in columns if c.label]
    assert len(named) == 12 and named[0].label == "Apr" and named[0].year_label == "2017"
    assert len([c for c in named if not c.minor]) == 6
    assert columns[0].height == 0.0 and columns[-1].height == 100.0


def test_a_change_is_said_in_words() -> None:
    assert change_between(Fraction(1, 10), Fraction(12, 100)).words == "up 2.0 points"
    assert change_between(Fraction(1, 10), Fraction(12, 100)).arrow == "↑"
    assert change_between(Fraction(1, 2), Fraction(1, 2)).direction == "same"
    assert change_between(None, Fraction(1, 2)).direction == "none"
    assert change_between(None, Fraction(1, 2)).arrow == ""


def test_officers_get_the_links_to_put_things_right(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(OFFICER)
    html = _text(client.get("/spend", query_string=year_query()))
    assert f'href="/officer/spend/suppliers/{spend.based.id}"' in html
    assert 'href="/officer/spend/suppliers"' in html  # "Attribute the largest suppliers": £15,000 is not attributed
    assert 'href="/officer/spend"' in html
    payments = _text(client.get("/spend/payments", query_string=year_query(place="local")))
    assert f'href="/officer/spend/suppliers/{spend.based.id}"' in payments


def test_commissioners_see_the_figures_without_the_officers_links(
    spend: Spend, sign_in_as, client: FlaskClient
) -> None:
    sign_in_as(COMMISSIONER)
    for path in ("/spend?period=year&year=2025-26", "/spend/payments?period=year&year=2025-26&place=local"):
        html = _text(client.get(path))
        assert "/officer/" not in html, path


# --- Downloads ------------------------------------------------------------------------------------------------------


def _csv(response: TestResponse) -> list[list[str]]:
    assert response.status_code == 200, _text(response)[:500]
    assert response.headers["Content-Type"].startswith("text/csv")
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.mark.parametrize("role", [COMMISSIONER, OFFICER])
def test_the_report_downloads_with_its_method_note_and_formula_safe(
    spend: Spend, sign_in_as, client: FlaskClient, role: str
) -> None:
    sign_in_as(role)
    html = _text(client.get("/spend", query_string=year_query()))
    href = unescape(re.search(r'href="(/spend/report\.csv\?[^"]+)"', html).group(1))
    response = client.get(href, buffered=True)
    assert 'filename="knowsley-council-spend-2025-26.csv"' in response.headers["Content-Disposition"]
    rows = _csv(response)
    report = _report(spend.council)
    assert rows[0] == ["Spend report", "Knowsley Council"]
    assert ["Period", "2025-26"] in rows[:3]
    notes = [row[1] for row in rows if row[:1] == ["Method note"]]
    assert notes == report.method.lines
    # The method note comes before the figures.
    header = rows.index(next(row for row in rows if row[:2] == ["Section", "Figure"]))
    assert all(row[:1] != ["Method note"] for row in rows[header:])
    totals = next(row for row in rows if row[:2] == ["Totals", "All payments"])
    assert totals[2:4] == ["1000000.00", "8"]
    # A payee whose name a spreadsheet would run as a formula is written as text.
    named = [row for row in rows if any("HYPERLINK" in cell for cell in row)]
    assert named and all(cell.startswith("'=") for row in named for cell in row if "HYPERLINK" in cell)
    assert not any("Liverpool Secret" in cell for row in rows for cell in row)


@pytest.mark.parametrize("role", [COMMISSIONER, OFFICER])
def test_the_payments_behind_a_figure_download(spend: Spend, sign_in_as, client: FlaskClient, role: str) -> None:
    sign_in_as(role)
    page = _text(client.get("/spend/payments", query_string=year_query(place="not_known")))
    href = unescape(re.search(r'href="(/spend/payments\.csv\?[^"]+)"', page).group(1))
    rows = _csv(client.get(href, buffered=True))
    report = _report(spend.council)
    assert rows[0] == ["Payments", "Knowsley Council"]
    assert [row[1] for row in rows if row[:1] == ["Method note"]] == report.method.lines
    assert ["Which payments", "Not known"] in rows
    header = rows.index(next(row for row in rows if row[:2] == ["Date paid", "Payee as the file names it"]))
    payments = rows[header + 1 :]
    assert len(payments) == 1
    assert payments[0][1] == '\'=HYPERLINK("http://evil.example")'
    assert payments[0][3] == "15000.00" and payments[0][4] == "Not known"
    assert payments[0][19] == "knowsley-spend-2025-26.csv"


def test_every_payment_of_the_period_downloads_and_adds_up(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(OFFICER)
    rows = _csv(client.get("/spend/payments.csv", query_string=year_query(), buffered=True))
    header = rows.index(next(row for row in rows if row[:1] == ["Date paid"]))
    payments = rows[header + 1 :]
    report = _report(spend.council)
    assert len(payments) == report.total.payments == 8
    assert sum(_money("£" + row[3].replace("-", "")) * (-1 if row[3].startswith("-") else 1) for row in payments) == (
        report.total.pence
    )
    assert not any("Liverpool Secret" in row[1] for row in payments)
    assert ["Which payments", "All payments"] in rows


@pytest.mark.parametrize(
    "path",
    [
        "/spend/report.csv?period=month&month=2025-13",
        "/spend/report.csv?period=year&year=2025-26&dimension=colour",
        "/spend/payments.csv?period=year&year=2025-26&place=moon",
    ],
)
def test_a_download_that_cannot_be_read_gets_the_error_summary(
    spend: Spend, sign_in_as, client: FlaskClient, path: str
) -> None:
    sign_in_as(OFFICER)
    response = client.get(path, buffered=True)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    assert "There is a problem" in _text(response)


# --- Leakage turned into opportunities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Market:
    highways: ServiceCategory
    roads_cic: Provider
    tarmac: Provider
    elsewhere: Provider


@pytest.fixture
def market(spend: Spend) -> Market:
    """Highways matched to a register service two local providers offer (one a CIC), and one in Liverpool."""
    session = db.session
    highways = ServiceCategory(slug="highways-maintenance", name="Highways maintenance")
    session.add(highways)
    roads_cic = factories.provider(session, "Knowsley Roads CIC")
    tarmac = factories.provider(session, "Huyton Tarmac Ltd", legal_form=LegalForm.PRIVATE_COMPANY)
    elsewhere = factories.provider(session, "Liverpool Roads CIC", district_code="E08000012", postcode="L1 8JQ")
    for provider in (roads_cic, tarmac, elsewhere):
        provider.services = [highways]
    session.flush()
    session.add(
        SpendCategoryService(
            council_id=spend.council.id, dimension="service_area", label="Highways", service_category_id=highways.id
        )
    )
    session.commit()
    return Market(highways, roads_cic, tarmac, elsewhere)


@pytest.mark.parametrize("role", [COMMISSIONER, OFFICER])
def test_leakage_names_the_local_providers_that_could_win_it(
    market: Market, spend: Spend, sign_in_as, client: FlaskClient, role: str
) -> None:
    sign_in_as(role)
    response = client.get("/spend/leakage", query_string=year_query())
    assert response.status_code == 200
    html = _text(response)
    words = _seen(html)
    assert (
        "£200k on “Highways” went to 1 supplier outside Knowsley in 2025-26; 2 local providers on the register offer "
        "it, 1 of them a social enterprise." in words
    )
    assert f'href="/directory/{market.roads_cic.id}">Knowsley Roads CIC</a>' in html
    assert f'href="/directory/{market.tarmac.id}">Huyton Tarmac Ltd</a>' in html
    assert "Liverpool Roads CIC" not in html
    # Adult social care (to the wider area) is not matched to a service yet.
    assert "“Adult social care” went to 1 supplier outside Knowsley in 2025-26; it is not yet matched" in words
    # The outside spend links to the payments that make it up.
    listed = _listed(
        client,
        unescape(re.search(r'href="(/spend/payments\?[^"]*category=Highways[^"]*)"', html).group(1)),
    )
    assert listed.total_pence == 200_000_00 and listed.payments == 1
    assert "Liverpool Secret" not in html


def test_leakage_with_nothing_outside_says_so(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(COMMISSIONER)
    response = client.get("/spend/leakage?period=month&month=2025-04")
    assert response.status_code == 200
    words = _words(_text(response))
    # Spend not attributed yet is said apart: it cannot be said whether it left the area.
    assert "No spend attributed to a place went outside Knowsley in April 2025." in words
    assert "is not attributed yet, so whether it left the area cannot be said." in words


def test_leakage_that_cannot_be_read_gets_the_error_summary(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(OFFICER)
    for path in ("/spend/leakage?period=year&year=2025-26&dimension=colour", "/spend/leakage?period=month&month=x"):
        response = client.get(path)
        assert response.status_code == 400
        assert "There is a problem" in _text(response)


# --- What the report says about the payments behind it ---------------------------------------------------------------


@pytest.mark.parametrize("role", [COMMISSIONER, OFFICER])
def test_a_payment_dated_1999_never_breaks_a_page(spend: Spend, sign_in_as, client: FlaskClient, role: str) -> None:
    """A row dated 07/04/1999 that an import let through: every page still opens, and the report says so."""
    odd = spend_batch(db.session, spend.council, file_name="small-workbook.xlsx")
    payment(db.session, odd, spend.outside, 446_00, date(1999, 4, 7), service_area="Highways")
    db.session.commit()
    sign_in_as(role)
    for path in [*PAGES, "/spend/compare", "/spend/leakage", "/spend/payments", "/spend/report.csv"]:
        response = client.get(path, buffered=True)
        assert response.status_code == 200, (path, _text(response)[:500])
    words = _words(_text(client.get("/spend")))
    assert "Where the money goes: 2025-26" in words
    assert (
        "1 payment (£446) is dated outside the years a report covers (2000 to 2099), so no period offered here "
        "includes it: small-workbook.xlsx (1 payment dated 7 April 1999)." in words
    )
    rows = _csv(client.get("/spend/report.csv", query_string=year_query(), buffered=True))
    assert any(row[:1] == ["Method note"] and "dated outside the years" in row[1] for row in rows)


@pytest.mark.parametrize("path", ["/spend", "/spend/compare", "/spend/payments", "/spend/leakage", "/spend/report.csv"])
def test_a_council_whose_only_payments_are_dated_outside_the_years_is_told_which(
    knowsley: factories.CouncilSetup, sign_in_as, client: FlaskClient, path: str
) -> None:
    batch = spend_batch(db.session, knowsley.council, file_name="typo.csv")
    payment(db.session, batch, spend_supplier(db.session, knowsley.council, "Acme"), 10_00, date(2101, 1, 2))
    db.session.commit()
    sign_in_as(OFFICER)
    response = client.get(path, buffered=True)
    assert response.status_code == 200
    words = _words(_text(response))
    assert "Knowsley Council's imported payments cannot be shown in any period." in words
    assert "typo.csv (1 payment dated 2 January 2101)" in words
    assert "no spend files imported yet" not in words


def test_files_another_body_published_are_named_in_the_headline(
    knowsley: factories.CouncilSetup, sign_in_as, client: FlaskClient
) -> None:
    council = knowsley.council
    supplier = spend_supplier(db.session, council, "Acme", place=SpendPlace.OUTSIDE)
    theirs = spend_batch(db.session, council, file_name="hyndburn.csv", publisher="Hyndburn Borough Council")
    own = spend_batch(db.session, council, file_name="knowsley.csv")
    payment(db.session, theirs, supplier, 9_000_00, date(2025, 4, 3))
    payment(db.session, own, supplier, 1_000_00, date(2025, 4, 4))
    payment(db.session, own, supplier, 1_000_00, date(2024, 4, 4))
    db.session.commit()
    sign_in_as(COMMISSIONER)
    words = _seen(_text(client.get("/spend?period=month&month=2025-04")))
    assert (
        "£10,000 was paid in 2 payments in April 2025, from files published by Hyndburn Borough Council and "
        "Knowsley Council." in words
    )
    assert "Knowsley Council paid" not in words
    assert "Not every file was published by Knowsley Council: see how these figures were made" in words
    assert (
        "hyndburn.csv (Hyndburn Borough Council: 1 payment, £9,000) was published by another body. Its 1 payment "
        "(£9,000) is counted in every figure as Knowsley Council's spend; if it is not, an officer can undo the file."
    ) in words
    # The comparison says it for the side it concerns.
    words = _seen(_text(client.get("/spend/compare?period=month&month=2025-04&with-period=month&with-month=2024-04")))
    assert "April 2024 Knowsley Council paid £1,000 in 1 payment in April 2024." in words
    assert "April 2025 £10,000 was paid in 2 payments in April 2025, from files published by" in words


def test_the_report_says_what_the_payments_cover_and_the_comparison_says_it_for_each_side(
    spend: Spend, sign_in_as, client: FlaskClient
) -> None:
    sign_in_as(COMMISSIONER)
    words = _seen(_text(client.get("/spend", query_string=year_query())))
    # 2025-26's payments run from 3 April 2025 to 31 January 2026, none in October to December.
    coverage = (
        "The payments imported cover 3 April 2025 to 31 January 2026, with none in October 2025, November 2025 or "
        "December 2025."
    )
    assert f"{coverage} Every figure is of those payments, not of the whole of 2025-26." in words
    words = _seen(_text(client.get("/spend/compare", query_string=year_query())))
    assert "2024-25 Knowsley Council paid £200,000 in 2 payments in 2024-25." in words
    assert "The payments imported cover 1 June to 1 July 2024. Its shares are of those payments" in words
    assert coverage in words
    # A period the payments cover says nothing of it.
    assert "The payments imported cover" not in _words(_text(client.get("/spend?period=month&month=2025-04")))


def test_one_payment_and_no_size_known_are_said_in_words(spend: Spend, sign_in_as, client: FlaskClient) -> None:
    sign_in_as(OFFICER)
    words = _seen(_text(client.get("/spend?period=month&month=2025-08")))  # one payment, to a supplier of no size
    assert "Knowsley Council paid £15,000 in 1 payment in August 2025." in words
    assert "paid in 1 payment (£15,000)" in words
    assert "1 payments" not in words
    assert (
        "No supplier's size is known for the measured spend in August 2025, so the SMEs' share of it cannot be "
        "measured." in words
    )
    assert "Not measured went to SMEs" not in words


def test_a_category_of_credits_shows_its_negative_amount_and_says_net_credit(
    spend: Spend, sign_in_as, client: FlaskClient
) -> None:
    payment(db.session, spend.batch, spend.outside, -2_000_00, date(2025, 11, 3), service_area="Refunds")
    payment(db.session, spend.batch, spend.based, 500_00, date(2025, 11, 4), service_area="Refunds")
    db.session.commit()
    sign_in_as(COMMISSIONER)
    html = _text(client.get("/spend", query_string=year_query()))
    table = html[html.index('id="categories-table"') :]
    table = table[: table.index("</table>")]
    row = re.search(r"Refunds</th>(.*?)</tr>", table, re.S)
    assert row, table
    cells = [_seen(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells == ["-£1,500", "Net credit", "£500", "No share: the whole is a net credit"]
    assert "under -0.1%" not in html
    assert "A “net credit” is a category whose refunds outweigh its payments in this period" in _words(html)
    rows = _csv(client.get("/spend/report.csv", query_string=year_query(), buffered=True))
    refunds = next(row for row in rows if row[1:2] == ["Refunds"])
    assert refunds[2:6] == ["-1500.00", "2", "", ""]
    assert (
        refunds[8]
        == "Net credit: refunds outweigh payments, so no share; local part: no share: the whole is a net credit"
    )


def test_the_comparison_sets_shares_of_all_payments_apart_and_notes_both_periods(
    spend: Spend, sign_in_as, client: FlaskClient
) -> None:
    sign_in_as(COMMISSIONER)
    html = _text(client.get("/spend/compare", query_string=year_query()))
    measured = html[html.index('id="compare-table"') :]
    measured = measured[: measured.index("</table>")]
    assert "Shares of measured spend, 2024-25 and 2025-26" in measured
    assert ">Measured spend<" not in measured and ">Attributed<" not in measured
    of_all = html[html.index('id="compare-total-table"') :]
    of_all = of_all[: of_all.index("</table>")]
    assert "Shares of all payments, 2024-25 and 2025-26" in of_all
    assert re.search(r"Measured spend 100\.0% 50\.0%", _seen(of_all))
    note = html[html.index('id="method-note"') :]
    words = _seen(note)
    assert "For both periods" in words and "For 2024-25" in words and "For 2025-26" in words
    assert "£200,000 of £200,000 paid in 2024-25" in words
    assert "£500,000 of £1,000,000 paid in 2025-26" in words
