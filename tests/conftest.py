"""Fixtures shared by every layer: the app, a clean database per test, a client, and factories.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL names one.
Each test starts with empty tables; rows are deleted after it, so tests may commit freely.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app import create_app
from app.config import normalise_database_url
from app.extensions import db, limiter
from tests import factories


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own app context, as in production, even while a test holds one open.

    Without this, requests would share the test's app context: one ``g`` (cached CSRF tokens,
    nonces, the council) and one database session across requests.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    # A file, not ":memory:", so the browser tests' server thread sees the same SQLite database.
    default_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = normalise_database_url(os.environ.get("TEST_DATABASE_URL") or default_url)
    uploads = str(tmp_path_factory.mktemp("uploads"))
    app = create_app(
        {"APP_ENV": "test", "SERVER_NAME": "localhost", "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": uploads}
    )
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after each test that used the app, and forget rate-limit counts."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        limiter.reset()


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def session(app: Flask, app_context: None) -> Session:
    """The Flask-SQLAlchemy session, inside an app context."""
    return db.session  # type: ignore[return-value]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def knowsley(session: Session) -> factories.CouncilSetup:
    """Knowsley and its neighbours, with bands and thresholds as seeded, committed."""
    setup = factories.knowsley_council(session)
    session.commit()
    return setup


class AuthActions:
    """Sign in and out through the real pages, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf_token(self, path: str = "/sign-in") -> str:
        import re

        page = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def sign_in(self, email: str, password: str = factories.PASSWORD):  # type: ignore[no-untyped-def]
        return self.client.post(
            "/sign-in", data={"email": email, "password": password, "csrf_token": self.csrf_token()}
        )

    def sign_out(self):  # type: ignore[no-untyped-def]
        return self.client.post("/sign-out", data={"csrf_token": self.csrf_token("/")})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
