"""Officers' pages for importing providers from a spreadsheet: upload, columns, the check's preview, possible
matches, import, downloads, undo, progress and every way an upload can go wrong (a message, never a 500)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.domain.imports.lifecycle import ImportStatus
from app.domain.providers import ProviderSource, ProviderStatus
from app.domain.roles import Role
from app.extensions import db
from app.jobs import imports as jobs
from app.jobs import runner
from app.models import AuditEvent, ImportBatch, ImportIssue, Provider
from tests import factories
from tests.conftest import AuthActions

HEADER = "name,legal form,registration number,address,postcode,email,website,services"
ROWS = [
    # row 2: fine (its services are not the register's, a warning)
    "Page Moss Community Bakery CIC,Community interest company,12345678,1 High Street,L36 9GD,"
    "hello@bakery.example,https://bakery.example,Catering",
    # row 3: imported without its email address
    "Knowsley Green Spaces Co-operative,Co-operative society,,2 Park Road,L34 1AA,not-an-email,,",
    # row 4: no name, so rejected; its website is a formula
    ',Charity,,3 Nowhere Lane,L35 2BB,,"=HYPERLINK(""x"")",',
    # row 5: only a name
    "Huyton Care Collective,,,,,,,",
]
SUPPLIERS = ("\n".join([HEADER, *ROWS]) + "\n").encode()
MAPPING = {
    "column_name": "name",
    "column_legal_form": "legal form",
    "column_registration_number": "registration number",
    "column_address": "address",
    "column_postcode": "postcode",
    "column_email": "email",
    "column_website": "website",
    "column_services": "services",
    "dissolved": "reject",
}


def _upload(client: FlaskClient, token: str, data: bytes | None, name: str = "suppliers.csv", **fields: str):
    form: dict[str, object] = {"csrf_token": token, **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post("/officer/imports/new", data=form, content_type="multipart/form-data")


def _batch_id(location: str) -> int:
    match = re.search(r"/officer/imports/(\d+)", location)
    assert match, location
    return int(match.group(1))


def _batch(batch_id: int) -> ImportBatch:
    db.session.expire_all()
    found = db.session.get(ImportBatch, batch_id)
    assert found is not None
    return found


def _checked(client: FlaskClient, token: str, data: bytes = SUPPLIERS, **mapping: str) -> int:
    """Upload ``data``, confirm the columns and check it (inline in tests); the batch id."""
    uploaded = _upload(client, token, data)
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)
    batch_id = _batch_id(uploaded.headers["Location"])
    assert uploaded.headers["Location"].endswith(f"/officer/imports/{batch_id}/columns")
    confirmed = client.post(f"/officer/imports/{batch_id}/columns", data={"csrf_token": token, **MAPPING, **mapping})
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    assert confirmed.headers["Location"].endswith(f"/officer/imports/{batch_id}")
    assert _batch(batch_id).status == ImportStatus.CHECKED, _batch(batch_id).error
    return batch_id


def _commit(client: FlaskClient, token: str, batch_id: int, publish: str = "queue"):
    return client.post(f"/officer/imports/{batch_id}/commit", data={"csrf_token": token, "publish": publish})


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def _squash(html: str) -> str:
    """The page's words with tags and runs of white space removed, to look for sentences."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _download(client: FlaskClient, path: str):  # type: ignore[no-untyped-def]
    """A streamed download, read within the request (the test's own app context must not be borrowed)."""
    return client.get(path, buffered=True)


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def _count(model: type, *where: object) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _error_summary_links(html: str) -> list[tuple[str, str]]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return [
        (href, unescape(" ".join(text.split()))) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary)
    ]


# The whole journey ------------------------------------------------------------------------------------------------


def test_upload_map_check_import_and_undo(client: FlaskClient, officer_token: str) -> None:
    new = client.get("/officer/imports/new")
    assert new.status_code == 200
    page = _text(new)
    assert 'enctype="multipart/form-data"' in page and 'accept=".csv,text/csv"' in page
    assert "Where is this list from? (optional)" in page

    uploaded = _upload(client, officer_token, SUPPLIERS, source_name="Knowsley CVS list")
    assert uploaded.status_code == 302
    batch_id = _batch_id(uploaded.headers["Location"])
    assert _batch(batch_id).status == ImportStatus.UPLOADED

    # The columns: one select a field, matched by heading, with how the file was read.
    columns = client.get(f"/officer/imports/{batch_id}/columns")
    assert columns.status_code == 200
    page = _text(columns)
    assert '<label class="govuk-label govuk-label--s" for="column_name">' in page
    assert re.search(r'<option value="name" selected>name</option>', page)
    assert re.search(
        r'id="column_phone" name="column_phone">\s*<option value="" selected>Not in this file',
        page,
    )
    words = _squash(page)
    assert "Text encoding UTF-8" in words
    assert "Columns separated by Commas" in words
    assert "In row 1: 8 columns" in words
    # How the legal-form words will be read, before any check.
    assert "How the legal forms will be read" in words
    assert re.search(r"Community interest company Community interest company( \(CIC\))? 1", words), words

    confirmed = client.post(
        f"/officer/imports/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING, "save_as": "Knowsley CVS"}
    )
    assert confirmed.status_code == 302
    batch = _batch(batch_id)
    assert batch.status == ImportStatus.CHECKED
    assert batch.mapping_name == "Knowsley CVS"
    assert _count(Provider) == 0  # a check changes nothing

    # The preview: counts that add up, problems by spreadsheet row, a link to download them.
    preview = client.get(f"/officer/imports/{batch_id}")
    assert preview.status_code == 200
    page = _text(preview)
    words = _squash(page)
    assert "Knowsley CVS list" in words
    counts = batch.counts
    assert (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
        counts["possible_match"],
        counts["rejected"],
    ) == (
        3,
        0,
        0,
        0,
        1,
    )
    assert "New Organisations not on the register yet 3" in words
    assert "Possible match May be on the register already: decide below 0" in words
    assert "Rejected Will not be imported: see the problems below 1" in words
    assert "New + update + unchanged + possible match + rejected = 4 rows in the file." in words
    assert "4 No name name The name is missing Not imported" in words
    assert (
        "4 No name website '=HYPERLINK(\"x\")' is not a website address, so it was left out "
        "Not imported (the row has another problem)"
    ) in words
    assert (
        "3 Knowsley Green Spaces Co-operative email 'not-an-email' is not an email address, so it was left out "
        "Imported without this value"
    ) in words
    assert f'href="/officer/imports/{batch_id}/problems.csv"' in page
    assert "Check the columns again" in words
    assert "Import 3 organisations" in words
    assert 'value="queue" checked' in page

    problems = _download(client, f"/officer/imports/{batch_id}/problems.csv")
    assert problems.status_code == 200
    assert problems.headers["Content-Disposition"] == f'attachment; filename="import-{batch_id}-problems.csv"'
    table = _csv(problems)
    assert table[0] == ["row", "organisation", "column", "problem", "outcome"]
    assert ["4", "", "name", "The name is missing", "Not imported"] in table

    # Import: three new organisations queued for checks.
    imported = _commit(client, officer_token, batch_id)
    assert imported.status_code == 302
    assert imported.headers["Location"].endswith(f"/officer/imports/{batch_id}")
    batch = _batch(batch_id)
    assert batch.status == ImportStatus.IMPORTED
    providers = db.session.scalars(select(Provider).order_by(Provider.name)).all()
    assert [p.name for p in providers] == [
        "Huyton Care Collective",
        "Knowsley Green Spaces Co-operative",
        "Page Moss Community Bakery CIC",
    ]
    assert {p.status for p in providers} == {ProviderStatus.SUBMITTED}
    assert {p.source for p in providers} == {ProviderSource.IMPORTED}

    result = client.get(f"/officer/imports/{batch_id}")
    words = _squash(_text(result))
    # The success banner names the batch and says what happened (issue 11, finding 23).
    assert f"Import {batch_id} (suppliers.csv) is finished. 3 new organisations added and 1 row rejected." in words
    assert "govuk-notification-banner--success" in _text(result)
    assert "Created + updated + unchanged + rejected = 4 rows in the file." in words
    assert "Download rejected rows to fix and re-import" in words
    assert "Undo this import" in words
    assert "New organisations were added to the queue for checks." in words

    # The rejected rows: every original column, plus what is wrong; the formula made harmless.
    rejected = _download(client, f"/officer/imports/{batch_id}/rejected.csv")
    assert rejected.status_code == 200
    assert rejected.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert rejected.headers["Content-Disposition"].startswith("attachment;")
    table = _csv(rejected)
    assert table == [
        [*HEADER.split(","), "problem"],
        ["", "Charity", "", "3 Nowhere Lane", "L35 2BB", "", '\'=HYPERLINK("x")', "", "name: The name is missing"],
    ]

    # The list of imports and the officers' home page link to it.
    listed = _text(client.get("/officer/imports"))
    assert f'href="/officer/imports/{batch_id}"' in listed and "Imported" in listed
    # The list says what each import did, never a bare "0 created" (issue 11, finding 23).
    assert "3 new organisations added and 1 row rejected." in _squash(listed)
    home = _text(client.get("/officer/"))
    assert f'href="/officer/imports/{batch_id}"' in home
    assert "Import suppliers from a spreadsheet" in home

    # Undo: a confirmation page, then the report.
    confirm = client.get(f"/officer/imports/{batch_id}/undo")
    assert confirm.status_code == 200
    assert "Are you sure you want to undo this import?" in _text(confirm)
    undone = client.post(f"/officer/imports/{batch_id}/undo", data={"csrf_token": officer_token})
    assert undone.status_code == 302
    assert _batch(batch_id).status == ImportStatus.UNDONE
    assert _count(Provider) == 0
    report = _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    assert "The import is undone: 3 removed and 0 restored" in report
    assert "This import was undone" in report
    assert "Removed Added by the import, now taken off the register 3" in report

    # Undone is final: undoing again, or importing, is refused with a message.
    again = client.get(f"/officer/imports/{batch_id}/undo", follow_redirects=True)
    assert again.status_code == 200
    assert "This import is undone, so it cannot be undone" in _text(again)
    refused = _commit(client, officer_token, batch_id)
    assert refused.status_code == 302
    assert "so that cannot be done now" in _text(client.get(f"/officer/imports/{batch_id}"))


def test_publishing_new_organisations_as_verified(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked(client, officer_token)
    assert _commit(client, officer_token, batch_id, publish="verified").status_code == 302
    assert {p.status for p in db.session.scalars(select(Provider))} == {ProviderStatus.VERIFIED}
    assert "New organisations were published as verified." in _squash(_text(client.get(f"/officer/imports/{batch_id}")))


def test_commit_needs_a_choice_of_status(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked(client, officer_token)
    refused = client.post(f"/officer/imports/{batch_id}/commit", data={"csrf_token": officer_token, "publish": "maybe"})
    assert refused.status_code == 400
    page = _text(refused)
    assert "<title>Error: " in page
    assert _error_summary_links(page)[0][0] == "#publish"
    assert _batch(batch_id).status == ImportStatus.CHECKED


def test_importing_twice_is_refused_with_a_message(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked(client, officer_token)
    assert _commit(client, officer_token, batch_id).status_code == 302
    again = _commit(client, officer_token, batch_id)
    assert again.status_code == 302
    assert "This import is imported, so that cannot be done now" in _text(client.get(f"/officer/imports/{batch_id}"))
    assert _batch(batch_id).status == ImportStatus.IMPORTED
    assert _count(Provider) == 3
    # Its columns cannot be changed either.
    columns = client.get(f"/officer/imports/{batch_id}/columns", follow_redirects=True)
    assert "so its columns cannot be changed now" in _text(columns)


def test_the_same_file_again_is_recognised_and_unchanged(client: FlaskClient, officer_token: str) -> None:
    first = _checked(client, officer_token)
    assert _commit(client, officer_token, first).status_code == 302
    second = _checked(client, officer_token)
    counts = _batch(second).counts
    assert (counts["created"], counts["updated"], counts["unchanged"], counts["rejected"]) == (0, 0, 3, 1)
    page = _text(client.get(f"/officer/imports/{second}"))
    words = _squash(page)
    assert "This file was imported before on" in words and f"batch {first}" in words
    assert f'href="/officer/imports/{first}">batch {first}</a>' in page
    assert "Importing this file would change nothing on the register" in words
    assert "New + update + unchanged + possible match + rejected = 4 rows in the file." in words
    # The columns page says so too.
    assert f"batch {first}" in _squash(_text(client.get(f"/officer/imports/{second}/columns")))


def test_saved_column_choices_are_offered_for_the_next_file(client: FlaskClient, officer_token: str) -> None:
    renamed = SUPPLIERS.replace(b"name,", b"Organisation called,", 1)
    uploaded = _upload(client, officer_token, renamed)
    batch_id = _batch_id(uploaded.headers["Location"])
    mapping = {**MAPPING, "column_name": "Organisation called"}
    client.post(
        f"/officer/imports/{batch_id}/columns", data={"csrf_token": officer_token, **mapping, "save_as": "Odd names"}
    )
    assert _batch(batch_id).status == ImportStatus.CHECKED

    page = _text(client.get("/officer/imports/new"))
    assert '<option value="Odd names">Odd names</option>' in page
    again = _upload(client, officer_token, renamed, mapping_name="Odd names")
    columns = _text(client.get(again.headers["Location"]))
    assert re.search(
        r'id="column_name" name="column_name">.*?<option value="Organisation called" selected>', columns, re.S
    )


def test_columns_without_a_name_are_refused_at_the_name(client: FlaskClient, officer_token: str) -> None:
    uploaded = _upload(client, officer_token, SUPPLIERS)
    batch_id = _batch_id(uploaded.headers["Location"])
    refused = client.post(
        f"/officer/imports/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING, "column_name": ""}
    )
    assert refused.status_code == 400
    page = _text(refused)
    assert _error_summary_links(page) == [("#column_name", "Choose the column that holds the organisation's name")]
    assert 'class="govuk-select govuk-select--error" id="column_name"' in page
    assert _batch(batch_id).status == ImportStatus.UPLOADED


def test_a_column_chosen_twice_is_refused_at_the_second(client: FlaskClient, officer_token: str) -> None:
    uploaded = _upload(client, officer_token, SUPPLIERS)
    batch_id = _batch_id(uploaded.headers["Location"])
    refused = client.post(
        f"/officer/imports/{batch_id}/columns",
        data={"csrf_token": officer_token, **MAPPING, "column_description": "email"},
    )
    assert refused.status_code == 400
    href, message = _error_summary_links(_text(refused))[0]
    assert href == "#column_description"
    assert message == "The column 'email' is chosen for both email address and description"


# Upload errors: the message at the file question, never a 500 -------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "Select a CSV file"),
        (b"", "The selected file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 4, None),
        (b"alpha,beta,gamma\n1,2,3\n4,5,6\n", None),
    ],
    ids=["no file", "empty", "binary", "no header"],
)
def test_an_upload_that_cannot_be_used_is_explained(
    client: FlaskClient, officer_token: str, data: bytes | None, message: str | None
) -> None:
    refused = _upload(client, officer_token, data)
    assert refused.status_code == 400
    page = _text(refused)
    assert "Traceback" not in page
    assert "<title>Error: " in page
    links = _error_summary_links(page)
    assert len(links) == 1 and links[0][0] == "#file"
    if message:
        assert links[0][1] == message
    assert 'class="govuk-error-message"' in page
    assert _count(ImportBatch) == 0


def test_a_refused_file_is_not_kept(app: Flask, client: FlaskClient, officer_token: str) -> None:
    binary = b"PK\x03\x04" + bytes(range(256)) * 4
    _upload(client, officer_token, binary, "x.xlsx")
    kept = Path(app.config["UPLOAD_FOLDER"]) / f"{hashlib.sha256(binary).hexdigest()}.csv"
    assert not kept.exists()
    assert not list(Path(app.config["UPLOAD_FOLDER"]).glob("*.part"))


def test_the_messages_for_binary_files_and_missing_headers(client: FlaskClient, officer_token: str) -> None:
    binary = _error_summary_links(
        _text(_upload(client, officer_token, b"PK\x03\x04" + bytes(range(256)) * 4, "x.xlsx"))
    )
    headless = _error_summary_links(_text(_upload(client, officer_token, b"alpha,beta,gamma\n1,2,3\n")))
    # The domain's own words, whatever they are, and not the same message for both.
    assert binary[0][1] and headless[0][1] and binary[0][1] != headless[0][1]


def test_a_file_over_the_import_limit_gets_a_message(app: Flask, client: FlaskClient, officer_token: str) -> None:
    limit = app.config["IMPORT_MAX_BYTES"]
    app.config["IMPORT_MAX_BYTES"] = 100
    try:
        refused = _upload(client, officer_token, SUPPLIERS)
    finally:
        app.config["IMPORT_MAX_BYTES"] = limit
    assert refused.status_code == 400
    assert _error_summary_links(_text(refused))[0][0] == "#file"
    assert "The file must be smaller than" in _text(refused)
    assert _count(ImportBatch) == 0


def test_a_request_over_the_server_limit_gets_a_page_not_a_500(
    app: Flask, client: FlaskClient, officer_token: str
) -> None:
    limits = app.config["MAX_CONTENT_LENGTH"], app.config["IMPORT_MAX_BYTES"]
    app.config["MAX_CONTENT_LENGTH"] = 200
    app.config["IMPORT_MAX_BYTES"] = 3 * 1024 * 1024
    try:
        refused = _upload(client, officer_token, SUPPLIERS * 10)
    finally:
        app.config["MAX_CONTENT_LENGTH"], app.config["IMPORT_MAX_BYTES"] = limits
    assert refused.status_code == 413
    page = _text(refused)
    assert "Traceback" not in page
    assert '<h1 class="govuk-heading-l">The file is too large</h1>' in page
    assert "The file must be smaller than 0.000190735 MB" in _squash(page)  # the smaller of the two limits
    assert '<a class="govuk-link" href="/officer/imports/new">Choose a smaller file</a>' in page
    assert _count(ImportBatch) == 0


def test_a_saved_mapping_that_is_gone_is_refused_at_its_question(client: FlaskClient, officer_token: str) -> None:
    refused = _upload(client, officer_token, SUPPLIERS, mapping_name="Nobody saved this")
    assert refused.status_code == 400
    # Not one of the choices offered: the form itself refuses it.
    assert _error_summary_links(_text(refused))[0][0] == "#mapping_name"


# Possible matches ----------------------------------------------------------------------------------------------------


@pytest.fixture
def bakers(knowsley: factories.CouncilSetup) -> int:
    """On the register already, at the same postcode as row 2 with a name very like it (its id)."""
    found = factories.provider(db.session, "Page Moss Community Bakers", postcode="L36 9GD")
    db.session.commit()
    return found.id


def _match_issue(batch_id: int) -> ImportIssue:
    db.session.expire_all()
    return db.session.scalars(
        select(ImportIssue).where(ImportIssue.batch_id == batch_id, ImportIssue.kind == "possible_match")
    ).one()


def test_a_possible_match_decided_as_the_same_organisation(
    client: FlaskClient, officer_token: str, bakers: int
) -> None:
    batch_id = _checked(client, officer_token)
    counts = _batch(batch_id).counts
    assert (counts["created"], counts["possible_match"], counts["rejected"]) == (2, 1, 1)
    issue = _match_issue(batch_id)
    assert issue.candidate_id == bakers and issue.row_number == 2

    page = _text(client.get(f"/officer/imports/{batch_id}"))
    words = _squash(page)
    assert "Possible match May be on the register already: decide below 1" in words
    assert (
        "Row 2: is \u2018Page Moss Community Bakery CIC\u2019 the same as \u2018Page Moss Community Bakers\u2019?"
        in words
    )
    assert f'href="/officer/providers/{bakers}/review"' in page
    assert "Same organisation: update it" in words and "Different organisation: add it as new" in words
    assert "1 row that may already be on the register has not been decided, so it will not be imported" in words
    assert "Import 2 organisations" in words

    # Saving with nothing chosen asks for a choice.
    nothing = client.post(
        f"/officer/imports/{batch_id}/matches", data={"csrf_token": officer_token, "matches_page": "1"}
    )
    assert nothing.status_code == 400
    assert _error_summary_links(_text(nothing))[0][0] == f"#match_{issue.id}"

    decided = client.post(
        f"/officer/imports/{batch_id}/matches",
        data={"csrf_token": officer_token, "matches_page": "1", f"match_{issue.id}": "same"},
    )
    assert decided.status_code == 302
    assert decided.headers["Location"].endswith(f"/officer/imports/{batch_id}#possible-matches")
    assert _match_issue(batch_id).decision == "same"
    page = _text(client.get(f"/officer/imports/{batch_id}"))
    words = _squash(page)
    assert "You do not need to check the file again" in words
    assert f'id="match_{issue.id}" name="match_{issue.id}" type="radio" value="same" checked' in page
    assert "has not been decided" not in words
    assert "Import 3 organisations" in words

    assert _commit(client, officer_token, batch_id).status_code == 302
    batch = _batch(batch_id)
    assert (batch.counts["created"], batch.counts["updated"], batch.counts["rejected"]) == (2, 1, 1)
    db.session.expire_all()
    updated = db.session.get(Provider, bakers)
    assert updated is not None and updated.contact_email == "hello@bakery.example"
    assert _count(Provider) == 3


def test_a_possible_match_kept_separate_is_added_as_new(client: FlaskClient, officer_token: str, bakers: int) -> None:
    batch_id = _checked(client, officer_token)
    issue = _match_issue(batch_id)
    client.post(
        f"/officer/imports/{batch_id}/matches",
        data={"csrf_token": officer_token, "matches_page": "1", f"match_{issue.id}": "separate"},
    )
    assert _commit(client, officer_token, batch_id).status_code == 302
    assert _batch(batch_id).counts["created"] == 3
    assert _count(Provider) == 4


def test_an_undecided_possible_match_is_not_imported(client: FlaskClient, officer_token: str, bakers: int) -> None:
    batch_id = _checked(client, officer_token)
    assert _commit(client, officer_token, batch_id).status_code == 302
    batch = _batch(batch_id)
    assert (batch.counts["created"], batch.counts["rejected"]) == (2, 2)
    table = _csv(_download(client, f"/officer/imports/{batch_id}/rejected.csv"))
    assert [row[0] for row in table[1:]] == ["Page Moss Community Bakery CIC", ""]
    assert "nobody decided" in table[1][-1]


def test_a_decision_for_another_import_is_refused(client: FlaskClient, officer_token: str, bakers: int) -> None:
    batch_id = _checked(client, officer_token)
    refused = client.post(
        f"/officer/imports/{batch_id}/matches",
        data={
            "csrf_token": officer_token,
            "matches_page": "1",
            "match_999999": "same",
            f"match_{_match_issue(batch_id).id}": "bad",
        },
    )
    assert refused.status_code == 400
    assert "Traceback" not in _text(refused)
    assert _match_issue(batch_id).decision is None


# Progress, failure and retry ----------------------------------------------------------------------------------------


def test_progress_json_while_running_and_after(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked(client, officer_token)
    done = client.get(f"/officer/imports/{batch_id}/progress.json")
    assert done.status_code == 200
    assert done.get_json() == {
        "status": "checked",
        "label": "Checked, ready to import",
        "running": False,
        "stopped": False,
        "step": "check",
        "rows": 4,
        "total": 4,
        "fraction": 1.0,
        "percent": 100,
        "words": "4 of 4 rows checked (100%)",
    }

    batch = _batch(batch_id)
    batch.status = ImportStatus.IMPORTING
    db.session.commit()
    jobs.progress_store.set(batch_id, {"step": "check", "rows": 4, "fraction": 1.0})  # the last step's figures
    assert client.get(f"/officer/imports/{batch_id}/progress.json").get_json()["rows"] == 0
    jobs.progress_store.set(
        batch_id, {"step": "commit", "rows": 1000, "fraction": 0.25, "total": 4000, "started": 100.0, "at": 110.0}
    )
    running = client.get(f"/officer/imports/{batch_id}/progress.json").get_json()
    assert running == {
        "status": "importing",
        "label": "Being imported",
        "running": True,
        "stopped": False,
        "step": "commit",
        "rows": 1000,
        "total": 4000,
        "fraction": 0.25,
        "percent": 25,
        "words": "1,000 of 4,000 rows imported (25%), about 30 seconds left",
    }

    page = client.get(f"/officer/imports/{batch_id}")
    html = _text(page)
    # A real progress bar (issue 11, finding 22): a <progress> element named by the heading, the figures in words
    # beside it, and a polite live region the script announces them in.
    progress = re.search(r"<progress ([^>]*)>", html)
    assert progress is not None, html
    attributes = progress.group(1)
    assert 'class="app-progress"' in attributes and 'max="100"' in attributes and 'value="25"' in attributes
    assert 'aria-labelledby="progress-heading"' in attributes and 'aria-describedby="progress-words"' in attributes
    assert 'id="progress-heading">Importing the file</h2>' in html
    assert re.search(r'id="progress-words"[^>]*>1,000 of 4,000 rows imported \(25%\), about 30 seconds left<', html)
    assert re.search(r'role="status" aria-live="polite"', html)
    # The live region carries the progress in words from the start, not an empty paragraph (trial finding 11).
    assert re.search(
        r'role="status"[^>]*data-app-import-progress-announce>1,000 of 4,000 rows imported \(25%\), about 30 seconds',
        html,
    )
    assert f'data-app-import-progress="/officer/imports/{batch_id}/progress.json"' in html
    assert re.search(r'<script type="module" nonce="[^"]+" src="/static/app/import-progress.js', html)
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert "Refresh the page" in html
    # No inline handlers: the page works under the strict CSP.
    assert not re.search(r"\son(click|load|change|submit)=", html)


def test_steps_are_refused_while_one_is_running(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked(client, officer_token)
    batch = _batch(batch_id)
    batch.status = ImportStatus.CHECKING
    db.session.commit()
    columns = client.post(f"/officer/imports/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING})
    assert columns.status_code == 302
    commit = _commit(client, officer_token, batch_id)
    assert commit.status_code == 302
    retry = client.post(f"/officer/imports/{batch_id}/retry", data={"csrf_token": officer_token})
    assert retry.status_code == 302
    words = _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    assert "This import is being checked, so its columns cannot be changed now" in words
    assert "This import is being checked, so that cannot be done now" in words
    assert _batch(batch_id).status == ImportStatus.CHECKING
    assert _count(Provider) == 0


def test_a_failed_check_can_be_tried_again(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked(client, officer_token)
    batch = _batch(batch_id)
    batch.status = ImportStatus.FAILED
    batch.error = "The database went away"
    batch.counts = {**batch.counts, "failed_during": "check"}
    db.session.commit()

    page = _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    assert "The check did not finish" in page and "The database went away" in page
    assert "Try again" in page and "Check the columns again" in page

    retried = client.post(f"/officer/imports/{batch_id}/retry", data={"csrf_token": officer_token})
    assert retried.status_code == 302
    assert _batch(batch_id).status == ImportStatus.CHECKED
    # Retrying what did not fail is refused with a message.
    client.post(f"/officer/imports/{batch_id}/retry", data={"csrf_token": officer_token})
    assert "so that cannot be done now" in _text(client.get(f"/officer/imports/{batch_id}"))


def test_a_failed_import_is_tried_again_as_an_import(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked(client, officer_token)
    batch = _batch(batch_id)
    batch.status = ImportStatus.FAILED
    batch.counts = {**batch.counts, "failed_during": "commit"}
    db.session.commit()
    assert "The import did not finish" in _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    client.post(f"/officer/imports/{batch_id}/retry", data={"csrf_token": officer_token})
    assert _batch(batch_id).status == ImportStatus.IMPORTED
    assert _count(Provider) == 3


def _stopped(batch_id: int, status: ImportStatus) -> None:
    """The batch running a step in a thread of this process that has ended without a word: its job is lost."""
    batch = _batch(batch_id)
    batch.status = status
    batch.job_id = runner.thread_job_id()
    db.session.commit()
    jobs.progress_store.clear(batch_id)


def _failed_events(batch_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "import.failed", AuditEvent.entity_id == str(batch_id))
        )
    )


@pytest.mark.parametrize(
    ("status", "step", "after"),
    [
        (ImportStatus.CHECKING, "check", ImportStatus.CHECKED),
        (ImportStatus.IMPORTING, "commit", ImportStatus.IMPORTED),
    ],
)
def test_a_job_that_stopped_is_reported_by_the_pages_which_write_nothing_and_run_again_on_a_post(
    client: FlaskClient, officer_token: str, status: ImportStatus, step: str, after: ImportStatus
) -> None:
    batch_id = _checked(client, officer_token)
    _stopped(batch_id, status)

    page = _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    assert "seems to have stopped" in page and "nothing was written to the register" in page
    assert "Run it again" in page and "data-app-import-progress" not in page  # not followed as if it ran
    progress = client.get(f"/officer/imports/{batch_id}/progress.json").get_json()
    assert progress["status"] == status.value and progress["running"] is False and progress["stopped"] is True
    # Looking wrote nothing: the batch is as it was, and no failure is recorded.
    db.session.expire_all()
    assert _batch(batch_id).status == status and _failed_events(batch_id) == []

    again = client.post(f"/officer/imports/{batch_id}/retry", data={"csrf_token": officer_token})
    assert again.status_code == 302
    assert _batch(batch_id).status == after
    [failed] = _failed_events(batch_id)
    assert failed.changes == {"step": step, "error": jobs.STOPPED_MESSAGE}


def test_a_job_still_running_is_not_run_again(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked(client, officer_token)
    _stopped(batch_id, ImportStatus.IMPORTING)
    jobs.progress_store.set(batch_id, {"step": "commit", "rows": 0, "fraction": 0.0, "at": time.time()})  # alive

    page = _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    assert "seems to have stopped" not in page and "Importing the file" in page
    client.post(f"/officer/imports/{batch_id}/retry", data={"csrf_token": officer_token})
    assert "This import is being imported, so that cannot be done now" in _text(
        client.get(f"/officer/imports/{batch_id}")
    )
    assert _batch(batch_id).status == ImportStatus.IMPORTING and _failed_events(batch_id) == []
    assert _count(Provider) == 0


def test_a_stored_file_that_is_gone_fails_the_check_with_a_message(
    app: Flask, client: FlaskClient, officer_token: str
) -> None:
    uploaded = _upload(client, officer_token, SUPPLIERS)
    batch_id = _batch_id(uploaded.headers["Location"])
    batch = _batch(batch_id)
    batch.stored_file = "no-such-file.csv"
    db.session.commit()
    client.post(f"/officer/imports/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING})
    batch = _batch(batch_id)
    assert batch.status == ImportStatus.FAILED
    page = _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    assert "The file for this import is no longer kept. Upload it again" in page


# The list, navigation, and other officers' steps --------------------------------------------------------------------


def test_the_list_is_newest_first_and_paginated(app: Flask, client: FlaskClient, officer_token: str) -> None:
    for _ in range(app.config["PER_PAGE"] + 1):
        assert _upload(client, officer_token, SUPPLIERS).status_code == 302
    first = _text(client.get("/officer/imports"))
    ids = [int(i) for i in re.findall(r'href="/officer/imports/(\d+)"', first)]
    assert len(ids) == app.config["PER_PAGE"] and ids == sorted(ids, reverse=True)
    assert "21 imports, newest first" in _squash(first)
    assert "Columns to confirm" in first and "Not checked yet" in first
    second = _text(client.get("/officer/imports?page=2"))
    assert [int(i) for i in re.findall(r'href="/officer/imports/(\d+)"', second)] == [min(ids) - 1]
    assert "<title>Imports (page 2 of 2)" in second


def test_imports_has_its_own_navigation_item(client: FlaskClient, officer_token: str) -> None:
    def active(path: str) -> list[str]:
        html = _text(client.get(path))
        return re.findall(
            r'govuk-service-navigation__item--active">\s*<a class="govuk-service-navigation__link" '
            r'href="[^"]+"[^>]*>\s*(?:<strong[^>]*>)?([^<]+)',
            html,
        )

    assert [a.strip() for a in active("/officer/imports")] == ["Imports"]
    assert [a.strip() for a in active("/officer/imports/new")] == ["Imports"]
    assert [a.strip() for a in active("/officer/reviews")] == ["Manage the register"]


def test_csrf_is_needed_for_every_step(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked(client, officer_token)
    for step in ("matches", "commit", "retry", "undo", "columns"):
        refused = client.post(f"/officer/imports/{batch_id}/{step}", data={"publish": "queue"})
        assert refused.status_code == 400, step
    assert client.post("/officer/imports/new", data={}).status_code == 400
    assert _batch(batch_id).status == ImportStatus.CHECKED


# Every import endpoint: (method, path). test_access.py checks GETs by every role; this checks the POSTs too.
ENDPOINTS = {
    "officers.imports_list": ("GET", "/officer/imports"),
    "officers.import_new": ("POST", "/officer/imports/new"),
    "officers.import_batch": ("GET", "/officer/imports/{batch_id}"),
    "officers.import_columns": ("POST", "/officer/imports/{batch_id}/columns"),
    "officers.import_progress": ("GET", "/officer/imports/{batch_id}/progress.json"),
    "officers.import_matches": ("POST", "/officer/imports/{batch_id}/matches"),
    "officers.import_commit": ("POST", "/officer/imports/{batch_id}/commit"),
    "officers.import_retry": ("POST", "/officer/imports/{batch_id}/retry"),
    "officers.import_undo": ("POST", "/officer/imports/{batch_id}/undo"),
    "officers.import_problems": ("GET", "/officer/imports/{batch_id}/problems.csv"),
    "officers.import_rejected": ("GET", "/officer/imports/{batch_id}/rejected.csv"),
}


def test_the_table_covers_every_import_endpoint(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("officers.import")}
    assert endpoints == set(ENDPOINTS)


@pytest.mark.parametrize("role", ["anonymous", "provider", "commissioner"])
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_only_officers_reach_an_import(
    endpoint: str,
    role: str,
    app: Flask,
    auth: AuthActions,
    knowsley: factories.CouncilSetup,
    sign_in_as: Callable[[str], str],
) -> None:
    # An officer checks a file first, in a client of their own.
    officer_client = app.test_client()
    officer_auth = AuthActions(officer_client)
    officer = factories.user(db.session, Role.OFFICER, council=knowsley.council)
    db.session.commit()
    officer_auth.sign_in(officer.email)
    batch_id = _checked(officer_client, officer_auth.csrf_token("/officer/imports/new"))

    token = sign_in_as(role)
    method, path = ENDPOINTS[endpoint]
    url = path.format(batch_id=batch_id)
    data = {"csrf_token": token, **MAPPING, "publish": "verified"}
    response = auth.client.get(url) if method == "GET" else auth.client.post(url, data=data)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")
    else:
        assert response.status_code == 403
        assert "Traceback" not in response.get_data(as_text=True)
    assert _batch(batch_id).status == ImportStatus.CHECKED
    assert _count(ImportBatch) == 1
    assert _count(Provider) == (1 if role == "provider" else 0)


def test_downloads_of_an_unknown_import_are_not_found(client: FlaskClient, officer_token: str) -> None:
    for path in ("problems.csv", "rejected.csv", "progress.json", "undo", "columns", ""):
        assert client.get(f"/officer/imports/424242/{path}".rstrip("/")).status_code == 404


def test_the_page_a_finished_background_import_reloads_to_says_so(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked(client, officer_token)
    before = _squash(_text(client.get(f"/officer/imports/{batch_id}?job=commit")))
    assert "is finished" not in before  # not imported yet: the parameter alone proves nothing
    _commit(client, officer_token, batch_id)
    client.get(f"/officer/imports/{batch_id}")  # the inline import's own banner, shown once
    after = _squash(_text(client.get(f"/officer/imports/{batch_id}?job=commit")))
    assert f"Import {batch_id} (suppliers.csv) is finished. 3 new organisations added and 1 row rejected." in after


def test_a_background_import_is_not_said_to_be_finished_while_it_runs(
    app: Flask, client: FlaskClient, officer_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 11, finding 22: the address said ?finished=imported while the import was still running.
    batch_id = _checked(client, officer_token)
    started: list[str] = []
    monkeypatch.setitem(app.config, "IMPORT_INLINE_MAX_BYTES", 0)
    monkeypatch.setitem(app.config, "JOB_RUNNER", "thread")

    def start_thread(name: str, job: object, args: tuple[Any, ...]) -> None:
        """Not run: the job is taken to have begun (its first progress is its heartbeat), so it is not lost."""
        started.append(args[1])
        jobs.progress_store.set(args[0], {"step": args[1], "rows": 0, "fraction": 0.0, "at": time.time()})

    monkeypatch.setattr(runner, "start_thread", start_thread)
    response = _commit(client, officer_token, batch_id)
    assert started == ["commit"]
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "finished" not in location and location.endswith(f"/officer/imports/{batch_id}?job=commit")
    page = _squash(_text(client.get(location)))
    assert "Importing the file" in page and "is finished" not in page


# Issue 11: dissolved rows, formula-like cells, counts that say what happened, evidence from the import ------------

STATUS_FILE = (
    b"Registered Name,Legal Form,Registered Number,Registrar,Registered Postcode,Registered Status,Dissolved Date\n"
    b"Roby Growers Co-operative,Society,31129,FCA,L36 9GD,Live,\n"
    b",,,,,,\n"
    b"Page Moss Bakers Co-operative,Society,2456R,FCA,L36 9GD,Dead,3/5/2012\n"
    b'"=HYPERLINK(""http://evil.example"",""Click"")",Private company,01234567,,,Active,\n'
    b",,,,,,\n"
    b"Halewood Printers,Ltd,,,,,\n"
)


def _checked_auto(client: FlaskClient, token: str, data: bytes, **fields: str) -> int:
    """Upload and check a file with its columns as matched by heading."""
    uploaded = _upload(client, token, data, name="coops.csv")
    assert uploaded.status_code == 302, _text(uploaded)
    batch_id = _batch_id(uploaded.headers["Location"])
    page = _text(client.get(f"/officer/imports/{batch_id}/columns"))
    chosen = dict(
        re.findall(
            r'name="(column_[a-z_]+)">\s*(?:<option value="[^"]*">[^<]*</option>\s*)*'
            r'<option value="([^"]*)" selected>',
            page,
        )
    )
    form = {"csrf_token": token, **chosen, "dissolved": "reject", **fields}
    confirmed = client.post(f"/officer/imports/{batch_id}/columns", data=form)
    assert confirmed.status_code == 302, _text(confirmed)
    assert _batch(batch_id).status == ImportStatus.CHECKED, _batch(batch_id).error
    return batch_id


def test_the_columns_page_asks_what_to_do_with_dissolved_rows(client: FlaskClient, officer_token: str) -> None:
    uploaded = _upload(client, officer_token, STATUS_FILE, name="coops.csv")
    batch_id = _batch_id(uploaded.headers["Location"])
    page = _text(client.get(f"/officer/imports/{batch_id}/columns"))
    words = _squash(page)
    assert "What should happen to organisations the file says are dissolved, removed or struck off?" in words
    assert re.search(
        r'<input class="govuk-radios__input" id="dissolved" name="dissolved" type="radio" '
        r'value="reject" checked',
        page,
    )
    assert "Keep them as archived" in words and "never published or searched" in words
    # The status and dissolved-date columns are matched by heading.
    assert re.search(r'name="column_status">.*?<option value="Registered Status" selected>', page, re.S)
    assert re.search(r'name="column_dissolved_on">.*?<option value="Dissolved Date" selected>', page, re.S)
    # No choice is an error, in the summary, with a 400.
    refused = client.post(
        f"/officer/imports/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING, "dissolved": ""}
    )
    assert refused.status_code == 400
    assert ("#dissolved", "Select what to do with organisations the file says are dissolved") in (
        _error_summary_links(_text(refused))
    )


def test_the_check_explains_every_count_and_lists_each(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked_auto(client, officer_token, STATUS_FILE)
    batch = _batch(batch_id)
    assert batch.dissolved_rows.value == "reject"
    counts = batch.counts
    assert (counts["rows"], counts["blank_rows"], counts["created"], counts["rejected"]) == (4, 2, 3, 1)
    assert (counts["dissolved"], counts["formula"]) == (1, 1)
    page = _text(client.get(f"/officer/imports/{batch_id}"))
    words = _squash(page)
    assert "New + update + unchanged + possible match + rejected = 4 rows in the file." in words
    assert "The file also has 2 blank rows with nothing in them, which were skipped and are not counted above." in words
    # The formula warning, seen before importing, with its list.
    assert "1 row has a cell starting with =, +, - or @, which a spreadsheet may run as a formula." in words
    assert f'href="/officer/imports/{batch_id}?show=formula#problems">check it before importing</a>' in page
    # The dissolved row: left out, and listed with its reason.
    assert "1 row the file says is dissolved, removed or struck off: left out ( show it )" in words
    dissolved = _squash(_text(client.get(f"/officer/imports/{batch_id}?show=ended")))
    assert "Rows the file or a public register says are dissolved" in dissolved
    assert "The file says it has ended (status 'Dead', dissolved on 3 May 2012), so it was not imported" in dissolved
    assert "Page Moss Bakers Co-operative" in dissolved and "Halewood Printers" not in dissolved
    # Every organisation not placed (no postcode directory is loaded here) is in the list the count links to.
    # Only Roby has premises to place (the others have no address or postcode).
    assert counts["not_placed"] == 1
    assert "1 organisation cannot be placed and will be flagged \u2018not placed\u2019 ( show it )" in words
    placed_list = _squash(_text(client.get(f"/officer/imports/{batch_id}?show=not_placed")))
    assert "Organisations that could not be placed 1 row is in this list." in placed_list
    assert "Roby Growers Co-operative" in placed_list and "Halewood Printers" not in placed_list
    # The problems download has the formula warning too.
    table = _csv(_download(client, f"/officer/imports/{batch_id}/problems.csv"))
    assert any("may run it as a formula" in row[3] for row in table[1:])


def test_dissolved_rows_can_be_kept_as_archived_from_the_page(client: FlaskClient, officer_token: str) -> None:
    batch_id = _checked_auto(client, officer_token, STATUS_FILE, dissolved="archive")
    assert _batch(batch_id).counts["archived"] == 1
    words = _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    assert "Archived The file says they are dissolved: added as archived, never published 1" in words
    assert "New + update + unchanged + archived + possible match + rejected = 4 rows in the file." in words
    assert _commit(client, officer_token, batch_id, publish="verified").status_code == 302
    bakers = db.session.scalar(select(Provider).where(Provider.name == "Page Moss Bakers Co-operative"))
    assert bakers is not None and bakers.status == ProviderStatus.ARCHIVED
    done = _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    assert "Created + updated + unchanged + archived + rejected = 4 rows in the file." in done
    assert "3 new organisations added and 1 dissolved organisation kept as archived." in done


def test_numbers_from_an_import_say_so_on_the_review_page_and_the_officers_home(
    client: FlaskClient, officer_token: str
) -> None:
    batch_id = _checked_auto(client, officer_token, STATUS_FILE)
    assert _commit(client, officer_token, batch_id).status_code == 302
    batch = _batch(batch_id)
    provider = db.session.scalar(select(Provider).where(Provider.name.startswith("=HYPERLINK")))
    assert provider is not None
    review = _squash(_text(client.get(f"/officer/providers/{provider.id}/review")))
    assert batch.committed_at is not None
    day = batch.committed_at.date()
    assert f"From the council's import of coops.csv on {day.day} {day:%B %Y}" in review
    assert "Self-declared" not in review
    home = _squash(_text(client.get("/officer/")))
    assert "3 new organisations added and 1 row rejected." in home
    assert "0 created" not in home


def test_the_check_explains_every_rejected_row_and_every_legal_form_wording(
    client: FlaskClient, officer_token: str
) -> None:
    data = ("\n".join([HEADER, *ROWS, ROWS[0]]) + "\n").encode()  # row 6 repeats row 2
    uploaded = _upload(client, officer_token, data)
    batch_id = _batch_id(uploaded.headers["Location"])
    columns = _squash(_text(client.get(f"/officer/imports/{batch_id}/columns")))
    # The blank legal form (row 5) is listed too, so the rows add up to the file's 5.
    assert re.search(r"Nothing \(left blank\) Not known 1\b", columns), columns
    client.post(f"/officer/imports/{batch_id}/columns", data={"csrf_token": officer_token, **MAPPING})
    words = _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    assert '2 rows to reject: 1 has a problem in the "name" column and 1 repeats an earlier row' in words, words
