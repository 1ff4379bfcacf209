"""The public pages: home, directory with filters and pages, provider pages, error pages."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.domain.providers import LegalForm, ProviderStatus
from app.domain.roles import Role
from app.extensions import db
from app.models import User
from tests import factories
from tests.conftest import AuthActions


def test_home_explains_the_register(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Local Supplier Register" in page
    assert "Knowsley Council" in page
    assert "If you run an organisation" in page and "If you buy services for the council" in page


def test_layout_is_council_branded_not_govuk(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "govuk-header__logotype" not in page
    assert "GOV.UK" not in page
    assert "Crown copyright" not in page.replace("© Crown copyright and database right", "")
    assert 'href="#main-content"' in page
    assert "Beta" in page
    for link in ("/accessibility", "/privacy", "/cookies", "/data-sources"):
        assert f'href="{link}"' in page
    assert "Open Government Licence" in page and "Co-operatives UK" in page


def test_directory_lists_only_verified_providers(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    factories.provider(db.session, "Verified Co-op")
    factories.provider(db.session, "Draft Co-op", status=ProviderStatus.DRAFT)
    factories.provider(db.session, "Rejected Co-op", status=ProviderStatus.REJECTED)
    db.session.commit()
    page = client.get("/directory").get_data(as_text=True)
    assert "Verified Co-op" in page
    assert "Draft Co-op" not in page and "Rejected Co-op" not in page
    assert "1 provider" in page


def test_directory_filters_by_district_and_legal_form(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    factories.provider(db.session, "Knowsley CIC", legal_form=LegalForm.CIC)
    factories.provider(db.session, "Knowsley Co-op", legal_form=LegalForm.COOPERATIVE)
    factories.provider(db.session, "Liverpool CIC", legal_form=LegalForm.CIC, district_code="E08000012")
    db.session.commit()
    by_district = client.get("/directory?district=E08000011").get_data(as_text=True)
    assert "Knowsley CIC" in by_district and "Knowsley Co-op" in by_district
    assert "Liverpool CIC" not in by_district
    both = client.get("/directory?district=E08000011&legal_form=cic").get_data(as_text=True)
    assert "Knowsley CIC" in both and "Knowsley Co-op" not in both
    ignored = client.get("/directory?district=<script>&legal_form=nonsense&page=abc")
    assert ignored.status_code == 200
    assert "3 providers" in ignored.get_data(as_text=True)


def test_directory_paginates(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    for number in range(45):
        factories.provider(db.session, f"Provider {number:02d}")
    db.session.commit()
    first = client.get("/directory").get_data(as_text=True)
    assert "Provider 00" in first and "Provider 20" not in first
    assert "showing 1 to 20" in first
    last = client.get("/directory?page=3").get_data(as_text=True)
    assert "Provider 44" in last and "Provider 39" not in last
    beyond = client.get("/directory?page=99").get_data(as_text=True)
    assert "Provider 44" in beyond


def test_provider_page_never_shows_a_hidden_address(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    provider = factories.provider(
        db.session,
        "Home Based CIC",
        address="12 Private Road",
        postcode="L36 9GD",
        address_public=False,
        ward_code=knowsley.ward.code,
    )
    db.session.commit()
    page = client.get(f"/directory/{provider.id}").get_data(as_text=True)
    assert "Home Based CIC" in page
    assert "12 Private Road" not in page and "L36 9GD" not in page
    assert "53.41" not in page and "-2.84" not in page
    assert "Address not shown to the public" in page
    # Only the council area: a ward would narrow a home down to a few streets.
    assert "In Knowsley" in page and "Page Moss" not in page


def test_unverified_provider_page_is_not_found(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    provider = factories.provider(db.session, "Draft CIC", status=ProviderStatus.SUBMITTED)
    db.session.commit()
    response = client.get(f"/directory/{provider.id}")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_output_is_escaped(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    provider = factories.provider(db.session, "<script>alert(1)</script> CIC")
    provider.website = "javascript:alert(1)"
    db.session.commit()
    page = client.get(f"/directory/{provider.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'nonce-" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)


def test_unknown_page_is_the_404_page(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_server_error_page_has_no_stack_trace(app, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        with app.test_request_context():
            from app.web.errors import render_error as _render_error  # the handler's renderer

            body, status = _render_error("errors/500.html", 500)
        assert status == 500
        assert "Sorry, there is a problem with the service" in body
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None


def test_provider_page_says_whether_it_is_local_and_why(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    local = factories.provider(db.session, "Page Moss CIC", ward_code=knowsley.ward.code, postcode="L36 9GD")
    wider = factories.provider(db.session, "Liverpool CIC", district_code="E08000012", postcode="L1 8JQ")
    hidden = factories.provider(db.session, "Home CIC", address_public=False, postcode="L36 9GD")
    unplaced = factories.provider(db.session, "Unplaced CIC", district_code=None, postcode="L99 9ZZ")
    unplaced.sites[0].placement_note = "Postcode L99 9ZZ is not in the postcode directory"
    db.session.commit()
    page = client.get(f"/directory/{local.id}").get_data(as_text=True)
    assert "Based in Knowsley." in page
    assert "Trading site at L36 9GD: Knowsley, Page Moss ward" in page
    page = client.get(f"/directory/{wider.id}").get_data(as_text=True)
    assert "Not in Knowsley, but in the Liverpool City Region area." in page
    assert "Trading site at L1 8JQ: Liverpool" in page
    page = client.get(f"/directory/{hidden.id}").get_data(as_text=True)
    assert "Trading site (address not shown): Knowsley" in page and "L36 9GD" not in page
    page = client.get(f"/directory/{unplaced.id}").get_data(as_text=True)
    assert "None of its premises could be placed" in page
    assert "not placed, postcode L99 9ZZ is not in the postcode directory" in page


def test_contact_details_go_to_council_staff_not_everyone(
    client: FlaskClient, auth: AuthActions, commissioner: User
) -> None:
    provider = factories.provider(db.session, "Contactable CIC")
    provider.contact_email = "quotes@contactable.example"
    provider.website = "https://contactable.example"
    member = factories.user(db.session, Role.PROVIDER, provider=provider)
    db.session.commit()
    page = client.get(f"/directory/{provider.id}").get_data(as_text=True)
    assert "https://contactable.example" in page and "quotes@contactable.example" not in page
    auth.sign_in(commissioner.email)
    assert "quotes@contactable.example" in client.get(f"/directory/{provider.id}").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in(member.email)  # its own members see it too
    assert "quotes@contactable.example" in client.get(f"/directory/{provider.id}").get_data(as_text=True)


def test_the_reason_a_hidden_address_was_not_placed_is_not_public(
    client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    provider = factories.provider(
        db.session, "Hidden Unplaced CIC", district_code=None, postcode="L36 7ZZ", address_public=False
    )
    provider.sites[0].placement_note = "Postcode L36 7ZZ is not in the postcode directory"
    db.session.commit()
    page = client.get(f"/directory/{provider.id}").get_data(as_text=True)
    assert "L36 7ZZ" not in page
    assert "Trading site (address not shown): not placed, its location is not known" in page
