"""Fixtures shared by every layer: the app, a database each test leaves as it found it, a client, and factories.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL names one; under pytest-xdist each
worker has a database of its own.

Each test runs inside one transaction on one connection, rolled back at its end (the SAVEPOINT pattern of PyPI's
warehouse and indico): every session the app opens joins that transaction through a savepoint of its own, so
tests and views commit and roll back as in production while nothing reaches the next test. A test whose work
leaves that connection (another thread or process, ``db.engine.begin()``, a copy of the database file) is marked
``commits``: it commits for real and every table is emptied after it.

Reference data (areas with their boundaries, councils, thresholds, categories and the postcode sample) is loaded
once per run into a database of its own; a test that asks for ``reference`` runs, rolled back likewise, on that.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, Table, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import create_app
from app.config import normalise_database_url
from app.extensions import db, limiter
from app.models import Area, Council
from app.services.audit import Actor
from app.services.seed import SeedReport, load_reference_data
from tests import factories
from tests.samples import DEPRIVATION_SAMPLE
from tests.shared_connection import SharedConnection

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "seed_data"
POSTCODE_SAMPLE = ROOT / "tests" / "fixtures" / "postcodes_sample.csv.gz"
POSTCODE_SAMPLE_WARDS = ROOT / "tests" / "fixtures" / "postcodes_sample_wards.csv.gz"

T = TypeVar("T")

#: "gw0", "gw1"... in a pytest-xdist worker, "" otherwise.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def pytest_configure(config: pytest.Config) -> None:
    # The fault tests' RQ worker keeps progress in Redis under batch ids, which each worker's database numbers from
    # 1: a Redis database per xdist worker, two apart, so a SQLite run (14, 12...) and a PostgreSQL run beside it
    # (13, 11..., as .ci/run sets) never share one.
    if WORKER:
        url, number = os.environ.get("FAULT_REDIS_URL", "redis://127.0.0.1:6379/14").rsplit("/", 1)
        os.environ["FAULT_REDIS_URL"] = f"{url}/{(int(number) - 2 * int(WORKER.removeprefix('gw'))) % 16}"


@pytest.hookimpl(trylast=True)  # after tests/browser/conftest.py has marked its tests
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # The browser journeys drive a server in another thread, which cannot see this thread's transaction.
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.commits)


def _database_url(tmp_path_factory: pytest.TempPathFactory, purpose: str) -> str:
    """A database for ``purpose`` ("" for the main one) on the engine the suite runs on, created if need be."""
    base = os.environ.get("TEST_DATABASE_URL")
    suffix = "_".join(part for part in (purpose, WORKER) if part)
    if not base or base.startswith("sqlite"):
        # A file, not ":memory:", so the browser tests' server thread and the fault tests' worker see it too.
        return f"sqlite:///{tmp_path_factory.getbasetemp() / (suffix or 'test')}.db"
    url = make_url(normalise_database_url(base))
    if not suffix:
        return url.render_as_string(hide_password=False)
    url = url.set(database=f"{url.database}_{suffix}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database})
            if found.first() is None:
                connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)


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
    url = _database_url(tmp_path_factory, "")
    uploads = str(tmp_path_factory.mktemp("uploads"))
    app = create_app(
        {"APP_ENV": "test", "SERVER_NAME": "localhost", "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": uploads}
    )
    app.test_client_class = RequestIsolatingClient
    # A session given a connection already in a transaction works in a savepoint of it (see _rolled_back).
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        # Whatever a test committed outside its transaction and left behind, the next test would have seen.
        with db.engine.connect() as connection:
            left = {t.name: n for t in db.metadata.sorted_tables if (n := _count(connection, t))}
        db.drop_all()
        db.engine.dispose()
    assert not left, f"rows left behind after the last test: {left}"


def _count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


@dataclass(frozen=True)
class PreparedDatabase(Generic[T]):
    """A database loaded once per run, which the tests that need its data run on (rolled back likewise)."""

    engine: Engine
    #: What loading it returned (the reference data's report, Knowsley's ids).
    value: T


ReferenceDatabase = PreparedDatabase[SeedReport]

#: Which database a test runs on: "" (the main one, empty), "reference" or "knowsley"; set by _database.
DATABASE = pytest.StashKey[str]()


@contextmanager
def _prepared_database(
    app: Flask, tmp_path_factory: pytest.TempPathFactory, purpose: str, load: Callable[[Session], T]
) -> Iterator[PreparedDatabase[T]]:
    """A database of its own for ``purpose``, loaded by ``load`` and committed; checked unchanged at the end."""
    engine = create_engine(_database_url(tmp_path_factory, purpose), **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    db.metadata.drop_all(engine)
    db.metadata.create_all(engine)
    with app.app_context(), Session(engine) as session:
        value = load(session)
        session.commit()
    with engine.connect() as connection:
        loaded = {t.name: _count(connection, t) for t in db.metadata.sorted_tables}
    yield PreparedDatabase(engine, value)
    with engine.connect() as connection:
        changed = {t.name for t in db.metadata.sorted_tables if _count(connection, t) != loaded[t.name]}
    db.metadata.drop_all(engine)
    engine.dispose()
    assert not changed, f"tests changed the {purpose} database for good: {sorted(changed)}"


def load_reference(session: Session) -> SeedReport:
    """Reference data from seed_data/ with the postcode sample in place of the whole directory, flushed."""
    return load_reference_data(
        session,
        SEED_DIR,
        Actor.system("test"),
        postcode_files=(POSTCODE_SAMPLE, POSTCODE_SAMPLE_WARDS),
        deprivation_files=DEPRIVATION_SAMPLE,
    )


@pytest.fixture(scope="session")
def reference_database(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferenceDatabase]:
    """Reference data and the postcode sample, loaded once for the run."""
    with _prepared_database(app, tmp_path_factory, "reference", load_reference) as prepared:
        yield prepared


@dataclass(frozen=True)
class KnowsleyIds:
    council: int
    district: int
    neighbour: int
    wider: int
    ward: int

    @classmethod
    def load(cls, session: Session) -> KnowsleyIds:
        setup = factories.knowsley_council(session)
        return cls(setup.council.id, setup.district.id, setup.neighbour.id, setup.wider.id, setup.ward.id)

    def setup(self, session: Session) -> factories.CouncilSetup:
        area = functools.partial(session.get_one, Area)
        council = session.get_one(Council, self.council)
        return factories.CouncilSetup(
            council, area(self.district), area(self.neighbour), area(self.wider), area(self.ward)
        )


@pytest.fixture(scope="session")
def knowsley_database(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreparedDatabase[KnowsleyIds]]:
    """Knowsley as factories.knowsley_council makes it, loaded once for the run (some 1,300 tests start from it)."""
    with _prepared_database(app, tmp_path_factory, "knowsley", KnowsleyIds.load) as prepared:
        yield prepared


@contextmanager
def _rolled_back(app: Flask, engine: Engine) -> Iterator[None]:
    """Make every session of ``app`` work in savepoints of one transaction on ``engine``, rolled back at the end."""
    connection = SharedConnection(engine)
    transaction = connection.begin()
    if connection.dialect.name == "sqlite":
        # pysqlite sends BEGIN only before a write: without this, the first SAVEPOINT would open the transaction
        # and its RELEASE (a session's commit) would commit it.
        connection.exec_driver_sql("BEGIN")
    # A savepoint held under the sessions' own, so a Session given the connection without a join mode (the one
    # app/web makes to record that a signed-in session was used) also works in a savepoint.
    connection.begin_nested()
    # Flask-SQLAlchemy's sessions ask db.engines for their bind, whatever the sessionmaker says: db.engine is this
    # connection for the length of the test.
    engines = db._app_engines[app]  # no public way to lend the app a connection
    real = engines[None]
    engines[None] = connection  # type: ignore[assignment]
    try:
        yield
    finally:
        engines[None] = real
        transaction.rollback()
        connection.close()
    if connection.problems:
        pytest.fail(f"{'; '.join(connection.problems)}: mark the test @pytest.mark.commits")


def _empty_every_table(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


#: The prepared databases, by the fixture whose data they hold; a test that uses one runs on its database.
PREPARED = {"reference": "reference_database", "knowsley": "knowsley_database"}


@pytest.fixture(autouse=True)
def _database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Roll back what a test did (or empty every table after a ``commits`` test), and forget rate-limit counts."""
    request.node.stash[DATABASE] = ""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    if request.node.get_closest_marker("commits"):
        yield
        _empty_every_table(app)
    else:
        purpose = next((name for name in PREPARED if name in request.fixturenames), "")
        if purpose:
            engine = request.getfixturevalue(PREPARED[purpose]).engine
        else:
            with app.app_context():
                engine = db.engine
        request.node.stash[DATABASE] = purpose
        with _rolled_back(app, engine):
            yield
    limiter.reset()


@pytest.fixture
def reference(request: pytest.FixtureRequest, app: Flask) -> SeedReport:
    """Reference data and the postcode sample: the run's reference database, or, for a test on another database
    (a ``commits`` test), loaded and committed there (and emptied after the test like everything else)."""
    if request.node.stash[DATABASE] == "reference":
        report: SeedReport = request.getfixturevalue("reference_database").value
        return report
    with app.app_context():
        report = load_reference(db.session)  # type: ignore[arg-type]
        db.session.commit()
        db.session.remove()
    return report


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
def knowsley(request: pytest.FixtureRequest, session: Session) -> factories.CouncilSetup:
    """Knowsley and its neighbours, with bands and thresholds as seeded, committed: the run's Knowsley database,
    or, for a test on another database, made there by the factory."""
    if request.node.stash[DATABASE] == "knowsley":
        ids: KnowsleyIds = request.getfixturevalue("knowsley_database").value
        return ids.setup(session)
    setup = factories.knowsley_council(session)
    session.commit()
    return setup


class AuthActions:
    """Sign in and out through the real pages, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf_token(self, path: str = "/sign-in") -> str:
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
