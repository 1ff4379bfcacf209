"""Loading seed_data/: reference data and the Co-operatives UK demo data, each idempotent.

Loading every UK postcode takes half a minute, so these tests load a sample of the real directory
(tests/fixtures/postcodes_sample.csv.gz, built by make_postcode_sample.py); the full load is
exercised by ``flask seed`` in ``make test`` and measured by ``make bench``.
"""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.policy import AreaKind, ContractType, LocalityRule, VatBasis
from app.domain.providers import Placement, ProviderSource, ProviderStatus
from app.domain.roles import Role
from app.geo.placement import SitePlacer, apply_placement
from app.geo.postcode_directory import PostcodeStore
from app.models import (
    Area,
    AuditEvent,
    Council,
    CpvCode,
    Postcode,
    PostcodeRelease,
    Provider,
    ServiceCategory,
    Site,
    SpendBand,
    StatutoryThreshold,
)
from app.models.base import utcnow
from app.services.accounts import authenticate
from app.services.audit import Actor
from app.services.seed import SeedError, SeedReport, load_demo_data, load_reference_data
from tests.samples import DEPRIVATION_SAMPLE

SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"
ACTOR = Actor.system("test seed")
PASSWORD = "demo password for tests"
NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
KNOWSLEY = "E08000011"
TRAFFORD = "E08000009"
# The six districts of the Liverpool City Region (DOMAIN.md section 5).
LCR = frozenset({"E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015"})
_COOPS_UK = "social_economy/coops_uk_open_data_organisations_2017-06.csv.gz"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLE = (FIXTURES / "postcodes_sample.csv.gz", FIXTURES / "postcodes_sample_wards.csv.gz")


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _csv(relative: str) -> list[dict[str, str]]:
    path = SEED_DIR / relative
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:  # type: ignore[operator]
        return list(csv.DictReader(handle))


# --- The authored files, checked without a database ---------------------------------------------


def test_every_cpv_code_named_by_a_service_category_is_in_the_cpv_file() -> None:
    cpv = {row["CODE"] for row in _csv("codes/cpv_2008_codes_en.csv")}
    assert len(cpv) == 9454
    categories = _csv("services/service_categories.csv")
    assert len(categories) >= 25
    for row in categories:
        codes = row["cpv_codes"].split(";")
        assert codes, row["slug"]
        assert set(codes) <= cpv, (row["slug"], set(codes) - cpv)


def test_coops_uk_sectors_cover_the_file_and_name_real_categories() -> None:
    sectors = {row["sector"]: row["category_slugs"] for row in _csv("services/coops_uk_sectors.csv")}
    slugs = {row["slug"] for row in _csv("services/service_categories.csv")}
    in_file = {row["Sector - Simplified, High Level"] for row in _csv(_COOPS_UK)} - {""}
    assert set(sectors) == in_file
    for sector, mapped in sectors.items():
        assert {s for s in mapped.split(";") if s} <= slugs, sector


# --- Reference data ------------------------------------------------------------------------------


def test_reference_data_loads_and_a_second_run_changes_nothing(session: Session) -> None:
    first = load_reference_data(session, SEED_DIR, ACTOR, postcode_files=SAMPLE, deprivation_files=DEPRIVATION_SAMPLE)
    assert first.changed
    # 4 countries, 9 regions, 10 combined authorities, 361 current districts, 266 wards
    assert first.count("areas", "created") == 650
    assert _count(session, Area) == 650
    assert _count(session, CpvCode) == 9454
    assert _count(session, StatutoryThreshold) == 15
    assert _count(session, ServiceCategory) >= 25
    assert all(c.cpv_codes for c in session.scalars(select(ServiceCategory)))
    assert first.count("postcodes", "created") == _count(session, Postcode) > 14_000
    release = session.scalar(select(PostcodeRelease))
    assert release is not None and release.active and release.with_wards > 14_000

    second = load_reference_data(session, SEED_DIR, ACTOR, postcode_files=SAMPLE, deprivation_files=DEPRIVATION_SAMPLE)
    assert not second.changed
    assert all(outcome in {"unchanged"} for bucket in second.counts.values() for outcome, n in bucket.items() if n)
    assert second.lines()[-1] == "Nothing was created or changed: everything was already loaded."
    assert _count(session, Area) == 650
    assert _count(session, PostcodeRelease) == 1
    assert session.scalar(select(func.count()).where(AuditEvent.action == "reference_data.loaded")) == 1


def test_knowsley_has_its_wards_council_bands_and_thresholds(session: Session) -> None:
    load_reference_data(session, SEED_DIR, ACTOR, postcode_files=SAMPLE, deprivation_files=DEPRIVATION_SAMPLE)

    knowsley = session.scalar(select(Area).where(Area.code == KNOWSLEY))
    assert knowsley is not None
    assert knowsley.kind == AreaKind.DISTRICT
    assert knowsley.parent is not None and knowsley.parent.code == "E12000002"  # North West
    assert knowsley.combined_authority is not None and knowsley.combined_authority.code == "E47000004"
    assert knowsley.boundary is not None and '"type"' in knowsley.boundary
    wards = session.scalars(select(Area).where(Area.parent_id == knowsley.id, Area.kind == AreaKind.WARD)).all()
    assert len(wards) == 15
    assert all(w.boundary for w in wards)

    council = session.scalar(select(Council).where(Council.district_id == knowsley.id))
    assert council is not None
    assert council.name == "Knowsley Council"
    assert council.wider_area is not None and council.wider_area.code == "E47000004"

    bands = {b.code: b for b in session.scalars(select(SpendBand).where(SpendBand.council_id == council.id))}
    assert set(bands) == {"A", "B", "C", "D"}
    a, b, c, d = bands["A"], bands["B"], bands["C"], bands["D"]
    assert (a.lower_pence, a.upper_pence, a.min_quotes, a.locality_rule) == (
        0,
        500_000,
        1,
        LocalityRule.LOCAL_ONLY,
    )
    assert (b.lower_pence, b.upper_pence, b.min_quotes, b.locality_rule) == (
        500_000,
        18_100_001,
        3,
        LocalityRule.LOCAL_ONLY,
    )
    assert (c.lower_pence, c.upper_pence, c.upper_is_statutory_threshold) == (18_100_001, None, True)
    assert c.advertised and c.locality_rule == LocalityRule.OPEN
    assert d.lower_is_statutory_threshold and d.upper_pence is None and d.locality_rule == LocalityRule.OPEN
    assert [x.vat_basis for x in (a, b, c, d)] == [VatBasis.EXCLUDED] * 3 + [VatBasis.INCLUDED]

    goods_2026 = session.scalar(
        select(StatutoryThreshold).where(
            StatutoryThreshold.contract_type == ContractType.GOODS_AND_SERVICES,
            StatutoryThreshold.effective_from == date(2026, 1, 1),
        )
    )
    assert goods_2026 is not None
    assert (goods_2026.amount_pence, goods_2026.vat_basis) == (20_772_000, VatBasis.INCLUDED)


def _seed_with(tmp_path: Path, relative: str, key: str, change: dict[str, dict[str, str]]) -> Path:
    """A copy of seed_data (links, but for the file ``relative``) with ``change`` made to the rows it names by
    their ``key`` column."""
    folder, name = relative.split("/")
    for entry in SEED_DIR.iterdir():
        if entry.name != folder:
            (tmp_path / entry.name).symlink_to(entry)
    (tmp_path / folder).mkdir()
    for entry in (SEED_DIR / folder).iterdir():
        if entry.name != name:
            (tmp_path / folder / entry.name).symlink_to(entry)
    rows = _csv(relative)
    with (tmp_path / relative).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, **change.get(row[key], {})} for row in rows)
    return tmp_path


def test_a_changed_row_is_updated_and_the_same_codes_in_another_order_are_not(session: Session, tmp_path: Path) -> None:
    load_reference_data(session, SEED_DIR, ACTOR, postcode_files=SAMPLE, deprivation_files=DEPRIVATION_SAMPLE)
    rows = _csv("services/service_categories.csv")
    reordered = ";".join(reversed(rows[0]["cpv_codes"].split(";")))
    assert reordered != rows[0]["cpv_codes"]
    change = {rows[0]["slug"]: {"cpv_codes": reordered}, rows[1]["slug"]: {"description": "Changed."}}

    again = load_reference_data(
        session, _seed_with(tmp_path, "services/service_categories.csv", "slug", change), ACTOR, postcode_files=SAMPLE
    )

    assert again.counts["service categories"] == {"unchanged": len(rows) - 1, "updated": 1}
    assert f"Service categories: {len(rows) - 1} unchanged, 1 updated" in again.lines()
    assert again.changed and again.count("areas", "unchanged") == 650


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # One band's values, by the rules of the officers' band form (app/domain/bands.py band_value_problems).
        (
            {"A": {"upper_pounds": "0", "rationale": ""}},
            "Spend band A of Knowsley Council: The upper limit must be more than the lower limit. "
            "Enter why the band is reserved to local providers",
        ),
        # The file, unlike the form, can give both ends of a band at once.
        ({"C": {"upper_pounds": "200000"}}, "Spend band C of Knowsley Council: give an upper amount or the "),
        # The whole set, by the rules every change on the band pages must keep (band_set_issues).
        (
            {"D": {"locality_rule": "local_only"}},
            "The spend bands of Knowsley Council in policy/spend_bands.csv would not work from 24 February 2025. "
            "Above the statutory threshold cannot be local only",
        ),
    ],
)
def test_spend_bands_the_band_rules_refuse_are_not_loaded(
    session: Session, tmp_path: Path, change: dict[str, dict[str, str]], message: str
) -> None:
    with pytest.raises(SeedError) as refused:
        load_reference_data(
            session, _seed_with(tmp_path, "policy/spend_bands.csv", "code", change), ACTOR, postcode_files=SAMPLE
        )
    assert str(refused.value).startswith(message)
    assert _count(session, SpendBand) == 0


def test_a_knowsley_postcode_places_a_site_in_knowsley_and_its_ward(session: Session) -> None:
    load_reference_data(session, SEED_DIR, ACTOR, postcode_files=SAMPLE, deprivation_files=DEPRIVATION_SAMPLE)
    placer = SitePlacer(PostcodeStore(session))
    site = Site(postcode="L36 9GD")
    apply_placement(site, placer.place(site.postcode), utcnow())
    assert site.placement == Placement.POSTCODE
    assert site.district_code == KNOWSLEY
    ward = session.scalar(select(Area).where(Area.code == site.ward_code))
    assert ward is not None and ward.kind == AreaKind.WARD
    assert ward.name == "Roby" and ward.parent is not None and ward.parent.code == KNOWSLEY

    for typed, note in [
        ("L99 9ZZ", "Postcode L99 9ZZ is not in the postcode directory"),
        ("not a postcode", "'not a postcode' is not a full UK postcode"),
        ("", "There is no postcode for this address"),
    ]:
        site = Site(postcode=typed)
        apply_placement(site, placer.place(site.postcode), utcnow())
        assert (site.placement, site.placement_note) == (Placement.NOT_PLACED, note)


# --- Demo data -----------------------------------------------------------------------------------


def _expected_demo_references() -> set[str]:
    """Live Co-ops UK organisations with a registered postcode in an LCR district, straight from the files."""
    district_of = {row["postcode"]: row["lad_code"] for row in _csv(str(SAMPLE[1])) if row["lad_code"] in LCR}
    expected = set()
    for row in _csv(_COOPS_UK):
        squashed = "".join(row["Registered Postcode"].split()).upper()
        postcode = f"{squashed[:-3]} {squashed[-3:]}"
        if row["Registered Status"] == "Live" and postcode in district_of:
            expected.add(row["CUK Organisation ID"])
    return expected


@pytest.fixture
def demo(session: Session) -> SeedReport:
    load_reference_data(session, SEED_DIR, ACTOR, postcode_files=SAMPLE, deprivation_files=DEPRIVATION_SAMPLE)
    # The spend demo's file (38,055 payments) is imported by one test of its own, below.
    return load_demo_data(session, SEED_DIR, ACTOR, PASSWORD, NOW, spend=False)


def test_demo_data_imports_only_live_providers_in_the_city_region(session: Session, demo: SeedReport) -> None:
    expected = _expected_demo_references()
    assert len(expected) > 100
    providers = session.scalars(select(Provider)).all()
    assert {p.source_reference for p in providers} == expected
    assert demo.count("providers", "created") == len(expected)
    for provider in providers:
        assert provider.status == ProviderStatus.VERIFIED and provider.status_changed_at == NOW
        assert provider.source == ProviderSource.IMPORTED
        assert not provider.claimed
        [site] = provider.sites
        assert site.placement == Placement.POSTCODE
        assert site.district_code in LCR
        assert [a.code for a in provider.areas_served] == [site.district_code]
    assert session.scalar(select(func.count()).where(AuditEvent.action == "provider.imported")) == len(expected)
    assert session.scalar(select(func.count()).where(AuditEvent.action == "import_batch.created")) == 1

    credit_union = session.scalar(select(Provider).where(Provider.source_reference == "R011605"))
    assert credit_union is not None
    assert credit_union.name == "Knowsley Mutual Credit Union Limited"
    assert [i.org_id for i in credit_union.identifiers] == ["GB-MPR-255C"]
    assert [(f.kind.value, f.value) for f in credit_union.facts] == [("member_owned", "yes")]
    assert credit_union.sites[0].district_code == KNOWSLEY


def test_the_demo_import_records_what_it_did_like_any_import(session: Session, demo: SeedReport) -> None:
    from app.domain.review_queue import QueueStatus
    from app.models import ImportBatch, ImportChange
    from app.services.verification import QueueFilters, imported_batches, review_queue_page

    created = demo.count("providers", "created")
    [batch] = session.scalars(select(ImportBatch)).all()
    assert batch.counts["rows"] == batch.counts["created"] == created
    assert batch.counts["updated"] == batch.counts["unchanged"] == batch.counts["rejected"] == 0
    assert batch.outcome == f"{created:,} new organisations added."
    assert batch.committed_at == batch.checked_at == NOW and batch.publish_verified
    assert session.scalar(select(func.count()).select_from(ImportChange).where(ImportChange.batch_id == batch.id)) == (
        created
    )
    assert batch in imported_batches(session)
    published = review_queue_page(session, QueueFilters(QueueStatus.PUBLISHED_IMPORT, batch_id=batch.id))
    assert published.total == created
    load_demo_data(
        session, SEED_DIR, ACTOR, PASSWORD, NOW, spend=False
    )  # a second load changes nothing, so says what the first did
    assert batch.counts["created"] == created


def test_a_second_demo_load_creates_nothing(session: Session, demo: SeedReport) -> None:
    providers = _count(session, Provider)
    again = load_demo_data(session, SEED_DIR, ACTOR, PASSWORD, NOW, spend=False)
    assert not again.changed
    assert again.count("providers", "unchanged") == providers
    assert _count(session, Provider) == providers
    assert again.demo_accounts == demo.demo_accounts


def test_demo_accounts_sign_in(session: Session, demo: SeedReport) -> None:
    roles = dict(demo.demo_accounts)
    assert set(roles.values()) == {r.value for r in Role}
    for email, role in demo.demo_accounts:
        user = authenticate(session, email, PASSWORD, NOW)
        assert user is not None, email
        assert user.role == Role(role)
        assert user.email_confirmed_at is not None
        if user.role == Role.PROVIDER:
            assert user.provider is not None and user.provider.source_reference == "R011605"
            assert user.council is None
        else:
            expected = TRAFFORD if email.endswith("@trafford.example") else KNOWSLEY
            assert user.council is not None and user.council.district.code == expected
    assert authenticate(session, demo.demo_accounts[0][0], "the wrong password", NOW) is None


def test_the_spend_demo_sets_up_a_council_and_imports_its_published_file_once(session: Session) -> None:
    from app.domain.spend.lifecycle import SpendBatchStatus
    from app.models import Council, Payment, SpendBatch

    load_reference_data(session, SEED_DIR, ACTOR, postcode_files=SAMPLE, deprivation_files=DEPRIVATION_SAMPLE)
    report = load_demo_data(session, SEED_DIR, ACTOR, PASSWORD, NOW)

    trafford = session.scalars(select(Council).where(Council.name == "Trafford Council")).one()
    assert trafford.district.code == TRAFFORD and trafford.wider_area is not None
    assert "demo" in (trafford.local_area_rationale or "").lower()
    [batch] = session.scalars(select(SpendBatch)).all()
    assert batch.council_id == trafford.id and batch.status == SpendBatchStatus.IMPORTED
    assert batch.file_name == "trafford-supplier-spend-2026-27.zip"
    counts = batch.counts
    assert counts["rows"] == counts["payments"] + counts["rejected"] == 38_055
    assert _count(session, Payment) == counts["payments"] == report.count("payments", "created")
    assert batch.publisher == "Trafford Council"

    again = load_demo_data(session, SEED_DIR, ACTOR, PASSWORD, NOW)
    assert again.count("spend files", "unchanged") == 1
    assert _count(session, SpendBatch) == 1 and _count(session, Payment) == counts["payments"]
