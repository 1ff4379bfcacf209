"""``flask spend import``: a spend file imported from the command line through the same service as the officers'
page, with the JSON scripts depend on (issue 13's command line contract)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.spend.lifecycle import SpendBatchStatus
from app.models import Council
from app.models.spend import Payment, SpendBatch, SpendMapping
from tests.factories import CouncilSetup
from tests.services.spend.test_importing import APRIL, HEADER, csv_bytes


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def april(tmp_path: Path) -> Path:
    path = tmp_path / "april.csv"
    path.write_bytes(csv_bytes([*APRIL, ["Acme Supplies Ltd", "06/04/2024", "lots", "T9", "Highways"]]))
    return path


def run(runner: FlaskCliRunner, *args: str | Path) -> Any:
    return runner.invoke(args=["spend", "import", *(str(a) for a in args)])


def as_json(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def uploads(app: Flask) -> set[str]:
    return {p.name for p in Path(app.config["UPLOAD_FOLDER"]).iterdir()}


def test_json_gives_the_counts_scripts_depend_on(
    runner: FlaskCliRunner, session: Session, knowsley: CouncilSetup, april: Path
) -> None:
    result = as_json(run(runner, april, "--json"))
    assert result["rows"] == 6 and result["payments"] == 5 and result["rejected"] == 1
    assert result["rows"] == result["payments"] + result["rejected"]
    assert result["total_pence"] == 125_000 + 273_000 - 25_000 + 9_999 * 2
    assert result["file_total_pence"] is None
    assert result["duplicates"] == 0 and result["blank"] == 0
    assert result["rejected_by_code"] == {"amount": 1}
    assert (result["period_start"], result["period_end"]) == ("2024-04-03", "2024-04-12")
    batch = session.get(SpendBatch, result["batch"])
    assert batch is not None and batch.status == SpendBatchStatus.IMPORTED
    assert batch.council_id == knowsley.council.id
    assert session.scalar(select(func.count()).select_from(Payment)) == 5
    # The command line confirms the guessed columns for this file only: the officer's saved mapping is theirs.
    assert session.scalar(select(func.count()).select_from(SpendMapping)) == 0


def test_without_json_it_says_what_happened(
    runner: FlaskCliRunner, session: Session, knowsley: CouncilSetup, tmp_path: Path
) -> None:
    path = tmp_path / "may.csv"
    path.write_bytes(csv_bytes([*APRIL[:2], ["Total", "", "3,980.00", "", ""]]))
    result = run(runner, path, "--council", "E08000011")
    assert result.exit_code == 0, result.output
    assert "2 rows read: 2 payments and 0 rejected" in result.output
    assert "The file's total row says £3,980.00: equal to the amounts read" in result.output
    assert "Payments total £3,980.00" in result.output
    path.write_bytes(csv_bytes([*APRIL[:2], ["Total", "", "4,000.00", "", ""]]))
    result = run(runner, path, "--council", "E08000011")
    assert "The file's total row says £4,000.00: a difference of £20" in result.output


def test_a_file_whose_total_row_agrees_says_so(
    runner: FlaskCliRunner, session: Session, knowsley: CouncilSetup, tmp_path: Path
) -> None:
    path = tmp_path / "may.csv"
    path.write_bytes(csv_bytes([*APRIL[:2], ["Total", "", "3,980.00", "", ""]]))
    result = as_json(run(runner, path, "--json"))
    assert result["file_total_pence"] == 398_000 and result["total_difference_pence"] == 0


def test_nothing_readable_exits_non_zero_and_keeps_nothing(
    app: Flask, runner: FlaskCliRunner, session: Session, knowsley: CouncilSetup, tmp_path: Path
) -> None:
    before = uploads(app)
    path = tmp_path / "no-amount.csv"
    path.write_bytes(csv_bytes([["Acme", "05/04/2024"]], ["Supplier Name", "Payment Date"]))
    result = run(runner, path, "--json")
    assert result.exit_code != 0
    assert "The file has no column for the amount" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = run(runner, empty)
    assert result.exit_code != 0 and "empty" in result.output
    assert session.scalar(select(func.count()).select_from(SpendBatch)) == 0
    assert uploads(app) == before  # the refused files' stored copies are gone


def test_rejected_rows_are_not_a_failure(
    runner: FlaskCliRunner, session: Session, knowsley: CouncilSetup, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["Acme", "05/04/2024", "unknown", "T1", "X"]]))
    result = as_json(run(runner, path, "--json"))
    assert result["rows"] == 1 and result["payments"] == 0 and result["rejected"] == 1


def test_the_same_file_again_is_refused(
    runner: FlaskCliRunner, session: Session, knowsley: CouncilSetup, april: Path
) -> None:
    first = as_json(run(runner, april, "--json"))
    again = run(runner, april, "--json")
    assert again.exit_code != 0
    assert f"(import {first['batch']})" in again.output and "uploaded before" in again.output


def test_a_named_mapping_is_used(
    runner: FlaskCliRunner, session: Session, knowsley: CouncilSetup, tmp_path: Path
) -> None:
    header = ["Payee", "When", "Value"]
    path = tmp_path / "odd.csv"
    path.write_bytes(csv_bytes([["Acme", "05/04/2024", "10.00"]], header))
    refused = run(runner, path, "--json")
    assert refused.exit_code != 0 and "no column for the date paid" in refused.output
    session.add(
        SpendMapping(
            council_id=knowsley.council.id,
            publisher="Odd Council",
            columns={"supplier_name": "Payee", "date": "When", "amount": "Value"},
        )
    )
    session.commit()
    unknown = run(runner, path, "--mapping", "Nobody")
    assert unknown.exit_code != 0 and "no saved column mapping for 'Nobody'" in unknown.output
    result = as_json(run(runner, path, "--mapping", "Odd Council", "--json"))
    assert result["payments"] == 1 and result["publisher"] == "Odd Council"


def test_the_council_must_be_named_when_there_are_several(
    runner: FlaskCliRunner, session: Session, knowsley: CouncilSetup, april: Path
) -> None:
    liverpool = Council(name="Liverpool City Council", district=knowsley.neighbour)
    session.add(liverpool)
    session.commit()
    result = run(runner, april)
    assert result.exit_code != 0
    assert "There are 2 councils: say which with --council" in result.output and "E08000012" in result.output
    assert run(runner, april, "--council", "E99999999").exit_code != 0
    chosen = as_json(run(runner, april, "--council", "E08000012", "--json"))
    assert session.get_one(SpendBatch, chosen["batch"]).council_id == liverpool.id


def test_a_workbook_sheet_is_chosen_with_sheet(
    runner: FlaskCliRunner, session: Session, knowsley: CouncilSetup, tmp_path: Path
) -> None:
    from tests.services.spend.test_importing import workbook

    path = tmp_path / "spend.xlsx"
    path.write_bytes(workbook({"Notes": [["About"]], "April": [HEADER, ["Acme", "05/04/2024", "10", "T1", "X"]]}))
    asked = run(runner, path)
    assert asked.exit_code != 0 and "April" in asked.output
    result = as_json(run(runner, path, "--sheet", "April", "--json"))
    assert result["payments"] == 1


def test_there_must_be_a_council(runner: FlaskCliRunner, session: Session, april: Path) -> None:
    result = run(runner, april)
    assert result.exit_code != 0 and "no council yet" in result.output
