"""``flask spend report``: a council's spend report from the command line, as text or as JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from app.cli.spend_report import report_command
from app.models import Council
from tests.factories import CouncilSetup
from tests.services.spend.test_report import Scene, build_scene


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def scene(session: Session, knowsley: CouncilSetup) -> Scene:
    return build_scene(session, knowsley)


def run(runner: FlaskCliRunner, *args: str) -> Any:
    """The command for Knowsley (the scene has Liverpool's council too), unless the arguments name a council."""
    chosen = [] if "--council" in args else ["--council", "E08000011"]
    return runner.invoke(report_command, [*chosen, *args])


def as_json(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def test_json_for_a_quarter_given_by_its_dates(runner: FlaskCliRunner, scene: Scene) -> None:
    report = as_json(run(runner, "--council", "E08000011", "--from", "2026-04-01", "--to", "2026-06-30", "--json"))
    assert report["period"]["kind"] == "quarter" and report["period"]["label"] == "Q1 2026-27 (April to June 2026)"
    assert (report["total"]["pence"], report["total"]["payments"]) == (115_000_00, 12)
    assert (report["measured"]["pence"], report["local"]["share"]) == (100_000_00, 0.44)
    assert {row["key"]: row["share"] for row in report["places"]}["local_branched"] == 0.15
    assert report["dimension"] == "service_area"
    assert report["method"]["note"][0].startswith("Local means Knowsley")
    assert report["method"]["files"][0]["file_name"] == "knowsley-q1.csv"


def test_text_has_the_headline_shares_and_method_note(runner: FlaskCliRunner, scene: Scene) -> None:
    result = run(runner, "--from", "2026-04-01", "--to", "2026-06-30")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Spend report: Knowsley Council, Q1 2026-27 (April to June 2026)" in text
    assert "Knowsley Council paid £115,000 in 12 payments in Q1 2026-27 (April to June 2026)." in text
    assert "Local (Knowsley): 44.0% (£44,000)." in text
    assert "Largest by service area (local share):\n  Highways: £59,000 (35.6% local)" in text
    assert "Method note:\n  Local means Knowsley" in text
    assert "Credits (negative amounts) are netted off" in text


def test_with_no_dates_the_latest_financial_year(runner: FlaskCliRunner, scene: Scene) -> None:
    report = as_json(run(runner, "--json", "--dimension", "department"))
    assert report["period"]["label"] == "2026-27" and report["dimension"] == "department"
    # 2026-27 holds the quarter and the payment on 1 July 2026; 31 March 2026 is in 2025-26.
    assert report["total"]["payments"] == 13


def test_a_range_that_is_not_a_month_quarter_or_year(runner: FlaskCliRunner, scene: Scene) -> None:
    report = as_json(run(runner, "--from", "10/4/2026", "--to", "2026-05-10", "--json"))
    assert report["period"] == {
        "kind": "range",
        "value": "2026-04-10/2026-05-10",
        "label": "10 April 2026 to 10 May 2026",
        "start": "2026-04-10",
        "end": "2026-05-10",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-04-01"], "Enter the end date (--to)"),
        (["--to", "2026-04-01"], "Enter the start date (--from)"),
        (
            ["--from", "2026-04-31", "--to", "2026-05-01"],
            "The start date must be a real date, like 2026-04-01 (--from)",
        ),
        (["--from", "2026-05-01", "--to", "2026-04-01"], "The end date must be the same as or after the start date"),
        (["--council", "E09999999"], "No council with district code E09999999"),
    ],
)
def test_bad_input_gets_a_clear_message_and_a_non_zero_exit(
    runner: FlaskCliRunner, scene: Scene, args: list[str], message: str
) -> None:
    result = run(runner, *args)
    assert result.exit_code != 0 and message in result.output


def test_no_payments_yet(runner: FlaskCliRunner, knowsley: CouncilSetup) -> None:
    result = runner.invoke(report_command, [])  # the only council
    assert result.exit_code == 1
    assert "No payments from Knowsley Council have been imported yet" in result.output
    empty = as_json(run(runner, "--from", "2026-04-01", "--to", "2026-04-30", "--json"))
    assert empty["total"]["payments"] == 0 and empty["local"]["share"] is None


def test_several_councils_need_saying_which(runner: FlaskCliRunner, session: Session, scene: Scene) -> None:
    assert session.get(Council, scene.council.id) is not None
    # build_scene added Liverpool's council beside Knowsley.
    result = runner.invoke(report_command, [])
    assert result.exit_code != 0 and "There are 2 councils: say which with --council" in result.output
    assert as_json(run(runner, "--council", "e08000011", "--json"))["council"] == "Knowsley Council"


def test_it_is_flask_spend_report(runner: FlaskCliRunner, scene: Scene) -> None:
    result = runner.invoke(args=["spend", "report", "--council", "E08000011", "--from", "2026-04-01", "--to",
                                 "2026-06-30", "--json"])  # fmt: skip
    assert as_json(result)["total"]["pence"] == 115_000_00
    assert "Report where a council's money went" in runner.invoke(args=["spend", "report", "--help"]).output
