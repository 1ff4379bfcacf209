"""Companies House's PSC snapshot loaded as a dated release, and what it says owns a provider.

A load streams the snapshot's JSON lines (zip, gzip or text, the files read by :mod:`app.services.registers`'s
reader, with its progress) into a release beside the active one, keeping only corporate entities and legal persons
and a count of each company's other records; the release is switched on in the caller's transaction once every line
is in and the totals line agrees, so a file cut short or wrong part-way leaves the active release as it was.

The ownership rule itself is :func:`app.domain.ownership.ultimate_owner`; here it reads the active release, and
:func:`check_provider_ownership` records what it found for a provider: its ultimate parent and that parent's country
as facts matched to a public register (never over the provider's own answer: a different answer is a finding for
an officer), and an offshore parent as a finding too (a signal to weigh, never an exclusion).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from app.domain.ownership import (
    EXEMPTION_KINDS,
    KEPT_KINDS,
    OVERSEAS_OWNER_KINDS,
    PERSON_KINDS,
    PSC_LABEL,
    PSC_REGISTER,
    STATEMENT_KINDS,
    TOTALS_KIND,
    Controller,
    OwnerKind,
    Ownership,
    Totals,
    is_psc_kind,
    read_psc_line,
    same_country,
    same_parent,
    totals_disagree,
    ultimate_owner,
)
from app.domain.providers import EvidenceState, FactKind
from app.domain.registers import RegisterFileError, company_number
from app.models import Provider, ProviderFact, RegisterRelease
from app.models.driver import driver_of
from app.models.ownership import CompanyController, ProviderOwnership, PscCompany
from app.services import fulltext

# The registers' file reader, fingerprint and file-name date: one home for reading a register's bulk files.
from app.services.registers import ReadingFiles, file_parts, new_release

#: Hears the organisations kept so far and the share of the files read (0 to 1).
Progress = Callable[[int, float], None]
#: Rows written at a time (each table): bounds the memory a load holds.
CHUNK_SIZE = 10_000
#: The ultimate parent's value when the register shows no corporate owner with majority control.
NO_CORPORATE_OWNER = "No company has majority control"

_CONTROLLER_FIELDS = (
    "company_number",
    "line",
    "kind",
    "name",
    "registration_number",
    "country_registered",
    "legal_form",
    "legal_authority",
    "place_registered",
    "natures",
    "notified_on",
    "ceased_on",
)
_COMPANY_FIELDS = ("company_number", "line", "people", "organisations", "statements", "exemptions")


def active_psc_release(session: Session) -> RegisterRelease | None:
    return session.scalar(
        select(RegisterRelease).where(RegisterRelease.register == PSC_REGISTER, RegisterRelease.active.is_(True))
    )


# --- Loading --------------------------------------------------------------------------------------------------------


@dataclass
class _PscTally:
    kept: int = 0
    companies: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    unknown_kinds: Counter[str] = field(default_factory=Counter)
    totals: list[Totals] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    def persons(self) -> int:
        """Records the totals line counts as persons: every record but statements and exemptions (a kind this
        loader does not know is counted here too, unless it is a statement by its name)."""
        return sum(
            count for kind, count in self.kinds.items() if kind not in STATEMENT_KINDS and kind not in EXEMPTION_KINDS
        ) + sum(count for kind, count in self.unknown_kinds.items() if not kind.endswith("-statement"))

    def statements(self) -> int:
        return sum(self.kinds[k] for k in STATEMENT_KINDS) + sum(
            count for kind, count in self.unknown_kinds.items() if kind.endswith("-statement")
        )

    def exemptions(self) -> int:
        return sum(self.kinds[k] for k in EXEMPTION_KINDS)

    def counts(self) -> dict[str, object]:
        groups = {
            "organisations kept (corporate entities and legal persons)": sum(self.kinds[k] for k in KEPT_KINDS),
            "people (counted, never kept)": sum(self.kinds[k] for k in PERSON_KINDS),
            "owners of overseas entities (counted, not kept)": sum(self.kinds[k] for k in OVERSEAS_OWNER_KINDS),
            "statements": sum(self.kinds[k] for k in STATEMENT_KINDS),
            "exemptions": self.exemptions(),
        }
        return {
            "records": {what: count for what, count in groups.items() if count},
            "kinds": dict(self.kinds.most_common()),
            "unknown_kinds": dict(self.unknown_kinds.most_common()),
            "companies": self.companies,
            "tables": self.tables,
        }


@dataclass(frozen=True)
class PscLoadResult:
    release: RegisterRelease
    created: bool
    replaced: list[str]


def load_psc(
    session: Session,
    paths: Sequence[Path],
    today: date,
    *,
    name: str | None = None,
    published_on: date | None = None,
    progress: Progress | None = None,
) -> PscLoadResult:
    """Load Companies House's PSC snapshot (one zip, its parts, or their text or gzip files) as a new release and
    make it the active one, in the caller's transaction.

    The same files already active are left alone. On any error (RegisterFileError, in words) nothing is switched and
    the caller rolls back; the release it replaces is kept until :func:`purge_superseded_psc`."""
    started = time.perf_counter()
    release = new_release(
        session,
        PSC_REGISTER,
        paths,
        today,
        active_psc_release,
        default_name="Companies House PSC snapshot",
        name=name,
        published_on=published_on,
    )
    if release.active:  # the same files are the active release already
        return PscLoadResult(release, created=False, replaced=[])
    reading = ReadingFiles(list(paths))
    tally = _PscTally()
    writer = _Writer(session, release.id)
    for source, number, line in _lines(reading, tally):
        found = read_psc_line(line, f"{source}, line {number}")
        kind = found.kind
        if kind == TOTALS_KIND:
            if found.totals is not None:
                tally.totals.append(found.totals)
            continue
        if is_psc_kind(kind):
            tally.kinds[kind] += 1
        else:
            tally.unknown_kinds[kind[:80]] += 1
        writer.count(found.company_number, number, kind)
        if found.controller is not None:
            writer.keep(found.controller, number)
            tally.kept += 1
        if writer.full():
            writer.flush()
            if progress is not None:
                progress(tally.kept, reading.share())
    writer.flush(last=True)
    tally.companies = writer.companies
    _check_totals(tally, paths)
    replaced = [r.name for r in session.scalars(select(RegisterRelease).where(_active_psc()))]
    session.execute(
        update(RegisterRelease)
        .where(RegisterRelease.register == PSC_REGISTER, RegisterRelease.id != release.id)
        .values(active=False)
    )
    release.active = True
    release.row_count = tally.kept
    release.counts = tally.counts()
    for table in (CompanyController.__tablename__, PscCompany.__tablename__):
        session.execute(text(f"ANALYZE {table}"))
    release.seconds_to_load = round(time.perf_counter() - started, 1)
    if progress is not None:
        progress(tally.kept, 1.0)
    session.flush()
    return PscLoadResult(release, created=True, replaced=replaced)


def _active_psc() -> Any:
    return (RegisterRelease.register == PSC_REGISTER) & RegisterRelease.active.is_(True)


def _lines(reading: ReadingFiles, tally: _PscTally) -> Iterator[tuple[str, int, str]]:
    """Every non-blank line of the files, with its file and line number; a file whose first line is not a PSC
    record is not the product."""
    for part in file_parts(reading):
        tally.tables.append(part.source)
        first = True
        for number, line in enumerate(part.lines, start=1):
            if not line.strip():
                continue
            if first:
                first = False
                _first_line(line, part.source)
            yield part.source, number, line
        if first:
            raise RegisterFileError(f"{part.source} is empty. Nothing was loaded.")


def _first_line(line: str, source: str) -> None:
    try:
        read_psc_line(line, f"{source}, line 1")
    except RegisterFileError:
        raise RegisterFileError(
            f"{source} is not Companies House's PSC snapshot: its lines should be JSON records like "
            f'{{"company_number": "...", "data": {{"kind": ...}}}}. Nothing was loaded; the active release is '
            f"unchanged."
        ) from None


def _check_totals(tally: _PscTally, paths: Sequence[Path]) -> None:
    names = ", ".join(p.name for p in paths)
    if not tally.totals:
        raise RegisterFileError(
            f"{names} ends without the snapshot's totals line: it is probably cut short, or a part is missing. "
            f"Nothing was loaded; the active release is unchanged."
        )
    # The whole snapshot's totals (the same line in every part), or each part's own (added up).
    first = tally.totals[0]
    if all(t == first for t in tally.totals):
        totals = first
    else:
        totals = Totals(
            sum(t.persons for t in tally.totals),
            sum(t.statements for t in tally.totals),
            sum(t.exemptions for t in tally.totals),
            first.generated_at,
        )
    disagree = totals_disagree(totals, tally.persons(), tally.statements(), tally.exemptions())
    if disagree is not None:
        raise RegisterFileError(
            f"{names}: the snapshot's totals line does not agree with what was read ({disagree}). A part may be "
            f"missing or cut short. Nothing was loaded; the active release is unchanged."
        )


class _Writer:
    """Rows for the release's two tables, a chunk at a time: the organisations kept, and each company's counts (a
    run of lines of one company is one row)."""

    def __init__(self, session: Session, release_id: int) -> None:
        self.session = session
        self.release_id = release_id
        self.controllers: list[tuple[Any, ...]] = []
        self.company_rows: list[tuple[Any, ...]] = []
        self.run: list[Any] | None = None  # [number, line, people, organisations, statements, exemptions]
        self.companies = 0

    def count(self, number: str, line: int, kind: str) -> None:
        if self.run is None or self.run[0] != number:
            self._end_run()
            self.run = [number, line, 0, 0, 0, 0]
        if kind in KEPT_KINDS:
            self.run[3] += 1
        elif kind in STATEMENT_KINDS:
            self.run[4] += 1
        elif kind in EXEMPTION_KINDS:
            self.run[5] += 1
        else:
            self.run[2] += 1

    def _end_run(self) -> None:
        if self.run is not None:
            self.company_rows.append(tuple(self.run))
            self.companies += 1
            self.run = None

    def keep(self, controller: Controller, line: int) -> None:
        self.controllers.append(
            (
                controller.company_number,
                line,
                controller.kind,
                controller.name,
                controller.registration_number,
                controller.country_registered,
                controller.legal_form,
                controller.legal_authority,
                controller.place_registered,
                "\n".join(controller.natures),
                controller.notified_on,
                controller.ceased_on,
            )
        )

    def full(self) -> bool:
        return len(self.controllers) >= CHUNK_SIZE or len(self.company_rows) >= CHUNK_SIZE

    def flush(self, *, last: bool = False) -> None:
        if last:
            self._end_run()
        _insert(self.session, CompanyController.__tablename__, _CONTROLLER_FIELDS, self.release_id, self.controllers)
        _insert(self.session, PscCompany.__tablename__, _COMPANY_FIELDS, self.release_id, self.company_rows)
        self.controllers, self.company_rows = [], []


def _insert(
    session: Session, table: str, fields: tuple[str, ...], release_id: int, rows: list[tuple[Any, ...]]
) -> None:
    """Write rows in the caller's transaction: COPY on PostgreSQL, the driver's executemany on SQLite."""
    if not rows:
        return
    columns = ", ".join(("release_id", *fields))
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        copying = f"COPY {table} ({columns}) FROM STDIN"
        with driver_of(connection) as driver, driver.cursor() as cursor, cursor.copy(copying) as copy:
            for row in rows:
                copy.write_row((release_id, *row))
        return
    if connection.dialect.name == "sqlite":
        values = ", ".join(("?",) * len(fields))
        statement = f"INSERT INTO {table} ({columns}) VALUES ({int(release_id)}, {values})"  # noqa: S608  (fixed names, an int)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            # Dates as SQLAlchemy writes them on SQLite (ISO text), not by the driver's deprecated date adapter.
            cursor.executemany(statement, ([v.isoformat() if isinstance(v, date) else v for v in r] for r in rows))
        finally:
            cursor.close()
        return
    session.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES (:release_id, {', '.join(':' + f for f in fields)})"),  # noqa: S608
        [{"release_id": release_id, **dict(zip(fields, row, strict=True))} for row in rows],
    )


def purge_superseded_psc(session: Session) -> int:
    """Delete the rows of PSC releases that are no longer active (rows first); returns how many releases went."""
    old = list(
        session.scalars(
            select(RegisterRelease.id).where(
                RegisterRelease.register == PSC_REGISTER, RegisterRelease.active.is_(False)
            )
        )
    )
    if old:
        for table in (CompanyController, PscCompany):
            session.execute(delete(table).where(table.release_id.in_(old)))
        session.execute(delete(RegisterRelease).where(RegisterRelease.id.in_(old)))
    return len(old)


# --- Ownership ------------------------------------------------------------------------------------------------------


def _controller(row: CompanyController) -> Controller:
    return Controller(
        company_number=row.company_number,
        kind=row.kind,
        name=row.name,
        registration_number=row.registration_number,
        country_registered=row.country_registered,
        legal_form=row.legal_form,
        legal_authority=row.legal_authority,
        place_registered=row.place_registered,
        natures=tuple(n for n in row.natures.split("\n") if n),
        notified_on=row.notified_on,
        ceased_on=row.ceased_on,
    )


def controllers_in(session: Session, release: RegisterRelease) -> Callable[[str], Sequence[Controller]]:
    """The release's organisations controlling a company, by its number (each company asked once)."""
    asked: dict[str, list[Controller]] = {}

    def controllers_of(number: str) -> Sequence[Controller]:
        if number not in asked:
            asked[number] = [
                _controller(row)
                for row in session.scalars(
                    select(CompanyController)
                    .where(CompanyController.release_id == release.id, CompanyController.company_number == number)
                    .order_by(CompanyController.line)
                )
            ]
        return asked[number]

    return controllers_of


def on_register(session: Session, release: RegisterRelease, number: str) -> bool:
    """Whether the company has any record in the release (a person, an organisation, a statement or an exemption)."""
    found = session.scalar(
        select(func.count())
        .select_from(PscCompany)
        .where(PscCompany.release_id == release.id, PscCompany.company_number == number)
    )
    return bool(found)


def company_ownership(
    session: Session, number: str, name: str, release: RegisterRelease | None = None
) -> Ownership | None:
    """What the active PSC release says owns a company, or None when no release is loaded or the company has no
    record in it (nothing to say)."""
    release = release or active_psc_release(session)
    wanted = company_number(number)
    if release is None or wanted is None or not on_register(session, release, wanted):
        return None
    return ultimate_owner(wanted, name, controllers_in(session, release))


def _register_values(ownership: Ownership) -> dict[FactKind, str | None]:
    parent = ownership.parent
    country = ownership.parent_country
    return {
        FactKind.ULTIMATE_PARENT: parent.name[:300] if parent is not None else NO_CORPORATE_OWNER,
        FactKind.PARENT_COUNTRY: country.name[:300] if parent is not None and country is not None else None,
    }


def _differs(kind: FactKind, ours: str, theirs: str | None) -> bool:
    if theirs is None:
        return False  # the register does not say: nothing to compare
    if kind == FactKind.ULTIMATE_PARENT:
        return not same_parent(ours, theirs)
    return not same_country(ours, theirs)


def check_provider_ownership(
    session: Session, provider: Provider, release: RegisterRelease, now: datetime
) -> tuple[list[str], list[str]]:
    """Compare what the PSC release says owns the provider (by its Companies House number) with what it said, and
    keep it: fill its ultimate parent and parent's country as facts matched to a public register where it gave no
    answer or said not known, never over its own answer. Returns what the comparison found for an officer, and
    which of those are new since the last check."""
    numbers = [i.value for i in provider.identifiers if i.scheme == "GB-COH"]
    number = company_number(numbers[0]) if numbers else None
    if number is None:
        return [], []
    ownership = company_ownership(session, number, provider.name, release)
    if ownership is None:
        return [], []
    evidence = ownership.evidence(release.published_on)
    findings: list[str] = []
    if ownership.kind == OwnerKind.OFFSHORE:
        findings.append(ownership.summary())
    current = {fact.kind: fact for fact in provider.facts}
    changed = False
    for kind, theirs in _register_values(ownership).items():
        fact = current.get(kind)
        ours_by_register = fact is not None and fact.evidence == EvidenceState.REGISTER_MATCHED
        if theirs is None:
            if fact is not None and ours_by_register:
                provider.facts.remove(fact)
                changed = True
            continue
        if fact is None or fact.value is None or ours_by_register:
            if fact is None:
                fact = ProviderFact(kind=kind)
                provider.facts.append(fact)
            if fact.value != theirs or fact.evidence != EvidenceState.REGISTER_MATCHED:
                changed = True
            fact.value, fact.evidence, fact.as_of = theirs, EvidenceState.REGISTER_MATCHED, release.published_on
            fact.evidence_note, fact.recorded_by_id, fact.import_batch_id = evidence, None, None
        elif _differs(kind, fact.value, theirs):
            findings.append(f"{kind.label}: the organisation said {fact.value}; {PSC_LABEL} says {theirs}")
    record = session.scalar(select(ProviderOwnership).where(ProviderOwnership.provider_id == provider.id))
    before = record.finding_lines if record is not None else []
    if record is None:
        record = ProviderOwnership(provider_id=provider.id)
        session.add(record)
    parent, country = ownership.parent, ownership.parent_country
    record.company_number = number
    record.owner_kind = ownership.kind.value
    record.parent_name = parent.name[:300] if parent is not None else None
    record.parent_country = country.name[:80] if country is not None else None
    record.offshore = ownership.kind == OwnerKind.OFFSHORE
    record.summary = ownership.summary()
    record.evidence = evidence
    record.published_on = release.published_on
    record.checked_on = now.date()
    record.findings = "\n".join(findings)
    if changed:
        fulltext.refresh(session, provider)
    session.flush()
    return findings, [f for f in findings if f not in before]
