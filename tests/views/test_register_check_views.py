"""What a register check found, where officers and the public read it: the officer's review page sets the
register's record beside the organisation's answers with the differences tagged; the public page says when each
number was last checked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.registers import Register
from app.jobs.register_checks import progress_store
from app.models import ProviderIdentifier, RegisterCheckRun
from app.services.audit import Actor
from app.services.ownership import load_psc
from app.services.register_checks import check_providers
from app.services.registers import load_register
from tests import factories
from tests.registers_data import company_row, write_companies
from tests.views.conftest import post_form

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def checked(session: Session, knowsley: factories.CouncilSetup, tmp_path: Path) -> int:
    provider = factories.provider(session, "Page Moss Navigators CIC", ward_code=knowsley.ward.code)
    provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="00000001", org_id="GB-COH-00000001"))
    rows = [company_row("00000001", "<b>LIVERPOOL</b> NAVIGATORS LIMITED", CompanyStatus="Liquidation")]
    path = write_companies(tmp_path / "BasicCompanyData-2026-12-01.csv", rows)
    load_register(session, Register.COMPANIES_HOUSE, [path], datetime(2026, 12, 4, tzinfo=UTC).date())
    check_providers(session, None, Actor.system("test"), datetime(2026, 12, 4, 9, tzinfo=UTC))
    session.commit()
    return provider.id


def test_the_officer_sees_the_register_beside_the_answers_with_what_the_check_found(
    officer_client: FlaskClient, checked: int
) -> None:
    page = officer_client.get(f"/officer/providers/{checked}/review").get_data(as_text=True)
    assert "On the public registers" in page and "Companies House: 00000001" in page
    assert "Last checked against Companies House on 4 December 2026 (its register of 1 December 2026)" in page
    assert "Companies House lists it as liquidation" in page
    assert (
        "Its registered name is &lt;b&gt;LIVERPOOL&lt;/b&gt; NAVIGATORS LIMITED (was Page Moss Navigators CIC)" in page
    )
    assert "Private Limited Company (Private company)" in page and "Community interest company (CIC)" in page
    assert page.count("Different\n</strong>") == 2  # the name and the legal form
    assert "Changes to check" in page  # it is in the queue


def test_the_public_page_says_when_each_number_was_last_checked(client: FlaskClient, checked: int) -> None:
    page = client.get(f"/directory/{checked}").get_data(as_text=True)
    assert "Last checked against Companies House on 4 December 2026 (its register of 1 December 2026)" in page
    assert "liquidation" not in page  # the findings are for the officer to weigh, not published as they stand


def test_an_officer_starts_the_check_and_reads_what_it_found(
    officer_client: FlaskClient, session: Session, knowsley: factories.CouncilSetup, tmp_path: Path
) -> None:
    page = officer_client.get("/officer/registers").get_data(as_text=True)
    assert "Not loaded. Load it with" in page and "No check has been run from here yet." in page
    nothing = post_form(officer_client, "/officer/registers/check", {})
    assert "No public register is loaded yet" in officer_client.get(nothing.headers["Location"]).get_data(as_text=True)

    provider = factories.provider(session, "Gone Away CIC", ward_code=knowsley.ward.code)
    provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="00000009", org_id="GB-COH-00000009"))
    rows = [company_row("00000009", "GONE AWAY CIC", CompanyStatus="Dissolved", DissolutionDate="01/10/2026")]
    load_register(session, Register.COMPANIES_HOUSE, [write_companies(tmp_path / "c.csv", rows)], date(2026, 12, 4))
    session.commit()

    started = post_form(officer_client, "/officer/registers/check", {})  # run inline in tests
    assert started.status_code == 302
    page = officer_client.get("/officer/registers").get_data(as_text=True)
    assert "Companies House, c.csv" in page and "1 provider (1 number)" in page
    assert "Gone Away CIC" in page and "Companies House lists it as dissolved since 1 October 2026" in page
    run = session.scalars(select(RegisterCheckRun)).one()
    assert run.status == "finished" and run.started_by_label != ""
    progress = officer_client.get(f"/officer/registers/checks/{run.id}/progress.json").get_json()
    assert progress["running"] is False and progress["words"] == "Checked 1 provider"


def test_a_running_check_shows_its_progress_and_is_not_started_twice(
    officer_client: FlaskClient, session: Session, tmp_path: Path
) -> None:
    rows = [company_row("00000009", "ANY CIC")]
    load_register(session, Register.COMPANIES_HOUSE, [write_companies(tmp_path / "c.csv", rows)], date(2026, 12, 4))
    run = RegisterCheckRun(status="running", started_by_label="An officer", flagged=[])
    session.add(run)
    session.commit()
    progress_store.clear(run.id)  # kept in this process's memory between tests (ids start again after a rollback)
    page = officer_client.get("/officer/registers").get_data(as_text=True)
    assert 'data-app-import-progress="/officer/registers/checks/' in page and "<progress" in page
    assert "Waiting to start" in page and "app/import-progress.js" in page
    again = post_form(officer_client, "/officer/registers/check", {})
    assert "A check is running already" in officer_client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(session.scalars(select(RegisterCheckRun)).all()) == 1


def test_starting_a_check_without_a_csrf_token_is_refused(officer_client: FlaskClient, session: Session) -> None:
    response = officer_client.post("/officer/registers/check", data={})
    assert response.status_code == 400
    assert "Sorry, there is a problem with this form" in response.get_data(as_text=True)
    assert session.scalars(select(RegisterCheckRun)).first() is None


def test_the_psc_register_alone_is_listed_and_can_be_checked_against(
    officer_client: FlaskClient, session: Session, knowsley: factories.CouncilSetup
) -> None:
    snapshot = (
        Path(__file__).parent.parent / "fixtures" / "psc" / "persons-with-significant-control-snapshot-2026-12-01.txt"
    )
    release = load_psc(session, [snapshot], date(2026, 12, 4)).release
    provider = factories.provider(session, "Owned Ltd", ward_code=knowsley.ward.code)
    provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="00000009", org_id="GB-COH-00000009"))
    session.commit()
    page = officer_client.get("/officer/registers").get_data(as_text=True)
    assert "The Companies House PSC register" in page and release.source_files in page
    started = post_form(officer_client, "/officer/registers/check", {})
    assert started.status_code == 302
    page = officer_client.get(started.headers["Location"]).get_data(as_text=True)
    assert "No public register is loaded yet" not in page
    assert "Companies House PSC snapshot, persons-with" in page and "1 provider (0 numbers)" in page
