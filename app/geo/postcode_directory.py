"""The postcode directory: reading ONS releases in any of their shapes, loading them, looking postcodes up.

Releases are loaded beside the active one and switched on in the same transaction, so a reader
never sees a half-loaded directory and never waits for one. Rows are streamed in chunks: the file
is never held whole in memory.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from app.domain.postcodes import try_normalise_postcode
from app.models import OutcodeCentroid, Postcode, PostcodeRelease

# Hears the rows loaded so far and the share of the file read (0 to 1).
Progress = Callable[[int, float], None]
CHUNK_SIZE = 20_000

# Header names change between ONS releases (ONSPD, NSPL, the 2025 NSPD) and redistributions of them.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "postcode": ("pcds", "pcd", "pcd7", "pcd8", "postcode"),
    "district_code": ("lad25cd", "lad24cd", "lad23cd", "oslaua", "laua", "lad_code", "ladcd"),
    "ward_code": ("wd25cd", "wd24cd", "wd23cd", "osward", "ward_code", "ward_code_derived", "wdcd"),
    "latitude": ("lat", "latitude"),
    "longitude": ("long", "lon", "longitude", "lng"),
    "easting": ("east1m", "oseast1m", "easting", "x"),
    "northing": ("north1m", "osnrth1m", "northing", "y"),
    "terminated": ("doterm",),
}
COLUMN_WORDS = {
    "postcode": "the postcode",
    "district_code": "the local authority district code",
    "latitude": "the latitude",
    "longitude": "the longitude",
    "easting": "the easting",
    "northing": "the northing",
}
# ONS marks "no location" with latitude 99.999999 and uses pseudo codes ending 99999999 for
# the Channel Islands (L99999999), the Isle of Man (M99999999) and unknown districts.
NO_LOCATION_LATITUDE = 99.999999
PSEUDO_CODE_SUFFIX = "99999999"


class DirectoryFileError(ValueError):
    """A postcode file that cannot be loaded; the message says what is wrong, in words."""


@dataclass(frozen=True)
class ColumnMap:
    positions: dict[str, int]
    uses_grid: bool

    @classmethod
    def from_header(cls, header: list[str], source: str) -> ColumnMap:
        names = {name.strip().lstrip("\ufeff").lower(): i for i, name in enumerate(header)}
        positions: dict[str, int] = {}
        for ours, aliases in COLUMN_ALIASES.items():
            for alias in aliases:
                if alias in names:
                    positions[ours] = names[alias]
                    break
        missing = [c for c in ("postcode", "district_code") if c not in positions]
        has_latlon = "latitude" in positions and "longitude" in positions
        has_grid = "easting" in positions and "northing" in positions
        if not has_latlon and not has_grid:
            missing.append("latitude" if "latitude" not in positions else "longitude")
        if missing:
            wanted = "; ".join(f"{COLUMN_WORDS[c]} (one of {', '.join(COLUMN_ALIASES[c])})" for c in missing)
            raise DirectoryFileError(f"{source} has no column for {wanted}. Nothing was loaded.")
        return cls(positions, uses_grid=not has_latlon)


class OpenedFile:
    """A directory file opened as text, with its name and how much of it has been read so far."""

    def __init__(self, handle: io.TextIOBase, source: str, raw: IO[bytes], size: int) -> None:
        self.handle = handle
        self.source = source
        self._raw = raw
        self._size = size

    def share_read(self) -> float:
        """The share of the file read so far (bytes on disk for gzip and CSV, uncompressed bytes in a zip)."""
        if self._size <= 0:
            return 0.0
        try:
            return min(self._raw.tell() / self._size, 1.0)
        except (OSError, ValueError):
            return 0.0


@contextmanager
def open_directory_file(path: Path) -> Iterator[OpenedFile]:
    """Open a CSV, a gzipped CSV or an ONS zip (its main data CSV) as text."""
    if not path.exists():
        raise DirectoryFileError(f"{path} does not exist")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            candidates = [
                info
                for info in archive.infolist()
                if info.filename.lower().endswith(".csv") and "multi_csv" not in info.filename.lower()
            ]
            if not candidates:
                raise DirectoryFileError(f"{path.name} has no CSV file in it")
            # The directory is the biggest CSV in the release; the rest are code lists.
            main = max(candidates, key=lambda info: info.file_size)
            with archive.open(main) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                yield OpenedFile(text, f"{path.name}:{main.filename}", raw, main.file_size)
        return
    with path.open("rb") as raw:
        size = path.stat().st_size
        binary: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if path.suffix == ".gz" else raw  # type: ignore[assignment]
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        yield OpenedFile(text, path.name, raw, size)


def _float(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _code(text: str) -> str | None:
    text = text.strip()
    if not text or text.endswith(PSEUDO_CODE_SUFFIX):
        return None
    return text


class GridConverter:
    """British National Grid (and the Irish Grid for BT postcodes) to WGS84 latitude and longitude."""

    def __init__(self) -> None:
        from pyproj import Transformer  # imported here: only grid-reference files need it

        self._gb = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        self._ni = Transformer.from_crs("EPSG:29903", "EPSG:4326", always_xy=True)

    def convert(self, postcode: str, easting: float, northing: float) -> tuple[float, float]:
        transformer = self._ni if postcode.startswith("BT") else self._gb
        lon, lat = transformer.transform(easting, northing)
        return round(lat, 6), round(lon, 6)


# A postcode as ONS writes it (upper case, one space): taken as it is, skipping the general parser.
_CANONICAL_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}")
# The order of the values in a row tuple, as the bulk loaders write them.
ROW_FIELDS = ("postcode", "outcode", "latitude", "longitude", "district_code", "ward_code", "terminated")
DirectoryRow = tuple[str, str, float | None, float | None, str | None, str | None, bool | None]


def read_directory_rows(handle: Iterable[str], source: str) -> Iterator[DirectoryRow]:
    """Yield one normalised row per postcode, as a tuple in ``ROW_FIELDS`` order (the loader's fast path)."""
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        raise DirectoryFileError(f"{source} is empty. Nothing was loaded.") from None
    columns = ColumnMap.from_header(header, source)
    pos = columns.positions
    grid = GridConverter() if columns.uses_grid else None
    postcode_at, district_at = pos["postcode"], pos["district_code"]
    lat_at, lon_at = pos.get("latitude"), pos.get("longitude")
    ward_at = pos.get("ward_code")
    term_at = pos.get("terminated")
    width = max(pos.values()) + 1
    canonical = _CANONICAL_POSTCODE.fullmatch
    for line_number, row in enumerate(reader, start=2):
        if len(row) < width:
            if not row or not "".join(row).strip():
                continue
            raise DirectoryFileError(f"{source}, line {line_number}: the row has {len(row)} columns, expected {width}")
        raw_postcode = row[postcode_at]
        postcode = raw_postcode if canonical(raw_postcode) else try_normalise_postcode(raw_postcode)
        if postcode is None:
            continue  # a few ONS rows are placeholders, not postcodes
        latitude = longitude = None
        if grid is not None:
            easting, northing = _float(row[pos["easting"]]), _float(row[pos["northing"]])
            if easting and northing:
                latitude, longitude = grid.convert(postcode, easting, northing)
        else:
            latitude, longitude = _float(row[lat_at]), _float(row[lon_at])  # type: ignore[index]
            if latitude is None or longitude is None or abs(latitude - NO_LOCATION_LATITUDE) < 1e-6:
                latitude = longitude = None
        yield (
            postcode,
            postcode.split(" ", 1)[0],
            latitude,
            longitude,
            _code(row[district_at]),
            _code(row[ward_at]) if ward_at is not None else None,
            bool(row[term_at].strip()) if term_at is not None else None,
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ward_overlay(path: Path) -> dict[str, str]:
    """Postcode to ward code from a second file (e.g. the North West file, which has wards)."""
    wards: dict[str, str] = {}
    with open_directory_file(path) as opened:
        for row in read_directory_rows(opened.handle, opened.source):
            if row[5]:
                wards[row[0]] = row[5]
    return wards


@dataclass(frozen=True)
class LoadResult:
    release: PostcodeRelease
    created: bool
    replaced: list[str]


def active_release(session: Session) -> PostcodeRelease | None:
    return session.scalar(select(PostcodeRelease).where(PostcodeRelease.active.is_(True)))


def load_release(
    session: Session,
    path: Path,
    *,
    name: str | None = None,
    wards_from: Path | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load a postcode file as a new release and make it the active one, in the caller's transaction.

    The same file (and ward file) already active is left alone. On any error nothing is switched and
    the caller rolls back, so a half-loaded release is never seen. Old releases stay until
    ``purge_inactive_releases``.
    """
    started = time.perf_counter()
    for given in (path, wards_from):
        if given is not None and not given.is_file():
            raise DirectoryFileError(f"{given} does not exist. Nothing was loaded.")
    digests = [file_sha256(path)] + ([file_sha256(wards_from)] if wards_from else [])
    fingerprint = "+".join(digests)
    current = active_release(session)
    if current is not None and current.sha256 == fingerprint:
        return LoadResult(current, created=False, replaced=[])

    wards = _ward_overlay(wards_from) if wards_from else {}
    with open_directory_file(path) as opened:
        source = opened.source
        release = PostcodeRelease(
            name=name or source,
            source_file=source + (f" + wards from {wards_from.name}" if wards_from else ""),
            sha256=fingerprint,
            source_format="",
            active=False,
        )
        session.add(release)
        session.flush()
        tally = _Tally()
        rows = tally.count(_with_wards(read_directory_rows(opened.handle, source), wards))

        def chunk_done(total: int) -> None:
            if progress:
                progress(total, opened.share_read())

        _bulk_insert(session, release.id, rows, chunk_done)
        if progress:
            progress(tally.total, 1.0)
    total, with_points, with_wards = tally.total, tally.with_points, tally.with_wards
    if total == 0:
        raise DirectoryFileError(f"{source} has no postcodes in it. Nothing was loaded.")
    centroids = tally.centroid_rows(release.id)
    if centroids:
        session.execute(insert(OutcodeCentroid), centroids)
    replaced = [r.name for r in session.scalars(select(PostcodeRelease).where(PostcodeRelease.active.is_(True)))]
    session.execute(update(PostcodeRelease).where(PostcodeRelease.id != release.id).values(active=False))
    release.active = True
    release.row_count = total
    release.with_coordinates = with_points
    release.with_wards = with_wards
    release.source_format = "grid references" if _uses_grid(path) else "latitude and longitude"
    release.seconds_to_load = round(time.perf_counter() - started, 1)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for millions of new rows: without them (autovacuum off, or not yet round), the
        # planner can scan the table for each batch of lookups, a hundred times slower.
        session.execute(text("ANALYZE postcodes"))
        session.execute(text("ANALYZE outcode_centroids"))
    return LoadResult(release, created=True, replaced=replaced)


def _uses_grid(path: Path) -> bool:
    with open_directory_file(path) as opened:
        return ColumnMap.from_header(next(csv.reader(opened.handle)), opened.source).uses_grid


def _with_wards(rows: Iterable[DirectoryRow], wards: dict[str, str]) -> Iterator[DirectoryRow]:
    if not wards:
        yield from rows
        return
    for row in rows:
        if row[5] is None and row[0] in wards:
            yield (*row[:5], wards[row[0]], row[6])
        else:
            yield row


class _Tally:
    """Counts rows, points and wards as they stream past, and the sums each postcode district's centroid needs."""

    def __init__(self) -> None:
        self.total = self.with_points = self.with_wards = 0
        self._sums: dict[str, list[float]] = {}
        self._districts: dict[str, Counter[str]] = defaultdict(Counter)

    def count(self, rows: Iterable[DirectoryRow]) -> Iterator[DirectoryRow]:
        sums = self._sums
        districts = self._districts
        for row in rows:
            self.total += 1
            if row[5] is not None:
                self.with_wards += 1
            latitude = row[2]
            if latitude is not None:
                self.with_points += 1
                outcode = row[1]
                found = sums.get(outcode)
                if found is None:
                    sums[outcode] = [latitude, row[3], 1]  # type: ignore[list-item]
                else:
                    found[0] += latitude
                    found[1] += row[3]  # type: ignore[operator]
                    found[2] += 1
                if row[4] is not None:
                    districts[outcode][row[4]] += 1
            yield row

    def centroid_rows(self, release_id: int) -> list[dict[str, Any]]:
        """The mean point of each postcode district, and the council district that holds most of its postcodes."""
        rows = []
        for outcode, (sum_latitude, sum_longitude, count) in self._sums.items():
            by_district = self._districts.get(outcode)
            main = by_district.most_common(1) if by_district else []
            rows.append(
                {
                    "release_id": release_id,
                    "outcode": outcode,
                    "latitude": round(sum_latitude / count, 6),
                    "longitude": round(sum_longitude / count, 6),
                    "postcode_count": int(count),
                    "main_district_code": main[0][0] if main else None,
                    "main_district_share": round(main[0][1] / sum(by_district.values()), 4)  # type: ignore[union-attr]
                    if main
                    else None,
                }
            )
        return rows


def _bulk_insert(
    session: Session, release_id: int, rows: Iterable[DirectoryRow], chunk_done: Callable[[int], None]
) -> None:
    """Write the rows in the caller's transaction by the engine's fastest path: COPY on PostgreSQL, the driver's
    executemany on SQLite, SQLAlchemy's executemany elsewhere. ``chunk_done`` hears the running total."""
    connection = session.connection()
    dialect = connection.dialect.name
    columns = ("release_id", *ROW_FIELDS)
    driver = connection.connection.driver_connection
    total = 0
    if dialect == "postgresql":
        copy_statement = f"COPY postcodes ({', '.join(columns)}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(copy_statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row((release_id, *row))
                total += 1
                if total % CHUNK_SIZE == 0:
                    chunk_done(total)
        chunk_done(total)
        return
    if dialect == "sqlite":
        statement = f"INSERT INTO postcodes ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608  (fixed names)
        cursor = driver.cursor()  # type: ignore[union-attr]
        # A page cache big enough for the primary key's index while millions of rows go in (about 12% faster),
        # given back afterwards.
        cache_size = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")
        try:
            for chunk in _chunks(rows):
                cursor.executemany(statement, [(release_id, *row) for row in chunk])
                total += len(chunk)
                chunk_done(total)
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
            cursor.close()
        return
    for chunk in _chunks(rows):
        session.execute(
            insert(Postcode), [{"release_id": release_id, **dict(zip(ROW_FIELDS, row, strict=True))} for row in chunk]
        )
        total += len(chunk)
        chunk_done(total)


def _chunks(rows: Iterable[DirectoryRow]) -> Iterator[list[DirectoryRow]]:
    chunk: list[DirectoryRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def purge_inactive_releases(session: Session) -> int:
    """Delete the rows of releases that are no longer active; returns how many releases went."""
    old = list(session.scalars(select(PostcodeRelease.id).where(PostcodeRelease.active.is_(False))))
    if old:
        session.execute(delete(Postcode).where(Postcode.release_id.in_(old)))
        session.execute(delete(OutcodeCentroid).where(OutcodeCentroid.release_id.in_(old)))
        session.execute(delete(PostcodeRelease).where(PostcodeRelease.id.in_(old)))
    return len(old)


@dataclass(frozen=True)
class PostcodeRecord:
    postcode: str
    latitude: float | None
    longitude: float | None
    district_code: str | None
    ward_code: str | None
    terminated: bool | None


@dataclass(frozen=True)
class OutcodeRecord:
    outcode: str
    latitude: float
    longitude: float
    postcode_count: int
    main_district_code: str | None
    main_district_share: float | None


_RECORD_COLUMNS = (
    Postcode.postcode,
    Postcode.latitude,
    Postcode.longitude,
    Postcode.district_code,
    Postcode.ward_code,
    Postcode.terminated,
)


_LOOKUP_ONE = select(*_RECORD_COLUMNS).where(
    Postcode.release_id == bindparam("release_id"), Postcode.postcode == bindparam("postcode")
)


class PostcodeStore:
    """Reads the active release. One store per unit of work: it remembers which release is active."""

    BATCH = 500

    def __init__(self, session: Session) -> None:
        self.session = session
        self._release_id: int | None = None
        self._looked_up_release = False

    @property
    def release_id(self) -> int | None:
        if not self._looked_up_release:
            self._release_id = self.session.scalar(select(PostcodeRelease.id).where(PostcodeRelease.active.is_(True)))
            self._looked_up_release = True
        return self._release_id

    def lookup(self, postcode: str) -> PostcodeRecord | None:
        """The directory's entry for a normalised postcode ('L36 9GD'), or None."""
        if self.release_id is None:
            return None
        # Core on the session's connection: a lookup is a primary-key read, so skip the ORM's overhead.
        row = (
            self.session.connection()
            .execute(_LOOKUP_ONE, {"release_id": self.release_id, "postcode": postcode})
            .first()
        )
        return PostcodeRecord(*row) if row else None

    def lookup_many(self, postcodes: Iterable[str]) -> dict[str, PostcodeRecord]:
        """Entries for many normalised postcodes at once, for bulk placing."""
        wanted = list(dict.fromkeys(postcodes))
        found: dict[str, PostcodeRecord] = {}
        if self.release_id is None:
            return found
        for start in range(0, len(wanted), self.BATCH):
            rows = self.session.execute(
                select(*_RECORD_COLUMNS).where(
                    Postcode.release_id == self.release_id, Postcode.postcode.in_(wanted[start : start + self.BATCH])
                )
            )
            for row in rows:
                found[row[0]] = PostcodeRecord(*row)
        return found

    def outcode(self, outcode: str) -> OutcodeRecord | None:
        if self.release_id is None:
            return None
        row = self.session.execute(
            select(
                OutcodeCentroid.outcode,
                OutcodeCentroid.latitude,
                OutcodeCentroid.longitude,
                OutcodeCentroid.postcode_count,
                OutcodeCentroid.main_district_code,
                OutcodeCentroid.main_district_share,
            ).where(OutcodeCentroid.release_id == self.release_id, OutcodeCentroid.outcode == outcode)
        ).first()
        return OutcodeRecord(*row) if row else None
