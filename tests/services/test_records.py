"""Commissioning records: frozen snapshots, who may be shortlisted, notes, closing, the list and the CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.bands import Estimate, VatTreatment
from app.domain.imports.fields import ColumnMapping
from app.domain.imports.rows import parse_row
from app.domain.policy import AreaKind, ContractType
from app.domain.providers import EvidenceState, FactKind, LegalForm, ProviderStatus
from app.domain.records import RecordStatus
from app.domain.roles import Role
from app.models import (
    AuditEvent,
    CommissioningRecord,
    Council,
    Provider,
    ProviderFact,
    ProviderIdentifier,
    SpendBand,
    User,
)
from app.services import ordered_pages, records
from app.services.locality import local_area_for
from app.services.records import RecordError, safe_cell
from app.services.search import Criteria, SearchResult, search
from tests import factories

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)


def _criteria(pence: int = 450_000, *, show_excluded: bool = True) -> Criteria:
    """£4,500 excluding VAT: Knowsley's low-value band, local providers only, one quote."""
    estimate = Estimate(ContractType.GOODS_AND_SERVICES, TODAY, VatTreatment.EXCLUDED, total_pence=pence)
    return Criteria(estimate=estimate, show_excluded=show_excluded)


def _search(session: Session, council: Council, criteria: Criteria | None = None) -> SearchResult:
    criteria = criteria or _criteria()
    return search(session, council, local_area_for(session, council, None), criteria, TODAY)


@pytest.fixture
def market(session: Session, knowsley: factories.CouncilSetup) -> dict[str, Provider]:
    """Two local providers (one keeps its address private) and one in Liverpool, which band A excludes."""
    page_moss = factories.provider(session, "Page Moss Community CIC")
    page_moss.contact_email = "hello@pagemoss.example"
    page_moss.contact_phone = "0151 000 0000"
    page_moss.website = "https://pagemoss.example"
    page_moss.identifiers.append(
        ProviderIdentifier(
            scheme="GB-COH", value="12345678", org_id="GB-COH-12345678", evidence=EvidenceState.OFFICER_VERIFIED
        )
    )
    page_moss.facts.append(ProviderFact(kind=FactKind.TURNOVER, value="8500000", evidence=EvidenceState.SELF_DECLARED))
    page_moss.facts.append(ProviderFact(kind=FactKind.ASSET_LOCK, value="yes", evidence=EvidenceState.SELF_DECLARED))
    home = factories.provider(
        session,
        "Huyton Home Help Co-operative",
        legal_form=LegalForm.COOPERATIVE,
        address="7 Private Close",
        postcode="L36 5YR",
        address_public=False,
    )
    liverpool = factories.provider(
        session, "Liverpool Green Co-operative", district_code="E08000012", postcode="L1 8JQ"
    )
    session.commit()
    return {"page_moss": page_moss, "home": home, "liverpool": liverpool}


@pytest.fixture
def commissioner(session: Session, knowsley: factories.CouncilSetup) -> User:
    user = factories.user(session, Role.COMMISSIONER, email="buyer@knowsley.example", council=knowsley.council)
    session.commit()
    return user


def _create(
    session: Session,
    user: User,
    council: Council,
    ids: list[int],
    title: str = "Community navigation 2027",
    criteria: Criteria | None = None,
) -> CommissioningRecord:
    criteria = criteria or _criteria()
    result = _search(session, council, criteria)
    record = records.create_record(session, user, council, criteria, result, ids, title, NOW, query={"value": ["4500"]})
    session.commit()
    return record


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# Creating ----------------------------------------------------------------------------------------------------------


def test_a_record_keeps_the_inputs_band_and_providers_in_ranked_order(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    ranked = [r.provider.id for r in _search(session, knowsley.council).rows]
    assert set(ranked) == {market["home"].id, market["page_moss"].id}
    record = _create(session, commissioner, knowsley.council, [*reversed(ranked), ranked[0]])

    assert record.status == RecordStatus.OPEN
    assert record.created_by_id == commissioner.id
    assert record.council_id == knowsley.council.id
    assert record.inputs["query"] == {"value": ["4500"]}
    assert record.inputs["criteria"]["total_pence"] == 450_000
    assert record.inputs["criteria"]["start_date"] == "2026-06-01"
    band = record.band
    result = _search(session, knowsley.council)
    assert (band["code"], band["label"], band["min_quotes"]) == ("A", "Low value", 1)
    assert band["route"] == result.choice.band.route
    assert band["range_text"] == "under £5,000 (excluding VAT)"  # on the basis the value was entered
    assert band["locality_rule"] == "local_only"
    assert band["summary"].startswith("Low value, under £5,000 (excluding VAT): 1 quote.")
    assert "Your council reserves this band to providers based in Knowsley." in band["summary"]
    assert (band["value_excluding_vat_pence"], band["value_including_vat_pence"]) == (450_000, 540_000)
    assert band["threshold"]["amount_pence"] == 20_772_000
    assert band["contract_type"] == "goods_and_services"
    assert band["start_date"] == "2026-06-01"
    assert any("single-quote" in c or "single quote" in c for c in band["cautions"])
    # The search's ranking, not the order the boxes were ticked in; a provider ticked twice is listed once.
    assert [p.provider_id for p in record.providers] == ranked
    assert [p.position for p in record.providers] == [1, 2]
    assert (band["eligible_total"], band["eligible_total_capped"]) == (2, False)


def test_a_record_made_from_a_count_past_the_cap_says_more_than(
    session: Session,
    knowsley: factories.CouncilSetup,
    market: dict[str, Provider],
    commissioner: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ordered_pages, "COUNT_LIMIT", 1)
    ranked = [r.provider.id for r in _search(session, knowsley.council).rows]
    record = _create(session, commissioner, knowsley.council, ranked[:1])

    assert (record.band["eligible_total"], record.band["eligible_total_capped"]) == (1, True)


def test_the_provider_snapshot_holds_public_facts_and_never_a_hidden_address(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    record = _create(session, commissioner, knowsley.council, [market["page_moss"].id, market["home"].id])
    by_name = {p.name: p.snapshot for p in record.providers}

    page_moss = by_name["Page Moss Community CIC"]
    assert page_moss["legal_form_label"] == "Community interest company (CIC)"
    assert page_moss["locality"] == "local"
    assert page_moss["locality_evidence"] and "Knowsley" in page_moss["locality_evidence"][0]
    assert page_moss["reasons"][0]
    assert page_moss["contact_email"] == "hello@pagemoss.example"
    assert page_moss["website"] == "https://pagemoss.example"
    assert page_moss["identifiers"] == [
        {"org_id": "GB-COH-12345678", "evidence": "officer_verified", "evidence_label": "Checked by the council"}
    ]
    facts = {f["kind"]: f for f in page_moss["facts"]}
    assert facts["turnover"]["text"] == "£85,000"
    assert facts["asset_lock"]["text"] == "Yes"
    assert facts["asset_lock"]["evidence_label"] == "Self-declared"
    assert "0151 000 0000" not in json.dumps(page_moss)

    home = json.dumps(by_name["Huyton Home Help Co-operative"])
    assert "Private Close" not in home
    assert "L36 5YR" not in home
    assert "address not shown" in home


def test_the_snapshot_is_frozen_when_the_provider_and_bands_change_afterwards(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    record = _create(session, commissioner, knowsley.council, [market["page_moss"].id])
    record_id = record.id
    before = json.dumps(record.providers[0].snapshot, sort_keys=True)
    band_before = json.dumps(record.band, sort_keys=True)

    provider = session.get(Provider, market["page_moss"].id)
    assert provider is not None
    provider.name = "Renamed Ltd"
    provider.legal_form = LegalForm.PRIVATE_COMPANY
    provider.contact_email = "new@renamed.example"
    provider.facts[0].value = "99999999"
    provider.sites[0].district_code = "E08000012"
    for band in session.scalars(select(SpendBand)):
        band.label = band.label.upper()
        band.min_quotes = 5
    session.commit()
    session.expire_all()

    again = session.get(CommissioningRecord, record_id)
    assert again is not None
    assert json.dumps(again.providers[0].snapshot, sort_keys=True) == before
    assert again.providers[0].name == "Page Moss Community CIC"
    assert json.dumps(again.band, sort_keys=True) == band_before


def test_a_provider_leaving_the_register_leaves_the_record(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    record = _create(session, commissioner, knowsley.council, [market["page_moss"].id])
    record_id = record.id
    session.delete(session.get(Provider, market["page_moss"].id))
    session.commit()
    session.expire_all()
    again = session.get(CommissioningRecord, record_id)
    assert again is not None
    assert again.providers[0].name == "Page Moss Community CIC"
    if session.get_bind().dialect.name == "postgresql":  # SQLite here does not enforce foreign keys
        assert again.providers[0].provider_id is None


@pytest.mark.parametrize(
    ("ids", "title", "message", "field"),
    [
        ([], "Community navigation 2027", "Add at least one provider to the shortlist", "provider_id"),
        (None, "", "Enter a title for this record, like Community navigation service 2027", "title"),
        (None, "   ", "Enter a title for this record, like Community navigation service 2027", "title"),
        (None, "x" * 201, "The title must be 200 characters or fewer", "title"),
    ],
)
def test_a_record_needs_a_title_and_a_provider(
    session: Session,
    knowsley: factories.CouncilSetup,
    market: dict[str, Provider],
    commissioner: User,
    ids: list[int] | None,
    title: str,
    message: str,
    field: str,
) -> None:
    chosen = [market["page_moss"].id] if ids is None else ids
    with pytest.raises(RecordError) as caught:
        _create(session, commissioner, knowsley.council, chosen, title)
    assert (str(caught.value), caught.value.field) == (message, field)


def test_providers_the_band_excludes_are_refused_by_name(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    liverpool = market["liverpool"]
    result = _search(session, knowsley.council)
    assert liverpool.id in {row.provider.id for row in result.excluded}
    with pytest.raises(RecordError) as caught:
        _create(session, commissioner, knowsley.council, [market["page_moss"].id, liverpool.id])
    assert str(caught.value) == (
        "Liverpool Green Co-operative is not eligible for this contract, so it cannot be shortlisted"
    )
    assert caught.value.provider_ids == [liverpool.id]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(CommissioningRecord)) == 0
    assert _events(session, "record.created") == []


def test_providers_outside_the_results_are_refused_without_revealing_a_draft(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    draft = factories.provider(session, "Secret Draft CIC", status=ProviderStatus.DRAFT)
    session.commit()
    with pytest.raises(RecordError) as caught:
        _create(session, commissioner, knowsley.council, [draft.id, 987654])
    message = str(caught.value)
    assert "Secret Draft" not in message
    assert message == (
        f"provider number {draft.id} and provider number 987654 are not eligible for this contract, "
        "so they cannot be shortlisted"
    )


def test_creating_writes_an_audit_event(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    record = _create(session, commissioner, knowsley.council, [market["page_moss"].id])
    [event] = _events(session, "record.created")
    assert (event.actor_id, event.entity_type, event.entity_id) == (
        commissioner.id,
        "commissioning_record",
        str(record.id),
    )
    assert event.changes == {
        "title": "Community navigation 2027",
        "band": "A",
        "provider_ids": [market["page_moss"].id],
    }


# Notes and closing -------------------------------------------------------------------------------------------------


def test_notes_are_saved_and_audited_and_an_unchanged_save_writes_nothing(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    record = _create(session, commissioner, knowsley.council, [market["page_moss"].id])
    changes = records.update_notes(
        session,
        commissioner,
        record,
        in_house_considered="  We have no staff for this.  ",
        why_these="Local and checked.",
        outcome="",
    )
    session.commit()
    assert record.in_house_considered == "We have no staff for this."
    assert record.outcome is None
    assert changes == {
        "in_house_considered": {"from": None, "to": "We have no staff for this."},
        "why_these": {"from": None, "to": "Local and checked."},
    }
    [event] = _events(session, "record.notes_updated")
    assert event.changes == changes

    again = records.update_notes(
        session,
        commissioner,
        record,
        in_house_considered="We have no staff for this.",
        why_these="Local and checked.",
        outcome=None,
    )
    session.commit()
    assert again == {}
    assert len(_events(session, "record.notes_updated")) == 1


def test_closing_needs_the_outcome_then_the_record_refuses_changes(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    record = _create(session, commissioner, knowsley.council, [market["page_moss"].id])
    with pytest.raises(RecordError) as caught:
        records.close_record(session, commissioner, record, NOW)
    assert (str(caught.value), caught.value.field) == ("Enter the outcome before you close this record", "outcome")
    assert record.status == RecordStatus.OPEN

    records.update_notes(
        session, commissioner, record, in_house_considered=None, why_these=None, outcome="Awarded to Page Moss"
    )
    records.close_record(session, commissioner, record, NOW)
    session.commit()
    assert (record.status, record.closed_at, record.closed_by_id) == (RecordStatus.CLOSED, NOW, commissioner.id)
    [event] = _events(session, "record.closed")
    assert event.changes == {"from": "open", "to": "closed"}

    with pytest.raises(RecordError, match="This record is closed, so it cannot be changed"):
        records.update_notes(session, commissioner, record, in_house_considered="x", why_these=None, outcome="y")
    with pytest.raises(RecordError, match="This record is closed"):
        records.close_record(session, commissioner, record, NOW)
    session.rollback()
    session.expire_all()
    assert session.get(CommissioningRecord, record.id).outcome == "Awarded to Page Moss"  # type: ignore[union-attr]


def test_only_the_maker_or_an_officer_may_change_or_close_a_record(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    record = _create(session, commissioner, knowsley.council, [market["page_moss"].id])
    colleague = factories.user(session, Role.COMMISSIONER, email="colleague@knowsley.example", council=knowsley.council)
    officer = factories.user(session, Role.OFFICER, council=knowsley.council)
    session.commit()

    with pytest.raises(records.NotYourRecord) as caught:
        records.update_notes(session, colleague, record, in_house_considered="Mine now", why_these=None, outcome="x")
    assert str(caught.value) == (
        "Only buyer@knowsley.example, who made it, or a register officer can change or close this record"
    )
    with pytest.raises(records.NotYourRecord):
        records.close_record(session, colleague, record, NOW)
    session.rollback()
    assert (record.in_house_considered, record.status) == (None, RecordStatus.OPEN)
    assert _events(session, "record.notes_updated") == []
    assert records.may_change(commissioner, record) and records.may_change(officer, record)
    assert not records.may_change(colleague, record)

    # The officer may step in (the maker is away, or has left), and the audit trail says who did.
    records.update_notes(session, officer, record, in_house_considered=None, why_these=None, outcome="Awarded")
    records.close_record(session, officer, record, NOW)
    session.commit()
    assert (record.status, record.closed_by_id) == (RecordStatus.CLOSED, officer.id)
    [event] = _events(session, "record.closed")
    assert event.actor_id == officer.id


# Listing -----------------------------------------------------------------------------------------------------------


def test_a_councils_records_are_listed_newest_first_and_searchable(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    council = knowsley.council
    first = _create(session, commissioner, council, [market["page_moss"].id], "Community navigation 2027")
    second = _create(session, commissioner, council, [market["home"].id], "Home help 100% local")
    second.created_at = datetime(2026, 6, 2, tzinfo=UTC)
    other_area = factories.area(session, "E08000099", "Elsewhere", AreaKind.DISTRICT)
    other = Council(name="Elsewhere Council", district=other_area)
    session.add(other)
    session.flush()
    elsewhere = records.create_record(
        session,
        commissioner,
        other,
        _criteria(),
        _search(session, council),
        [market["page_moss"].id],
        "Community navigation elsewhere",
        NOW,
    )
    session.commit()

    def titles(query: str | None, page: int = 1, per_page: int = 20) -> list[str]:
        return [r.title for r in records.list_records(session, council, query, page, per_page).records]

    assert titles(None) == [second.title, first.title]
    assert elsewhere.title not in titles("navigation")
    assert titles("NAVIGATION") == [first.title]
    assert titles("huyton co-operative") == [second.title]  # a shortlisted provider's name, any case
    assert titles("page moss 2027") == [first.title]  # every word, in the title or a provider's name
    assert titles("100%") == [second.title]  # % is a character here, not a wildcard
    assert titles("%") == [second.title]
    assert titles("nothing like this") == []
    page = records.list_records(session, council, None, 2, 1)
    assert (page.total, page.pages, page.page, [r.title for r in page.records]) == (2, 2, 2, [first.title])
    assert records.list_records(session, council, None, 99, 1).page == 2
    assert records.get_record(session, council, elsewhere.id) is None
    assert records.get_record(session, council, first.id) is first


# Export ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        (" =x", "' =x"),
        ("\n=x", "'\n=x"),
        ("\u00a0@x", "'\u00a0@x"),
        ("\uff1dSUM(A1)", "'\uff1dSUM(A1)"),
        ('=HYPERLINK("http://evil.example","click")', '\'=HYPERLINK("http://evil.example","click")'),
        ("Page Moss Community CIC", "Page Moss Community CIC"),
        ("a=b", "a=b"),
        ("Costs £4,500 - roughly", "Costs £4,500 - roughly"),
        ("", ""),
        ("1234", "1234"),
        (1234, "1234"),
        (-5, "-5"),
        (2.5, "2.5"),
        (None, ""),
        (True, "Yes"),
    ],
)
def test_safe_cell_neutralises_formulas(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


@pytest.mark.parametrize(
    "text", ["=1+2", "+Huyton", "\uff1dHYPERLINK(1)", "\uff0b1", " =1+2", "\t=1", "-2", "@SUM(A1)", "Good Org"]
)
def test_a_cell_from_a_download_imports_as_it_was_first_written(text: str) -> None:
    # The import drops exactly the guard safe_cell adds, because both ask the same rule (app.domain.text).
    parsed = parse_row((safe_cell(text),), ColumnMapping.auto(("Name",)), 2)
    assert parsed.name == " ".join(text.split())


def test_the_export_has_a_row_per_provider_with_every_cell_safe(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    market["page_moss"].website = '=HYPERLINK("http://evil.example")'
    session.commit()
    record = _create(session, commissioner, knowsley.council, [market["page_moss"].id, market["home"].id], "@risky")
    records.update_notes(
        session, commissioner, record, in_house_considered="-no", why_these="+local", outcome="=1+1, then\nmore"
    )
    session.commit()

    rows = list(csv.reader(io.StringIO(records.export_csv(record))))
    header, body = rows[0], rows[1:]
    assert header == list(records.EXPORT_COLUMNS)
    assert len(body) == 2
    cells = {row[header.index("Provider")]: dict(zip(header, row, strict=True)) for row in body}
    first = cells["Page Moss Community CIC"]
    assert first["Record"] == "'@risky"
    assert first["Website"] == '\'=HYPERLINK("http://evil.example")'
    assert first["In-house delivery considered"] == "'-no"
    assert first["Why these providers"] == "'+local"
    assert first["Outcome"] == "'=1+1, then\nmore"
    assert first["Value excluding VAT"] == "£4,500"
    assert first["Band"] == "Low value"
    assert sorted(c["Position"] for c in cells.values()) == ["1", "2"]
    assert "Companies House number 12345678 (Checked by the council)" in first["Registration numbers"]
    assert "Annual turnover: £85,000 (Self-declared)" in first["Facts"]
    assert all(not c.lstrip().startswith(("=", "+", "-", "@")) for row in body for c in row if not c.startswith("'"))
    assert "Private Close" not in records.export_csv(record)


def test_the_export_says_what_was_bought_and_how_it_was_searched_for(
    session: Session, knowsley: factories.CouncilSetup, market: dict[str, Provider], commissioner: User
) -> None:
    """Issue 11, finding 28: a manager reading the CSV alone sees the category, keywords, value and its VAT basis,
    the band, the start date and the filters."""
    from decimal import Decimal

    from app.models import ServiceCategory
    from app.services import fulltext

    navigation = ServiceCategory(slug="community-support", name="Community support, advice and navigation")
    session.add(navigation)
    market["page_moss"].services = [navigation]
    fulltext.refresh(session, market["page_moss"])
    session.commit()
    estimate = Estimate(
        ContractType.GOODS_AND_SERVICES,
        date(2027, 4, 1),
        VatTreatment.INCLUDED,
        annual_pence=200_000,
        years=Decimal("2"),
        options_pence=50_000,
    )
    criteria = Criteria(
        estimate,
        category="community-support",
        keywords="=page moss",
        legal_forms=frozenset({LegalForm.CIC}),
        social_economy_only=True,
    )
    record = _create(session, commissioner, knowsley.council, [market["page_moss"].id], "Navigation", criteria)

    header, row = list(csv.reader(io.StringIO(records.export_csv(record))))
    cells = dict(zip(header, row, strict=True))
    assert cells["What was bought"] == "Community support, advice and navigation"
    assert cells["Keywords"] == "'=page moss"  # what was typed, formula-safe
    assert cells["Contract type"] == "Goods and services"
    assert cells["Value as entered"] == "£2,000 a year for 2 years, plus £500 of options and extensions (including VAT)"
    assert cells["VAT basis"] == "Including VAT"
    assert cells["Start date"] == "1 April 2027"
    assert cells["Band"] == "Low value"
    assert cells["Filters"] == "Legal form: Community interest company (CIC); Social economy only"
    assert cells["Eligible providers when made"] == "1"

    plain = _create(session, commissioner, knowsley.council, [market["page_moss"].id], "Plain")
    header, row = list(csv.reader(io.StringIO(records.export_csv(plain))))[:2]
    cells = dict(zip(header, row, strict=True))
    assert (cells["What was bought"], cells["Keywords"], cells["Filters"]) == ("Any service", "", "None")
    assert cells["Value as entered"] == "£4,500 (excluding VAT)"
