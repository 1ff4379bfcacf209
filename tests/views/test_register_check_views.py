"""What a register check found, where officers and the public read it: the officer's review page sets the
register's record beside the organisation's answers with the differences tagged; the public page says when each
number was last checked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.domain.registers import Register
from app.models import ProviderIdentifier
from app.services.audit import Actor
from app.services.register_checks import check_providers
from app.services.registers import load_register
from tests import factories
from tests.registers_data import company_row, write_companies

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
