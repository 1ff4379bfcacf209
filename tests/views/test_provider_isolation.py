"""One provider cannot read or change another's data through any URL or the API (issue 7).

Two organisations, each with a signed-in member. Every page of the provider area is visited as A and must show
nothing of B; every URL that names an object is tried with B's object and must refuse without changing it; the
public pages and the API never show B's contact details or hidden home address."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.domain.providers import ProviderStatus
from app.domain.roles import Role
from app.extensions import db
from app.models import Provider, Site
from tests import factories
from tests.conftest import AuthActions

SECRET_EMAIL = "private-b@example.org"
SECRET_PHONE = "0151 000 9999"
SECRET_ADDRESS = "12 Hidden Home Lane"


@pytest.fixture
def two(knowsley: factories.CouncilSetup) -> dict[str, int]:
    a = factories.provider(db.session, "Alpha Community CIC")
    b = factories.provider(db.session, "Bravo Secret Co-operative", address=SECRET_ADDRESS, address_public=False)
    b.contact_email, b.contact_phone = SECRET_EMAIL, SECRET_PHONE
    factories.user(db.session, Role.PROVIDER, email="member-a@example.org", provider=a)
    factories.user(db.session, Role.PROVIDER, email="member-b@example.org", provider=b)
    db.session.commit()
    return {"a": a.id, "b": b.id, "b_site": b.sites[0].id}


def provider_get_paths(app: Flask) -> list[str]:
    """Every GET page of the provider area that takes no argument."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("providers.") and "GET" in rule.methods and not rule.arguments:
            paths.append(rule.rule)
    return sorted(paths)


def test_every_provider_page_shows_only_your_own_organisation(
    app: Flask, client: FlaskClient, auth: AuthActions, two: dict[str, int]
) -> None:
    auth.sign_in("member-a@example.org")
    paths = provider_get_paths(app)
    assert len(paths) >= 12  # the matrix below is not empty by accident
    for path in paths:
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code in (200, 302, 404), path  # 404: a page for a state A is not in
        for secret in ("Bravo Secret Co-operative", SECRET_EMAIL, SECRET_PHONE, SECRET_ADDRESS):
            assert secret not in page, f"{path} shows {secret}"


def test_another_organisations_premises_cannot_be_read_changed_or_removed(
    client: FlaskClient, auth: AuthActions, two: dict[str, int]
) -> None:
    auth.sign_in("member-a@example.org")
    site_id = two["b_site"]
    assert client.get(f"/provider/premises/{site_id}/address").status_code == 404
    token = auth.csrf_token("/provider/premises")
    changed = client.post(
        f"/provider/premises/{site_id}/address",
        data={"csrf_token": token, "address": "Taken over", "postcode": "L1 8JQ", "kind": "trading_site"},
    )
    removed = client.post(f"/provider/premises/{site_id}/remove", data={"csrf_token": token})
    assert changed.status_code == removed.status_code == 404
    db.session.expire_all()
    site = db.session.get(Site, site_id)
    assert site is not None and site.address == SECRET_ADDRESS and site.provider_id == two["b"]


def test_the_public_pages_and_the_api_never_show_contact_details_or_hidden_addresses(
    client: FlaskClient, auth: AuthActions, two: dict[str, int]
) -> None:
    auth.sign_in("member-a@example.org")
    for path in (
        f"/directory/{two['b']}",
        "/directory",
        "/api/v1/eligible-providers?council=E08000011&value=4000",
    ):
        body = client.get(path).get_data(as_text=True)
        assert "Bravo Secret Co-operative" in body, path  # it is public...
        for secret in (SECRET_EMAIL, SECRET_PHONE, SECRET_ADDRESS):
            assert secret not in body, f"{path} shows {secret}"  # ...its private details are not


def test_an_organisation_not_yet_verified_is_not_public(
    client: FlaskClient, auth: AuthActions, two: dict[str, int]
) -> None:
    provider = db.session.get(Provider, two["b"])
    assert provider is not None
    provider.status = ProviderStatus.SUBMITTED
    db.session.commit()
    auth.sign_in("member-a@example.org")
    assert client.get(f"/directory/{two['b']}").status_code == 404
    api = client.get("/api/v1/eligible-providers?council=E08000011&value=4000&include_unverified=true")
    assert "Bravo Secret Co-operative" not in api.get_data(as_text=True)


def test_asking_to_join_another_organisation_reveals_nothing_private_and_grants_nothing(
    client: FlaskClient, auth: AuthActions, two: dict[str, int]
) -> None:
    auth.sign_in("member-a@example.org")
    page = client.get(f"/provider/join/{two['b']}").get_data(as_text=True)
    for secret in (SECRET_EMAIL, SECRET_PHONE, SECRET_ADDRESS):
        assert secret not in page
    member = db.session.scalar(select(Provider).where(Provider.id == two["a"]))
    assert member is not None  # still A's member: asking is not joining
    dashboard = client.get("/provider/").get_data(as_text=True)
    assert "Alpha Community CIC" in dashboard and "Bravo Secret Co-operative" not in dashboard


def test_officer_and_commissioner_downloads_are_closed_to_providers(
    client: FlaskClient, auth: AuthActions, two: dict[str, int]
) -> None:
    auth.sign_in("member-a@example.org")
    for path in ("/officer/audit.csv", "/officer/imports", "/commissioner/records", "/officer/imports/1/rejected.csv"):
        response = client.get(path)
        assert response.status_code in (403, 404), path
        assert not re.search(r"text/csv", response.headers.get("Content-Type", "")), path


@pytest.mark.parametrize("path", ["/", "/sign-in", "/healthz", "/api/v1/openapi.json", "/no-such-page"])
def test_security_headers_on_every_kind_of_response(client: FlaskClient, path: str) -> None:
    response = client.get(path, base_url="https://localhost")
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert headers["X-Request-ID"]


def test_no_hsts_over_plain_http(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
