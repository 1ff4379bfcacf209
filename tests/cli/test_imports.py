"""``flask import-suppliers``: the bulk CSV import (issue 6) from the command line, through the same service."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.imports.lifecycle import ImportStatus
from app.domain.providers import ProviderStatus
from app.models import AuditEvent, ImportBatch, ImportIssue, Provider, Site
from tests.services.test_imports_service import (
    KNOWSLEY,
    THREE_ORGANISATIONS,
    count,
    csv_bytes,
    existing,
    line,
    provider_named,
    register_fixture,  # noqa: F401 (a fixture)
    small_directory_fixture,  # noqa: F401 (a fixture)
)

COUNT_KEYS = {
    "rows",
    "created",
    "updated",
    "unchanged",
    "archived",
    "flagged",
    "rejected",
    "possible_match",
    "with_warnings",
    "not_placed",
    "dissolved",
    "formula",
    "blank_rows",
}


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def suppliers(tmp_path: Path) -> Path:
    """Three organisations (two in Knowsley, one in Liverpool) and a row with no name."""
    path = tmp_path / "suppliers.csv"
    path.write_bytes(csv_bytes([*THREE_ORGANISATIONS, line(name="", postcode="L36 9GD")]))
    return path


def run(runner: FlaskCliRunner, *args: str | Path) -> Any:
    return runner.invoke(args=["import-suppliers", *(str(a) for a in args)])


def as_json(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def adds_up(counts: dict[str, Any]) -> bool:
    outcomes = ("created", "updated", "unchanged", "archived", "flagged", "rejected")
    return sum(counts[o] for o in outcomes) == counts["rows"]


def test_a_dry_run_prints_json_counts_and_writes_nothing(
    runner: FlaskCliRunner, session: Session, register: None, suppliers: Path
) -> None:
    counts = as_json(run(runner, suppliers, "--dry-run", "--json"))

    assert set(counts) >= COUNT_KEYS
    assert counts["dry_run"] is True and "batch_id" not in counts
    assert (counts["rows"], counts["created"], counts["rejected"]) == (4, 3, 1)
    assert adds_up(counts)
    session.expire_all()
    assert count(session, Provider) == 0
    assert count(session, Site) == 0
    assert count(session, ImportBatch) == 0  # a dry run leaves no batch behind
    assert count(session, ImportIssue) == 0


def test_an_import_prints_the_counts_and_that_they_add_up(
    runner: FlaskCliRunner, session: Session, register: None, suppliers: Path
) -> None:
    result = run(runner, suppliers, "--source", "Knowsley CVS list")

    assert result.exit_code == 0, result.output
    assert "Imported as batch" in result.output
    assert "New organisations" in result.output and "Rejected" in result.output
    assert "= 4 of 4 rows: the counts add up." in result.output
    assert "Traceback" not in result.output
    session.expire_all()
    assert count(session, Provider) == 3
    batch = session.scalar(select(ImportBatch))
    assert batch is not None
    assert batch.status == ImportStatus.IMPORTED and batch.source_name == "Knowsley CVS list"
    assert batch.sha256 == hashlib.sha256(suppliers.read_bytes()).hexdigest()
    assert batch.counts["created"] == 3 and batch.counts["rejected"] == 1
    assert f"Imported as batch {batch.id} (suppliers.csv)." in result.output
    assert "3 new organisations added and 1 row rejected." in result.output
    garden = provider_named(session, "Roby Community Garden CIC")
    assert garden.status == ProviderStatus.SUBMITTED
    assert [s.district_code for s in garden.sites] == [KNOWSLEY]
    actors = session.scalars(select(AuditEvent.actor_label).where(AuditEvent.action == "import.committed")).all()
    assert actors == ["command line"]


def test_a_second_run_of_the_same_file_changes_nothing(
    runner: FlaskCliRunner, session: Session, register: None, suppliers: Path
) -> None:
    first = as_json(run(runner, suppliers, "--json"))
    assert first["created"] == 3 and first["dry_run"] is False and first["batch_id"]

    result = run(runner, suppliers)
    assert result.exit_code == 0, result.output
    assert "Nothing on the register changed: 3 rows already on the register as the file has them" in result.output
    assert "the counts add up" in result.output

    again = as_json(run(runner, suppliers, "--json"))
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 3, 1)
    session.expire_all()
    assert count(session, Provider) == 3
    assert count(session, ImportBatch) == 3


def test_verified_publishes_new_organisations_as_verified(
    runner: FlaskCliRunner, session: Session, register: None, suppliers: Path
) -> None:
    as_json(run(runner, suppliers, "--verified", "--json"))
    session.expire_all()
    statuses = set(session.scalars(select(Provider.status)))
    assert statuses == {ProviderStatus.VERIFIED}


def test_a_possible_match_is_rejected_from_the_command_line(
    runner: FlaskCliRunner, session: Session, register: None, tmp_path: Path
) -> None:
    existing(session, "Knowsley Tenants Group", "L36 9GD")
    path = tmp_path / "near.csv"
    path.write_bytes(csv_bytes([line(name="Knowsley Tenant Group", postcode="L36 9GD")]))

    counts = as_json(run(runner, path, "--json"))
    assert (counts["rejected"], counts["created"], counts["possible_match"]) == (1, 0, 0)
    assert adds_up(counts)
    session.expire_all()
    [error] = session.scalars(select(ImportIssue).where(ImportIssue.kind == "error")).all()
    assert "Knowsley Tenants Group" in error.message
    assert count(session, Provider) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "not a CSV file"),
        (b"", "The selected file is empty"),
        (b"\r\n\r\n", "The file is empty"),
        (b"Postcode,Website\r\nL36 9GD,roby.example\r\n", "organisation's name"),
        (b"alpha,beta\r\n1,2\r\n", "column headings"),
    ],
    ids=["xlsx", "empty", "blank-lines", "no-name-column", "no-header"],
)
def test_a_bad_file_exits_with_its_message_and_no_traceback(
    runner: FlaskCliRunner, session: Session, register: None, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = run(runner, path)

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # click's error exit, not an unhandled exception
    session.expire_all()
    assert count(session, ImportBatch) == 0
    assert count(session, Provider) == 0


def test_an_unknown_saved_mapping_is_a_plain_error(
    runner: FlaskCliRunner, session: Session, register: None, suppliers: Path
) -> None:
    result = run(runner, suppliers, "--mapping", "No such mapping")
    assert result.exit_code != 0
    assert "There is no saved mapping called 'No such mapping'" in result.output
    assert "Traceback" not in result.output


def test_a_missing_file_is_refused_by_click(runner: FlaskCliRunner, session: Session, tmp_path: Path) -> None:
    result = run(runner, tmp_path / "nowhere.csv")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_dry_run_leaves_no_stored_file_behind(
    runner: FlaskCliRunner, session: Session, register: None, app: Flask, tmp_path: Path
) -> None:
    path = tmp_path / "dry.csv"
    data = csv_bytes([line(name="Only Looking Ltd", postcode="L36 9GD")])
    path.write_bytes(data)
    stored = Path(app.config["UPLOAD_FOLDER"]) / f"{hashlib.sha256(data).hexdigest()}.csv"
    assert not stored.exists()

    as_json(run(runner, path, "--dry-run", "--json"))
    assert not stored.exists()


# --- Issue 11: dissolved rows, the progress bar, and saying what happened ---------------------------------------------

STATUS_FILE = (
    b"Registered Name,Registered Number,Registrar,Registered Postcode,Registered Status,Dissolved Date\r\n"
    b"Roby Growers Co-operative,31129,FCA,L36 9GD,Live,\r\n"
    b"Page Moss Bakers Co-operative,2456R,FCA,L36 9GD,Dead,3/5/2012\r\n"
    b",,,,,\r\n"
)


def test_dissolved_rows_are_rejected_unless_archiving_is_chosen(
    runner: FlaskCliRunner, session: Session, register: None, tmp_path: Path
) -> None:
    path = tmp_path / "coops.csv"
    path.write_bytes(STATUS_FILE)
    counts = as_json(run(runner, path, "--json", "--verified"))
    assert (counts["created"], counts["rejected"], counts["dissolved"], counts["blank_rows"]) == (1, 1, 1, 1)
    assert count(session, Provider) == 1


def test_dissolved_rows_can_be_kept_as_archived(
    runner: FlaskCliRunner, session: Session, register: None, tmp_path: Path
) -> None:
    path = tmp_path / "coops.csv"
    path.write_bytes(STATUS_FILE)
    archived = as_json(run(runner, path, "--json", "--verified", "--dissolved", "archive"))
    assert (archived["created"], archived["archived"], archived["rejected"]) == (1, 1, 0)
    assert provider_named(session, "Page Moss Bakers Co-operative").status == ProviderStatus.ARCHIVED
    assert provider_named(session, "Roby Growers Co-operative").status == ProviderStatus.VERIFIED
    text = run(runner, path, "--dry-run", "--dissolved", "archive").output
    assert "Dissolved in the file" in text and "Blank rows (skipped)" in text


def test_the_progress_bar_shows_rows_rate_and_time_left(
    runner: FlaskCliRunner, session: Session, register: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli import progress as cli_progress
    from app.services.imports import planning

    monkeypatch.setattr(cli_progress, "LOG_EVERY_SECONDS", 0.0)  # a line at every step, as a long import logs
    monkeypatch.setattr(planning, "CHUNK_ROWS", 1)
    path = tmp_path / "suppliers.csv"
    path.write_bytes(csv_bytes([line(name=f"Organisation {n}", postcode="L36 9GD") for n in range(1, 5)]))
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    importing = [x for x in lines if x.startswith("Importing ") and "[" in x]
    assert importing, result.output
    assert any(" of 4 rows" in x and "rows/s" in x and "left" in x for x in importing), importing
    assert any(x.startswith("Checking ") and "%" in x for x in lines)
    assert "4 new organisations added." in result.output
