"""Migration 0009_providers removes premises left without an address by the old "Find the area" step (#18),
records each removal, leaves imported premises alone, and its downgrade puts the rows back."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.providers import SiteKind
from app.extensions import db
from app.models import AuditEvent, Site
from app.services import audit
from app.services.audit import Actor
from tests import factories

PATH = Path(__file__).resolve().parents[1] / "migrations/versions/0009_providers.py"


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0009_providers", PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(step: str) -> None:
    with db.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        getattr(_migration(), step)()


@pytest.mark.commits  # the migration runs on a connection of its own (db.engine.begin())
def test_unfinished_premises_are_removed_recorded_and_restored(session: Session) -> None:
    provider = factories.provider(session, "Old Flow CIC")  # one finished trading site
    abandoned = Site(kind=SiteKind.REGISTERED_OFFICE, postcode="L36 9GD", district_code="E08000011")
    imported = Site(kind=SiteKind.TRADING_SITE, postcode="L1 8JQ")  # an import's premises may lack an address
    provider.sites.extend([abandoned, imported])
    session.flush()
    for site in (provider.sites[0], abandoned):
        audit.record(session, Actor.system("test"), "site.added", "site", site.id, {"provider_id": provider.id})
    session.commit()
    ids = {"finished": provider.sites[0].id, "abandoned": abandoned.id, "imported": imported.id}
    session.close()

    _run("upgrade")
    left = set(session.scalars(select(Site.id)))
    assert left == {ids["finished"], ids["imported"]}
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "site.removed"))
    assert event is not None and event.entity_id == str(ids["abandoned"])
    assert event.actor_label == "migration 0009_providers"
    assert event.changes["reason"] == "Found by postcode but the address was never given"
    assert event.changes["site"]["postcode"] == "L36 9GD"
    session.close()

    _run("downgrade")
    back = session.get(Site, ids["abandoned"])
    assert back is not None and back.kind == SiteKind.REGISTERED_OFFICE and back.district_code == "E08000011"
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "site.removed")) is None
