"""`flask registers load|lookup|match`: the command line contract scripts depend on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, ProviderIdentifier
from tests import factories
from tests.registers_data import COMPANIES_SAMPLE, company_row, write_companies


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def companies(tmp_path: Path) -> Path:
    rows = [
        company_row("00000001", "K.P. DODD LIMITED", **{"RegAddress.PostCode": "L36 9GD"}),
        company_row("08209948", "PAGE MOSS COMMUNITY NAVIGATORS CIC", CompanyCategory="Community Interest Company"),
        company_row("SC000003", "GONE AWAY LTD", CompanyStatus="Dissolved", DissolutionDate="01/02/2024"),
    ]
    return write_companies(tmp_path / "BasicCompanyData-2026-12-01.zip", rows, parts=2)


def test_load_exits_0_says_what_it_loaded_and_records_it(
    runner: FlaskCliRunner, session: Session, companies: Path
) -> None:
    result = runner.invoke(args=["registers", "load", "companies-house", str(companies)])

    assert result.exit_code == 0, result.output
    assert "Loaded 3 organisations from Companies House as of 1 December 2026" in result.output
    assert "By status: Active 2; Dissolved 1" in result.output
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "register_release.activated")).one()
    assert event.changes["rows"] == 3 and event.actor_label == "command line"  # type: ignore[index]

    again = runner.invoke(args=["registers", "load", "companies-house", str(companies)])
    assert again.exit_code == 0 and "already the active release" in again.output


def test_a_file_that_cannot_load_exits_1_with_its_reason(runner: FlaskCliRunner, tmp_path: Path) -> None:
    wrong = tmp_path / "suppliers.csv"
    wrong.write_text("Supplier,Amount\nACME,10\n", encoding="utf-8")
    result = runner.invoke(args=["registers", "load", "companies-house", str(wrong)])
    assert result.exit_code == 1
    assert "suppliers.csv is not Companies House's BasicCompanyData" in result.output
    assert "Traceback" not in result.output


def test_lookup_prints_the_record_and_json_and_a_number_that_lost_its_zeros_finds_it(
    runner: FlaskCliRunner, companies: Path
) -> None:
    assert runner.invoke(args=["registers", "load", "companies-house", str(companies)]).exit_code == 0

    words = runner.invoke(args=["registers", "lookup", "8209948"])
    assert words.exit_code == 0, words.output
    assert "PAGE MOSS COMMUNITY NAVIGATORS CIC (GB-COH-08209948)" in words.output
    assert "Companies House, 1 December 2026" in words.output
    assert "Community Interest Company (legal form: Community interest company (CIC))" in words.output

    as_json = runner.invoke(args=["registers", "lookup", "SC3", "--json"])
    [record] = json.loads(as_json.output)
    assert record["number"] == "SC000003" and record["live"] == "gone" and record["ended_on"] == "2024-02-01"

    missing = runner.invoke(args=["registers", "lookup", "12345678"])
    assert missing.exit_code == 1 and "No loaded register has 12345678." in missing.output


def test_match_prints_candidates_as_json_for_names_given_and_from_a_file(
    runner: FlaskCliRunner, companies: Path, tmp_path: Path
) -> None:
    assert runner.invoke(args=["registers", "load", "companies-house", str(companies)]).exit_code == 0
    names = tmp_path / "payees.txt"
    names.write_text("Page Moss Community Navigators C.I.C.\n\nNobody Ltd\n", encoding="utf-8")

    result = runner.invoke(args=["registers", "match", "K P DODD", "--file", str(names), "--json"])

    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert [a["name"] for a in answer] == ["K P DODD", "Page Moss Community Navigators C.I.C.", "Nobody Ltd"]
    assert [(c["number"], c["name"], c["score"]) for c in answer[0]["candidates"]] == [
        ("00000001", "K.P. DODD LIMITED", 100.0)
    ]
    assert answer[1]["candidates"][0]["number"] == "08209948"
    assert answer[2]["candidates"] == []

    words = runner.invoke(args=["registers", "match", "K P DODD"])
    assert "100.0  K.P. DODD LIMITED (GB-COH-00000001, Active, L36 9GD): the same name" in words.output
    assert runner.invoke(args=["registers", "match"]).exit_code == 2  # nothing to match


@pytest.mark.skipif(not COMPANIES_SAMPLE.exists(), reason="the shared register samples are not here")
def test_the_published_sample_loads_from_the_command_line(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["registers", "load", "companies-house", str(COMPANIES_SAMPLE)])
    assert result.exit_code == 0, result.output
    assert json.loads(runner.invoke(args=["registers", "lookup", "08209948", "--json"]).output)[0]["name"] == "! LTD"


def test_check_puts_what_changed_in_the_queue_and_says_so(
    runner: FlaskCliRunner, session: Session, companies: Path
) -> None:
    assert "No public register is loaded" in runner.invoke(args=["registers", "check"]).output
    gone = factories.provider(session, "Gone Away Ltd")
    gone.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="SC000003", org_id="GB-COH-SC000003"))
    session.commit()
    assert runner.invoke(args=["registers", "load", "companies-house", str(companies)]).exit_code == 0

    result = runner.invoke(args=["registers", "check"])

    assert result.exit_code == 0, result.output
    assert "Checked 1 number of 1 provider against Companies House" in result.output
    assert f"Gone Away Ltd (#{gone.id}): Companies House lists it as dissolved since 1 February 2024" in result.output
    assert "Nothing new for an officer to look at." in runner.invoke(args=["registers", "check"]).output
