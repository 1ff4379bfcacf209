"""Checking providers against the public registers: what changed goes to the officers' queue once, in words, and
nothing the provider said is changed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.companies_house_api import entry_from_profile
from app.domain.locality import LocalArea
from app.domain.providers import LegalForm, ProviderStatus
from app.domain.registers import Register
from app.models import AuditEvent, Postcode, PostcodeRelease, Provider, ProviderIdentifier, ProviderRegisterRecord
from app.services.audit import Actor
from app.services.register_checks import NothingToCheckAgainst, check_providers
from app.services.registers import entries_for_numbers, load_register, record_register_details
from tests import factories
from tests.registers_data import company_row, write_companies

LOCAL = "L36 9GD"
KNOWSLEY = LocalArea("Knowsley", frozenset({"E08000011"}))
ACTOR = Actor.system("test")
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def postcodes(session: Session) -> None:
    release = PostcodeRelease(name="test", source_file="test", sha256="x", source_format="test", active=True)
    session.add(release)
    session.flush()
    for postcode, district in [("L36 9GD", "E08000011"), ("L1 8JQ", "E08000012")]:
        session.add(
            Postcode(
                release_id=release.id,
                postcode=postcode,
                outcode=postcode.split()[0],
                latitude=53.4,
                longitude=-2.9,
                district_code=district,
            )
        )
    session.flush()


def _with_number(session: Session, name: str, number: str, **options: object) -> Provider:
    provider = factories.provider(session, name, **options)  # type: ignore[arg-type]
    provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value=number, org_id=f"GB-COH-{number}"))
    session.flush()
    return provider


def _release(session: Session, tmp_path: Path, name: str, rows: list[list[str]]) -> None:
    load_register(session, Register.COMPANIES_HOUSE, [write_companies(tmp_path / name, rows)], NOW.date())
    session.flush()


@pytest.mark.usefixtures("postcodes")
def test_what_changed_on_the_register_is_put_in_the_queue_once_and_nothing_is_changed(
    session: Session, tmp_path: Path
) -> None:
    cic = "Community Interest Company"
    moving = _with_number(session, "Page Moss Navigators CIC", "00000001")
    steady = _with_number(session, "Huyton Gardens CIC", "00000002")
    vanished = _with_number(session, "Stockbridge Youth CIC", "00000099")
    _release(
        session,
        tmp_path,
        "BasicCompanyData-2026-11-01.csv",
        [
            company_row(
                "00000001", "PAGE MOSS NAVIGATORS CIC", CompanyCategory=cic, **{"RegAddress.PostCode": "L36 9GD"}
            ),
            company_row("00000002", "HUYTON GARDENS CIC", CompanyCategory=cic),
            company_row("00000099", "STOCKBRIDGE YOUTH CIC", CompanyCategory=cic),
        ],
    )
    # Page Moss Navigators confirmed its details at registration.
    [entry] = [e for e in entries_for_numbers(session, ["GB-COH-00000001"]).values() if e]
    record_register_details(session, moving.id, entry, confirmed_by_id=None, now=NOW)

    first = check_providers(session, KNOWSLEY, ACTOR, NOW)
    assert first.providers == 3 and first.numbers == 3 and first.flagged == []

    _release(
        session,
        tmp_path,
        "BasicCompanyData-2026-12-01.csv",
        [
            company_row(
                "00000001",
                "LIVERPOOL NAVIGATORS LIMITED",
                CompanyStatus="Dissolved",
                DissolutionDate="02/11/2026",
                **{"RegAddress.PostCode": "L1 8JQ"},
            ),
            company_row("00000002", "HUYTON GARDENS CIC", CompanyCategory=cic),
        ],
    )
    report = check_providers(session, KNOWSLEY, ACTOR, NOW)

    flagged = {provider_id: findings for provider_id, _name, findings in report.flagged}
    assert flagged[moving.id] == [
        "Companies House lists it as dissolved since 2 November 2026",
        "Its registered name is LIVERPOOL NAVIGATORS LIMITED (was PAGE MOSS NAVIGATORS CIC)",
        "Its registered office moved from L36 9GD to L1 8JQ, outside Knowsley",
        "Its legal form on the register is private company (was community interest company (CIC))",
    ]
    assert flagged[vanished.id] == ["Not on Companies House's register of 1 December 2026"]
    assert steady.id not in flagged
    session.expire_all()
    assert moving.awaiting_review and vanished.awaiting_review and not steady.awaiting_review
    assert moving.name == "Page Moss Navigators CIC" and moving.legal_form == LegalForm.CIC  # nothing changed
    record = session.scalars(
        select(ProviderRegisterRecord).where(ProviderRegisterRecord.provider_id == moving.id)
    ).one()
    assert record.name == "LIVERPOOL NAVIGATORS LIMITED" and record.findings.count("\n") == 3
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "provider.register_check_flagged")).all()
    assert {e.entity_id for e in events} == {str(moving.id), str(vanished.id)}

    again = check_providers(session, KNOWSLEY, ACTOR, NOW)
    assert again.flagged == []  # the same findings are not raised twice


def test_a_submitted_provider_is_checked_and_a_draft_is_not(session: Session, tmp_path: Path) -> None:
    submitted = _with_number(session, "Submitted CIC", "00000001", status=ProviderStatus.SUBMITTED)
    _with_number(session, "Draft CIC", "00000002", status=ProviderStatus.DRAFT)
    liquidating = company_row(
        "00000001", "SUBMITTED CIC", CompanyStatus="Liquidation", CompanyCategory="Community Interest Company"
    )
    _release(session, tmp_path, "c.csv", [liquidating])
    report = check_providers(session, None, ACTOR, NOW)
    assert report.providers == 1
    assert report.flagged == [(submitted.id, "Submitted CIC", ["Companies House lists it as liquidation"])]
    assert submitted.status == ProviderStatus.SUBMITTED and not submitted.awaiting_review  # already in the queue


def test_with_no_register_loaded_the_check_says_so(session: Session) -> None:
    with pytest.raises(NothingToCheckAgainst, match="No public register is loaded"):
        check_providers(session, None, ACTOR, NOW)


def test_a_company_confirmed_online_after_the_release_is_not_flagged_until_a_later_release_lacks_it(
    session: Session, tmp_path: Path
) -> None:
    new = _with_number(session, "Brand New CIC", "15000001")
    _release(session, tmp_path, "BasicCompanyData-2026-12-01.csv", [company_row("00000002", "OTHER LTD")])
    profile = {
        "company_number": "15000001",
        "company_name": "BRAND NEW CIC",
        "company_status": "active",
        "type": "private-limited-guarant-nsc",
        "subtype": "community-interest-company",
        "registered_office_address": {"address_line_1": "1 New Street", "postal_code": "L36 9GD"},
    }
    # Registered on 2 December, after the loaded release of 1 December: found on the online service at registration.
    fetched = datetime(2026, 12, 3, 14, 2, tzinfo=UTC)
    record_register_details(session, new.id, entry_from_profile(profile, fetched), confirmed_by_id=None, now=fetched)

    report = check_providers(session, None, ACTOR, NOW)
    assert report.numbers == 1 and report.flagged == []  # the release's silence says nothing about it
    record = session.scalars(select(ProviderRegisterRecord).where(ProviderRegisterRecord.provider_id == new.id)).one()
    assert record.last_checked == "Last checked against Companies House's online service on 3 December 2026"

    _release(session, tmp_path, "BasicCompanyData-2027-01-01.csv", [company_row("00000003", "ANOTHER LTD")])
    later = check_providers(session, None, ACTOR, NOW.replace(year=2027, month=1, day=4))
    assert later.flagged == [(new.id, "Brand New CIC", ["Not on Companies House's register of 1 January 2027"])]
