"""The audit log for officers: filtered, paged, exported as formula-safe CSV (the export itself recorded)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, SpendBand, User
from tests import factories


@pytest.fixture(autouse=True)
def two_events(knowsley: factories.CouncilSetup) -> None:
    """Alice verified a provider on 1 October 2026 (with a formula in the note); Bob imported on 2 November."""
    db.session.add_all(
        [
            AuditEvent(
                actor_label="alice@knowsley.example",
                action="provider.verified",
                entity_type="provider",
                entity_id="7",
                changes={"note": '=HYPERLINK("http://evil")'},
                occurred_at=datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
            ),
            AuditEvent(
                actor_label="bob@knowsley.example",
                action="import.committed",
                entity_type="import_batch",
                entity_id="3",
                changes={"counts": {"created": 2}},
                occurred_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
            ),
        ]
    )
    db.session.commit()


def test_the_log_lists_events_newest_first(officer_client: FlaskClient) -> None:
    page = officer_client.get("/officer/audit").get_data(as_text=True)
    assert page.index("Import completed") < page.index("Verified and published")
    assert "bob@knowsley.example" in page and "alice@knowsley.example" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("action=import.committed", "Import completed", "Verified and published"),
        ("actor=ALICE", "Verified and published", "Import completed"),
        ("since-day=1&since-month=11&since-year=2026", "Import completed", "Verified and published"),
        ("until-day=1&until-month=11&until-year=2026", "Verified and published", "Import completed"),
        # Both ends of a day are in it: the same day twice is that day's events.
        ("since-day=2&since-month=11&since-year=2026&until-day=2&until-month=11&until-year=2026", "Import", "Verif"),
        ("since-day=1&since-month=10&since-year=2026&until-day=1&until-month=10&until-year=2026", "Verif", "Import"),
    ],
)
def test_filters(officer_client: FlaskClient, query: str, shown: str, hidden: str) -> None:
    page = officer_client.get(f"/officer/audit?{query}").get_data(as_text=True)
    events = page.split('aria-label="Audit events')[-1]
    assert shown in events and hidden not in events


def test_the_filter_offers_actions_in_words(officer_client: FlaskClient) -> None:
    page = officer_client.get("/officer/audit").get_data(as_text=True)
    assert '<option value="provider.verified">Verified and published</option>' in page
    assert ">provider.verified<" not in page


FROM = "The date to show events from"
UP_TO = "The date to show events up to"


@pytest.mark.parametrize(
    ("query", "message", "first_box", "marked"),
    [
        # No 31 February: no one box is wrong, so all three are marked.
        (
            "since-day=31&since-month=2&since-year=2026",
            f"{FROM} must be a real date",
            "since-day",
            ["since-day", "since-month", "since-year"],
        ),
        ("since-day=1&since-month=13&since-year=2026", f"{FROM} must be a real date", "since-month", ["since-month"]),
        ("since-day=&since-month=11&since-year=2026", f"{FROM} must include a day", "since-day", ["since-day"]),
        ("since-day=1&since-month=11&since-year=", f"{FROM} must include a year", "since-year", ["since-year"]),
        ("since-day=1", f"{FROM} must include a month and year", "since-month", ["since-month", "since-year"]),
        ("since-day=1&since-month=11&since-year=26", "Year must include 4 numbers", "since-year", ["since-year"]),
        ("until-day=first&until-month=11&until-year=2026", f"{UP_TO} must be a real date", "until-day", ["until-day"]),
        (
            "since-day=2&since-month=11&since-year=2026&until-day=1&until-month=11&until-year=2026",
            f"{UP_TO} must be the same as or after the date to show events from",
            "until-day",
            ["until-day", "until-month", "until-year"],
        ),
    ],
)
def test_a_bad_date_is_explained_at_the_field(
    officer_client: FlaskClient, query: str, message: str, first_box: str, marked: list[str]
) -> None:
    response = officer_client.get(f"/officer/audit?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Audit log" in page
    # The summary links the message to the first box with the problem; the message is shown at the date too.
    summary = page[page.index("There is a problem") : page.index("<h1")]
    assert f'<a href="#{first_box}">{message}</a>' in summary
    assert page.count(message) == 2
    errors = re.findall(r'<input class="govuk-input[^"]*govuk-input--error[^"]*" id="([^"]+)"', page)
    assert errors == marked
    assert "Audit events, newest first" not in page


def test_a_bad_date_refuses_the_download_too(officer_client: FlaskClient) -> None:
    response = officer_client.get("/officer/audit.csv?until-day=31&until-month=2&until-year=2026")
    assert response.status_code == 400
    assert f"{UP_TO} must be a real date" in response.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit_log.exported")).all() == []


def test_the_pages_and_the_download_keep_the_filter(officer_client: FlaskClient) -> None:
    db.session.add_all(
        AuditEvent(
            actor_label="carol@knowsley.example",
            action="provider.verified",
            entity_type="provider",
            entity_id=str(number),
            occurred_at=datetime(2026, 11, 3, 9, number % 60, tzinfo=UTC),
        )
        for number in range(60)
    )
    db.session.commit()
    # Typed with leading zeros and spaces; the links ask for the same dates, as the form read them.
    page = officer_client.get(
        "/officer/audit?actor=carol&since-day=+03&since-month=11&since-year=2026&until-day=30&until-month=11"
        "&until-year=2026&page=1&submit=Show+events"
    ).get_data(as_text=True)
    assert "60 events, page 1 of 2" in page
    wanted = "actor=carol&amp;since-day=3&amp;since-month=11&amp;since-year=2026&amp;until-day=30&amp;until-month=11"
    older = re.search(r'href="/officer/audit\?page=2&amp;([^"]+)" rel="next"', page)
    assert older is not None and older.group(1).startswith(wanted), older
    assert "submit" not in older.group(1)
    download = re.search(r'href="/officer/audit\.csv\?([^"]+)">Download these events', page)
    assert download is not None and download.group(1).startswith(wanted), download
    # The boxes show what was typed, as it was read.
    assert 'id="since-day" name="since-day" type="text" value="03"' in page
    body = officer_client.get(f"/officer/audit.csv?{download.group(1).replace('&amp;', '&')}", buffered=True)
    rows = list(csv.reader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 61 and {row[2] for row in rows[1:]} == {"carol@knowsley.example"}
    (exported,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit_log.exported"))
    assert exported.changes == {"actor": "carol", "since": "2026-11-03", "until": "2026-11-30"}


def test_the_export_is_formula_safe_and_recorded(officer_client: FlaskClient) -> None:
    response = officer_client.get("/officer/audit.csv?actor=alice", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    assert header[:6] == ["id", "when (UTC)", "who", "what happened", "to which record", "details"]
    assert [r[header.index("action code")] for r in rows[1:]] == ["provider.verified"]
    assert [r[header.index("what happened")] for r in rows[1:]] == ["Verified and published"]
    details = rows[1][header.index("details")]
    assert details == 'Note: =HYPERLINK("http://evil")'  # in words, labelled, so it cannot start a formula
    recorded = rows[1][header.index("details as recorded")]
    assert recorded.startswith("{") and "HYPERLINK" in recorded  # JSON text: it cannot start a formula
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit_log.exported")).all()
    assert len(exported) == 1 and exported[0].actor_label == "officer@knowsley.example"
    assert exported[0].changes == {"actor": "alice"}


def test_a_formula_in_a_who_cell_is_neutralised(officer_client: FlaskClient) -> None:
    db.session.add(AuditEvent(actor_label="=cmd|'/c calc'!A1", action="x.y", entity_type="z", changes={}))
    db.session.commit()
    body = officer_client.get("/officer/audit.csv?action=x.y", buffered=True).get_data(as_text=True)
    assert "\"'=cmd|'/c calc'!A1\"" in body


def test_odd_query_arguments_are_ignored_not_a_500(officer_client: FlaskClient) -> None:
    response = officer_client.get("/officer/audit?endpoint=x&_method=POST&page=99999999999999999999")
    assert response.status_code == 200


def test_the_log_says_what_happened_in_words_to_named_linked_records(
    officer_client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    provider = factories.provider(db.session, "Knowsley Mutual Credit Union")
    band = db.session.scalars(select(SpendBand).where(SpendBand.code == "B")).one()
    before = {"id": band.id, "label": band.label, "lower_pence": 500_000, "upper_pence": 18_100_001}
    after = {**before, "upper_pence": 10_000_000, "advertised": True}
    db.session.add_all(
        [
            AuditEvent(
                actor_label="officer@knowsley.example",
                action="spend_band.changed",
                entity_type="spend_band",
                entity_id=str(band.id),
                changes={"before": before, "after": after, "replaces": band.id, "effective_from": "2026-12-03"},
            ),
            AuditEvent(
                actor_label="officer@knowsley.example",
                action="provider.verified",
                entity_type="provider",
                entity_id=str(provider.id),
                changes={"from": "submitted", "to": "verified", "message": None},
            ),
            AuditEvent(
                actor_label="provider@example.com",
                action="provider.facts_changed",
                entity_type="provider",
                entity_id=str(provider.id),
                changes={"turnover": {"from": None, "to": "8500000"}},
            ),
            AuditEvent(
                actor_label="officer@knowsley.example",
                action="provider.rejected",
                entity_type="provider",
                entity_id="999999",
                changes={"from": "submitted", "to": "rejected", "message": "Not a local organisation"},
            ),
        ]
    )
    db.session.commit()
    page = officer_client.get("/officer/audit").get_data(as_text=True)
    events = page.split('aria-label="Audit events')[-1]
    # What happened, in words, to a named record linked to its page.
    assert "Spend band changed" in events and "Verified and published" in events
    assert f'<a class="govuk-link" href="/officer/spend-bands">{band.label}</a>' in events
    assert f'href="/officer/providers/{provider.id}/review">Knowsley Mutual Credit Union</a>' in events
    # Before and after in plain values: money as money, dates as dates, codes as words.
    assert "Range: £5,000 to £181,000 → £5,000 to £99,999.99" in events
    assert "Takes effect on: 3 December 2026" in events
    assert "Status: Waiting for checks → Verified" in events
    assert "Annual turnover: £85,000 (added)" in events
    assert "Message: Not a local organisation" in events
    assert "Organisation no longer on the register (reference 999999)" in events
    for code in ("spend_band.changed", "upper_pence", "18100001", "message: None", "provider 121", "2026-12-03"):
        assert code not in events


def test_premises_events_name_their_organisation(officer_client: FlaskClient) -> None:
    provider = factories.provider(db.session, "Page Moss Bakery CIC", postcode="L36 9GD")
    site = provider.sites[0]
    db.session.add(
        AuditEvent(
            actor_label="provider@example.com",
            action="site.added",
            entity_type="site",
            entity_id=str(site.id),
            changes={
                "provider_id": provider.id,
                "postcode": "L36 9GD",
                "district": "E08000011",
                "placement": "postcode",
            },
        )
    )
    db.session.commit()
    events = officer_client.get("/officer/audit").get_data(as_text=True).split('aria-label="Audit events')[-1]
    assert "Premises added" in events
    assert f'href="/officer/providers/{provider.id}/review">Page Moss Bakery CIC, premises at L36 9GD</a>' in events
    assert "Organisation: Page Moss Bakery CIC" in events and "District: Knowsley" in events
    assert "Placed by: Postcode" in events and "E08000011" not in events


def test_the_export_says_it_in_words_too(officer_client: FlaskClient) -> None:
    provider = factories.provider(db.session, "Huyton Community Co-op")
    db.session.add(
        AuditEvent(
            actor_label="officer@knowsley.example",
            action="provider.verified",
            entity_type="provider",
            entity_id=str(provider.id),
            changes={"from": "submitted", "to": "verified", "message": None},
        )
    )
    db.session.commit()
    body = officer_client.get("/officer/audit.csv?action=provider.verified", buffered=True).get_data(as_text=True)
    header, *rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    (row,) = [r for r in rows if r[header.index("record id")] == str(provider.id)]
    assert row[header.index("what happened")] == "Verified and published"
    assert row[header.index("to which record")] == "Huyton Community Co-op"
    assert row[header.index("details")] == "Status: Waiting for checks → Verified"


def test_the_officer_home_lists_recent_changes_in_words_as_the_log_does(
    officer_client: FlaskClient, officer: User, knowsley: factories.CouncilSetup
) -> None:
    db.session.add_all(
        [
            AuditEvent(actor_label="seed", action="user.signed_in", entity_type="user", entity_id=str(officer.id)),
            AuditEvent(
                actor_label="seed",
                action="site.added",
                entity_type="site",
                entity_id="999",
                changes={"kind": "registered_office", "postcode": "L36 9GD"},
            ),
        ]
    )
    db.session.commit()
    page = officer_client.get("/officer/").get_data(as_text=True)
    assert "user.signed_in" not in page and "import.committed" not in page and "(import_batch" not in page
    assert "Signed in" in page and officer.email in page
    assert "Import completed" in page
    log = officer_client.get("/officer/audit").get_data(as_text=True)
    assert "Type of premises: Registered office" in log and "registered_office" not in log


def test_the_date_filter_hint_follows_the_govuk_style_and_the_hinted_form_works(officer_client: FlaskClient) -> None:
    page = officer_client.get("/officer/audit").get_data(as_text=True)
    assert "For example, 1 11 2026" in page and "1/11/2026" not in page
    assert "For example, 30 11 2026" in page
    page = officer_client.get("/officer/audit?since-day=1&since-month=11&since-year=2026").get_data(as_text=True)
    events = page[page.index("Audit events, newest first") :]
    assert "Import completed" in events and "Verified and published" not in events
