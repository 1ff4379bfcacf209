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
from functools import lru_cache, partial
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, NamedTuple

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from app.domain.postcodes import try_normalise_postcode
from app.models import OutcodeCentroid, Postcode, PostcodeRelease
from app.models.driver import driver_of

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


class _Codes(dict[str, str | None]):
    """A code cell as written to the code it holds (None for a blank or a pseudo code), worked out once per cell."""

    def __missing__(self, cell: str) -> str | None:
        code = self[cell] = _code(cell)
        return code


def _postcode_of(text: str) -> str | None:
    """A postcode from a file's cell: as written when canonical, else normalised (None when it is not one)."""
    if _CANONICAL_POSTCODE.fullmatch(text):
        return text
    # ONS's pcd7 (and pcd8) pad short outcodes with spaces ('L1  0AA'): close them up without the general parser.
    closed = f"{text[:-3].rstrip()} {text[-3:]}"
    if _CANONICAL_POSTCODE.fullmatch(closed):
        return closed
    return try_normalise_postcode(text)


class DirectoryReader:
    """Reads a directory file as chunks of row tuples (``ROW_FIELDS`` order), overlaying wards from another file and
    counting, as the rows stream past, the rows, points and wards and the sums each postcode district's centroid
    needs.

    One loop does all of it, with no object per row but the tuple the database is given: at 2.7 million rows,
    each step per row costs seconds.
    """

    def __init__(self, handle: Iterable[str], source: str, wards: dict[str, str] | None = None) -> None:
        self.source = source
        self._reader = csv.reader(handle)
        try:
            header = next(self._reader)
        except StopIteration:
            raise DirectoryFileError(f"{source} is empty. Nothing was loaded.") from None
        self.columns = ColumnMap.from_header(header, source)
        self._wards = wards or {}
        self.total = self.with_points = self.with_wards = 0
        # Per postcode district: [sum of latitudes, sum of longitudes, located postcodes], added in file order.
        self._sums: dict[str, list[float]] = {}
        self._districts: dict[str, Counter[str]] = defaultdict(Counter)

    def chunks(self, size: int) -> Iterator[list[DirectoryRow]]:
        """The file's postcodes as lists of up to ``size`` row tuples; counts are complete once they are all read."""
        pos = self.columns.positions
        grid = GridConverter() if self.columns.uses_grid else None
        postcode_at, district_at = pos["postcode"], pos["district_code"]
        lat_at, lon_at = pos.get("latitude", 0), pos.get("longitude", 0)
        east_at, north_at = pos.get("easting", 0), pos.get("northing", 0)
        ward_at, term_at = pos.get("ward_code"), pos.get("terminated")
        width = max(pos.values()) + 1
        canonical = _CANONICAL_POSTCODE.fullmatch
        wards = self._wards
        sums, districts = self._sums, self._districts
        codes = _Codes()
        source = self.source
        total = with_points = with_wards = 0
        # The postcode district being summed: the file is in postcode order, so its rows come together.
        run_outcode: str | None = None
        run: list[float] = []
        run_districts: Counter[str] = Counter()
        chunk: list[DirectoryRow] = []
        append = chunk.append
        line_number = 1
        for row in self._reader:
            line_number += 1
            if len(row) < width:
                if not row or not "".join(row).strip():
                    continue
                raise DirectoryFileError(
                    f"{source}, line {line_number}: the row has {len(row)} columns, expected {width}"
                )
            postcode = row[postcode_at]
            if not canonical(postcode):
                fixed = _postcode_of(postcode)
                if fixed is None:
                    continue  # a few ONS rows are placeholders, not postcodes
                postcode = fixed
            latitude: float | None = None
            longitude: float | None = None
            if grid is None:
                try:
                    lat, lon = float(row[lat_at]), float(row[lon_at])
                except ValueError:  # empty, or not a number
                    pass
                else:
                    if not abs(lat - NO_LOCATION_LATITUDE) < 1e-6:  # not '>=': a 'nan' in the file is kept, as ever
                        latitude, longitude = lat, lon
            else:
                easting, northing = _float(row[east_at]), _float(row[north_at])
                if easting and northing:
                    latitude, longitude = grid.convert(postcode, easting, northing)
            district = codes[row[district_at]]
            ward = codes[row[ward_at]] if ward_at is not None else None
            if ward is None and wards:
                ward = wards.get(postcode)
            outcode = postcode[:-4]
            terminated = bool(row[term_at].strip()) if term_at is not None else None
            append((postcode, outcode, latitude, longitude, district, ward, terminated))
            total += 1
            if ward is not None:
                with_wards += 1
            if latitude is not None and longitude is not None:
                with_points += 1
                if outcode == run_outcode:
                    run[0] += latitude
                    run[1] += longitude
                    run[2] += 1
                else:
                    # A district's rows come together in a file in postcode order; one split across the file carries
                    # on from its sums so far, so they add up in file order either way.
                    run_outcode = outcode
                    run_districts = districts[outcode]
                    found = sums.get(outcode)
                    if found is None:
                        run = sums[outcode] = [latitude, longitude, 1]
                    else:
                        run = found
                        run[0] += latitude
                        run[1] += longitude
                        run[2] += 1
                if district is not None:
                    run_districts[district] += 1
            if len(chunk) >= size:
                self.total, self.with_points, self.with_wards = total, with_points, with_wards
                yield chunk
                chunk = []
                append = chunk.append
        self.total, self.with_points, self.with_wards = total, with_points, with_wards
        if chunk:
            yield chunk

    def ward_codes(self) -> dict[str, str]:
        """Postcode to ward code, for the postcodes that have one: the rows read as ``chunks`` reads them, but only
        their postcode and ward (a ward overlay needs nothing else)."""
        pos = self.columns.positions
        postcode_at, ward_at = pos["postcode"], pos.get("ward_code")
        if ward_at is None:
            return {}
        width = max(pos.values()) + 1
        canonical = _CANONICAL_POSTCODE.fullmatch
        codes = _Codes()
        wards: dict[str, str] = {}
        for line_number, row in enumerate(self._reader, start=2):
            if len(row) < width:
                if not row or not "".join(row).strip():
                    continue
                raise DirectoryFileError(
                    f"{self.source}, line {line_number}: the row has {len(row)} columns, expected {width}"
                )
            ward = codes[row[ward_at]]
            if ward is None:
                continue
            postcode = row[postcode_at]
            if not canonical(postcode):
                fixed = _postcode_of(postcode)
                if fixed is None:
                    continue
                postcode = fixed
            wards[postcode] = ward
        return wards

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


def read_directory_rows(handle: Iterable[str], source: str) -> Iterator[DirectoryRow]:
    """Yield one normalised row per postcode, as a tuple in ``ROW_FIELDS`` order."""
    for chunk in DirectoryReader(handle, source).chunks(CHUNK_SIZE):
        yield from chunk


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ward_overlay(path: Path) -> dict[str, str]:
    """Postcode to ward code from a second file (e.g. the North West file, which has wards)."""
    with open_directory_file(path) as opened:
        return DirectoryReader(opened.handle, opened.source).ward_codes()


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
        reader = DirectoryReader(opened.handle, source, wards)
        release = PostcodeRelease(
            name=name or source,
            source_file=source + (f" + wards from {wards_from.name}" if wards_from else ""),
            sha256=fingerprint,
            source_format="grid references" if reader.columns.uses_grid else "latitude and longitude",
            active=False,
        )
        session.add(release)
        session.flush()

        def chunk_done(total: int) -> None:
            if progress:
                progress(total, opened.share_read())

        _bulk_insert(session, release.id, reader.chunks(CHUNK_SIZE), chunk_done)
        if progress:
            progress(reader.total, 1.0)
    if reader.total == 0:
        raise DirectoryFileError(f"{source} has no postcodes in it. Nothing was loaded.")
    centroids = reader.centroid_rows(release.id)
    if centroids:
        session.execute(insert(OutcodeCentroid), centroids)
    replaced = [r.name for r in session.scalars(select(PostcodeRelease).where(PostcodeRelease.active.is_(True)))]
    session.execute(update(PostcodeRelease).where(PostcodeRelease.id != release.id).values(active=False))
    release.active = True
    release.row_count = reader.total
    release.with_coordinates = reader.with_points
    release.with_wards = reader.with_wards
    release.seconds_to_load = round(time.perf_counter() - started, 1)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for millions of new rows: without them (autovacuum off, or not yet round), the
        # planner can scan the table for each batch of lookups, a hundred times slower.
        session.execute(text("ANALYZE postcodes"))
        session.execute(text("ANALYZE outcode_centroids"))
    return LoadResult(release, created=True, replaced=replaced)


def _bulk_insert(
    session: Session, release_id: int, chunks: Iterable[list[DirectoryRow]], chunk_done: Callable[[int], None]
) -> None:
    """Write the rows in the caller's transaction by the engine's fastest path: a binary COPY on PostgreSQL, the
    driver's prepared executemany on SQLite, SQLAlchemy's executemany elsewhere. ``chunk_done`` hears the running
    total after each chunk."""
    connection = session.connection()
    dialect = connection.dialect.name
    columns = ", ".join(("release_id", *ROW_FIELDS))
    total = 0
    if dialect == "postgresql":
        # Binary: no number is formatted as text and parsed back (a third of the text COPY's time in the client).
        copying = f"COPY postcodes ({columns}) FROM STDIN (FORMAT BINARY)"
        with driver_of(connection) as driver, driver.cursor() as cursor, cursor.copy(copying) as copy:
            copy.set_types(["int4", "varchar", "varchar", "float8", "float8", "varchar", "varchar", "bool"])
            write_row = copy.write_row
            for chunk in chunks:
                for row in chunk:
                    write_row((release_id, *row))
                total += len(chunk)
                chunk_done(total)
        return
    driver = connection.connection.driver_connection
    if dialect == "sqlite":
        # The release is a constant of the statement, so the rows go in as the reader made them, with no copy.
        values = ", ".join(("?",) * len(ROW_FIELDS))
        statement = f"INSERT INTO postcodes ({columns}) VALUES ({int(release_id)}, {values})"  # noqa: S608  (fixed names, an int)
        cursor = driver.cursor()  # type: ignore[union-attr]
        # A page cache big enough for the primary key's index while millions of rows go in, given back afterwards.
        cache_size = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")
        try:
            for chunk in chunks:
                cursor.executemany(statement, chunk)
                total += len(chunk)
                chunk_done(total)
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
            cursor.close()
        return
    for chunk in chunks:
        session.execute(
            insert(Postcode), [{"release_id": release_id, **dict(zip(ROW_FIELDS, row, strict=True))} for row in chunk]
        )
        total += len(chunk)
        chunk_done(total)


def purge_inactive_releases(session: Session) -> int:
    """Delete the rows of releases that are no longer active; returns how many releases went."""
    old = list(session.scalars(select(PostcodeRelease.id).where(PostcodeRelease.active.is_(False))))
    if old:
        session.execute(delete(Postcode).where(Postcode.release_id.in_(old)))
        session.execute(delete(OutcodeCentroid).where(OutcodeCentroid.release_id.in_(old)))
        session.execute(delete(PostcodeRelease).where(PostcodeRelease.id.in_(old)))
    return len(old)


class PostcodeRecord(NamedTuple):
    """A postcode's entry in the directory. A named tuple: bulk lookups make one per row, straight from the row."""

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


# A row as a record with no Python frame per row (a named tuple's _make has one): the bulk lookups map it over rows.
_record = partial(tuple.__new__, PostcodeRecord)
_FIRST = itemgetter(0)

_LOOKUP_SELECT = "SELECT postcode, latitude, longitude, district_code, ward_code, terminated FROM postcodes"
_LOOKUP_ANY = f"{_LOOKUP_SELECT} WHERE release_id = %s AND postcode = ANY(%s)"
# The same, with the array sent as one text of lines split by the server: psycopg dumps a list a value at a time in
# Python, which was four fifths of the client's time.
_LOOKUP_LINES = f"{_LOOKUP_SELECT} WHERE release_id = %s AND postcode = ANY(string_to_array(%s, %s))"
_ARRAY_BATCH = 10_000


@lru_cache(maxsize=8)
def _lookup_in(size: int) -> str:
    return f"{_LOOKUP_SELECT} WHERE release_id = ? AND postcode IN ({', '.join('?' * size)})"


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
        """Entries for many normalised postcodes at once, for bulk placing: one statement per chunk of postcodes,
        read as the driver's plain rows."""
        wanted = list(dict.fromkeys(postcodes))
        found: dict[str, PostcodeRecord] = {}
        release_id = self.release_id
        if release_id is None or not wanted:
            return found
        connection = self.session.connection()
        driver = connection.dialect.driver
        make = PostcodeRecord._make
        if driver == "psycopg":
            with driver_of(connection) as raw, raw.cursor(binary=True) as cursor:
                # One array parameter, so one statement text (prepared once) whatever the chunk's size; binary rows.
                for start in range(0, len(wanted), _ARRAY_BATCH):
                    chunk = wanted[start : start + _ARRAY_BATCH]
                    lines = "\n".join(chunk)
                    if lines.count("\n") == len(chunk) - 1 and "" not in chunk:
                        cursor.execute(_LOOKUP_LINES, (release_id, lines, "\n"))
                    else:  # a line break inside a postcode asked for, or an empty one: send the array as it is
                        cursor.execute(_LOOKUP_ANY, (release_id, chunk))
                    rows = cursor.fetchall()
                    found.update(zip(map(_FIRST, rows), map(_record, rows), strict=True))
            return found
        if driver == "pysqlite":
            # In postcode order, SQLite's probes of the primary key's index walk it forwards.
            wanted.sort()
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                for start in range(0, len(wanted), self.BATCH):
                    chunk = wanted[start : start + self.BATCH]
                    # Padded (with its last postcode again) to one of three sizes, so the driver reuses three
                    # compiled statements instead of compiling one per size (a millisecond each).
                    size = next(size for size in (8, 64, self.BATCH) if size >= len(chunk))
                    cursor.execute(_lookup_in(size), (release_id, *chunk, *[chunk[-1]] * (size - len(chunk))))
                    rows = cursor.fetchall()
                    found.update(zip(map(_FIRST, rows), map(_record, rows), strict=True))
                    for row in rows:
                        if row[5] is not None:  # SQLite keeps a boolean as 0 or 1
                            found[row[0]] = _record((*row[:5], bool(row[5])))
            finally:
                cursor.close()
            return found
        for start in range(0, len(wanted), self.BATCH):
            rows = self.session.execute(
                select(*_RECORD_COLUMNS).where(
                    Postcode.release_id == release_id, Postcode.postcode.in_(wanted[start : start + self.BATCH])
                )
            )
            for row in rows:
                found[row[0]] = make(row)
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
