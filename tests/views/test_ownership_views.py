"""Ownership from the PSC register where officers and the public read it: the officer's review shows the chain with
its evidence and the offshore signal; the public page shows the ultimate parent and its country as facts matched to
a public register, with the register's date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import ProviderIdentifier
from app.services.audit import Actor
from app.services.ownership import load_psc
from app.services.register_checks import check_providers
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")

SNAPSHOT = Path(__file__).parents[1] / "fixtures" / "psc" / "persons-with-significant-control-snapshot-2026-12-01.txt"


@pytest.fixture
def owned(session: Session, knowsley: factories.CouncilSetup) -> int:
    provider = factories.provider(session, "Care Homes Ltd", ward_code=knowsley.ward.code)
    provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="01000001", org_id="GB-COH-01000001"))
    load_psc(session, [SNAPSHOT], date(2026, 12, 4))
    check_providers(session, None, Actor.system("test"), datetime(2026, 12, 4, 9, tzinfo=UTC))
    session.commit()
    return provider.id


def test_the_officer_reads_the_ownership_chain_with_its_evidence(officer_client: FlaskClient, owned: int) -> None:
    page = officer_client.get(f"/officer/providers/{owned}/review").get_data(as_text=True)
    assert "Who owns it, on the PSC register" in page
    assert "persons with significant control of 1 December 2026, for company number 01000001" in page
    assert (
        "Companies House PSC register of 1 December 2026: CARE GROUP LIMITED (United Kingdom) holds 75-100% of the "
        "shares and 75-100% of the votes, and has the right to appoint and remove the directors, of Care Homes Ltd; "
        "CARE GROUP (JERSEY) LIMITED (Jersey) holds 75-100% of the shares and 75-100% of the votes of CARE GROUP "
        "LIMITED."
    ) in page
    assert "Offshore financial centre" in page
    assert "A signal to weigh: listed lower in commissioners\N{RIGHT SINGLE QUOTATION MARK} results" in page
    assert "Ultimate parent CARE GROUP (JERSEY) LIMITED: registered in Jersey, an offshore financial centre" in page
    assert "Changes to check" in page  # flagged for an officer, still published


def test_the_public_page_shows_the_parent_and_its_country_as_register_facts(client: FlaskClient, owned: int) -> None:
    page = client.get(f"/directory/{owned}").get_data(as_text=True)
    assert "Ultimate parent company" in page and "CARE GROUP (JERSEY) LIMITED" in page
    assert "Country of the ultimate parent" in page and "Jersey" in page
    assert page.count("Matched to a public register") >= 2 and "As of 1 December 2026" in page
    assert "offshore financial centre" not in page  # the officer's finding is not published as it stands
