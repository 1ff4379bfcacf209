"""The supplier import's bulk writes (issue 14): COPY on PostgreSQL and one prepared executemany on SQLite store what
the ORM would have stored, row by row, for a file with every kind of row; the ids they take are the sequence's (a
provider registered afterwards gets a fresh one); a search finds what they wrote; undo still restores.

The fixtures and helpers are test_imports_service.py's.
"""

from __future__ import annotations

import gc
import io
import warnings
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from app.domain.eligibility import generative_signals, signal_score
from app.domain.imports.duplicates import DuplicateFinder
from app.domain.imports.reading import read_sheet
from app.domain.imports.registration_status import DissolvedRows
from app.domain.imports.rows import parse_row
from app.domain.providers import IDENTIFIER_SCHEMES, EvidenceState, FactKind, SiteKind
from app.extensions import db
from app.models import (
    AuditEvent,
    ImportBatch,
    ImportChange,
    ImportIssue,
    Provider,
    ProviderFact,
    ProviderIdentifier,
    ProviderSearchDocument,
    Site,
    provider_services,
)
from app.models.base import Base
from app.services import fulltext
from app.services.imports import bulk, changes, parsed, planning, snapshots, steps, undoing
from app.services.imports.planning import providers_for_update
from tests import factories
from tests.services.test_imports_service import (
    ACTOR,
    NOT_IN_DIRECTORY,
    category,
    csv_bytes,
    existing,
    folder_fixture,  # noqa: F401 (a fixture)
    register_fixture,  # noqa: F401 (a fixture)
    small_directory_fixture,  # noqa: F401 (a fixture)
    tools_fixture,  # noqa: F401 (a fixture)
    upload,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HEADER = [
    "Name",
    "Trading name",
    "Legal form",
    "Registered number",
    "Registrar",
    "Address",
    "Town",
    "Postcode",
    "Email",
    "Website",
    "Sector",
    "Description",
    "Phone",
    "Status",
    "Reference",
]


def row(**values: str) -> list[str]:
    keys = [h.lower().replace(" ", "_") for h in HEADER]
    assert not set(values) - set(keys), set(values) - set(keys)
    return [values.get(key, "") for key in keys]


#: Every kind of row: new (with and without a number, placed, not placed, archived, with a trading name), an update,
#: unchanged, a possible match kept separate, rejected, and doubles within the file.
EVERY_KIND = [
    row(
        name="Roby Community Garden CIC",
        legal_form="CIC",
        registered_number="12345670",
        registrar="Companies House",
        address="1 Roby Road\nUnit 2",
        town="Huyton",
        postcode="L36 9GD",
        email="hello@robygarden.example",
        website="www.robygarden.example",
        sector="Health and Social Care",
        description="A community garden.\nOpen every day.",
        phone="0151 555 0101",
        reference="R1",
    ),
    row(
        name="Roby Gardeners CIC",
        registered_number="12345678",
        registrar="Companies House",
        website="new.example",
        postcode="L28 1AA",
        sector="Printing and design",
        reference="R2",
    ),  # the provider holding GB-COH-12345678: updated, its office moved
    row(name="Huyton Credit Union Ltd", postcode="L36 9GD", reference="R3"),  # unchanged
    row(name="Huyton Credit Union Branch", postcode="L36 9GD", reference="R4"),  # a possible match
    row(name="", postcode="L36 9GD", reference="R5"),  # rejected: no name
    row(name="Roby Community Garden", registered_number="12345670", registrar="Companies House", reference="R6"),
    row(name="Stockbridge Tenants Co-operative", legal_form="Society", registered_number="31129", registrar="FCA"),
    row(name="Stockbridge Tenants Co-operative", legal_form="Society", reference="R8"),  # the row above again
    row(name="Printers Without A Postcode", trading_name="The Printers", sector="no such service", reference="R9"),
    row(name="Far Away Makers", postcode=NOT_IN_DIRECTORY, email="not an email", reference="R10"),
    row(name="Wound Up Ltd", registered_number="87654321", postcode="L10 0AD", status="Dissolved", reference="R11"),
    row(name="=Formula Trust", legal_form="Charity", registered_number="1100001", postcode="L1 8JQ", reference="R12"),
]


def _model_of(table: Table) -> type[Any] | None:
    return next((m.class_ for m in Base.registry.mappers if m.local_table is table), None)


def _row_by_row(self: bulk.BulkTable, session: Session, rows: Sequence[bulk.Row]) -> None:
    """The ORM's way: an object per row, flushed by the unit of work (a Core insert for an association table)."""
    model = _model_of(self.table)
    for values in rows:
        named = dict(zip(self.columns, values, strict=True))
        if model is None:
            session.execute(insert(self.table), named)
        else:
            session.add(model(**named))
    session.flush()


def _existing_register(session: Session) -> dict[str, int]:
    """Providers the file updates, leaves unchanged or may match, one with a fact; committed."""
    gardeners = existing(session, "Roby Gardeners", "L36 9GD", org_id="GB-COH-12345678", website="https://old.example")
    gardeners.services = [category(session, "arts-and-culture")]
    gardeners.sites[0].kind = SiteKind.REGISTERED_OFFICE
    gardeners.facts.append(ProviderFact(kind=FactKind.ASSET_LOCK, value="yes", evidence=EvidenceState.SELF_DECLARED))
    union = existing(session, "Huyton Credit Union Ltd", "L36 9GD")
    union.sites[0].kind = SiteKind.REGISTERED_OFFICE
    session.commit()
    fulltext.refresh_many(session, [gardeners, union])
    session.commit()
    return {"gardeners": gardeners.id, "union": union.id}


def _import(session: Session, tools: planning.Collaborators, data: bytes) -> ImportBatch:
    """Check, keep the possible match separate, and commit (flushed, not committed)."""
    batch = upload(session, tools.folder, data, "every kind.csv")
    batch.dissolved_rows = DissolvedRows.ARCHIVE
    steps.check(session, batch, tools, now=NOW)
    matches = session.scalars(
        select(ImportIssue.id).where(ImportIssue.batch_id == batch.id, ImportIssue.kind == "possible_match")
    ).all()
    assert matches, "the file should hold a possible match"
    steps.decide(session, ACTOR, batch, dict.fromkeys(matches, "separate"))
    steps.commit(session, ACTOR, batch, tools, now=NOW)
    session.flush()
    return batch


def _written(session: Session, batch: ImportBatch) -> dict[str, Any]:
    """Every row the commit wrote, with ids that differ between runs (PostgreSQL's sequences do not roll back)
    replaced by the file's row numbers, or left out."""
    session.expire_all()
    by_row = {
        c.provider_id: c.row_number
        for c in session.scalars(select(ImportChange).where(ImportChange.batch_id == batch.id))
    }
    ids = sorted(by_row)

    def value(name: str, key: str, found: Any) -> Any:
        if name == key:
            return by_row.get(found, found)
        # An update's updated_at is the ORM's clock, not the import's time.
        return "(the clock)" if isinstance(found, datetime) and found != NOW else found

    def rows(table: Table, key: str) -> list[tuple[Any, ...]]:
        columns = [c for c in table.c if c.name not in ("id", "batch_id", "import_batch_id")]
        found = session.execute(select(table.c[key], *columns).where(table.c[key].in_(ids))).all()
        return sorted(
            (by_row[r[0]], *(value(c.name, key, v) for c, v in zip(columns, r[1:], strict=True))) for r in found
        )

    issue_columns = [c for c in ImportIssue.__table__.c if c.name not in ("id", "batch_id")]
    change_columns = [c for c in ImportChange.__table__.c if c.name not in ("id", "batch_id", "provider_id")]
    return {
        "providers": rows(Provider.__table__, "id"),  # type: ignore[arg-type]
        "sites": rows(Site.__table__, "provider_id"),  # type: ignore[arg-type]
        "identifiers": rows(ProviderIdentifier.__table__, "provider_id"),  # type: ignore[arg-type]
        "services": rows(provider_services, "provider_id"),
        "documents": rows(ProviderSearchDocument.__table__, "provider_id"),  # type: ignore[arg-type]
        "changes": session.execute(
            select(*change_columns).where(ImportChange.batch_id == batch.id).order_by(ImportChange.id)
        ).all(),
        "issues": session.execute(
            select(*issue_columns).where(ImportIssue.batch_id == batch.id).order_by(ImportIssue.id)
        ).all(),
        "counts": batch.counts,
        "events": session.execute(
            select(AuditEvent.action, AuditEvent.entity_type, AuditEvent.changes)
            .where(AuditEvent.action.in_(["provider.flagged_by_import", "import.committed"]))
            .order_by(AuditEvent.id)
        ).all(),
    }


def test_the_bulk_writes_store_what_the_orm_stores_row_by_row_for_every_kind_of_row(
    session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch
) -> None:
    _existing_register(session)
    data = csv_bytes(EVERY_KIND, header=HEADER)

    savepoint = session.begin_nested()
    with monkeypatch.context() as patched:
        patched.setattr(bulk.BulkTable, "write", _row_by_row)
        by_orm = _written(session, _import(session, tools, data))
    savepoint.rollback()
    session.expire_all()
    in_bulk = _written(session, _import(session, tools, data))

    counts = in_bulk["counts"]
    assert (counts["created"], counts["updated"], counts["unchanged"], counts["archived"]) == (6, 1, 1, 1), counts
    assert counts["rejected"] == 3, counts  # no name, and the two doubles within the file
    assert in_bulk["services"] and in_bulk["identifiers"] and in_bulk["sites"] and in_bulk["issues"]
    for key in in_bulk:
        assert in_bulk[key] == by_orm[key], key


def test_what_the_bulk_writes_reads_back_through_the_orm_as_the_import_recorded_it(
    session: Session, tools: planning.Collaborators
) -> None:
    _existing_register(session)
    batch = _import(session, tools, csv_bytes(EVERY_KIND, header=HEADER))
    session.commit()

    recorded = session.scalars(select(ImportChange).where(ImportChange.batch_id == batch.id)).all()
    providers = providers_for_update(session, [c.provider_id for c in recorded])
    assert len(providers) == len(recorded) == 8
    for change in recorded:
        provider = providers[change.provider_id]
        # The digest undo compares with: the provider as the ORM reads it is the provider the import wrote.
        assert snapshots.digest(snapshots.snapshot(provider)) == change.after_digest, provider.name
        document = session.get(ProviderSearchDocument, provider.id)
        assert document is not None, provider.name
        # The same lines; a new provider's services are written in the order the file named them (as before bulk
        # writes), where a refresh lists them in the order the register reads them back.
        assert sorted(document.document.splitlines()) == sorted(fulltext.document_for(provider).splitlines())
        checked = sum(1 for i in provider.identifiers if i.evidence == EvidenceState.OFFICER_VERIFIED)
        facts = {f.kind: (f.value, f.evidence) for f in provider.facts}
        assert provider.signal_score == signal_score(generative_signals(provider.legal_form, facts, checked))


def test_a_search_finds_a_provider_the_bulk_writes_created(session: Session, tools: planning.Collaborators) -> None:
    _existing_register(session)
    _import(session, tools, csv_bytes(EVERY_KIND, header=HEADER))
    session.commit()

    garden = session.scalar(select(Provider.id).where(Provider.name == "Roby Community Garden CIC"))
    found = fulltext.match(session, "roby garden huyton")  # its name and its office's town
    assert found is not None
    assert session.scalars(select(Provider.id).where(found.anywhere)).all() == [garden]
    assert session.scalars(select(Provider.id).where(found.in_names)).all() == []  # Huyton is not in its name
    printers = session.scalar(select(Provider.id).where(Provider.name == "Printers Without A Postcode"))
    found = fulltext.match(session, "the printers")  # its trading name
    assert found is not None
    assert session.scalars(select(Provider.id).where(found.anywhere)).all() == [printers]


def test_the_ids_the_bulk_writes_take_are_the_sequences_so_later_rows_get_fresh_ones(
    session: Session, tools: planning.Collaborators
) -> None:
    _existing_register(session)
    batch = _import(session, tools, csv_bytes(EVERY_KIND, header=HEADER))
    session.commit()

    created = session.execute(
        select(ImportChange.row_number, ImportChange.provider_id)
        .where(ImportChange.batch_id == batch.id, ImportChange.action == "created")
        .order_by(ImportChange.row_number)
    ).all()
    ids = [provider_id for _, provider_id in created]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # ascending in the file's order
    largest = {
        name: session.scalar(select(func.max(table.c.id)))
        for name, table in (("providers", Provider.__table__), ("sites", Site.__table__))
    }
    later = factories.provider(session, "Registered Afterwards")  # a provider and a site, through the ORM
    later.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="55555555", org_id="GB-COH-55555555"))
    session.commit()
    assert later.id > max(ids) and later.id > (largest["providers"] or 0)
    assert later.sites[0].id > (largest["sites"] or 0)
    assert session.get(Provider, later.id) is later


def test_undo_removes_and_restores_what_the_bulk_writes_did(session: Session, tools: planning.Collaborators) -> None:
    register = _existing_register(session)
    gardeners = providers_for_update(session, [register["gardeners"]])[register["gardeners"]]
    before = snapshots.snapshot(gardeners)
    providers_before = session.scalar(select(func.count()).select_from(Provider))
    batch = _import(session, tools, csv_bytes(EVERY_KIND, header=HEADER))
    session.commit()

    report = undoing.undo(session, ACTOR, batch, now=NOW)
    session.commit()

    assert (report.removed, report.restored, report.left) == (7, 1, [])
    assert session.scalar(select(func.count()).select_from(Provider)) == providers_before
    session.expire_all()
    gardeners = providers_for_update(session, [register["gardeners"]])[register["gardeners"]]
    assert snapshots.snapshot(gardeners) == before
    for table in (Site, ProviderIdentifier, ProviderSearchDocument):
        orphans = session.scalar(
            select(func.count()).select_from(table).where(table.provider_id.not_in(select(Provider.id)))
        )
        assert orphans == 0, table


def test_a_bulk_table_refuses_rows_that_leave_out_a_default_computed_in_python(session: Session) -> None:
    with pytest.raises(ValueError, match="created_at, updated_at"):
        bulk.BulkTable(Site.__table__, ("provider_id", "kind"), session.get_bind().dialect)  # type: ignore[arg-type]


def test_postgresql_is_told_the_size_of_the_register_part_way_through_a_large_commit(
    session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite's planner gathers no statistics")
    _existing_register(session)
    monkeypatch.setattr(changes, "ANALYZE_AFTER", 3)
    _import(session, tools, csv_bytes(EVERY_KIND, header=HEADER))

    reltuples = session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'providers'"))
    assert reltuples is not None and reltuples >= 3  # analysed with the rows this transaction wrote


@pytest.mark.commits  # the server ends the session's own connection
def test_a_connection_the_server_ends_during_a_copy_can_be_rolled_back_and_replaced(app: Flask) -> None:
    with app.app_context():
        session = db.session
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("COPY is PostgreSQL's")
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        services = bulk.BulkTable(provider_services, ("provider_id", "category_id"), session.get_bind().dialect)

        with pytest.raises(Exception, match=r"terminat|lost|closed"):
            services.write(session, [(1, 1)])
        session.rollback()  # SQLAlchemy knows the connection is gone: no second error here
        assert session.execute(text("SELECT 1")).scalar_one() == 1  # on a new connection
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)  # the ended connection, dropped by the pool unclosed
            db.session.remove()
            db.engine.dispose()
            gc.collect()


def test_on_sqlite_the_commit_works_with_a_larger_page_cache_and_gives_the_connection_its_own_back(
    session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch
) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's page cache")
    _existing_register(session)
    own = session.execute(text("PRAGMA cache_size")).scalar_one()
    during: list[int] = []
    real_write = changes.NewProviders.write

    def write(self: changes.NewProviders, plans: list[Any]) -> list[bulk.Row]:
        during.append(session.execute(text("PRAGMA cache_size")).scalar_one())
        return real_write(self, plans)

    monkeypatch.setattr(changes.NewProviders, "write", write)
    _import(session, tools, csv_bytes(EVERY_KIND, header=HEADER))

    assert during == [-bulk.SQLITE_CACHE_KB] and own != -bulk.SQLITE_CACHE_KB
    assert session.execute(text("PRAGMA cache_size")).scalar_one() == own


# --- The rows the check parsed, kept for the commit -------------------------------------------------------------------


def _checked(session: Session, tools: planning.Collaborators) -> ImportBatch:
    _existing_register(session)
    batch = upload(session, tools.folder, csv_bytes(EVERY_KIND, header=HEADER), "every kind.csv")
    batch.dissolved_rows = DissolvedRows.ARCHIVE
    steps.check(session, batch, tools, now=NOW)
    return batch


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the rows parsed from the file from now on."""
    parsed_rows: list[int] = []
    real = planning.parse_row

    def counting(*args: Any, **kwargs: Any) -> Any:
        parsed_rows.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(planning, "parse_row", counting)
    return parsed_rows


def test_the_commit_plans_the_rows_the_check_kept_without_parsing_the_file_again(
    session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _checked(session, tools)
    checked_counts = {k: v for k, v in batch.counts.items() if k != "checked"}
    assert parsed.kept_path(tools.folder, batch).exists()
    parses = _parses(monkeypatch)

    counts = steps.commit(session, ACTOR, batch, tools, now=NOW)

    assert parses == []
    possible = checked_counts.pop("possible_match")
    assert counts.possible_match == 0 and counts.rejected == checked_counts.pop("rejected") + possible
    assert {k: v for k, v in counts.as_dict().items() if k in checked_counts} == checked_counts
    assert not parsed.kept_path(tools.folder, batch).exists()  # read once, then let go


@pytest.mark.parametrize("change", ["mapping", "code", "file cut short"])
def test_rows_kept_for_another_mapping_other_code_or_cut_short_are_parsed_again(
    session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    batch = _checked(session, tools)
    kept = parsed.kept_path(tools.folder, batch)
    if change == "mapping":
        batch.mapping = {**batch.mapping, "phone": None}
    elif change == "code":
        monkeypatch.setattr(parsed, "code_digest", lambda: "other code")
    else:
        kept.write_bytes(kept.read_bytes().rsplit(b"\n", 2)[0] + b"\n")  # its last line lost
    parses = _parses(monkeypatch)

    counts = steps.commit(session, ACTOR, batch, tools, now=NOW)

    assert len(parses) == len(EVERY_KIND) and counts.rows == len(EVERY_KIND)


def test_a_check_that_fails_part_way_keeps_nothing(
    session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch
) -> None:
    _existing_register(session)
    batch = upload(session, tools.folder, csv_bytes(EVERY_KIND, header=HEADER), "every kind.csv")
    before = set(tools.folder.iterdir())
    monkeypatch.setattr(planning, "CHUNK_ROWS", 5)
    calls: list[int] = []
    real = planning._Planner.plan_chunk

    def failing(self: Any, plans: list[Any]) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(self, plans)

    monkeypatch.setattr(planning._Planner, "plan_chunk", failing)
    with pytest.raises(RuntimeError):
        steps.check(session, batch, tools, now=NOW)
    assert set(tools.folder.iterdir()) == before


def test_every_kind_of_parsed_row_is_kept_as_it_was(session: Session, tools: planning.Collaborators) -> None:
    batch = _checked(session, tools)
    with parsed.kept_rows(tools.folder, batch) as kept:
        assert kept is not None
        read_back = [row for chunk in kept.chunks() for row in chunk]
    mapping = planning.mapping_of(batch)
    finder = DuplicateFinder(mapping)
    sheet = read_sheet(io.BytesIO(csv_bytes(EVERY_KIND, header=HEADER)))
    assert read_back == [finder.check(parse_row(row, mapping)) for row in sheet]
    assert {row.status.ended for row in read_back} == {True, False}
    assert any(row.problems for row in read_back) and any(row.legal_form for row in read_back)
    with pytest.raises(parsed.Unkeepable):  # a value of a kind it does not know is refused, not kept wrongly
        parsed.encode(replace(read_back[0], town=3.5))  # type: ignore[arg-type]


def test_an_org_ids_scheme_is_read_as_the_register_names_it() -> None:
    for org_id in ("GB-COH-123", "GB-COH", "GB-COH-", "GB--X", "XX-COH-1", "", "-", "GB-SC-SC1", "GB-SCX-1", "GB"):
        expected = next((code for code in IDENTIFIER_SCHEMES if org_id.startswith(f"{code}-")), "")
        assert changes.scheme_of(org_id) == expected, org_id


def test_a_folder_that_cannot_keep_the_parsed_rows_does_not_stop_the_check(
    session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    _existing_register(session)
    batch = upload(session, tools.folder, csv_bytes(EVERY_KIND, header=HEADER), "every kind.csv")
    parsed.discard(tools.folder, batch)  # the folder is the session's: an earlier test may have kept this file's rows
    monkeypatch.setattr(parsed.tempfile, "mkstemp", full)
    steps.check(session, batch, tools, now=NOW)
    assert batch.counts["rows"] == len(EVERY_KIND) and not parsed.kept_path(tools.folder, batch).exists()
    monkeypatch.undo()
    counts = steps.commit(session, ACTOR, batch, tools, now=NOW)
    assert counts.rows == len(EVERY_KIND)


def test_kept_rows_that_cannot_be_read_fail_one_commit_and_are_let_go(
    session: Session, tools: planning.Collaborators
) -> None:
    batch = _checked(session, tools)
    kept = parsed.kept_path(tools.folder, batch)
    lines = kept.read_bytes().split(b"\n")
    kept.write_bytes(b"\n".join([lines[0], b"[[not json", *lines[2:]]))  # its rows garbled, its ends intact

    savepoint = session.begin_nested()
    with pytest.raises(ValueError):
        steps.commit(session, ACTOR, batch, tools, now=NOW)
    savepoint.rollback()
    assert not kept.exists()
    counts = steps.commit(session, ACTOR, batch, tools, now=NOW)  # the file parsed again
    assert counts.rows == len(EVERY_KIND)
