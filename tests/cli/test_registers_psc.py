"""`flask registers load psc FILE...`: Companies House's PSC snapshot loaded from the command line, a file that
cannot load said in words, and `registers check` reading the ownership it gives."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, ProviderIdentifier
from app.services.ownership import active_psc_release
from tests import factories

SNAPSHOT = Path(__file__).parents[1] / "fixtures" / "psc" / "persons-with-significant-control-snapshot-2026-12-01.txt"


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def snapshot_zip(tmp_path: Path) -> Path:
    path = tmp_path / "persons-with-significant-control-snapshot-2026-12-01.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(SNAPSHOT, "psc-snapshot-2026-12-01_1of1.txt")
    return path


def test_load_psc_exits_0_and_says_what_it_kept_and_counted(
    runner: FlaskCliRunner, session: Session, snapshot_zip: Path
) -> None:
    result = runner.invoke(args=["registers", "load", "psc", str(snapshot_zip)])

    assert result.exit_code == 0, result.output
    assert (
        "Loaded 5 organisations with significant control, from the records of 8 companies in the Companies House "
        "PSC register as of 1 December 2026" in result.output
    )
    assert (
        "Records: organisations kept (corporate entities and legal persons) 5; people (counted, never kept) 2; "
        "owners of overseas entities (counted, not kept) 1; statements 1; exemptions 1" in result.output
    )
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "register_release.activated")).one()
    assert event.changes["register"] == "psc" and event.changes["rows"] == 5  # type: ignore[index]

    again = runner.invoke(args=["registers", "load", "psc", str(snapshot_zip)])
    assert again.exit_code == 0 and "already the active release of the Companies House PSC register" in again.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CompanyName, CompanyNumber\nACME LTD,01234567\n", "basic.csv is not Companies House's PSC snapshot"),
        (SNAPSHOT.read_text(encoding="utf-8")[:900], "basic.csv, line 2 is not a line of JSON"),
    ],
)
def test_a_file_that_cannot_load_exits_1_with_its_reason(
    runner: FlaskCliRunner, session: Session, tmp_path: Path, text: str, message: str
) -> None:
    wrong = tmp_path / "basic.csv"
    wrong.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["registers", "load", "psc", str(wrong)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert active_psc_release(session) is None


def test_check_reads_the_psc_register_alone(runner: FlaskCliRunner, session: Session, snapshot_zip: Path) -> None:
    provider = factories.provider(session, "Care Homes Ltd")
    provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="01000001", org_id="GB-COH-01000001"))
    session.commit()
    assert runner.invoke(args=["registers", "load", "psc", str(snapshot_zip)]).exit_code == 0

    result = runner.invoke(args=["registers", "check"])

    assert result.exit_code == 0, result.output
    assert "Companies House PSC snapshot, persons-with-significant-control-snapshot-2026-12-01.zip" in result.output
    assert (
        "Care Homes Ltd (#" in result.output
        and "Ultimate parent CARE GROUP (JERSEY) LIMITED: registered in Jersey, an offshore financial centre"
        in result.output
    )
