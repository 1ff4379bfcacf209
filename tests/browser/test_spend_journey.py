"""Where the council's money goes, end to end in a browser: an officer uploads the payments file the council
publishes, confirms its columns, watches the import run, reads what it found (rows read = payments + rejected, the
rejected row with its cell), attributes the suppliers paid the most (confirms a near name, places one by postcode,
leaves tax out of the measure) and sees the attributed share move; reads the report and its charts, follows a figure
to the payments behind it, compares two months, matches a category to the register's services so the leakage view
names a local social enterprise that offers it, and downloads the report and the payments. A commissioner of the same
council reads the report but not the officers' pages. axe-core checks every page at 1280 and 320 CSS px."""

from __future__ import annotations

import csv
import io
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from app.domain.policy import format_pence
from app.domain.providers import LegalForm, ProviderStatus
from app.domain.roles import Role
from app.domain.spend.shares import percent_text, points_text, short_money
from app.extensions import db
from app.jobs import spend as spend_jobs
from app.models import Council, ServiceCategory
from app.services.audit import Actor
from app.services.seed import load_reference_data
from tests import factories
from tests.browser.conftest import axe_violations, browser_widths, sign_in
from tests.samples import DEPRIVATION_SAMPLE, POSTCODE_SAMPLE

ROOT = Path(__file__).resolve().parents[2]
#: Where the journey photographs its pages, when asked (JOURNEY_SCREENSHOTS=/tmp): to look at them, not to compare.
SHOTS = Path(os.environ["JOURNEY_SCREENSHOTS"]) if os.environ.get("JOURNEY_SCREENSHOTS") else None

# The file as a council's finance system exports it: a title line before the headings, Windows-1252 (the £ is one
# byte), CRLF, amounts with thousands separators in quotes, a credit, day-first dates over two months, a payee the
# council redacted, a cell a spreadsheet would run as a formula, an amount nobody can read and a total row.
SPEND_FILE = (
    "\r\n".join(
        [
            "Knowsley Council: payments to suppliers over £500, April and May 2026,,,,,,,",
            "Department,Service Area,Expense Type,Supplier Name,Payment Date,Transaction No,Description,Amount (£)",
            "Adult Social Care,Day Services,Catering,Page Moss Community Bakery CIC,07/04/2026,KMBC100231,"
            'Lunches for the day centre,"2,730.00"',
            "Children's Services,Home to School Transport,Transport hire,Huyton Comunity Transport Ltd,14/04/2026,"
            'KMBC100245,Minibus hire April,"4,150.00"',
            "Environment,Parks and Green Spaces,Grounds maintenance,Mersey Grounds Maintenance Ltd,21/04/2026,"
            'KMBC100262,Grass cutting contract,"12,480.00"',
            'Finance,Corporate Finance,Tax,HM Revenue & Customs,28/04/2026,KMBC100270,PAYE adjustment,"18,000.00"',
            'Children\'s Services,Placements,Care,Redacted,29/04/2026,KMBC100281,Redacted,"3,200.00"',
            "Resources,ICT,Office supplies,Northern Office Supplies Ltd,30/04/2026,KMBC100290,"
            '"=HYPERLINK(""http://example.com"",""Invoice 4471"")","1,975.50"',
            "Environment,Parks and Green Spaces,Grounds maintenance,Mersey Grounds Maintenance Ltd,12/05/2026,"
            'KMBC100311,Grass cutting contract,"9,360.00"',
            "Adult Social Care,Day Services,Catering,Page Moss Community Bakery CIC,19/05/2026,KMBC100322,"
            'Lunches for the day centre,"1,365.00"',
            "Environment,Parks and Green Spaces,Grounds maintenance,Mersey Grounds Maintenance Ltd,20/05/2026,"
            'KMBC100330,Credit note: missed visits,"-1,250.00"',
            "Resources,ICT,Office supplies,Northern Office Supplies Ltd,26/05/2026,KMBC100341,Toner,TBC",
            "Children's Services,Home to School Transport,Transport hire,Huyton Comunity Transport Ltd,27/05/2026,"
            'KMBC100355,Minibus hire May,"4,150.00"',
            ',,,Total,,,,"56,160.50"',
        ]
    )
    + "\r\n"
).encode("cp1252")

# What each supplier was paid (pence), and the sums the pages should show.
BAKERY = 2_730_00 + 1_365_00  # matched by its exact name: local, a CIC, in one of the most deprived areas
TRANSPORT = 4_150_00 + 4_150_00  # a near name the officer confirms: local, a company limited by guarantee
GROUNDS = 12_480_00 + 9_360_00 - 1_250_00  # placed by the officer in Liverpool: the wider area
TAX = 18_000_00  # left out of the measure by the officer
REDACTED = 3_200_00  # left out by itself
OFFICE = 1_975_50  # never attributed: not known
TOTAL = BAKERY + TRANSPORT + GROUNDS + TAX + REDACTED + OFFICE
MEASURED = TOTAL - TAX - REDACTED
LOCAL = BAKERY + TRANSPORT
# April and May apart, for the comparison of the two months.
APRIL_LOCAL, APRIL_MEASURED = 2_730_00 + 4_150_00, 2_730_00 + 4_150_00 + 12_480_00 + 1_975_50
MAY_LOCAL, MAY_MEASURED = 1_365_00 + 4_150_00, 9_360_00 + 1_365_00 - 1_250_00 + 4_150_00

#: The journey itself runs on a desktop (the header's navigation is a menu button at 320 px); each page it checks is
#: looked at in the widths this run looks at (browser_widths).
JOURNEY_WIDTH = 1280


@dataclass(frozen=True)
class People:
    officer: str
    commissioner: str


@pytest.fixture
def people(app: Flask) -> Iterator[People]:
    """Knowsley (from the reference data) with local organisations on the register, one officer, one commissioner."""
    with app.app_context():
        load_reference_data(
            db.session,
            ROOT / "seed_data",
            Actor.system("test"),
            postcode_files=POSTCODE_SAMPLE,
            deprivation_files=DEPRIVATION_SAMPLE,
        )
        council = db.session.scalar(select(Council).where(Council.name == "Knowsley Council"))
        assert council is not None
        services = {s.slug: s for s in db.session.scalars(select(ServiceCategory))}
        # In Knowsley 006A, among the 10% most deprived areas of England (IMD 2019 decile 1).
        bakery = factories.provider(
            db.session, "Page Moss Community Bakery CIC", legal_form=LegalForm.CIC, postcode="L28 1RG"
        )
        bakery.services.append(services["food-catering-and-community-cafes"])
        transport = factories.provider(db.session, "Huyton Community Transport Ltd", legal_form=LegalForm.CLG)
        transport.services.append(services["transport-and-community-transport"])
        gardeners = factories.provider(
            db.session, "Stockbridge Village Gardening Co-operative", legal_form=LegalForm.COOPERATIVE
        )
        gardeners.services.append(services["grounds-maintenance-and-gardening"])
        # Offers the same service, but is not verified yet: the leakage view does not name it.
        waiting = factories.provider(
            db.session, "Tower Hill Landscapes CIC", legal_form=LegalForm.CIC, status=ProviderStatus.SUBMITTED
        )
        waiting.services.append(services["grounds-maintenance-and-gardening"])
        officer = factories.user(db.session, Role.OFFICER, email="officer@knowsley.example", council=council)
        commissioner = factories.user(
            db.session, Role.COMMISSIONER, email="commissioner@knowsley.example", council=council
        )
        db.session.commit()
        found = People(officer.email, commissioner.email)
    # The import runs as a background job, as a large file's would, so the progress bar is seen.
    saved = {key: app.config[key] for key in ("JOB_RUNNER", "IMPORT_INLINE_MAX_BYTES")}
    app.config.update(JOB_RUNNER="thread", IMPORT_INLINE_MAX_BYTES=0)
    yield found
    app.config.update(saved)


def check(page: Page, shot: str | None = None) -> None:
    """axe-core finds nothing and nothing scrolls sideways, on a desktop and at 320 CSS px (those this run looks at).
    With JOURNEY_SCREENSHOTS naming a folder, the pages ``shot`` names are photographed there too
    (journey_<shot>_<width>_<part>.png)."""
    for width in browser_widths():
        page.set_viewport_size({"width": width, "height": 900})
        violations = axe_violations(page)
        assert violations == [], f"{page.url} at {width} px: {violations}"
        if shot and SHOTS:
            screenshots(page, SHOTS / f"journey_{shot}_{width}")
    page.set_viewport_size({"width": JOURNEY_WIDTH, "height": 900})


def screenshots(page: Page, stem: Path) -> None:
    """The whole page in parts about a screen high, to be read at their real size."""
    width = page.viewport_size["width"] if page.viewport_size else JOURNEY_WIDTH
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    step = 1000 if width < 600 else 1400
    for part, top in enumerate(range(0, height, step), start=1):
        clip = {"x": 0, "y": top, "width": width, "height": min(step, height - top)}
        page.screenshot(path=f"{stem}_{part}.png", full_page=True, clip=clip)


def table(page: Page, caption_id: str) -> Locator:
    """The table whose caption has ``caption_id`` (the id a page's scrolling table is named by)."""
    return page.locator(f"table:has(> caption#{caption_id})")


def money(text: str) -> int:
    """'£2,730.00' or '-£1,250' as pence."""
    match = re.search(r"(-?)£([\d,]+)(?:\.(\d\d))?", text)
    assert match, text
    sign, pounds, pence = match.groups()
    value = int(pounds.replace(",", "")) * 100 + int(pence or 0)
    return -value if sign else value


def share(part: int, whole: int) -> str:
    return percent_text(Fraction(part, whole))


def download(page: Page, link_name: str | re.Pattern[str]) -> list[list[str]]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The import job waits until the gate opens, so its progress can be seen while it runs. A test that ends before
    opening it leaves the job to end without importing (the tables are emptied under it)."""
    opened = threading.Event()
    ended = threading.Event()
    perform = spend_jobs.perform

    def gated(batch_id: int, actor_id: int | None, actor_label: str) -> None:
        opened.wait(30)
        if not ended.is_set():
            perform(batch_id, actor_id, actor_label)

    monkeypatch.setattr(spend_jobs, "perform", gated)
    yield opened
    if not opened.is_set():
        ended.set()
        opened.set()


def test_an_officer_measures_where_the_money_goes_and_a_commissioner_reads_it(
    page: Page, live_server: str, people: People, gate: threading.Event, tmp_path: Path
) -> None:
    # --- No spend yet: the report says so and shows the officer where to upload -------------------------------------
    sign_in(page, live_server, people.officer)
    page.get_by_role("link", name="Spending", exact=True).click()
    expect(page.get_by_text("has no spend files imported yet")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Upload a spend file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spending files")
    check(page)

    # --- Upload, and the columns found by their headings --------------------------------------------------------------
    spend_file = tmp_path / "knowsley-payments-over-500-apr-may-2026.csv"
    spend_file.write_bytes(SPEND_FILE)
    page.get_by_label("Upload a spending file").set_input_files(str(spend_file))
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check which column holds what")
    expect(page.get_by_text("In row 2: 8 columns")).to_be_visible()  # the title line above the headings is skipped
    for label, column in (
        ("Supplier's name", "Supplier Name (column 4)"),
        ("Amount", "Amount (£) (column 8)"),
        ("Date paid", "Payment Date (column 5)"),
        ("Department (optional)", "Department (column 1)"),
        ("Service area (optional)", "Service Area (column 2)"),
        ("Transaction number (optional)", "Transaction No (column 6)"),
    ):
        chosen = page.get_by_label(label, exact=True).locator("option:checked")
        expect(chosen).to_have_text(column)
    check(page, "columns")

    # --- Import: a job with a progress bar, then what it found --------------------------------------------------------
    page.get_by_role("button", name="Import the payments").click()
    bar = page.get_by_role("progressbar", name="Importing the payments")
    expect(bar).to_be_visible()
    expect(page.locator("[data-app-import-progress-announce]")).to_have_attribute("aria-live", "polite")
    check(page, "importing")
    gate.set()
    expect(page.locator("#rows-sentence")).to_have_text("11 rows read: 10 payments and 1 rejected.", timeout=30_000)
    expect(page.get_by_text("is imported: 10 payments and 1 rejected row")).to_be_visible()
    expect(page.locator("#total-check")).to_contain_text(
        f"The file\u2019s total row (row 14) says {format_pence(TOTAL, always_show_pence=True)}, equal to the sum "
        "of the payments"
    )
    expect(page.get_by_text("1 payment is a credit")).to_be_visible()
    rejected = table(page, "rejected-table").locator("tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected.locator("td")).to_have_text(["12", "Amount (£)", "TBC", re.compile(r"TBC")])
    check(page, "imported")

    # --- Attribute the suppliers paid the most ------------------------------------------------------------------------
    page.get_by_role("link", name="attribute them").click()
    attributed = page.locator("#attributed")
    before = BAKERY + REDACTED  # the exact name and the redacted payee attribute themselves
    expect(attributed).to_have_text(f"{share(before, TOTAL)} of {short_money(TOTAL)} attributed")
    names = table(page, "queue-table").locator("tbody tr td:first-child a")
    expect(names).to_have_text(
        [
            "Mersey Grounds Maintenance Ltd",
            "HM Revenue & Customs",
            "Huyton Comunity Transport Ltd",
            "Northern Office Supplies Ltd",
        ]
    )
    expect(page.get_by_text("Possible match: Huyton Community Transport Ltd")).to_be_visible()
    check(page, "queue")

    page.get_by_role("button", name="Confirm Huyton Comunity Transport Ltd is Huyton Community Transport Ltd").click()
    expect(
        page.get_by_text("Huyton Comunity Transport Ltd is linked to the organisation on the register")
    ).to_be_visible()
    expect(attributed).to_have_text(f"{share(before + TRANSPORT, TOTAL)} of {short_money(TOTAL)} attributed")

    page.get_by_role("link", name="Mersey Grounds Maintenance Ltd").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mersey Grounds Maintenance Ltd")
    check(page, "supplier")
    page.get_by_label("Postcode").fill("L1 8JQ")  # Liverpool: in the city region, not in Knowsley
    page.get_by_label("Its registered office").check()
    page.get_by_role("button", name="Save the postcode").click()
    expect(page.get_by_text("Mersey Grounds Maintenance Ltd is placed at L1 8JQ")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Wider area")
    check(page)
    page.get_by_role("link", name="Back to the suppliers").click()

    page.get_by_role("link", name="HM Revenue & Customs").click()
    expect(page.get_by_text("Its name suggests it may be tax or duty")).to_be_visible()
    expect(page.get_by_label("Tax or duty")).to_be_checked()  # the suggestion, for the officer to confirm
    page.get_by_role("button", name="Leave it out of the measure").click()
    expect(page.get_by_text("HM Revenue & Customs is left out of the measure: tax or duty")).to_be_visible()
    page.get_by_role("link", name="Back to the suppliers").click()

    after = before + TRANSPORT + GROUNDS + TAX
    expect(attributed).to_have_text(f"{share(after, TOTAL)} of {short_money(TOTAL)} attributed")
    expect(names).to_have_text(["Northern Office Supplies Ltd"])
    check(page)

    # --- The report: headline figures, share charts with their tables -------------------------------------------------
    page.get_by_role("link", name="Spending", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where the money goes: 2026-27")
    figures = page.locator(".app-headline-figure")
    expect(figures.nth(0)).to_contain_text(short_money(TOTAL))
    expect(figures.nth(0)).to_contain_text(f"paid in 10 payments ({format_pence(TOTAL)})")
    expect(figures.nth(1)).to_contain_text(short_money(MEASURED))
    expect(figures.nth(2)).to_contain_text(share(LOCAL, MEASURED))
    expect(figures.nth(3)).to_contain_text(share(after, TOTAL))
    places_chart = page.locator("#chart-places svg[role=img]")
    expect(places_chart).to_have_accessible_name(re.compile("Where the money went"))
    expect(places_chart.locator("desc")).to_contain_text("Wider area")
    for chart in ("chart-places", "chart-kinds", "chart-categories", "chart-months"):
        svg = page.locator(f"#{chart} > svg")
        expect(svg).to_have_attribute("role", "img")
        assert (svg.locator("title").text_content() or "").strip(), chart
        assert (svg.locator("desc").text_content() or "").strip(), chart
    places = table(page, "places-table")
    expect(places.get_by_role("row", name=re.compile("^Wider area"))).to_contain_text(format_pence(GROUNDS))
    expect(places.get_by_role("row", name=re.compile("^All local"))).to_contain_text(format_pence(LOCAL))
    expect(places.get_by_role("row", name=re.compile("^Not known"))).to_contain_text(format_pence(OFFICE))
    expect(page.locator("#not-a-supplier")).to_contain_text(format_pence(TAX + REDACTED))
    kinds = table(page, "kinds-table")
    expect(kinds.get_by_role("row", name=re.compile("^Social economy"))).to_contain_text(format_pence(LOCAL))
    deprived = kinds.get_by_role("row", name=re.compile("^Suppliers in the 10% most deprived areas"))
    expect(deprived).to_contain_text(format_pence(BAKERY))
    expect(deprived).to_contain_text(share(BAKERY, MEASURED))
    expect(table(page, "categories-table")).to_contain_text("Parks and Green Spaces")
    expect(page.locator("#method-note")).not_to_be_empty()
    check(page, "report")

    # --- A figure's link: the payments behind it add up to it ---------------------------------------------------------
    page.get_by_role("link", name=re.compile("local: the payments")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments behind a figure")
    expect(page.locator(".govuk-summary-list")).to_contain_text(f"{format_pence(LOCAL)} in 4 payments")
    amounts = table(page, "payments-table").locator("tbody td[data-label=Amount]").all_inner_texts()
    assert len(amounts) == 4 and sum(money(a) for a in amounts) == LOCAL, amounts
    check(page, "payments")
    page.get_by_role("link", name="Back to the report").click()

    # --- Two months side by side --------------------------------------------------------------------------------------
    page.get_by_text("Choose another period").click()
    page.get_by_role("combobox", name="Month", exact=True).select_option(label="May 2026")
    page.get_by_role("button", name="Show the report for the month").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where the money goes: May 2026")
    page.get_by_role("link", name="Compare with April 2026").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare two periods: April 2026 and May 2026")
    local_row = table(page, "compare-table").locator("tr", has=page.locator("th", has_text=re.compile("^Local$")))
    april, may = Fraction(APRIL_LOCAL, APRIL_MEASURED), Fraction(MAY_LOCAL, MAY_MEASURED)
    expect(local_row.locator("td")).to_contain_text(
        [percent_text(april), percent_text(may), re.compile(points_text((may - april) * 100))]
    )
    expect(page.locator("#chart-compare > svg")).to_have_attribute("role", "img")
    check(page, "compare")

    # --- Leakage: match the category to the register's service, then the local providers who offer it ----------------
    page.goto(f"{live_server}/spend/leakage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Where local providers could win the spend: 2026-27")
    parks = page.locator("section.govuk-summary-card", has_text="Parks and Green Spaces")
    expect(parks).to_contain_text(format_pence(GROUNDS))
    check(page)
    parks.get_by_role("link", name="Match Parks and Green Spaces to the register's services").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Match spending categories to the register\u2019s services"
    )
    check(page, "categories")
    # No possible match is offered for it (its words are not close enough to the service's), so the officer chooses.
    category = page.locator("li.app-result", has=page.get_by_role("heading", name="Parks and Green Spaces"))
    expect(category).not_to_contain_text("Possible matches")
    category.get_by_label(re.compile("The service it bought")).select_option(label="Grounds maintenance and gardening")
    category.get_by_role("button", name="Match", exact=True).click()
    expect(page.get_by_text("'Parks and Green Spaces' is matched to Grounds maintenance and gardening")).to_be_visible()
    page.get_by_role("link", name="leakage view").click()
    parks = page.locator("section.govuk-summary-card", has_text="Parks and Green Spaces")
    expect(parks.get_by_role("link", name="Stockbridge Village Gardening Co-operative")).to_be_visible()
    expect(parks).to_contain_text("Social enterprise")
    expect(parks).not_to_contain_text("Tower Hill Landscapes CIC")  # not verified
    check(page, "leakage")

    # --- Downloads: the method note first, the figures, every cell safe for a spreadsheet -----------------------------
    page.get_by_role("link", name="Back to the report").click()
    report_rows = download(page, re.compile(r"^The report in 2026-27 \(CSV\)"))
    assert report_rows[0] == ["Spend report", "Knowsley Council"]
    assert report_rows[3][0] == "Summary" and report_rows[3][1]
    assert any(row[:1] == ["Method note"] and row[1] for row in report_rows[4:])
    header = report_rows.index(next(r for r in report_rows if r and r[0] == "Section"))
    preamble = ("Period", "From", "Summary", "Coverage", "Method note", "Spend report")
    assert all(row[0] in preamble for row in report_rows[:header] if row)
    figures_by_name = {(row[0], row[1]): row for row in report_rows[header + 1 :]}
    assert Decimal(figures_by_name[("Totals", "All payments")][2]) == Decimal(TOTAL) / 100

    payment_rows = download(page, re.compile(r"^Every payment in 2026-27, classified \(CSV\)"))
    assert payment_rows[0] == ["Payments", "Knowsley Council"]
    start = payment_rows.index(next(r for r in payment_rows if r and r[0] == "Date paid"))
    assert any(row[:1] == ["Method note"] and row[1] for row in payment_rows[:start])
    columns, lines = payment_rows[start], payment_rows[start + 1 :]
    amount = columns.index("Amount (£)")
    assert len(lines) == 10 and sum(Decimal(line[amount]) for line in lines) == Decimal(TOTAL) / 100
    assert "-1250.00" in [line[amount] for line in lines]  # a credit stays a number
    descriptions = [line[columns.index("Description")] for line in lines]
    assert '\'=HYPERLINK("http://example.com","Invoice 4471")' in descriptions  # never run as a formula
    assert not any(cell[:1] in "=+@" for line in payment_rows for cell in line if cell)

    # --- A commissioner of the same council reads the report, not the officers' pages ---------------------------------
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, people.commissioner)
    page.get_by_role("link", name="Spending", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where the money goes: 2026-27")
    expect(page.locator(".app-headline-figure").nth(2)).to_contain_text(share(LOCAL, MEASURED))
    expect(page.get_by_role("link", name="Attribute the largest suppliers")).to_have_count(0)
    expect(page.get_by_role("link", name="Spend files")).to_have_count(0)
    check(page, "commissioner")
    for path in ("/officer/spend", "/officer/spend/suppliers", "/officer/spend/categories"):
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 403, path
