"""`flask geo lookup`, `flask geo load-postcodes` and `flask geo relocate`, run as an operator would.

No test holds an app context while a command runs, so each command gets its own, as in production;
the database is checked afterwards in a context of the test's own.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.providers import Placement, SiteKind
from app.extensions import db
from app.models import AuditEvent, Postcode, PostcodeRelease, Provider, Site
from app.services.seed import POSTCODE_RELEASE_NAME, SeedReport
from tests import factories
from tests.geo.conftest import KNOWSLEY, LIVERPOOL, read_rows

ROBY = "E05010942"


@pytest.fixture
def runner(app: Flask, monkeypatch: pytest.MonkeyPatch) -> FlaskCliRunner:
    monkeypatch.setitem(app.config, "GEOCODERS", "postcode_directory")  # offline, whatever the environment says
    return app.test_cli_runner()


@contextmanager
def database(app: Flask) -> Iterator[Session]:
    with app.app_context():
        try:
            yield db.session  # type: ignore[misc]
        finally:
            db.session.remove()


def _lines(result: Result) -> list[str]:
    return result.output.splitlines()


def _no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- geo lookup -----------------------------------------------------------------------------------


def test_lookup_prints_district_ward_precision_and_source(runner: FlaskCliRunner, reference: SeedReport) -> None:
    result = runner.invoke(args=["geo", "lookup", "l36 9gd"])
    assert result.exit_code == 0, result.output
    assert _lines(result) == [
        "Postcode:  L36 9GD",
        "Point:     53.410696, -2.841730",
        "District:  Knowsley (E08000011)",
        f"Ward:      Roby ({ROBY})",
        "Precision: Postcode",
        f"Source:    postcode_directory ({POSTCODE_RELEASE_NAME})",
    ]


def test_lookup_as_json(runner: FlaskCliRunner, reference: SeedReport) -> None:
    result = runner.invoke(args=["geo", "lookup", "L369GD", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "postcode": "L36 9GD",
        "placed": True,
        "latitude": 53.410696,
        "longitude": -2.84173,
        "district": {"code": KNOWSLEY, "name": "Knowsley"},
        "ward": {"code": ROBY, "name": "Roby"},
        "precision": "postcode",
        "source": "postcode_directory",
        "release": POSTCODE_RELEASE_NAME,
        "note": None,
    }


@pytest.mark.parametrize("typed", ["L36", "not a postcode", "L36 9G", "123 456"])
def test_lookup_of_a_malformed_postcode_says_what_to_type(runner: FlaskCliRunner, typed: str) -> None:
    result = runner.invoke(args=["geo", "lookup", typed])
    assert result.exit_code == 1
    assert f"Error: Enter a full UK postcode, like L36 9GD (you typed {typed!r})" in result.output
    _no_traceback(result)


def test_lookup_of_an_unknown_postcode_in_a_known_outcode_is_approximate(
    runner: FlaskCliRunner, reference: SeedReport
) -> None:
    l36 = [row for row in read_rows() if row["outcode"] == "L36"]
    assert "L36 9ZZ" not in {row["postcode"] for row in l36}
    # the centre of L36 is the mean of its postcodes' points
    latitude = sum(float(row["lat"]) for row in l36) / len(l36)
    longitude = sum(float(row["lon"]) for row in l36) / len(l36)

    result = runner.invoke(args=["geo", "lookup", "L36 9ZZ"])
    assert result.exit_code == 0, result.output
    assert _lines(result) == [
        "Postcode:  L36 9ZZ",
        f"Point:     {latitude:.6f}, {longitude:.6f}",
        "District:  Knowsley (E08000011)",
        "Ward:      not known",
        "Precision: Postcode district (approximate)",
        f"Source:    postcode_directory ({POSTCODE_RELEASE_NAME})",
        "Note:      Postcode L36 9ZZ is not in the postcode directory; placed at the centre of L36. "
        "Check the postcode.",
    ]

    answer = json.loads(runner.invoke(args=["geo", "lookup", "L36 9ZZ", "--json"]).output)
    assert (answer["precision"], answer["district"], answer["ward"]) == (
        "postcode_district",
        {"code": KNOWSLEY, "name": "Knowsley"},
        None,
    )


def test_lookup_in_a_postcode_district_split_between_councils_gives_no_district(
    runner: FlaskCliRunner, reference: SeedReport
) -> None:
    result = runner.invoke(args=["geo", "lookup", "L14 9ZZ"])
    assert result.exit_code == 0, result.output
    assert "District:  not known (-)" in _lines(result)
    assert "Precision: Postcode district (approximate)" in _lines(result)
    assert "L14 spans more than one council district, so the district is not known." in result.output


def test_lookup_of_a_crown_dependency_is_not_placed(runner: FlaskCliRunner, reference: SeedReport) -> None:
    for postcode in ("JE1 0BD", "GY1 1AA", "IM1 1AA"):
        result = runner.invoke(args=["geo", "lookup", postcode.lower()])
        assert result.exit_code == 1, postcode
        assert _lines(result) == [
            f"Postcode:  {postcode}",
            f"Not placed: {postcode} is in the Channel Islands or the Isle of Man, "
            "which have no council district in the UK postcode directory",
        ]
        _no_traceback(result)


# --- geo load-postcodes ---------------------------------------------------------------------------

ONSPD_HEADER = ["pcd", "pcd2", "pcds", "dointr", "doterm", "oslaua", "osward", "lat", "long"]
ONSPD_ROWS = [
    ["L369GD", "L36  9GD", "L36 9GD", "199801", "", "E08000011", ROBY, "53.410696", "-2.841730"],
    ["L1  8JQ", "L1   8JQ", "L1 8JQ", "198001", "", "E08000012", "E05015288", "53.404567", "-2.987154"],
    ["L369ZZ", "L36  9ZZ", "L36 9ZZ", "202504", "", "E08000011", "", "53.4120", "-2.8400"],
    ["L368XX", "L36  8XX", "L36 8XX", "198001", "200312", "E08000011", ROBY, "53.4101", "-2.8422"],
    ["JE2 4WD", "JE2  4WD", "JE2 4WD", "199901", "", "L99999999", "L99999999", "99.999999", "0.000000"],
]


def _onspd(path: Path, header: list[str] = ONSPD_HEADER, rows: list[list[str]] = ONSPD_ROWS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_load_postcodes_switches_the_active_release_and_a_reload_changes_nothing(
    app: Flask, runner: FlaskCliRunner, reference: SeedReport, tmp_path: Path
) -> None:
    path = _onspd(tmp_path / "ONSPD_NOV_2026_UK.csv")
    result = runner.invoke(args=["geo", "load-postcodes", str(path), "--name", "ONSPD November 2026"])
    assert result.exit_code == 0, result.output
    assert "Loaded 5 postcodes (4 with a location, 3 with a ward) from latitude and longitude in " in result.output
    assert f"Replaced {POSTCODE_RELEASE_NAME}. Run 'flask geo relocate' to re-place every site." in result.output

    with database(app) as session:
        [release] = session.scalars(select(PostcodeRelease)).all()  # the old release was purged
        assert (release.name, release.active, release.row_count, release.source_file) == (
            "ONSPD November 2026",
            True,
            5,
            "ONSPD_NOV_2026_UK.csv",
        )
        assert session.scalar(select(func.count()).select_from(Postcode)) == 5
        jersey = session.scalar(select(Postcode).where(Postcode.postcode == "JE2 4WD"))
        assert jersey is not None and (jersey.latitude, jersey.district_code, jersey.ward_code) == (None, None, None)
        closed = session.scalar(select(Postcode).where(Postcode.postcode == "L36 8XX"))
        assert closed is not None and closed.terminated is True
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "postcode_release.activated"))
        assert event.actor_label == "command line"
        assert event.changes == {"name": "ONSPD November 2026", "rows": 5, "replaced": [POSTCODE_RELEASE_NAME]}

    # the new release answers lookups: L36 9ZZ is now a real postcode, exactly placed
    answer = json.loads(runner.invoke(args=["geo", "lookup", "L36 9ZZ", "--json"]).output)
    assert (answer["precision"], answer["release"], answer["latitude"]) == ("postcode", "ONSPD November 2026", 53.412)
    # and a terminated postcode is placed, with a warning
    answer = json.loads(runner.invoke(args=["geo", "lookup", "L36 8XX", "--json"]).output)
    assert answer["note"] == "Postcode L36 8XX is no longer in use; check the address is current"

    again = runner.invoke(args=["geo", "load-postcodes", str(path)])
    assert again.exit_code == 0, again.output
    assert "ONSPD November 2026 is already the active release: nothing changed." in again.output
    assert "Loaded" not in again.output
    with database(app) as session:
        assert session.scalar(select(func.count()).select_from(PostcodeRelease)) == 1
        assert session.scalar(select(func.count()).where(AuditEvent.action == "postcode_release.activated")) == 1


def test_load_postcodes_reads_grid_references(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = _onspd(
        tmp_path / "nspl.csv",
        ["pcds", "laua", "ward", "oseast1m", "osnrth1m"],
        [["L36 9GD", KNOWSLEY, ROBY, "344145", "390760"], ["L1 8JQ", LIVERPOOL, "", "334469", "390202"]],
    )
    result = runner.invoke(args=["geo", "load-postcodes", str(path)])
    assert result.exit_code == 0, result.output
    assert "Loaded 2 postcodes (2 with a location, 0 with a ward) from grid references" in result.output
    assert "Replaced" not in result.output  # nothing was loaded before
    with database(app) as session:
        row = session.scalar(select(Postcode).where(Postcode.postcode == "L36 9GD"))
        assert row is not None and row.latitude is not None and row.longitude is not None
        # the directory's own point for L36 9GD, from the same grid reference
        assert abs(row.latitude - 53.410696) < 2e-5
        assert abs(row.longitude - -2.84173) < 2e-5


MISSING_COLUMNS = [
    (
        ["pcds", "osward", "lat", "long"],
        "the local authority district code (one of lad25cd, lad24cd, lad23cd, oslaua, laua, lad_code, ladcd)",
    ),
    (["pcds", "oslaua", "lat"], "the longitude (one of long, lon, longitude, lng)"),
    (["postcode_text", "oslaua", "lat", "long"], "the postcode (one of pcds, pcd, pcd7, pcd8, postcode)"),
]


def test_a_file_missing_a_column_is_refused_and_the_previous_release_stays(
    app: Flask, runner: FlaskCliRunner, reference: SeedReport, tmp_path: Path
) -> None:
    for header, column in MISSING_COLUMNS:
        rows = [["L36 9GD", "E08000011", "53.410696", "-2.841730"][: len(header)]]
        path = _onspd(tmp_path / "broken.csv", header, rows)
        result = runner.invoke(args=["geo", "load-postcodes", str(path)])
        assert result.exit_code == 1, column
        assert f"Error: broken.csv has no column for {column}. Nothing was loaded." in result.output
        _no_traceback(result)
    with database(app) as session:
        [release] = session.scalars(select(PostcodeRelease)).all()
        assert (release.name, release.active) == (POSTCODE_RELEASE_NAME, True)
        assert session.scalar(select(func.count()).select_from(Postcode)) == release.row_count > 14_000
        assert session.scalar(select(func.count()).where(AuditEvent.action == "postcode_release.activated")) == 0
    still = json.loads(runner.invoke(args=["geo", "lookup", "L36 9GD", "--json"]).output)
    assert (still["release"], still["ward"]) == (POSTCODE_RELEASE_NAME, {"code": ROBY, "name": "Roby"})


def test_load_postcodes_of_a_missing_file_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """Fails while load_release hashes the file before checking it exists: a FileNotFoundError traceback."""
    result = runner.invoke(args=["geo", "load-postcodes", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0
    _no_traceback(result)
    assert "nope.csv" in result.output


# --- geo relocate ---------------------------------------------------------------------------------


def test_relocate_places_every_site_and_lists_providers_whose_locality_changed(
    app: Flask, runner: FlaskCliRunner, reference: SeedReport
) -> None:
    with database(app) as session:
        # Registered at a Liverpool postcode and placed there; then its postcode was corrected to Knowsley's.
        moved = factories.provider(
            session, "Roby Community Kitchen CIC", postcode="L1 8JQ", district_code=LIVERPOOL, ward_code="E05015288"
        )
        moved.sites[0].postcode = "L36 9GD"
        factories.provider(session, "Cardiff Bay Cleaning Ltd", postcode="CF10 1EP", district_code="W06000015")
        lost = factories.provider(session, "Jersey Trust", postcode="JE1 0BD", district_code=None)
        lost.sites[0].kind = SiteKind.REGISTERED_OFFICE
        session.commit()
        moved_id, moved_site_id = moved.id, moved.sites[0].id

    result = runner.invoke(args=["geo", "relocate"])
    assert result.exit_code == 0, result.output
    assert "Placed 2 of 3 sites; 1 could not be placed." in _lines(result)
    assert f"  Roby Community Kitchen CIC (#{moved_id}): In the wider area -> Local" in _lines(result)
    assert "Cardiff Bay" not in result.output and "Jersey Trust" not in result.output
    assert "No provider's locality changed." not in result.output

    with database(app) as session:
        site = session.get(Site, moved_site_id)
        assert site is not None
        assert (site.district_code, site.ward_code, site.placement) == (KNOWSLEY, ROBY, Placement.POSTCODE)
        jersey = session.scalar(select(Site).join(Provider).where(Provider.name == "Jersey Trust"))
        assert jersey is not None and jersey.placement == Placement.NOT_PLACED
        assert jersey.placement_note is not None and "Channel Islands" in jersey.placement_note
        events = session.scalars(select(AuditEvent).where(AuditEvent.actor_label == "command line")).all()
        assert sorted(e.action for e in events) == ["provider.locality_changed", "site.placed", "sites.relocated"]
        changed = next(e for e in events if e.action == "provider.locality_changed")
        assert (changed.entity_id, changed.changes) == (str(moved_id), {"from": "wider", "to": "local"})

    again = runner.invoke(args=["geo", "relocate"])
    assert again.exit_code == 0, again.output
    assert "Placed 2 of 3 sites; 1 could not be placed." in _lines(again)
    assert "No provider's locality changed." in _lines(again)


def test_relocate_without_a_council_says_to_seed(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["geo", "relocate"])
    assert result.exit_code == 1
    assert "Error: No council is set up: run 'flask seed' first." in result.output
    _no_traceback(result)


def test_relocate_without_a_postcode_directory_says_to_load_one(
    app: Flask, runner: FlaskCliRunner, session: Session, knowsley: factories.CouncilSetup
) -> None:
    result = runner.invoke(args=["geo", "relocate"])
    assert result.exit_code == 1
    assert "No postcode directory is loaded: run 'flask seed' or 'flask geo load-postcodes'." in result.output
    _no_traceback(result)
