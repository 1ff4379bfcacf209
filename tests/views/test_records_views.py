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
from tests.views.conftest import csrf_in

SEARCH = {"value": "4500", "contract_type": "goods_and_services", "vat": "excluded", "show_excluded": "y"}
SEARCH_URL = "/commissioner/search?" + urlencode(SEARCH)


@dataclass
class PageForm:
    """One form on the results page: its hidden inputs, and its buttons' accessible names to (name, value)."""

    hidden: list[tuple[str, str]] = field(default_factory=list)
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, PageForm] = {}
        self.current: str | None = None
        self.button: tuple[str, str, str] | None = None  # form, name, value
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = a.get("id") or a.get("action", "")
            self.forms.setdefault(self.current, PageForm())
        elif tag == "input" and a.get("type") == "hidden" and self.current:
            self.forms[self.current].hidden.append((a["name"], a["value"]))
        elif tag == "button" and a.get("name"):
            owner = a.get("form") or self.current or ""
            self.forms.setdefault(owner, PageForm())
            self.button, self.text = (owner, a["name"], a.get("value", "")), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "button" and self.button:
            owner, name, value = self.button
            self.forms[owner].buttons[" ".join("".join(self.text).split())] = (name, value)
            self.button = None

    def handle_data(self, data: str) -> None:
        if self.button:
            self.text.append(data)


CHANGES = "shortlist-changes"  # the results' add and remove buttons
PANEL = "/commissioner/shortlist"  # the shortlist's own remove buttons
SAVE = "/commissioner/records/new"


def page_forms(html: str) -> dict[str, PageForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


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


def _results(client: FlaskClient, url: str = SEARCH_URL) -> tuple[str, dict[str, PageForm]]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, page_forms(html)


def _press(client: FlaskClient, form: PageForm, button: str):  # type: ignore[no-untyped-def]
    """Press a button on the results page, as a browser would: the form's hidden inputs and the button."""
    return client.post(PANEL, data=MultiDict([*form.hidden, form.buttons[button]]))


def _add(client: FlaskClient, name: str, url: str = SEARCH_URL) -> None:
    _, forms = _results(client, url)
    response = _press(client, forms[CHANGES], f"Add {name} to the shortlist")
    assert response.status_code == 302, response.get_data(as_text=True)


def _save(client: FlaskClient, hidden: list[tuple[str, str]], title: str | None):  # type: ignore[no-untyped-def]
    data = list(hidden)
    if title is not None:
        data.append(("title", title))
    return client.post(SAVE, data=MultiDict(data))


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


def test_the_results_offer_a_button_for_each_eligible_provider_and_carry_the_search(
    commissioner_client: FlaskClient, market: Market
) -> None:
    html, forms = _results(commissioner_client, SEARCH_URL + "&page=1")
    assert forms[CHANGES].buttons == {
        "Add Page Moss Community CIC to the shortlist": ("add", str(market.page_moss)),
        "Add Huyton Home Help Co-operative to the shortlist": ("add", str(market.home)),
    }
    assert "Add Liverpool Green Co-operative to the shortlist" not in html  # excluded by the band: no button
    hidden = [(k, v) for k, v in forms[CHANGES].hidden if k != "csrf_token"]
    assert sorted(hidden) == sorted([*SEARCH.items(), ("page", "1")])
    assert any(k == "csrf_token" for k, _ in forms[CHANGES].hidden)
    assert "No providers selected" in html
    assert SAVE not in forms  # nothing to save yet


def test_a_commissioner_saves_a_shortlist_from_a_real_search(
    commissioner_client: FlaskClient, commissioner: User, market: Market
) -> None:
    _add(commissioner_client, "Page Moss Community CIC")
    html, forms = _results(commissioner_client)
    assert "1 provider selected" in html
    assert forms[CHANGES].buttons["Remove Page Moss Community CIC from the shortlist"] == (
        "remove",
        str(market.page_moss),
    )
    response = _save(commissioner_client, forms[SAVE].hidden, "Community navigation service 2027")
    assert response.status_code == 302
    record = db.session.scalar(select(CommissioningRecord))
    assert record is not None
    assert response.headers["Location"] == f"/commissioner/records/{record.id}"
    assert record.inputs["query"] == {k: [v] for k, v in SEARCH.items()}
    assert [p.provider_id for p in record.providers] == [market.page_moss]
    assert record.created_by_id == commissioner.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "record.created"))
    assert event is not None and event.entity_id == str(record.id)

    page = commissioner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your shortlist is saved as “Community navigation service 2027”" in page
    assert '<h1 class="govuk-heading-l">Community navigation service 2027</h1>' in page
    assert "Page Moss Community CIC" in page
    assert "Low value, under £5,000" in page
    assert "£4,500 excluding VAT (£5,400 including VAT)" in page
    assert "Run this search again" in page
    assert "/commissioner/search?value=4500" in page
    # The next shortlist starts empty.
    assert "No providers selected" in _results(commissioner_client)[0]


def test_an_old_copy_of_the_session_cookie_does_not_bring_back_an_old_shortlist(
    commissioner_client: FlaskClient, market: Market
) -> None:
    """Trial finding 18: the shortlist is kept on the server, not in the signed cookie the browser holds."""
    _add(commissioner_client, "Page Moss Community CIC")
    cookie = commissioner_client.get_cookie("session")
    assert cookie is not None
    old_copy = cookie.value
    _, forms = _results(commissioner_client)
    _press(commissioner_client, forms[PANEL], "Remove all from the shortlist")
    assert "No providers selected" in _results(commissioner_client)[0]
    commissioner_client.set_cookie("session", old_copy)
    assert "No providers selected" in _results(commissioner_client)[0]


@pytest.fixture
def many(market: Market) -> list[int]:
    """Enough local providers for three pages of results."""
    return [
        factories.provider(db.session, f"Knowsley Provider {number:02d} CIC").id for number in range(2 * PER_PAGE + 1)
    ]


PER_PAGE = 20


def test_the_shortlist_survives_paging_and_filtering(
    commissioner_client: FlaskClient, app: Flask, market: Market, many: list[int]
) -> None:
    """Issue 11, finding 17: one ticked on page 1 and one on page 2 must both be saved."""
    db.session.commit()
    assert app.config["PER_PAGE"] == PER_PAGE
    first_page = SEARCH_URL + "&page=1"
    _, forms = _results(commissioner_client, first_page)
    on_first = next(name for name in forms[CHANGES].buttons if name.startswith("Add "))
    response = _press(commissioner_client, forms[CHANGES], on_first)
    assert response.status_code == 302
    # Back to the same page, at the provider just added.
    assert response.headers["Location"].startswith("/commissioner/search?")
    assert "page=1" in response.headers["Location"]
    assert response.headers["Location"].endswith("#provider-" + forms[CHANGES].buttons[on_first][1])

    second_page = SEARCH_URL + "&page=2"
    html, forms = _results(commissioner_client, second_page)
    assert "1 provider selected" in html
    on_second = next(name for name in forms[CHANGES].buttons if name.startswith("Add "))
    assert on_second != on_first
    assert _press(commissioner_client, forms[CHANGES], on_second).status_code == 302

    # A filter that hides both keeps them on the shortlist; so does a new keyword search.
    html, forms = _results(commissioner_client, SEARCH_URL + "&legal_form=cooperative_society")
    assert "2 providers selected" in html
    html, forms = _results(commissioner_client, SEARCH_URL + "&page=3")
    assert "2 providers selected" in html
    assert set(forms[PANEL].buttons) == {
        on_first.replace("Add ", "Remove ").replace(" to the shortlist", ""),
        on_second.replace("Add ", "Remove ").replace(" to the shortlist", ""),
        "Remove all from the shortlist",
    }
    response = _save(commissioner_client, forms[SAVE].hidden, "Across pages")
    assert response.status_code == 302
    record = db.session.scalar(select(CommissioningRecord))
    assert record is not None
    saved = {p.name for p in record.providers}
    assert saved == {
        on_first.removeprefix("Add ").removesuffix(" to the shortlist"),
        on_second.removeprefix("Add ").removesuffix(" to the shortlist"),
    }
    assert [p.position for p in record.providers] == [1, 2]


def test_a_provider_comes_off_the_shortlist_and_the_shortlist_can_be_emptied(
    commissioner_client: FlaskClient, market: Market
) -> None:
    _add(commissioner_client, "Page Moss Community CIC")
    _add(commissioner_client, "Huyton Home Help Co-operative")
    html, forms = _results(commissioner_client)
    assert "2 providers selected" in html
    response = _press(commissioner_client, forms[PANEL], "Remove Page Moss Community CIC")
    assert response.status_code == 302 and response.headers["Location"].endswith("#shortlist")
    html, forms = _results(commissioner_client)
    assert "1 provider selected" in html
    assert "Add Page Moss Community CIC to the shortlist" in forms[CHANGES].buttons
    assert _press(commissioner_client, forms[PANEL], "Remove all from the shortlist").status_code == 302
    assert "No providers selected" in _results(commissioner_client)[0]


def test_a_shortlist_cannot_be_saved_empty_or_without_a_title(commissioner_client: FlaskClient, market: Market) -> None:
    _, forms = _results(commissioner_client)
    search = forms[CHANGES].hidden
    response = _save(commissioner_client, search, "Community navigation 2027")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html and "govuk-error-summary" in html
    assert "Add at least one provider to the shortlist" in html and 'href="#shortlist"' in html

    _add(commissioner_client, "Huyton Home Help Co-operative")
    _, forms = _results(commissioner_client)
    for title, message in [
        ("", "Enter a title for this record, like Community navigation service 2027"),
        (None, "Enter a title for this record, like Community navigation service 2027"),
        ("x" * 201, "The title must be 200 characters or fewer"),
    ]:
        response = _save(commissioner_client, forms[SAVE].hidden, title)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert message in html and 'href="#title"' in html
        # The results and the shortlist are still there.
        assert "1 provider selected" in html and "Huyton Home Help Co-operative" in html
    assert db.session.scalar(select(CommissioningRecord)) is None


def test_a_provider_the_band_excludes_cannot_be_added_even_when_posted(
    commissioner_client: FlaskClient, market: Market
) -> None:
    _, forms = _results(commissioner_client)
    data = MultiDict([*forms[CHANGES].hidden, ("add", str(market.liverpool))])
    response = commissioner_client.post(PANEL, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Liverpool Green Co-operative is not eligible for this contract, so it cannot be shortlisted" in html
    assert "No providers selected" in html
    for made_up in ("999999", "x"):
        data = MultiDict([*forms[CHANGES].hidden, ("add", made_up)])
        response = commissioner_client.post(PANEL, data=data)
        assert response.status_code == 400
        assert "Choose providers from the search results" in response.get_data(as_text=True)


def test_a_search_that_makes_a_chosen_provider_ineligible_says_so_and_refuses_to_save(
    commissioner_client: FlaskClient, market: Market
) -> None:
    """Liverpool may be asked for £190,000 (above the threshold, location decides nothing) but not for £4,500."""
    big = SEARCH_URL.replace("value=4500", "value=190000")
    _add(commissioner_client, "Liverpool Green Co-operative", big)
    _add(commissioner_client, "Page Moss Community CIC", big)
    html, forms = _results(commissioner_client)
    assert "2 providers selected" in html
    assert "Not eligible for this contract" in html
    response = _save(commissioner_client, forms[SAVE].hidden, "Small contract")
    assert response.status_code == 400
    assert (
        "Liverpool Green Co-operative is not eligible for this contract, so it cannot be shortlisted"
        in response.get_data(as_text=True)
    )
    assert db.session.scalar(select(CommissioningRecord)) is None
    _press(commissioner_client, forms[PANEL], "Remove Liverpool Green Co-operative")
    _, forms = _results(commissioner_client)
    assert _save(commissioner_client, forms[SAVE].hidden, "Small contract").status_code == 302


def test_the_search_is_run_again_from_the_posted_parameters(commissioner_client: FlaskClient, market: Market) -> None:
    """Changing the hidden value to £190,000 moves the contract above the threshold, where location may not
    exclude anyone, so Liverpool becomes eligible: the server's own search decides, and records the band it ran."""
    big = SEARCH_URL.replace("value=4500", "value=190000")
    _add(commissioner_client, "Liverpool Green Co-operative", big)
    _, forms = _results(commissioner_client)
    hidden = [(k, "190000" if k == "value" else v) for k, v in forms[SAVE].hidden]
    response = _save(commissioner_client, hidden, "Bigger contract")
    assert response.status_code == 302
    record = db.session.scalar(select(CommissioningRecord))
    assert record is not None
    assert (record.band["code"], record.band["locality_rule"]) == ("D", "open")
    assert record.band["value_excluding_vat_pence"] == 19_000_000
    assert record.inputs["query"]["value"] == ["190000"]


def test_broken_search_parameters_show_the_search_errors(commissioner_client: FlaskClient, market: Market) -> None:
    _add(commissioner_client, "Page Moss Community CIC")
    _, forms = _results(commissioner_client)
    hidden = [(k, v) for k, v in forms[SAVE].hidden if k != "value"]
    response = _save(commissioner_client, hidden, "No value")
    assert response.status_code == 400
    assert "Enter the estimated value, like £4,500" in response.get_data(as_text=True)


def test_changing_or_saving_a_shortlist_needs_the_csrf_token(commissioner_client: FlaskClient, market: Market) -> None:
    _, forms = _results(commissioner_client)
    changes = forms[CHANGES]
    changes.hidden = [(k, v) for k, v in changes.hidden if k != "csrf_token"]
    assert _press(commissioner_client, changes, "Add Page Moss Community CIC to the shortlist").status_code == 400
    assert "No providers selected" in _results(commissioner_client)[0]
    _add(commissioner_client, "Page Moss Community CIC")
    _, forms = _results(commissioner_client)
    hidden = [(k, v) for k, v in forms[SAVE].hidden if k != "csrf_token"]
    assert _save(commissioner_client, hidden, "No token").status_code == 400
    assert db.session.scalar(select(CommissioningRecord)) is None


# The list ----------------------------------------------------------------------------------------------------------


def test_the_list_shows_the_councils_records_and_searches_them(
    commissioner_client: FlaskClient, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    _record_via_service(knowsley.council, commissioner, "Community navigation 2027", [market.page_moss])
    _record_via_service(knowsley.council, commissioner, "Home help", [market.home])
    other = Council(name="Elsewhere Council", district=factories.area(db.session, "E08000099", "X", AreaKind.DISTRICT))
    db.session.add(other)
    db.session.flush()
    _record_via_service(other, commissioner, "Elsewhere's record", [market.page_moss])

    page = commissioner_client.get("/commissioner/records").get_data(as_text=True)
    assert "2 records" in page
    assert 'role="status"' not in page  # axe: a heading is not a live region
    assert "Community navigation 2027" in page and "Home help" in page
    assert "Elsewhere&#39;s record" not in page and "Elsewhere's record" not in page

    found = commissioner_client.get("/commissioner/records?q=huyton").get_data(as_text=True)
    assert "1 record matching \u2018huyton\u2019" in found
    assert "Home help" in found and "Community navigation 2027" not in found

    none = commissioner_client.get("/commissioner/records?q=zzz").get_data(as_text=True)
    assert "No records match \u2018zzz\u2019" in none


def test_the_list_is_paginated(
    commissioner_client: FlaskClient, app: Flask, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    per_page = app.config["PER_PAGE"]
    for number in range(per_page + 1):
        _record_via_service(knowsley.council, commissioner, f"Record {number:02d}", [market.page_moss])
    first = commissioner_client.get("/commissioner/records").get_data(as_text=True)
    assert f"{per_page + 1} records" in first
    assert 'href="/commissioner/records?page=2"' in first
    second = commissioner_client.get("/commissioner/records?page=2").get_data(as_text=True)
    assert "Record 00" in second and "Record 01" not in second


# One record: notes, closing, export ---------------------------------------------------------------------------------


def test_notes_are_saved_then_closing_needs_the_outcome_then_the_record_is_final(
    commissioner_client: FlaskClient, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    record = _record_via_service(knowsley.council, commissioner, "Community navigation 2027", [market.page_moss])
    path = f"/commissioner/records/{record.id}"
    token = csrf_in(commissioner_client.get(path).get_data(as_text=True))

    response = commissioner_client.post(f"{path}/close", data={"csrf_token": token})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter the outcome before you close this record" in html
    assert 'href="#outcome"' in html

    notes = {"in_house_considered": "No in-house team.", "why_these": "Local.", "outcome": "", "csrf_token": token}
    response = commissioner_client.post(f"{path}/notes", data=notes)
    assert response.status_code == 302
    assert "Your notes are saved" in commissioner_client.get(path).get_data(as_text=True)

    response = commissioner_client.post(f"{path}/notes", data={**notes, "outcome": "x" * 5001})
    assert response.status_code == 400
    assert "The note must be 5,000 characters or fewer" in response.get_data(as_text=True)

    assert (
        commissioner_client.post(f"{path}/notes", data={**notes, "outcome": "Awarded to Page Moss"}).status_code == 302
    )
    response = commissioner_client.post(f"{path}/close", data={"csrf_token": token})
    assert response.status_code == 302
    page = commissioner_client.get(path).get_data(as_text=True)
    assert "“Community navigation 2027” is closed" in page
    assert "It cannot be changed" in page
    assert f'action="{path}/notes"' not in page
    assert "Awarded to Page Moss" in page

    response = commissioner_client.post(f"{path}/notes", data={**notes, "outcome": "Changed my mind"})
    assert response.status_code == 302
    assert "This record is closed, so it cannot be changed" in commissioner_client.get(path).get_data(as_text=True)
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
    commissioner_client: FlaskClient, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    record = _record_via_service(knowsley.council, commissioner, "=cmd|' /C calc'!A0", [market.page_moss])
    response = commissioner_client.get(f"/commissioner/records/{record.id}/export.csv")
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
    assert (cells["What was bought"], cells["Value as entered"]) == ("Any service", "£4,500 (excluding VAT)")
    assert (cells["VAT basis"], cells["Filters"], cells["Band"]) == ("Excluding VAT", "None", "Low value")

    page = commissioner_client.get(f"/commissioner/records/{record.id}").get_data(as_text=True)
    assert "Entered as £4,500 (excluding VAT)" in page


def test_the_export_reads_as_the_record_page(
    commissioner_client: FlaskClient, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    """Trial findings 3, 15 and 16: dates and registration numbers as the pages say them, one amount where VAT does
    not apply, and no number of quotes for the regulated procedure."""
    from app.models import ProviderIdentifier

    db.session.add(
        ProviderIdentifier(provider_id=market.page_moss, scheme="GB-MPR", value="255C", org_id="GB-MPR-255C")
    )
    today = datetime.now(UTC).date()
    estimate = Estimate(ContractType.GOODS_AND_SERVICES, today, VatTreatment.NOT_APPLICABLE, total_pence=100_000_000)
    criteria = Criteria(estimate)
    result = search(db.session, knowsley.council, local_area_for(db.session, knowsley.council, None), criteria, today)
    now = datetime(2026, 12, 3, 10, 55, tzinfo=UTC)
    record = records.create_record(
        db.session, commissioner, knowsley.council, criteria, result, [market.page_moss], "Big contract", now
    )
    db.session.commit()

    rows = list(
        csv.reader(
            io.StringIO(
                commissioner_client.get(f"/commissioner/records/{record.id}/export.csv")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["Created"] == "3 December 2026 at 10:55am"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", cells["Start date"])
    assert cells["Registration numbers"].startswith("FCA Mutuals Public Register number 255C (")
    assert cells["Minimum quotes"] == "Does not apply: regulated procedure"
    assert "GB-MPR" not in ",".join(rows[1])

    page = " ".join(commissioner_client.get(f"/commissioner/records/{record.id}").get_data(as_text=True).split())
    assert "£1,000,000 (VAT does not apply)" in page
    assert "£1,000,000 excluding VAT" not in page


# Access ------------------------------------------------------------------------------------------------------------


def test_another_councils_record_is_not_found(
    commissioner_client: FlaskClient, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    other = Council(name="Elsewhere Council", district=factories.area(db.session, "E08000099", "X", AreaKind.DISTRICT))
    db.session.add(other)
    db.session.flush()
    stranger = factories.user(db.session, Role.COMMISSIONER, council=other)
    record = _record_via_service(other, stranger, "Elsewhere's record", [market.page_moss])
    path = f"/commissioner/records/{record.id}"
    assert commissioner_client.get(path).status_code == 404
    assert commissioner_client.get(f"{path}/export.csv").status_code == 404
    own = _record_via_service(knowsley.council, commissioner, "Ours", [market.page_moss])
    token = csrf_in(commissioner_client.get(f"/commissioner/records/{own.id}").get_data(as_text=True))
    data = {"csrf_token": token, "outcome": "Hijacked"}
    assert commissioner_client.post(f"{path}/notes", data=data).status_code == 404
    assert commissioner_client.post(f"{path}/close", data=data).status_code == 404
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

    token = csrf_in(html)
    for action in ("notes", "close"):
        response = client.post(f"{path}/{action}", data={"csrf_token": token, "outcome": "Hijacked"})
        assert response.status_code == 403, action
        refused = response.get_data(as_text=True)
        assert "You cannot change this record" in refused
        expected = "Only owner@knowsley.example, who made it, or a register officer can change or close this record"
        assert expected in refused
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


def test_run_this_search_again_gives_the_start_date_as_the_three_boxes(
    commissioner_client: FlaskClient, commissioner: User, market: Market, knowsley: factories.CouncilSetup
) -> None:
    """A record made when the start date was typed as text still links to a search that reads it."""
    record = _record_via_service(knowsley.council, commissioner, "Old style", [market.page_moss])
    record.inputs = {
        "query": {"value": ["4500"], "start_date": ["1/4/2027"]},
        "criteria": {**record.inputs["criteria"], "start_date": "2027-04-01"},
    }
    db.session.commit()
    page = commissioner_client.get(f"/commissioner/records/{record.id}").get_data(as_text=True)
    link = re.search(r'href="(/commissioner/search\?[^"]+)">Run this search again', page)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert "start_date-day=1&start_date-month=4&start_date-year=2027" in url and "start_date=" not in url
    assert "Your estimate: £4,500" in commissioner_client.get(url).get_data(as_text=True)
