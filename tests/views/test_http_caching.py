"""Conditional GETs of public pages (app/web/caching.py): an ETag from the register's version, a 304 before the page
renders, a new ETag after any audited change, and nothing of it for anyone signed in."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AuditEvent, ServiceCategory, User
from app.models.base import utcnow
from app.services import verification
from app.web import caching
from tests.conftest import AuthActions
from tests.views.conftest import NavigationMarket

API_SEARCH = "/api/v1/eligible-providers?council=E08000011&value=4000&category=community-support"


@pytest.fixture
def public_paths(navigation_market: NavigationMarket) -> list[str]:
    """Every kind of page answered conditionally."""
    return [
        "/",
        "/directory",
        "/directory?page=1&legal_form=cic&q=navigation",
        f"/directory/{navigation_market.page_moss.id}",
        "/accessibility",
        "/privacy",
        "/cookies",
        "/data-sources",
        API_SEARCH,
        "/api/v1/openapi.json",
    ]


def test_a_public_page_answers_with_a_weak_etag_and_revalidation(client: FlaskClient, public_paths: list[str]) -> None:
    for path in public_paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["ETag"].startswith('W/"'), path
        assert "Cookie" in response.headers["Vary"], path
        assert "Set-Cookie" not in response.headers, path
        expected = caching.CACHE_CONTROL[
            "api.eligible_providers" if path == API_SEARCH else "api.openapi" if "openapi" in path else "public.index"
        ]
        assert response.headers["Cache-Control"] == expected, path


def test_the_etag_answers_304_with_no_body_and_the_same_cache_headers(
    client: FlaskClient, public_paths: list[str]
) -> None:
    for path in public_paths:
        first = client.get(path)
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
        assert again.data == b"", path
        assert again.headers["ETag"] == first.headers["ETag"], path
        assert again.headers["Cache-Control"] == first.headers["Cache-Control"], path
        assert "Cookie" in again.headers["Vary"], path
        assert "Content-Type" not in again.headers and "Content-Length" not in again.headers, path


def test_a_304_keeps_the_cached_pages_csp_rather_than_sending_a_new_nonce(client: FlaskClient) -> None:
    first = client.get("/directory")
    nonce = first.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in first.get_data(as_text=True)  # the 200's policy lets its own script run
    again = client.get("/directory", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert "Content-Security-Policy" not in again.headers  # a cache keeps the stored one, which matches its body


def test_a_stale_or_wrong_etag_gets_the_page(client: FlaskClient, navigation_market: NavigationMarket) -> None:
    for sent in ('W/"0123"', '"0123"', "nonsense"):
        response = client.get("/directory", headers={"If-None-Match": sent})
        assert response.status_code == 200 and "Page Moss Navigators CIC" in response.get_data(as_text=True)


def test_each_address_has_its_own_etag(client: FlaskClient, navigation_market: NavigationMarket) -> None:
    tags = {client.get(path).headers["ETag"] for path in ("/directory", "/directory?page=1", "/directory?q=moss")}
    assert len(tags) == 3
    first = client.get("/directory?q=moss").headers["ETag"]
    assert client.get("/directory", headers={"If-None-Match": first}).status_code == 200


def test_an_officer_verifying_a_provider_changes_the_etag(
    client: FlaskClient, navigation_market: NavigationMarket, officer: User
) -> None:
    before = client.get("/directory")
    assert "Draft Navigators CIC" not in before.get_data(as_text=True)

    verification.verify(db.session, officer, navigation_market.draft, utcnow(), "http://localhost/provider")
    db.session.commit()

    after = client.get("/directory", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "Draft Navigators CIC" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get("/directory", headers={"If-None-Match": after.headers["ETag"]}).status_code == 304


def test_head_answers_conditionally_too(client: FlaskClient, navigation_market: NavigationMarket) -> None:
    head = client.head("/directory")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == client.get("/directory").headers["ETag"]
    again = client.head("/directory", headers={"If-None-Match": head.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_signed_in_pages_are_never_304_nor_publicly_cached(
    client: FlaskClient, commissioner_client: FlaskClient, public_paths: list[str]
) -> None:
    for path in public_paths:
        response = commissioner_client.get(path, headers={"If-None-Match": "*"})
        assert response.status_code == 200, path
        assert "ETag" not in response.headers, path
        expected = "public, max-age=3600" if "openapi" in path else "private, no-store" if "/api/" in path else None
        assert response.headers["Cache-Control"] == (expected or "no-store"), path


def test_someone_with_a_session_cookie_but_not_signed_in_gets_no_store(
    client: FlaskClient, navigation_market: NavigationMarket
) -> None:
    client.get("/sign-in")  # the sign-in form's CSRF token lives in the session: the browser now has its cookie
    response = client.get("/directory", headers={"If-None-Match": "*"})
    assert response.status_code == 200
    assert "ETag" not in response.headers and response.headers["Cache-Control"] == "no-store"


def test_pages_behind_sign_in_and_errors_are_not_tagged(
    client: FlaskClient, navigation_market: NavigationMarket
) -> None:
    unverified = client.get(f"/directory/{navigation_market.draft.id}")
    assert unverified.status_code == 404 and "ETag" not in unverified.headers
    assert unverified.headers["Cache-Control"] == "no-store"
    assert "ETag" not in client.get("/sign-in").headers
    bad = client.get("/api/v1/eligible-providers?council=E08000011&value=lots")
    assert bad.status_code == 400 and "ETag" not in bad.headers


def test_a_late_commit_of_an_older_event_changes_the_register_version(session: Session) -> None:
    """On PostgreSQL a transaction holding id 6 can commit after the one holding id 7: the version must move."""
    row = {"actor_label": "test", "action": "test", "entity_type": "test", "changes": {}}
    session.execute(insert(AuditEvent), [{"id": i, **row} for i in (1, 2, 3, 4, 5, 7)])
    before = caching.register_version(session)
    session.execute(insert(AuditEvent), [{"id": 6, **row}])
    after = caching.register_version(session)
    assert before == (7, 6) and after == (7, 7)


def test_the_build_digest_changes_with_any_template_code_or_setting(tmp_path: Path) -> None:
    for folder in caching.BUILD_FOLDERS:
        (tmp_path / folder).mkdir()
    (tmp_path / "templates" / "page.html").write_text("<p>Hello</p>")
    (tmp_path / "app" / "views.py").write_text("x = 1")
    settings = {"COUNCIL_NAME": "Knowsley Council"}
    first = caching.build_digest(tmp_path, settings)
    assert caching.build_digest(tmp_path, settings) == first
    (tmp_path / "templates" / "page.html").write_text("<p>Hello!</p>")
    second = caching.build_digest(tmp_path, settings)
    (tmp_path / "app" / "views.py").write_text("x = 2")
    third = caching.build_digest(tmp_path, settings)
    fourth = caching.build_digest(tmp_path, {"COUNCIL_NAME": "Sefton Council"})
    assert len({first, second, third, fourth}) == 4


def test_the_build_is_worked_out_once_per_process(app: Flask, client: FlaskClient) -> None:
    client.get("/accessibility")
    kept = app.extensions["build_digest"]
    client.get("/privacy")
    assert app.extensions["build_digest"] is kept


def test_a_sign_in_changes_no_public_etag(
    client: FlaskClient, auth: AuthActions, commissioner: User, navigation_market: NavigationMarket
) -> None:
    before = client.get("/directory").headers["ETag"]
    assert auth.sign_in(commissioner.email).status_code == 302  # writes user.signed_in to the audit trail
    anonymous = client.application.test_client()
    assert anonymous.get("/directory", headers={"If-None-Match": before}).status_code == 304


def test_only_actions_that_change_no_public_page_leave_the_version(session: Session) -> None:
    row = {"actor_label": "test", "entity_type": "test", "changes": {}}
    session.execute(insert(AuditEvent), [{"id": 1, "action": "provider.verified", **row}])
    first = caching.register_version(session)
    for number, action in enumerate(["user.signed_in", "record.created", "spend.import", "user_x.any"], start=2):
        session.execute(insert(AuditEvent), [{"id": number, "action": action, **row}])
        if action != "user_x.any":
            assert caching.register_version(session) == first, action
    assert caching.register_version(session) != first  # a prefix is a whole word: 'user_x.' is not 'user.'


def test_the_directorys_kept_filter_lists_follow_the_register(
    client: FlaskClient, navigation_market: NavigationMarket
) -> None:
    """The filter lists' markup is kept by content: a new service shows at once. (With the lists themselves kept for
    the register's version, as in production, an audited change is what brings it: the next test.)"""
    first = client.get("/directory").get_data(as_text=True)
    assert '<option value="catering">' not in first
    catering = ServiceCategory(slug="catering", name="Catering")
    navigation_market.huyton.services.append(catering)
    db.session.commit()
    second = client.get("/directory?service=catering").get_data(as_text=True)
    assert '<option value="catering" selected>Catering</option>' in second
    assert first.count("<option") + 1 == second.count("<option")


def test_a_query_that_is_not_utf8_still_gets_a_tagged_answer(
    client: FlaskClient, navigation_market: NavigationMarket
) -> None:
    response = client.get("/directory?q=caf%E9")  # Latin-1, as an old form might send it
    assert response.status_code == 200
    assert response.headers["ETag"].startswith('W/"')
    assert client.get("/directory?q=caf%E9", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_values_kept_for_the_register_version_are_worked_out_again_only_when_it_moves(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "KEEP_FOR_REGISTER_VERSION", True)
    monkeypatch.setitem(app.extensions, "kept_for_register", {})
    worked: list[int] = []

    def kept() -> int:
        with app.test_request_context("/directory"):
            g.pop("register_version", None)  # a new request (this test's app context, and so g, outlives each)
            return caching.kept_for_register_version("answer", lambda: worked.append(1) or len(worked))

    row = {"actor_label": "test", "entity_type": "test", "changes": {}}
    assert kept() == 1 and kept() == 1  # a second request, the same version: kept
    session.execute(insert(AuditEvent), [{"action": "user.signed_in", **row}])
    assert kept() == 1  # a private event leaves the version
    session.execute(insert(AuditEvent), [{"action": "provider.verified", **row}])
    assert kept() == 2 and kept() == 2  # a public one moves it: worked out again, once

    def by_key(key: str) -> str:
        with app.test_request_context("/directory"):
            return caching.kept_for_register_version("by key", lambda: worked.append(1) or key, key=key, most=2)

    worked.clear()
    assert [by_key("a"), by_key("b"), by_key("a")] == ["a", "b", "a"] and len(worked) == 2  # one each, kept
    assert by_key("c") == "c" and by_key("a") == "a" and len(worked) == 3  # "b", the least recently used, went
    assert by_key("b") == "b" and len(worked) == 4
    monkeypatch.setitem(app.config, "KEEP_FOR_REGISTER_VERSION", False)
    assert kept() == 5 and kept() == 6  # off (as in tests): worked out every time


def test_the_directorys_districts_kept_in_production_follow_an_audited_change(
    app: Flask, client: FlaskClient, navigation_market: NavigationMarket, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "KEEP_FOR_REGISTER_VERSION", True)
    monkeypatch.setitem(app.extensions, "kept_for_register", {})
    kept = app.extensions["kept_for_register"]

    def districts_kept() -> tuple[object, object]:
        ((version, _), value), *older = kept["directory districts"].items()
        assert not older  # one list is kept, for the newest version
        return version, value

    before = client.get("/directory").get_data(as_text=True)
    assert "Draft Navigators CIC" not in before
    version, districts = districts_kept()
    assert client.get("/directory?page=1").status_code == 200
    assert districts_kept() == (version, districts) and districts_kept()[1] is districts  # kept while nothing changes
    verification.verify(db.session, officer, navigation_market.draft, utcnow(), "http://localhost/provider")
    db.session.commit()
    after = client.get("/directory").get_data(as_text=True)
    assert "Draft Navigators CIC" in after
    new_version, new_districts = districts_kept()
    assert new_version != version  # read again for the new version
    assert new_districts == districts and new_districts is not districts
