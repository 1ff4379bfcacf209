"""Links in emails and the API point at a host the service trusts (issue 11, findings 11 and 19).

Production links always start at SERVER_BASE_URL; development links made during a request follow the request's
own host and port; a Host outside TRUSTED_HOSTS is refused with a 400 before it can reach a link or a cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.outbox import OutboxEmail
from app.web.urls import absolute_url
from tests import factories
from tests.views.conftest import csrf_in

API = "/api/v1/eligible-providers?council=E08000011&value=4000"
BASE = "https://suppliers.example.gov.uk"


@pytest.fixture
def production_links(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app as production runs it: links from SERVER_BASE_URL, which also answers to localhost here."""
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    monkeypatch.setitem(app.config, "SERVER_BASE_URL", BASE)
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["suppliers.example.gov.uk", "localhost"])
    yield


def reset_link(client: FlaskClient, email: str, base_url: str) -> str:
    """Ask for a password reset through the page at ``base_url`` and read the link from the email it sends."""
    page = client.get("/forgot-password", base_url=base_url).get_data(as_text=True)
    response = client.post("/forgot-password", data={"email": email, "csrf_token": csrf_in(page)}, base_url=base_url)
    assert response.status_code == 302
    body = db.session.scalars(select(OutboxEmail.body).order_by(OutboxEmail.id.desc())).first()
    assert body
    link = re.search(r"https?://\S+/reset-password/\S+", body)
    assert link, body
    return link.group(0)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "localhost.evil.example"])
def test_the_api_refuses_a_host_it_does_not_trust_in_json(
    client: FlaskClient, knowsley: factories.CouncilSetup, host: str
) -> None:
    response = client.get(API, headers={"Host": host})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {"code": "http_error", "parameter": None, "message": "This service does not answer to that address"}
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert "evil" not in response.get_data(as_text=True)


def test_pages_refuse_a_host_they_do_not_trust_with_a_400_not_a_500(client: FlaskClient) -> None:
    for path in ("/", "/sign-in", "/forgot-password", "/no-such-page"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert response.mimetype == "text/html"
        assert "This service does not answer to that address" in response.get_data(as_text=True)
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:8123"}).status_code == 200


def test_production_api_links_start_at_the_base_url_whatever_trusted_host_asked(
    client: FlaskClient, knowsley: factories.CouncilSetup, production_links: None
) -> None:
    factories.provider(db.session, "Page Moss Navigators CIC")
    db.session.commit()
    body = client.get(API).get_json()  # asked of localhost, a trusted host but not the service's address
    assert body["links"]["self"].startswith(f"{BASE}/api/v1/eligible-providers?")
    assert body["links"]["openapi"] == f"{BASE}/api/v1/openapi.json"
    assert body["results"][0]["url"].startswith(f"{BASE}/directory/")
    assert client.get(API, headers={"Host": "evil.example"}).status_code == 400


def test_development_api_links_follow_the_request_s_own_port(
    client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    body = client.get(API, base_url="http://127.0.0.1:8123").get_json()
    assert body["links"]["self"].startswith("http://127.0.0.1:8123/api/v1/eligible-providers?")


def test_email_links_follow_the_port_the_development_server_runs_on(client: FlaskClient, officer: User) -> None:
    link = reset_link(client, officer.email, "http://127.0.0.1:8123")
    assert link.startswith("http://127.0.0.1:8123/reset-password/")
    assert client.get(link).status_code == 200


def test_production_email_links_use_the_base_url_not_the_request_s_host(
    client: FlaskClient, officer: User, production_links: None
) -> None:
    link = reset_link(client, officer.email, "http://localhost")
    assert link.startswith(f"{BASE}/reset-password/")


def test_links_made_outside_a_request_start_at_the_base_url(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        assert absolute_url("auth.reset_password", token="abc") == "http://localhost/reset-password/abc"
        monkeypatch.setitem(app.config, "SERVER_BASE_URL", "https://council.example.gov.uk/suppliers")
        assert absolute_url("api.openapi") == "https://council.example.gov.uk/suppliers/api/v1/openapi.json"
        assert absolute_url("api.eligible_providers", value="£4,500", page=None) == (
            "https://council.example.gov.uk/suppliers/api/v1/eligible-providers?value=%C2%A34,500"
        )
