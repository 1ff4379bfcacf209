"""The audit log for officers: filtered, paged, exported as formula-safe CSV (the export itself recorded)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.domain.roles import Role
from app.extensions import db
from app.models import AuditEvent, User
from tests import factories
from tests.conftest import AuthActions


@pytest.fixture
def officer(knowsley: factories.CouncilSetup, auth: AuthActions) -> User:
    user = factories.user(db.session, Role.OFFICER, email="officer@knowsley.example", council=knowsley.council)
    db.session.add_all(
        [
            AuditEvent(
                actor_label="alice@knowsley.example",
                action="provider.verified",
                entity_type="provider",
                entity_id="7",
                changes={"note": '=HYPERLINK("http://evil")'},
                occurred_at=datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
            ),
            AuditEvent(
                actor_label="bob@knowsley.example",
                action="import.committed",
                entity_type="import_batch",
                entity_id="3",
                changes={"counts": {"created": 2}},
                occurred_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
            ),
        ]
    )
    db.session.commit()
    auth.sign_in(user.email)
    return user


def test_the_log_lists_events_newest_first(client: FlaskClient, officer: User) -> None:
    page = client.get("/officer/audit").get_data(as_text=True)
    assert page.index("import.committed") < page.index("provider.verified")
    assert "bob@knowsley.example" in page and "alice@knowsley.example" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("action=import.committed", "import.committed", "provider.verified"),
        ("actor=ALICE", "provider.verified", "import.committed"),
        ("since=1/11/2026", "import.committed", "provider.verified"),
        ("until=1/11/2026", "provider.verified", "import.committed"),
    ],
)
def test_filters(client: FlaskClient, officer: User, query: str, shown: str, hidden: str) -> None:
    page = client.get(f"/officer/audit?{query}").get_data(as_text=True)
    assert shown in page and hidden not in page.split("<table")[-1]


def test_a_bad_date_is_explained_at_the_field(client: FlaskClient, officer: User) -> None:
    response = client.get("/officer/audit?since=31/2/2026")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and "Enter a real date, like 1/4/2027" in page


def test_the_export_is_formula_safe_and_recorded(client: FlaskClient, officer: User) -> None:
    response = client.get("/officer/audit.csv?actor=alice", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["id", "when (UTC)", "who", "action", "what", "which", "details"]
    assert [r[3] for r in rows[1:]] == ["provider.verified"]
    assert rows[1][6].startswith("{") and "HYPERLINK" in rows[1][6]  # JSON text: it cannot start a formula
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit_log.exported")).all()
    assert len(exported) == 1 and exported[0].actor_label == "officer@knowsley.example"
    assert exported[0].changes == {"actor": "alice"}


def test_a_formula_in_a_who_cell_is_neutralised(client: FlaskClient, officer: User) -> None:
    db.session.add(AuditEvent(actor_label="=cmd|'/c calc'!A1", action="x.y", entity_type="z", changes={}))
    db.session.commit()
    body = client.get("/officer/audit.csv?action=x.y", buffered=True).get_data(as_text=True)
    assert "\"'=cmd|'/c calc'!A1\"" in body


def test_odd_query_arguments_are_ignored_not_a_500(client: FlaskClient, officer: User) -> None:
    response = client.get("/officer/audit?endpoint=x&_method=POST&page=99999999999999999999")
    assert response.status_code == 200
