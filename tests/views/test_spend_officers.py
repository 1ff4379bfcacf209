"""Officers' spend pages: upload a council's published payments file, confirm its columns, import it (inline in
tests), read the counts that add up and the total row check, page through and download the rejected rows, undo it;
attribute the suppliers paid; and every way an upload or a choice can be refused (a message in the error summary,
never a 500). Another council's files and suppliers are not found; only officers and admins may enter."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.domain.policy import LocalAreaDefinition
from app.domain.roles import Role
from app.domain.spend.classification import Exclusion, PlaceBasis, Resolution, SpendPlace
from app.domain.spend.lifecycle import SpendBatchStatus
from app.domain.spend.shares import short_money
from app.extensions import db
from app.jobs import spend as spend_jobs
from app.models import (
    AuditEvent,
    Council,
    Payment,
    ServiceCategory,
    SpendBatch,
    SpendCategoryService,
    SpendRejection,
    SpendSupplier,
)
from tests import factories
from tests.conftest import AuthActions
from tests.spend_factories import payment, spend_batch, spend_supplier
from tests.views.conftest import ADMIN, ANON, COMMISSIONER, OFFICER, PROVIDER

HEADER = "Department Area,Service Area,Description,Line,HBC Ref No.,Name:  ,Payment Date,Amount Paid"
ENVS = "ENVS - Environmental Services,CAC - Parks & Cemeteries"
ROWS = [
    f'{ENVS},On call Charges ,1,CRINV0000848,James O Garnett Ltd,09/04/2024,"£1,680.00"',  # row 2
    f'{ENVS},2 Foxhill Bank,1,CRINV0000802,"Water Plus - 4035576019 - 2 Foxhill Bank, Osw",09/04/2024,£309.25',
    f"{ENVS},Baxenden - Bench and fixing kit,1,CRINV0000929,Ark Plastics Ltd,09/04/2024,£906.00",  # row 4
    "REGN - Regeneration & Housing,FAB - Facilities,Home Impr Advice Agency,1,CRINV0000936,"
    'Hyndburn Homewise Society Limited,10/04/2024,"£6,233.13"',  # row 5
    f"{ENVS},Credit note,1,CRINV0000950,Minster Cleaning Services,11/04/2024,(250.00)",  # row 6: a credit
    f"{ENVS},Oak Trent Urn,1,CRINV0000888,Luke Howgate & Son Ltd,not a date,£295.80",  # row 7: rejected (date)
    f"{ENVS},Service Agreement,1,CRINV0000895,Facultatieve Technologies,12/04/2024,=1+2",  # row 8: rejected (amount)
]
#: 1,680.00 + 309.25 + 906.00 + 6,233.13 - 250.00
PAYMENTS_PENCE = 887_838


def spend_file(rows: list[str] = ROWS, total: str | None = "£8,878.38") -> bytes:
    """A file laid out as Hyndburn publishes it: Windows-1252 (£ as one byte), CRLF, a total row at the end."""
    lines = [HEADER, *rows]
    if total is not None:
        lines.append(f',,,,,Total,,"{total}"')
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


MAPPING = {
    "column_supplier_name": "5",
    "column_amount": "7",
    "column_date": "6",
    "column_department": "0",
    "column_service_area": "1",
    "column_description": "2",
    "column_transaction_number": "4",
    "amount_basis": "not_said",
}


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def _squash(html: str) -> str:
    """The page's words with tags and runs of white space removed, to look for sentences (a line-break opportunity
    inside a word, ``<wbr>``, is no space)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html.replace("<wbr>", ""))).split())


def _error_summary_links(html: str) -> list[tuple[str, str]]:
    assert 'class="govuk-error-summary"' in html, "no error summary"
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return [
        (href, unescape(" ".join(text.split()))) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary)
    ]


def _selected(page: str, field: str) -> str | None:
    """The value selected in the column question for ``field``."""
    select = re.search(rf'<select[^>]* id="column_{field}" name="column_{field}"[^>]*>(.*?)</select>', page, re.S)
    assert select, field
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return chosen.group(1) if chosen else None


def _upload(client: FlaskClient, token: str, data: bytes | None, name: str = "spend-april-24.csv", **fields: str):
    form: dict[str, object] = {"csrf_token": token, **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post("/officer/spend", data=form, content_type="multipart/form-data")


def _batch_id(location: str) -> int:
    match = re.search(r"/officer/spend/(\d+)", location)
    assert match, location
    return int(match.group(1))


def _batch(batch_id: int) -> SpendBatch:
    db.session.expire_all()
    found = db.session.get(SpendBatch, batch_id)
    assert found is not None
    return found


def _count(model: type, *where: object) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _uploaded(client: FlaskClient, token: str, data: bytes, name: str = "spend-april-24.csv") -> int:
    uploaded = _upload(client, token, data, name)
    assert uploaded.status_code == 302, _text(uploaded)
    batch_id = _batch_id(uploaded.headers["Location"])
    assert uploaded.headers["Location"].endswith(f"/officer/spend/{batch_id}/columns")
    return batch_id


def _imported(client: FlaskClient, token: str, data: bytes, name: str = "spend-april-24.csv") -> int:
    """Upload ``data``, confirm its columns and import it (inline in tests); the batch id."""
    batch_id = _uploaded(client, token, data, name)
    confirmed = client.post(f"/officer/spend/{batch_id}/columns", data={"csrf_token": token, **MAPPING})
    assert confirmed.status_code == 302, _text(confirmed)
    assert f"/officer/spend/{batch_id}" in confirmed.headers["Location"]
    batch = _batch(batch_id)
    assert batch.status == SpendBatchStatus.IMPORTED, batch.error
    return batch_id


def _other_council(knowsley: factories.CouncilSetup) -> Council:
    council = Council(
        name="Liverpool City Council",
        district=knowsley.neighbour,
        local_area_definition=LocalAreaDefinition.OWN_AREA,
        wider_area=knowsley.wider,
    )
    db.session.add(council)
    db.session.flush()
    return council


# The whole journey ------------------------------------------------------------------------------------------------


def test_upload_columns_import_counts_and_undo(client: FlaskClient, officer_token: str) -> None:
    listing = client.get("/officer/spend")
    assert listing.status_code == 200
    page = _text(listing)
    assert 'enctype="multipart/form-data"' in page
    assert "No spending files yet." in page

    batch_id = _uploaded(client, officer_token, spend_file())
    assert _batch(batch_id).status == SpendBatchStatus.MAPPING

    # The columns: one select a field, preselected by heading, the file's first values beside them.
    columns = client.get(f"/officer/spend/{batch_id}/columns")
    assert columns.status_code == 200
    page = _text(columns)
    for field, index in (("supplier_name", 5), ("amount", 7), ("date", 6), ("department", 0)):
        assert _selected(page, field) == str(index)
    words = _squash(page)
    assert "Amount Paid (column 8)" in words
    assert "James O Garnett Ltd" in words  # a sample value
    assert "Supplier's name" in words and "Department (optional)" in words
    assert 'class="app-table-scroll"' in page

    confirmed = client.post(f"/officer/spend/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING})
    assert confirmed.status_code == 302
    batch = _batch(batch_id)
    assert batch.status == SpendBatchStatus.IMPORTED, batch.error
    counts = batch.counts
    assert (counts["rows"], counts["payments"], counts["rejected"]) == (7, 5, 2)
    assert counts["total_pence"] == PAYMENTS_PENCE
    assert _count(Payment, Payment.batch_id == batch_id) == 5

    # The batch page: the counts that add up, the total row check, the rejected rows with their cells.
    shown = client.get(confirmed.headers["Location"])
    assert shown.status_code == 200
    page = _text(shown)
    words = _squash(page)
    assert "is imported: 5 payments and 2 rejected rows" in words  # the flash
    assert "7 rows read: 5 payments and 2 rejected." in words
    assert "Payments add up to £8,878.38" in words
    assert "1 payment is a credit (negative amounts), -£250.00 in all" in words
    assert "The file\u2019s total row (row 9) says £8,878.38, equal to the sum of the payments." in words
    assert "The date cannot be read, or is far outside the file's period: 1 row" in words
    assert "The amount cannot be read: 1 row" in words
    assert re.search(r"7 Payment Date not a date .*?8 Amount Paid =1\+2 ", words), words
    assert 'class="app-table-scroll"' in page
    assert "<progress" not in page

    # The rejected rows download: every cell safe to open in a spreadsheet.
    download = client.get(f"/officer/spend/{batch_id}/rejected.csv", buffered=True)
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    body = download.get_data(as_text=True)
    assert body.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert table[0] == ["Row", "Why", "Column", "Cell", "Reason"]
    assert [row[0] for row in table[1:]] == ["7", "8"]
    assert table[2][3] == "'=1+2"  # a formula is text

    # The list shows it.
    listing = _squash(_text(client.get("/officer/spend")))
    assert "spend-april-24.csv" in listing and "Imported" in listing and "£8,878.38" in listing

    # Undo: a page to confirm, then the payments are gone.
    confirm = client.get(f"/officer/spend/{batch_id}/undo")
    assert confirm.status_code == 200
    words = _squash(_text(confirm))
    assert "Are you sure you want to undo this file?" in words
    assert "remove its 5 payments (£8,878.38)" in words
    undone = client.post(f"/officer/spend/{batch_id}/undo", data={"csrf_token": officer_token})
    assert undone.status_code == 302
    assert _batch(batch_id).status == SpendBatchStatus.UNDONE
    assert _count(Payment, Payment.batch_id == batch_id) == 0
    words = _squash(_text(client.get(f"/officer/spend/{batch_id}")))
    assert "its 5 payments no longer count in the report" in words
    assert "This file is undone" in words
    assert "Undo this file" not in words
    # The counts are kept as the import found them, said as history, and the rejected rows as removed (not as none).
    assert "What the import found before it was undone 7 rows read: 5 payments and 2 rejected." in words
    assert "Payments added up to £8,878.38" in words
    assert "The record of the 2 rows the import rejected was removed when the file was undone" in words
    assert "No row was rejected" not in words
    assert "Download the rejected rows" not in words
    listing = _squash(_text(client.get("/officer/spend")))
    assert "None count now: its 5 payments (£8,878.38) were removed when it was undone" in listing
    # Undoing twice is refused with a message, not an error.
    again = client.post(f"/officer/spend/{batch_id}/undo", data={"csrf_token": officer_token})
    assert again.status_code == 302
    assert "so it cannot be undone" in _squash(_text(client.get(again.headers["Location"])))
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "spend_batch")))
    assert {"spend.upload", "spend.mapping", "spend.import", "spend.undo"} <= actions


def test_a_difference_from_the_total_row_is_shown(client: FlaskClient, officer_token: str) -> None:
    batch_id = _imported(client, officer_token, spend_file(total="£9,000.00"))
    words = _squash(_text(client.get(f"/officer/spend/{batch_id}")))
    assert (
        "The file\u2019s total row (row 9) says £9,000.00; the payments add up to £8,878.38: a difference of £121.62."
    ) in words
    assert "Rows rejected because their amount or another cell could not be read may account for some of it" in words


def test_a_file_without_a_total_row_says_so(client: FlaskClient, officer_token: str) -> None:
    batch_id = _imported(client, officer_token, spend_file(total=None))
    assert "The file has no total row to compare the payments with." in _squash(
        _text(client.get(f"/officer/spend/{batch_id}"))
    )


def test_payments_already_imported_from_another_file_are_flagged_not_doubled(
    client: FlaskClient, officer_token: str
) -> None:
    _imported(client, officer_token, spend_file())
    may = [ROWS[0], f"{ENVS},New bench,1,CRINV0001001,Ark Plastics Ltd,02/05/2024,£120.00"]
    batch_id = _imported(client, officer_token, spend_file(may, total=None), "spend-may-24.csv")
    counts = _batch(batch_id).counts
    assert (counts["rows"], counts["payments"], counts["rejected"], counts["duplicates"]) == (2, 1, 1, 1)
    words = _squash(_text(client.get(f"/officer/spend/{batch_id}")))
    assert "2 rows read: 1 payment and 1 rejected (1 already imported from another file)." in words
    assert "Already imported from another file: 1 row" in words


def test_a_file_whose_payments_another_file_left_out_as_doubles_is_not_undone_until_that_one_is(
    client: FlaskClient, officer_token: str
) -> None:
    april_id = _imported(client, officer_token, spend_file())
    may = [ROWS[0], f"{ENVS},New bench,1,CRINV0001001,Ark Plastics Ltd,02/05/2024,£120.00"]
    may_id = _imported(client, officer_token, spend_file(may, total=None), "spend-may-24.csv")
    # The confirmation page names the later file and offers no undo button.
    words = _squash(_text(client.get(f"/officer/spend/{april_id}/undo")))
    assert "This file cannot be undone yet." in words
    assert "spend-may-24.csv : 1 payment left out as doubles of this file" in words  # text of the link, then its words
    assert "Undo this file" not in words
    # Posting anyway is refused, and nothing changes.
    response = client.post(f"/officer/spend/{april_id}/undo", data={"csrf_token": officer_token})
    assert response.status_code in (302, 303)
    assert _batch(april_id).status.value == "imported"
    # Undo the later file first: then this one may go.
    client.post(f"/officer/spend/{may_id}/undo", data={"csrf_token": officer_token})
    assert "This file cannot be undone yet." not in _squash(_text(client.get(f"/officer/spend/{april_id}/undo")))
    client.post(f"/officer/spend/{april_id}/undo", data={"csrf_token": officer_token})
    assert _batch(april_id).status.value == "undone"


SHARED_SPEND = Path(__file__).resolve().parents[3] / "shared" / "data" / "spend"


def _form_choices(page: str) -> dict[str, str]:
    """What a browser would post back from the columns page as it stands: each select's chosen value, each
    checked radio."""
    chosen = {}
    for name in re.findall(r'<select[^>]* name="(column_[a-z_]+)"', page):
        chosen[name] = _selected(page, name.removeprefix("column_")) or ""
    for name, value in re.findall(r'<input[^>]* name="([a-z_]+)" type="radio" value="([^"]*)" checked', page):
        chosen[name] = value
    return chosen


def test_a_real_published_month_accepted_as_guessed(client: FlaskClient, officer_token: str) -> None:
    path = SHARED_SPEND / "hyndburn_spend_over_250_April-24.csv"
    if not path.exists():
        pytest.skip("the shared spend files are not here")
    batch_id = _uploaded(client, officer_token, path.read_bytes(), path.name)
    page = _text(client.get(f"/officer/spend/{batch_id}/columns"))
    choices = _form_choices(page)
    assert choices["column_supplier_name"] and choices["column_amount"] and choices["column_date"]
    posted = client.post(f"/officer/spend/{batch_id}/columns", data={"csrf_token": officer_token, **choices})
    assert posted.status_code == 302
    batch = _batch(batch_id)
    assert batch.status == SpendBatchStatus.IMPORTED, batch.error
    counts = batch.counts
    assert counts["rows"] == counts["payments"] + counts["rejected"] == 428
    assert _count(Payment, Payment.batch_id == batch_id) == counts["payments"]
    words = _squash(_text(client.get(f"/officer/spend/{batch_id}")))
    sentence = f"{counts['rows']:,} rows read: {counts['payments']:,} payments and {counts['rejected']:,} rejected"
    assert sentence in words
    assert f"Payments made {batch.period_start.day} April 2024 to {batch.period_end.day} April 2024" in words
    assert "The file has no total row to compare the payments with." in words
    queue = _squash(_text(client.get("/officer/spend/suppliers")))
    assert "Water Plus" in queue  # its account references folded into one supplier


def test_a_file_with_no_headings_is_mapped_by_its_first_values(client: FlaskClient, officer_token: str) -> None:
    headless = ("\r\n".join(ROWS[:5]) + "\r\n").encode("cp1252")
    batch_id = _uploaded(client, officer_token, headless)
    page = _text(client.get(f"/officer/spend/{batch_id}/columns"))
    words = _squash(page)
    assert "The file has no row of headings: choose each column by its first values below" in words
    assert "With no headings to go by, no column is chosen for you" in words
    assert "by their headings" not in words
    assert '<option value="5">Column 6: James O Garnett Ltd</option>' in page
    posted = client.post(f"/officer/spend/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING})
    assert posted.status_code == 302
    counts = _batch(batch_id).counts
    assert (counts["rows"], counts["payments"], counts["rejected"]) == (5, 5, 0)


# Refusals ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (None, "spend.csv"),
        (b"", "spend.csv"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "photo.png"),
        (b"PK\x03\x04" + bytes(range(256)) * 4, "broken.xlsx"),
        (b"alpha,beta,gamma\r\n1,2,3\r\n", "spend.csv"),  # nothing to say which column is the supplier
    ],
    ids=["no file", "empty", "not a table", "corrupt workbook", "no columns to import"],
)
def test_an_upload_that_cannot_be_used_is_explained(
    client: FlaskClient, officer_token: str, data: bytes | None, name: str
) -> None:
    refused = _upload(client, officer_token, data, name)
    if refused.status_code == 302:
        # A file with no recognisable heading is read with numbered columns: the officer maps it, or the import
        # refuses what it cannot use at the columns question. Either way it is said, not a 500.
        batch_id = _batch_id(refused.headers["Location"])
        posted = client.post(f"/officer/spend/{batch_id}/columns", data={"csrf_token": officer_token})
        assert posted.status_code == 400
        assert _error_summary_links(_text(posted))
        return
    assert refused.status_code == 400
    page = _text(refused)
    assert "Traceback" not in page
    assert "<title>Error: " in page
    links = _error_summary_links(page)
    assert links and links[0][0] == "#file" and links[0][1]
    assert 'class="govuk-error-message"' in page
    assert _count(SpendBatch) == 0


def test_an_empty_or_foreign_file_gets_its_own_message(client: FlaskClient, officer_token: str) -> None:
    empty = _error_summary_links(_text(_upload(client, officer_token, b"")))
    binary = _error_summary_links(_text(_upload(client, officer_token, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)))
    assert empty[0][1] == "The selected file is empty"
    assert binary[0][1] and binary[0][1] != empty[0][1]


def test_random_bytes_named_as_a_workbook_are_said_to_be_a_workbook_that_cannot_be_read(
    client: FlaskClient, officer_token: str
) -> None:
    noise = bytes((n * 97 + 13) % 256 for n in range(4000))
    as_workbook = _error_summary_links(_text(_upload(client, officer_token, noise, "payments.xlsx")))
    assert as_workbook[0][0] == "#file"
    assert as_workbook[0][1].startswith("The file is named as an Excel workbook (.xlsx) but cannot be read as one")
    assert "Excel Workbook (.xlsx) or as 'CSV UTF-8'" in as_workbook[0][1]
    # Named as a CSV file, the same bytes are said not to be one.
    as_csv = _error_summary_links(_text(_upload(client, officer_token, noise, "payments.csv")))
    assert as_csv[0][1].startswith("The file is not a CSV file")
    assert _count(SpendBatch) == 0


def test_a_text_file_named_csv_is_refused_at_the_upload(client: FlaskClient, officer_token: str) -> None:
    letter = b"Dear colleague,\nplease find the payments attached.\nRegards,\nAlice\n"
    refused = _upload(client, officer_token, letter, "letter.csv")
    assert refused.status_code == 400
    links = _error_summary_links(_text(refused))
    assert links[0][0] == "#file"
    assert links[0][1].startswith(
        "The file was read as 1 column, with no row of headings, but a spending file needs a column each for "
        "the supplier's name, the amount and the date paid."
    )
    assert _count(SpendBatch) == 0
    # Refused, its copy is not kept: the same file, corrected, may be uploaded.
    assert _upload(client, officer_token, letter, "letter.csv").status_code == 400


def test_an_import_that_makes_no_payment_is_a_warning_not_a_success(client: FlaskClient, officer_token: str) -> None:
    bad = [row.replace("09/04/2024", "not a date").replace("10/04/2024", "no date") for row in ROWS[:2]]
    batch_id = _uploaded(client, officer_token, spend_file(bad, total=None))
    done = client.post(f"/officer/spend/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING})
    assert done.status_code == 302
    page = _text(client.get(done.headers["Location"]))
    words = _squash(page)
    assert "govuk-notification-banner--success" not in page
    assert "No payment from spend-april-24.csv was added: all 2 rows were rejected. The reasons are below" in words
    assert "No payment from this file counts: all 2 rows were rejected." in words
    assert "2 rows read: 0 payments and 2 rejected." in words


def test_a_file_all_already_imported_is_a_warning_not_a_success(client: FlaskClient, officer_token: str) -> None:
    first = _imported(client, officer_token, spend_file())
    client.get(f"/officer/spend/{first}")  # its own (successful) import's message is shown there
    again = spend_file(ROWS[:2], total=None)  # the same two payments, in another file
    batch_id = _uploaded(client, officer_token, again, "spend-april-24-again.csv")
    done = client.post(f"/officer/spend/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING})
    page = _text(client.get(done.headers["Location"]))
    words = _squash(page)
    assert "govuk-notification-banner--success" not in page
    assert (
        "No payment from spend-april-24-again.csv was added: all 2 rows are already imported from another file, "
        "and count once, from that file"
    ) in words
    assert "No payment from this file counts: all 2 rows are already imported from another file" in words
    # Undone, a file that added nothing says so.
    undone = client.post(f"/officer/spend/{batch_id}/undo", data={"csrf_token": officer_token})
    words = _squash(_text(client.get(undone.headers["Location"])))
    assert "it had no payments that counted, so the report is as it was" in words
    listing = _squash(_text(client.get("/officer/spend")))
    assert "No payments Undone: it had no payments that counted" in listing


def test_the_files_table_fits_a_desktop(client: FlaskClient, officer_token: str, knowsley) -> None:  # type: ignore[no-untyped-def]
    """Seven columns, and a long file name with no space may wrap (measured in a browser: 960 px at 1280)."""
    long_name = "knowsley_council_payments_over_500_april_2026_including_schools_v2_FINAL.csv"
    spend_batch(db.session, knowsley.council, file_name=long_name)
    db.session.commit()
    page = _text(client.get("/officer/spend"))
    table = page.split('id="spend-files-table"', 1)[1].split("</table>", 1)[0]
    headings = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table)
    assert headings == ["File", "Uploaded", "Status", "Payments made", "Payments", "Rejected", "Total"]
    assert "knowsley_<wbr>council_<wbr>payments_<wbr>" in table
    assert long_name in _squash(table)


def test_breakable_escapes_and_breaks_long_runs() -> None:
    from app.officers.spend_views import breakable

    assert str(breakable("a_b<c>.csv")) == "a_<wbr>b&lt;c&gt;.<wbr>csv"
    assert str(breakable("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) == "ABCDEFGHIJKLMNOP<wbr>QRSTUVWXYZ"
    assert str(breakable("two words")) == "two words"


def test_a_file_over_the_limit_gets_a_message(app: Flask, client: FlaskClient, officer_token: str) -> None:
    limit = app.config["IMPORT_MAX_BYTES"]
    app.config["IMPORT_MAX_BYTES"] = 100
    try:
        refused = _upload(client, officer_token, spend_file())
    finally:
        app.config["IMPORT_MAX_BYTES"] = limit
    assert refused.status_code == 400
    links = _error_summary_links(_text(refused))
    assert links[0][0] == "#file" and "The file must be smaller than" in links[0][1]
    assert _count(SpendBatch) == 0
    assert not list(Path(app.config["UPLOAD_FOLDER"]).glob("*.part"))


def test_the_same_file_again_is_refused_naming_the_first(client: FlaskClient, officer_token: str) -> None:
    first = _imported(client, officer_token, spend_file())
    refused = _upload(client, officer_token, spend_file(), "again.csv")
    assert refused.status_code == 400
    links = _error_summary_links(_text(refused))
    assert links[0][0] == "#file"
    assert "uploaded before" in links[0][1] and f"{first}" in links[0][1]
    assert _count(SpendBatch) == 1


def test_an_upload_dropped_can_be_uploaded_again(client: FlaskClient, officer_token: str) -> None:
    first = _uploaded(client, officer_token, spend_file())
    waiting = _upload(client, officer_token, spend_file())
    assert waiting.status_code == 400
    assert "waiting for its columns to be confirmed" in _error_summary_links(_text(waiting))[0][1]
    assert "Drop this upload" in _text(client.get(f"/officer/spend/{first}"))
    dropped = client.post(f"/officer/spend/{first}/drop", data={"csrf_token": officer_token})
    assert dropped.status_code == 302 and dropped.headers["Location"].endswith("/officer/spend")
    assert _batch(first).status == SpendBatchStatus.DROPPED
    assert "is dropped: nothing from it was imported" in _squash(_text(client.get("/officer/spend")))
    second = _uploaded(client, officer_token, spend_file())
    assert second != first


def test_columns_without_the_amount_are_refused_at_the_amount(client: FlaskClient, officer_token: str) -> None:
    batch_id = _uploaded(client, officer_token, spend_file())
    refused = client.post(
        f"/officer/spend/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING, "column_amount": ""}
    )
    assert refused.status_code == 400
    page = _text(refused)
    assert "<title>Error: " in page
    assert _error_summary_links(page) == [("#column_amount", "Select the column that holds the amount")]
    assert _batch(batch_id).status == SpendBatchStatus.MAPPING
    assert _count(Payment) == 0


def test_one_column_for_two_details_is_refused_at_the_second(client: FlaskClient, officer_token: str) -> None:
    batch_id = _uploaded(client, officer_token, spend_file())
    refused = client.post(
        f"/officer/spend/{batch_id}/columns",
        data={"csrf_token": officer_token, **MAPPING, "column_description": "5"},
    )
    assert refused.status_code == 400
    links = _error_summary_links(_text(refused))
    assert [href for href, _ in links] == ["#column_description"]
    assert "cannot be the same column" in links[0][1]


def test_a_column_the_file_does_not_have_is_refused(client: FlaskClient, officer_token: str) -> None:
    batch_id = _uploaded(client, officer_token, spend_file())
    refused = client.post(
        f"/officer/spend/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING, "column_amount": "99"}
    )
    assert refused.status_code == 400
    assert _error_summary_links(_text(refused))[0][0] == "#column_amount"


def test_the_publisher_keeps_its_columns_for_its_next_file(client: FlaskClient, officer_token: str) -> None:
    first = _uploaded(client, officer_token, spend_file())
    # The officer moves the description to another column; the next file of the same layout maps itself so.
    chosen = {**MAPPING, "column_description": "", "column_expense_type": "2"}
    assert (
        client.post(f"/officer/spend/{first}/columns", data={"csrf_token": officer_token, **chosen}).status_code == 302
    )
    second = _uploaded(client, officer_token, spend_file(ROWS[:2], total=None), "may.csv")
    page = _text(client.get(f"/officer/spend/{second}/columns"))
    assert _selected(page, "expense_type") == "2"
    assert _selected(page, "description") == ""


def test_a_file_no_longer_kept_fails_with_a_way_to_try_again(
    app: Flask, client: FlaskClient, officer_token: str
) -> None:
    batch_id = _uploaded(client, officer_token, spend_file())
    stored = _batch(batch_id).stored_file
    assert stored
    (Path(app.config["UPLOAD_FOLDER"]) / stored).unlink()
    posted = client.post(f"/officer/spend/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING})
    assert posted.status_code == 302
    assert _batch(batch_id).status == SpendBatchStatus.FAILED
    page = _text(client.get(posted.headers["Location"]))
    words = _squash(page)
    assert "The import did not finish" in words and "no longer kept" in words
    assert "Try again" in words and "Check the columns again" in words
    # Trying again without the file fails the same way, saying so (never a 500).
    retried = client.post(f"/officer/spend/{batch_id}/import", data={"csrf_token": officer_token})
    assert retried.status_code == 302
    assert _batch(batch_id).status == SpendBatchStatus.FAILED


def test_a_post_without_its_token_is_refused(client: FlaskClient, officer_token: str) -> None:
    batch_id = _uploaded(client, officer_token, spend_file())
    refused = client.post(f"/officer/spend/{batch_id}/columns", data=MAPPING)
    assert refused.status_code == 400
    assert _batch(batch_id).status == SpendBatchStatus.MAPPING


def _workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_of_several_sheets_asks_which(client: FlaskClient, officer_token: str) -> None:
    pytest.importorskip("app.tabular.workbook")
    data = _workbook(
        {
            "Notes": [["These are the council's payments over £500"]],
            "Payments": [
                ["Supplier Name", "Payment Date", "Amount"],
                ["Ark Plastics Ltd", "2024-04-09", 906],
                ["James O Garnett Ltd", "2024-04-10", 1680.5],
            ],
        }
    )
    uploaded = _upload(client, officer_token, data, "spend.xlsx")
    assert uploaded.status_code == 302
    assert uploaded.headers["Location"].endswith("/officer/spend/sheet")
    assert _count(SpendBatch) == 0
    page = _text(client.get("/officer/spend/sheet"))
    assert "Which sheet holds the payments?" in page
    assert 'value="Notes"' in page and 'value="Payments"' in page

    nothing = client.post("/officer/spend/sheet", data={"csrf_token": officer_token})
    assert nothing.status_code == 400
    assert _error_summary_links(_text(nothing)) == [("#sheet", "Select the sheet that holds the payments")]

    chosen = client.post("/officer/spend/sheet", data={"csrf_token": officer_token, "sheet": "Payments"})
    assert chosen.status_code == 302
    batch_id = _batch_id(chosen.headers["Location"])
    assert chosen.headers["Location"].endswith(f"/officer/spend/{batch_id}/columns")
    batch = _batch(batch_id)
    assert batch.sheet == "Payments"
    words = _squash(_text(client.get(f"/officer/spend/{batch_id}/columns")))
    assert "Sheet Payments" in words and "Ark Plastics Ltd" in words
    # Nothing waits any more: the page says to upload again.
    gone = client.get("/officer/spend/sheet")
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/officer/spend")


# Progress ---------------------------------------------------------------------------------------------------------


def test_the_batch_page_shows_the_import_progressing(
    client: FlaskClient, officer_token: str, knowsley: factories.CouncilSetup
) -> None:
    batch = spend_batch(db.session, knowsley.council, status=SpendBatchStatus.IMPORTING)
    batch.job_id = "rq:not-a-thread"  # a job run elsewhere: not taken for lost
    db.session.commit()
    spend_jobs.progress_store.set(batch.id, {"rows": 5000, "total": 20000, "fraction": 0.25, "at": 1.0})
    try:
        page = _text(client.get(f"/officer/spend/{batch.id}"))
        assert '<progress class="app-progress" max="100" value="25"' in page
        assert 'role="status" aria-live="polite"' in page
        assert "5,000 rows read of about 20,000 (25%)" in _squash(page)
        assert 'src="/static/app/import-progress.js"' in page
        assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
        progress = client.get(f"/officer/spend/{batch.id}/progress.json").get_json()
        assert progress["running"] is True and progress["percent"] == 25
        assert progress["words"] == "5,000 rows read of about 20,000 (25%)"
    finally:
        spend_jobs.progress_store.clear(batch.id)


# Rejected rows, a page at a time ----------------------------------------------------------------------------------


def test_rejected_rows_are_paginated_and_filtered(
    client: FlaskClient, officer_token: str, knowsley: factories.CouncilSetup
) -> None:
    batch = spend_batch(db.session, knowsley.council)
    batch.counts = {"rows": 120, "payments": 0, "rejected": 120}
    for row in range(2, 122):
        code = "amount" if row % 2 else "date"
        db.session.add(
            SpendRejection(batch_id=batch.id, row_number=row, code=code, column="Amount", cell=f"x{row}", reason="Bad")
        )
    db.session.commit()
    first = _text(client.get(f"/officer/spend/{batch.id}"))
    assert "120 rows read: 0 payments and 120 rejected." in _squash(first)
    assert "govuk-pagination" in first
    assert f'href="/officer/spend/{batch.id}?page=3#rejected"' in first
    assert ">x2<" in first and ">x52<" not in first
    third = _text(client.get(f"/officer/spend/{batch.id}?page=3"))
    assert ">x121<" in third and ">x2<" not in third
    only_dates = _text(client.get(f"/officer/spend/{batch.id}?why=date"))
    assert ">x3<" not in only_dates and ">x4<" in only_dates
    assert "Show every rejected row" in only_dates
    # A page past the last shows the last; rubbish shows the first.
    assert client.get(f"/officer/spend/{batch.id}?page=999").status_code == 200
    assert client.get(f"/officer/spend/{batch.id}?page=abc").status_code == 200


# Attributing suppliers --------------------------------------------------------------------------------------------


@pytest.fixture
def paid(knowsley: factories.CouncilSetup) -> dict[str, SpendSupplier]:
    """Three suppliers of Knowsley's imported spend, not yet attributed, the most paid first."""
    batch = spend_batch(db.session, knowsley.council, file_name="spend-2026-04.csv")
    found = {
        "gardens": spend_supplier(db.session, knowsley.council, "Page Moss Gardens"),
        "hmrc": spend_supplier(db.session, knowsley.council, "HM Revenue & Customs"),
        "cafe": spend_supplier(db.session, knowsley.council, "Prescot Cafe"),
    }
    payment(db.session, batch, found["gardens"], 900_000_00, date(2026, 4, 3))
    payment(db.session, batch, found["hmrc"], 50_000_00, date(2026, 4, 4))
    payment(db.session, batch, found["cafe"], 1_250_00, date(2026, 4, 5))
    db.session.commit()
    return found


def _supplier(supplier_id: int) -> SpendSupplier:
    db.session.expire_all()
    found = db.session.get(SpendSupplier, supplier_id)
    assert found is not None
    return found


def test_the_queue_is_ordered_by_spend_and_says_what_is_attributed(
    client: FlaskClient, officer_token: str, paid: dict[str, SpendSupplier]
) -> None:
    page = _text(client.get("/officer/spend/suppliers"))
    words = _squash(page)
    assert f"0.0% of {short_money(951_250_00)} attributed" in words
    assert words.index("Page Moss Gardens") < words.index("HM Revenue & Customs") < words.index("Prescot Cafe")
    assert "£900,000" in words
    assert 'class="app-table-scroll"' in page


def test_a_postcode_not_in_the_directory_is_refused_at_the_postcode(
    client: FlaskClient, officer_token: str, paid: dict[str, SpendSupplier], postcode_directory: None
) -> None:
    cafe = paid["cafe"]
    refused = client.post(
        f"/officer/spend/suppliers/{cafe.id}/place",
        data={"csrf_token": officer_token, "postcode": "ZZ99 9ZZ", "basis": PlaceBasis.TRADING_SITE.value},
    )
    assert refused.status_code == 400
    links = _error_summary_links(_text(refused))
    assert links[0][0] == "#postcode"
    assert _supplier(cafe.id).resolution == Resolution.UNRESOLVED

    nothing = client.post(f"/officer/spend/suppliers/{cafe.id}/place", data={"csrf_token": officer_token})
    assert nothing.status_code == 400
    assert [href for href, _ in _error_summary_links(_text(nothing))] == ["#postcode", "#basis"]

    placed = client.post(
        f"/officer/spend/suppliers/{cafe.id}/place",
        data={"csrf_token": officer_token, "postcode": "l36 9gd", "basis": PlaceBasis.TRADING_SITE.value},
    )
    assert placed.status_code == 302
    supplier = _supplier(cafe.id)
    assert supplier.resolution == Resolution.PLACED
    assert supplier.place == SpendPlace.LOCAL
    words = _squash(_text(client.get(placed.headers["Location"])))
    assert "Prescot Cafe is placed at L36 9GD" in words
    # The place is said as the officer's, not as the register's.
    assert "Entered by an officer: where it trades, the postcode given when attributing it" in words
    assert "on the register" not in words.split("Place", 1)[1].split("Legal form", 1)[0]


def test_the_postcode_question_gives_no_councils_own_postcode(
    client: FlaskClient, officer_token: str, paid: dict[str, SpendSupplier]
) -> None:
    words = _squash(_text(client.get(f"/officer/spend/suppliers/{paid['cafe'].id}")))
    assert "Postcode A full postcode, for example SW1A 1AA" in words
    assert "L36" not in words


def test_leaving_a_supplier_out_needs_a_reason_and_can_be_undone(
    client: FlaskClient, officer_token: str, paid: dict[str, SpendSupplier]
) -> None:
    hmrc = paid["hmrc"]
    refused = client.post(f"/officer/spend/suppliers/{hmrc.id}/exclude", data={"csrf_token": officer_token})
    assert refused.status_code == 400
    assert _error_summary_links(_text(refused)) == [("#exclusion", "Select why it is not a supplier for this measure")]

    left_out = client.post(
        f"/officer/spend/suppliers/{hmrc.id}/exclude",
        data={"csrf_token": officer_token, "exclusion": Exclusion.TAX.value, "note": "PAYE and NI"},
    )
    assert left_out.status_code == 302
    supplier = _supplier(hmrc.id)
    assert (supplier.resolution, supplier.exclusion, supplier.place) == (
        Resolution.EXCLUDED,
        Exclusion.TAX,
        SpendPlace.NOT_A_SUPPLIER,
    )
    assert "Left out" in _squash(_text(client.get("/officer/spend/suppliers?show=excluded")))
    queue = _squash(_text(client.get("/officer/spend/suppliers")))
    assert "HM Revenue & Customs" not in queue
    assert f"5.3% of {short_money(951_250_00)} attributed" in queue

    reopened = client.post(f"/officer/spend/suppliers/{hmrc.id}/reopen", data={"csrf_token": officer_token})
    assert reopened.status_code == 302
    assert _supplier(hmrc.id).resolution == Resolution.UNRESOLVED


def test_linking_a_supplier_found_by_searching_the_register(
    client: FlaskClient, officer_token: str, paid: dict[str, SpendSupplier], knowsley: factories.CouncilSetup
) -> None:
    from app.services import fulltext

    provider = factories.provider(db.session, "Page Moss Gardens CIC", ward_code=knowsley.ward.code)
    fulltext.refresh(db.session, provider)
    db.session.commit()
    gardens = paid["gardens"]
    page = _text(client.get(f"/officer/spend/suppliers/{gardens.id}?q=page+moss+gardens"))
    assert "Page Moss Gardens CIC" in page
    assert f'name="provider" value="{provider.id}"' in page

    nothing = client.post(f"/officer/spend/suppliers/{gardens.id}/link", data={"csrf_token": officer_token})
    assert nothing.status_code == 400
    assert _error_summary_links(_text(nothing))[0][0] == "#provider"

    linked = client.post(
        f"/officer/spend/suppliers/{gardens.id}/link", data={"csrf_token": officer_token, "provider": str(provider.id)}
    )
    assert linked.status_code == 302
    supplier = _supplier(gardens.id)
    assert (supplier.resolution, supplier.provider_id) == (Resolution.LINKED, provider.id)
    assert supplier.place == SpendPlace.LOCAL


def test_a_possible_match_confirmed_from_the_queue_or_rejected(
    client: FlaskClient, officer_token: str, paid: dict[str, SpendSupplier], knowsley: factories.CouncilSetup
) -> None:
    provider = factories.provider(db.session, "Prescot Café Co-operative", ward_code=knowsley.ward.code)
    cafe, gardens = paid["cafe"], paid["gardens"]
    for supplier in (cafe, gardens):
        supplier.resolution = Resolution.SUGGESTED
        supplier.candidate_provider_id = provider.id
        supplier.candidate_score = 91.0
    db.session.commit()
    queue = _text(client.get("/officer/spend/suppliers?show=suggested"))
    assert "Possible match: Prescot Café Co-operative (91% alike)" in _squash(queue)
    confirmed = client.post(
        f"/officer/spend/suppliers/{cafe.id}/confirm",
        data={"csrf_token": officer_token, "back": "/officer/spend/suppliers?show=suggested"},
    )
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith("/officer/spend/suppliers?show=suggested")
    assert _supplier(cafe.id).provider_id == provider.id
    assert _supplier(cafe.id).resolution in (Resolution.LINKED, Resolution.MATCHED)

    rejected = client.post(f"/officer/spend/suppliers/{gardens.id}/reject", data={"csrf_token": officer_token})
    assert rejected.status_code == 302
    supplier = _supplier(gardens.id)
    assert (supplier.resolution, supplier.candidate_provider_id) == (Resolution.UNRESOLVED, None)
    # Nothing left to confirm: said, not an error.
    again = client.post(f"/officer/spend/suppliers/{gardens.id}/confirm", data={"csrf_token": officer_token})
    assert again.status_code == 302
    assert "There is no possible match to confirm" in _squash(_text(client.get(again.headers["Location"])))


def test_a_back_address_elsewhere_is_ignored(
    client: FlaskClient, officer_token: str, paid: dict[str, SpendSupplier]
) -> None:
    hmrc = paid["hmrc"]
    left_out = client.post(
        f"/officer/spend/suppliers/{hmrc.id}/exclude",
        data={"csrf_token": officer_token, "exclusion": "tax", "back": "https://evil.example/"},
    )
    assert left_out.headers["Location"].endswith(f"/officer/spend/suppliers/{hmrc.id}")


# Categories -------------------------------------------------------------------------------------------------------


@pytest.fixture
def grounds(knowsley: factories.CouncilSetup) -> ServiceCategory:
    """Knowsley paid for grounds maintenance outside the area; the register has the service."""
    service = ServiceCategory(slug="grounds-maintenance", name="Grounds maintenance")
    db.session.add(service)
    db.session.add(ServiceCategory(slug="cleaning", name="Cleaning"))
    batch = spend_batch(db.session, knowsley.council)
    outside = spend_supplier(db.session, knowsley.council, "Far Away Landscapes Ltd", place=SpendPlace.OUTSIDE)
    payment(db.session, batch, outside, 60_000_00, date(2026, 4, 3), service_area="Grounds Maintenance")
    payment(db.session, batch, outside, 5_000_00, date(2026, 4, 9), service_area="Cleaning Services")
    db.session.commit()
    return service


def test_the_categories_page_before_any_file(client: FlaskClient, officer_token: str) -> None:
    words = _squash(_text(client.get("/officer/spend/categories")))
    assert "No spending file is imported yet." in words


def test_matching_a_spend_category_to_a_service(
    client: FlaskClient, officer_token: str, grounds: ServiceCategory
) -> None:
    page = _text(client.get("/officer/spend/categories"))
    words = _squash(page)
    # The column the files fill in is chosen by itself; the largest category first.
    assert "2 categories in the \u2018Service area\u2019 column, the most paid first" in words
    assert words.index("Grounds Maintenance") < words.index("Cleaning Services")
    assert "£60,000 in 1 payment" in words
    assert "Possible matches: Grounds maintenance" in words
    # The question names its category for a screen reader, as markup (never its tags shown as words).
    assert re.search(
        r'for="service-1">\s*The service it bought<span class="govuk-visually-hidden">: Grounds Maintenance</span>',
        page,
    )
    assert "&lt;span" not in page

    nothing = client.post(
        "/officer/spend/categories/match",
        data={"csrf_token": officer_token, "dimension": "service_area", "label": "Grounds Maintenance"},
    )
    assert nothing.status_code == 400
    assert _error_summary_links(_text(nothing)) == [("#service-1", "Select the service it bought")]
    assert 'id="service-1-error"' in _text(nothing)

    matched = client.post(
        "/officer/spend/categories/match",
        data={
            "csrf_token": officer_token,
            "dimension": "service_area",
            "label": "Grounds Maintenance",
            "service": str(grounds.id),
        },
    )
    assert matched.status_code == 302
    rows = db.session.scalars(select(SpendCategoryService)).all()
    assert [(r.dimension, r.label, r.service_category_id) for r in rows] == [
        ("service_area", "Grounds Maintenance", grounds.id)
    ]
    words = _squash(_text(client.get(matched.headers["Location"])))
    assert "is matched to Grounds maintenance" in words
    assert "Grounds Maintenance £60,000 in 1 payment Matched to: Grounds maintenance Remove" in words

    removed = client.post(
        "/officer/spend/categories/unmatch",
        data={
            "csrf_token": officer_token,
            "dimension": "service_area",
            "label": "Grounds Maintenance",
            "service": str(grounds.id),
        },
    )
    assert removed.status_code == 302
    assert _count(SpendCategoryService) == 0
    # A column nobody filled in says so.
    empty = _squash(_text(client.get("/officer/spend/categories?dimension=proclass")))
    assert "No payment that counts has a proclass category" in empty
    # Made-up columns are refused, not a 500.
    bad = client.post(
        "/officer/spend/categories/match",
        data={"csrf_token": officer_token, "dimension": "colour", "label": "x", "service": str(grounds.id)},
    )
    assert bad.status_code == 400


# Whose pages these are --------------------------------------------------------------------------------------------


def test_another_councils_files_and_suppliers_are_not_found(
    client: FlaskClient, officer_token: str, knowsley: factories.CouncilSetup
) -> None:
    other = _other_council(knowsley)
    batch = spend_batch(db.session, other, file_name="liverpool.csv")
    supplier = spend_supplier(db.session, other, "Liverpool Only Ltd")
    payment(db.session, batch, supplier, 100_00, date(2026, 4, 1))
    db.session.commit()
    for path in (
        f"/officer/spend/{batch.id}",
        f"/officer/spend/{batch.id}/columns",
        f"/officer/spend/{batch.id}/undo",
        f"/officer/spend/{batch.id}/rejected.csv",
        f"/officer/spend/{batch.id}/progress.json",
        f"/officer/spend/suppliers/{supplier.id}",
    ):
        assert client.get(path).status_code == 404, path
    for path in (
        f"/officer/spend/{batch.id}/undo",
        f"/officer/spend/{batch.id}/import",
        f"/officer/spend/suppliers/{supplier.id}/exclude",
    ):
        assert client.post(path, data={"csrf_token": officer_token, "exclusion": "tax"}).status_code == 404, path
    assert _batch(batch.id).status == SpendBatchStatus.IMPORTED
    assert "liverpool.csv" not in _text(client.get("/officer/spend"))
    assert "Liverpool Only Ltd" not in _text(client.get("/officer/spend/suppliers?show=all"))


GET_ROUTES = ("/officer/spend", "/officer/spend/suppliers", "/officer/spend/categories")


@pytest.mark.parametrize(
    ("role", "status"),
    [(ANON, 302), (PROVIDER, 403), (COMMISSIONER, 403), (OFFICER, 200), (ADMIN, 200)],
)
def test_who_may_see_the_spend_pages(
    client: FlaskClient, sign_in_as, role: str, status: int, knowsley: factories.CouncilSetup
) -> None:  # type: ignore[no-untyped-def]
    sign_in_as(role)
    for path in GET_ROUTES:
        response = client.get(path)
        assert response.status_code == status, (path, role)
        if role == ANON:
            assert "/sign-in" in response.headers["Location"]


def test_a_commissioner_cannot_act_on_a_file(
    client: FlaskClient, auth: AuthActions, knowsley: factories.CouncilSetup
) -> None:
    batch = spend_batch(db.session, knowsley.council)
    commissioner = factories.user(db.session, Role.COMMISSIONER, council=knowsley.council)
    db.session.commit()
    assert auth.sign_in(commissioner.email).status_code == 302
    token = auth.csrf_token("/")
    assert client.get(f"/officer/spend/{batch.id}").status_code == 403
    assert client.post(f"/officer/spend/{batch.id}/undo", data={"csrf_token": token}).status_code == 403
    assert _batch(batch.id).status == SpendBatchStatus.IMPORTED
