"""An officer imports suppliers from a CSV file: uploads it, confirms the columns, watches the check run (the
progress page updates itself), reviews the problems, imports, downloads the rejected rows and undoes the batch.
axe-core checks each page."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.domain.roles import Role
from app.extensions import db
from app.jobs import imports as jobs
from app.models import Council, Provider
from app.services.audit import Actor
from app.services.seed import load_reference_data
from tests import factories
from tests.browser.conftest import axe_violations
from tests.samples import DEPRIVATION_SAMPLE

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "tests/fixtures/postcodes_sample.csv.gz", ROOT / "tests/fixtures/postcodes_sample_wards.csv.gz")
SUPPLIERS = (
    b"name,legal form,registration number,address,postcode,email,website,services\n"
    b"Page Moss Community Bakery CIC,Community interest company,12345678,1 High Street,L36 9GD,"
    b"hello@bakery.example,https://bakery.example,Food\n"
    b"Knowsley Green Spaces Co-operative,Co-operative society,,2 Park Road,L36 9GD,not-an-email,,\n"
    b',Charity,,3 Nowhere Lane,L35 2BB,,"=HYPERLINK(""http://x"")",\n'
    b"Huyton Care Collective,Company limited by guarantee,,4 Derby Road,L36 9GD,,,\n"
)


@pytest.fixture
def officer_email(app: Flask) -> Iterator[str]:
    with app.app_context():
        load_reference_data(
            db.session,
            ROOT / "seed_data",
            Actor.system("test"),
            postcode_files=SAMPLE,
            deprivation_files=DEPRIVATION_SAMPLE,
        )
        council = db.session.scalar(select(Council))
        user = factories.user(db.session, Role.OFFICER, email="officer@knowsley.example", council=council)
        db.session.commit()
        email = user.email
    # Run the check and the import as background jobs, as a large file would, so the progress page is exercised.
    saved = {key: app.config[key] for key in ("JOB_RUNNER", "IMPORT_INLINE_MAX_BYTES")}
    app.config.update(JOB_RUNNER="thread", IMPORT_INLINE_MAX_BYTES=0)
    yield email
    app.config.update(saved)


def accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def providers(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Provider)) or 0)


def test_an_officer_imports_a_file_reviews_it_downloads_the_rejects_and_undoes_it(
    page: Page, live_server: str, officer_email: str, app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The import waits at a gate, so the page can be seen while it runs (the check runs straight through).
    gate = threading.Event()
    perform = jobs.perform

    def gated(batch_id: int, step: str, actor_id: int | None, actor_label: str) -> None:
        if step == jobs.COMMIT:
            gate.wait(30)
        perform(batch_id, step, actor_id, actor_label)

    monkeypatch.setattr(jobs, "perform", gated)

    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(officer_email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Import suppliers from a spreadsheet").click()
    accessible(page)

    supplier_file = tmp_path / "knowsley-cvs-suppliers.csv"
    supplier_file.write_bytes(SUPPLIERS)
    page.get_by_label("Upload a file").set_input_files(str(supplier_file))
    page.get_by_label("Where is this list from? (optional)").fill("Knowsley CVS members")
    page.get_by_role("button", name="Upload and continue").click()

    # The columns, matched by heading, for the officer to confirm.
    expect(page.get_by_role("heading", level=1)).to_contain_text("column")
    expect(page.get_by_label("Name", exact=True)).to_have_value("name")
    expect(page.get_by_label("Postcode", exact=True)).to_have_value("postcode")
    accessible(page)
    page.get_by_role("button", name="Check the file").click()

    # The check runs as a job; the page follows it without reloading by hand, then shows the preview.
    expect(page.get_by_role("button", name="Import 3 organisations")).to_be_visible(timeout=30_000)
    expect(
        page.get_by_text("New + update + unchanged + possible match + rejected = 4 rows in the file.")
    ).to_be_visible()
    expect(page.get_by_text("The name is missing")).to_be_visible()
    expect(page.get_by_text("'not-an-email' is not an email address, so it was left out")).to_be_visible()
    # The formula-like cell is warned about before importing (issue 11, finding 21).
    expect(page.get_by_text("which a spreadsheet may run as a formula", exact=False).first).to_be_visible()
    accessible(page)
    assert providers(app) == 0  # the check wrote nothing

    page.get_by_role("button", name="Import 3 organisations").click()
    # While the import runs: a progress bar named by its heading, the figures in words, and an address that does
    # not claim it has finished (issue 11, finding 22).
    bar = page.get_by_role("progressbar", name="Importing the file")
    expect(bar).to_be_visible(timeout=30_000)
    expect(bar).to_have_attribute("max", "100")
    expect(page.locator("#progress-words")).to_contain_text("rows imported")
    expect(page.locator("[data-app-import-progress-announce]")).to_have_attribute("aria-live", "polite")
    assert "finished" not in page.url
    assert page.evaluate("getComputedStyle(document.querySelector('progress.app-progress')).display") == "block"
    accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 800})
    gate.set()
    # Then the page follows it to the end, says what it did, naming the batch, and shows the counts.
    expect(page.get_by_text("is finished. 3 new organisations added and 1 row rejected.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Created + updated + unchanged + rejected = 4 rows in the file.")).to_be_visible()
    accessible(page)
    assert providers(app) == 3

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download rejected rows to fix and re-import").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == [
        "name",
        "legal form",
        "registration number",
        "address",
        "postcode",
        "email",
        "website",
        "services",
        "problem",
    ]
    assert len(rows) == 2 and rows[1][3] == "3 Nowhere Lane" and "The name is missing" in rows[1][-1]
    assert rows[1][6].startswith("'=")  # the formula is neutralised in the export

    page.get_by_role("button", name="Undo this import").or_(page.get_by_role("link", name="Undo this import")).click()
    expect(page.get_by_text("Are you sure you want to undo this import?")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Undo this import").click()
    expect(page.get_by_text("The import is undone: 3 removed and 0 restored")).to_be_visible()
    accessible(page)
    assert providers(app) == 0
