"""A provider registering an organisation through the question pages, with every validation message."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.domain.providers import EvidenceState, FactKind, LegalForm, ProviderStatus
from app.domain.roles import Role
from app.extensions import db
from app.models import (
    AuditEvent,
    OutboxEmail,
    Provider,
    ProviderFact,
    User,
)
from tests import factories
from tests.conftest import AuthActions
from tests.views.conftest import csrf_token, post_form

# Every test here runs with the small postcode directory and the service categories.
pytestmark = pytest.mark.usefixtures("postcode_directory")


def _provider() -> Provider:
    db.session.expire_all()
    provider = db.session.scalar(select(Provider).order_by(Provider.id.desc()))
    assert provider is not None
    return provider


def register_cic(client: FlaskClient) -> Provider:
    """Fill in every section for a Knowsley CIC."""
    assert (
        post_form(
            client, "/provider/organisation/name", {"name": "Page Moss Community CIC", "trading_name": ""}
        ).status_code
        == 302
    )
    assert (
        post_form(client, "/provider/organisation/legal-form", {"legal_form": "cic"})
        .headers["Location"]
        .startswith("/provider/organisation/registration-numbers")
    )
    assert (
        post_form(
            client, "/provider/organisation/registration-numbers", {"companies_house_number": "12345678"}
        ).status_code
        == 302
    )
    response = post_form(client, "/provider/premises/add", {"kind": "trading_site", "postcode": "l36 9gd"})
    assert response.status_code == 302
    address_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This address is in Knowsley, Page Moss ward" in address_page
    assert (
        post_form(
            client, response.headers["Location"], {"address_line_1": "1 Page Moss Parade", "town": "Liverpool"}
        ).status_code
        == 302
    )
    assert post_form(client, "/provider/areas-served", {"areas": ["E08000011"]}).status_code == 302
    assert (
        post_form(
            client,
            "/provider/services",
            {"services": ["community-support"], "description": "Community navigation in Page Moss."},
        ).status_code
        == 302
    )
    assert post_form(client, "/provider/ownership", {"asset_lock": "yes", "dividend_cap": "35%"}).status_code == 302
    assert (
        post_form(
            client,
            "/provider/size-and-fair-work",
            {"staff_count": "2", "turnover": "£85,000", "real_living_wage": "not known"},
        ).status_code
        == 302
    )
    assert (
        post_form(
            client,
            "/provider/contact-details",
            {"contact_email": "Hello@PageMoss.example", "website": "pagemoss.example"},
        ).status_code
        == 302
    )
    return _provider()


def test_a_cic_registers_and_submits(provider_client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    provider = register_cic(provider_client)
    assert provider.status == ProviderStatus.DRAFT and provider.claimed
    assert [i.org_id for i in provider.identifiers] == ["GB-COH-12345678"]
    assert provider.sites[0].district_code == "E08000011" and provider.sites[0].ward_code == knowsley.ward.code
    facts = {f.kind: (f.value, f.evidence) for f in provider.facts}
    assert facts[FactKind.ASSET_LOCK] == ("yes", EvidenceState.SELF_DECLARED)
    assert facts[FactKind.DIVIDEND_CAP] == ("35", EvidenceState.SELF_DECLARED)
    assert facts[FactKind.TURNOVER] == ("8500000", EvidenceState.SELF_DECLARED)
    assert facts[FactKind.REAL_LIVING_WAGE] == (None, EvidenceState.UNKNOWN)
    assert provider.contact_email == "hello@pagemoss.example" and provider.website == "https://pagemoss.example"
    answers = provider_client.get("/provider/check-your-answers").get_data(as_text=True)
    for text in (
        "Page Moss Community CIC",
        "Community interest company",
        "Companies House number: 12345678",
        "1 Page Moss Parade",
        "In Knowsley, Page Moss ward",
        "Community support, advice and navigation",
        "£85,000",
    ):
        assert text in answers
    response = provider_client.post(
        "/provider/submit", data={"csrf_token": csrf_token(provider_client, "/provider/check-your-answers")}
    )
    assert response.headers["Location"] == "/provider/submitted"
    assert "Your answers have been sent" in provider_client.get("/provider/submitted").get_data(as_text=True)
    provider = _provider()
    assert provider.status == ProviderStatus.SUBMITTED and provider.submitted_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "provider")))
    assert {"provider.registration_started", "provider.submitted", "provider.facts_changed"} <= actions


def test_answers_are_kept_when_leaving_half_way(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Half Way CIC"})
    post_form(provider_client, "/provider/organisation/legal-form", {"legal_form": "cic"})
    home = provider_client.get("/provider/").get_data(as_text=True)
    assert "Half Way CIC" in home and "In progress" in home and "Not yet started" in home
    assert 'value="cic" checked' in provider_client.get("/provider/organisation/legal-form").get_data(as_text=True)


def test_an_incomplete_draft_cannot_be_submitted(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Incomplete CIC"})
    page = provider_client.get("/provider/check-your-answers").get_data(as_text=True)
    assert "Some sections are not complete yet" in page
    response = provider_client.post(
        "/provider/submit", data={"csrf_token": csrf_token(provider_client, "/provider/check-your-answers")}
    )
    assert response.status_code == 302
    assert _provider().status == ProviderStatus.DRAFT


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("/provider/organisation/name", {"name": ""}, "Enter your organisation&#39;s name"),
        ("/provider/organisation/name", {"name": "x" * 301}, "Organisation name must be 300 characters or fewer"),
        ("/provider/organisation/legal-form", {}, "Select the type of organisation"),
        (
            "/provider/organisation/registration-numbers",
            {"companies_house_number": ""},
            "Enter your Companies House number",
        ),
        (
            "/provider/organisation/registration-numbers",
            {"companies_house_number": "ABC"},
            "Enter a Companies House number in the right format, like 01234567 or SC123456",
        ),
        ("/provider/premises/add", {"postcode": "L36 9GD"}, "Select what kind of premises it is"),
        ("/provider/premises/add", {"kind": "trading_site", "postcode": ""}, "Enter a postcode"),
        (
            "/provider/premises/add",
            {"kind": "trading_site", "postcode": "L36"},
            "Enter a full UK postcode, like L36 9GD",
        ),
        ("/provider/areas-served", {}, "Select at least one area you work in"),
        ("/provider/services", {"description": "x"}, "Select at least one service you provide"),
        ("/provider/services", {"services": ["cleaning"]}, "Describe what your organisation does"),
        (
            "/provider/services",
            {"services": ["cleaning"], "description": "x" * 2001},
            "The description must be 2,000 characters or fewer",
        ),
        (
            "/provider/ownership",
            {"dividend_cap": "lots"},
            "Enter the dividend cap as a percentage from 0 to 100, like 35",
        ),
        (
            "/provider/size-and-fair-work",
            {"staff_count": "two"},
            "Enter the number of staff as a whole number, like 12",
        ),
        (  # str.isdigit() says yes to a superscript two; int() does not
            "/provider/size-and-fair-work",
            {"staff_count": "\u00b2"},
            "Enter the number of staff as a whole number, like 12",
        ),
        ("/provider/size-and-fair-work", {"turnover": "abc"}, "Enter the turnover in pounds, like £85,000"),
        ("/provider/size-and-fair-work", {"local_staff_share": "120"}, "as a percentage from 0 to 100"),
        ("/provider/contact-details", {"contact_email": ""}, "Enter an email address for enquiries"),
        (
            "/provider/contact-details",
            {"contact_email": "nope"},
            "Enter an email address in the correct format, like name@example.com",
        ),
        (
            "/provider/contact-details",
            {"contact_email": "a@b.org", "contact_phone": "12"},
            "Enter a telephone number, like 0151 443 4031",
        ),
        (
            "/provider/contact-details",
            {"contact_email": "a@b.org", "website": "javascript:alert(1)"},
            "Enter a website address in the correct format",
        ),
    ],
)
def test_validation_messages(provider_client: FlaskClient, path: str, data: dict[str, object], message: str) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Validation CIC"})
    post_form(provider_client, "/provider/organisation/legal-form", {"legal_form": "cic"})
    typed = {k: v for k, v in data.items() if isinstance(v, str) and v}
    response = post_form(provider_client, path, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:500]
    assert message in page
    assert 'class="govuk-error-summary' in page and "<title>Error:" in page
    for value in typed.values():
        if len(value) < 100 and "<" not in value:
            assert value in page, f"what the user typed ({value!r}) is kept"


def test_hints_write_large_numbers_with_a_comma_and_agree_with_the_errors(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Hints CIC"})
    post_form(provider_client, "/provider/organisation/legal-form", {"legal_form": "cic"})
    services = provider_client.get("/provider/services").get_data(as_text=True)
    assert "You can enter up to 2,000 characters" in services and "2000 characters" not in services
    size = provider_client.get("/provider/size-and-fair-work").get_data(as_text=True)
    assert "like £85,000" in size and "like £5,000" not in size


def test_stored_figures_that_are_not_plain_numbers_are_shown_as_stored(provider_client: FlaskClient) -> None:
    """str.isdigit() says yes to a superscript two, which int() cannot read (an import may have stored one)."""
    post_form(provider_client, "/provider/organisation/name", {"name": "Odd Figures CIC"})
    provider = _provider()
    provider.facts += [
        ProviderFact(kind=FactKind.STAFF_COUNT, value="\u00b2"),
        ProviderFact(kind=FactKind.TURNOVER, value="\u00b3"),
    ]
    db.session.commit()
    for path in ("/provider/size-and-fair-work", "/provider/check-your-answers", "/provider/"):
        response = provider_client.get(path)
        assert response.status_code == 200, path


def test_a_postcode_that_cannot_be_placed_still_lets_the_provider_finish(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Island CIC"})
    response = post_form(
        provider_client, "/provider/premises/add", {"kind": "registered_office", "postcode": "GY1 1AA"}
    )
    page = provider_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We could not find which council area postcode GY1 1AA is in" in page
    assert "Channel Islands" in page
    done = post_form(
        provider_client, response.headers["Location"], {"address_line_1": "1 Harbour Road", "town": "St Peter Port"}
    )
    assert done.status_code == 302
    site = _provider().sites[0]
    assert site.address == "1 Harbour Road" and site.district_code is None and site.placement_note


def test_a_provider_cannot_reach_another_providers_premises(
    app, provider_client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:  # type: ignore[no-untyped-def]
    other = factories.provider(db.session, "Someone Else CIC", status=ProviderStatus.DRAFT)
    db.session.commit()
    post_form(provider_client, "/provider/organisation/name", {"name": "Mine CIC"})
    other_site = other.sites[0].id
    assert provider_client.get(f"/provider/premises/{other_site}/address").status_code == 404
    assert provider_client.get(f"/provider/premises/{other_site}/remove").status_code == 404
    token = csrf_token(provider_client, "/provider/organisation/name")
    removing = {"csrf_token": token, "confirm": "yes"}
    assert provider_client.post(f"/provider/premises/{other_site}/remove", data=removing).status_code == 404
    db.session.expire_all()
    assert db.session.get(Provider, other.id).sites  # untouched


def test_text_is_stored_as_text_and_shown_escaped(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "<script>alert('x')</script> CIC"})
    page = provider_client.get("/provider/").get_data(as_text=True)
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;" in page
    assert _provider().name == "<script>alert('x')</script> CIC"


def test_a_verified_providers_change_of_premises_goes_back_to_an_officer(provider_client: FlaskClient) -> None:
    provider = register_cic(provider_client)
    provider.status = ProviderStatus.VERIFIED
    db.session.commit()
    added = post_form(provider_client, "/provider/premises/add", {"kind": "registered_office", "postcode": "L1 8JQ"})
    post_form(provider_client, added.headers["Location"], {"address_line_1": "2 Castle Street", "town": "Liverpool"})
    provider = _provider()
    assert provider.status == ProviderStatus.VERIFIED and provider.awaiting_review
    assert "The council is checking your latest changes" in provider_client.get("/provider/").get_data(as_text=True)


def test_unconfirmed_accounts_confirm_their_email_first(client: FlaskClient, postcode_directory: None) -> None:
    response = post_form(
        client,
        "/create-account",
        {
            "full_name": "Amara Okafor",
            "email": "Amara@PageMoss.example",
            "password": "a long password here",
            "confirm": "a long password here",
        },
    )
    # Not signed in yet: the same "check your email" answer as for an address that already has an account.
    assert response.headers["Location"] == "/create-account/check-your-email"
    assert AuthActions(client).sign_in("amara@pagemoss.example", "a long password here").status_code == 302
    assert client.get("/provider/organisation/name").headers["Location"] == "/provider/confirm-your-email"
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "amara@pagemoss.example"))
    assert email is not None
    link = re.search(r"http://localhost(/confirm-email/\S+)", email.body).group(1)  # type: ignore[union-attr]
    assert client.get(link).headers["Location"] == "/provider/"
    assert client.get("/provider/organisation/name").status_code == 200
    assert client.get("/confirm-email/not-a-token").status_code == 400


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"full_name": "", "email": "a@b.org", "password": "long enough pw", "confirm": "long enough pw"},
            "Enter your name",
        ),
        (
            {"full_name": "A", "email": "bad", "password": "long enough pw", "confirm": "long enough pw"},
            "Enter an email address in the correct format",
        ),
        (
            {"full_name": "A", "email": "a@b.org", "password": "short", "confirm": "short"},
            "Password must be 10 characters or more",
        ),
        (
            {"full_name": "A", "email": "a@b.org", "password": "long enough pw", "confirm": "other"},
            "The passwords do not match",
        ),
    ],
)
def test_create_account_messages(client: FlaskClient, provider_user: User, data: dict[str, str], message: str) -> None:
    response = post_form(client, "/create-account", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_colleague_is_invited_and_joins(app, provider_client: FlaskClient, auth: AuthActions) -> None:  # type: ignore[no-untyped-def]
    register_cic(provider_client)
    response = post_form(provider_client, "/provider/colleagues", {"email": "colleague@pagemoss.example"})
    assert response.status_code == 302
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "colleague@pagemoss.example"))
    link = re.search(r"http://localhost(/accept-invitation/\S+)", email.body).group(1)  # type: ignore[union-attr]
    colleague = factories.user(db.session, Role.PROVIDER, email="colleague@pagemoss.example")
    db.session.commit()
    other = app.test_client()
    AuthActions(other).sign_in(colleague.email)
    assert other.post(link, data={"csrf_token": csrf_token(other, link)}).headers["Location"] == "/provider/"
    db.session.expire_all()
    assert db.session.get(User, colleague.id).provider_id == _provider().id
    assert other.get(link).status_code == 400  # used once


def test_asking_to_join_an_unclaimed_organisation(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    imported = factories.provider(db.session, "Imported Housing Co-operative")
    db.session.commit()
    results = provider_client.get("/provider/join?q=housing").get_data(as_text=True)
    assert "Imported Housing Co-operative" in results and "not yet claimed" in results
    assert post_form(provider_client, f"/provider/join/{imported.id}", {"message": ""}).status_code == 400
    assert (
        post_form(provider_client, f"/provider/join/{imported.id}", {"message": "I am the secretary"}).status_code
        == 302
    )
    again = post_form(provider_client, f"/provider/join/{imported.id}", {"message": "Again"})
    assert "You have already asked to join this organisation" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Provider, imported.id).claimed is False  # only an officer's approval gives control


def test_legal_form_drives_which_numbers_are_asked(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Form CIC"})
    post_form(provider_client, "/provider/organisation/legal-form", {"legal_form": LegalForm.COOPERATIVE.value})
    page = provider_client.get("/provider/organisation/registration-numbers").get_data(as_text=True)
    assert "FCA Mutuals Public Register number" in page and "Companies House number" not in page
    post_form(provider_client, "/provider/organisation/legal-form", {"legal_form": LegalForm.SOLE_TRADER.value})
    assert provider_client.get("/provider/organisation/registration-numbers").status_code == 302
    response = post_form(provider_client, "/provider/organisation/legal-form", {"legal_form": LegalForm.CHARITY.value})
    assert response.status_code == 302
    page = post_form(
        provider_client, "/provider/organisation/registration-numbers", {"charity_number": "1234567"}
    ).get_data(as_text=True)
    assert "Select which charity regulator it is registered with" in page
    done = post_form(
        provider_client,
        "/provider/organisation/registration-numbers",
        {"charity_regulator": "GB-NIC", "charity_number": "100001"},
    )
    assert done.status_code == 302
    assert [i.org_id for i in _provider().identifiers] == ["GB-NIC-100001"]


def test_another_providers_draft_cannot_be_found_or_joined_by_url(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    draft = factories.provider(db.session, "Secret Draft CIC", status=ProviderStatus.DRAFT)
    db.session.commit()
    assert provider_client.get(f"/provider/join/{draft.id}").status_code == 404
    assert "Secret Draft CIC" not in provider_client.get("/provider/join?q=secret").get_data(as_text=True)
    assert provider_client.get(f"/directory/{draft.id}").status_code == 404
    # The provider's own pages never take another organisation's id: they work on the user's own.
    post_form(provider_client, "/provider/organisation/name", {"name": "Honest CIC"})
    page = provider_client.get("/provider/check-your-answers").get_data(as_text=True)
    assert "Honest CIC" in page and "Secret Draft CIC" not in page


def test_the_name_limit_is_the_columns_and_a_longer_name_gets_the_field_message(provider_client: FlaskClient) -> None:
    """One limit (NAME_MAX_LENGTH) for the form and the column: the longest name saves, one more is refused."""
    from app.domain.providers import NAME_MAX_LENGTH

    longest = "N" * NAME_MAX_LENGTH
    saved = post_form(
        provider_client, "/provider/organisation/name", {"name": longest, "trading_name": "T" * NAME_MAX_LENGTH}
    )
    assert saved.status_code == 302
    assert _provider().name == longest
    refused = post_form(provider_client, "/provider/organisation/name", {"name": longest + "N"})
    assert refused.status_code == 400
    assert f"Organisation name must be {NAME_MAX_LENGTH} characters or fewer" in refused.get_data(as_text=True)
    assert Provider.__table__.c.name.type.length == NAME_MAX_LENGTH
    assert Provider.__table__.c.trading_name.type.length == NAME_MAX_LENGTH
