"""The public registers, loaded offline as dated releases, looked up by number and matched by name.

A load reads a register's bulk files as they are published (Companies House's multi-part zip of CSVs, the Charity
Commission's extract, the FCA mutuals register or a link file of its numbers), streamed a chunk at a time, into a
release beside the active one; the release is switched on in the caller's transaction when every row is in, so a
file that is cut short or wrong part-way leaves the active release as it was. Like the postcode directory
(:mod:`app.geo.postcode_directory`), rows go in by the engine's fastest path: COPY on PostgreSQL, the driver's
prepared executemany on SQLite.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import multiprocessing
import os
import re
import sqlite3
import time
import zipfile
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import IO, Any, cast

import psycopg
from rapidfuzz import fuzz, process
from sqlalchemy import (
    Connection,
    Executable,
    String,
    Table,
    bindparam,
    delete,
    exc,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from app.domain.providers import LegalForm
from app.domain.registers import (
    AREA_COLUMNS,
    CLASSIFICATION_COLUMNS,
    NAME_MAX_LENGTH,
    REGISTER_OF_SCHEME,
    CharityRecord,
    Liveness,
    Register,
    RegisterEntry,
    RegisterFileError,
    SocietyRecord,
    category_legal_form,
    charity_columns,
    charity_number,
    charity_record,
    company_columns,
    company_number,
    liveness,
    name_key,
    numbered_rows,
    parse_company_batch,
    register_date,
    society_columns,
    society_legal_form,
    society_number,
    society_record,
    unwrapped_lines,
)
from app.domain.spend.suppliers import near_name_score, normalise_supplier_name, supplier_name_variants
from app.models import (
    ProviderRegisterRecord,
    RegisteredCharity,
    RegisteredCompany,
    RegisteredSociety,
    RegisterRelease,
)
from app.models.driver import driver_of

#: Hears the rows loaded so far and the share of the files read (0 to 1).
Progress = Callable[[int, float], None]
CHUNK_SIZE = 10_000
#: SQLite's page cache while a register loads, in KiB (the load's peak memory stays under 400 MB with it).
SQLITE_LOAD_CACHE_KIB = 65_536
#: Each register's table of organisations.
REGISTER_TABLES: dict[Register, Any] = {
    Register.COMPANIES_HOUSE: RegisteredCompany,
    Register.CHARITIES: RegisteredCharity,
    Register.MUTUALS: RegisteredSociety,
}
# A date in a file's name: BasicCompanyData-2026-12-01-part1_7.zip.
_NAMED_DATE = re.compile(r"(20\d\d)-(\d\d)-(\d\d)")
_CUT_SHORT = (zipfile.BadZipFile, EOFError, zlib.error, gzip.BadGzipFile)


# --- Reading the files ---------------------------------------------------------------------------------------------


class _Counted(io.RawIOBase):
    """A zip member read through, counting its (uncompressed) bytes: how far into it the load is."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


@dataclass
class ReadingFiles:
    """The files of one load: their total size, and how much has been read (for the progress bar): bytes on disk
    for a CSV or gzip, and for a zip's member the share of its uncompressed bytes read, weighted by its size."""

    paths: list[Path]
    total_bytes: int = 0
    done_bytes: int = 0
    current: IO[bytes] | None = None
    current_size: int = 0
    member: _Counted | None = None
    member_size: int = 0  # uncompressed
    member_weight: float = 0.0  # its part of total_bytes

    def share(self) -> float:
        now = float(self.done_bytes)
        if self.member is not None and self.member_size:
            now += self.member_weight * min(self.member.count / self.member_size, 1.0)
        elif self.current is not None:
            try:
                now += self.current.tell()
            except (OSError, ValueError):  # read to its end and closed by the text reader over it: all of it read
                now += self.current_size
        return min(now / self.total_bytes, 1.0) if self.total_bytes else 0.0


@dataclass(frozen=True)
class _Part:
    """One table of a load: its name (file, or zip and member) and its lines as text."""

    source: str
    lines: Iterator[str]


def file_parts(reading: ReadingFiles) -> Iterator[_Part]:
    """Every CSV or text table in the files, in order: a zip's members by name (the product's parts in turn)."""
    reading.total_bytes = sum(path.stat().st_size for path in reading.paths)
    for path in reading.paths:
        if path.suffix.lower() == ".zip" and not zipfile.is_zipfile(path):
            raise RegisterFileError(
                f"{path.name} is not a zip file that can be opened: it is probably cut short or damaged. Nothing was "
                f"loaded; the active release is unchanged."
            )
        if zipfile.is_zipfile(path):
            try:
                archive = zipfile.ZipFile(path)
            except _CUT_SHORT as error:
                raise _cut_short(path.name, error) from error
            with archive:
                members = sorted(
                    (i for i in archive.infolist() if i.filename.lower().endswith((".csv", ".txt"))),
                    key=lambda i: i.filename,
                )
                if not members:
                    raise RegisterFileError(f"{path.name} has no CSV or text file in it. Nothing was loaded.")
                size = sum(i.compress_size for i in members) or 1
                for member in members:
                    weight = path.stat().st_size * member.compress_size / size
                    with archive.open(member) as opened:
                        counted = _Counted(opened)
                        reading.member, reading.member_size, reading.member_weight = counted, member.file_size, weight
                        buffered = io.BufferedReader(counted, buffer_size=1 << 20)
                        yield _Part(f"{path.name}: {member.filename}", _text_lines(buffered, f"{path.name}"))
                    reading.member = None
                    reading.done_bytes += int(weight)
            continue
        with path.open("rb") as raw:
            reading.current, reading.current_size = raw, path.stat().st_size
            binary: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if path.suffix == ".gz" else raw  # type: ignore[assignment]
            yield _Part(path.name, _text_lines(binary, path.name))
            reading.current = None
        reading.done_bytes += path.stat().st_size


def _text_lines(binary: IO[bytes], source: str) -> Iterator[str]:
    """The lines of a file as text: UTF-8 (with or without its byte-order mark), else Windows-1252, as registers'
    files and the spreadsheets they pass through are written. A file cut short says so."""
    try:
        with io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="") as text:
            yield from text
    except UnicodeDecodeError:
        raise RegisterFileError(
            f"{source} is not UTF-8 text from the point it was read to; save it as CSV UTF-8. Nothing was loaded."
        ) from None
    except _CUT_SHORT as error:
        raise _cut_short(source, error) from error


def _cut_short(source: str, error: BaseException) -> RegisterFileError:
    return RegisterFileError(
        f"{source} could not be read to its end ({error}): it is probably cut short or damaged. Nothing was loaded; "
        f"the active release is unchanged."
    )


def _dialect_of(first_line: str) -> type[csv.Dialect]:
    """The register extract's .txt tables are tab-separated; everything else is comma-separated."""
    return csv.excel_tab if first_line.count("\t") > first_line.count(",") else csv.excel


@dataclass(frozen=True)
class _Table:
    """A table's header read: where the columns we keep are, how many there are, its dialect, and its records' lines
    (hard-wrapped lines already joined back)."""

    source: str
    positions: Any
    expected: int
    dialect: str  # "excel" or "excel-tab"
    lines: Iterator[str]


def _table(part: _Part, header_check: Callable[[list[str]], Any]) -> _Table:
    first = next(part.lines, None)
    if first is None or not first.strip():
        raise RegisterFileError(f"{part.source} is empty. Nothing was loaded.")
    dialect = _dialect_of(first)
    header = next(csv.reader([first], dialect))
    lines: Iterator[str] = part.lines
    try:
        positions = header_check(header)
    except RegisterFileError:
        # The published BasicCompanyData sample is hard-wrapped: the header goes on over lines of the same width.
        width = len(first.rstrip("\r\n"))
        joined, rest = _unwrap_header(first, part.lines, width)
        header = next(csv.reader([joined], dialect))
        positions = header_check(header)  # still wrong: the error names what is missing
        lines = unwrapped_lines(rest, width, len(header))
    return _Table(part.source, positions, len(header), "excel-tab" if dialect is csv.excel_tab else "excel", lines)


def _rows(part: _Part, header_check: Callable[[list[str]], Any]) -> tuple[Any, Iterator[tuple[int, list[str]]]]:
    """A table's column positions (``header_check`` of its header) and its rows, numbered as lines of the file."""
    table = _table(part, header_check)
    return table.positions, numbered_rows(table.lines, table.source, table.expected, table.dialect)


def _unwrap_header(first: str, lines: Iterator[str], width: int) -> tuple[str, Iterator[str]]:
    joined = first.rstrip("\r\n")
    line = first.rstrip("\r\n")
    while len(line) == width:
        following = next(lines, None)
        if following is None:
            break
        line = following.rstrip("\r\n")
        joined += line
    return joined, lines


# --- Loading --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    release: RegisterRelease
    created: bool
    replaced: list[str]


@dataclass
class _Tally:
    rows: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    unknown_categories: Counter[str] = field(default_factory=Counter)
    left_out: Counter[str] = field(default_factory=Counter)
    tables: list[str] = field(default_factory=list)
    published_on: date | None = None
    # The charity extract's classification and area-of-operation lines by charity number, written onto the
    # charities once they are all in.
    extras: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: {"classifications": {}, "areas_of_operation": {}}
    )
    # Worker processes that parsed the file: process id -> (peak memory in MB, CPU seconds).
    parsers: dict[int, tuple[float, float]] = field(default_factory=dict)

    def counts(self) -> dict[str, object]:
        return {
            "statuses": dict(self.statuses.most_common()),
            "unknown_categories": dict(self.unknown_categories.most_common()),
            "left_out": dict(self.left_out),
            "tables": self.tables,
            "parsers": {
                "processes": len(self.parsers),
                "peak_mb": round(sum(peak for peak, _ in self.parsers.values()), 1),
                "cpu_seconds": round(sum(cpu for _, cpu in self.parsers.values()), 1),
            },
        }


def active_release(session: Session, register: Register) -> RegisterRelease | None:
    return session.scalar(
        select(RegisterRelease).where(RegisterRelease.register == register.value, RegisterRelease.active.is_(True))
    )


def active_releases(session: Session) -> dict[Register, RegisterRelease]:
    # Only registers of organisations: the PSC snapshot's releases share the table (app.services.ownership).
    registers = [register.value for register in Register]
    found = session.scalars(
        select(RegisterRelease).where(RegisterRelease.active.is_(True), RegisterRelease.register.in_(registers))
    )
    return {Register(release.register): release for release in found}


def _fingerprint(paths: Sequence[Path]) -> str:
    digests = []
    for path in paths:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digests.append(digest.hexdigest()[:32])
    return "+".join(digests)[:700]


def _named_date(paths: Sequence[Path]) -> date | None:
    for path in paths:
        found = _NAMED_DATE.search(path.name)
        if found:
            try:
                return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
            except ValueError:
                continue
    return None


def new_release(
    session: Session,
    register: str,
    paths: Sequence[Path],
    today: date,
    active: Callable[[Session], RegisterRelease | None],
    *,
    default_name: str,
    name: str | None,
    published_on: date | None,
) -> RegisterRelease:
    """A release for these files, added and not yet active; or the ``active`` one when it is of the same files.
    RegisterFileError when no file, or a missing one, is named (before the database is asked anything)."""
    if not paths:
        raise RegisterFileError("Name at least one file to load.")
    for path in paths:
        if not path.is_file():
            raise RegisterFileError(f"{path} does not exist. Nothing was loaded.")
    fingerprint = _fingerprint(paths)
    current = active(session)
    if current is not None and current.sha256 == fingerprint:
        return current
    release = RegisterRelease(
        register=register,
        name=name or f"{default_name}, {', '.join(p.name for p in paths)}"[:200],
        source_files=", ".join(p.name for p in paths),
        sha256=fingerprint,
        published_on=published_on or _named_date(paths) or today,
        active=False,
        counts={},
    )
    session.add(release)
    session.flush()
    return release


def load_register(
    session: Session,
    register: Register,
    paths: Sequence[Path],
    today: date,
    *,
    name: str | None = None,
    published_on: date | None = None,
    progress: Progress | None = None,
    parse_workers: int | None = None,
) -> LoadResult:
    """Load a register's files as a new release and make it the active one, in the caller's transaction.

    A big Companies House file is parsed by worker processes (one a core; ``parse_workers`` says how many, 0 for
    none) while this process writes what they parsed.

    The same files already active are left alone. On any error (RegisterFileError, in words) nothing is switched and
    the caller rolls back; the release it replaces is kept until :func:`purge_superseded`."""
    started = time.perf_counter()
    release = new_release(
        session,
        register.value,
        paths,
        today,
        partial(active_release, register=register),
        default_name=f"{register.label[0].upper()}{register.label[1:]}",
        name=name,
        published_on=published_on,
    )
    if release.active:  # the same files are the active release already
        return LoadResult(release, created=False, replaced=[])
    reading = ReadingFiles(list(paths))
    tally = _Tally()
    iso_dates = False
    if register == Register.COMPANIES_HOUSE:
        big = sum(path.stat().st_size for path in paths) >= PARALLEL_FROM_BYTES
        workers = parse_workers if parse_workers is not None else _workers(big)
        iso_dates = session.get_bind().dialect.name == "sqlite"  # what SQLite stores, made by the parsers
        chunks = _company_chunks(file_parts(reading), tally, workers, iso_dates=iso_dates)
    else:
        chunks = {Register.CHARITIES: _charity_chunks, Register.MUTUALS: _society_chunks}[register](
            file_parts(reading), tally
        )

    # Reading the files is most of a load; on SQLite the rows are then sorted into place and indexed (a fifth of
    # the time), and ANALYZE follows on both engines: the bar's share counts those too.
    sqlite = session.get_bind().dialect.name == "sqlite"
    reading_weight = 0.8 if sqlite else 0.95

    def chunk_done(total: int) -> None:
        if progress is not None:
            progress(total, reading.share() * reading_weight)

    def finishing(share: float) -> None:
        if progress is not None:
            progress(tally.rows, share)

    try:
        _bulk_insert(
            session,
            REGISTER_TABLES[register],
            release.id,
            chunks,
            chunk_done,
            dates_as_text=iso_dates,
            finishing=finishing,
        )
    except (exc.IntegrityError, sqlite3.IntegrityError, psycopg.errors.IntegrityError) as error:
        # Only a company can be here (the others' loaders keep an organisation's first listing): millions of numbers
        # are not held in memory to find the repeat before the database does.
        raise RegisterFileError(
            f"The files hold a company number twice ({getattr(error, 'orig', error)}). Nothing was loaded; the "
            f"active release is unchanged."
        ) from None
    if tally.rows == 0:
        raise RegisterFileError(
            f"{', '.join(p.name for p in paths)} held no {register.label} organisations. Nothing was loaded."
        )
    if register == Register.CHARITIES:
        _attach_charity_tables(session, release.id, tally)
    replaced = [r.name for r in session.scalars(_active(register))]
    session.execute(
        update(RegisterRelease)
        .where(RegisterRelease.register == register.value, RegisterRelease.id != release.id)
        .values(active=False)
    )
    release.active = True
    release.row_count = tally.rows
    if tally.published_on is not None and published_on is None and _named_date(paths) is None:
        release.published_on = tally.published_on
    release.counts = tally.counts()
    # Fresh statistics for the new rows: without them the engines scan the whole release for a batch of names
    # (matching 7,500 names took 30 s right after a 5.5 million row load, under 1 s after ANALYZE).
    session.execute(text(f"ANALYZE {REGISTER_TABLES[register].__tablename__}"))
    release.seconds_to_load = round(time.perf_counter() - started, 1)
    if progress is not None:
        progress(tally.rows, 1.0)
    session.flush()
    return LoadResult(release, created=True, replaced=replaced)


def _workers(big: bool) -> int:
    """Worker processes for a big file: one a core. Parsing a row costs twice what writing it does, so on two cores
    two parsers beside the writer keep both cores busy (measured: 300,000 rows, 42 us of a worker's CPU a row and
    22 us of the writer's)."""
    return max(1, os.cpu_count() or 1) if big else 0


def _active(register: Register) -> Any:
    return select(RegisterRelease).where(RegisterRelease.register == register.value, RegisterRelease.active.is_(True))


def purge_superseded(session: Session, register: Register) -> int:
    """Delete the rows of a register's releases that are no longer active (rows first); returns how many went."""
    old = list(
        session.scalars(
            select(RegisterRelease.id).where(
                RegisterRelease.register == register.value, RegisterRelease.active.is_(False)
            )
        )
    )
    if old:
        table = REGISTER_TABLES[register]
        session.execute(delete(table).where(table.release_id.in_(old)))
        session.execute(delete(RegisterRelease).where(RegisterRelease.id.in_(old)))
    return len(old)


_COMPANY_FIELDS = (
    "number",
    "name",
    "name_key",
    "category",
    "status",
    "incorporated_on",
    "dissolved_on",
    "address",
    "postcode",
    "country",
    "sic",
    "previous_name",
)


#: Lines a batch of a Companies House file is parsed in (a worker's unit of work).
BATCH_LINES = 2_000
#: Batches handed to the workers ahead of the one being written: bounds the memory the pipeline holds.
BATCHES_AHEAD = 4
#: A file at least this big (bytes on disk) is parsed by worker processes beside the one writing.
PARALLEL_FROM_BYTES = 20_000_000


def _company_batches(table: _Table, iso_dates: bool) -> Iterator[tuple[str, int, list[str], Any, int, str, bool]]:
    """The table's record lines in batches, each cut where no quoted field is open (a field may hold a line break),
    with the line the batch starts on."""
    batch: list[str] = []
    start = line = 2
    open_quote = False
    for record_line in table.lines:
        batch.append(record_line)
        line += 1
        if record_line.count('"') % 2:
            open_quote = not open_quote
        if len(batch) >= BATCH_LINES and not open_quote:
            yield table.source, start, batch, table.positions, table.expected, table.dialect, iso_dates
            batch, start = [], line
    if batch:
        yield table.source, start, batch, table.positions, table.expected, table.dialect, iso_dates


@contextmanager
def _parsers(workers: int) -> Iterator[Callable[[Iterator[Any]], Iterator[Any]]]:
    """``parse_company_batch`` over batches, in order: in ``workers`` processes (from a fork server, not forked from
    this process: a copy of a web process's threads and connections is no place to run anything), at most
    BATCHES_AHEAD batches ahead, or here."""
    if workers <= 0:
        yield lambda batches: map(parse_company_batch, batches)
        return
    # A fork server that has imported only the pure domain module: workers forked from it hold that (20 MB), not a
    # copy of whatever the process that started the load had imported (spawned workers re-import its __main__).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["app.domain.registers"])
    with context.Pool(workers) as pool:

        def parsed(batches: Iterator[Any]) -> Iterator[Any]:
            waiting: deque[Any] = deque()
            for batch in batches:
                waiting.append(pool.apply_async(parse_company_batch, (batch,)))
                if len(waiting) > BATCHES_AHEAD:
                    yield waiting.popleft().get()
            while waiting:
                yield waiting.popleft().get()

        yield parsed


def _company_chunks(
    parts: Iterator[_Part], tally: _Tally, workers: int = 0, *, iso_dates: bool = False
) -> Iterator[list[tuple[Any, ...]]]:
    found_any = False
    with _parsers(workers) as parsed:
        for part in parts:
            table = _table(part, partial(company_columns, source=part.source))
            found_any = True
            tally.tables.append(part.source)
            for rows, statuses, unknown, (pid, peak_mb, cpu) in parsed(_company_batches(table, iso_dates)):
                tally.statuses.update(statuses)
                tally.unknown_categories.update(unknown)
                if workers:
                    tally.parsers[pid] = (peak_mb, cpu)
                if rows:
                    tally.rows += len(rows)
                    yield rows
    if not found_any:
        raise RegisterFileError("No BasicCompanyData file was given. Nothing was loaded.")


_CHARITY_FIELDS = (
    "number",
    "name",
    "name_key",
    "company_number",
    "charity_type",
    "status",
    "registered_on",
    "removed_on",
    "address",
    "postcode",
    "website",
    "activities",
    "classifications",
    "areas_of_operation",
)


def _charity_chunks(parts: Iterator[_Part], tally: _Tally) -> Iterator[list[tuple[Any, ...]]]:
    found_charities = False
    seen: set[str] = set()
    for part in parts:
        first = next(part.lines, None)
        if first is None:
            continue
        header = {h.strip().lstrip("\ufeff").casefold() for h in next(csv.reader([first], _dialect_of(first)))}
        whole = _Part(part.source, _prepend(first, part.lines))
        if set(CLASSIFICATION_COLUMNS) <= header:
            tally.tables.append(part.source)
            _read_extra(whole, tally, "classification_type", "classification_description", "classifications")
            continue
        if set(AREA_COLUMNS) <= header:
            tally.tables.append(part.source)
            _read_extra(whole, tally, "geographic_area_type", "geographic_area_description", "areas_of_operation")
            continue
        if "registered_charity_number" not in header or "charity_name" not in header:
            tally.left_out[f"{part.source} (not a table of the extract this register uses)"] += 1
            continue
        found_charities = True
        tally.tables.append(part.source)
        positions, rows = _rows(whole, partial(charity_columns, source=part.source))
        chunk: list[tuple[Any, ...]] = []
        for number, row in rows:
            record: CharityRecord | None = charity_record(row, positions, f"{part.source}, row {number}")
            if record is None:
                tally.left_out["linked charities (listed under their main charity)"] += 1
                continue
            if record.number in seen:
                tally.left_out["a charity listed again (the first listing is kept)"] += 1
                continue
            seen.add(record.number)
            if tally.published_on is None and "extract_date" in positions:
                try:
                    tally.published_on = register_date(row[positions["extract_date"]])
                except RegisterFileError as error:
                    raise RegisterFileError(f"{part.source}, row {number}: date_of_extract {error}") from None
            tally.statuses[record.status or "not given"] += 1
            chunk.append(
                (
                    record.number,
                    record.name,
                    name_key(record.name),
                    record.company_number,
                    record.charity_type,
                    record.status,
                    record.registered_on,
                    record.removed_on,
                    record.address,
                    record.postcode,
                    record.website,
                    record.activities,
                    "",
                    "",
                )
            )
            if len(chunk) >= CHUNK_SIZE:
                tally.rows += len(chunk)
                yield chunk
                chunk = []
        if chunk:
            tally.rows += len(chunk)
            yield chunk
    if not found_charities:
        raise RegisterFileError(
            "None of the files is the Charity Commission's charity table (registered_charity_number, charity_name). "
            "Nothing was loaded."
        )


def _prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _read_extra(part: _Part, tally: _Tally, kind_column: str, text_column: str, into: str) -> None:
    def check(header: list[str]) -> dict[str, int]:
        at = {h.strip().lstrip("\ufeff").casefold(): i for i, h in enumerate(header)}
        return {"number": at["registered_charity_number"], "kind": at[kind_column], "text": at[text_column]} | (
            {"linked": at["linked_charity_number"]} if "linked_charity_number" in at else {}
        )

    positions, rows = _rows(part, check)
    kept = tally.extras[into]
    for _number, row in rows:
        if "linked" in positions and row[positions["linked"]].strip() not in ("", "0"):
            continue
        number = charity_number(row[positions["number"]])
        if number is None:
            continue
        text = row[positions["text"]].strip()
        kind = row[positions["kind"]].strip()
        if text:
            kept.setdefault(number, []).append(f"{kind}: {text}" if kind else text)


def _attach_charity_tables(session: Session, release_id: int, tally: _Tally) -> None:
    """Write the classification and area tables' lines onto the release's charities."""
    for column, kept in tally.extras.items():
        for number, lines in kept.items():
            session.execute(
                update(RegisteredCharity)
                .where(RegisteredCharity.release_id == release_id, RegisteredCharity.number == number)
                .values({column: "\n".join(lines)})
            )


_SOCIETY_FIELDS = (
    "number",
    "name",
    "name_key",
    "company_number",
    "society_type",
    "status",
    "registered_on",
    "deregistered_on",
    "address",
    "postcode",
)


def _society_chunks(parts: Iterator[_Part], tally: _Tally) -> Iterator[list[tuple[Any, ...]]]:
    seen: set[str] = set()  # a link file lists a society once for each Companies House number it has had
    for part in parts:
        positions, rows = _rows(part, partial(society_columns, source=part.source))
        tally.tables.append(part.source)
        chunk: list[tuple[Any, ...]] = []
        for number, row in rows:
            record: SocietyRecord | None = society_record(row, positions, f"{part.source}, row {number}")
            if record is None:
                tally.left_out["rows naming another register's organisation first"] += 1
                continue
            if record.number in seen:
                tally.left_out["a society listed again (the first listing is kept)"] += 1
                continue
            seen.add(record.number)
            tally.statuses[record.status or "not given"] += 1
            chunk.append(
                (
                    record.number,
                    record.name,
                    name_key(record.name),
                    record.company_number,
                    record.society_type,
                    record.status,
                    record.registered_on,
                    record.deregistered_on,
                    record.address,
                    record.postcode,
                )
            )
            if len(chunk) >= CHUNK_SIZE:
                tally.rows += len(chunk)
                yield chunk
                chunk = []
        if chunk:
            tally.rows += len(chunk)
            yield chunk


_FIELDS: dict[type, tuple[str, ...]] = {
    RegisteredCompany: _COMPANY_FIELDS,
    RegisteredCharity: _CHARITY_FIELDS,
    RegisteredSociety: _SOCIETY_FIELDS,
}
_COPY_TYPES = {
    "number": "varchar",
    "company_number": "varchar",
    "incorporated_on": "date",
    "dissolved_on": "date",
    "registered_on": "date",
    "removed_on": "date",
    "deregistered_on": "date",
}


def _bulk_insert(
    session: Session,
    table: type[RegisteredCompany] | type[RegisteredCharity] | type[RegisteredSociety],
    release_id: int,
    chunks: Iterable[list[tuple[Any, ...]]],
    chunk_done: Callable[[int], None],
    *,
    dates_as_text: bool = False,
    finishing: Callable[[float], None] = lambda share: None,
) -> None:
    """Write the rows in the caller's transaction: binary COPY on PostgreSQL, the driver's executemany on SQLite
    (``dates_as_text``: the rows' dates are ISO text already; ``finishing`` hears the share of the load done as
    the steps after reading finish)."""
    fields = _FIELDS[table]
    name = table.__tablename__
    columns = ", ".join(("release_id", *fields))
    connection = session.connection()
    dialect = connection.dialect.name
    total = 0
    if dialect == "postgresql":
        copying = f"COPY {name} ({columns}) FROM STDIN (FORMAT BINARY)"
        with driver_of(connection) as driver, driver.cursor() as cursor, cursor.copy(copying) as copy:
            copy.set_types(["int4", *(_COPY_TYPES.get(f, "text") for f in fields)])
            write_row = copy.write_row
            for chunk in chunks:
                for row in chunk:
                    write_row((release_id, *row))
                total += len(chunk)
                chunk_done(total)
        return
    if dialect == "sqlite":
        _sqlite_staged_insert(connection, table, release_id, chunks, chunk_done, dates_as_text, finishing)
        return
    for chunk in chunks:
        session.execute(
            table.__table__.insert(),  # type: ignore[attr-defined]
            [{"release_id": release_id, **dict(zip(fields, row, strict=True))} for row in chunk],
        )
        total += len(chunk)
        chunk_done(total)


def _sqlite_staged_insert(
    connection: Connection,
    table: type[RegisteredCompany] | type[RegisteredCharity] | type[RegisteredSociety],
    release_id: int,
    chunks: Iterable[list[tuple[Any, ...]]],
    chunk_done: Callable[[int], None],
    dates_as_text: bool,
    finishing: Callable[[float], None],
) -> None:
    """SQLite: the rows go first into a temporary table in the order they come (appended, one page written after
    another), then into the register's table sorted by its key with its indexes dropped, which are then built
    again from sorted entries. Written straight in, in the files' order (the product is in name order, not number
    order), every row landed on a random page of a B-tree ten times bigger than the page cache: 5.5 million rows
    took 246 s, most of it moving pages in and out. All in the caller's transaction: readers of a WAL database go on
    seeing the indexes and the active release until the commit."""
    fields = _FIELDS[table]
    name = table.__tablename__
    staging = f"staged_{name}"
    columns = ", ".join(fields)
    table_shape = cast(Table, table.__table__)
    key = ", ".join(column.name for column in table_shape.primary_key.columns if column.name != "release_id")
    driver = connection.connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    # A page cache for the sort and the index builds, given back afterwards; and no memory-mapped reads while
    # loading (every page of the register read through the map would stay in this process's memory until it ends).
    cache_size = cursor.execute("PRAGMA cache_size").fetchone()[0]
    mmap_size = cursor.execute("PRAGMA mmap_size").fetchone()[0]
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")
    cursor.execute("PRAGMA mmap_size = 0")
    # Dates as SQLAlchemy writes them on SQLite (ISO text), not by the driver's deprecated date adapter.
    dated = [i for i, f in enumerate(fields) if _COPY_TYPES.get(f) == "date"]

    def iso(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for i in dated:
            if values[i] is not None:
                values[i] = values[i].isoformat()
        return tuple(values)

    try:
        cursor.execute(f"DROP TABLE IF EXISTS temp.{staging}")
        cursor.execute(f"CREATE TEMP TABLE {staging} AS SELECT {columns} FROM main.{name} WHERE 0")  # noqa: S608  (fixed names)
        statement = f"INSERT INTO temp.{staging} ({columns}) VALUES ({', '.join('?' * len(fields))})"  # noqa: S608
        total = 0
        for chunk in chunks:
            cursor.executemany(statement, chunk if dates_as_text else map(iso, chunk))
            total += len(chunk)
            chunk_done(total)
        indexes = list(table_shape.indexes)
        for index in indexes:
            cursor.execute(f"DROP INDEX main.{index.name}")
        cursor.execute(
            f"INSERT INTO main.{name} (release_id, {columns}) "  # noqa: S608  (fixed names, an int)
            f"SELECT {int(release_id)}, {columns} FROM temp.{staging} ORDER BY {key}"
        )
        cursor.execute(f"DROP TABLE temp.{staging}")
        finishing(0.9)
        for index in indexes:
            index.create(connection)
        finishing(0.97)
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
        cursor.execute(f"PRAGMA mmap_size = {int(mmap_size)}")
        cursor.close()


# --- Looking up -----------------------------------------------------------------------------------------------------


def _company_entry(row: RegisteredCompany, release: RegisterRelease) -> RegisterEntry:
    return RegisterEntry(
        Register.COMPANIES_HOUSE,
        row.number,
        row.name,
        row.status,
        liveness(row.status, row.dissolved_on),
        category_legal_form(row.category),
        row.category,
        row.address,
        row.postcode,
        row.incorporated_on,
        row.dissolved_on,
        tuple(line for line in row.sic.split("\n") if line),
        row.number,
        release.name,
        release.published_on,
    )


def _charity_entry(row: RegisteredCharity, release: RegisterRelease) -> RegisterEntry:
    return RegisterEntry(
        Register.CHARITIES,
        row.number,
        row.name,
        row.status,
        liveness(row.status, row.removed_on),
        LegalForm.CHARITY,
        row.charity_type,
        row.address,
        row.postcode,
        row.registered_on,
        row.removed_on,
        (),
        row.company_number,
        release.name,
        release.published_on,
    )


def _society_entry(row: RegisteredSociety, release: RegisterRelease) -> RegisterEntry:
    return RegisterEntry(
        Register.MUTUALS,
        row.number,
        row.name,
        row.status,
        liveness(row.status, row.deregistered_on),
        society_legal_form(row.society_type, row.number),
        row.society_type,
        row.address,
        row.postcode,
        row.registered_on,
        row.deregistered_on,
        (),
        row.company_number,
        release.name,
        release.published_on,
    )


def lookup(session: Session, text: str) -> list[RegisterEntry]:
    """Every active register's organisation ``text`` is the number of: a company number (one that lost its leading
    zeros too), a charity number, a mutuals register number, or an org-id; with the organisations the registers link
    it to (a society's Companies House number, a charitable company's company).

    One statement asks every active release at once (on PostgreSQL a statement is most of a lookup's time: asking
    for the active releases first, then each register, took 1.1 ms, over the 1 ms a lookup may take); a second
    fetches the companies a charity or society found is linked to, when there are any."""
    upper = text.strip().upper()
    scheme = upper[:7] if upper.startswith("GB-") else ""
    as_company = company_number(text) if scheme in ("", "GB-COH-") else None
    as_charity = charity_number(text) if scheme in ("", "GB-CHC-") else None
    as_society = society_number(text) if scheme in ("", "GB-MPR-") else None
    found: dict[str, RegisterEntry] = {}
    for entry in _active_entries(session, as_company, as_charity, as_society):
        found.setdefault(entry.org_id, entry)
    # What the registers link the found ones to, at Companies House.
    linked = {e.company_number for e in found.values() if e.company_number and e.register != Register.COMPANIES_HOUSE}
    linked -= {e.number for e in found.values() if e.register == Register.COMPANIES_HOUSE}
    if linked:
        for entry in _active_entries(session, companies=sorted(linked)):
            found.setdefault(entry.org_id, entry)
    return list(found.values())


@lru_cache(maxsize=16)
def _entries_statement(companies: bool, charity: bool, society: bool, company: bool) -> Executable | None:
    """The statement :func:`_active_entries` sends for the numbers it has (built once for each shape, its values
    bound: building it took more of a lookup than PostgreSQL's answer did)."""
    active = RegisterRelease.active.is_(True)
    selects: list[Any] = []
    if companies:
        selects.append(
            select(
                literal(Register.COMPANIES_HOUSE.value).label("register"),
                RegisteredCompany.number,
                RegisteredCompany.name,
                RegisteredCompany.status,
                RegisteredCompany.category.label("kind"),
                RegisteredCompany.address,
                RegisteredCompany.postcode,
                RegisteredCompany.incorporated_on.label("started_on"),
                RegisteredCompany.dissolved_on.label("ended_on"),
                RegisteredCompany.sic,
                RegisteredCompany.number.label("company_number"),
                RegisterRelease.name.label("release_name"),
                RegisterRelease.published_on,
            )
            .join(RegisterRelease, (RegisterRelease.id == RegisteredCompany.release_id) & active)
            .where(RegisteredCompany.number.in_(bindparam("companies", expanding=True)))
        )
    others: list[tuple[Register, Any, bool, str, Any, str, str]] = [
        (
            Register.CHARITIES,
            RegisteredCharity,
            charity,
            "charity",
            RegisteredCharity.charity_type,
            "registered_on",
            "removed_on",
        ),
        (
            Register.MUTUALS,
            RegisteredSociety,
            society,
            "society",
            RegisteredSociety.society_type,
            "registered_on",
            "deregistered_on",
        ),
    ]
    for register, table, own, own_value, kind, started, ended in others:
        conditions = []
        if own:
            conditions.append(table.number == bindparam(own_value, type_=String))
        if company:
            conditions.append(table.company_number == bindparam("company", type_=String))
        if not conditions:
            continue
        selects.append(
            select(
                literal(register.value).label("register"),
                table.number,
                table.name,
                table.status,
                kind.label("kind"),
                table.address,
                table.postcode,
                getattr(table, started).label("started_on"),
                getattr(table, ended).label("ended_on"),
                literal("").label("sic"),
                table.company_number,
                RegisterRelease.name.label("release_name"),
                RegisterRelease.published_on,
            )
            .join(RegisterRelease, (RegisterRelease.id == table.release_id) & active)
            .where(or_(*conditions))
        )
    if not selects:
        return None
    return selects[0] if len(selects) == 1 else union_all(*selects)


def _active_entries(
    session: Session,
    as_company: str | None = None,
    as_charity: str | None = None,
    as_society: str | None = None,
    *,
    companies: Sequence[str] = (),
) -> Iterator[RegisterEntry]:
    """The active releases' organisations with these numbers (a company number also finds the charity or society
    registered as that company), in one statement over the three registers' tables."""
    company_numbers = [*([as_company] if as_company else []), *companies]
    statement = _entries_statement(bool(company_numbers), bool(as_charity), bool(as_society), bool(as_company))
    if statement is None:
        return
    values = {"companies": company_numbers, "charity": as_charity, "society": as_society, "company": as_company}
    for row in session.execute(statement, values):
        on = Register(row.register)
        if on == Register.COMPANIES_HOUSE:
            legal_form = category_legal_form(row.kind)
        elif on == Register.CHARITIES:
            legal_form = LegalForm.CHARITY
        else:
            legal_form = society_legal_form(row.kind, row.number)
        yield RegisterEntry(
            on,
            row.number,
            row.name,
            row.status,
            liveness(row.status, row.ended_on),
            legal_form,
            row.kind,
            row.address,
            row.postcode,
            row.started_on,
            row.ended_on,
            tuple(line for line in row.sic.split("\n") if line),
            row.company_number,
            row.release_name,
            row.published_on,
        )


def _companies(session: Session, release: RegisterRelease, numbers: Sequence[str]) -> Iterator[RegisterEntry]:
    rows = session.scalars(
        select(RegisteredCompany).where(
            RegisteredCompany.release_id == release.id, RegisteredCompany.number.in_(numbers)
        )
    )
    return (_company_entry(row, release) for row in rows)


# --- Matching names -------------------------------------------------------------------------------------------------

#: A near name scores at least this (0-100, app.domain.spend.suppliers.near_name_score) to be a candidate.
NEAR_NAME_SCORE = 85.0
#: How many names that begin as a near name's key does are read to compare (per register).
NEAR_CANDIDATES = 200
#: Characters of a name's key that a near name's must begin with.
NEAR_PREFIX = 5
#: How alike (0-100, rapidfuzz's ratio of the keys) a candidate's key must be to be compared whole, and how many are.
NEAR_KEY_SCORE = 70.0
NEAR_KEPT = 20


@dataclass(frozen=True)
class Candidate:
    """A registered organisation a name may be: its number, name, score (100: the same name as the matcher reads
    names) and how it was found."""

    entry: RegisterEntry
    score: float
    how: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "register": self.entry.register.value,
            "number": self.entry.number,
            "org_id": self.entry.org_id,
            "name": self.entry.name,
            "score": round(self.score, 1),
            "how": self.how,
            "status": self.entry.status,
            "postcode": self.entry.postcode,
        }


@dataclass(frozen=True)
class NameMatch:
    name: str
    candidates: list[Candidate]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "candidates": [c.as_dict() for c in self.candidates]}


ENTRY_OF_ROW: dict[Any, Callable[[Any, RegisterRelease], RegisterEntry]] = {
    RegisteredCompany: _company_entry,
    RegisteredCharity: _charity_entry,
    RegisteredSociety: _society_entry,
}
KEY_BATCH = 500


def name_keys_of(name: str) -> list[str]:
    """The keys a name as a file writes it may be registered under: its trading name's, then its proprietor's."""
    return [key for key in (v.replace(" ", "")[:NAME_MAX_LENGTH] for v in supplier_name_variants(name)) if key]


def entries_by_name_key(
    session: Session, releases: dict[Register, RegisterRelease], keys: set[str]
) -> dict[str, list[RegisterEntry]]:
    """Every active register's organisations with one of these name keys, by key (the keys asked a batch at a time)."""
    wanted = sorted(keys)
    found: dict[str, list[RegisterEntry]] = {}
    for register, release in releases.items():
        table = REGISTER_TABLES[register]
        for start in range(0, len(wanted), KEY_BATCH):
            batch = wanted[start : start + KEY_BATCH]
            for row in session.scalars(select(table).where(table.release_id == release.id, table.name_key.in_(batch))):
                found.setdefault(row.name_key, []).append(ENTRY_OF_ROW[table](row, release))
    return found


def match_names(
    session: Session, names: Sequence[str], *, postcode: str | None = None, limit: int = 5
) -> list[NameMatch]:
    """Match names as councils' files write them against the active registers, best candidates first.

    A name is read as the spend analysis reads a payee (:func:`app.domain.spend.suppliers.normalise_supplier_name`:
    case, punctuation, "Ltd"/"Limited", "Co"/"Company", a leading "The" or trailing "(THE)", spaced or dotted
    initials, the part after "t/a" and then the part before it). The same name is a candidate scoring 100; failing
    that, names that begin as it does (its key's first characters) and are near it as whole names
    (:func:`app.domain.spend.suppliers.near_name_score`, at least NEAR_NAME_SCORE). A live organisation ranks above
    a dissolved one of the same score, and one at ``postcode`` above both."""
    releases = active_releases(session)
    variants = {name: name_keys_of(name) for name in names}
    exact = entries_by_name_key(session, releases, {key for found in variants.values() for key in found})
    wanted_postcode = postcode.strip().upper() if postcode else None
    results = []
    for name in names:
        candidates: dict[str, Candidate] = {}
        for key in variants[name]:
            for entry in exact.get(key, []):
                candidates.setdefault(entry.org_id, Candidate(entry, 100.0, "the same name"))
        if not candidates:
            for candidate in _near(session, releases, name, variants[name]):
                best = candidates.get(candidate.entry.org_id)
                if best is None or candidate.score > best.score:
                    candidates[candidate.entry.org_id] = candidate
        ranked = sorted(
            candidates.values(),
            key=lambda c: (
                -c.score,
                c.entry.liveness != Liveness.LIVE,
                wanted_postcode is None or c.entry.postcode != wanted_postcode,
                c.entry.name,
            ),
        )
        results.append(NameMatch(name, ranked[:limit]))
    return results


def _near(
    session: Session, releases: dict[Register, RegisterRelease], name: str, keys: list[str]
) -> Iterator[Candidate]:
    """Near names: the names whose keys begin as this name's do, nearest its key first (two index ranges, at most
    NEAR_CANDIDATES a register), narrowed by how alike the keys are (rapidfuzz, in C) to the few worth the
    whole-name comparison (:func:`app.domain.spend.suppliers.near_name_score`, in Python); only those are read
    whole."""
    normalised = [normalise_supplier_name(name), *supplier_name_variants(name)[1:]]
    for register, release in releases.items():
        table = REGISTER_TABLES[register]
        for key in keys:
            if len(key) < NEAR_PREFIX:
                continue
            prefix = key[:NEAR_PREFIX]
            # The names either side of where this one's key would be (a typo near the end of a name keeps it near
            # its company's key), both within the keys that begin alike.
            in_range = (table.release_id == release.id, table.name_key >= prefix, table.name_key < prefix + "\uffff")
            columns = select(table.number, table.name, table.name_key)
            half = NEAR_CANDIDATES // 2
            found = [
                *session.execute(columns.where(*in_range, table.name_key >= key).order_by(table.name_key).limit(half)),
                *session.execute(
                    columns.where(*in_range, table.name_key < key).order_by(table.name_key.desc()).limit(half)
                ),
            ]
            if not found:
                continue
            alike = process.extract(
                key, [row.name_key for row in found], scorer=fuzz.ratio, score_cutoff=NEAR_KEY_SCORE, limit=NEAR_KEPT
            )
            scored = []
            for _key, _alike, index in alike:
                theirs = normalise_supplier_name(found[index].name)
                score = max(near_name_score(ours, theirs) for ours in normalised)
                if score >= NEAR_NAME_SCORE:
                    scored.append((found[index].number, score))
            if not scored:
                continue
            rows = {
                row.number: row
                for row in session.scalars(
                    select(table).where(table.release_id == release.id, table.number.in_([n for n, _ in scored]))
                )
            }
            for number, score in scored:
                if number in rows:
                    yield Candidate(ENTRY_OF_ROW[table](rows[number], release), score, "a near name")


# --- Providers and the registers -------------------------------------------------------------------------------------


def entries_for_numbers(
    session: Session, org_ids: Iterable[str], releases: Mapping[Register, RegisterRelease] | None = None
) -> dict[str, RegisterEntry | None]:
    """Each org-id's record on its own register's active release: the entry, or None when that register is loaded
    and does not have the number. Org-ids of a register that is not loaded are left out (nothing to say). A few
    hundred numbers a statement, whatever how many are asked."""
    releases = active_releases(session) if releases is None else releases
    wanted: dict[Register, dict[str, str]] = {}
    for org_id in org_ids:
        scheme, _, number = org_id.rpartition("-")
        register = REGISTER_OF_SCHEME.get(scheme)
        if register is not None and register in releases:
            wanted.setdefault(register, {})[number] = org_id
    found: dict[str, RegisterEntry | None] = {}
    for register, numbers in wanted.items():
        for org_id in numbers.values():
            found[org_id] = None
        for entry in entries_by_number(session, releases[register], sorted(numbers)):
            found[numbers[entry.number]] = entry
    return found


def entries_by_number(session: Session, release: RegisterRelease, numbers: Sequence[str]) -> list[RegisterEntry]:
    """The release's organisations with these numbers (as its register writes them), KEY_BATCH a statement."""
    table = REGISTER_TABLES[Register(release.register)]
    entries = []
    for start in range(0, len(numbers), KEY_BATCH):
        part = numbers[start : start + KEY_BATCH]
        rows = session.scalars(select(table).where(table.release_id == release.id, table.number.in_(part)))
        entries += [ENTRY_OF_ROW[table](row, release) for row in rows]
    return entries


def provider_register_records(session: Session, provider_id: int) -> list[ProviderRegisterRecord]:
    return list(
        session.scalars(
            select(ProviderRegisterRecord)
            .where(ProviderRegisterRecord.provider_id == provider_id)
            .order_by(ProviderRegisterRecord.register)
        )
    )


def record_register_details(
    session: Session,
    provider_id: int,
    entry: RegisterEntry,
    *,
    confirmed_by_id: int | None,
    now: datetime,
    findings: Sequence[str] = (),
) -> ProviderRegisterRecord:
    """Keep what the register says about the provider (one record per register, replaced when compared again)."""
    record = session.scalar(
        select(ProviderRegisterRecord).where(
            ProviderRegisterRecord.provider_id == provider_id,
            ProviderRegisterRecord.register == entry.register.value,
        )
    )
    if record is None:
        record = ProviderRegisterRecord(provider_id=provider_id, register=entry.register.value)
        session.add(record)
    keep_entry(record, entry, now, findings)
    if confirmed_by_id is not None:
        record.confirmed_at = now
        record.confirmed_by_id = confirmed_by_id
    session.flush()
    return record


def keep_entry(record: ProviderRegisterRecord, entry: RegisterEntry, now: datetime, findings: Sequence[str]) -> None:
    """Write what the register says (and what comparing it found) into a provider's record of that register."""
    record.number = entry.number
    record.name = entry.name
    record.kind = entry.kind
    record.status = entry.status
    record.liveness = entry.liveness.value
    record.legal_form = entry.legal_form.value
    record.address = entry.address
    record.postcode = entry.postcode
    record.sic = "\n".join(entry.sic)
    record.started_on = entry.started_on
    record.ended_on = entry.ended_on
    record.release_name = entry.release_name
    record.published_on = entry.published_on
    record.checked_on = now.date()
    record.findings = "\n".join(findings)


# --- Placing payees that are only on a public register ----------------------------------------------------------------


@dataclass(frozen=True)
class RegisterPlace:
    """A payee placed by a public register: the organisation and how it was found ("company number 01234567",
    "its exact name")."""

    entry: RegisterEntry
    how: str

    @property
    def basis(self) -> str:
        """'registered office (Companies House, 1 December 2026): company number 01234567'."""
        return f"registered office ({self.entry.basis}): {self.how}"


def places_on_registers(session: Session, payees: Sequence[tuple[str | None, str]]) -> list[RegisterPlace | None]:
    """For each payee (company number as the file gave it, name), the one organisation a loaded register has for it
    with a registered office to place it by: by company number first, else by its exact name (as the matcher reads
    names) when exactly one organisation has it (a charitable company on two registers counts once). None where no
    register decides: no match, several organisations of that name, or no registered office given."""
    releases = active_releases(session)
    if not releases or not payees:
        return [None] * len(payees)
    numbers = sorted({n for n in (company_number(number) for number, _ in payees) if n})
    by_number: dict[str, RegisterEntry] = {}
    companies = releases.get(Register.COMPANIES_HOUSE)
    if companies is not None:
        for start in range(0, len(numbers), KEY_BATCH):
            for entry in _companies(session, companies, numbers[start : start + KEY_BATCH]):
                by_number[entry.number] = entry
    variants = [name_keys_of(name) for _, name in payees]
    by_key = entries_by_name_key(session, releases, {key for found in variants for key in found})
    places: list[RegisterPlace | None] = []
    for (number, _name), keys_of in zip(payees, variants, strict=True):
        found = by_number.get(company_number(number) or "")
        if found is not None:
            places.append(RegisterPlace(found, f"company number {found.number}") if found.postcode else None)
            continue
        chosen = None
        for key in keys_of:
            candidates = one_organisation(by_key.get(key, []))
            if candidates is not None:
                chosen = candidates
                break
        places.append(RegisterPlace(chosen, "its exact name") if chosen is not None and chosen.postcode else None)
    return places


def one_organisation(entries: list[RegisterEntry]) -> RegisterEntry | None:
    """The one organisation these entries are (a company and the charity or society the registers link to it count
    once, the company's entry kept), or None for none or several."""
    if not entries:
        return None
    companies = {e.number for e in entries if e.register == Register.COMPANIES_HOUSE}
    others = [e for e in entries if e.register != Register.COMPANIES_HOUSE and e.company_number not in companies]
    distinct = [e for e in entries if e.register == Register.COMPANIES_HOUSE] + others
    return distinct[0] if len(distinct) == 1 else None
