"""How a view test becomes a user: role fixtures, signing in through the real pages, and CSRF tokens.

Every test here drives the app through the test client, as a browser would. These are the one copy of
"an officer of Knowsley, signed in" and of finding a form's CSRF token, so a change to signing in or to
the token's markup is made once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.domain.providers import FactKind, LegalForm, ProviderStatus
from app.domain.roles import Role
from app.extensions import db
from app.models import Postcode, PostcodeRelease, Provider, ProviderFact, ServiceCategory, User
from app.services import fulltext
from tests import factories
from tests.conftest import AuthActions

# The roles as the access tables name them; ANON is nobody signed in.
ANON, PROVIDER, COMMISSIONER, OFFICER, ADMIN = "anonymous", "provider", "commissioner", "officer", "admin"
ROLES = (ANON, PROVIDER, COMMISSIONER, OFFICER, ADMIN)

_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_in(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = _CSRF.search(html)
    assert match, f"no form with a CSRF token in: {html[:300]}"
    return match.group(1)


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on the page at ``path``."""
    return csrf_in(client.get(path).get_data(as_text=True))


def post_form(client: FlaskClient, path: str, data: Mapping[str, object]) -> TestResponse:
    """Post ``data`` to ``path`` with the token of the form on that page, as a browser submits it."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def draft_organisation(client: FlaskClient, legal_form: str = "private_company") -> None:
    """A signed-in provider starts registering Page Moss Navigators: its name and legal form answered."""
    assert post_form(client, "/provider/organisation/name", {"name": "Page Moss Navigators"}).status_code == 302
    assert post_form(client, "/provider/organisation/legal-form", {"legal_form": legal_form}).status_code == 302


def newest_provider() -> Provider:
    """The provider registered last, read afresh from the database."""
    db.session.expire_all()
    provider = db.session.scalar(select(Provider).order_by(Provider.id.desc()))
    assert provider is not None
    return provider


def new_user(role: str, knowsley: factories.CouncilSetup) -> User:
    """A new user with ``role``: council staff of Knowsley, or a provider user of an organisation of its own."""
    if role == PROVIDER:
        own = factories.provider(db.session, "Someone Else's CIC")
        return factories.user(db.session, Role.PROVIDER, provider=own)
    return factories.user(db.session, Role(role), council=knowsley.council)


@pytest.fixture
def sign_in_as(auth: AuthActions, knowsley: factories.CouncilSetup) -> Callable[[str], str]:
    """Sign in as a new user with a role (or stay signed out for ANON) and return the session's CSRF token."""

    def sign_in(role: str) -> str:
        if role == ANON:
            db.session.commit()
            return auth.csrf_token("/sign-in")
        user = new_user(role, knowsley)
        db.session.commit()
        assert auth.sign_in(user.email).status_code == 302
        return auth.csrf_token("/")

    return sign_in


@pytest.fixture
def postcode_directory(knowsley: factories.CouncilSetup) -> None:
    """A tiny postcode release with real points: Knowsley (Page Moss), Liverpool, and a Crown dependency."""
    release = PostcodeRelease(name="test", source_file="test", sha256="x", source_format="test", active=True)
    db.session.add(release)
    db.session.flush()
    for postcode, lat, lon, district, ward in [
        ("L36 9GD", 53.410696, -2.84173, "E08000011", knowsley.ward.code),
        ("L1 8JQ", 53.4044, -2.9806, "E08000012", None),
        ("GY1 1AA", None, None, None, None),
    ]:
        db.session.add(
            Postcode(
                release_id=release.id,
                postcode=postcode,
                outcode=postcode.split()[0],
                latitude=lat,
                longitude=lon,
                district_code=district,
                ward_code=ward,
            )
        )
    db.session.add(ServiceCategory(slug="community-support", name="Community support, advice and navigation"))
    db.session.add(ServiceCategory(slug="cleaning", name="Cleaning"))
    db.session.commit()


@pytest.fixture
def provider_user(knowsley: factories.CouncilSetup) -> User:
    """Someone who runs an organisation, founder@pagemoss.example, with no organisation on the register yet."""
    user = factories.user(db.session, Role.PROVIDER, email="founder@pagemoss.example")
    db.session.commit()
    return user


@pytest.fixture
def officer(knowsley: factories.CouncilSetup) -> User:
    """Knowsley's register officer, officer@knowsley.example, not signed in."""
    user = factories.user(db.session, Role.OFFICER, email="officer@knowsley.example", council=knowsley.council)
    db.session.commit()
    return user


@pytest.fixture
def commissioner(knowsley: factories.CouncilSetup) -> User:
    """A Knowsley commissioner, buyer@knowsley.example, not signed in."""
    user = factories.user(db.session, Role.COMMISSIONER, email="buyer@knowsley.example", council=knowsley.council)
    db.session.commit()
    return user


@pytest.fixture
def officer_client(client: FlaskClient, auth: AuthActions, officer: User) -> FlaskClient:
    """The test client, signed in as ``officer``."""
    assert auth.sign_in(officer.email).status_code == 302
    return client


@pytest.fixture
def commissioner_client(client: FlaskClient, auth: AuthActions, commissioner: User) -> FlaskClient:
    """The test client, signed in as ``commissioner``."""
    assert auth.sign_in(commissioner.email).status_code == 302
    return client


@pytest.fixture
def provider_client(client: FlaskClient, auth: AuthActions, provider_user: User) -> FlaskClient:
    """The test client, signed in as ``provider_user``."""
    assert auth.sign_in(provider_user.email).status_code == 302
    return client


@pytest.fixture
def officer_token(officer_client: FlaskClient, auth: AuthActions) -> str:
    """Signed in as ``officer``: the session's CSRF token."""
    return auth.csrf_token("/")


@dataclass(frozen=True)
class NavigationMarket:
    """Who a commissioner buying community navigation in Knowsley finds, and who they do not."""

    navigation: ServiceCategory
    cleaning: ServiceCategory
    page_moss: Provider  # local, published, a CIC paying the Real Living Wage
    huyton: Provider  # local, published, a co-operative
    city: Provider  # in Liverpool, a private company
    cleaner: Provider  # local, but a cleaner
    draft: Provider  # local, sent and not yet checked

    @property
    def providers(self) -> tuple[Provider, ...]:
        return (self.page_moss, self.huyton, self.city, self.cleaner, self.draft)

    def refresh_search(self) -> None:
        """Index what the providers say for the keyword search, after any change to them."""
        for provider in self.providers:
            fulltext.refresh(db.session, provider)


@pytest.fixture
def navigation_market(knowsley: factories.CouncilSetup) -> NavigationMarket:
    """Navigation providers in and around Knowsley, a cleaner and an unchecked one, searchable and committed."""
    navigation = ServiceCategory(slug="community-support", name="Community support, advice and navigation")
    cleaning = ServiceCategory(slug="cleaning", name="Cleaning")
    db.session.add_all([navigation, cleaning])
    page_moss = factories.provider(db.session, "Page Moss Navigators CIC", ward_code=knowsley.ward.code)
    page_moss.description = "Community navigation for Page Moss residents"
    page_moss.facts.append(ProviderFact(kind=FactKind.REAL_LIVING_WAGE, value="yes"))
    huyton = factories.provider(db.session, "Huyton Helpers Co-operative", legal_form=LegalForm.COOPERATIVE)
    city = factories.provider(
        db.session, "City Navigators Ltd", district_code="E08000012", legal_form=LegalForm.PRIVATE_COMPANY
    )
    cleaner = factories.provider(db.session, "Knowsley Cleaners CIC")
    draft = factories.provider(db.session, "Draft Navigators CIC", status=ProviderStatus.SUBMITTED)
    for provider in (page_moss, huyton, city, draft):
        provider.services = [navigation]
    cleaner.services = [cleaning]
    market = NavigationMarket(navigation, cleaning, page_moss, huyton, city, cleaner, draft)
    market.refresh_search()
    db.session.commit()
    return market
