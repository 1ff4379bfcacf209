"""`flask search reindex`."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, ProviderSearchDocument
from tests import factories


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def test_reindex_rebuilds_every_document_and_records_it(
    runner: FlaskCliRunner, session: Session, knowsley: factories.CouncilSetup
) -> None:
    providers = [factories.provider(session, f"Reindexed {n} CIC") for n in range(3)]
    session.commit()
    for document in session.scalars(select(ProviderSearchDocument)):
        session.delete(document)
    session.commit()

    result = runner.invoke(args=["search", "reindex"])

    assert result.exit_code == 0, result.output
    assert "Indexed 3 providers." in result.output
    session.expire_all()
    indexed = set(session.scalars(select(ProviderSearchDocument.provider_id)))
    assert indexed == {p.id for p in providers}
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "search.reindexed")).one()
    assert event.changes == {"providers": 3} and event.actor_label == "command line"
