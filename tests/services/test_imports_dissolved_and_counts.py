"""Issue 11 in the import service: dissolved rows (rejected, archived or flagged), evidence from the council's
import, numbers kept whatever the legal form, formula-like cells, blank rows and every count listed."""

from __future__ import annotations

import io
from dataclasses import fields
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.imports.lifecycle import COUNT_KEYS, RowOutcome, counts_add_up
from app.domain.imports.registration_status import DissolvedRows
from app.domain.providers import EvidenceState, ProviderStatus
from app.models import AuditEvent, ImportBatch, Provider, ProviderIdentifier
from app.models.base import utcnow
from app.services.imports import mapping, planning, plans, results, steps, storage, undoing
from tests.services.test_imports_service import (
    ACTOR,
    MAX_BYTES,
    NOT_IN_DIRECTORY,
    count,
    csv_bytes,
    existing,
    folder_fixture,  # noqa: F401 (a fixture)
    problems_of,
    provider_named,
    register_fixture,  # noqa: F401 (a fixture)
    small_directory_fixture,  # noqa: F401 (a fixture)
    tools_fixture,  # noqa: F401 (a fixture)
)

#: A file shaped like the Co-operatives UK open data: a status and a dissolved date per row.
STATUS_HEADER = ["Registered Name", "Legal Form", "Registered Number", "Registrar", "Registered Postcode"]
STATUS_HEADER += ["Registered Status", "Dissolved Date"]
LIVE = ["Roby Growers Co-operative", "Society", "31129", "FCA", "L36 9GD", "Live", ""]
DEAD = ["Page Moss Bakers Co-operative", "Society", "2456R", "FCA", "L36 9GD", "Dead", "3/5/2012"]
STRUCK_OFF = ["Huyton Print Ltd", "Private Limited Company", "01234567", "", "L28 1AA", "Struck off", ""]


def run(
    session: Session,
    tools: planning.Collaborators,
    data: bytes,
    *,
    dissolved: DissolvedRows = DissolvedRows.REJECT,
    verified: bool = False,
    commit: bool = True,
    name: str = "suppliers.csv",
) -> tuple[ImportBatch, plans.ImportCounts]:
    stored = storage.store_upload(io.BytesIO(data), tools.folder, MAX_BYTES)
    batch = mapping.begin(session, ACTOR, stored, name, tools.folder)
    batch.dissolved_rows = dissolved
    batch.publish_verified = verified
    counts = steps.check(session, batch, tools, now=utcnow())
    session.commit()
    if commit:
        counts = steps.commit(session, ACTOR, batch, tools, now=utcnow())
        session.commit()
    assert counts.add_up and counts_add_up(batch.counts), counts
    return batch, counts


def test_dissolved_and_struck_off_rows_are_rejected_with_the_reason_by_default(session, tools):
    batch, counts = run(session, tools, csv_bytes([LIVE, DEAD, STRUCK_OFF], header=STATUS_HEADER), verified=True)
    assert (counts.rows, counts.created, counts.rejected, counts.dissolved, counts.archived) == (3, 1, 2, 2, 0)
    assert count(session, Provider) == 1
    errors = {e.row_number: (e.column, e.code, e.message) for e in problems_of(session, batch, "error")}
    assert errors == {
        3: (
            "Dissolved Date",
            "ended",
            "The file says it has ended (status 'Dead', dissolved on 3 May 2012), so it was not imported",
        ),
        4: ("Registered Status", "ended", "The file says it has ended (status 'Struck off'), so it was not imported"),
    }
    # The rejected rows download with their reason, to keep or fix.
    rejected = list(results.rejected_rows(session, batch, tools.folder))
    assert [r[0] for r in rejected[1:]] == ["Page Moss Bakers Co-operative", "Huyton Print Ltd"]
    assert "it has ended" in rejected[1][-1]


def test_the_officer_may_keep_dissolved_rows_as_archived_never_published(session, tools):
    batch, counts = run(
        session,
        tools,
        csv_bytes([LIVE, DEAD, STRUCK_OFF], header=STATUS_HEADER),
        dissolved=DissolvedRows.ARCHIVE,
        verified=True,  # "publish as verified" never publishes a dissolved organisation
    )
    assert (counts.rows, counts.created, counts.archived, counts.rejected, counts.dissolved) == (3, 1, 2, 0, 2)
    bakers = provider_named(session, "Page Moss Bakers Co-operative")
    assert (bakers.status, bakers.dissolved_on, bakers.verified_at) == (ProviderStatus.ARCHIVED, date(2012, 5, 3), None)
    assert provider_named(session, "Huyton Print Ltd").status == ProviderStatus.ARCHIVED
    assert provider_named(session, "Roby Growers Co-operative").status == ProviderStatus.VERIFIED
    warnings = [w for w in problems_of(session, batch, "warning") if w.code == "ended"]
    assert [w.row_number for w in warnings] == [3, 4]
    assert "kept on the register as archived and never published" in warnings[0].message

    # Undo removes them like any other organisation the import added.
    undoing.undo(session, ACTOR, batch, now=utcnow())
    session.commit()
    assert count(session, Provider) == 0


def test_a_dissolved_row_matching_a_provider_on_the_register_flags_it_and_changes_nothing(session, tools):
    on_register = existing(
        session, "Page Moss Bakers Co-operative", org_id="GB-MPR-2456R", status=ProviderStatus.VERIFIED
    )
    before = (on_register.name, on_register.status, on_register.awaiting_review, len(on_register.sites))
    assert before[2] is False
    dead = [*DEAD[:4], "L10 0AD", *DEAD[5:]]  # another postcode: the file's values must not be taken
    batch, counts = run(session, tools, csv_bytes([dead], header=STATUS_HEADER))
    assert (counts.flagged, counts.updated, counts.created, counts.rejected) == (1, 0, 0, 0)
    session.refresh(on_register)
    assert on_register.status == ProviderStatus.VERIFIED  # still published until an officer decides
    assert on_register.awaiting_review is True  # in the officer's queue of changes to check
    assert on_register.dissolved_on is None
    assert {s.postcode for s in on_register.sites} == {"L36 9GD"}
    flag = [w for w in problems_of(session, batch, "warning") if w.code == "flagged"]
    assert [f.message for f in flag] == [
        "The file says it has ended (status 'Dead', dissolved on 3 May 2012). Page Moss Bakers Co-operative on the "
        "register was not changed: it is flagged for an officer to check"
    ]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "provider.flagged_by_import"))
    assert event is not None and (event.entity_type, event.entity_id) == ("provider", str(on_register.id))
    assert event.changes["import_batch"] == batch.id

    # Checking the same file again: already flagged, so nothing more to do.
    _, again = run(session, tools, csv_bytes([dead], header=STATUS_HEADER), commit=False)
    assert (again.flagged, again.unchanged) == (0, 1)

    # Undo takes the flag off.
    undoing.undo(session, ACTOR, batch, now=utcnow())
    session.commit()
    session.refresh(on_register)
    assert on_register.awaiting_review is False


def test_a_dissolved_row_is_not_offered_as_a_possible_match_when_such_rows_are_left_out(session, tools):
    existing(session, "Page Moss Bakers Co-operative Society")  # similar name, same postcode, no number
    dead = ["Page Moss Bakers Co-op", "", "", "", "L36 9GD", "Dissolved", ""]
    _, counts = run(session, tools, csv_bytes([dead], header=STATUS_HEADER), commit=False)
    assert (counts.possible_match, counts.rejected) == (0, 1)


def test_imported_numbers_say_they_came_from_the_councils_import(session, tools):
    row = ["Roby Growers Co-operative", "Private company", "01234567", "", "L36 9GD", "Active", ""]
    batch, _ = run(session, tools, csv_bytes([row], header=STATUS_HEADER), name="finance-suppliers.csv")
    provider = provider_named(session, "Roby Growers Co-operative")
    [identifier] = provider.identifiers
    # "Private company" is read, and its company number kept (issue 11, finding 5).
    assert identifier.org_id == "GB-COH-01234567"
    assert identifier.evidence == EvidenceState.COUNCIL_IMPORT
    assert identifier.import_batch_id == batch.id
    assert batch.committed_at is not None
    day = batch.committed_at.date()
    assert identifier.evidence_text == f"From the council's import of finance-suppliers.csv on {day:%-d %B %Y}"
    assert identifier.evidence_text != "Self-declared"


def test_a_number_added_to_a_provider_on_the_register_says_which_import(session, tools):
    provider = existing(session, "Roby Growers Co-operative")
    row = ["Roby Growers Co-operative", "", "RS007155", "", "L36 9GD", "", ""]  # no legal form: kept by its shape
    _, counts = run(session, tools, csv_bytes([row], header=STATUS_HEADER), name="cvs-members.csv")
    assert counts.updated == 1
    identifier = session.scalar(select(ProviderIdentifier).where(ProviderIdentifier.provider_id == provider.id))
    assert identifier is not None and identifier.org_id == "GB-COH-RS007155"
    assert identifier.evidence_text.startswith("From the council's import of cvs-members.csv on ")


def test_blank_rows_are_counted_and_every_organisation_not_placed_is_listed(session, tools):
    header = ["Name", "Address", "Postcode"]
    rows = [
        ["Placed Org", "1 Roby Road", "L36 9GD"],
        ["", "", ""],
        ["No Postcode Org", "2 High Street", ""],
        ["Unknown Postcode Org", "3 Low Street", NOT_IN_DIRECTORY],
        ["Bad Postcode Org", "4 Side Street", "XYZ"],
        ["  ", " ", ""],
        ["Name Only Org", "", ""],
    ]
    batch, counts = run(session, tools, csv_bytes(rows, header=header))
    assert (counts.rows, counts.blank_rows, counts.created) == (5, 2, 5)
    listed = [w for w in problems_of(session, batch, "warning") if w.code == "not_placed"]
    assert [w.name for w in listed] == ["No Postcode Org", "Unknown Postcode Org", "Bad Postcode Org"]
    assert counts.not_placed == len(listed) == 3
    # One problem a row: the bad postcode's own message is the one that says it is not placed.
    assert [w.row_number for w in problems_of(session, batch, "warning")] == [4, 5, 6]
    assert results.count_issues(session, batch, "warning", code="not_placed") == 3


def test_formula_like_names_are_counted_before_importing(session, tools):
    header = ["Name", "Postcode"]
    rows = [['=HYPERLINK("http://evil.example","Click me")', "L36 9GD"], ["@Roby Org", ""], ["Good Org", ""]]
    batch, counts = run(session, tools, csv_bytes(rows, header=header), commit=False)
    assert counts.formula == 2
    assert results.count_issues(session, batch, "warning", code="formula") == 2
    table = list(results.problems_table(session, batch))
    assert sum(1 for line in table if "may run it as a formula" in line[3]) == 2


def test_outcome_words_name_what_happened(session, tools):
    batch, _ = run(session, tools, csv_bytes([LIVE], header=STATUS_HEADER))
    assert batch.outcome == "1 new organisation added."
    again, _ = run(session, tools, csv_bytes([LIVE], header=STATUS_HEADER))
    assert again.outcome == (
        "Nothing on the register changed: the organisation in the file is on it already, as the file has it."
    )
    assert RowOutcome.ARCHIVED.label == "Archived"


def test_a_dissolved_company_that_became_a_society_does_not_flag_the_society(session, tools):
    # As in the Co-operatives UK file: Winsham Shop the company (dead) and Winsham Shop the society (live).
    society = ["Winsham Shop Limited", "Society", "7037CBS", "FCA", "L36 9GD", "Live", ""]
    company = ["Winsham Shop Limited", "Company", "04517960", "Companies House", "L36 9GD", "Dead", "1/4/2010"]
    _, counts = run(session, tools, csv_bytes([society, company], header=STATUS_HEADER))
    assert (counts.created, counts.rejected) == (1, 1)
    _, again = run(session, tools, csv_bytes([society, company], header=STATUS_HEADER), commit=False)
    assert (again.unchanged, again.rejected, again.flagged) == (1, 1, 0)
    assert provider_named(session, "Winsham Shop Limited").awaiting_review is False


def test_a_placeholder_or_an_unreadable_date_beside_a_live_status_imports_the_organisation(session, tools):
    placeholder = ["Roby Growers Co-operative", "Society", "31129", "FCA", "L36 9GD", "Live", "N/A"]
    garbled = ["Page Moss Bakers Co-operative", "Society", "2456R", "FCA", "L36 9GD", "Active", "last spring"]
    batch, counts = run(session, tools, csv_bytes([placeholder, garbled], header=STATUS_HEADER), verified=True)
    assert (counts.created, counts.rejected, counts.dissolved, counts.archived) == (2, 0, 0, 0)
    assert provider_named(session, "Roby Growers Co-operative").status == ProviderStatus.VERIFIED
    assert provider_named(session, "Page Moss Bakers Co-operative").status == ProviderStatus.VERIFIED
    warnings = {(w.row_number, w.column) for w in problems_of(session, batch, "warning")}
    assert (3, "Dissolved Date") in warnings and not any(row == 2 for row, _ in warnings)


def test_the_counts_an_import_keeps_are_the_rulebooks_in_its_order() -> None:
    # One home for the count keys (app/domain/imports/lifecycle.py): the service counts exactly those.
    assert tuple(f.name for f in fields(plans.ImportCounts)) == COUNT_KEYS
    counts = plans.ImportCounts(rows=4, created=2, flagged=1, rejected=1, with_warnings=1)
    assert tuple(counts.as_dict()) == COUNT_KEYS and counts.add_up
    assert not plans.ImportCounts(rows=4, created=2).add_up
