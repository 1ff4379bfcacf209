"""Issue 11: finding your organisation to join (#14), premises that count only when finished (#18), and back
links that go to the previous question (#27)."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.domain.providers import ProviderStatus, SiteKind
from app.extensions import db
from app.models import AuditEvent, JoinRequest, Provider, ProviderIdentifier, Site
from tests import factories
from tests.views.conftest import csrf_token, post_form
from tests.views.test_registration import _provider, register_cic

# As in the registration tests: the small postcode directory and the service categories.
pytestmark = pytest.mark.usefixtures("postcode_directory")


def back_link(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'<a href="([^"]+)" class="govuk-back-link', page)
    assert match, f"no back link on {path}"
    return html.unescape(match.group(1))


def numbered(name: str, status: ProviderStatus, number: str = "01234567") -> Provider:
    provider = factories.provider(db.session, name, status=status)
    provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value=number, org_id=f"GB-COH-{number}"))
    db.session.commit()
    return provider


def results(client: FlaskClient, query: str) -> str:
    page = client.get("/provider/join", query_string={"q": query}).get_data(as_text=True)
    match = re.search(r"<main.*</main>", page, re.S)
    assert match
    return match.group(0)


# --- #14 Finding your organisation to join -------------------------------------------------------------


@pytest.mark.parametrize("status", [ProviderStatus.DRAFT, ProviderStatus.SUBMITTED, ProviderStatus.REJECTED])
def test_an_unpublished_organisation_is_not_found_by_name(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup, status: ProviderStatus
) -> None:
    hidden = factories.provider(db.session, "Quiet Harbour Co-operative", status=status)
    factories.provider(db.session, "Quiet Lane CIC", status=ProviderStatus.VERIFIED)
    db.session.commit()
    found = results(provider_client, "quiet")
    assert "Quiet Lane CIC" in found
    assert "Quiet Harbour" not in found
    assert provider_client.get(f"/provider/join/{hidden.id}").status_code == 404  # nor by guessing its id


@pytest.mark.parametrize("query", ["__", "%%", "_%", "%"])
def test_wildcards_are_letters_not_a_list_of_everything(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup, query: str
) -> None:
    for name in ("Alder CIC", "Birch Co-operative", "Cedar Trust"):
        factories.provider(db.session, name)
    db.session.commit()
    found = results(provider_client, query)
    for name in ("Alder CIC", "Birch Co-operative", "Cedar Trust"):
        assert name not in found
    assert "No organisation on the register matches" in found


def test_a_name_with_a_percent_sign_is_found_by_it(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    factories.provider(db.session, "100% Local Food CIC")
    factories.provider(db.session, "1000 Trees CIC")
    db.session.commit()
    found = results(provider_client, "100%")
    assert "100% Local Food CIC" in found and "1000 Trees CIC" not in found


def test_a_published_organisation_is_found_by_its_number_however_it_is_typed(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    published = numbered("Numbered Bakery CIC", ProviderStatus.VERIFIED)
    for typed in ("01234567", "1234567", "gb-coh-01234567", "0123 4567"):
        found = results(provider_client, typed)
        assert "Numbered Bakery CIC" in found, typed
        assert f'href="/provider/join/{published.id}"' in found


def test_the_exact_number_of_an_unpublished_organisation_shows_only_that_it_exists(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    waiting = numbered("Unpublished Laundry CIC", ProviderStatus.SUBMITTED)
    found = results(provider_client, "01234567")
    assert "Unpublished Laundry" not in found
    assert "An organisation with Companies House number 01234567 is on the register but not published yet" in found
    assert 'href="/provider/join/number/GB-COH-01234567"' in found

    page = provider_client.get("/provider/join/number/GB-COH-01234567").get_data(as_text=True)
    assert "Ask to join the organisation with Companies House number 01234567" in page
    assert "Unpublished Laundry" not in page
    response = post_form(provider_client, "/provider/join/number/GB-COH-01234567", {"message": "I am its treasurer"})
    assert response.status_code == 302
    request = db.session.scalar(select(JoinRequest))
    assert request is not None and request.provider_id == waiting.id and request.message == "I am its treasurer"
    banner = provider_client.get("/provider/").get_data(as_text=True)
    assert "Your request to join the organisation with Companies House number 01234567 has been sent" in banner
    assert "Unpublished Laundry" not in banner


def test_a_number_nobody_holds_or_a_malformed_one_finds_nothing(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    numbered("Someone CIC", ProviderStatus.SUBMITTED)
    assert provider_client.get("/provider/join/number/GB-COH-99999999").status_code == 404
    assert provider_client.get("/provider/join/number/GB-COH-1234567").status_code == 404  # not canonical
    assert provider_client.get("/provider/join/number/" + "9" * 200).status_code == 404


@pytest.mark.parametrize(
    ("status", "message", "link"),
    [
        (
            ProviderStatus.VERIFIED,
            "An organisation with this Companies House number is already registered. Ask to join it",
            "/provider/join/{id}",
        ),
        (
            ProviderStatus.DRAFT,
            "An organisation with Companies House number 01234567 is already on the register",
            "/provider/join/number/GB-COH-01234567",
        ),
    ],
)
def test_registering_a_number_another_organisation_holds_offers_to_join_it_naming_it_only_when_published(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup, status: ProviderStatus, message: str, link: str
) -> None:
    holder = numbered("First Holder CIC", status)
    post_form(provider_client, "/provider/organisation/name", {"name": "Second Claimant CIC"})
    post_form(provider_client, "/provider/organisation/legal-form", {"legal_form": "cic"})
    response = post_form(
        provider_client, "/provider/organisation/registration-numbers", {"companies_house_number": "01234567"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert f'href="{link.format(id=holder.id)}"' in page
    assert ("First Holder" in page) is (status == ProviderStatus.VERIFIED)


# --- #18 Premises count only when finished; one registered office; confirm before removing ---------------


def test_looking_up_a_postcode_and_leaving_adds_no_premises(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Abandoned Lookup CIC"})
    response = post_form(provider_client, "/provider/premises/add", {"kind": "trading_site", "postcode": "L36 9GD"})
    assert response.status_code == 302
    assert "This address is in Knowsley, Page Moss ward" in provider_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    provider = _provider()
    assert provider.sites == []
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site.added")) is None
    home = provider_client.get("/provider/").get_data(as_text=True)
    where = re.search(r"Where you work.*?</li>", home, re.S)
    assert where and "Not yet started" in where.group(0) and "Completed" not in where.group(0)


def test_premises_are_added_with_their_address_in_one_step(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "One Step CIC"})
    response = post_form(
        provider_client, "/provider/premises/add", {"kind": "registered_office", "postcode": "l36 9gd"}
    )
    assert response.headers["Location"] == "/provider/premises/new/address?kind=registered_office&postcode=L36+9GD"
    invalid = post_form(provider_client, response.headers["Location"], {"address_line_1": "", "town": "Liverpool"})
    assert invalid.status_code == 400 and _provider().sites == []
    done = post_form(
        provider_client, response.headers["Location"], {"address_line_1": "1 Page Moss Parade", "town": "Liverpool"}
    )
    assert done.headers["Location"] == "/provider/premises"
    (site,) = _provider().sites
    assert (site.kind, site.address, site.town, site.district_code) == (
        SiteKind.REGISTERED_OFFICE,
        "1 Page Moss Parade",
        "Liverpool",
        "E08000011",
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site.added"))
    assert event is not None and event.changes["address"] == "1 Page Moss Parade"


def test_a_hand_made_lookup_url_goes_back_to_the_question(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Hand Made CIC"})
    for query in ("kind=castle&postcode=L36+9GD", "kind=trading_site&postcode=nowhere", ""):
        response = provider_client.get(f"/provider/premises/new/address?{query}")
        assert response.headers["Location"] == "/provider/premises/add", query


def test_an_unfinished_site_from_before_does_not_complete_where_you_work(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Old Lookup CIC"})
    provider = _provider()
    provider.sites.append(Site(kind=SiteKind.TRADING_SITE, postcode="L36 9GD"))  # the old flow left these
    db.session.commit()
    home = provider_client.get("/provider/").get_data(as_text=True)
    where = re.search(r"Where you work.*?</li>", home, re.S)
    assert where and "In progress" in where.group(0)
    premises = provider_client.get("/provider/premises").get_data(as_text=True)
    assert "Address not given" in premises and "Give the address" in premises


def _add(client: FlaskClient, kind: str, postcode: str, line: str):  # type: ignore[no-untyped-def]
    response = post_form(client, "/provider/premises/add", {"kind": kind, "postcode": postcode})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return post_form(client, response.headers["Location"], {"address_line_1": line, "town": "Liverpool"})


def test_one_registered_office(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Two Offices CIC"})
    assert _add(provider_client, "registered_office", "L36 9GD", "1 Page Moss Parade").status_code == 302
    assert "You have already added it" in provider_client.get("/provider/premises/add").get_data(as_text=True)
    second = post_form(provider_client, "/provider/premises/add", {"kind": "registered_office", "postcode": "L1 8JQ"})
    page = second.get_data(as_text=True)
    assert second.status_code == 400
    assert (
        "Your organisation already has a registered office. Select trading site, or remove the registered office first"
        in page
    )
    assert 'class="govuk-error-summary' in page
    # Opening the address page for a second office (another tab, an old link) cannot add one either.
    race = post_form(
        provider_client,
        "/provider/premises/new/address?kind=registered_office&postcode=L1+8JQ",
        {"address_line_1": "2 Castle Street", "address_line_2": "Floor 3", "town": "Liverpool", "hidden": "y"},
    )
    again = race.get_data(as_text=True)
    assert race.status_code == 400 and "already has a registered office" in again
    # The address page again, with the error and what was typed, so nothing has to be typed twice.
    assert 'class="govuk-error-summary' in again and "<title>Error:" in again and 'href="#form-error"' in again
    assert 'value="2 Castle Street"' in again and 'value="Floor 3"' in again and 'value="Liverpool"' in again
    assert re.search(r'name="hidden"[^>]*checked', again)
    # It can be saved as a trading site from there, with the same typed address.
    assert 'formaction="/provider/premises/new/address?kind=trading_site&amp;postcode=L1+8JQ"' in again
    assert _add(provider_client, "trading_site", "L1 8JQ", "2 Castle Street").status_code == 302
    assert sorted(s.kind.value for s in _provider().sites) == ["registered_office", "trading_site"]


def test_removing_premises_asks_first(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Careful CIC"})
    _add(provider_client, "trading_site", "L36 9GD", "1 Page Moss Parade")
    site_id = _provider().sites[0].id
    listing = provider_client.get("/provider/premises").get_data(as_text=True)
    assert f'href="/provider/premises/{site_id}/remove"' in listing
    question = provider_client.get(f"/provider/premises/{site_id}/remove").get_data(as_text=True)
    assert "Are you sure you want to remove the trading site at 1 Page Moss Parade, Liverpool, L36 9GD?" in question

    unanswered = post_form(provider_client, f"/provider/premises/{site_id}/remove", {})
    assert unanswered.status_code == 400
    assert "Select yes if you want to remove these premises" in unanswered.get_data(as_text=True)
    assert "<title>Error:" in unanswered.get_data(as_text=True)
    assert post_form(provider_client, f"/provider/premises/{site_id}/remove", {"confirm": "no"}).status_code == 302
    assert len(_provider().sites) == 1

    removed = post_form(provider_client, f"/provider/premises/{site_id}/remove", {"confirm": "yes"})
    assert removed.headers["Location"] == "/provider/premises"
    assert _provider().sites == []
    assert "The trading site at L36 9GD has been removed" in provider_client.get("/provider/premises").get_data(
        as_text=True
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site.removed"))
    assert event is not None and event.entity_id == str(site_id)


# --- #27 Back links go to the previous question -----------------------------------------------------------


def test_back_links_go_to_the_previous_question(provider_client: FlaskClient) -> None:
    provider = register_cic(provider_client)
    site = provider.sites[0]
    expected = {
        "/provider/organisation/name": "/provider/",
        "/provider/organisation/legal-form": "/provider/organisation/name",
        "/provider/organisation/registration-numbers": "/provider/organisation/legal-form",
        "/provider/premises": "/provider/organisation/registration-numbers",
        "/provider/premises/add": "/provider/premises",
        "/provider/premises/new/address?kind=trading_site&postcode=L36+9GD": (
            "/provider/premises/add?kind=trading_site&postcode=L36+9GD"
        ),
        f"/provider/premises/{site.id}/address": "/provider/premises",
        f"/provider/premises/{site.id}/remove": "/provider/premises",
        "/provider/areas-served": "/provider/premises",
        "/provider/services": "/provider/areas-served",
        "/provider/ownership": "/provider/services",
        "/provider/size-and-fair-work": "/provider/ownership",
        "/provider/contact-details": "/provider/size-and-fair-work",
    }
    for path, back in expected.items():
        assert back_link(provider_client, path) == back, path


def test_without_registration_numbers_back_skips_that_question(provider_client: FlaskClient) -> None:
    post_form(provider_client, "/provider/organisation/name", {"name": "Sole Trader Cleaning"})
    response = post_form(
        provider_client, "/provider/organisation/legal-form", {"legal_form": "sole_trader_or_partnership"}
    )
    assert response.headers["Location"] == "/provider/premises/add"  # the next question, not the task list
    assert back_link(provider_client, "/provider/premises/add") == "/provider/organisation/legal-form"
    assert back_link(provider_client, "/provider/premises") == "/provider/organisation/legal-form"


def test_changing_an_answer_goes_back_to_check_your_answers(provider_client: FlaskClient) -> None:
    register_cic(provider_client)
    for path in (
        "/provider/organisation/name",
        "/provider/organisation/legal-form",
        "/provider/organisation/registration-numbers",
        "/provider/areas-served",
        "/provider/services",
        "/provider/ownership",
        "/provider/size-and-fair-work",
        "/provider/contact-details",
    ):
        assert back_link(provider_client, f"{path}?from=check") == "/provider/check-your-answers", path
    response = post_form(
        provider_client, "/provider/services?from=check", {"services": ["cleaning"], "description": "Cleaning."}
    )
    assert response.headers["Location"] == "/provider/check-your-answers"
    page = provider_client.get("/provider/check-your-answers").get_data(as_text=True)
    assert "/provider/ownership?from=check" in page  # the change links say where they came from


def test_a_token_from_another_page_still_removes_only_your_own_premises(provider_client: FlaskClient) -> None:
    """The confirmation page's form is the one way to remove; a forged POST still needs a CSRF token."""
    post_form(provider_client, "/provider/organisation/name", {"name": "Forged CIC"})
    _add(provider_client, "trading_site", "L36 9GD", "1 Page Moss Parade")
    site_id = _provider().sites[0].id
    response = provider_client.post(f"/provider/premises/{site_id}/remove", data={"confirm": "yes"})
    assert response.status_code == 400 and len(_provider().sites) == 1
    token = csrf_token(provider_client, f"/provider/premises/{site_id}/remove")
    response = provider_client.post(
        f"/provider/premises/{site_id}/remove", data={"confirm": "yes", "csrf_token": token}
    )
    assert response.status_code == 302 and _provider().sites == []


def test_a_town_already_in_the_address_is_shown_once(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    """Imported addresses end with their town and also keep it as the town: every page shows it once."""
    post_form(provider_client, "/provider/organisation/name", {"name": "Market CIC"})
    provider = _provider()
    provider.sites.append(
        Site(kind=SiteKind.TRADING_SITE, address="11 Market Square\nKirkby", town="Kirkby", postcode="L32 8RG")
    )
    db.session.commit()
    for path in ("/provider/premises", "/provider/check-your-answers"):
        page = provider_client.get(path).get_data(as_text=True)
        assert "11 Market Square, Kirkby, L32 8RG" in page, path
        assert "Kirkby, Kirkby" not in page, path


def test_a_published_organisation_cannot_remove_its_only_premises(
    provider_client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    """Its entry would stay published saying nothing of where it is: it adds the new premises first."""
    provider = register_cic(provider_client)
    provider.status = ProviderStatus.VERIFIED
    db.session.commit()
    (site,) = _provider().sites
    page = provider_client.get(f"/provider/premises/{site.id}/remove").get_data(as_text=True)
    assert "You cannot remove your only premises" in page
    assert 'name="confirm"' not in page
    assert 'href="/provider/premises/add"' in page
    refused = post_form(provider_client, f"/provider/premises/{site.id}/remove", {"confirm": "yes"})
    assert refused.status_code == 400 and "You cannot remove your only premises" in refused.get_data(as_text=True)
    assert len(_provider().sites) == 1
    # With other premises added, it can.
    _add(provider_client, "trading_site", "L1 8JQ", "2 Castle Street")
    assert post_form(provider_client, f"/provider/premises/{site.id}/remove", {"confirm": "yes"}).status_code == 302
    assert [s.postcode for s in _provider().sites] == ["L1 8JQ"]


def test_a_public_page_with_no_premises_says_so(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    provider = factories.provider(db.session, "Nowhere CIC")
    provider.sites.clear()
    db.session.commit()
    page = client.get(f"/directory/{provider.id}").get_data(as_text=True)
    assert "No premises given" in page
    assert "We cannot say where it is based: it has given no premises" in page
    assert "could be placed" not in page
