"""Companies House's PSC snapshot loaded as a release (organisations kept, people only counted), and what it says
owns a provider: facts matched to a public register where the provider gave no answer, findings where it differs
or the parent is offshore."""

from __future__ import annotations

import gzip
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.eligibility import OFFSHORE_PARENT_WEIGHT, generative_signals, signal_score
from app.domain.ownership import OwnerKind
from app.domain.providers import EvidenceState, FactKind, ProviderStatus
from app.domain.registers import RegisterFileError
from app.models import AuditEvent, Provider, ProviderFact, ProviderIdentifier, RegisterRelease
from app.models.ownership import CompanyController, ProviderOwnership, PscCompany
from app.services.audit import Actor
from app.services.ownership import (
    NO_CORPORATE_OWNER,
    active_psc_release,
    check_provider_ownership,
    company_ownership,
    load_psc,
    purge_superseded_psc,
)
from app.services.register_checks import check_providers
from app.services.registers import active_releases
from tests import factories

SNAPSHOT = Path(__file__).parents[1] / "fixtures" / "psc" / "persons-with-significant-control-snapshot-2026-12-01.txt"
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
ACTOR = Actor.system("test")


def _lines() -> list[str]:
    return SNAPSHOT.read_text(encoding="utf-8").splitlines()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _zipped(path: Path, members: dict[str, list[str]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, lines in members.items():
            archive.writestr(member, "\n".join(lines) + "\n")
    return path


def _with_number(session: Session, name: str, number: str, **options: object) -> Provider:
    provider = factories.provider(session, name, **options)  # type: ignore[arg-type]
    provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value=number, org_id=f"GB-COH-{number}"))
    session.flush()
    return provider


def test_the_snapshot_loads_organisations_only_and_counts_the_rest(session: Session, tmp_path: Path) -> None:
    archive = _zipped(
        tmp_path / "persons-with-significant-control-snapshot-2026-12-01.zip",
        {"psc-snapshot-2026-12-01_1of1.txt": _lines()},
    )
    seen: list[tuple[int, float]] = []
    result = load_psc(session, [archive], date(2026, 12, 4), progress=lambda rows, share: seen.append((rows, share)))

    release = result.release
    assert result.created and release.active and release.register == "psc"
    assert release.published_on == date(2026, 12, 1) and release.row_count == 5
    assert seen[-1] == (5, 1.0)
    kept = session.scalars(select(CompanyController).where(CompanyController.release_id == release.id)).all()
    assert sorted(row.kind for row in kept) == ["corporate"] * 4 + ["legal-person"]
    assert {row.name for row in kept} >= {"CARE GROUP LIMITED", "CARE GROUP (JERSEY) LIMITED"}
    # Nothing of the individual's is anywhere in the release: not the name, not the birth date, not the address.
    stored = json.dumps(
        [[str(v) for v in vars(row).values()] for row in kept] + [release.counts, release.name], default=str
    )
    for private in ("Quillfeather", "1961", "HG1 1ND", "Princes Square", "Huarong Plaza", "Station Road"):
        assert private not in stored
    counts = release.counts
    assert counts["records"] == {  # type: ignore[index]
        "organisations kept (corporate entities and legal persons)": 5,
        "people (counted, never kept)": 2,
        "owners of overseas entities (counted, not kept)": 1,
        "statements": 1,
        "exemptions": 1,
    }
    companies = session.scalars(select(PscCompany).where(PscCompany.company_number == "03000003")).one()
    assert (companies.people, companies.organisations, companies.statements) == (1, 1, 1)
    # The registers of organisations do not see the PSC release.
    assert active_releases(session) == {}


def test_the_same_files_again_change_nothing_and_a_new_snapshot_replaces_the_old(
    session: Session, tmp_path: Path
) -> None:
    first = load_psc(session, [SNAPSHOT], date(2026, 12, 4))
    again = load_psc(session, [SNAPSHOT], date(2026, 12, 4))
    assert not again.created and again.release.id == first.release.id

    gz = tmp_path / "persons-with-significant-control-snapshot-2027-01-01.txt.gz"
    gz.write_bytes(gzip.compress(SNAPSHOT.read_bytes()))
    second = load_psc(session, [gz], date(2027, 1, 2))
    assert second.created and second.replaced == [first.release.name]
    assert active_psc_release(session) == second.release
    assert purge_superseded_psc(session) == 1
    assert session.scalar(select(func.count()).select_from(CompanyController)) == 5


def test_split_parts_load_together_with_the_totals_in_the_last(session: Session, tmp_path: Path) -> None:
    lines = _lines()
    part1 = _zipped(tmp_path / "psc-snapshot-2026-12-01_1of2.zip", {"psc-snapshot-2026-12-01_1of2.txt": lines[:5]})
    part2 = _zipped(tmp_path / "psc-snapshot-2026-12-01_2of2.zip", {"psc-snapshot-2026-12-01_2of2.txt": lines[5:]})
    result = load_psc(session, [part1, part2], date(2026, 12, 4))
    assert result.release.row_count == 5 and result.release.published_on == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["CompanyName, CompanyNumber", "ACME LTD,01234567"], "a.txt is not Companies House's PSC snapshot"),
        (_lines()[:3], "ends without the snapshot's totals line: it is probably cut short"),
        ([*_lines()[:3], _lines()[3][:60]], r"a.txt, line 4 is not a line of JSON"),
        (
            [*_lines()[:3], *_lines()[4:]],
            "the snapshot's totals line does not agree with what was read \\(the totals line counts \\d+ records "
            "\\(\\d+ persons with significant control, 1 statement, \\d+ exemptions?\\), the file held \\d+\\)",
        ),
    ],
)
def test_bad_input_loads_nothing_and_says_why(session: Session, tmp_path: Path, lines: list[str], message: str) -> None:
    load_psc(session, [SNAPSHOT], date(2026, 12, 1))
    before = active_psc_release(session)
    with pytest.raises(RegisterFileError, match=message), session.begin_nested():  # the caller rolls back
        load_psc(session, [_write(tmp_path / "a.txt", lines)], date(2026, 12, 4))
    assert active_psc_release(session) == before  # the previous release stays active


def test_a_zip_cut_short_loads_nothing(session: Session, tmp_path: Path) -> None:
    whole = _zipped(tmp_path / "whole.zip", {"psc.txt": _lines() * 40})
    cut = tmp_path / "persons-with-significant-control-snapshot-2026-12-01.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(RegisterFileError, match="cut short or damaged"):
        load_psc(session, [cut], date(2026, 12, 4))


def test_unknown_kinds_are_counted_not_fatal(session: Session, tmp_path: Path) -> None:
    lines = _lines()
    odd = json.dumps({"company_number": "09000009", "data": {"kind": "a-new-kind-of-record"}})
    totals = json.loads(lines[-1])
    totals["data"]["persons_of_significant_control_count"] += 1
    result = load_psc(session, [_write(tmp_path / "a.txt", [*lines[:-1], odd, json.dumps(totals)])], date(2026, 12, 4))
    assert result.release.counts["unknown_kinds"] == {"a-new-kind-of-record": 1}


def test_the_ownership_chain_of_a_company(session: Session) -> None:
    load_psc(session, [SNAPSHOT], date(2026, 12, 4))
    offshore = company_ownership(session, "1000001", "CARE HOMES LIMITED")  # lost its leading zero
    assert offshore is not None and offshore.kind == OwnerKind.OFFSHORE and len(offshore.chain) == 2
    assert offshore.evidence(date(2026, 12, 1)).startswith(
        "Companies House PSC register of 1 December 2026: CARE GROUP LIMITED (United Kingdom) holds 75-100% of the "
        "shares and 75-100% of the votes, and has the right to appoint and remove the directors, of CARE HOMES "
        "LIMITED; CARE GROUP (JERSEY) LIMITED (Jersey) holds"
    )
    individuals = company_ownership(session, "03000003", "X")
    assert individuals is not None and individuals.kind == OwnerKind.NO_CORPORATE_OWNER  # its BVI owner ceased
    delaware = company_ownership(session, "04000004", "X")
    assert delaware is not None and delaware.kind == OwnerKind.OUTSIDE_UK
    government = company_ownership(session, "05000005", "X")
    assert government is not None and government.parent_country is not None
    assert government.parent_country.name == "China"
    assert company_ownership(session, "08888888", "NOT THERE LTD") is None  # not on the register: nothing to say


def test_the_parent_fills_unanswered_facts_and_is_never_written_over_an_answer(session: Session) -> None:
    release = load_psc(session, [SNAPSHOT], date(2026, 12, 4)).release
    unanswered = _with_number(session, "Care Homes Ltd", "01000001")
    answered = _with_number(session, "Care Group Ltd", "02000002")
    answered.facts.append(
        ProviderFact(
            kind=FactKind.ULTIMATE_PARENT, value="Care Group Holdings Ltd", evidence=EvidenceState.SELF_DECLARED
        )
    )
    answered.facts.append(
        ProviderFact(kind=FactKind.PARENT_COUNTRY, value="England", evidence=EvidenceState.SELF_DECLARED)
    )
    not_known = _with_number(session, "Example Parent UK Ltd", "04000004")
    not_known.facts.append(ProviderFact(kind=FactKind.ULTIMATE_PARENT, value=None, evidence=EvidenceState.UNKNOWN))
    session.flush()

    findings, new = check_provider_ownership(session, unanswered, release, NOW)
    facts = {f.kind: f for f in unanswered.facts}
    assert facts[FactKind.ULTIMATE_PARENT].value == "CARE GROUP (JERSEY) LIMITED"
    assert facts[FactKind.PARENT_COUNTRY].value == "Jersey"
    assert {f.evidence for f in facts.values()} == {EvidenceState.REGISTER_MATCHED}
    assert facts[FactKind.PARENT_COUNTRY].as_of == date(2026, 12, 1)
    # The offshore parent counts against it in a commissioner's results (listed lower, never excluded).
    without = signal_score(generative_signals(unanswered.legal_form, {}, 0))
    assert unanswered.signal_score == without + OFFSHORE_PARENT_WEIGHT
    assert (
        findings
        == new
        == ["Ultimate parent CARE GROUP (JERSEY) LIMITED: registered in Jersey, an offshore financial centre"]
    )

    findings, _ = check_provider_ownership(session, answered, release, NOW)
    facts = {f.kind: f for f in answered.facts}
    assert facts[FactKind.ULTIMATE_PARENT].value == "Care Group Holdings Ltd"  # never overwritten
    assert facts[FactKind.ULTIMATE_PARENT].evidence == EvidenceState.SELF_DECLARED
    assert findings == [
        "Ultimate parent CARE GROUP (JERSEY) LIMITED: registered in Jersey, an offshore financial centre",
        "Ultimate parent company: the organisation said Care Group Holdings Ltd; the Companies House PSC register says "
        "CARE GROUP (JERSEY) LIMITED",
        "Country of the ultimate parent: the organisation said England; the Companies House PSC register says Jersey",
    ]

    check_provider_ownership(session, not_known, release, NOW)
    facts = {f.kind: f for f in not_known.facts}
    assert facts[FactKind.ULTIMATE_PARENT].value == "EXAMPLE PARENT, INC."  # "not known" is filled
    assert facts[FactKind.PARENT_COUNTRY].value == "United States"
    record = session.scalars(select(ProviderOwnership).where(ProviderOwnership.provider_id == not_known.id)).one()
    assert record.owner_kind == "outside_uk" and not record.offshore and record.finding_lines == []
    assert "EXAMPLE PARENT, INC. (United States) holds 75-100% of the shares" in record.evidence


def test_no_corporate_owner_is_said_and_an_earlier_matched_country_goes(session: Session) -> None:
    release = load_psc(session, [SNAPSHOT], date(2026, 12, 4)).release
    provider = _with_number(session, "Owned By People Ltd", "03000003")
    provider.facts.append(
        ProviderFact(
            kind=FactKind.PARENT_COUNTRY, value="British Virgin Islands", evidence=EvidenceState.REGISTER_MATCHED
        )
    )
    session.flush()
    findings, _ = check_provider_ownership(session, provider, release, NOW)
    facts = {f.kind: f for f in provider.facts}
    assert facts[FactKind.ULTIMATE_PARENT].value == NO_CORPORATE_OWNER and findings == []
    assert FactKind.PARENT_COUNTRY not in facts


def test_the_register_check_flags_an_offshore_parent_once(session: Session) -> None:
    load_psc(session, [SNAPSHOT], date(2026, 12, 4))
    provider = _with_number(session, "Care Homes Ltd", "01000001", status=ProviderStatus.VERIFIED)
    plain = _with_number(session, "Example Parent UK Ltd", "04000004")

    report = check_providers(session, None, ACTOR, NOW)
    assert report.registers == [
        "Companies House PSC snapshot, persons-with-significant-control-snapshot-2026-12-01.txt"
    ]
    flagged = {provider_id: findings for provider_id, _name, findings in report.flagged}
    assert flagged == {
        provider.id: ["Ultimate parent CARE GROUP (JERSEY) LIMITED: registered in Jersey, an offshore financial centre"]
    }
    assert plain.id not in flagged
    session.expire_all()
    assert provider.awaiting_review and provider.status == ProviderStatus.VERIFIED  # flagged, not excluded
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "provider.register_check_flagged")).one()
    assert "ownership (PSC register)" in event.changes  # type: ignore[operator]

    again = check_providers(session, None, ACTOR, NOW)
    assert again.flagged == []  # the same finding is not raised twice
    assert session.scalar(select(func.count()).select_from(RegisterRelease)) == 1
