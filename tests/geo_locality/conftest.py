"""Reference data with a sample of the real postcode directory, and the boundary index built from it.

``reference`` loads the areas (with their real boundaries), the councils and the postcode sample
(tests/fixtures/postcodes_sample*.csv.gz) and commits, for each test that asks: the tables are
emptied after every test. ``geography`` loads the same data once for the whole package and keeps
only what lives in memory (the boundary index, the area names, the sample rows), so tests of
boundaries need no database of their own; the test that first asks for it has the reference data
loaded too, and it is emptied after that test like any other.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import db
from app.geo.boundaries import BoundaryIndex
from app.models import Area
from app.services.audit import Actor
from app.services.seed import SeedReport, load_reference_data

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "seed_data"
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE = FIXTURES / "postcodes_sample.csv.gz"
SAMPLE_WARDS = FIXTURES / "postcodes_sample_wards.csv.gz"
ACTOR = Actor.system("test")

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


def read_sample(path: Path = SAMPLE_WARDS) -> list[dict[str, str]]:
    """Rows of a sample file as the publisher wrote them."""
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference(app: Flask) -> SeedReport:
    """Load reference data with the postcode sample and commit, in an app context of its own."""
    with app.app_context():
        session: Session = db.session  # type: ignore[assignment]
        report = load_reference_data(session, SEED_DIR, ACTOR, postcode_files=(SAMPLE, SAMPLE_WARDS))
        session.commit()
        db.session.remove()
    return report


@pytest.fixture
def reference(app: Flask) -> SeedReport:
    """Reference data and the postcode sample, committed; emptied after the test like everything else."""
    return load_reference(app)


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
def geography(app: Flask) -> Geography:
    """The boundary index read from the database once for the package, with names and sample rows."""
    load_reference(app)
    with app.app_context():
        session: Session = db.session  # type: ignore[assignment]
        index = BoundaryIndex.from_session(session)
        names = dict(session.execute(select(Area.code, Area.name)).all())
        db.session.remove()
    return Geography(
        index,
        names,
        {row["postcode"]: row for row in read_sample(SAMPLE_WARDS)},
        {row["postcode"]: row for row in read_sample(SAMPLE)},
    )


@pytest.fixture
def boundaries(geography: Geography) -> BoundaryIndex:
    return geography.index
