"""Bulk import of providers from an officer's CSV file: store, map, check, commit, undo.

The flow, one batch at a time:

1. :func:`store_upload` writes the upload to the upload folder (streamed, hashed, size-limited, renamed into
   place only when complete), and :func:`begin` reads its format and maps its columns automatically.
2. :func:`confirm_mapping` records the officer's column choices (and saves them by name for reuse).
3. :func:`check` is the dry run: every row parsed, matched to the register and given an outcome (new, update,
   unchanged, possible match or rejected) with its problems stored as :class:`ImportIssue` rows. Nothing on the
   register changes.
4. :func:`decide` records the officer's "same organisation" or "keep separate" for each possible match.
5. :func:`commit` runs the same plan again against the register as it is now, and writes it: providers created
   and updated, their sites placed with the offline postcode directory, an :class:`ImportChange` per provider
   (so the batch can be undone) and the counts. Undecided possible matches are rejected with that reason.
6. :func:`undo` removes what the batch created and restores what it updated, leaving (and listing) any provider
   someone has changed since.

Services take their collaborators and never commit: the caller (a view, the CLI or a job) owns the transaction,
so a failure anywhere leaves the register as it was.

Updating a provider the register already holds: for an organisation nobody has claimed, the file's non-blank
values replace the register's; for a claimed one (its own people keep it current) the file only fills blanks.
Blank cells never erase anything, and services are only ever added.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, selectinload

from app.domain.eligibility import generative_signals, signal_score
from app.domain.imports import (
    ENDED,
    FIELDS_BY_NAME,
    FLAGGED,
    FORMULA,
    NEAR_MATCH_SCORE,
    NOT_PLACED,
    ColumnMapping,
    DissolvedRows,
    DuplicateFinder,
    ImportFormatError,
    ImportStatus,
    MappingError,
    ParsedRow,
    RowOutcome,
    RowProblem,
    Sheet,
    SheetFormat,
    SheetRow,
    counts_add_up,
    dissolved_message,
    flagged_message,
    legal_form_from_words,
    match_name,
    name_similarity,
    normalise_words,
    parse_row,
    problem_outcome,
    read_sheet,
    rejected_reasons,
    status_changed_reason,
)
from app.domain.providers import (
    IDENTIFIER_SCHEMES,
    EvidenceState,
    LegalForm,
    Placement,
    ProviderSource,
    ProviderStatus,
    SiteKind,
)
from app.geo.placement import PlacementResult, SitePlacer, apply_placement
from app.geo.postcode_directory import PostcodeStore
from app.models import (
    ImportBatch,
    ImportChange,
    ImportIssue,
    ImportMapping,
    Invitation,
    JoinRequest,
    Provider,
    ProviderFact,
    ProviderIdentifier,
    ProviderReview,
    ProviderSearchDocument,
    RecordProvider,
    ServiceCategory,
    Site,
    User,
    provider_areas_served,
    provider_services,
)
from app.models.base import utcnow
from app.services import fulltext
from app.services.audit import Actor, record

#: Rows planned and written together: one query per chunk for matches, postcodes and services.
CHUNK_ROWS = 1000
_NO_POSTCODE = "No postcode in the imported file"
#: Possible matches kept per row (the best first).
MAX_CANDIDATES = 3

#: (rows read so far, fraction of the file read 0-1)
Progress = Callable[[int, float], None]


class UploadError(Exception):
    """An upload that cannot be taken; the message is fit to show."""


class ImportError_(Exception):
    """An import step that cannot run now; the message is fit to show."""


# --- Storing the upload -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredUpload:
    name: str  # the file's name inside the upload folder
    sha256: str
    size: int


def store_upload(stream: IO[bytes], folder: Path, max_bytes: int) -> StoredUpload:
    """Copy an upload into ``folder`` in chunks, hashing as it goes.

    Written to a temporary file and renamed into place only when complete, so a full disk or an oversized
    file leaves nothing half-written behind.
    """
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    temp_name = ""
    try:
        handle, temp_name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=folder)
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError(f"The file must be smaller than {_megabytes(max_bytes)}")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UploadError("The selected file is empty")
        name = f"{digest.hexdigest()}.csv"
        os.replace(temp_name, folder / name)
    except OSError as error:
        if temp_name:
            _remove_quietly(temp_name)
        raise UploadError(
            "The file could not be saved on the server (it may be out of space). Nothing was imported: "
            "try again later, or tell the service's administrators"
        ) from error
    except BaseException:
        if temp_name:
            _remove_quietly(temp_name)
        raise
    return StoredUpload(name, digest.hexdigest(), size)


def _remove_quietly(path: str | Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def open_stored(batch: ImportBatch, folder: Path) -> IO[bytes]:
    """The batch's stored file, opened for reading."""
    if not batch.stored_file:
        raise ImportError_("The file for this import is no longer kept. Upload it again")
    path = folder / Path(batch.stored_file).name  # never outside the folder
    try:
        return path.open("rb")
    except FileNotFoundError as error:
        raise ImportError_("The file for this import is no longer kept. Upload it again") from error


# --- Beginning a batch and mapping its columns --------------------------------------------------------------------


def begin(
    session: Session,
    actor: Actor,
    stored: StoredUpload,
    file_name: str,
    folder: Path,
    *,
    source_name: str | None = None,
    mapping_name: str | None = None,
) -> ImportBatch:
    """Start a batch for a stored upload: read its format and map its columns (raises ImportFormatError)."""
    with (folder / stored.name).open("rb") as stream:
        sheet = read_sheet(stream)
        sheet_format = sheet.format
    mapping = ColumnMapping.auto(sheet_format.headers)
    if mapping_name:
        saved = session.scalar(select(ImportMapping).where(ImportMapping.name == mapping_name))
        if saved is None:
            raise MappingError(f"There is no saved mapping called '{mapping_name}'")
        mapping = apply_saved(mapping, saved)
    batch = ImportBatch(
        created_by_id=actor.user_id,
        source_name=source_name or file_name,
        file_name=file_name,
        sha256=stored.sha256,
        file_size=stored.size,
        stored_file=stored.name,
        status=ImportStatus.UPLOADED,
        file_format=_format_json(sheet_format),
        mapping=_mapping_json(mapping),
        mapping_name=mapping_name,
        counts={},
    )
    session.add(batch)
    session.flush()
    record(
        session,
        actor,
        "import.uploaded",
        "import_batch",
        batch.id,
        {"file_name": file_name, "sha256": stored.sha256, "size": stored.size},
    )
    return batch


def _format_json(sheet_format: SheetFormat) -> dict[str, Any]:
    return {
        "encoding": sheet_format.encoding,
        "delimiter": sheet_format.delimiter,
        "header_row_number": sheet_format.header_row_number,
        "headers": list(sheet_format.headers),
    }


def _mapping_json(mapping: ColumnMapping) -> dict[str, str]:
    return {name: mapping.headers[index] for name, index in mapping.columns.items()}


def mapping_of(batch: ImportBatch) -> ColumnMapping:
    """The batch's column mapping (field -> header index) over the headers of its file."""
    headers = tuple(batch.file_format.get("headers", ()))
    columns = {name: headers.index(header) for name, header in batch.mapping.items() if header in headers}
    return ColumnMapping(headers, columns)


def format_of(batch: ImportBatch) -> SheetFormat:
    f = batch.file_format
    return SheetFormat(f["encoding"], f["delimiter"], int(f["header_row_number"]), tuple(f["headers"]))


def apply_saved(mapping: ColumnMapping, saved: ImportMapping) -> ColumnMapping:
    """A saved mapping laid over the automatic one; headers the file lacks are skipped."""
    choices = {name: header for name, header in saved.columns.items() if header in mapping.headers}
    return mapping.override({k: v for k, v in choices.items() if k in FIELDS_BY_NAME})


def saved_mappings(session: Session) -> list[ImportMapping]:
    return list(session.scalars(select(ImportMapping).order_by(ImportMapping.name)))


def confirm_mapping(
    session: Session,
    actor: Actor,
    batch: ImportBatch,
    choices: Mapping[str, str | None],
    *,
    save_as: str | None = None,
    dissolved: DissolvedRows | None = None,
) -> ColumnMapping:
    """Record the officer's column choices (raises MappingError), optionally saving them by name, and what to do
    with rows the file says are dissolved (``dissolved``; unchanged when None)."""
    _require(batch, ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED)
    mapping = mapping_of(batch).override(choices)
    mapping.check()
    batch.mapping = _mapping_json(mapping)
    if dissolved is not None:
        batch.dissolved_rows = dissolved
    if save_as:
        name = " ".join(save_as.split())[:100]
        saved = session.scalar(select(ImportMapping).where(ImportMapping.name == name))
        if saved is None:
            saved = ImportMapping(name=name, created_by_id=actor.user_id)
            session.add(saved)
        saved.columns = dict(batch.mapping)
        batch.mapping_name = name
    record(
        session,
        actor,
        "import.mapping_confirmed",
        "import_batch",
        batch.id,
        {
            "mapping": dict(batch.mapping),
            "saved_as": save_as or None,
            "dissolved_rows": DissolvedRows(batch.dissolved_rows).value,
        },
    )
    return mapping


def _require(batch: ImportBatch, *statuses: ImportStatus) -> None:
    if batch.status not in statuses:
        raise ImportError_(f"This import is {batch.status.label.lower()}, so that cannot be done now")


# --- Services named in the file -----------------------------------------------------------------------------------


class ServiceWords:
    """Turns a services cell into the register's service categories: by name or slug, or a Co-ops UK sector."""

    def __init__(self, categories: Iterable[ServiceCategory], sectors: Mapping[str, list[str]] | None = None) -> None:
        self._by_words: dict[str, list[int]] = {}
        self.categories = {c.id: c for c in categories}
        by_slug = {c.slug: c.id for c in self.categories.values()}
        for category in self.categories.values():
            self._by_words[normalise_words(category.name)] = [category.id]
            self._by_words[normalise_words(category.slug.replace("-", " "))] = [category.id]
        for sector, slugs in (sectors or {}).items():
            ids = [by_slug[s] for s in slugs if s in by_slug]
            if ids:
                self._by_words.setdefault(normalise_words(sector), ids)

    @classmethod
    def load(cls, session: Session, sectors_file: Path | None = None) -> ServiceWords:
        sectors: dict[str, list[str]] = {}
        if sectors_file is not None and sectors_file.exists():
            with sectors_file.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    sectors[row["sector"].strip()] = [s.strip() for s in row["category_slugs"].split(";") if s.strip()]
        return cls(session.scalars(select(ServiceCategory)), sectors)

    def read(self, text: str | None) -> tuple[list[int], list[str]]:
        """(category ids, words not recognised). The whole cell is tried first, then its ';' or '|' parts."""
        if not text:
            return [], []
        whole = self._by_words.get(normalise_words(text))
        if whole is not None:
            return list(whole), []
        ids: list[int] = []
        unknown: list[str] = []
        for part in text.replace("|", ";").split(";"):
            words = part.strip()
            if not words:
                continue
            found = self._by_words.get(normalise_words(words))
            if found is None:
                unknown.append(words)
            else:
                ids += [i for i in found if i not in ids]
        return ids, unknown


# --- Planning rows ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    provider_id: int
    name: str
    score: float
    why: str


@dataclass
class RowPlan:
    """What the import does with one data row."""

    row: ParsedRow
    outcome: RowOutcome | None = None  # None: a possible match still to decide
    provider_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)
    extra_problems: list[RowProblem] = field(default_factory=list)
    service_ids: list[int] = field(default_factory=list)
    placement: PlacementResult | None = None

    @property
    def problems(self) -> list[RowProblem]:
        return [*self.row.problems, *self.extra_problems]


@dataclass
class ImportCounts:
    """What a check or an import found, row by row. ``rows`` is every non-blank row below the header; each has one
    outcome (created ... rejected, or a possible match before the commit), and those add up to ``rows``. The rest
    count rows within those: blank rows skipped, rows with warnings, rows the file says are dissolved, rows with a
    formula-like cell, and organisations that could not be placed (each listed as a problem)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    flagged: int = 0
    rejected: int = 0
    possible_match: int = 0
    with_warnings: int = 0
    not_placed: int = 0
    dissolved: int = 0
    formula: int = 0
    blank_rows: int = 0

    def add(self, plan: RowPlan) -> None:
        self.rows += 1
        if plan.outcome is None:
            self.possible_match += 1
        else:
            setattr(self, plan.outcome.value, getattr(self, plan.outcome.value) + 1)
        problems = plan.problems
        if plan.outcome != RowOutcome.REJECTED and any(not p.rejects for p in problems):
            self.with_warnings += 1
        if any(p.code == NOT_PLACED for p in problems):
            self.not_placed += 1
        if plan.row.ended:
            self.dissolved += 1
        if any(p.code == FORMULA for p in problems):
            self.formula += 1

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    @property
    def add_up(self) -> bool:
        return counts_add_up(self.as_dict())


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
    ) -> None:
        self.session = session
        self.dissolved = dissolved
        # Providers this batch creates are flushed chunk by chunk while committing; matching leaves them out so
        # the commit plans exactly as the check did (rows that repeat one are caught by created_keys instead).
        self.not_this_batch = or_(Provider.import_batch_id.is_(None), Provider.import_batch_id != batch_id)
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

    def parse(self, sheet_row: SheetRow) -> RowPlan:
        parsed = self.duplicates.check(parse_row(sheet_row, self.mapping))
        plan = RowPlan(parsed)
        reference = parsed.source_reference
        if reference and not parsed.rejected:
            first = self.references.setdefault(reference, parsed.row_number)
            if first != parsed.row_number:
                plan.extra_problems.append(
                    RowProblem(
                        parsed.row_number,
                        self.mapping.header_for("source_reference"),
                        f"Same reference as row {first}",
                        rejects=True,
                    )
                )
        if not self.rejected(plan):
            ids, unknown = self.services.read(parsed.services)
            plan.service_ids = ids
            for words in unknown:
                plan.extra_problems.append(
                    RowProblem(
                        parsed.row_number,
                        self.mapping.header_for("services"),
                        f"'{words}' is not one of the register's services, so it was left out",
                    )
                )
        return plan

    @staticmethod
    def rejected(plan: RowPlan) -> bool:
        return any(p.rejects for p in plan.problems)

    def plan_chunk(self, plans: list[RowPlan]) -> dict[int, Provider]:
        """Give every plan its outcome; returns the matched providers (loaded with what updating needs)."""
        live = [p for p in plans if not self.rejected(p)]
        for plan in plans:
            if self.rejected(plan):
                plan.outcome = RowOutcome.REJECTED
        self._place(live)
        by_org_id = self._providers_by_org_id({p.row.org_id for p in live if p.row.org_id})
        near = self._providers_near({p.row.postcode for p in live if p.row.postcode})
        by_name = self._providers_named({p.row.name.casefold() for p in live if p.row.name and not p.row.postcode})

        for plan in live:
            row = plan.row
            keys = _row_keys(row)
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
        column = self.mapping.header_for("dissolved_on") if row.status.on else None
        column = column or self.mapping.header_for("status") or self.mapping.header_for("dissolved_on")
        return RowProblem(row.row_number, column, dissolved_message(row.status, policy), rejects, ENDED)

    def _flag(self, plan: RowPlan, provider: Provider) -> None:
        """A row the file says has ended matches a provider on the register: never changed from the file; flagged
        for an officer to check, unless it is archived already or already waiting for an officer."""
        if provider.status == ProviderStatus.ARCHIVED or provider.awaiting_review:
            plan.outcome = RowOutcome.UNCHANGED
            return
        plan.outcome = RowOutcome.FLAGGED
        plan.changes = {"awaiting_review": True}
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
        scheme = _scheme_of(plan.row.org_id or "")
        if plan.row.org_id not in org_ids and scheme in {i.scheme for i in provider.identifiers}:
            plan.extra_problems.append(
                RowProblem(
                    plan.row.row_number,
                    self.mapping.header_for("registration_number"),
                    f"The register holds a different {IDENTIFIER_SCHEMES[scheme].register} number for "
                    f"{provider.name}, so the file's number was left out",
                )
            )

    def _place(self, plans: list[RowPlan]) -> None:
        postcodes = {p.row.postcode for p in plans if p.row.postcode}
        known = self.placer.store.lookup_many(sorted(postcodes)) if postcodes else {}
        postcode_column = self.mapping.header_for("postcode")
        for plan in plans:
            row = plan.row
            if not row.postcode:
                if any(_site_values(row).values()):
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

    def _providers_by_org_id(self, org_ids: set[str]) -> dict[str, int]:
        if not org_ids:
            return {}
        rows = self.session.execute(
            select(ProviderIdentifier.org_id, ProviderIdentifier.provider_id)
            .join(Provider, Provider.id == ProviderIdentifier.provider_id)
            .where(ProviderIdentifier.org_id.in_(sorted(org_ids)), self.not_this_batch)
        )
        return {row.org_id: row.provider_id for row in rows}

    def _providers_near(self, postcodes: set[str]) -> dict[str, list[_Existing]]:
        """Providers with a site at each postcode."""
        if not postcodes:
            return {}
        found: dict[str, list[_Existing]] = {}
        rows = self.session.execute(
            select(Provider.id, Provider.name, Provider.trading_name, Site.postcode)
            .join(Site, Site.provider_id == Provider.id)
            .where(Site.postcode.in_(sorted(postcodes)), self.not_this_batch)
        )
        for provider_id, name, trading_name, postcode in rows:
            assert postcode is not None  # the query asked for these postcodes
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
        wanted = match_name(row.name)
        if row.postcode:
            pool = near.get(row.postcode, [])
            where = f"at {row.postcode}"
        else:
            pool = by_name.get(row.name.casefold(), [])
            where = "with no postcode to compare"
        exact = {e.id for e in pool if wanted in (match_name(e.name), match_name(e.trading_name or e.name))}
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


def _row_keys(row: ParsedRow) -> list[str]:
    """What makes two rows the same organisation: the org-id, and the name (as matched) with the postcode."""
    keys = [row.org_id] if row.org_id else []
    if row.name:
        keys.append(f"{match_name(row.name)}|{row.postcode or ''}")
    return keys


# --- What an update changes ---------------------------------------------------------------------------------------


def _trading_name(row: ParsedRow) -> str | None:
    if row.trading_name and row.name and row.trading_name.casefold() != row.name.casefold():
        return row.trading_name
    return None


def _scalar_values(row: ParsedRow) -> dict[str, Any]:
    """Provider fields the row gives (blank cells left out: they never erase)."""
    values: dict[str, Any] = {
        "name": row.name,
        "trading_name": _trading_name(row),
        "legal_form": row.legal_form,
        "description": row.description,
        "website": row.website,
        "contact_email": row.email,
        "contact_phone": row.phone,
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


def _registered_office(provider: Provider) -> Site | None:
    offices = [s for s in provider.sites if s.kind == SiteKind.REGISTERED_OFFICE]
    return offices[0] if offices else None


def _site_values(row: ParsedRow) -> dict[str, Any]:
    address_lines = [line for line in (row.address or "").splitlines() if line]
    if row.town and (not address_lines or address_lines[-1].casefold() != row.town.casefold()):
        address_lines.append(row.town)
    return {"address": "\n".join(address_lines) or None, "town": row.town, "postcode": row.postcode}


def differences(provider: Provider, plan: RowPlan) -> dict[str, Any]:
    """What an import of this row would change on this provider, field by field (empty: unchanged)."""
    row = plan.row
    claimed = provider.claimed
    changes: dict[str, Any] = {}
    for name, value in _scalar_values(row).items():
        current = getattr(provider, name)
        if name == "legal_form" and value == LegalForm.UNKNOWN:
            continue
        blank = current in (None, "") or (name == "legal_form" and current == LegalForm.UNKNOWN)
        if current != value and (blank or not claimed):
            changes[name] = value
    # A number is added only where the register holds none from that scheme (the planner warns otherwise).
    if row.org_id and _scheme_of(row.org_id) not in {i.scheme for i in provider.identifiers}:
        changes["identifier"] = row.org_id
    site_values = _site_values(row)
    if any(site_values.values()):
        office = _registered_office(provider)
        if office is None:
            if not claimed or not provider.sites:
                changes["registered_office"] = site_values
        elif not claimed:
            current = {"address": office.address, "town": office.town, "postcode": office.postcode}
            wanted = {k: v if v is not None else current[k] for k, v in site_values.items()}
            if wanted != current:
                changes["registered_office"] = wanted
    if plan.service_ids:
        have = {c.id for c in provider.services}
        missing = [i for i in plan.service_ids if i not in have]
        if missing:
            changes["services"] = missing
    return changes


def _apply_changes(
    provider: Provider,
    changes: Mapping[str, Any],
    plan: RowPlan,
    categories: Mapping[int, ServiceCategory],
    now: datetime,
    batch_id: int | None = None,
) -> None:
    for name in ("name", "trading_name", "legal_form", "description", "website", "contact_email", "contact_phone"):
        if name in changes:
            setattr(provider, name, changes[name])
    if "identifier" in changes:
        provider.identifiers.append(_identifier(changes["identifier"], batch_id))
    if "registered_office" in changes:
        office = _registered_office(provider)
        values = changes["registered_office"]
        if office is None:
            office = Site(kind=SiteKind.REGISTERED_OFFICE, address_public=True)
            provider.sites.append(office)
        moved = office.postcode != values["postcode"]
        office.address, office.town, office.postcode = values["address"], values["town"], values["postcode"]
        if moved or office.placement == Placement.NOT_PLACED:
            _place_site(office, plan, now)
    if "services" in changes:
        provider.services.extend(categories[i] for i in changes["services"] if i in categories)


def _scheme_of(identifier: str) -> str:
    """'GB-COH-01234567' -> 'GB-COH'."""
    return next((code for code in IDENTIFIER_SCHEMES if identifier.startswith(f"{code}-")), "")


def _identifier(identifier: str, batch_id: int | None = None) -> ProviderIdentifier:
    """A number as an import records it: from the council's import (naming the batch), not self-declared."""
    scheme = _scheme_of(identifier)
    return ProviderIdentifier(
        scheme=scheme,
        value=identifier.removeprefix(f"{scheme}-"),
        org_id=identifier,
        evidence=EvidenceState.COUNCIL_IMPORT,
        import_batch_id=batch_id,
    )


def _place_site(site: Site, plan: RowPlan, now: datetime) -> None:
    apply_placement(site, plan.placement or PlacementResult(Placement.NOT_PLACED, None, note=_NO_POSTCODE), now)


def _insert_new_providers(
    session: Session,
    batch: ImportBatch,
    plans: list[RowPlan],
    categories: Mapping[int, ServiceCategory],
    now: datetime,
) -> list[dict[str, Any]]:
    """Write new organisations with bulk inserts (the ORM's unit of work is ten times slower for a big file).

    Returns their ImportChange rows, each with the digest of the provider exactly as :func:`snapshot` will read it
    back, so undo can tell whether anyone has changed it since.
    """
    if not plans:
        return []
    provider_rows: list[dict[str, Any]] = []
    for plan in plans:
        row = plan.row
        form = row.legal_form or LegalForm.UNKNOWN
        # A dissolved organisation the officer chose to keep is archived: never published, whatever they chose for
        # the rest of the file.
        archived = plan.outcome == RowOutcome.ARCHIVED
        publish = batch.publish_verified and not archived
        if archived:
            status = ProviderStatus.ARCHIVED
        else:
            status = ProviderStatus.VERIFIED if publish else ProviderStatus.SUBMITTED
        provider_rows.append(
            {
                "name": row.name,
                "trading_name": _trading_name(row),
                "legal_form": form,
                "description": row.description,
                "website": row.website,
                "contact_name": None,
                "contact_email": row.email,
                "contact_phone": row.phone,
                "status": status,
                "status_changed_at": now,
                "submitted_at": now,
                "verified_at": now if publish else None,
                "source": ProviderSource.IMPORTED,
                "import_batch_id": batch.id,
                "source_reference": row.source_reference,
                "claimed": False,
                "awaiting_review": False,
                "signal_score": signal_score(generative_signals(form, {}, 0)),
                "dissolved_on": row.status.on if archived else None,
                "created_at": now,
                "updated_at": now,
            }
        )
    table = _table(Provider)
    ids = list(
        session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), provider_rows).scalars()
    )
    sites: list[dict[str, Any]] = []
    identifiers: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for plan, provider_id, values in zip(plans, ids, provider_rows, strict=True):
        row = plan.row
        site_rows = []
        site_values = _site_values(row)
        if any(site_values.values()):
            site = {
                "provider_id": provider_id,
                "kind": SiteKind.REGISTERED_OFFICE,
                "address_public": True,
                **site_values,
                **_placement_values(plan, now),
                "created_at": now,
                "updated_at": now,
            }
            site_rows.append(site)
        sites += site_rows
        identifier = _identifier(row.org_id) if row.org_id else None
        if identifier is not None:
            identifiers.append(
                {
                    "provider_id": provider_id,
                    "scheme": identifier.scheme,
                    "value": identifier.value,
                    "org_id": identifier.org_id,
                    "evidence": EvidenceState.COUNCIL_IMPORT,
                    "import_batch_id": batch.id,
                }
            )
        chosen = [categories[i] for i in plan.service_ids if i in categories]
        services += [{"provider_id": provider_id, "category_id": c.id} for c in chosen]
        documents.append(
            {
                "provider_id": provider_id,
                "document": fulltext.document_text(
                    values["name"],
                    values["trading_name"],
                    values["legal_form"],
                    values["description"],
                    chosen,
                    [s["town"] for s in site_rows],
                ),
            }
        )
        state = _snapshot_of(values, site_rows, [identifier] if identifier is not None else [], chosen)
        changes.append(
            {
                "batch_id": batch.id,
                "provider_id": provider_id,
                "row_number": row.row_number,
                "action": "created",
                "before": None,
                "after_digest": digest(state),
            }
        )
    if sites:
        session.execute(insert(_table(Site)), sites)
    if identifiers:
        session.execute(insert(_table(ProviderIdentifier)), identifiers)
    if services:
        session.execute(insert(provider_services), services)
    session.execute(insert(_table(ProviderSearchDocument)), documents)
    return changes


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _placement_values(plan: RowPlan, now: datetime) -> dict[str, Any]:
    result = plan.placement
    if result is None:
        return {
            "latitude": None,
            "longitude": None,
            "placement": Placement.NOT_PLACED,
            "placed_by": None,
            "placed_at": None,
            "placement_note": _NO_POSTCODE,
            "district_code": None,
            "ward_code": None,
        }
    return {
        "postcode": result.postcode or plan.row.postcode,
        "latitude": result.latitude,
        "longitude": result.longitude,
        "placement": result.placement,
        "placed_by": result.placed_by,
        "placed_at": now if result.placed else None,
        "placement_note": result.note,
        "district_code": result.district_code,
        "ward_code": result.ward_code,
    }


# --- Snapshots, for undo --------------------------------------------------------------------------------------------


def snapshot(provider: Provider) -> dict[str, Any]:
    """Everything about a provider an import touches or a person might change, as plain JSON."""
    return {
        "name": provider.name,
        "trading_name": provider.trading_name,
        "legal_form": provider.legal_form.value,
        "description": provider.description,
        "website": provider.website,
        "contact_name": provider.contact_name,
        "contact_email": provider.contact_email,
        "contact_phone": provider.contact_phone,
        "status": provider.status.value,
        "claimed": provider.claimed,
        "awaiting_review": provider.awaiting_review,
        "identifiers": sorted(
            [[i.scheme, i.value, i.org_id, i.evidence.value] for i in provider.identifiers], key=lambda i: i[2]
        ),
        "sites": [
            {
                "kind": s.kind.value,
                "address": s.address,
                "town": s.town,
                "postcode": s.postcode,
                "latitude": s.latitude,
                "longitude": s.longitude,
                "placement": s.placement.value,
                "placed_by": s.placed_by,
                "placed_at": s.placed_at.isoformat() if s.placed_at else None,
                "placement_note": s.placement_note,
                "district_code": s.district_code,
                "ward_code": s.ward_code,
                "address_public": s.address_public,
            }
            for s in sorted(provider.sites, key=lambda s: (s.kind.value, s.postcode or "", s.address or ""))
        ],
        "services": sorted(c.slug for c in provider.services),
        "areas_served": sorted(a.code for a in provider.areas_served),
        "facts": sorted([f.kind.value, f.value, f.evidence.value] for f in provider.facts),
    }


def _snapshot_of(
    values: Mapping[str, Any],
    sites: list[dict[str, Any]],
    identifiers: list[ProviderIdentifier],
    services: list[ServiceCategory],
) -> dict[str, Any]:
    """:func:`snapshot` of a provider about to be bulk-inserted, from the values being inserted."""
    return {
        "name": values["name"],
        "trading_name": values["trading_name"],
        "legal_form": values["legal_form"].value,
        "description": values["description"],
        "website": values["website"],
        "contact_name": values["contact_name"],
        "contact_email": values["contact_email"],
        "contact_phone": values["contact_phone"],
        "status": values["status"].value,
        "claimed": values["claimed"],
        "awaiting_review": values["awaiting_review"],
        "identifiers": sorted(
            [[i.scheme, i.value, i.org_id, EvidenceState.COUNCIL_IMPORT.value] for i in identifiers], key=lambda i: i[2]
        ),
        "sites": [
            {
                "kind": s["kind"].value,
                "address": s["address"],
                "town": s["town"],
                "postcode": s["postcode"],
                "latitude": s["latitude"],
                "longitude": s["longitude"],
                "placement": s["placement"].value,
                "placed_by": s["placed_by"],
                "placed_at": s["placed_at"].isoformat() if s["placed_at"] else None,
                "placement_note": s["placement_note"],
                "district_code": s["district_code"],
                "ward_code": s["ward_code"],
                "address_public": s["address_public"],
            }
            for s in sorted(sites, key=lambda s: (s["kind"].value, s["postcode"] or "", s["address"] or ""))
        ],
        "services": sorted(c.slug for c in services),
        "areas_served": [],
        "facts": [],
    }


def digest(state: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


# --- Check and commit -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Collaborators:
    """What a check or commit needs besides the session: where files are, how to place and name services."""

    folder: Path
    placer: SitePlacer
    services: ServiceWords


def collaborators(session: Session, folder: Path, sectors_file: Path | None) -> Collaborators:
    """The offline collaborators: the postcode directory (no online geocoders for bulk work) and services."""
    return Collaborators(folder, SitePlacer(PostcodeStore(session)), ServiceWords.load(session, sectors_file))


def _decisions(session: Session, batch: ImportBatch) -> dict[tuple[int, int], str]:
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


def _plans(
    session: Session,
    batch: ImportBatch,
    tools: Collaborators,
    decisions: Mapping[tuple[int, int], str],
    progress: Progress | None,
    counts: ImportCounts,
) -> Iterator[tuple[list[RowPlan], dict[int, Provider]]]:
    """The file's rows planned a chunk at a time, streamed from the stored file (``counts`` gets its blank rows)."""
    mapping = mapping_of(batch)
    mapping.check()
    planner = _Planner(
        session, mapping, tools.services, tools.placer, decisions, batch.id, DissolvedRows(batch.dissolved_rows)
    )
    with open_stored(batch, tools.folder) as stream:
        size = max(1, batch.file_size or os.fstat(stream.fileno()).st_size)
        _verify(stream, batch)
        sheet = _sheet(stream, batch)
        chunk: list[RowPlan] = []
        done = 0
        for sheet_row in sheet:
            chunk.append(planner.parse(sheet_row))
            if len(chunk) >= CHUNK_ROWS:
                providers = planner.plan_chunk(chunk)
                done += len(chunk)
                yield chunk, providers
                if progress:
                    progress(done, min(1.0, stream.tell() / size))
                chunk = []
        if chunk:
            providers = planner.plan_chunk(chunk)
            done += len(chunk)
            yield chunk, providers
        counts.blank_rows = sheet.blank_rows
        if progress:
            progress(done, 1.0)


def _verify(stream: IO[bytes], batch: ImportBatch) -> None:
    """The stored file must still be the file the officer uploaded (its SHA-256), then rewound."""
    digest_ = hashlib.sha256()
    while chunk := stream.read(1024 * 1024):
        digest_.update(chunk)
    if digest_.hexdigest() != batch.sha256:
        raise ImportError_("The stored file is not the one that was uploaded. Upload it again")
    stream.seek(0)


def _sheet(stream: IO[bytes], batch: ImportBatch) -> Sheet:
    """The file read as it was when uploaded (its detected format, not detected afresh)."""
    sheet = read_sheet(stream)
    if sheet.format != format_of(batch):
        raise ImportError_("The stored file no longer matches this import. Upload it again")
    return sheet


def _storable(text: str | None, limit: int | None = None) -> str | None:
    """Text fit for the issues table: no NUL characters (PostgreSQL refuses them), within the column's length."""
    if text is None:
        return None
    text = text.replace("\x00", "\ufffd")
    return text[:limit] if limit else text


def _issue_rows(batch_id: int, plan: RowPlan, keep_decisions: Mapping[tuple[int, int], str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    name = _storable(plan.row.name, 300)
    for problem in plan.problems:
        rows.append(
            {
                "batch_id": batch_id,
                "row_number": problem.row_number,
                "kind": "error" if problem.rejects else "warning",
                "code": problem.code,
                "column": _storable(problem.column, 300),
                "message": _storable(problem.message),
                "name": name,
                "candidate_id": None,
                "score": None,
                "decision": None,
            }
        )
    for candidate in plan.candidates:
        rows.append(
            {
                "batch_id": batch_id,
                "row_number": plan.row.row_number,
                "kind": "possible_match",
                "code": None,
                "column": None,
                "message": _storable(candidate.why),
                "name": name,
                "candidate_id": candidate.provider_id,
                "score": candidate.score,
                "decision": keep_decisions.get((plan.row.row_number, candidate.provider_id)),
            }
        )
    return rows


def check(session: Session, batch: ImportBatch, tools: Collaborators, progress: Progress | None = None) -> ImportCounts:
    """The dry run: every row planned and its problems stored; the register itself is not changed."""
    _require(batch, ImportStatus.UPLOADED, ImportStatus.CHECKING, ImportStatus.CHECKED, ImportStatus.FAILED)
    decisions = _decisions(session, batch)
    session.execute(delete(ImportIssue).where(ImportIssue.batch_id == batch.id))
    counts = ImportCounts()
    for chunk, _providers in _plans(session, batch, tools, decisions, progress, counts):
        issues: list[dict[str, Any]] = []
        for plan in chunk:
            counts.add(plan)
            issues += _issue_rows(batch.id, plan, decisions)
        if issues:
            session.execute(insert(ImportIssue), issues)
        session.expire_all()  # let the chunk's providers go: memory stays flat over a long file
    batch.counts = {**counts.as_dict(), "checked": True}
    batch.status = ImportStatus.CHECKED
    batch.checked_at = utcnow()
    batch.error = None
    return counts


def decide(session: Session, actor: Actor, batch: ImportBatch, decisions: Mapping[int, str]) -> int:
    """Record 'same' or 'separate' for possible matches, by ImportIssue id; returns how many changed.

    'same' for one candidate of a row makes the row's other candidates 'separate'.
    """
    _require(batch, ImportStatus.CHECKED)
    issues = {
        i.id: i
        for i in session.scalars(
            select(ImportIssue).where(ImportIssue.batch_id == batch.id, ImportIssue.kind == "possible_match")
        )
    }
    changed = 0
    for issue_id, decision in decisions.items():
        issue = issues.get(issue_id)
        if issue is None or decision not in ("same", "separate", ""):
            raise ImportError_("That possible match is not part of this import")
        value = decision or None
        if issue.decision != value:
            issue.decision = value
            changed += 1
        if value == "same":
            for other in issues.values():
                if other.row_number == issue.row_number and other.id != issue.id and other.decision != "separate":
                    other.decision = "separate"
                    changed += 1
    if changed:
        record(session, actor, "import.matches_decided", "import_batch", batch.id, {"decisions": changed})
    return changed


def commit(
    session: Session,
    actor: Actor,
    batch: ImportBatch,
    tools: Collaborators,
    progress: Progress | None = None,
) -> ImportCounts:
    """Write the batch to the register in the caller's transaction. Re-plans against the register as it is now."""
    _require(batch, ImportStatus.CHECKED, ImportStatus.IMPORTING, ImportStatus.FAILED)
    if batch.committed_at is not None:
        raise ImportError_("This file has been imported already")
    _serialise_writers(session)
    now = utcnow()
    decisions = _decisions(session, batch)
    session.execute(delete(ImportIssue).where(ImportIssue.batch_id == batch.id))
    categories = tools.services.categories
    counts = ImportCounts()
    for chunk, providers in _plans(session, batch, tools, decisions, progress, counts):
        issues: list[dict[str, Any]] = []
        touched: list[tuple[RowPlan, Provider, dict[str, Any]]] = []
        created: list[RowPlan] = []
        for plan in chunk:
            if plan.outcome is None:  # a possible match nobody decided: not imported, and said so
                plan.extra_problems.append(
                    RowProblem(
                        plan.row.row_number,
                        None,
                        "It may be an organisation already on the register ("
                        + "; ".join(f"{c.name}: {c.why.lower()}" for c in plan.candidates)
                        + ") and nobody decided, so it was not imported",
                        rejects=True,
                    )
                )
                plan.outcome = RowOutcome.REJECTED
            if plan.outcome in (RowOutcome.CREATED, RowOutcome.ARCHIVED):
                created.append(plan)
            elif plan.outcome == RowOutcome.UPDATED and plan.provider_id is not None:
                provider = providers[plan.provider_id]
                before = snapshot(provider)
                _apply_changes(provider, plan.changes, plan, categories, now, batch.id)
                touched.append((plan, provider, before))
            elif plan.outcome == RowOutcome.FLAGGED and plan.provider_id is not None:
                provider = providers[plan.provider_id]
                before = snapshot(provider)
                provider.awaiting_review = True  # the officer's queue of changes to check; nothing else changes
                touched.append((plan, provider, before))
                record(
                    session,
                    actor,
                    "provider.flagged_by_import",
                    "provider",
                    provider.id,
                    {
                        "import_batch": batch.id,
                        "row": plan.row.row_number,
                        "reason": next((p.message for p in plan.problems if p.code == FLAGGED), ""),
                    },
                )
            counts.add(plan)
            issues += _issue_rows(batch.id, plan, decisions)
        session.flush()
        fulltext.refresh_many(session, [provider for _, provider, _ in touched])
        changes = [
            {
                "batch_id": batch.id,
                "provider_id": provider.id,
                "row_number": plan.row.row_number,
                "action": "updated",
                "before": before,
                "after_digest": digest(snapshot(provider)),
            }
            for plan, provider, before in touched
        ]
        changes += _insert_new_providers(session, batch, created, categories, now)
        if changes:
            session.execute(insert(ImportChange), changes)
        if issues:
            session.execute(insert(ImportIssue), issues)
        session.flush()
        session.expire_all()
    batch.counts = {**counts.as_dict(), "checked": True}
    batch.status = ImportStatus.IMPORTED
    batch.committed_at = now
    batch.committed_by_id = actor.user_id
    batch.error = None
    record(session, actor, "import.committed", "import_batch", batch.id, {"counts": counts.as_dict()})
    return counts


#: The PostgreSQL advisory lock commits and undos take, so two never write the register at once.
IMPORT_WRITE_LOCK = 7_270_601


def _serialise_writers(session: Session) -> None:
    """One import commit or undo at a time. On PostgreSQL a transaction-scoped advisory lock: the second waits, then
    plans against the first's committed rows (so two files naming the same new organisation create it once).
    SQLite allows one writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_WRITE_LOCK})


# --- Undo ---------------------------------------------------------------------------------------------------------


@dataclass
class UndoReport:
    removed: int = 0
    restored: int = 0
    gone: int = 0
    left: list[dict[str, Any]] = field(default_factory=list)  # {"provider_id", "name", "reason"}

    def as_dict(self) -> dict[str, Any]:
        return {"removed": self.removed, "restored": self.restored, "gone": self.gone, "left": self.left}


def _in_use(session: Session, provider_ids: list[int]) -> dict[int, str]:
    """Providers something else now refers to: people, shortlists, requests or reviews."""
    reasons: dict[int, str] = {}
    checks = [
        (User.provider_id, "people have signed in as it"),
        (RecordProvider.provider_id, "it is on a commissioning record"),
        (JoinRequest.provider_id, "someone asked to join it"),
        (Invitation.provider_id, "someone was invited to it"),
        (ProviderReview.provider_id, "an officer reviewed it"),
    ]
    for start in range(0, len(provider_ids), 500):
        ids = provider_ids[start : start + 500]
        for column, reason in checks:
            for provider_id in session.scalars(select(column).where(column.in_(ids)).distinct()):
                if provider_id is not None:
                    reasons.setdefault(provider_id, reason)
    return reasons


def undo(session: Session, actor: Actor, batch: ImportBatch) -> UndoReport:
    """Remove what the batch created and restore what it updated, except providers changed since."""
    _require(batch, ImportStatus.IMPORTED)
    _serialise_writers(session)
    # Claimed with one conditional update, so a double click or two officers undo it once; the second gets
    # ImportError_. (In the caller's transaction: if the undo fails, the batch is imported still.)
    claimed = session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.IMPORTED)
        .values(status=ImportStatus.UNDONE)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ImportError_("This import is being undone or has been undone already")
    report = UndoReport()
    changes = list(
        session.scalars(select(ImportChange).where(ImportChange.batch_id == batch.id).order_by(ImportChange.id))
    )
    in_use = _in_use(session, [c.provider_id for c in changes if c.action == "created"])
    later = _changed_by_later_batches(session, batch, [c.provider_id for c in changes])
    categories = {c.slug: c for c in session.scalars(select(ServiceCategory))}
    for start in range(0, len(changes), CHUNK_ROWS):
        chunk = changes[start : start + CHUNK_ROWS]
        providers = providers_for_update(session, (c.provider_id for c in chunk))
        restored: list[Provider] = []
        removable: list[int] = []
        for change in chunk:
            provider = providers.get(change.provider_id)
            if provider is None:
                report.gone += 1
                continue
            reason = None
            if change.provider_id in later:
                reason = f"import {later[change.provider_id]} changed it afterwards"
            elif digest(snapshot(provider)) != change.after_digest:
                reason = _changed_since_reason(provider, change.after_digest)
            elif change.action == "created" and change.provider_id in in_use:
                reason = in_use[change.provider_id]
            if reason:
                report.left.append({"provider_id": provider.id, "name": provider.name, "reason": reason})
                continue
            if change.action == "created":
                removable.append(provider.id)
                report.removed += 1
            else:
                assert change.before is not None
                restore(session, provider, change.before, categories)
                restored.append(provider)
                report.restored += 1
        session.flush()
        _remove_providers(session, removable)
        fulltext.refresh_many(session, restored)
        session.flush()
    batch.status = ImportStatus.UNDONE
    batch.undone_at = utcnow()
    batch.undone_by_id = actor.user_id
    batch.undo_report = report.as_dict()
    record(session, actor, "import.undone", "import_batch", batch.id, report.as_dict())
    return report


def _changed_since_reason(provider: Provider, after_digest: str) -> str:
    """Why undo leaves a provider changed since the import: its status alone (a bulk publish), or anything."""
    state = snapshot(provider)
    for status in ProviderStatus:
        if status != provider.status and digest({**state, "status": status.value}) == after_digest:
            return status_changed_reason(provider.status)
    return "it has been changed since the import"


def _remove_providers(session: Session, ids: list[int]) -> None:
    """Delete providers and everything that is theirs alone, in bulk (SQLite may not enforce cascades)."""
    if not ids:
        return
    session.execute(update(ImportIssue).where(ImportIssue.candidate_id.in_(ids)).values(candidate_id=None))
    for table, column in (
        (_table(ProviderSearchDocument), "provider_id"),
        (provider_services, "provider_id"),
        (provider_areas_served, "provider_id"),
        (_table(ProviderFact), "provider_id"),
        (_table(ProviderIdentifier), "provider_id"),
        (_table(Site), "provider_id"),
        (_table(Provider), "id"),
    ):
        session.execute(delete(table).where(table.c[column].in_(ids)))
    for provider in [p for p in session.identity_map.values() if isinstance(p, Provider) and p.id in set(ids)]:
        session.expunge(provider)


def _changed_by_later_batches(session: Session, batch: ImportBatch, provider_ids: list[int]) -> dict[int, int]:
    """Providers a later, still-imported batch changed (undo that one first)."""
    later: dict[int, int] = {}
    for start in range(0, len(provider_ids), 500):
        rows = session.execute(
            select(ImportChange.provider_id, ImportChange.batch_id)
            .join(ImportBatch, ImportBatch.id == ImportChange.batch_id)
            .where(
                ImportChange.provider_id.in_(provider_ids[start : start + 500]),
                ImportChange.batch_id > batch.id,
                ImportBatch.status == ImportStatus.IMPORTED,
            )
        )
        for provider_id, batch_id in rows:
            later.setdefault(provider_id, batch_id)
    return later


def restore(
    session: Session, provider: Provider, before: Mapping[str, Any], categories: Mapping[str, ServiceCategory]
) -> None:
    """Put a provider back as a snapshot describes it (the fields an import changes)."""
    for name in ("name", "trading_name", "description", "website", "contact_email", "contact_phone"):
        setattr(provider, name, before[name])
    provider.legal_form = LegalForm(before["legal_form"])
    provider.awaiting_review = before["awaiting_review"]
    wanted_ids = {i[2]: i for i in before["identifiers"]}
    for identifier in list(provider.identifiers):
        if identifier.org_id not in wanted_ids:
            provider.identifiers.remove(identifier)
    have = {i.org_id for i in provider.identifiers}
    for scheme, value, org_id, evidence in before["identifiers"]:
        if org_id not in have:
            provider.identifiers.append(
                ProviderIdentifier(scheme=scheme, value=value, org_id=org_id, evidence=EvidenceState(evidence))
            )
    if snapshot(provider)["sites"] != before["sites"]:
        provider.sites.clear()
        session.flush()
        for values in before["sites"]:
            provider.sites.append(
                Site(
                    **{
                        **values,
                        "kind": SiteKind(values["kind"]),
                        "placement": Placement(values["placement"]),
                        "placed_at": datetime.fromisoformat(values["placed_at"]) if values.get("placed_at") else None,
                    }
                )
            )
    provider.services = [categories[slug] for slug in before["services"] if slug in categories]


# --- Reading the results back ---------------------------------------------------------------------------------------


def issues(
    session: Session,
    batch: ImportBatch,
    kinds: Iterable[str],
    *,
    offset: int = 0,
    limit: int | None = None,
    code: str | None = None,
) -> list[ImportIssue]:
    """The batch's issues of these kinds (and of one code, when given), by row."""
    query = (
        select(ImportIssue)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind.in_(list(kinds)))
        .order_by(ImportIssue.row_number, ImportIssue.id)
        .offset(offset)
    )
    if code is not None:
        query = query.where(ImportIssue.code == code)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_issues(session: Session, batch: ImportBatch, kind: str | Iterable[str], code: str | None = None) -> int:
    kinds = [kind] if isinstance(kind, str) else list(kind)
    query = (
        select(func.count())
        .select_from(ImportIssue)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind.in_(kinds))
    )
    if code is not None:
        query = query.where(ImportIssue.code == code)
    return int(session.scalar(query) or 0)


def undecided_rows(session: Session, batch: ImportBatch) -> int:
    """Rows with possible matches and no 'same', where some candidate is not yet decided."""
    rows: dict[int, list[str | None]] = {}
    for row_number, decision in session.execute(
        select(ImportIssue.row_number, ImportIssue.decision).where(
            ImportIssue.batch_id == batch.id, ImportIssue.kind == "possible_match"
        )
    ):
        rows.setdefault(row_number, []).append(decision)
    return sum(1 for decisions in rows.values() if "same" not in decisions and None in decisions)


def candidates_named(session: Session, issues_: Iterable[ImportIssue]) -> dict[int, Provider]:
    ids = {i.candidate_id for i in issues_ if i.candidate_id}
    if not ids:
        return {}
    providers = session.scalars(
        select(Provider).where(Provider.id.in_(sorted(ids))).options(selectinload(Provider.sites))
    )
    return {p.id: p for p in providers}


def earlier_imports_of(session: Session, batch: ImportBatch) -> list[ImportBatch]:
    """Other batches of the same file (by SHA-256) that were imported and not undone."""
    return list(
        session.scalars(
            select(ImportBatch)
            .where(
                ImportBatch.sha256 == batch.sha256,
                ImportBatch.id != batch.id,
                ImportBatch.status == ImportStatus.IMPORTED,
            )
            .order_by(ImportBatch.id)
        )
    )


def _problem_text(problems: Iterable[ImportIssue]) -> str:
    return "; ".join(f"{p.column}: {p.message}" if p.column else p.message for p in problems)


def problems_table(session: Session, batch: ImportBatch) -> Iterator[list[str]]:
    """Every problem, one per line: row, column, what is wrong, and whether the row was imported."""
    yield ["row", "organisation", "column", "problem", "outcome"]
    query = (
        select(ImportIssue)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind.in_(["error", "warning"]))
        .order_by(ImportIssue.row_number, ImportIssue.id)
        .execution_options(yield_per=1000)
    )
    rejected = set(
        session.scalars(
            select(ImportIssue.row_number).where(ImportIssue.batch_id == batch.id, ImportIssue.kind == "error")
        )
    )
    for issue in session.scalars(query):
        outcome = problem_outcome(issue.kind == "error", issue.code, issue.row_number in rejected)
        yield [str(issue.row_number), issue.name or "", issue.column or "", issue.message, outcome]


def rejected_rows(session: Session, batch: ImportBatch, folder: Path) -> Iterator[list[str]]:
    """The rejected rows as the file had them (every original column) plus a 'problem' column, to fix and re-import."""
    problems: dict[int, list[ImportIssue]] = {}
    for issue in session.scalars(
        select(ImportIssue)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind == "error")
        .order_by(ImportIssue.row_number, ImportIssue.id)
    ):
        problems.setdefault(issue.row_number, []).append(issue)
    sheet_format = format_of(batch)
    yield [*sheet_format.headers, "problem"]
    if not problems:
        return
    with open_stored(batch, folder) as stream:
        for row in _sheet(stream, batch):
            found = problems.get(row.row_number)
            if found:
                width = len(sheet_format.headers)
                cells = list(row.cells[:width]) + [""] * (width - len(row.cells))
                # Cells past the header's width (a row that spilled over) follow the problem, so nothing is lost.
                yield [*cells, _problem_text(found), *row.cells[width:]]


#: How a blank legal-form cell is shown in the table of wordings.
BLANK_LEGAL_FORM = "Nothing (left blank)"


@dataclass(frozen=True)
class WordsReading:
    words: str
    form: LegalForm | None
    rows: int
    note: str | None


def legal_form_words(batch: ImportBatch, folder: Path, limit: int = 200) -> list[WordsReading]:
    """Each distinct legal-form wording in the file, what the register reads it as, and on how many rows.

    Shown beside the column choices, so an officer sees what 'Society' or 'Ltd' will become before the check, and
    which words are not recognised (recorded as 'not known', never guessed).
    """
    mapping = mapping_of(batch)
    if mapping.header_for("legal_form") is None:
        return []
    counts: dict[str, int] = {}
    blank = 0
    with open_stored(batch, folder) as stream:
        for row in _sheet(stream, batch):
            words = " ".join(mapping.value("legal_form", row.cells).split())
            if words:
                counts[words] = counts.get(words, 0) + 1
            elif any(cell.strip() for cell in row.cells):  # a blank row is skipped, so not counted here either
                blank += 1
    readings = []
    for words, rows in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]:
        reading = legal_form_from_words(words)
        readings.append(WordsReading(words, reading.form, rows, reading.note))
    if blank:  # listed too, so the rows here add up to the rows in the file
        readings.append(WordsReading(BLANK_LEGAL_FORM, None, blank, None))
    return readings


def rejected_breakdown(session: Session, batch: ImportBatch) -> list[tuple[str, int]]:
    """Why the batch's rejected rows are rejected, each row once, in words with how many: they add up to the
    rows rejected."""
    errors = session.execute(
        select(ImportIssue.row_number, ImportIssue.code, ImportIssue.column, ImportIssue.message)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind == "error")
        .order_by(ImportIssue.id)
    )
    return rejected_reasons((row, code, column, message) for row, code, column, message in errors)


def stored_file_in_use(session: Session, name: str) -> bool:
    """Whether any batch refers to a stored upload (same content, same name)."""
    return bool(session.scalar(select(func.count()).select_from(ImportBatch).where(ImportBatch.stored_file == name)))


__all__ = [
    "Candidate",
    "Collaborators",
    "ImportCounts",
    "ImportError_",
    "ImportFormatError",
    "MappingError",
    "Progress",
    "RowPlan",
    "ServiceWords",
    "StoredUpload",
    "UndoReport",
    "UploadError",
    "begin",
    "check",
    "collaborators",
    "commit",
    "confirm_mapping",
    "decide",
    "undo",
]
