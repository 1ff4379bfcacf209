"""Bulk CSV import (issue 6), the service: store, map, check, decide, commit, the reports, and the job runner.

Every import here is of a small CSV built in the test (or the real Co-operatives UK file at the end), into a
register holding Knowsley (factories) and a postcode directory of real rows copied from the sample in
tests/fixtures. The services never commit; these tests commit where a view, the CLI or a job would.

The helpers and fixtures are shared with test_imports_undo.py and tests/cli/test_imports.py.
"""

from __future__ import annotations

import csv
import errno
import gzip
import hashlib
import io
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.imports.fields import MappingError
from app.domain.imports.lifecycle import ImportStatus, StepRefused
from app.domain.imports.reading import ImportFormatError
from app.domain.names import NEAR_MATCH_SCORE
from app.domain.providers import LegalForm, Placement, ProviderSource, ProviderStatus, SiteKind
from app.geo.postcode_directory import load_release
from app.jobs import imports as jobs
from app.jobs import runner
from app.models import (
    AuditEvent,
    ImportBatch,
    ImportChange,
    ImportIssue,
    ImportMapping,
    Provider,
    ProviderIdentifier,
    ServiceCategory,
    Site,
)
from app.models.base import utcnow
from app.services import fulltext
from app.services.audit import Actor
from app.services.imports import mapping, planning, plans, results, steps, storage, undoing
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE = FIXTURES / "postcodes_sample.csv.gz"
SAMPLE_WARDS = FIXTURES / "postcodes_sample_wards.csv.gz"
COOPS_UK = ROOT / "seed_data" / "social_economy" / "coops_uk_open_data_organisations_2017-06.csv.gz"
CATEGORIES = ROOT / "seed_data" / "services" / "service_categories.csv"

ACTOR = Actor.system("test import")
MAX_BYTES = 5 * 1024 * 1024
KNOWSLEY = "E08000011"
LIVERPOOL = "E08000012"
ROBY = "E05010942"  # the Knowsley ward L36 9GD lies in
#: Real postcodes copied from the sample: three in Knowsley and one in Liverpool city centre.
DIRECTORY_POSTCODES = ("L36 9GD", "L28 1AA", "L10 0AD", "L1 8JQ")
#: A real postcode (Manchester) whose postcode district is in no directory these tests load.
NOT_IN_DIRECTORY = "M60 0AG"

#: The columns of the files built here, keyed by the names the row builder takes.
COLUMNS = {
    "name": "Name",
    "legal_form": "Legal form",
    "number": "Registered number",
    "registrar": "Registrar",
    "address": "Address",
    "town": "Town",
    "postcode": "Postcode",
    "email": "Email",
    "website": "Website",
    "sector": "Sector",
    "description": "Description",
}
HEADER = list(COLUMNS.values())


# --- Building files ---------------------------------------------------------------------------------------------------


def line(**values: str) -> list[str]:
    """A data row of the standard file; blank where a value is not given."""
    unknown = set(values) - set(COLUMNS)
    assert not unknown, unknown
    return [values.get(key, "") for key in COLUMNS]


def csv_bytes(
    rows: Sequence[Sequence[str]], *, header: Sequence[str] | None = HEADER, delimiter: str = ",", encoding="utf-8"
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def data_rows(data: bytes, header_row_number: int = 1, encoding: str = "utf-8-sig", delimiter: str = ",") -> int:
    """Data rows as the csv module reads them (independently of the import): non-blank records below the header."""
    reader = csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter)
    return sum(
        1 for index, record in enumerate(reader, 1) if index > header_row_number and any(c.strip() for c in record)
    )


# --- Running the service ----------------------------------------------------------------------------------------------


def upload(session: Session, folder: Path, data: bytes, name: str = "suppliers.csv", **kw: Any) -> ImportBatch:
    """Store an upload and begin a batch for it (its columns mapped automatically)."""
    stored = storage.store_upload(io.BytesIO(data), folder, MAX_BYTES)
    return mapping.begin(session, ACTOR, stored, name, folder, **kw)


def checked(
    session: Session, tools: planning.Collaborators, data: bytes, *, name: str = "suppliers.csv", verified: bool = False
) -> tuple[ImportBatch, plans.ImportCounts]:
    """Upload and check a file, committing as a view would."""
    batch = upload(session, tools.folder, data, name)
    batch.publish_verified = verified
    counts = steps.check(session, batch, tools, now=utcnow())
    session.commit()
    return batch, counts


def imported(
    session: Session, tools: planning.Collaborators, data: bytes, *, name: str = "suppliers.csv", verified: bool = False
) -> tuple[ImportBatch, plans.ImportCounts]:
    """Upload, check and commit a file."""
    batch, _ = checked(session, tools, data, name=name, verified=verified)
    counts = steps.commit(session, ACTOR, batch, tools, now=utcnow())
    session.commit()
    return batch, counts


def assert_counts_add_up(counts: plans.ImportCounts | Mapping[str, Any], rows: int) -> None:
    c = counts.as_dict() if isinstance(counts, plans.ImportCounts) else counts
    total = c["created"] + c["updated"] + c["unchanged"] + c["rejected"] + c["possible_match"]
    total += c.get("archived", 0) + c.get("flagged", 0)
    assert total == c["rows"] == rows, c


def count(session: Session, model: type, *where: object) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def provider_named(session: Session, name: str) -> Provider:
    found = session.scalars(select(Provider).where(Provider.name == name)).all()
    assert len(found) == 1, (name, found)
    return found[0]


def problems_of(session: Session, batch: ImportBatch, kind: str | None = None) -> list[ImportIssue]:
    kinds = [kind] if kind else ["error", "warning"]
    return results.issues(session, batch, kinds)


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def existing(
    session: Session,
    name: str,
    postcode: str = "L36 9GD",
    *,
    org_id: str | None = None,
    claimed: bool = False,
    **fields: Any,
) -> Provider:
    """A provider already on the register (self-registered, verified, with a trading site), committed."""
    provider = factories.provider(session, name, postcode=postcode)
    provider.claimed = claimed
    for key, value in fields.items():
        setattr(provider, key, value)
    if org_id:
        scheme, _, value = org_id.rpartition("-")
        provider.identifiers.append(ProviderIdentifier(scheme=scheme, value=value, org_id=org_id))
    session.commit()
    return provider


def category(session: Session, slug: str) -> ServiceCategory:
    found = session.scalar(select(ServiceCategory).where(ServiceCategory.slug == slug))
    assert found is not None, slug
    return found


# --- Fixtures ---------------------------------------------------------------------------------------------------------


def _copy_rows(source: Path, target: Path, keep: Iterator[str] | Sequence[str]) -> Path:
    wanted = set(keep)
    with gzip.open(source, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if row[0] in wanted]
    assert {row[0] for row in rows} == wanted, wanted - {row[0] for row in rows}
    with gzip.open(target, "wt", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return target


@pytest.fixture(scope="session", name="small_directory")
def small_directory_fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A postcode directory of a few real rows (and their wards) from the sample: quick to load per test."""
    folder = tmp_path_factory.mktemp("small-directory")
    return (
        _copy_rows(SAMPLE, folder / "postcodes.csv.gz", DIRECTORY_POSTCODES),
        _copy_rows(SAMPLE_WARDS, folder / "wards.csv.gz", DIRECTORY_POSTCODES),
    )


def add_categories(session: Session) -> None:
    """The register's service categories as seeded (their CPV codes are not needed here)."""
    with CATEGORIES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            session.add(ServiceCategory(slug=row["slug"], name=row["name"], description=row["description"]))
    session.flush()


@pytest.fixture(autouse=True)
def _own_progress_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs here report progress to a store of their own, so batch ids reused by the next test see none of it."""
    monkeypatch.setattr(jobs, "progress_store", runner.ProgressStore("import"))


@pytest.fixture(name="folder")
def folder_fixture(app: Flask) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


@pytest.fixture(name="register")
def register_fixture(session: Session, knowsley: factories.CouncilSetup, small_directory: tuple[Path, Path]) -> None:
    """Knowsley, the service categories and the small postcode directory, committed."""
    postcodes, wards = small_directory
    load_release(session, postcodes, wards_from=wards)
    add_categories(session)
    session.commit()


@pytest.fixture(name="tools")
def tools_fixture(session: Session, register: None, folder: Path) -> planning.Collaborators:
    return planning.collaborators(session, folder, jobs.SECTORS_FILE)


# --- The dry run and the commit ---------------------------------------------------------------------------------------

THREE_ORGANISATIONS = [
    line(
        name="Roby Community Garden CIC",
        legal_form="CIC",
        number="12345678",
        registrar="Companies House",
        address="1 Roby Road",
        town="Huyton",
        postcode="L36 9GD",
        email="hello@robygarden.example",
        website="www.robygarden.example",
        sector="Health and Social Care",
        description="A community garden.",
    ),
    line(
        name="Stockbridge Tenants Co-operative",
        legal_form="Society",
        number="31129",
        registrar="FCA",
        postcode="l28 1aa",
        sector="Housing",
    ),
    line(name="Liverpool Printers Ltd", postcode="L1 8JQ", sector="Printing and design"),
]


def test_check_is_a_dry_run_that_writes_nothing_to_the_register(
    session: Session, tools: planning.Collaborators
) -> None:
    data = csv_bytes(THREE_ORGANISATIONS)
    batch, counts = checked(session, tools, data)

    assert counts.created == 3 and counts.rejected == 0
    assert_counts_add_up(counts, data_rows(data))
    assert batch.status == ImportStatus.CHECKED and batch.checked_at is not None and batch.committed_at is None
    assert batch.counts["rows"] == 3 and batch.counts["created"] == 3
    assert count(session, Provider) == 0
    assert count(session, Site) == 0
    assert count(session, ProviderIdentifier) == 0
    assert count(session, ImportChange) == 0
    assert events(session, "import.committed") == []


def test_commit_creates_providers_placed_in_their_district_with_org_ids_and_services(
    session: Session, tools: planning.Collaborators
) -> None:
    data = csv_bytes(THREE_ORGANISATIONS)
    batch, counts = imported(session, tools, data, name="Knowsley list.csv")

    assert (counts.created, counts.updated, counts.unchanged, counts.rejected) == (3, 0, 0, 0)
    assert_counts_add_up(counts, 3)
    garden = provider_named(session, "Roby Community Garden CIC")
    assert garden.status == ProviderStatus.SUBMITTED
    assert garden.source == ProviderSource.IMPORTED
    assert garden.claimed is False
    assert garden.import_batch_id == batch.id
    assert garden.legal_form == LegalForm.CIC
    assert garden.website == "https://www.robygarden.example"
    assert garden.contact_email == "hello@robygarden.example"
    assert garden.description == "A community garden."
    assert [i.org_id for i in garden.identifiers] == ["GB-COH-12345678"]
    assert sorted(c.slug for c in garden.services) == ["adult-social-care-and-home-support", "health-and-wellbeing"]
    [office] = garden.sites
    assert office.kind == SiteKind.REGISTERED_OFFICE
    assert (office.postcode, office.district_code, office.ward_code) == ("L36 9GD", KNOWSLEY, ROBY)
    assert office.placement == Placement.POSTCODE and office.latitude is not None
    assert office.address == "1 Roby Road\nHuyton" and office.town == "Huyton"

    coop = provider_named(session, "Stockbridge Tenants Co-operative")
    assert [i.org_id for i in coop.identifiers] == ["GB-MPR-31129"]
    assert coop.legal_form == LegalForm.COOPERATIVE
    assert [c.slug for c in coop.services] == ["housing-and-tenancy-support"]
    assert [(s.postcode, s.district_code) for s in coop.sites] == [("L28 1AA", KNOWSLEY)]  # written tidily

    printers = provider_named(session, "Liverpool Printers Ltd")
    assert [(s.postcode, s.district_code) for s in printers.sites] == [("L1 8JQ", LIVERPOOL)]
    assert [c.slug for c in printers.services] == ["printing-and-design"]  # a category named in the cell

    session.expire_all()
    batch = session.get(ImportBatch, batch.id)
    assert batch is not None
    assert batch.status == ImportStatus.IMPORTED and batch.committed_at is not None
    assert batch.sha256 == hashlib.sha256(data).hexdigest()
    assert batch.file_name == "Knowsley list.csv" and batch.file_size == len(data)
    assert batch.mapping == {
        "name": "Name",
        "legal_form": "Legal form",
        "registration_number": "Registered number",
        "registrar": "Registrar",
        "address": "Address",
        "town": "Town",
        "postcode": "Postcode",
        "email": "Email",
        "website": "Website",
        "services": "Sector",
        "description": "Description",
    }
    assert batch.counts["created"] == 3 and batch.counts["rows"] == 3
    assert count(session, ImportChange, ImportChange.batch_id == batch.id, ImportChange.action == "created") == 3
    [event] = events(session, "import.committed")
    assert event.entity_type == "import_batch" and event.entity_id == str(batch.id)
    assert event.actor_label == "test import"
    assert event.changes["counts"]["created"] == 3


def test_publish_verified_makes_new_providers_verified(session: Session, tools: planning.Collaborators) -> None:
    imported(session, tools, csv_bytes(THREE_ORGANISATIONS[:1]), verified=True)
    garden = provider_named(session, "Roby Community Garden CIC")
    assert garden.status == ProviderStatus.VERIFIED and garden.verified_at is not None


def test_a_check_leaves_the_stored_file_and_mapping_reusable_by_name(
    session: Session, tools: planning.Collaborators
) -> None:
    data = csv_bytes([["Roby Garden", "L36 9GD", "x"]], header=["Organisation", "Post code", "Notes"])
    batch = upload(session, tools.folder, data)
    mapping.confirm_mapping(session, ACTOR, batch, {"description": "Notes"}, save_as="  Roby   list ")
    session.commit()
    saved = session.scalar(select(ImportMapping))
    assert saved is not None and saved.name == "Roby list"
    assert saved.columns == {"name": "Organisation", "postcode": "Post code", "description": "Notes"}

    again = upload(session, tools.folder, data, mapping_name="Roby list")
    assert again.mapping == saved.columns
    with pytest.raises(MappingError, match="no saved mapping called 'Nope'"):
        upload(session, tools.folder, data, mapping_name="Nope")


def test_progress_is_reported_to_the_end_of_the_file(session: Session, tools: planning.Collaborators) -> None:
    seen: list[tuple[int, float]] = []
    batch = upload(session, tools.folder, csv_bytes(THREE_ORGANISATIONS))
    steps.check(session, batch, tools, lambda rows, fraction: seen.append((rows, fraction)), now=utcnow())
    assert seen and seen[-1] == (3, 1.0)


# --- Matching ---------------------------------------------------------------------------------------------------------


def test_a_row_matches_by_org_id_whatever_its_name(session: Session, tools: planning.Collaborators) -> None:
    provider = existing(session, "Old Name CIC", org_id="GB-COH-12345678")
    data = csv_bytes([line(name="New Name CIC", number="12345678", registrar="Companies House", postcode="L10 0AD")])
    _, counts = imported(session, tools, data)

    assert (counts.created, counts.updated) == (0, 1)
    assert_counts_add_up(counts, 1)
    session.expire_all()
    assert count(session, Provider) == 1
    assert session.get(Provider, provider.id).name == "New Name CIC"  # type: ignore[union-attr]


def test_a_row_matches_by_normalised_name_at_the_same_postcode(session: Session, tools: planning.Collaborators) -> None:
    provider = existing(session, "The Good Org Ltd", "L36 9GD")
    _, counts = imported(session, tools, csv_bytes([line(name="Good Org Limited", postcode="L36 9GD")]))

    assert (counts.created, counts.updated) == (0, 1)  # renamed (unclaimed) and given its registered office
    assert_counts_add_up(counts, 1)
    assert count(session, Provider) == 1
    assert session.scalars(select(ImportChange.provider_id)).all() == [provider.id]
    session.expire_all()
    assert session.get(Provider, provider.id).name == "Good Org Limited"  # type: ignore[union-attr]


def test_the_same_name_at_another_postcode_is_a_new_organisation(
    session: Session, tools: planning.Collaborators
) -> None:
    existing(session, "The Good Org Ltd", "L36 9GD")
    _, counts = imported(session, tools, csv_bytes([line(name="Good Org Limited", postcode="L28 1AA")]))
    assert counts.created == 1 and counts.possible_match == 0
    assert count(session, Provider) == 2


def _near_match(session: Session, tools: planning.Collaborators) -> tuple[Provider, ImportBatch, plans.ImportCounts]:
    provider = existing(session, "Knowsley Tenants Group", "L36 9GD")
    data = csv_bytes([line(name="Knowsley Tenant Group", postcode="L36 9GD", website="tenants.example")])
    batch, counts = checked(session, tools, data)
    return provider, batch, counts


def test_a_similar_name_at_the_same_postcode_is_a_possible_match(
    session: Session, tools: planning.Collaborators
) -> None:
    provider, batch, counts = _near_match(session, tools)

    assert counts.possible_match == 1 and counts.created == counts.updated == 0
    assert_counts_add_up(counts, 1)
    [issue] = results.issues(session, batch, ["possible_match"])
    assert issue.candidate_id == provider.id and issue.row_number == 2 and issue.decision is None
    assert issue.score is not None and NEAR_MATCH_SCORE <= issue.score < 100
    assert "L36 9GD" in issue.message
    assert results.undecided_rows(session, batch) == 1
    assert batch.counts["possible_match"] == 1


def test_deciding_same_updates_that_provider(session: Session, tools: planning.Collaborators) -> None:
    provider, batch, _ = _near_match(session, tools)
    [issue] = results.issues(session, batch, ["possible_match"])
    assert steps.decide(session, ACTOR, batch, {issue.id: "same"}) == 1
    session.commit()
    assert results.undecided_rows(session, batch) == 0

    counts = steps.commit(session, ACTOR, batch, tools, now=utcnow())
    session.commit()
    assert (counts.created, counts.updated, counts.possible_match) == (0, 1, 0)
    assert_counts_add_up(counts, 1)
    session.expire_all()
    assert count(session, Provider) == 1
    updated = session.get(Provider, provider.id)
    assert updated is not None
    assert updated.name == "Knowsley Tenant Group" and updated.website == "https://tenants.example"
    assert len(events(session, "import.matches_decided")) == 1


def test_deciding_separate_creates_a_new_provider(session: Session, tools: planning.Collaborators) -> None:
    provider, batch, _ = _near_match(session, tools)
    [issue] = results.issues(session, batch, ["possible_match"])
    steps.decide(session, ACTOR, batch, {issue.id: "separate"})
    session.commit()

    counts = steps.commit(session, ACTOR, batch, tools, now=utcnow())
    session.commit()
    assert (counts.created, counts.updated) == (1, 0)
    assert_counts_add_up(counts, 1)
    assert count(session, Provider) == 2
    session.expire_all()
    assert session.get(Provider, provider.id).name == "Knowsley Tenants Group"  # type: ignore[union-attr]


def test_an_undecided_possible_match_is_rejected_at_commit_naming_the_candidate(
    session: Session, tools: planning.Collaborators
) -> None:
    provider, batch, _ = _near_match(session, tools)
    counts = steps.commit(session, ACTOR, batch, tools, now=utcnow())
    session.commit()

    assert (counts.rejected, counts.created, counts.updated, counts.possible_match) == (1, 0, 0, 0)
    assert_counts_add_up(counts, 1)
    [error] = problems_of(session, batch, "error")
    assert error.row_number == 2
    assert "Knowsley Tenants Group" in error.message and "nobody decided" in error.message
    [_, rejected] = list(results.rejected_rows(session, batch, tools.folder))
    assert rejected[0] == "Knowsley Tenant Group" and "Knowsley Tenants Group" in rejected[-1]
    assert count(session, Provider) == 1
    session.expire_all()
    assert session.get(Provider, provider.id).website is None  # type: ignore[union-attr]


def test_checking_again_keeps_the_decisions_made(session: Session, tools: planning.Collaborators) -> None:
    provider, batch, _ = _near_match(session, tools)
    [issue] = results.issues(session, batch, ["possible_match"])
    steps.decide(session, ACTOR, batch, {issue.id: "same"})
    session.commit()

    counts = steps.check(session, batch, tools, now=utcnow())
    session.commit()
    [again] = results.issues(session, batch, ["possible_match"])
    assert (again.candidate_id, again.decision) == (provider.id, "same")
    assert (counts.updated, counts.possible_match) == (1, 0)
    assert results.undecided_rows(session, batch) == 0


def test_a_batch_must_be_checked_before_it_is_committed(session: Session, tools: planning.Collaborators) -> None:
    batch = upload(session, tools.folder, csv_bytes(THREE_ORGANISATIONS))
    with pytest.raises(StepRefused, match="cannot be done now"):
        steps.commit(session, ACTOR, batch, tools, now=utcnow())
    assert count(session, Provider) == 0


def test_deciding_rejects_issues_of_another_batch_and_unknown_words(
    session: Session, tools: planning.Collaborators
) -> None:
    _, batch, _ = _near_match(session, tools)
    [issue] = results.issues(session, batch, ["possible_match"])
    with pytest.raises(StepRefused):
        steps.decide(session, ACTOR, batch, {issue.id: "maybe"})
    with pytest.raises(StepRefused):
        steps.decide(session, ACTOR, batch, {issue.id + 1000: "same"})


# --- Updating what the register holds ---------------------------------------------------------------------------------


def test_an_unclaimed_provider_takes_the_files_values_but_blanks_never_erase(
    session: Session, tools: planning.Collaborators
) -> None:
    provider = existing(
        session,
        "Roby Gardeners",
        org_id="GB-COH-12345678",
        website="https://old.example",
        description="Kept: the file's description is blank",
        contact_email="old@roby.example",
    )
    provider.services = [category(session, "arts-and-culture")]
    session.commit()
    data = csv_bytes(
        [
            line(
                name="Roby Gardeners",
                number="12345678",
                registrar="Companies House",
                website="new.example",
                email="",
                description="",
                sector="Housing",
            )
        ]
    )
    _, counts = imported(session, tools, data)

    assert counts.updated == 1
    session.expire_all()
    updated = session.get(Provider, provider.id)
    assert updated is not None
    assert updated.website == "https://new.example"  # overwritten
    assert updated.description == "Kept: the file's description is blank"
    assert updated.contact_email == "old@roby.example"
    assert sorted(c.slug for c in updated.services) == ["arts-and-culture", "housing-and-tenancy-support"]  # added


def test_a_claimed_provider_only_gets_its_blanks_filled(session: Session, tools: planning.Collaborators) -> None:
    provider = existing(
        session, "Roby Gardeners", org_id="GB-COH-12345678", claimed=True, website="https://theirs.example"
    )
    provider.services = [category(session, "arts-and-culture")]
    session.commit()
    data = csv_bytes(
        [
            line(
                name="Roby Gardeners Renamed",
                number="12345678",
                registrar="Companies House",
                website="ours.example",
                email="filled@roby.example",
                description="Filled in",
                sector="Housing",
                postcode="L28 1AA",
            )
        ]
    )
    _, counts = imported(session, tools, data)

    assert counts.updated == 1
    session.expire_all()
    updated = session.get(Provider, provider.id)
    assert updated is not None
    assert updated.name == "Roby Gardeners"  # not blank: kept
    assert updated.website == "https://theirs.example"
    assert updated.contact_email == "filled@roby.example"  # blank: filled
    assert updated.description == "Filled in"
    assert sorted(c.slug for c in updated.services) == ["arts-and-culture", "housing-and-tenancy-support"]
    assert [s.postcode for s in updated.sites] == ["L36 9GD"]  # its own premises are left alone
    assert updated.claimed is True


def test_a_row_with_nothing_new_leaves_the_provider_unchanged(session: Session, tools: planning.Collaborators) -> None:
    existing(session, "Roby Gardeners", org_id="GB-COH-12345678")
    data = csv_bytes([line(name="Roby Gardeners", number="12345678", registrar="Companies House")])
    _, counts = imported(session, tools, data)
    assert (counts.unchanged, counts.updated, counts.created) == (1, 0, 0)
    assert count(session, ImportChange) == 0


# --- The same file twice ----------------------------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    session: Session, tools: planning.Collaborators
) -> None:
    rows = [
        *THREE_ORGANISATIONS,
        line(name="No Postcode Club", sector="Sports and Recreation"),
        line(name="", postcode="L10 0AD"),
    ]
    data = csv_bytes(rows)
    first, first_counts = imported(session, tools, data)
    assert first_counts.created == 4 and first_counts.rejected == 1
    assert_counts_add_up(first_counts, 5)
    providers_after_first = count(session, Provider)

    second = upload(session, tools.folder, data)
    assert [b.id for b in results.earlier_imports_of(session, second)] == [first.id]
    steps.check(session, second, tools, now=utcnow())
    counts = steps.commit(session, ACTOR, second, tools, now=utcnow())
    session.commit()

    assert counts.created == counts.updated == 0
    assert counts.unchanged == counts.rows - counts.rejected == 4
    assert_counts_add_up(counts, 5)
    assert count(session, Provider) == providers_after_first
    assert count(session, ImportChange, ImportChange.batch_id == second.id) == 0


def test_a_batch_cannot_be_committed_twice(session: Session, tools: planning.Collaborators) -> None:
    batch, _ = imported(session, tools, csv_bytes(THREE_ORGANISATIONS))
    with pytest.raises(StepRefused):
        steps.commit(session, ACTOR, batch, tools, now=utcnow())
    session.rollback()
    assert count(session, Provider) == 3


# --- Bad input --------------------------------------------------------------------------------------------------------


def test_an_empty_upload_is_refused(tmp_path: Path) -> None:
    with pytest.raises(storage.UploadError, match="empty"):
        storage.store_upload(io.BytesIO(b""), tmp_path, MAX_BYTES)
    assert list(tmp_path.iterdir()) == []


def test_a_file_of_blank_lines_is_empty(session: Session, tools: planning.Collaborators) -> None:
    with pytest.raises(ImportFormatError, match="The file is empty"):
        upload(session, tools.folder, b"\r\n  \r\n\r\n")


def test_a_header_with_no_rows_has_nothing_to_import(session: Session, tools: planning.Collaborators) -> None:
    _, counts = imported(session, tools, csv_bytes([]))
    assert counts.rows == 0
    assert_counts_add_up(counts, 0)
    assert count(session, Provider) == 0


def test_a_file_without_a_name_column_cannot_be_checked(session: Session, tools: planning.Collaborators) -> None:
    data = csv_bytes([["L36 9GD", "roby.example"]], header=["Postcode", "Website"])
    batch = upload(session, tools.folder, data)
    with pytest.raises(MappingError, match="name"):
        mapping.confirm_mapping(session, ACTOR, batch, {})
    with pytest.raises(MappingError, match="name"):
        steps.check(session, batch, tools, now=utcnow())
    with pytest.raises(MappingError, match="no column called 'Organisation'"):
        mapping.confirm_mapping(session, ACTOR, batch, {"name": "Organisation"})


def test_a_spreadsheet_saved_as_xlsx_is_not_a_csv(session: Session, tools: planning.Collaborators) -> None:
    with pytest.raises(ImportFormatError, match="not a CSV file"):
        upload(session, tools.folder, b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4, "suppliers.xlsx")
    assert count(session, ImportBatch) == 0


def test_a_list_of_names_alone_imports(session: Session, tools: planning.Collaborators) -> None:
    _, counts = imported(session, tools, b"Name\r\nRoby Garden\r\nHuyton Cafe\r\n")
    assert counts.created == 2
    assert_counts_add_up(counts, 2)


def test_a_file_with_no_recognisable_header_says_so(session: Session, tools: planning.Collaborators) -> None:
    with pytest.raises(ImportFormatError, match="column headings"):
        upload(session, tools.folder, b"alpha,beta\r\n1,2\r\n")


def test_a_windows_1252_file_decodes(session: Session, tools: planning.Collaborators) -> None:
    data = csv_bytes([line(name="Café Roby", postcode="L36 9GD", description="Tea \u2013 and cake")], encoding="cp1252")
    assert "Café".encode("cp1252") in data
    batch, counts = imported(session, tools, data)
    assert batch.file_format["encoding"] == "cp1252"
    assert counts.created == 1
    assert provider_named(session, "Café Roby").description == "Tea \u2013 and cake"


def test_a_long_windows_1252_file_whose_first_accent_is_past_the_sample_decodes(
    session: Session, tools: planning.Collaborators
) -> None:
    rows = [line(name=f"Plain Organisation {i}", postcode="L36 9GD") for i in range(3000)]
    data = csv_bytes([*rows, line(name="Café At The End", postcode="L28 1AA")], encoding="cp1252")
    assert data.index("é".encode("cp1252")) > 64 * 1024
    batch, counts = imported(session, tools, data)
    assert batch.file_format["encoding"] == "cp1252"
    assert counts.created == 3001
    assert_counts_add_up(counts, 3001)
    provider_named(session, "Café At The End")


def test_a_utf16_file_is_refused_with_advice(session: Session, tools: planning.Collaborators) -> None:
    data = csv_bytes(THREE_ORGANISATIONS).decode().encode("utf-16")
    with pytest.raises(ImportFormatError, match="CSV UTF-8"):
        upload(session, tools.folder, data)


def test_a_utf8_file_with_a_byte_order_mark_keeps_its_first_column(
    session: Session, tools: planning.Collaborators
) -> None:
    data = b"\xef\xbb\xbf" + csv_bytes([line(name="Café Roby", postcode="L36 9GD")])
    batch, counts = imported(session, tools, data)
    assert batch.file_format["encoding"] == "utf-8-sig"
    assert batch.file_format["headers"][0] == "Name" and batch.mapping["name"] == "Name"
    assert counts.created == 1
    provider_named(session, "Café Roby")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimited_files(session: Session, tools: planning.Collaborators, delimiter: str) -> None:
    data = csv_bytes(THREE_ORGANISATIONS, delimiter=delimiter)
    batch, counts = imported(session, tools, data)
    assert batch.file_format["delimiter"] == delimiter
    assert counts.created == 3
    assert_counts_add_up(counts, data_rows(data, delimiter=delimiter))
    assert [s.district_code for s in provider_named(session, "Roby Community Garden CIC").sites] == [KNOWSLEY]


TITLED = (
    b"Knowsley suppliers list,,\r\n"
    b"Exported 1 June 2026,,\r\n"
    b",,\r\n"
    b"Name,Postcode,Registered number\r\n"
    b"Roby Garden,L36 9GD,\r\n"
    b",,\r\n"
    b"Bad Number Ltd,L36 9GD,not-a-number\r\n"
    b",L28 1AA,\r\n"
)


def test_title_rows_above_the_header_shift_the_row_numbers(session: Session, tools: planning.Collaborators) -> None:
    batch, counts = imported(session, tools, TITLED)
    assert batch.file_format["header_row_number"] == 4
    assert batch.file_format["headers"] == ["Name", "Postcode", "Registered number"]
    assert counts.rows == 3 and counts.created == 2 and counts.rejected == 1
    assert_counts_add_up(counts, data_rows(TITLED, header_row_number=4))
    table = list(results.problems_table(session, batch))
    assert table[0] == ["row", "organisation", "column", "problem", "outcome"]
    rows = {(r[0], r[2]) for r in table[1:]}
    assert ("8", "Name") in rows  # the row with no name, as the spreadsheet numbers it (blank row 6 counted)
    assert ("7", "Registered number") in rows  # a warning: the register for the number is not known
    assert all(r[0] not in {"5", "6"} for r in table[1:])


def test_quoted_fields_keep_their_newlines_and_commas(session: Session, tools: planning.Collaborators) -> None:
    data = csv_bytes(
        [
            line(name="Smith, Jones & Co", address="Unit 1,\nRoby Mill\n", postcode="L36 9GD"),
            line(name='The "Quoted" Club', postcode="L28 1AA", description="Line one\r\nLine two, with a comma"),
            line(name="After The Newlines", postcode="L10 0AD"),
        ]
    )
    batch, counts = imported(session, tools, data)
    assert counts.created == 3
    assert_counts_add_up(counts, 3)
    assert provider_named(session, "Smith, Jones & Co").sites[0].address == "Unit 1,\nRoby Mill"
    assert provider_named(session, 'The "Quoted" Club').description == "Line one\nLine two, with a comma"
    assert provider_named(session, "After The Newlines").sites[0].postcode == "L10 0AD"
    assert results.issues(session, batch, ["error", "warning"]) == []


def test_an_unclosed_quote_is_not_silently_swallowed(session: Session, tools: planning.Collaborators) -> None:
    data = b'Name,Postcode\r\n"Broken,L36 9GD\r\nNext Org,L28 1AA\r\nThird,L10 0AD\r\n'
    try:
        batch, counts = imported(session, tools, data)
    except ImportFormatError as error:  # refusing the file, saying why, is a clear outcome
        assert "quote" in str(error)
        assert count(session, Provider) == 0
        return
    assert counts.rejected >= 1  # or rejecting the row that runs on, naming the problem
    assert not any("Next Org" in name for name in session.scalars(select(Provider.name)))
    assert any("quote" in p.message for p in problems_of(session, batch, "error"))


def test_a_nul_byte_deep_in_the_file_is_not_written_to_the_register(
    session: Session, tools: planning.Collaborators
) -> None:
    rows = [line(name=f"Plain Organisation {i}", postcode="L36 9GD") for i in range(400)]
    data = csv_bytes([*rows, line(name="Bad\x00Org", postcode="L28 1AA")])
    assert data.index(b"\x00") > 8192
    try:
        _, counts = imported(session, tools, data)
    except ImportFormatError:  # refusing the file with a message is a clear outcome too
        session.rollback()
        assert count(session, Provider) == 0
        return
    assert_counts_add_up(counts, 401)
    assert counts.created >= 400
    assert not any("\x00" in name for name in session.scalars(select(Provider.name)))


def test_a_huge_name_rejects_the_row_and_a_huge_description_is_left_out(
    session: Session, tools: planning.Collaborators
) -> None:
    data = csv_bytes(
        [
            line(name="N" * 10_000, postcode="L36 9GD"),
            line(name="Long Story CIC", postcode="L36 9GD", description="D" * 10_000),
        ]
    )
    batch, counts = imported(session, tools, data)
    assert (counts.created, counts.rejected, counts.with_warnings) == (1, 1, 1)
    assert_counts_add_up(counts, 2)
    [error] = problems_of(session, batch, "error")
    assert (error.row_number, error.column) == (2, "Name") and "longer than" in error.message
    [warning] = problems_of(session, batch, "warning")
    assert (warning.row_number, warning.column) == (3, "Description") and "left out" in warning.message
    assert provider_named(session, "Long Story CIC").description is None


def test_a_cell_past_the_csv_readers_own_limit_is_that_rows_problem_not_the_files(
    session: Session, tools: planning.Collaborators
) -> None:
    data = csv_bytes([line(name="Fine"), line(name="Enormous", description="D" * 200_000), line(name="After")])
    batch, counts = imported(session, tools, data)
    assert (counts.created, counts.rejected) == (3, 0)
    [warning] = problems_of(session, batch, "warning")
    assert warning.row_number == 3 and "longer than 5,000 characters" in warning.message
    enormous = session.scalar(select(Provider).where(Provider.name == "Enormous"))
    assert enormous is not None and enormous.description is None


def test_a_row_with_too_many_cells_is_rejected_and_too_few_is_a_warning(
    session: Session, tools: planning.Collaborators
) -> None:
    data = csv_bytes(
        [["Too Many", "L36 9GD", "x", "spilled"], ["Too Few", "L28 1AA"], ["Just Right", "L10 0AD", ""]],
        header=["Name", "Postcode", "Description"],
    )
    batch, counts = imported(session, tools, data)
    assert (counts.rejected, counts.created) == (1, 2)
    assert_counts_add_up(counts, 3)
    [error] = problems_of(session, batch, "error")
    assert error.row_number == 2 and "4 cells but the header has 3" in error.message
    [warning] = problems_of(session, batch, "warning")
    assert warning.row_number == 3 and "2 cells" in warning.message
    assert {p.name for p in session.scalars(select(Provider))} == {"Too Few", "Just Right"}


def test_a_repeated_row_is_rejected_naming_the_first(session: Session, tools: planning.Collaborators) -> None:
    row = line(name="Roby Garden", postcode="L36 9GD")
    numbered = line(name="Roby Garden CIC", number="12345678", registrar="Companies House")
    data = csv_bytes(
        [row, numbered, row, line(name="Roby Garden Again", number="12345678", registrar="Companies House")]
    )
    batch, counts = imported(session, tools, data)
    assert (counts.created, counts.rejected) == (2, 2)
    assert_counts_add_up(counts, 4)
    errors = {e.row_number: e.message for e in problems_of(session, batch, "error")}
    assert errors == {4: "Same organisation as row 2", 5: "Same organisation as row 3"}


def test_formula_looking_cells_are_stored_as_plain_text(session: Session, tools: planning.Collaborators) -> None:
    formula = '=HYPERLINK("http://x")'
    data = csv_bytes([line(name=formula, postcode="L36 9GD", description="+SUM(1,2)", website=formula)])
    batch, counts = imported(session, tools, data)
    assert counts.created == 1
    provider = provider_named(session, formula)
    assert provider.description == "+SUM(1,2)"
    assert provider.website is None  # not a web address: left out, with a warning
    # Each formula-like cell is warned about too (issue 11, finding 21), coded so the page can count and list them.
    warnings = [(w.column, w.code) for w in problems_of(session, batch, "warning")]
    assert warnings == [("Website", None), ("Name", "formula"), ("Website", "formula"), ("Description", "formula")]
    assert counts.formula == 1


def test_registration_numbers_that_do_not_fit(session: Session, tools: planning.Collaborators) -> None:
    data = csv_bytes(
        [
            line(name="Named Register Wrong Shape", number="ABC", registrar="Companies House"),
            line(name="Inferred Register Wrong Shape", number="12", legal_form="Charity"),
            line(name="Unknown Register", number="12345", registrar="Ministry of Silly Walks"),
            line(name="Leading Zeros Lost", number="1234567", registrar="Companies House"),
        ]
    )
    batch, counts = imported(session, tools, data)
    # A badly typed number is left out with a warning and the organisation kept, as a bad email is (trial 10).
    assert (counts.rejected, counts.created) == (0, 4)
    assert_counts_add_up(counts, 4)
    assert problems_of(session, batch, "error") == []
    warnings = {(w.row_number, w.column): w.message for w in problems_of(session, batch, "warning")}
    assert set(warnings) == {(2, "Registered number"), (3, "Registered number"), (4, "Registrar")}
    assert (
        "'ABC'" in warnings[(2, "Registered number")]
        and "the number was not kept" in warnings[(2, "Registered number")]
    )
    assert provider_named(session, "Named Register Wrong Shape").identifiers == []
    assert provider_named(session, "Inferred Register Wrong Shape").identifiers == []
    assert provider_named(session, "Unknown Register").identifiers == []
    assert [i.org_id for i in provider_named(session, "Leading Zeros Lost").identifiers] == ["GB-COH-01234567"]


def test_a_postcode_not_in_the_directory_is_imported_not_placed(
    session: Session, tools: planning.Collaborators
) -> None:
    data = csv_bytes([line(name="Manchester Mutual", postcode=NOT_IN_DIRECTORY, address="1 Angel Square")])
    batch, counts = imported(session, tools, data)

    assert (counts.created, counts.rejected, counts.not_placed, counts.with_warnings) == (1, 0, 1, 1)
    assert_counts_add_up(counts, 1)
    [site] = provider_named(session, "Manchester Mutual").sites
    assert site.postcode == NOT_IN_DIRECTORY
    assert site.placement == Placement.NOT_PLACED and site.district_code is None
    assert site.placement_note and "not in the postcode directory" in site.placement_note
    [warning] = problems_of(session, batch, "warning")
    assert warning.column == "Postcode" and "not placed" in warning.message


def test_an_unknown_postcode_in_a_known_postcode_district_is_placed_approximately(
    session: Session, tools: planning.Collaborators
) -> None:
    _, counts = imported(session, tools, csv_bytes([line(name="Roby Nearby", postcode="L36 9ZZ")]))
    assert counts.created == 1 and counts.rejected == 0
    [site] = provider_named(session, "Roby Nearby").sites
    assert site.placement == Placement.POSTCODE_DISTRICT and site.district_code == KNOWSLEY
    assert site.placement_note  # flagged for an officer to check


def test_a_malformed_postcode_is_imported_not_placed_and_counted(
    session: Session, tools: planning.Collaborators
) -> None:
    data = csv_bytes([line(name="Typo Postcode CIC", postcode="L36 GD9", address="1 Roby Road")])
    batch, counts = imported(session, tools, data)
    assert (counts.created, counts.rejected, counts.with_warnings) == (1, 0, 1)
    [warning] = problems_of(session, batch, "warning")
    assert warning.column == "Postcode" and "not a full UK postcode" in warning.message
    [site] = provider_named(session, "Typo Postcode CIC").sites
    assert site.placement == Placement.NOT_PLACED
    assert counts.not_placed == 1
    assert site.placement_note and "No postcode" not in site.placement_note


def test_unknown_services_are_a_warning_and_known_ones_are_kept(
    session: Session, tools: planning.Collaborators
) -> None:
    data = csv_bytes([line(name="Mixed Services", sector="Housing; Underwater basket weaving | Childcare")])
    batch, counts = imported(session, tools, data)
    assert counts.created == 1 and counts.with_warnings == 1
    assert sorted(c.slug for c in provider_named(session, "Mixed Services").services) == [
        "childcare",
        "housing-and-tenancy-support",
    ]
    [warning] = problems_of(session, batch, "warning")
    assert warning.column == "Sector" and "Underwater basket weaving" in warning.message


# --- Storing the upload -----------------------------------------------------------------------------------------------


def test_store_upload_keeps_the_file_by_its_hash(tmp_path: Path) -> None:
    data = csv_bytes(THREE_ORGANISATIONS)
    stored = storage.store_upload(io.BytesIO(data), tmp_path, MAX_BYTES)
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert [p.name for p in tmp_path.iterdir()] == [stored.name]
    assert (tmp_path / stored.name).read_bytes() == data


def test_store_upload_refuses_a_file_over_the_limit_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(storage.UploadError, match="smaller than"):
        storage.store_upload(io.BytesIO(b"x" * 3_000_000), tmp_path, 2 * 1024 * 1024)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failing", ["fsync", "write"])
def test_store_upload_on_a_full_disk_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    if failing == "fsync":
        monkeypatch.setattr(os, "fsync", full)
        stream: Any = io.BytesIO(csv_bytes(THREE_ORGANISATIONS))
    else:

        class FullDisk(io.BytesIO):
            """Reads fine; the copy fails part way, as a write to a full disk does."""

            calls = 0

            def read(self, size: int | None = -1) -> bytes:
                FullDisk.calls += 1
                if FullDisk.calls > 1:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return b"Name,Postcode\r\n" * 100

        stream = FullDisk()
    with pytest.raises(storage.UploadError, match="out of space"):
        storage.store_upload(stream, tmp_path, MAX_BYTES)
    assert list(tmp_path.iterdir()) == []


# --- What the officer gets back ---------------------------------------------------------------------------------------


def test_rejected_rows_give_the_original_cells_and_the_problem(session: Session, tools: planning.Collaborators) -> None:
    header = ["Name", "Postcode", "Registered number", "Registrar", "Notes"]
    rows = [
        ["Fine Org", "L36 9GD", "", "", "keep me"],
        ["", "L28 1AA", "", "", "no name here"],
        ["", "L10 0AD", "ABC", "Companies House", "=1+1"],  # a bad number alone is left out: no name rejects it
        ["Fine Org", "L36 9GD", "", "", "again"],
    ]
    batch, counts = imported(session, tools, csv_bytes(rows, header=header))
    assert counts.rejected == 3 and counts.created == 1

    table = list(results.rejected_rows(session, batch, tools.folder))
    assert table[0] == [*header, "problem"]
    assert [r[:-1] for r in table[1:]] == rows[1:]
    problems = [r[-1] for r in table[1:]]
    assert "Name: The name is missing" in problems[0]
    assert "Name: The name is missing" in problems[1]
    assert "Same organisation as row 2" in problems[2]


def test_rejected_rows_keep_every_cell_of_a_row_with_too_many(session: Session, tools: planning.Collaborators) -> None:
    data = csv_bytes([["Smith", " Jones Ltd", "L36 9GD", "Printers"]], header=["Name", "Postcode", "Sector"])
    batch, counts = imported(session, tools, data)
    assert counts.rejected == 1
    [_, rejected] = list(results.rejected_rows(session, batch, tools.folder))
    for cell in ["Smith", " Jones Ltd", "L36 9GD", "Printers"]:
        assert cell in rejected


def test_rejected_rows_of_a_clean_file_is_just_the_header(session: Session, tools: planning.Collaborators) -> None:
    batch, _ = imported(session, tools, csv_bytes(THREE_ORGANISATIONS))
    assert list(results.rejected_rows(session, batch, tools.folder)) == [[*HEADER, "problem"]]


def test_problems_table_numbers_rows_as_the_spreadsheet_shows_them(
    session: Session, tools: planning.Collaborators
) -> None:
    data = csv_bytes(
        [
            line(name="Fine", postcode="L36 9GD"),
            line(name="", postcode="L36 9GD", email="also not an email"),
            line(name="Bad Email", email="not an email"),
        ]
    )
    batch, _ = imported(session, tools, data)
    table = list(results.problems_table(session, batch))
    assert table[1:] == [
        ["3", "", "Name", "The name is missing", "Not imported"],
        [
            "3",
            "",
            "Email",
            "'also not an email' is not an email address, so it was left out",
            "Not imported (the row has another problem)",
        ],
        [
            "4",
            "Bad Email",
            "Email",
            "'not an email' is not an email address, so it was left out",
            "Imported without this value",
        ],
    ]


# --- Running as a job -------------------------------------------------------------------------------------------------


def run_job(session: Session, batch_id: int, step: str) -> None:
    """Start a step as jobs.submit does, then run the job's body."""
    batch = session.get(ImportBatch, batch_id)
    assert batch is not None
    jobs.start(batch, step)
    jobs.perform(batch_id, step, None, "test job")


def _checked_for_job(session: Session, tools: planning.Collaborators) -> ImportBatch:
    batch, _ = checked(session, tools, csv_bytes(THREE_ORGANISATIONS))
    return batch


def test_a_failing_commit_job_marks_the_batch_failed_writes_nothing_and_can_run_again(
    session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _checked_for_job(session, tools)
    batch_id = batch.id

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database connection lost: password=hunter2")

    with monkeypatch.context() as patch:
        patch.setattr(steps, "commit", broken)
        run_job(session, batch_id, jobs.COMMIT)

    session.expire_all()
    batch = session.get(ImportBatch, batch_id)
    assert batch is not None
    assert batch.status == ImportStatus.FAILED
    assert batch.error == jobs.FAILED_MESSAGE and "hunter2" not in batch.error
    assert batch.counts["failed_during"] == "commit"
    assert count(session, Provider) == 0
    [failed] = events(session, "import.failed")
    assert failed.changes == {"step": "commit", "error": jobs.FAILED_MESSAGE}

    run_job(session, batch_id, jobs.COMMIT)
    session.expire_all()
    batch = session.get(ImportBatch, batch_id)
    assert batch is not None and batch.status == ImportStatus.IMPORTED and batch.error is None
    assert count(session, Provider) == 3
    progress = jobs.progress_store.get(batch_id)
    assert progress is not None and progress.pop("at") >= progress.pop("started") > 0
    # The import knows the rows from the check, so its progress is rows of a total (issue 11, finding 22).
    assert progress == {"step": "commit", "rows": 3, "fraction": 1.0, "total": 3}


def test_a_commit_that_fails_part_way_rolls_everything_back(
    session: Session, tools: planning.Collaborators, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = _checked_for_job(session, tools).id

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("search index unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(fulltext, "refresh_many", broken)  # after the chunk's providers are flushed
        run_job(session, batch_id, jobs.COMMIT)

    session.expire_all()
    batch = session.get(ImportBatch, batch_id)
    assert batch is not None and batch.status == ImportStatus.FAILED and batch.committed_at is None
    assert count(session, Provider) == 0
    assert count(session, Site) == 0
    assert count(session, ImportChange) == 0
    assert events(session, "import.committed") == []

    run_job(session, batch_id, jobs.COMMIT)
    session.expire_all()
    assert session.get(ImportBatch, batch_id).status == ImportStatus.IMPORTED  # type: ignore[union-attr]
    assert count(session, Provider) == 3


def test_a_repeated_commit_job_leaves_an_imported_batch_imported_and_undoable(
    session: Session, tools: planning.Collaborators
) -> None:
    batch, _ = imported(session, tools, csv_bytes(THREE_ORGANISATIONS))
    with pytest.raises(StepRefused, match="imported already"):
        jobs.start(batch, jobs.COMMIT)
    jobs.perform(batch.id, jobs.COMMIT, None, "a stale job")  # a job left queued does nothing
    session.expire_all()
    batch = session.get(ImportBatch, batch.id)
    assert batch is not None
    assert batch.status == ImportStatus.IMPORTED
    report = undoing.undo(session, ACTOR, batch, now=utcnow())
    session.commit()
    assert report.removed == 3


def test_a_check_job_without_a_name_column_fails_with_the_mapping_message(
    session: Session, tools: planning.Collaborators
) -> None:
    batch = upload(session, tools.folder, csv_bytes([["L36 9GD", "roby.example"]], header=["Postcode", "Website"]))
    session.commit()
    run_job(session, batch.id, jobs.CHECK)
    session.expire_all()
    batch = session.get(ImportBatch, batch.id)
    assert batch is not None and batch.status == ImportStatus.FAILED
    assert batch.error == "Choose the column that holds the organisation's name"
    assert batch.counts["failed_during"] == "check"


def test_a_job_for_a_file_no_longer_kept_fails_with_that_message(
    session: Session, tools: planning.Collaborators
) -> None:
    batch = _checked_for_job(session, tools)
    batch.stored_file = "gone.csv"
    session.commit()
    run_job(session, batch.id, jobs.CHECK)
    session.expire_all()
    batch = session.get(ImportBatch, batch.id)
    assert batch is not None and batch.status == ImportStatus.FAILED
    assert batch.error is not None and "no longer kept" in batch.error


def test_submit_runs_inline_in_tests(session: Session, tools: planning.Collaborators) -> None:
    batch = upload(session, tools.folder, csv_bytes(THREE_ORGANISATIONS))
    session.commit()
    assert jobs.submit(batch, jobs.CHECK, ACTOR) == "inline"
    session.expire_all()
    batch = session.get(ImportBatch, batch.id)
    assert batch is not None and batch.status == ImportStatus.CHECKED and batch.counts["created"] == 3
    assert jobs.submit(batch, jobs.COMMIT, ACTOR) == "inline"
    session.expire_all()
    assert count(session, Provider) == 3


# --- The real Co-operatives UK file -----------------------------------------------------------------------------------


@pytest.fixture
def full_sample(session: Session, knowsley: factories.CouncilSetup) -> dict[str, str]:
    """Knowsley, the categories and the whole postcode sample (Knowsley's postcode districts and the Co-ops UK
    organisations' Liverpool City Region postcodes); returns each sample postcode's district."""
    load_release(session, SAMPLE, wards_from=SAMPLE_WARDS)
    add_categories(session)
    session.commit()
    with gzip.open(SAMPLE, "rt", encoding="utf-8", newline="") as handle:
        return {row["postcode"]: row["lad_code"] for row in csv.DictReader(handle)}


def test_the_co_operatives_uk_file_imports_and_its_knowsley_organisations_are_placed_in_knowsley(
    session: Session, full_sample: dict[str, str], folder: Path, tmp_path: Path
) -> None:
    path = tmp_path / "coops_uk_open_data_organisations_2017-06.csv"
    with gzip.open(COOPS_UK, "rb") as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    with path.open(encoding="utf-8", newline="") as handle:
        file_rows = list(csv.DictReader(handle))
    assert len(file_rows) == 8371
    tools = planning.collaborators(session, folder, jobs.SECTORS_FILE)

    with path.open("rb") as stream:
        stored = storage.store_upload(stream, folder, 50 * 1024 * 1024)
    batch = mapping.begin(session, ACTOR, stored, path.name, folder)
    assert batch.mapping["name"] == "Registered Name" and batch.mapping["services"] == "Sector - Simplified, High Level"
    checked_counts = steps.check(session, batch, tools, now=utcnow())
    session.commit()
    assert_counts_add_up(checked_counts, 8371)
    assert checked_counts.possible_match == 0  # the register held nobody to match

    counts = steps.commit(session, ACTOR, batch, tools, now=utcnow())
    session.commit()
    assert_counts_add_up(counts, 8371)
    # The 1,557 organisations the file marks dead (1,550 with a dissolved date) are never created: rejected, with
    # the reason, by default (issue 11, finding 3).
    dead = {row["CUK Organisation ID"] for row in file_rows if row["Registered Status"] == "Dead"}
    assert counts.dissolved == len(dead) == 1557
    ended = {e.row_number for e in problems_of(session, batch, "error") if e.code == "ended"}
    assert len(ended) == 1557
    assert not set(session.scalars(select(Provider.source_reference).where(Provider.source_reference.in_(dead))))
    assert counts.created == count(session, Provider) > 6500
    assert counts.created == checked_counts.created and counts.rejected == checked_counts.rejected
    assert counts.archived == count(session, Provider, Provider.status == ProviderStatus.ARCHIVED) == 0

    # Every organisation with a Knowsley postcode in the file is placed in Knowsley.
    def tidy(postcode: str) -> str:
        return " ".join(postcode.upper().split())

    knowsley_refs = {
        row["CUK Organisation ID"]
        for row in file_rows
        if full_sample.get(tidy(row["Registered Postcode"])) == KNOWSLEY and row["CUK Organisation ID"] not in dead
    }
    assert len(knowsley_refs) >= 5
    placed = session.execute(
        select(Provider.source_reference, Site.district_code, Site.placement)
        .join(Site, Site.provider_id == Provider.id)
        .where(Provider.source_reference.in_(sorted(knowsley_refs)))
    ).all()
    assert {ref for ref, _, _ in placed} == knowsley_refs
    assert {(district, placement) for _, district, placement in placed} == {(KNOWSLEY, Placement.POSTCODE)}

    # The sample lacks most UK postcodes: those organisations are imported, not placed, and counted so.
    not_placed_sites = count(session, Site, Site.placement == Placement.NOT_PLACED)
    assert counts.not_placed == not_placed_sites > 1000
    rejected_numbers = {e.row_number for e in problems_of(session, batch, "error")}
    assert len(rejected_numbers) == counts.rejected
    # Every organisation not placed is listed, once: the count is the list (issue 11, finding 23).
    not_placed_rows = [w.row_number for w in problems_of(session, batch, "warning") if w.code == "not_placed"]
    assert len(not_placed_rows) == len(set(not_placed_rows)) == counts.not_placed
    assert not set(not_placed_rows) & rejected_numbers
    with_postcode = count(session, Site, Site.placement == Placement.NOT_PLACED, Site.postcode.is_not(None))
    without = count(session, Site, Site.placement == Placement.NOT_PLACED, Site.postcode.is_(None))
    assert with_postcode + without == counts.not_placed
    assert counts.with_warnings >= counts.not_placed

    # Checking the same file again finds nothing to create or change.
    again = upload(session, folder, path.read_bytes(), path.name)
    assert [b.id for b in results.earlier_imports_of(session, again)] == [batch.id]
    second = steps.check(session, again, tools, now=utcnow())
    assert_counts_add_up(second, 8371)
    assert (second.created, second.updated, second.possible_match) == (0, 0, 0)
    assert second.unchanged == counts.created
