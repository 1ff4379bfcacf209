"""Commissioning records through the browser: shortlist from a real search, errors, the list, notes, export, access."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.domain.bands import Estimate, VatTreatment
from app.domain.policy import AreaKind, ContractType
from app.domain.providers import LegalForm
from app.domain.records import RecordStatus
from app.domain.roles import Role
from app.extensions import db
from app.models import AuditEvent, CommissioningRecord, Council, Provider, ServiceCategory, User
from app.services import records
from app.services.locality import local_area_for
from app.services.search import Criteria, search
from tests import factories
from tests.conftest import AuthActions

SEARCH = {"value": "4500", "contract_type": "goods_and_services", "vat": "excluded", "show_excluded": "y"}
SEARCH_URL = "/commissioner/search?" + urlencode(SEARCH)


@dataclass
class ShortlistPage:
    """The shortlist form on the search results: hidden fields, and checkbox label to provider id."""

    hidden: list[tuple[str, str]] = field(default_factory=list)
    boxes: dict[str, str] = field(default_factory=dict)


class _ShortlistParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = ShortlistPage()
        self.inside = False
        self.box_ids: dict[str, str] = {}
        self.label_for: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action") == "/commissioner/records/new":
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("type") == "hidden":
            self.page.hidden.append((a["name"], a["value"]))
        elif tag == "input" and a.get("type") == "checkbox":
            self.box_ids[a["id"]] = a["value"]
        elif tag == "label" and a.get("for") in self.box_ids:
            self.label_for = a["for"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        if tag == "label":
            self.label_for = None

    def handle_data(self, data: str) -> None:
        if self.label_for and data.strip():
            self.page.boxes[data.strip()] = self.box_ids[self.label_for]


def shortlist_form(html: str) -> ShortlistPage:
    parser = _ShortlistParser()
    parser.feed(html)
    return parser.page


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match
    return match.group(1)


@dataclass
class Market:
    page_moss: int
    home: int
    liverpool: int


@pytest.fixture
def market(knowsley: factories.CouncilSetup) -> Market:
    page_moss = factories.provider(db.session, "Page Moss Community CIC")
    page_moss.website = '=HYPERLINK("http://evil.example")'
    home = factories.provider(
        db.session, "Huyton Home Help Co-operative", legal_form=LegalForm.COOPERATIVE, address_public=False
    )
    liverpool = factories.provider(db.session, "Liverpool Green Co-operative", district_code="E08000012")
    db.session.add(ServiceCategory(slug="community-support", name="Community support, advice and navigation"))
    db.session.commit()
    return Market(page_moss.id, home.id, liverpool.id)


@pytest.fixture
def commissioner(client: FlaskClient, auth: AuthActions, knowsley: factories.CouncilSetup) -> User:
    user = factories.user(db.session, Role.COMMISSIONER, email="buyer@knowsley.example", council=knowsley.council)
    db.session.commit()
    assert auth.sign_in(user.email).status_code == 302
    return user


def _results(client: FlaskClient, url: str = SEARCH_URL) -> tuple[str, ShortlistPage]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, shortlist_form(html)


def _save(client: FlaskClient, form: ShortlistPage, ids: list[str], title: str | None):  # type: ignore[no-untyped-def]
    data: list[tuple[str, str]] = [*form.hidden, *[("provider_id", i) for i in ids]]
    if title is not None:
        data.append(("title", title))
    return client.post("/commissioner/records/new", data=MultiDict(data))


def _record_via_service(council: Council, user: User, title: str, provider_ids: list[int]) -> CommissioningRecord:
    """A record for ``council``, from a search under Knowsley's bands (the only council with bands here)."""
    today = datetime.now(UTC).date()
    criteria = Criteria(Estimate(ContractType.GOODS_AND_SERVICES, today, VatTreatment.EXCLUDED, total_pence=450_000))
    knowsley = db.session.scalar(select(Council).where(Council.name == "Knowsley Council"))
    assert knowsley is not None
    result = search(db.session, knowsley, local_area_for(db.session, knowsley, None), criteria, today)
    record = records.create_record(db.session, user, council, criteria, result, provider_ids, title, datetime.now(UTC))
    db.session.commit()
    return record


# Saving a shortlist ------------------------------------------------------------------------------------------------


def test_the_results_offer_a_box_for_each_eligible_provider_and_carry_the_search(
    client: FlaskClient, commissioner: User, market: Market
) -> None:
    html, form = _results(client, SEARCH_URL + "&page=1")
    assert form.boxes == {
        "Add Page Moss Community CIC to the shortlist": str(market.page_moss),
        "Add Huyton Home Help Co-operative to the shortlist": str(market.home),
    }
    assert "Add Liverpool Green Co-operative to the shortlist" not in html  # excluded by the band: no box
    hidden = [(k, v) for k, v in form.hidden if k != "csrf_token"]
    assert sorted(hidden) == sorted([*SEARCH.items(), ("page", "1")])
    assert any(k == "csrf_token" for k, _ in form.hidden)
    assert 'id="provider_id"' in html  # the first box, where the error summary links
    assert "Title for this record" in html
    assert "Save shortlist" in html


def test_a_commissioner_saves_a_shortlist_from_a_real_search(
    client: FlaskClient, commissioner: User, market: Market
) -> None:
    _, form = _results(client)
    response = _save(
        client,
        form,
        [form.boxes["Add Page Moss Community CIC to the shortlist"]],
        "Community navigation service 2027",
    )
    assert response.status_code == 302
    record = db.session.scalar(select(CommissioningRecord))
    assert record is not None
    assert response.headers["Location"] == f"/commissioner/records/{record.id}"
    assert record.inputs["query"] == {k: [v] for k, v in SEARCH.items()}
    assert [p.provider_id for p in record.providers] == [market.page_moss]
    assert record.created_by_id == commissioner.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "record.created"))
    assert event is not None and event.entity_id == str(record.id)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your shortlist is saved as “Community navigation service 2027”" in page
    assert '<h1 class="govuk-heading-l">Community navigation service 2027</h1>' in page
    assert "Page Moss Community CIC" in page
    assert "Low value, under £5,000" in page
    assert "£4,500 excluding VAT (£5,400 including VAT)" in page
    assert "Run this search again" in page
    assert "/commissioner/search?value=4500" in page


@pytest.mark.parametrize(
    ("choose", "title", "messages"),
    [
        (False, "Community navigation 2027", ["Select at least one provider for the shortlist"]),
        (True, "", ["Enter a title for this record, like Community navigation service 2027"]),
        (True, None, ["Enter a title for this record, like Community navigation service 2027"]),
        (
            False,
            " ",
            [
                "Select at least one provider for the shortlist",
                "Enter a title for this record, like Community navigation service 2027",
            ],
        ),
        (True, "x" * 201, ["The title must be 200 characters or fewer"]),
    ],
)
def test_a_shortlist_without_providers_or_a_title_shows_the_results_again_with_errors(
    client: FlaskClient, commissioner: User, market: Market, choose: bool, title: str | None, messages: list[str]
) -> None:
    _, form = _results(client)
    ids = [str(market.home)] if choose else []
    response = _save(client, form, ids, title)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    assert "govuk-error-summary" in html
    for message in messages:
        assert message in html
    # The results are still there, the search still travels with the form, and ticked boxes stay ticked.
    again = shortlist_form(html)
    assert set(again.boxes) == set(form.boxes)
    assert sorted(k for k, _ in again.hidden if k != "csrf_token") == sorted(SEARCH)
    if choose:
        assert re.search(rf'value="{market.home}" checked', html)
    assert db.session.scalar(select(CommissioningRecord)) is None


def test_a_provider_the_band_excludes_is_refused_even_when_posted(
    client: FlaskClient, commissioner: User, market: Market
) -> None:
    _, form = _results(client)
    response = _save(client, form, [str(market.page_moss), str(market.liverpool)], "Tampered")
    assert response.status_code == 400
    assert (
        "Liverpool Green Co-operative is not eligible for this contract, so it cannot be shortlisted"
        in response.get_data(as_text=True)
    )
    assert db.session.scalar(select(CommissioningRecord)) is None


def test_the_search_is_run_again_from_the_posted_parameters(
    client: FlaskClient, commissioner: User, market: Market
) -> None:
    """Changing the hidden value to £190,000 moves the contract above the threshold, where location may not
    exclude anyone, so Liverpool becomes eligible: the server's own search decides, and records the band it ran."""
    _, form = _results(client)
    form.hidden = [(k, "190000" if k == "value" else v) for k, v in form.hidden]
    response = _save(client, form, [str(market.liverpool)], "Bigger contract")
    assert response.status_code == 302
    record = db.session.scalar(select(CommissioningRecord))
    assert record is not None
    assert (record.band["code"], record.band["locality_rule"]) == ("D", "open")
    assert record.band["value_excluding_vat_pence"] == 19_000_000
    assert record.inputs["query"]["value"] == ["190000"]


def test_broken_search_parameters_show_the_search_errors(
    client: FlaskClient, commissioner: User, market: Market
) -> None:
    _, form = _results(client)
    form.hidden = [(k, v) for k, v in form.hidden if k != "value"]
    response = _save(client, form, [str(market.page_moss)], "No value")
    assert response.status_code == 400
    assert "Enter the estimated value, like £4,500" in response.get_data(as_text=True)


def test_saving_a_shortlist_needs_the_csrf_token(client: FlaskClient, commissioner: User, market: Market) -> None:
    _, form = _results(client)
    form.hidden = [(k, v) for k, v in form.hidden if k != "csrf_token"]
    assert _save(client, form, [str(market.page_moss)], "No token").status_code == 400
    assert db.session.scalar(select(CommissioningRecord)) is None


# The list ----------------------------------------------------------------------------------------------------------


def test_the_list_shows_the_councils_records_and_searches_them(
    client: FlaskClient, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    _record_via_service(knowsley.council, commissioner, "Community navigation 2027", [market.page_moss])
    _record_via_service(knowsley.council, commissioner, "Home help", [market.home])
    other = Council(name="Elsewhere Council", district=factories.area(db.session, "E08000099", "X", AreaKind.DISTRICT))
    db.session.add(other)
    db.session.flush()
    _record_via_service(other, commissioner, "Elsewhere's record", [market.page_moss])

    page = client.get("/commissioner/records").get_data(as_text=True)
    assert "2 records" in page
    assert "Community navigation 2027" in page and "Home help" in page
    assert "Elsewhere&#39;s record" not in page and "Elsewhere's record" not in page

    found = client.get("/commissioner/records?q=huyton").get_data(as_text=True)
    assert "1 record matching \u2018huyton\u2019" in found
    assert "Home help" in found and "Community navigation 2027" not in found

    none = client.get("/commissioner/records?q=zzz").get_data(as_text=True)
    assert "No records match \u2018zzz\u2019" in none


def test_the_list_is_paginated(
    client: FlaskClient, app: Flask, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    per_page = app.config["PER_PAGE"]
    for number in range(per_page + 1):
        _record_via_service(knowsley.council, commissioner, f"Record {number:02d}", [market.page_moss])
    first = client.get("/commissioner/records").get_data(as_text=True)
    assert f"{per_page + 1} records" in first
    assert 'href="/commissioner/records?page=2"' in first
    second = client.get("/commissioner/records?page=2").get_data(as_text=True)
    assert "Record 00" in second and "Record 01" not in second


# One record: notes, closing, export ---------------------------------------------------------------------------------


def test_notes_are_saved_then_closing_needs_the_outcome_then_the_record_is_final(
    client: FlaskClient, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    record = _record_via_service(knowsley.council, commissioner, "Community navigation 2027", [market.page_moss])
    path = f"/commissioner/records/{record.id}"
    token = _csrf(client.get(path).get_data(as_text=True))

    response = client.post(f"{path}/close", data={"csrf_token": token})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter the outcome before you close this record" in html
    assert 'href="#outcome"' in html

    notes = {"in_house_considered": "No in-house team.", "why_these": "Local.", "outcome": "", "csrf_token": token}
    response = client.post(f"{path}/notes", data=notes)
    assert response.status_code == 302
    assert "Your notes are saved" in client.get(path).get_data(as_text=True)

    response = client.post(f"{path}/notes", data={**notes, "outcome": "x" * 5001})
    assert response.status_code == 400
    assert "The note must be 5,000 characters or fewer" in response.get_data(as_text=True)

    assert client.post(f"{path}/notes", data={**notes, "outcome": "Awarded to Page Moss"}).status_code == 302
    response = client.post(f"{path}/close", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "“Community navigation 2027” is closed" in page
    assert "It cannot be changed" in page
    assert f'action="{path}/notes"' not in page
    assert "Awarded to Page Moss" in page

    response = client.post(f"{path}/notes", data={**notes, "outcome": "Changed my mind"})
    assert response.status_code == 302
    assert "This record is closed, so it cannot be changed" in client.get(path).get_data(as_text=True)
    db.session.expire_all()
    closed = db.session.get(CommissioningRecord, record.id)
    assert closed is not None
    assert (closed.status, closed.outcome) == (RecordStatus.CLOSED, "Awarded to Page Moss")
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == "commissioning_record", AuditEvent.entity_id == str(record.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["record.created", "record.notes_updated", "record.notes_updated", "record.closed"]


def test_the_export_is_a_csv_attachment_with_formulas_neutralised(
    client: FlaskClient, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    record = _record_via_service(knowsley.council, commissioner, "=cmd|' /C calc'!A0", [market.page_moss])
    response = client.get(f"/commissioner/records/{record.id}/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="commissioning-record-{record.id}.csv"'
    body = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header, [row] = rows[0], rows[1:]
    cells = dict(zip(header, row, strict=True))
    assert cells["Record"] == "'=cmd|' /C calc'!A0"
    assert cells["Website"] == '\'=HYPERLINK("http://evil.example")'
    assert cells["Provider"] == "Page Moss Community CIC"


# Access ------------------------------------------------------------------------------------------------------------


def test_another_councils_record_is_not_found(
    client: FlaskClient, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    other = Council(name="Elsewhere Council", district=factories.area(db.session, "E08000099", "X", AreaKind.DISTRICT))
    db.session.add(other)
    db.session.flush()
    stranger = factories.user(db.session, Role.COMMISSIONER, council=other)
    record = _record_via_service(other, stranger, "Elsewhere's record", [market.page_moss])
    path = f"/commissioner/records/{record.id}"
    assert client.get(path).status_code == 404
    assert client.get(f"{path}/export.csv").status_code == 404
    own = _record_via_service(knowsley.council, commissioner, "Ours", [market.page_moss])
    token = _csrf(client.get(f"/commissioner/records/{own.id}").get_data(as_text=True))
    data = {"csrf_token": token, "outcome": "Hijacked"}
    assert client.post(f"{path}/notes", data=data).status_code == 404
    assert client.post(f"{path}/close", data=data).status_code == 404
    db.session.expire_all()
    assert db.session.get(CommissioningRecord, record.id).outcome is None  # type: ignore[union-attr]


def test_a_colleague_reads_anothers_record_but_cannot_change_or_close_it(
    client: FlaskClient, auth: AuthActions, market: Market, knowsley: factories.CouncilSetup
) -> None:
    owner = factories.user(db.session, Role.COMMISSIONER, email="owner@knowsley.example", council=knowsley.council)
    record = _record_via_service(knowsley.council, owner, "Owner's record", [market.page_moss])
    colleague = factories.user(db.session, Role.COMMISSIONER, council=knowsley.council)
    db.session.commit()
    assert auth.sign_in(colleague.email).status_code == 302
    path = f"/commissioner/records/{record.id}"

    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Only owner@knowsley.example, who made it, or a register officer can change or close it" in html
    assert f'action="{path}/notes"' not in html and f'action="{path}/close"' not in html
    assert client.get(f"{path}/export.csv").status_code == 200

    token = _csrf(html)
    for action in ("notes", "close"):
        response = client.post(f"{path}/{action}", data={"csrf_token": token, "outcome": "Hijacked"})
        assert response.status_code == 403, action
        refused = response.get_data(as_text=True)
        assert "You cannot change this record" in refused
        assert "Only owner@knowsley.example, who made it, or a register officer can change or close this record" in refused
    db.session.expire_all()
    kept = db.session.get(CommissioningRecord, record.id)
    assert kept is not None and (kept.outcome, kept.status) == (None, RecordStatus.OPEN)


@pytest.mark.parametrize(
    "path",
    ["/commissioner/records", "/commissioner/records/{id}", "/commissioner/records/{id}/export.csv"],
)
def test_providers_may_not_see_records_and_visitors_must_sign_in(
    client: FlaskClient, auth: AuthActions, market: Market, knowsley: factories.CouncilSetup, path: str
) -> None:
    owner = factories.user(db.session, Role.COMMISSIONER, council=knowsley.council)
    record = _record_via_service(knowsley.council, owner, "Ours", [market.page_moss])
    url = path.format(id=record.id)
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")

    provider = db.session.get(Provider, market.page_moss)
    member = factories.user(db.session, Role.PROVIDER, provider=provider)
    db.session.commit()
    assert auth.sign_in(member.email).status_code == 302
    assert client.get(url).status_code == 403


def test_a_provider_cannot_save_a_shortlist_or_change_a_record(
    client: FlaskClient, auth: AuthActions, market: Market, knowsley: factories.CouncilSetup
) -> None:
    owner = factories.user(db.session, Role.COMMISSIONER, council=knowsley.council)
    record = _record_via_service(knowsley.council, owner, "Ours", [market.page_moss])
    member = factories.user(db.session, Role.PROVIDER, provider=db.session.get(Provider, market.page_moss))
    db.session.commit()
    assert auth.sign_in(member.email).status_code == 302
    token = auth.csrf_token("/")
    posted = {**SEARCH, "provider_id": str(market.page_moss), "title": "Mine", "csrf_token": token}
    assert client.post("/commissioner/records/new", data=posted).status_code == 403
    assert client.post(f"/commissioner/records/{record.id}/notes", data=posted).status_code == 403
    assert client.post(f"/commissioner/records/{record.id}/close", data=posted).status_code == 403
    assert len(db.session.scalars(select(CommissioningRecord)).all()) == 1


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
def test_officers_and_admins_may_use_records(
    client: FlaskClient, auth: AuthActions, market: Market, knowsley: factories.CouncilSetup, role: Role
) -> None:
    user = factories.user(db.session, role, council=knowsley.council)
    record = _record_via_service(knowsley.council, user, "Theirs", [market.page_moss])
    assert auth.sign_in(user.email).status_code == 302
    assert client.get("/commissioner/records").status_code == 200
    assert client.get(f"/commissioner/records/{record.id}").status_code == 200
