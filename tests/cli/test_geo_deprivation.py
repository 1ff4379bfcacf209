"""`flask geo load-deprivation`, run as an operator would: the shipped release by default, or the files named; the
same files again change nothing; a file that cannot be read is refused with its reason and no traceback; suppliers
already classified take their deciles from the new release.

No test holds an app context while a command runs, so each command gets its own, as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.spend.classification import PlaceBasis, Resolution, SpendPlace
from app.extensions import db
from app.models import AuditEvent, DeprivationRelease, LsoaDeprivation, PostcodeLsoa, SpendSupplier
from app.services.councils import council_by_code
from app.services.seed import SeedReport
from app.services.spend.deprivation import SEED_RELEASE_NAME
from tests.services.spend.test_deprivation import IMD_HEADER, IMD_LINES, LOOKUP_HEADER, LOOKUP_LINES, write_file


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@contextmanager
def database(app: Flask) -> Iterator[Session]:
    with app.app_context():
        try:
            yield db.session  # type: ignore[misc]
        finally:
            db.session.remove()


def _no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _load(runner: FlaskCliRunner, imd: Path, lookup: Path, *more: str) -> Result:
    result = runner.invoke(args=["geo", "load-deprivation", "--imd", str(imd), "--lookup", str(lookup), *more])
    _no_traceback(result)
    return result


def test_loading_named_files_switches_to_them_and_is_audited(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    imd = write_file(tmp_path / "imd.csv", IMD_HEADER, IMD_LINES)
    lookup = write_file(tmp_path / "lookup.csv.gz", LOOKUP_HEADER, LOOKUP_LINES)
    result = _load(runner, imd, lookup, "--name", "IMD 2019 sample", "--lookup-name", "ONS May 2022 sample")
    assert result.exit_code == 0, result.output
    assert "Loaded IMD 2019 sample: 5 LSOAs and 5 postcodes (5 with a decile) in " in result.output
    with database(app) as session:
        release = session.scalars(select(DeprivationRelease)).one()
        assert (release.name, release.postcode_lookup, release.active) == (
            "IMD 2019 sample",
            "ONS May 2022 sample",
            True,
        )
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "deprivation_release.activated")).one()
        assert (event.actor_label, event.entity_id) == ("command line", str(release.id))
        assert event.changes["counts"]["postcodes"] == 5

    again = _load(runner, imd, lookup)
    assert again.exit_code == 0, again.output
    assert again.output.strip().endswith("IMD 2019 sample is already the active deprivation release: nothing changed.")


def test_a_new_release_replaces_the_old_one_and_its_rows_go(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    first = _load(
        runner,
        write_file(tmp_path / "imd.csv", IMD_HEADER, IMD_LINES),
        write_file(tmp_path / "lookup.csv", LOOKUP_HEADER, LOOKUP_LINES),
        "--name",
        "First",
    )
    assert first.exit_code == 0, first.output
    second = _load(
        runner,
        write_file(tmp_path / "imd2.csv", IMD_HEADER, IMD_LINES[:3]),
        write_file(tmp_path / "lookup2.csv", LOOKUP_HEADER, LOOKUP_LINES[1:]),
        "--name",
        "Second",
    )
    assert second.exit_code == 0, second.output
    assert "Replaced First." in second.output
    with database(app) as session:
        assert session.scalars(select(DeprivationRelease.name)).all() == ["Second"]
        assert session.scalar(select(func.count()).select_from(LsoaDeprivation)) == 3
        assert session.scalar(select(func.count()).select_from(PostcodeLsoa)) == 4


@pytest.mark.parametrize(
    ("imd_lines", "message"),
    [
        (["LSOA code (2011),Something else"], "imd.csv has no column for the IMD rank or the IMD decile."),
        (
            [IMD_HEADER, 'E01006474,Knowsley 016C,E08000011,Knowsley,"12,673",0'],
            "imd.csv, line 2: '0' is not a decile (1 to 10)",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_its_reason(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, imd_lines: list[str], message: str
) -> None:
    imd = write_file(tmp_path / "imd.csv", imd_lines[0], imd_lines[1:])
    result = _load(runner, imd, write_file(tmp_path / "lookup.csv", LOOKUP_HEADER, LOOKUP_LINES))
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    with database(app) as session:
        assert session.scalar(select(func.count()).select_from(DeprivationRelease)) == 0


def test_a_missing_file_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = _load(runner, tmp_path / "nowhere.csv", tmp_path / "lookup.csv")
    assert result.exit_code == 1
    assert "nowhere.csv does not exist. Nothing was loaded." in result.output


def test_suppliers_already_classified_take_the_new_deciles(
    app: Flask, runner: FlaskCliRunner, reference: SeedReport, tmp_path: Path
) -> None:
    with database(app) as session:
        council = council_by_code(session, "E08000011")
        assert council is not None
        session.add(
            SpendSupplier(
                council_id=council.id,
                key="name:kirkby joinery",
                name="Kirkby Joinery",
                resolution=Resolution.PLACED,
                postcode="L36 9GD",
                place_basis=PlaceBasis.OFFICER,
            )
        )
        session.commit()
    result = _load(
        runner,
        write_file(tmp_path / "imd.csv", IMD_HEADER, IMD_LINES),
        write_file(tmp_path / "lookup.csv", LOOKUP_HEADER, LOOKUP_LINES),
    )
    assert result.exit_code == 0, result.output
    assert "Reclassified 1 suppliers with the new deciles." in result.output
    with database(app) as session:
        found = session.scalars(select(SpendSupplier)).one()
        assert (found.place, found.lsoa_code, found.imd_decile) == (SpendPlace.LOCAL, "E01006474", 4)


def test_with_no_options_the_shipped_release_loads(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["geo", "load-deprivation"])
    _no_traceback(result)
    assert result.exit_code == 0, result.output
    assert f"Loaded {SEED_RELEASE_NAME}: 32,844 LSOAs and 301,961 postcodes (301,961 with a decile)" in result.output
