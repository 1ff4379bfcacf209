"""Undoing a bulk import (issue 6): what it created goes, what it updated is restored exactly, and anything
someone has changed or taken up since is left and listed with the reason."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.imports.lifecycle import ImportStatus, StepRefused
from app.domain.providers import SiteKind
from app.domain.roles import Role
from app.models import ImportBatch, Provider, ProviderIdentifier, ProviderSearchDocument, Site
from app.models.base import utcnow
from app.services import fulltext
from app.services.imports import planning, results, snapshots, steps, storage, undoing
from tests import factories
from tests.services.test_imports_service import (
    ACTOR,
    category,
    count,
    csv_bytes,
    events,
    existing,
    folder_fixture,  # noqa: F401 (a fixture)
    imported,
    line,
    provider_named,
    register_fixture,  # noqa: F401 (a fixture)
    small_directory_fixture,  # noqa: F401 (a fixture)
    tools_fixture,  # noqa: F401 (a fixture)
    upload,
)


@dataclass
class Imported:
    batch: ImportBatch
    renamed: Provider  # matched by org-id: renamed, given a registered office and a service
    moved: Provider  # matched by name and postcode: its registered office readdressed, an FCA number added
    created: Provider
    before: dict[str, dict]  # snapshots before the import, by key


def _load(session: Session, provider_id: int) -> Provider:
    session.expire_all()
    provider = session.get(Provider, provider_id)
    assert provider is not None
    return provider


@pytest.fixture
def done(session: Session, tools: planning.Collaborators) -> Imported:
    """Two providers the import updates and one it creates, committed, with snapshots from before."""
    renamed = existing(
        session,
        "Roby Gardeners",
        "L36 9GD",
        org_id="GB-COH-12345678",
        website="https://old.example",
        description="Gardening in Roby",
    )
    renamed.services = [category(session, "arts-and-culture")]
    moved = existing(session, "Huyton Credit Union Ltd", "L36 9GD", contact_email="old@credit.example")
    moved.sites[0].kind = SiteKind.REGISTERED_OFFICE
    session.commit()
    fulltext.refresh_many(session, [renamed, moved])
    session.commit()
    before = {"renamed": snapshots.snapshot(renamed), "moved": snapshots.snapshot(moved)}

    data = csv_bytes(
        [
            line(
                name="Roby Gardeners CIC",
                number="12345678",
                registrar="Companies House",
                website="new.example",
                postcode="L28 1AA",
                address="2 New Road",
                sector="Housing",
                legal_form="Company limited by guarantee",
            ),
            line(
                name="Huyton Credit Union",
                postcode="L36 9GD",
                number="12345R",
                registrar="FCA",
                address="9 Moved Street",
                email="new@credit.example",
            ),
            line(
                name="Brand New CIC",
                postcode="L10 0AD",
                number="87654321",
                registrar="Companies House",
                sector="Childcare",
            ),
        ]
    )
    batch, counts = imported(session, tools, data)
    assert (counts.updated, counts.created) == (2, 1), counts
    created = provider_named(session, "Brand New CIC")
    for key, provider in (("renamed", renamed), ("moved", moved)):
        assert snapshots.snapshot(_load(session, provider.id)) != before[key], key  # the import did change it
    return Imported(batch, renamed, moved, created, before)


def test_undo_removes_what_it_created_and_restores_what_it_updated_exactly(session: Session, done: Imported) -> None:
    created_id = done.created.id
    report = undoing.undo(session, ACTOR, done.batch, now=utcnow())
    session.commit()

    assert (report.removed, report.restored, report.gone, report.left) == (1, 2, 0, [])
    session.expire_all()
    assert session.get(Provider, created_id) is None
    assert count(session, ProviderIdentifier, ProviderIdentifier.org_id == "GB-COH-87654321") == 0
    assert count(session, Site, Site.provider_id == created_id) == 0
    assert count(session, ProviderSearchDocument, ProviderSearchDocument.provider_id == created_id) == 0
    assert snapshots.snapshot(_load(session, done.renamed.id)) == done.before["renamed"]
    assert snapshots.snapshot(_load(session, done.moved.id)) == done.before["moved"]

    batch = session.get(ImportBatch, done.batch.id)
    assert batch is not None
    assert batch.status == ImportStatus.UNDONE and batch.undone_at is not None
    assert batch.undo_report == {"removed": 1, "restored": 2, "gone": 0, "left": []}
    [event] = events(session, "import.undone")
    assert event.entity_id == str(batch.id) and event.changes["removed"] == 1


def test_the_search_document_of_a_restored_provider_is_refreshed(session: Session, done: Imported) -> None:
    undoing.undo(session, ACTOR, done.batch, now=utcnow())
    session.commit()
    session.expire_all()
    document = session.scalar(
        select(ProviderSearchDocument.document).where(ProviderSearchDocument.provider_id == done.renamed.id)
    )
    assert document is not None and "Roby Gardeners CIC" not in document
    assert document == fulltext.document_for(_load(session, done.renamed.id))


def test_a_provider_changed_after_the_import_is_left_and_listed(session: Session, done: Imported) -> None:
    renamed = _load(session, done.renamed.id)
    renamed.website = "https://edited-by-an-officer.example"
    created = _load(session, done.created.id)
    created.description = "Edited since"
    session.commit()

    report = undoing.undo(session, ACTOR, done.batch, now=utcnow())
    session.commit()

    assert (report.removed, report.restored) == (0, 1)
    left = {entry["provider_id"]: entry for entry in report.left}
    assert set(left) == {done.renamed.id, done.created.id}
    assert left[done.renamed.id]["name"] == "Roby Gardeners CIC"
    assert all("changed since the import" in entry["reason"] for entry in report.left)
    assert _load(session, done.renamed.id).website == "https://edited-by-an-officer.example"
    assert _load(session, done.created.id).description == "Edited since"
    assert snapshots.snapshot(_load(session, done.moved.id)) == done.before["moved"]
    batch = session.get(ImportBatch, done.batch.id)
    assert batch is not None and batch.undo_report["left"] == report.left


def test_a_created_provider_someone_claimed_is_left(session: Session, done: Imported) -> None:
    created = _load(session, done.created.id)
    created.claimed = True
    session.commit()

    report = undoing.undo(session, ACTOR, done.batch, now=utcnow())
    session.commit()
    assert report.removed == 0
    assert [(e["provider_id"], e["name"]) for e in report.left] == [(done.created.id, "Brand New CIC")]
    assert report.left[0]["reason"]
    assert _load(session, done.created.id).claimed is True


def test_a_created_provider_someone_signed_in_as_is_left(session: Session, done: Imported) -> None:
    factories.user(session, Role.PROVIDER, provider=_load(session, done.created.id))
    session.commit()

    report = undoing.undo(session, ACTOR, done.batch, now=utcnow())
    session.commit()
    assert report.removed == 0 and report.restored == 2
    assert report.left == [
        {"provider_id": done.created.id, "name": "Brand New CIC", "reason": "people have signed in as it"}
    ]
    assert session.get(Provider, done.created.id) is not None


def test_a_provider_deleted_since_is_counted_as_gone(session: Session, done: Imported) -> None:
    session.delete(_load(session, done.created.id))
    session.commit()
    report = undoing.undo(session, ACTOR, done.batch, now=utcnow())
    session.commit()
    assert (report.gone, report.removed, report.restored) == (1, 0, 2)


def test_a_batch_is_undone_once_and_only_when_imported(
    session: Session, tools: planning.Collaborators, done: Imported
) -> None:
    undoing.undo(session, ACTOR, done.batch, now=utcnow())
    session.commit()
    with pytest.raises(StepRefused):
        undoing.undo(session, ACTOR, done.batch, now=utcnow())
    unchecked = upload(session, tools.folder, csv_bytes([line(name="Not Yet", postcode="L36 9GD")]))
    with pytest.raises(StepRefused):
        undoing.undo(session, ACTOR, unchecked, now=utcnow())


def test_a_provider_a_later_import_changed_is_left_until_that_one_is_undone(
    session: Session, tools: planning.Collaborators, done: Imported
) -> None:
    later, counts = imported(
        session,
        tools,
        csv_bytes(
            [
                line(
                    name="Roby Gardeners CIC",
                    number="12345678",
                    registrar="Companies House",
                    description="Changed by the later import",
                )
            ]
        ),
        name="later.csv",
    )
    assert counts.updated == 1

    report = undoing.undo(session, ACTOR, done.batch, now=utcnow())
    session.rollback()  # only looking
    assert [(e["provider_id"], e["reason"]) for e in report.left] == [
        (done.renamed.id, f"import {later.id} changed it afterwards")
    ]

    undoing.undo(session, ACTOR, session.get(ImportBatch, later.id), now=utcnow())  # type: ignore[arg-type]
    session.commit()
    report = undoing.undo(session, ACTOR, session.get(ImportBatch, done.batch.id), now=utcnow())  # type: ignore[arg-type]
    session.commit()
    assert (report.removed, report.restored, report.left) == (1, 2, [])
    assert snapshots.snapshot(_load(session, done.renamed.id)) == done.before["renamed"]


def test_after_an_undo_the_same_file_can_be_imported_again(
    session: Session, tools: planning.Collaborators, done: Imported
) -> None:
    undoing.undo(session, ACTOR, done.batch, now=utcnow())
    session.commit()
    stored_again = upload(session, tools.folder, _file_of(session, tools, done.batch))
    assert results.earlier_imports_of(session, stored_again) == []
    steps.check(session, stored_again, tools, now=utcnow())
    counts = steps.commit(session, ACTOR, stored_again, tools, now=utcnow())
    session.commit()
    assert (counts.created, counts.updated) == (1, 2)
    provider_named(session, "Brand New CIC")


def _file_of(session: Session, tools: planning.Collaborators, batch: ImportBatch) -> bytes:
    with storage.open_stored(session.get(ImportBatch, batch.id), tools.folder) as stream:  # type: ignore[arg-type]
        return stream.read()


def test_undo_says_an_organisation_published_since_was_left_because_it_was_published(
    session: Session, done: Imported
) -> None:
    from app.domain.providers import ProviderStatus

    created = _load(session, done.created.id)
    created.status = ProviderStatus.VERIFIED  # as a bulk publish does: only the status changes
    session.commit()
    report = undoing.undo(session, ACTOR, done.batch, now=utcnow())
    session.commit()
    assert [item["reason"] for item in report.left] == ["it has been published since the import"]
    batch = session.get(ImportBatch, done.batch.id)
    assert batch is not None
    assert batch.undo_summary == (
        "Then undone: 0 removed and 2 restored; 1 left because it has been published since the import."
    )
