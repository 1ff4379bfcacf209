"""Shared fixtures for the geography tests: the real postcode sample, reference data, boundaries,
ONS-shaped files and fake geocoders.

The sample (tests/fixtures/postcodes_sample*.csv.gz) holds rows copied unchanged from the real ONS
directory files, so every expected value here is a real fact about a real postcode.

``reference`` (tests/conftest.py) gives a test the areas (with their real boundaries), the councils and
the postcode sample, loaded once per run into a database of their own. ``geography`` reads from that
database once for the whole package what lives in memory (the boundary index, the area names, the
sample rows), so tests of boundaries need no database of their own.
"""

from __future__ import annotations

import csv
import gzip
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from geopy.location import Location
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.geo.boundaries import BoundaryIndex
from app.geo.postcode_directory import LoadResult, load_release
from app.models import Area
from tests.conftest import ReferenceDatabase

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"
SAMPLE = FIXTURES / "postcodes_sample.csv.gz"
WARDS = FIXTURES / "postcodes_sample_wards.csv.gz"

KNOWSLEY = "E08000011"
LIVERPOOL = "E08000012"
ST_HELENS = "E08000013"
SEFTON = "E08000014"
WIRRAL = "E08000015"
HALTON = "E06000006"
WEST_LANCASHIRE = "E07000127"
LCR_COMBINED_AUTHORITY = "E47000004"
# The six districts of the Liverpool City Region (DOMAIN.md section 5).
LCR = frozenset({HALTON, KNOWSLEY, LIVERPOOL, ST_HELENS, SEFTON, WIRRAL})
ROBY = "E05010942"  # the ward L36 9GD lies in


def read_rows(path: Path = WARDS) -> list[dict[str, str]]:
    """Rows of a sample file as the publisher wrote them."""
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def sample_rows() -> dict[str, dict[str, str]]:
    """The whole-UK sample, by postcode: postcode, lad_code, lat, lon."""
    return {row["postcode"]: row for row in read_rows(SAMPLE)}


@pytest.fixture(scope="session")
def ward_rows() -> dict[str, dict[str, str]]:
    """The North West sample, by postcode: pcd7, easting, northing, lat, lon, ward_code_derived, ..."""
    return {row["postcode"]: row for row in read_rows(WARDS)}


@pytest.fixture
def sample_release(session: Session) -> LoadResult:
    """The real sample loaded as the active release, with wards from the North West file."""
    return load_release(session, SAMPLE, wards_from=WARDS)


@dataclass(frozen=True)
class Geography:
    index: BoundaryIndex
    area_names: dict[str, str]
    #: The North West sample (postcode, lad_code, lat, lon, ward_code_derived, ward_name_derived, ...).
    postcodes: dict[str, dict[str, str]]
    #: The whole-UK sample (postcode, lad_code, lat, lon).
    uk_postcodes: dict[str, dict[str, str]]

    def point(self, postcode: str) -> tuple[float, float]:
        row = self.postcodes.get(postcode) or self.uk_postcodes[postcode]
        return float(row["lat"]), float(row["lon"])


@pytest.fixture(scope="package")
def geography(
    reference_database: ReferenceDatabase, ward_rows: dict[str, dict[str, str]], sample_rows: dict[str, dict[str, str]]
) -> Geography:
    """The boundary index read once for the package from the run's reference database, with names and sample rows."""
    with Session(reference_database.engine) as session:
        index = BoundaryIndex.from_session(session)
        names = dict(session.execute(select(Area.code, Area.name)).all())
    return Geography(index, names, ward_rows, sample_rows)


@pytest.fixture
def boundaries(geography: Geography) -> BoundaryIndex:
    return geography.index


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[Any]], *, bom: bool = False) -> Path:
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


class StatementCounter:
    """Counts SQL statements sent on a session's connection while active, at the driver: those SQLAlchemy sends and
    those sent on the driver's own cursors (the bulk paths) alike."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.statements: list[str] = []
        self._undo: Callable[[], None] = lambda: None

    def __enter__(self) -> StatementCounter:
        driver = self.session.connection().connection.driver_connection
        if isinstance(driver, sqlite3.Connection):
            driver.set_trace_callback(self.statements.append)
            self._undo = lambda: driver.set_trace_callback(None)
            return self
        original = psycopg.Cursor.execute
        statements = self.statements

        def execute(cursor: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(query if isinstance(query, str) else repr(query))
            return original(cursor, query, *args, **kwargs)

        psycopg.Cursor.execute = execute  # type: ignore[method-assign,assignment]
        self._undo = lambda: setattr(psycopg.Cursor, "execute", original)
        return self

    def __exit__(self, *exc: object) -> None:
        self._undo()

    @property
    def selects(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().upper().startswith("SELECT")]


class FakeGeocoder:
    """A stand-in for an online geopy geocoder: answers from a table, or raises, and counts calls.

    ``answers`` maps a query to (latitude, longitude, address), to None (not found) or to an exception
    instance to raise; ``default`` is used for any other query.
    """

    def __init__(self, answers: dict[str, Any] | None = None, default: Any = None) -> None:
        self.answers = answers or {}
        self.default = default
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def geocode(self, query: str, exactly_one: bool = True, **kwargs: Any) -> Location | None:
        self.calls.append((query, {"exactly_one": exactly_one, **kwargs}))
        answer = self.answers.get(query, self.default)
        if isinstance(answer, BaseException):
            raise answer
        if answer is None:
            return None
        latitude, longitude, address = answer
        return Location(address, (latitude, longitude), {"display_name": address, "lat": latitude, "lon": longitude})


# --- ONS-shaped files built from real rows of the sample ----------------------------------------

ONSPD_HEADER = ["pcds", "oslaua", "osward", "lat", "long", "doterm"]
TERMINATED = "L36 0AA"  # marked terminated (doterm 202106) in the ONSPD-style file
NO_POINT = "L36 0AB"  # given ONS's "no location" latitude 99.999999 in the ONSPD-style file


def some_postcodes(ward_rows: dict[str, dict[str, str]], outcode: str, n: int) -> list[str]:
    return sorted(p for p, row in ward_rows.items() if row["outcode"] == outcode)[:n]


def onspd_postcodes(ward_rows: dict[str, dict[str, str]]) -> list[str]:
    """Real Knowsley-area postcodes for the ONSPD-style files: L36 9GD, 30 in L36 and 20 in L35."""
    chosen = some_postcodes(ward_rows, "L36", 30) + some_postcodes(ward_rows, "L35", 20) + ["L36 9GD"]
    assert TERMINATED in chosen and NO_POINT in chosen
    return chosen


def onspd_row(row: dict[str, str]) -> list[str]:
    postcode = row["postcode"]
    lat, lon = ("99.999999", "0.000000") if postcode == NO_POINT else (row["lat"], row["lon"])
    return [postcode, row["lad_code"], row["ward_code_derived"], lat, lon, "202106" if postcode == TERMINATED else ""]


@pytest.fixture
def onspd_file(tmp_path: Path, ward_rows: dict[str, dict[str, str]]) -> Path:
    """An ONSPD-shaped CSV (pcds, oslaua, osward, lat, long, doterm) of real rows."""
    rows = [onspd_row(ward_rows[p]) for p in onspd_postcodes(ward_rows)]
    return write_csv(tmp_path / "ONSPD_TEST_UK.csv", ONSPD_HEADER, rows)
