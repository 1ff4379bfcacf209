"""Every endpoint by every role: the designed status codes, and no route left out of the table."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.domain.roles import Role
from tests import factories

ANON, PROVIDER, COMMISSIONER, OFFICER, ADMIN = "anonymous", "provider", "commissioner", "officer", "admin"
ROLES = (ANON, PROVIDER, COMMISSIONER, OFFICER, ADMIN)

# endpoint -> (GET path, {role: expected status}); a role left out expects the "default" status.
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "public.index": ("/", {"default": 200}),
    "public.directory_index": ("/directory", {"default": 200}),
    "public.provider": ("/directory/{provider_id}", {"default": 200}),
    "public.accessibility": ("/accessibility", {"default": 200}),
    "public.privacy": ("/privacy", {"default": 200}),
    "public.cookies": ("/cookies", {"default": 200}),
    "public.data_sources": ("/data-sources", {"default": 200}),
    "auth.sign_in": ("/sign-in", {ANON: 200, "default": 302}),
    "auth.forgot_password": ("/forgot-password", {"default": 200}),
    "auth.check_your_email": ("/forgot-password/check-your-email", {"default": 200}),
    "auth.reset_password": ("/reset-password/not-a-token", {"default": 400}),
    "auth.sign_out": ("/sign-out", {"default": 405}),
    "auth.sign_out_everywhere": ("/sign-out-everywhere", {"default": 405}),
    "providers.index": ("/provider/", {ANON: 302, PROVIDER: 200, "default": 403}),
    "commissioners.index": ("/commissioner/", {ANON: 302, PROVIDER: 403, "default": 200}),
    "officers.index": ("/officer/", {ANON: 302, PROVIDER: 403, COMMISSIONER: 403, "default": 200}),
}


def test_every_endpoint_is_in_the_matrix(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(MATRIX), "add new endpoints to the access matrix with their designed statuses"


@pytest.fixture
def signed_in_as(client: FlaskClient, auth, knowsley):  # type: ignore[no-untyped-def]
    def sign_in(role: str) -> dict[str, int]:
        from app.extensions import db

        provider = factories.provider(db.session, "Matrix Co-operative")
        if role != ANON:
            council = knowsley.council if role != PROVIDER else None
            user = factories.user(
                db.session,
                Role(role),
                council=council,
                provider=provider if role == PROVIDER else None,
            )
            db.session.commit()
            assert auth.sign_in(user.email).status_code == 302
        else:
            db.session.commit()
        return {"provider_id": provider.id}

    return sign_in


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint: str, role: str, client: FlaskClient, signed_in_as) -> None:  # type: ignore[no-untyped-def]
    ids = signed_in_as(role)
    path, expected = MATRIX[endpoint]
    response = client.get(path.format(**ids))
    want = expected.get(role, expected["default"])
    assert response.status_code == want, f"{role} GET {path}"
    if want == 302 and endpoint != "auth.sign_in":
        assert response.headers["Location"].startswith("/sign-in?next=")
    if want in (403, 404, 405, 400):
        # the GOV.UK error pages, never a stack trace
        assert "Traceback" not in response.get_data(as_text=True)
        assert "govuk-heading-l" in response.get_data(as_text=True)
