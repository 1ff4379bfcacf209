"""Planning a file's rows a chunk at a time: each row matched to the register and given its outcome."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, String, any_, bindparam, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from app.domain.imports.duplicates import DuplicateFinder
from app.domain.imports.fields import ColumnMapping
from app.domain.imports.lifecycle import RowOutcome
from app.domain.imports.reading import SheetRow
from app.domain.imports.register_facts import placed_by_register_note
from app.domain.imports.registration_status import DissolvedRows, dissolved_message, flagged_message
from app.domain.imports.rows import ENDED, FLAGGED, NOT_PLACED, REGISTER_ENDED, ParsedRow, RowProblem, parse_row
from app.domain.names import NEAR_MATCH_SCORE, match_name, name_similarity
from app.domain.providers import IDENTIFIER_SCHEMES, Placement, ProviderStatus
from app.geo.placement import PlacementResult, SitePlacer
from app.geo.postcode_directory import PostcodeStore
from app.models import ImportBatch, ImportIssue, Provider, ProviderIdentifier, Site
from app.services.imports import parsed
from app.services.imports.changes import differences, scheme_of, site_values
from app.services.imports.mapping import mapping_of
from app.services.imports.plans import Candidate, ImportCounts, RowPlan
from app.services.imports.register_facts import RegisterLookup
from app.services.imports.service_words import ServiceWords
from app.services.imports.storage import open_stored, read_stored, verify_stored

#: Rows planned and written together: one query per chunk for matches, postcodes and services.
CHUNK_ROWS = 1000
#: Possible matches kept per row (the best first).
MAX_CANDIDATES = 3

#: (rows read so far, fraction of the file read 0-1)
Progress = Callable[[int, float], None]


@dataclass(frozen=True)
class Collaborators:
    """What a check or commit needs besides the session: where files are, how to place and name services."""

    folder: Path
    placer: SitePlacer
    services: ServiceWords


def collaborators(session: Session, folder: Path, sectors_file: Path | None) -> Collaborators:
    """The offline collaborators: the postcode directory (no online geocoders for bulk work) and services."""
    return Collaborators(folder, SitePlacer(PostcodeStore(session)), ServiceWords.load(session, sectors_file))


@dataclass(frozen=True)
class _Existing:
    """A provider on the register, as far as matching needs it."""

    id: int
    name: str
    trading_name: str | None
    postcodes: tuple[str, ...]


class _Planner:
    """Matches rows to the register a chunk at a time and says what each would change."""

    def __init__(
        self,
        session: Session,
        mapping: ColumnMapping,
        services: ServiceWords,
        placer: SitePlacer,
        decisions: Mapping[tuple[int, int], str],
        batch_id: int,
        dissolved: DissolvedRows = DissolvedRows.REJECT,
        registers: RegisterLookup | None = None,
    ) -> None:
        self.session = session
        self.dissolved = dissolved
        # The public registers loaded (None: none is, and none is consulted).
        self.registers = registers
        # Providers this batch creates are written chunk by chunk while committing; matching leaves them out so
        # the commit plans exactly as the check did (rows that repeat one are caught by created_keys instead).
        self.batch_id = batch_id
        self.postgresql = session.get_bind().dialect.name == "postgresql"
        self.not_this_batch = or_(Provider.import_batch_id.is_(None), Provider.import_batch_id != batch_id)
        # The lookups by number and postcode leave them out as they read the rows too. Said in SQL, PostgreSQL's
        # planner scans every provider for those not of this batch instead of starting from the numbers or
        # postcodes (80 ms a chunk at 100,000); SQLite's starts from them either way, and is spared reading the
        # batch's own rows.
        self.others_in_sql = [] if self.postgresql else [self.not_this_batch]
        self.mapping = mapping
        self.services = services
        self.placer = placer
        self.decisions = decisions
        self.duplicates = DuplicateFinder(mapping)
        self.references: dict[str, int] = {}
        # Organisations created earlier in this same run, by org-id and by name + postcode.
        self.created_keys: dict[str, int] = {}
        # Providers on the register that an earlier row of this run matched: provider id -> row number.
        self.matched_rows: dict[int, int] = {}
        # Names as matched (match_name), kept for the chunk: a row's name is compared more than once.
        self._match_names: dict[str, str] = {}

    def _match_name(self, name: str) -> str:
        matched = self._match_names.get(name)
        if matched is None:
            matched = self._match_names[name] = match_name(name)
        return matched

    def parse(self, sheet_row: SheetRow) -> ParsedRow:
        """The row typed and checked, and checked against the file's earlier rows (what :mod:`.parsed` keeps)."""
        return self.duplicates.check(parse_row(sheet_row, self.mapping))

    def plan_row(self, row: ParsedRow) -> RowPlan:
        """A parsed row's plan, with what it says checked against the file's references and the register's
        services."""
        plan = RowPlan(row)
        reference = row.source_reference
        if reference and not row.rejected:
            first = self.references.setdefault(reference, row.row_number)
            if first != row.row_number:
                plan.extra_problems.append(
                    RowProblem(
                        row.row_number,
                        self.mapping.header_for("source_reference"),
                        f"Same reference as row {first}",
                        rejects=True,
                    )
                )
        if not self.rejected(plan):
            ids, unknown = self.services.read(row.services)
            plan.service_ids = ids
            for words in unknown:
                plan.extra_problems.append(
                    RowProblem(
                        row.row_number,
                        self.mapping.header_for("services"),
                        f"'{words}' is not one of the register's services, so it was left out",
                    )
                )
        return plan

    @staticmethod
    def rejected(plan: RowPlan) -> bool:
        # The row's own problems, then those found planning it (plan.problems would build a list of both each time).
        return any(p.rejects for p in plan.row.problems) or any(p.rejects for p in plan.extra_problems)

    def plan_chunk(self, plans: list[RowPlan]) -> dict[int, Provider]:
        """Give every plan its outcome; returns the matched providers (loaded with what updating needs)."""
        self._match_names.clear()
        live: list[RowPlan] = []
        for plan in plans:
            if self.rejected(plan):
                plan.outcome = RowOutcome.REJECTED
            else:
                live.append(plan)
        if self.registers is not None:
            self.registers.read_chunk(live, self.mapping)
        self._place(live)
        by_org_id = self._providers_by_org_id({p.row.org_id for p in live if p.row.org_id})
        near = self._providers_near({p.row.postcode for p in live if p.row.postcode})
        by_name = self._providers_named({p.row.name.casefold() for p in live if p.row.name and not p.row.postcode})

        for plan in live:
            row = plan.row
            keys = self._row_keys(row)
            earlier = next((self.created_keys[k] for k in keys if k in self.created_keys), None)
            if earlier is not None:  # the same organisation as a row this run creates
                plan.extra_problems.append(
                    RowProblem(row.row_number, None, f"Same organisation as row {earlier}", rejects=True)
                )
                plan.outcome = RowOutcome.REJECTED
                continue
            matched = by_org_id.get(row.org_id) if row.org_id else None
            if matched is None:
                exact, candidates = self._by_name(row, near, by_name)
                if row.ended and row.org_id:
                    # A dissolved registration whose number the register does not hold is not the organisation of
                    # the same name there (a company that became a society, a body wound up and started again).
                    exact, candidates = None, []
                if exact is not None:
                    matched = exact
                elif candidates and not (row.ended and self.dissolved == DissolvedRows.REJECT):
                    plan.candidates = candidates[:MAX_CANDIDATES]
                    decided = [(c, self.decisions.get((row.row_number, c.provider_id))) for c in plan.candidates]
                    same = [c for c, d in decided if d == "same"]
                    if same:
                        matched = same[0].provider_id
                    elif all(d == "separate" for _, d in decided):
                        pass  # kept separate: a new organisation
                    else:
                        plan.outcome = None
                        continue
            if matched is not None:
                first = self.matched_rows.setdefault(matched, row.row_number)
                if first != row.row_number:
                    plan.extra_problems.append(
                        RowProblem(
                            row.row_number,
                            None,
                            f"Same organisation on the register as row {first} (provider {matched})",
                            rejects=True,
                        )
                    )
                    plan.outcome = RowOutcome.REJECTED
                    continue
                plan.provider_id = matched
            elif row.ended and self.dissolved == DissolvedRows.REJECT:
                plan.extra_problems.append(self._ended(row, rejects=True))
                plan.outcome = RowOutcome.REJECTED
            else:
                for key in keys:
                    self.created_keys.setdefault(key, row.row_number)
                if row.ended:
                    plan.extra_problems.append(self._ended(row, rejects=False))
                    plan.outcome = RowOutcome.ARCHIVED
                else:
                    plan.outcome = RowOutcome.CREATED

        providers = self._load({p.provider_id for p in live if p.provider_id is not None})
        for plan in live:
            if plan.provider_id is None:
                continue
            provider = providers[plan.provider_id]
            if plan.row.ended:
                self._flag(plan, provider)
                continue
            plan.changes = differences(provider, plan)
            plan.outcome = RowOutcome.UPDATED if plan.changes else RowOutcome.UNCHANGED
            if plan.row.org_id and "identifier" not in plan.changes:
                self._note_other_number(plan, provider)
        for plan in live:
            self._note_not_placed(plan)
        return providers

    def _ended(self, row: ParsedRow, *, rejects: bool) -> RowProblem:
        policy = DissolvedRows.REJECT if rejects else DissolvedRows.ARCHIVE
        code = ENDED if row.status.source is None else REGISTER_ENDED
        return RowProblem(row.row_number, self._ended_column(row), dissolved_message(row.status, policy), rejects, code)

    def _ended_column(self, row: ParsedRow) -> str | None:
        """The cell that says the row has ended: its number's when its register says so, else the file's date or
        status."""
        if row.status.source is not None:
            return self.mapping.header_for("registration_number") or self.mapping.header_for("name")
        column = self.mapping.header_for("dissolved_on") if row.status.on else None
        return column or self.mapping.header_for("status") or self.mapping.header_for("dissolved_on")

    def _flag(self, plan: RowPlan, provider: Provider) -> None:
        """A row the file says has ended matches a provider on the register: never changed from the file; flagged
        for an officer to check, unless it is archived already or already waiting for an officer."""
        if provider.status == ProviderStatus.ARCHIVED or provider.awaiting_review:
            plan.outcome = RowOutcome.UNCHANGED
            return
        plan.outcome = RowOutcome.FLAGGED
        plan.changes = {"awaiting_review": True}
        if plan.row.status.source is not None:
            column = self._ended_column(plan.row)
        else:
            column = self.mapping.header_for("status") or self.mapping.header_for("dissolved_on")
        plan.extra_problems.append(
            RowProblem(plan.row.row_number, column, flagged_message(plan.row.status, provider.name), code=FLAGGED)
        )

    def _note_not_placed(self, plan: RowPlan) -> None:
        """Every organisation that will be on the register with a registered office not placed gets one problem
        saying so (coded NOT_PLACED), so the count of those not placed is the list of them."""
        result = plan.placement
        if result is None or result.placed:
            return
        writes_office = plan.outcome in (RowOutcome.CREATED, RowOutcome.ARCHIVED) or (
            plan.outcome == RowOutcome.UPDATED and "registered_office" in plan.changes
        )
        if not writes_office:
            return
        postcode_column = self.mapping.header_for("postcode")
        row = plan.row
        for index, problem in enumerate(row.problems):
            if plan.placed_by_register:
                break  # the postcode column's problem says it is placed by the register: said below instead
            if postcode_column and problem.column == postcode_column and not problem.rejects:
                # The file's postcode is not a postcode: that problem is the one that says it is not placed.
                coded = replace(problem, code=NOT_PLACED)
                plan.row = replace(row, problems=(*row.problems[:index], coded, *row.problems[index + 1 :]))
                return
        if row.postcode:
            message = (
                f"{row.postcode} could not be placed ({result.note or 'not in the postcode directory'}), "
                "so the organisation is imported and flagged 'not placed'"
            )
        else:
            message = "There is no postcode, so the organisation is imported and flagged 'not placed'"
        plan.extra_problems.append(RowProblem(row.row_number, postcode_column, message, code=NOT_PLACED))

    def _note_other_number(self, plan: RowPlan, provider: Provider) -> None:
        org_ids = {i.org_id for i in provider.identifiers}
        scheme = scheme_of(plan.row.org_id or "")
        if plan.row.org_id not in org_ids and scheme in {i.scheme for i in provider.identifiers}:
            whose = "the number matched on the public register" if plan.number_from_register else "the file's number"
            plan.extra_problems.append(
                RowProblem(
                    plan.row.row_number,
                    self.mapping.header_for("registration_number") or self.mapping.header_for("name"),
                    f"The register holds a different {IDENTIFIER_SCHEMES[scheme].register} number for "
                    f"{provider.name}, so {whose} was left out",
                )
            )

    def _place(self, plans: list[RowPlan]) -> None:
        postcodes = {p.row.postcode for p in plans if p.row.postcode}
        known = self.placer.store.lookup_many(sorted(postcodes)) if postcodes else {}
        postcode_column = self.mapping.header_for("postcode")
        for plan in plans:
            row = plan.row
            if not row.postcode:
                if any(site_values(row).values()):
                    unusable = any(p.column == postcode_column and postcode_column for p in row.problems)
                    plan.placement = PlacementResult(
                        Placement.NOT_PLACED,
                        None,
                        note="The postcode in the imported file is not a full UK postcode"
                        if unusable
                        else "No postcode in the imported file",
                    )
                continue
            result = self.placer.place(row.postcode, row.address, known=known.get(row.postcode))
            if plan.placed_by_register and plan.register_entry is not None and result.placed:
                basis = placed_by_register_note(plan.register_entry)
                result = replace(result, note=f"{basis}. {result.note}" if result.note else basis)
            plan.placement = result
            if result.placement == Placement.POSTCODE_DISTRICT:
                plan.extra_problems.append(
                    RowProblem(
                        row.row_number,
                        postcode_column,
                        f"{row.postcode} is not in the postcode directory, so the organisation is placed at the "
                        "centre of its postcode district for an officer to check",
                    )
                )
            # Not placed at all: said once the outcome is known (_note_not_placed), for the rows it applies to.

    def _among(self, column: InstrumentedAttribute[Any], values: set[str]) -> ColumnElement[bool]:
        """``column IN values``; on PostgreSQL ``column = ANY(:values)``, one array parameter, so the statement is the
        same for every chunk: psycopg prepares it once and the server plans it once, instead of parsing and planning
        a thousand parameters (10 ms a chunk)."""
        if self.postgresql:
            return column == any_(bindparam(None, sorted(values), type_=ARRAY(String)))
        return column.in_(sorted(values))

    def _providers_by_org_id(self, org_ids: set[str]) -> dict[str, int]:
        if not org_ids:
            return {}
        rows = self.session.execute(
            select(ProviderIdentifier.org_id, ProviderIdentifier.provider_id, Provider.import_batch_id)
            .join(Provider, Provider.id == ProviderIdentifier.provider_id)
            .where(self._among(ProviderIdentifier.org_id, org_ids), *self.others_in_sql)
        )
        return {org_id: provider_id for org_id, provider_id, batch_id in rows if batch_id != self.batch_id}

    def _providers_near(self, postcodes: set[str]) -> dict[str, list[_Existing]]:
        """Providers with a site at each postcode."""
        if not postcodes:
            return {}
        found: dict[str, list[_Existing]] = {}
        rows = self.session.execute(
            select(Provider.id, Provider.name, Provider.trading_name, Site.postcode, Provider.import_batch_id)
            .join(Site, Site.provider_id == Provider.id)
            .where(self._among(Site.postcode, postcodes), *self.others_in_sql)
        )
        for provider_id, name, trading_name, postcode, batch_id in rows:
            assert postcode is not None  # the query asked for these postcodes
            if batch_id == self.batch_id:
                continue
            found.setdefault(postcode, []).append(_Existing(provider_id, name, trading_name, (postcode,)))
        return found

    def _providers_named(self, names: set[str]) -> dict[str, list[_Existing]]:
        if not names:
            return {}
        found: dict[str, list[_Existing]] = {}
        placed = select(Site.id).where(Site.provider_id == Provider.id, Site.postcode.is_not(None)).exists()
        rows = self.session.execute(
            select(Provider.id, Provider.name, Provider.trading_name, placed).where(
                func.lower(Provider.name).in_(sorted(names)), self.not_this_batch
            )
        )
        for provider_id, name, trading_name, has_postcode in rows:
            postcodes = ("?",) if has_postcode else ()
            found.setdefault(name.casefold(), []).append(_Existing(provider_id, name, trading_name, postcodes))
        return found

    def _by_name(
        self, row: ParsedRow, near: Mapping[str, list[_Existing]], by_name: Mapping[str, list[_Existing]]
    ) -> tuple[int | None, list[Candidate]]:
        """(the provider this row exactly is, or None; possible matches, best first)."""
        assert row.name is not None
        wanted = self._match_name(row.name)
        if row.postcode:
            pool = near.get(row.postcode, [])
            where = f"at {row.postcode}"
        else:
            pool = by_name.get(row.name.casefold(), [])
            where = "with no postcode to compare"
        match = self._match_name
        exact = {e.id for e in pool if wanted in (match(e.name), match(e.trading_name or e.name))}
        # Exact: the one provider of that name at that postcode, or (for a row with no postcode) the one provider
        # of that name that has no postcode either. Anything else is for the officer to decide.
        if len(exact) == 1 and (row.postcode or not next(e for e in pool if e.id in exact).postcodes):
            return exact.pop(), []
        candidates: dict[int, Candidate] = {}
        for existing in pool:
            score = max(
                name_similarity(row.name, existing.name), name_similarity(row.name, existing.trading_name or "")
            )
            if existing.id in exact or score >= NEAR_MATCH_SCORE:
                why = "Same name" if existing.id in exact else f"Similar name ({score:.0f}% alike)"
                previous = candidates.get(existing.id)
                if previous is None or previous.score < score:
                    candidates[existing.id] = Candidate(existing.id, existing.name, score, f"{why} {where}")
        return None, sorted(candidates.values(), key=lambda c: (-c.score, c.provider_id))

    def _row_keys(self, row: ParsedRow) -> list[str]:
        """What makes two rows the same organisation: the org-id, and the name (as matched) with the postcode."""
        keys = [row.org_id] if row.org_id else []
        if row.name:
            keys.append(f"{self._match_name(row.name)}|{row.postcode or ''}")
        return keys

    def _load(self, ids: set[int]) -> dict[int, Provider]:
        return providers_for_update(self.session, ids)


def providers_for_update(session: Session, ids: Iterable[int]) -> dict[int, Provider]:
    """Providers by id, loaded with every collection an update, a snapshot or a restore reads."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    providers = session.scalars(
        select(Provider)
        .where(Provider.id.in_(wanted))
        .options(
            selectinload(Provider.identifiers),
            selectinload(Provider.sites),
            selectinload(Provider.services),
            selectinload(Provider.facts),
            selectinload(Provider.areas_served),
        )
    )
    return {p.id: p for p in providers}


def decisions_of(session: Session, batch: ImportBatch) -> dict[tuple[int, int], str]:
    """The officer's decisions on possible matches: (row number, provider id) -> 'same' or 'separate'."""
    rows = session.execute(
        select(ImportIssue.row_number, ImportIssue.candidate_id, ImportIssue.decision).where(
            ImportIssue.batch_id == batch.id,
            ImportIssue.kind == "possible_match",
            ImportIssue.decision.is_not(None),
            ImportIssue.candidate_id.is_not(None),
        )
    )
    return {
        (row_number, candidate_id): decision
        for row_number, candidate_id, decision in rows
        if candidate_id is not None and decision is not None
    }


def plan_file(
    session: Session,
    batch: ImportBatch,
    tools: Collaborators,
    decisions: Mapping[tuple[int, int], str],
    progress: Progress | None,
    counts: ImportCounts,
    *,
    keep_parsed: bool = False,
    reuse_parsed: bool = False,
) -> Iterator[tuple[list[RowPlan], dict[int, Provider]]]:
    """The file's rows planned a chunk at a time, streamed from the stored file (``counts`` gets its blank rows).

    ``keep_parsed`` (the check): the parsed rows are kept beside the file (:mod:`.parsed`). ``reuse_parsed`` (the
    commit): the rows the check kept are read instead of parsing the file again, when they are this file's as
    mapped now; every row is planned against the register as it is either way."""
    mapping = mapping_of(batch)
    mapping.check()
    planner = _Planner(
        session,
        mapping,
        tools.services,
        tools.placer,
        decisions,
        batch.id,
        DissolvedRows(batch.dissolved_rows),
        RegisterLookup.of(session),
    )
    with (
        open_stored(batch, tools.folder) as stream,
        parsed.kept_rows(tools.folder, batch) if reuse_parsed else contextlib.nullcontext() as kept,
    ):
        verify_stored(stream, batch)
        keeper: parsed.Keeper | None = None
        if kept is not None:
            chunks, where = kept.chunks(), kept.fraction
        else:
            size = max(1, batch.file_size or os.fstat(stream.fileno()).st_size)
            sheet = read_stored(stream, batch)
            chunks, where = _chunked(planner.parse(row) for row in sheet), lambda: min(1.0, stream.tell() / size)
            keeper = parsed.Keeper(tools.folder, batch) if keep_parsed else None
        try:
            done = 0
            for rows in chunks:
                if keeper is not None:
                    keeper.add(rows)
                chunk = [planner.plan_row(row) for row in rows]
                providers = planner.plan_chunk(chunk)
                done += len(chunk)
                yield chunk, providers
                if progress and len(chunk) >= CHUNK_ROWS:
                    progress(done, where())
            counts.blank_rows = kept.blank_rows if kept is not None else sheet.blank_rows
            if keeper is not None:
                keeper.finish(counts.blank_rows)
        finally:
            chunks.close()  # the file's reader ends here, while the file is open, however this ends
            if keeper is not None:
                keeper.abandon()  # nothing once finished
        if progress:
            progress(done, 1.0)


def _chunked(rows: Iterable[ParsedRow]) -> Generator[list[ParsedRow], None, None]:
    chunk: list[ParsedRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
