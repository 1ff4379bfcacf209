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
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from app.domain.postcodes import try_normalise_postcode
from app.models import OutcodeCentroid, Postcode, PostcodeRelease

Progress = Callable[[int], None]
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


@contextmanager
def open_directory_file(path: Path) -> Iterator[tuple[io.TextIOBase, str]]:
    """Open a CSV, a gzipped CSV or an ONS zip (its main data CSV) as text; yield it with its name."""
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
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), f"{path.name}:{main.filename}"
        return
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        yield handle, path.name


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


def read_directory(handle: Iterable[str], source: str) -> Iterator[dict[str, Any]]:
    """Yield one normalised row per postcode: postcode, outcode, point, district, ward, terminated."""
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        raise DirectoryFileError(f"{source} is empty. Nothing was loaded.") from None
    columns = ColumnMap.from_header(header, source)
    pos = columns.positions
    grid = GridConverter() if columns.uses_grid else None
    ward_at = pos.get("ward_code")
    term_at = pos.get("terminated")
    width = max(pos.values()) + 1
    for line_number, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < width:
            raise DirectoryFileError(f"{source}, line {line_number}: the row has {len(row)} columns, expected {width}")
        postcode = try_normalise_postcode(row[pos["postcode"]])
        if postcode is None:
            continue  # a few ONS rows are placeholders, not postcodes
        latitude = longitude = None
        if grid is not None:
            easting, northing = _float(row[pos["easting"]]), _float(row[pos["northing"]])
            if easting and northing:
                latitude, longitude = grid.convert(postcode, easting, northing)
        else:
            latitude, longitude = _float(row[pos["latitude"]]), _float(row[pos["longitude"]])
            if latitude is None or longitude is None or abs(latitude - NO_LOCATION_LATITUDE) < 1e-6:
                latitude = longitude = None
        yield {
            "postcode": postcode,
            "outcode": postcode.split(" ", 1)[0],
            "latitude": latitude,
            "longitude": longitude,
            "district_code": _code(row[pos["district_code"]]),
            "ward_code": _code(row[ward_at]) if ward_at is not None else None,
            "terminated": bool(row[term_at].strip()) if term_at is not None else None,
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ward_overlay(path: Path) -> dict[str, str]:
    """Postcode to ward code from a second file (e.g. the North West file, which has wards)."""
    wards: dict[str, str] = {}
    with open_directory_file(path) as (handle, source):
        for row in read_directory(handle, source):
            if row["ward_code"]:
                wards[row["postcode"]] = row["ward_code"]
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
    with open_directory_file(path) as (handle, source):
        release = PostcodeRelease(
            name=name or source,
            source_file=source + (f" + wards from {wards_from.name}" if wards_from else ""),
            sha256=fingerprint,
            source_format="",
            active=False,
        )
        session.add(release)
        session.flush()
        total = with_points = with_wards = 0
        chunk: list[dict[str, Any]] = []
        for row in read_directory(handle, source):
            if wards and row["ward_code"] is None:
                row["ward_code"] = wards.get(row["postcode"])
            row["release_id"] = release.id
            total += 1
            with_points += row["latitude"] is not None
            with_wards += row["ward_code"] is not None
            chunk.append(row)
            if len(chunk) >= CHUNK_SIZE:
                session.execute(insert(Postcode), chunk)
                chunk = []
                if progress:
                    progress(total)
        if chunk:
            session.execute(insert(Postcode), chunk)
        if progress:
            progress(total)
    if total == 0:
        raise DirectoryFileError(f"{source} has no postcodes in it. Nothing was loaded.")
    _build_outcode_centroids(session, release.id)
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
    with open_directory_file(path) as (handle, source):
        return ColumnMap.from_header(next(csv.reader(handle)), source).uses_grid


def _build_outcode_centroids(session: Session, release_id: int) -> None:
    """Mean point of each postcode district, and the district that holds most of its postcodes."""
    located = (Postcode.release_id == release_id, Postcode.latitude.is_not(None))
    means = session.execute(
        select(Postcode.outcode, func.avg(Postcode.latitude), func.avg(Postcode.longitude), func.count())
        .where(*located)
        .group_by(Postcode.outcode)
    ).all()
    by_district: dict[str, Counter[str]] = defaultdict(Counter)
    for outcode, district, count in session.execute(  # district is never None: filtered below
        select(Postcode.outcode, Postcode.district_code, func.count())
        .where(*located, Postcode.district_code.is_not(None))
        .group_by(Postcode.outcode, Postcode.district_code)
    ):
        by_district[outcode][str(district)] = count
    rows = []
    for outcode, latitude, longitude, count in means:
        main = by_district[outcode].most_common(1)
        rows.append(
            {
                "release_id": release_id,
                "outcode": outcode,
                "latitude": round(float(latitude), 6),
                "longitude": round(float(longitude), 6),
                "postcode_count": count,
                "main_district_code": main[0][0] if main else None,
                "main_district_share": round(main[0][1] / sum(by_district[outcode].values()), 4) if main else None,
            }
        )
    if rows:
        session.execute(insert(OutcodeCentroid), rows)


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
