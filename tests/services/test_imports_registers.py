"""Issue 15, item 4 in the supplier import: a row's number or name consults the loaded public registers (dissolved
on the register, the register's name, legal form and registered office, a number matched by exact name and
postcode, candidates for the officer), a chunk at a time, and not at all when no register is loaded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.domain.imports.registration_status import DissolvedRows
from app.domain.providers import EvidenceState, LegalForm, Placement, ProviderStatus, SiteKind
from app.domain.registers import Register
from app.models import Provider, ProviderIdentifier, ProviderRegisterRecord
from app.models.base import utcnow
from app.services.imports import undoing
from app.services.imports.register_facts import RegisterLookup
from app.services.registers import load_register
from tests.registers_data import company_row, write_companies
from tests.services.test_imports_dissolved_and_counts import run
from tests.services.test_imports_service import (
    ACTOR,
    count,
    csv_bytes,
    existing,
    folder_fixture,  # noqa: F401 (a fixture)
    line,
    problems_of,
    provider_named,
    register_fixture,  # noqa: F401 (a fixture)
    small_directory_fixture,  # noqa: F401 (a fixture)
    tools_fixture,  # noqa: F401 (a fixture)
)

TODAY = date(2026, 12, 4)
PUBLISHED = date(2026, 12, 1)
AS_OF = "Companies House's register of 1 December 2026"


def load_companies(session: Session, tmp_path: Path, *rows: list[str]) -> None:
    path = write_companies(tmp_path / "BasicCompanyData.csv", list(rows))
    load_register(session, Register.COMPANIES_HOUSE, [path], TODAY, published_on=PUBLISHED)
    session.commit()


def at(postcode: str, **fields: str) -> dict[str, str]:
    return {"RegAddress.PostCode": postcode, **fields}


def warnings_of(session: Session, batch, row_number: int) -> list[tuple[str | None, str]]:
    return [(w.column, w.message) for w in problems_of(session, batch, "warning") if w.row_number == row_number]


DISSOLVED = company_row(
    "01234567", "HUYTON PRINT LIMITED", CompanyStatus="Dissolved", DissolutionDate="03/03/2024", **at("L28 1AA")
)


def test_a_number_the_register_says_is_dissolved_is_rejected_naming_the_register(session, tools, tmp_path):
    load_companies(session, tmp_path, DISSOLVED)
    row = line(name="Huyton Print Ltd", number="01234567", postcode="L28 1AA")
    batch, counts = run(session, tools, csv_bytes([row]))
    assert (counts.rows, counts.rejected, counts.created, counts.dissolved, counts.register_dissolved) == (
        1,
        1,
        0,
        0,
        1,
    )
    [error] = problems_of(session, batch, "error")
    assert (error.column, error.code, error.message) == (
        "Registered number",
        "ended_on_register",  # the register said so, not the file
        f"{AS_OF} says it was dissolved on 3 March 2024, so it was not imported",
    )
    assert count(session, Provider) == 0


def test_archived_by_the_register_with_its_date_and_its_record_kept_then_undone(session, tools, tmp_path):
    load_companies(session, tmp_path, DISSOLVED)
    row = line(name="Huyton Print Ltd", number="01234567", postcode="L28 1AA")
    batch, counts = run(session, tools, csv_bytes([row]), dissolved=DissolvedRows.ARCHIVE, verified=True)
    assert (counts.archived, counts.register_dissolved) == (1, 1)
    printer = provider_named(session, "Huyton Print Ltd")
    assert (printer.status, printer.dissolved_on) == (ProviderStatus.ARCHIVED, date(2024, 3, 3))
    record = session.scalars(
        select(ProviderRegisterRecord).where(ProviderRegisterRecord.provider_id == printer.id)
    ).one()
    assert (record.number, record.liveness, record.ended_on, record.confirmed_at) == (
        "01234567",
        "gone",
        date(2024, 3, 3),
        None,
    )
    assert record.published_on == PUBLISHED and "Companies House lists it as dissolved" in record.findings
    [warning] = [w for w in problems_of(session, batch, "warning") if w.code == "ended_on_register"]
    assert warning.message == (
        f"{AS_OF} says it was dissolved on 3 March 2024, so it is kept on the register as archived and never published"
    )
    undoing.undo(session, ACTOR, batch, now=utcnow())
    session.commit()
    assert count(session, Provider) == 0 and count(session, ProviderRegisterRecord) == 0


def test_a_provider_whose_number_the_register_says_is_dissolved_is_flagged_not_changed(session, tools, tmp_path):
    load_companies(session, tmp_path, DISSOLVED)
    printer = existing(session, "Huyton Print Ltd", "L28 1AA", org_id="GB-COH-01234567", status=ProviderStatus.VERIFIED)
    batch, counts = run(session, tools, csv_bytes([line(name="Huyton Print Ltd", number="01234567")]))
    assert (counts.flagged, counts.updated, counts.register_dissolved) == (1, 0, 1)
    session.refresh(printer)
    assert printer.awaiting_review is True and printer.status == ProviderStatus.VERIFIED
    [flag] = [w for w in problems_of(session, batch, "warning") if w.code == "flagged"]
    assert flag.message == (
        f"{AS_OF} says it was dissolved on 3 March 2024. Huyton Print Ltd on the register was not changed: it is "
        "flagged for an officer to check"
    )
    record = session.scalars(
        select(ProviderRegisterRecord).where(ProviderRegisterRecord.provider_id == printer.id)
    ).one()
    assert record.liveness == "gone"


def test_the_register_fills_the_legal_form_and_places_by_its_registered_office_and_warns_of_its_name(
    session, tools, tmp_path
):
    load_companies(
        session,
        tmp_path,
        company_row(
            "09876543", "PAGE MOSS NAVIGATORS CIC", CompanyCategory="Community Interest Company", **at("L36 9GD")
        ),
    )
    row = line(name="Page Moss Community Navigators", number="09876543", postcode="not known")
    batch, counts = run(session, tools, csv_bytes([row]))
    assert (counts.created, counts.with_warnings, counts.not_placed) == (1, 1, 0)
    navigators = provider_named(session, "Page Moss Community Navigators")  # the file's name is kept
    assert navigators.legal_form == LegalForm.CIC
    [office] = [s for s in navigators.sites if s.kind == SiteKind.REGISTERED_OFFICE]
    assert (office.postcode, office.placement, office.district_code) == ("L36 9GD", Placement.POSTCODE, "E08000011")
    assert office.placement_note == f"Placed by its registered office on {AS_OF}"
    assert office.address == "9 PRINCES SQUARE\nHARROGATE"
    [identifier] = navigators.identifiers
    assert (identifier.org_id, identifier.evidence) == ("GB-COH-09876543", EvidenceState.COUNCIL_IMPORT)
    assert set(warnings_of(session, batch, 2)) == {
        (
            "Name",
            f"{AS_OF} names 09876543 PAGE MOSS NAVIGATORS CIC, not Page Moss Community Navigators: check the number "
            "is this organisation's",
        ),
        (
            "Legal form",
            f"No legal form, so it was recorded as community interest company (CIC) from {AS_OF} "
            "('Community Interest Company')",
        ),
        (
            "Postcode",
            f"'not known' is not a full UK postcode, so the organisation is placed by its registered office on "
            f"{AS_OF} (L36 9GD)",
        ),
    }
    record = session.scalars(select(ProviderRegisterRecord)).one()
    assert (record.provider_id, record.name, record.legal_form) == (navigators.id, "PAGE MOSS NAVIGATORS CIC", "cic")
    assert "Its registered name is PAGE MOSS NAVIGATORS CIC (was Page Moss Community Navigators)" in record.findings


def test_a_number_not_on_the_loaded_register_is_imported_with_a_warning(session, tools, tmp_path):
    load_companies(session, tmp_path, DISSOLVED)
    batch, counts = run(session, tools, csv_bytes([line(name="Roby Growers Ltd", number="07777777")]))
    assert counts.created == 1
    assert warnings_of(session, batch, 2)[0] == (
        "Registered number",
        "07777777 is not on Companies House's register of 1 December 2026: check the number",
    )
    assert count(session, ProviderRegisterRecord) == 0


def test_a_row_with_no_number_takes_the_one_live_company_of_its_exact_name_at_its_postcode(session, tools, tmp_path):
    load_companies(
        session,
        tmp_path,
        company_row("05555555", "ROBY GROWERS LIMITED", **at("L36 9GD")),
        company_row("05555556", "ROBY GROWERS LIMITED", CompanyStatus="Dissolved", **at("L36 9GD")),
    )
    batch, counts = run(session, tools, csv_bytes([line(name="Roby Growers Ltd", postcode="L36 9GD")]))
    assert counts.created == 1
    growers = provider_named(session, "Roby Growers Ltd")
    [identifier] = growers.identifiers
    assert (identifier.org_id, identifier.evidence) == ("GB-COH-05555555", EvidenceState.REGISTER_MATCHED)
    assert growers.legal_form == LegalForm.PRIVATE_COMPANY
    assert (
        "Registered number",
        f"No number in the file: matched to ROBY GROWERS LIMITED on {AS_OF} by its exact name and registered office "
        "postcode, so its Companies House number 05555555 was added",
    ) in warnings_of(session, batch, 2)
    assert session.scalars(select(ProviderRegisterRecord.number)).all() == ["05555555"]


def test_a_name_alone_or_a_near_name_is_listed_for_the_officer_and_no_number_is_added(session, tools, tmp_path):
    load_companies(
        session,
        tmp_path,
        company_row("01111111", "KNOWSLEY BAKERY LIMITED", **at("L36 9GD")),
        company_row("02222222", "ROBY GARDENERS LIMITED", **at("L28 1AA")),
        company_row("03333333", "HALEWOOD HANDS LIMITED", **at("L10 0AD")),
        company_row("03333334", "HALEWOOD HANDS LTD", **at("L10 0AD")),
    )
    rows = [
        line(name="Knowsley Bakery Ltd", postcode="L28 1AA"),  # its name, registered elsewhere
        line(name="Knowsley Bakery Ltd", town="Huyton"),  # its name, no postcode: a name alone is never enough
        line(name="Roby Gardners Ltd", postcode="L28 1AA"),  # a near name
        line(name="Halewood Hands", postcode="L10 0AD"),  # two companies of that name there
        line(name="Nobody At All Ltd", postcode="L10 0AD"),
    ]
    batch, counts = run(session, tools, csv_bytes(rows))
    assert counts.rows == 5 and count(session, ProviderIdentifier) == 0 and count(session, ProviderRegisterRecord) == 0
    listed = "No number in the file, and it may be one of these on the public registers: "
    added = ". No number was added: if it is one of them, add its number to the file"
    bakery = "Companies House number 01111111 KNOWSLEY BAKERY LIMITED (same name, registered office L36 9GD)"
    assert warnings_of(session, batch, 2) == [("Name", f"{listed}{bakery}{added}")]
    assert ("Name", f"{listed}{bakery}{added}") in warnings_of(session, batch, 3)  # and it is not placed
    [(column, near)] = warnings_of(session, batch, 4)
    assert column == "Name" and near.startswith(f"{listed}Companies House number 02222222 ROBY GARDENERS LIMITED (")
    assert "% alike)" in near
    assert warnings_of(session, batch, 5) == [
        (
            "Name",
            f"{listed}Companies House number 03333333 HALEWOOD HANDS LIMITED (same name); Companies House number "
            f"03333334 HALEWOOD HANDS LTD (same name){added}",
        )
    ]
    assert warnings_of(session, batch, 6) == []


@contextmanager
def register_queries(session: Session) -> Iterator[list[str]]:
    """The statements that read the registers' tables while the block runs."""
    seen: list[str] = []

    def heard(conn, cursor, statement, parameters, context, executemany) -> None:
        if "register_companies" in statement or "register_charities" in statement or "register_societies" in statement:
            seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", heard)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", heard)


def test_the_registers_are_read_a_chunk_at_a_time_never_a_row_at_a_time(session, tools, tmp_path):
    load_companies(session, tmp_path, DISSOLVED, company_row("05555555", "ROBY GROWERS LIMITED", **at("L36 9GD")))

    def statements(rows: int) -> int:
        lines = [line(name=f"Supplier number {n} Ltd", number=f"0{n:07d}", postcode="L36 9GD") for n in range(rows)]
        lines += [line(name=f"Unnumbered supplier {n} Ltd", postcode="L36 9GD") for n in range(rows)]
        with register_queries(session) as seen:
            run(session, tools, csv_bytes(lines), commit=False)
        return len(seen)

    assert statements(3) == statements(60) > 0


def test_with_no_register_loaded_the_import_reads_none(session, tools):
    assert RegisterLookup.of(session) is None
    with register_queries(session) as seen:
        _, counts = run(session, tools, csv_bytes([line(name="Huyton Print Ltd", number="01234567")]))
    assert seen == [] and counts.created == 1


def test_the_check_keeps_no_record_and_plans_as_the_commit_does(session, tools, tmp_path):
    load_companies(session, tmp_path, DISSOLVED)
    batch, counts = run(session, tools, csv_bytes([line(name="Huyton Print Ltd", number="01234567")]), commit=False)
    assert (counts.rejected, counts.register_dissolved) == (1, 1)
    assert count(session, ProviderRegisterRecord) == 0
    assert batch.counts["register_dissolved"] == 1
