"""How many SQL statements a public page sends: an upper bound for the pages the load test hits most, so a lazy load
that creeps back (one statement per provider on a page, or per list on a provider's page) fails here.

The bounds are what each page needs now, with the home council's look-ups (app/web/council.py: the council, its
district, its wider area and that area's districts) counted in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from app.domain.providers import EvidenceState, FactKind
from app.extensions import db
from app.models import Area, ImportBatch, ProviderFact, ProviderIdentifier, Site
from app.models.base import utcnow
from app.services import fulltext
from tests import factories
from tests.views.conftest import NavigationMarket

SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """Every SQL statement sent meanwhile, but for the savepoints each test's transaction is kept in."""
    sent: list[str] = []
    engine = db.session.get_bind()

    def listen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.startswith(SAVEPOINTS):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", listen)


@pytest.fixture
def busy_provider(navigation_market: NavigationMarket, knowsley: factories.CouncilSetup) -> int:
    """Page Moss Navigators with something in every list its page shows: three premises, two numbers (one from an
    import), four facts (one from an import), two services and two areas served."""
    provider = navigation_market.page_moss
    batch = ImportBatch(source_name="Co-operatives UK", file_name="cuk.csv", sha256="0" * 64, committed_at=utcnow())
    db.session.add(batch)
    for postcode, district, ward in (("L1 8JQ", "E08000012", None), ("L36 9GD", "E08000011", knowsley.ward.code)):
        provider.sites.append(
            Site(address="2 Test Street", postcode=postcode, district_code=district, ward_code=ward, latitude=53.4)
        )
    provider.identifiers.extend(
        [
            ProviderIdentifier(scheme="GB-COH", value="01234567", org_id="GB-COH-01234567"),
            ProviderIdentifier(
                scheme="GB-CHC",
                value="1234567",
                org_id="GB-CHC-1234567",
                evidence=EvidenceState.COUNCIL_IMPORT,
                import_batch=batch,
            ),
        ]
    )
    provider.facts.extend(
        [
            ProviderFact(kind=FactKind.ASSET_LOCK, value="yes", as_of=date(2025, 4, 1)),
            ProviderFact(kind=FactKind.MEMBER_OWNED, value="no"),
            ProviderFact(
                kind=FactKind.STAFF_COUNT, value="12", evidence=EvidenceState.COUNCIL_IMPORT, import_batch=batch
            ),
        ]
    )
    provider.services.append(navigation_market.cleaning)
    provider.areas_served.extend([knowsley.district, db.session.get_one(Area, knowsley.neighbour.id)])
    db.session.commit()
    return provider.id


def test_a_providers_public_page_loads_its_lists_in_three_statements(client: FlaskClient, busy_provider: int) -> None:
    path = f"/directory/{busy_provider}"
    with statements_sent() as sent:
        page = client.get(path).get_data(as_text=True)
    # Everything it shows, so no list was left out of the loading.
    for shown in (
        "2 Test Street",
        "Liverpool",
        "1234567",
        "01234567",
        "Asset lock",
        "Number of staff",
        "Cleaning",
        "Community support, advice and navigation",
        "Knowsley, Page Moss ward",
    ):
        assert shown in page, shown
    assert "From the council" in page  # the import that recorded a number, from the joined batch
    # 1 register version (its ETag) + 3 or 4 the home council and its local area + 3 the provider and its lists
    # (12 with lazy loads).
    assert len(sent) <= 8, "\n".join(sent)


def test_a_providers_page_is_one_statement_more_for_someone_signed_in(
    commissioner_client: FlaskClient, busy_provider: int
) -> None:
    with statements_sent() as sent:
        assert commissioner_client.get(f"/directory/{busy_provider}").status_code == 200
    # No register version (no ETag for the signed in) but the user, their server-side session and their council.
    assert len(sent) <= 10, "\n".join(sent)


def test_an_unverified_providers_page_is_one_statement(
    client: FlaskClient, navigation_market: NavigationMarket
) -> None:
    path = f"/directory/{navigation_market.draft.id}"
    with statements_sent() as sent:
        assert client.get(path).status_code == 404
    # The register version, then the provider asked for (the 404 page's layout adds the council).
    assert len(sent) <= 3, "\n".join(sent)


@pytest.fixture
def full_page(navigation_market: NavigationMarket) -> None:
    """Enough providers for a full page of the directory, each with premises and a service."""
    for number in range(30):
        provider = factories.provider(db.session, f"Navigators {number:02d} CIC")
        provider.services.append(navigation_market.navigation)
        fulltext.refresh(db.session, provider)
    db.session.commit()


@pytest.mark.parametrize(
    "path", ["/directory", "/directory?page=2", "/directory?q=navigators", "/directory?district=E08000011&page=2"]
)
@pytest.mark.usefixtures("full_page")
def test_a_directory_page_sends_a_fixed_number_of_statements_whatever_its_rows(client: FlaskClient, path: str) -> None:
    with statements_sent() as sent:
        page = client.get(path).get_data(as_text=True)
    assert page.count('href="/directory/') >= 10
    # The register version, the district and service lists, the count, the page (and its premises and their
    # districts' names), the council: not one more per provider.
    assert len(sent) <= 11, "\n".join(sent)
