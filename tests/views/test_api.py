"""The JSON API: the band and eligible providers as JSON, what each caller may see, every bad input, the OpenAPI."""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from app.api import views
from app.api.openapi import document
from app.domain.bands import VatTreatment
from app.domain.locality import Locality
from app.domain.policy import ContractType
from app.domain.providers import EvidenceState, FactKind, Placement, SiteKind
from app.domain.roles import Role
from app.extensions import db, limiter
from app.models import Provider, ProviderFact, ProviderIdentifier, Site, SpendBand
from app.services import ordered_pages
from tests import factories
from tests.conftest import AuthActions
from tests.views.conftest import COMMISSIONER, PROVIDER, NavigationMarket

API = "/api/v1/eligible-providers"
HIDDEN_POSTCODE = "L36 5YY"
UNPLACED_POSTCODE = "L36 7ZZ"
CONTACT_EMAIL = "hello@pagemoss.example"
CONTACT_PHONE = "0151 496 0000"


@pytest.fixture
def register(knowsley: factories.CouncilSetup, navigation_market: NavigationMarket) -> factories.CouncilSetup:
    """The navigation market, with contact details, a checked number, and a provider whose premises are hidden."""
    page_moss, huyton = navigation_market.page_moss, navigation_market.huyton
    page_moss.website = "https://pagemoss.example"
    page_moss.contact_email = CONTACT_EMAIL
    page_moss.contact_phone = CONTACT_PHONE
    page_moss.facts[0].as_of = date(2025, 4, 1)
    page_moss.identifiers.append(
        ProviderIdentifier(
            scheme="GB-COH", value="01234567", org_id="GB-COH-01234567", evidence=EvidenceState.OFFICER_VERIFIED
        )
    )
    # Run from a home: the address is hidden, and so is a second, unplaced, home address.
    home = huyton.sites[0]
    home.postcode, home.address, home.address_public, home.ward_code = (
        HIDDEN_POSTCODE,
        "7 Secret Close",
        False,
        knowsley.ward.code,
    )
    huyton.contact_email = "huyton@example.org"
    huyton.sites.append(
        Site(
            kind=SiteKind.REGISTERED_OFFICE,
            address="9 Private Road",
            postcode=UNPLACED_POSTCODE,
            placement=Placement.NOT_PLACED,
            placement_note=f"Postcode {UNPLACED_POSTCODE} is not in the postcode directory",
            address_public=False,
        )
    )
    navigation_market.draft.contact_email = "draft@example.org"
    navigation_market.refresh_search()
    db.session.commit()
    return knowsley


def get(client: FlaskClient, **params: str) -> Any:
    query = {"council": "E08000011", "category": "community-support", **params}
    return client.get(API + "?" + "&".join(f"{k}={quote(v)}" for k, v in query.items()))


def names(body: dict[str, Any]) -> list[str]:
    return [item["name"] for item in body["results"]]


def test_a_4000_request_in_knowsley_lists_only_local_providers_with_reasons(
    client: FlaskClient, register: factories.CouncilSetup
) -> None:
    response = get(client, value="£4,000")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    band = body["band"]
    assert band["name"] == "Low value" and band["code"] == "A"
    assert band["lower_pence"] == 0 and band["upper_pence"] == 500_000
    assert band["upper_text"] == "£5,000" and band["range_text"] == "under £5,000"
    assert band["vat_basis"] == {"value": "excluded", "label": "Excluding VAT"}
    assert band["locality_rule"]["value"] == "local_only"
    assert band["locality_rule"]["description"] == "Reserved to providers based in the council's local area"
    assert band["min_quotes"] == 1
    assert band["route"] == db.session.scalar(select(SpendBand.route).where(SpendBand.code == "A"))
    assert band["summary"] == (
        "Low value, under £5,000 (excluding VAT): 1 quote. "
        "Your council reserves this band to providers based in Knowsley."
    )
    assert any("open legal question" in caution for caution in band["cautions"])
    assert band["notifiable"] is False and band["above_threshold"] is False
    assert band["threshold"] == {
        "contract_type": {"value": "goods_and_services", "label": "Goods and services"},
        "amount_pence": 20_772_000,
        "amount_text": "£207,720",
        "vat_basis": {"value": "included", "label": "Including VAT"},
        "effective_from": "2026-01-01",
    }
    assert body["estimate"]["value_excluding_vat_pence"] == 400_000
    assert body["estimate"]["value_including_vat_pence"] == 480_000
    assert body["council"] == {"name": "Knowsley Council", "district_code": "E08000011", "slug": "knowsley"}

    # Local providers only, the CIC with more in its favour first; no one unchecked, no other service.
    assert names(body) == ["Page Moss Navigators CIC", "Huyton Helpers Co-operative"]
    assert body["pagination"] == {"page": 1, "per_page": 20, "pages": 1, "total": 2, "total_capped": False}
    assert body["local_eligible"] == 2 and body["local_capped"] is False
    first = body["results"][0]
    assert first["eligible"] is True
    assert first["reasons"][0] == "Eligible: based in Knowsley, as this band requires"
    assert "Real Living Wage employer (self-declared)" in first["reasons"]
    assert "Registration number checked by the council" in first["reasons"]
    assert first["locality"] == {
        "level": "local",
        "label": "Local",
        "district_code": "E08000011",
        "district_name": "Knowsley",
        "evidence": ["Trading site at L36 9GD: Knowsley, Page Moss ward"],
    }
    assert first["legal_form"] == {"value": "cic", "label": "Community interest company (CIC)"}
    assert first["services"] == ["Community support, advice and navigation"]
    assert first["identifiers"] == [
        {
            "org_id": "GB-COH-01234567",
            "scheme": "GB-COH",
            "evidence": {"value": "officer_verified", "label": "Checked by the council"},
        }
    ]
    assert first["facts"][0]["kind"]["value"] == "real_living_wage" and first["facts"][0]["as_of"] == "2025-04-01"
    assert first["url"] == f"http://localhost/directory/{first['id']}"
    assert first["website"] == "https://pagemoss.example"
    assert first["verified"] is True


def test_anonymous_callers_never_see_contact_details_or_hidden_addresses(
    client: FlaskClient, register: factories.CouncilSetup
) -> None:
    response = get(client, value="4000")
    text = response.get_data(as_text=True)
    body = response.get_json()
    assert all("contact_email" not in item for item in body["results"])
    for secret in (
        CONTACT_EMAIL,
        "huyton@example.org",
        CONTACT_PHONE,
        "contact_phone",
        HIDDEN_POSTCODE,
        UNPLACED_POSTCODE,
        "Secret Close",
        "Private Road",
        "Test Street",
        "53.41",
        "latitude",
        "password",
    ):
        assert secret not in text, secret
    huyton = body["results"][1]
    assert huyton["locality"]["level"] == "local"
    assert huyton["locality"]["district_name"] == "Knowsley"
    assert huyton["locality"]["evidence"] == [
        "Trading site (address not shown): Knowsley",
        "Registered office (address not shown): not placed, its location is not known",
    ]
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.OFFICER, Role.ADMIN])
def test_council_staff_see_contact_emails_and_may_include_unchecked_providers(
    client: FlaskClient, sign_in_as: Callable[[str], str], register: factories.CouncilSetup, role: Role
) -> None:
    sign_in_as(role)
    response = get(client, value="4000")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    results = response.get_json()["results"]
    assert [item["contact_email"] for item in results] == [CONTACT_EMAIL, "huyton@example.org"]
    text = response.get_data(as_text=True)
    for secret in (CONTACT_PHONE, HIDDEN_POSTCODE, UNPLACED_POSTCODE, "Secret Close", "53.41"):
        assert secret not in text, secret

    wider = get(client, value="4000", include_unverified="true").get_json()
    assert "Draft Navigators CIC" in names(wider)
    draft = next(item for item in wider["results"] if item["name"] == "Draft Navigators CIC")
    assert draft["verified"] is False and draft["url"] is None
    assert draft["contact_email"] == "draft@example.org"


def test_a_providers_member_sees_its_own_contact_email_and_no_one_elses(
    client: FlaskClient, auth: AuthActions, register: factories.CouncilSetup
) -> None:
    page_moss = db.session.scalar(select(Provider).where(Provider.name == "Page Moss Navigators CIC"))
    member = factories.user(db.session, Role.PROVIDER, provider=page_moss)
    db.session.commit()
    auth.sign_in(member.email)
    results = get(client, value="4000").get_json()["results"]
    assert {item["name"]: item.get("contact_email") for item in results} == {
        "Page Moss Navigators CIC": CONTACT_EMAIL,  # as on its own page (app/domain/providers.py)
        "Huyton Helpers Co-operative": None,
    }
    assert "contact_email" not in results[1]


def test_anonymous_callers_and_providers_may_not_include_unchecked_providers(
    client: FlaskClient, sign_in_as: Callable[[str], str], register: factories.CouncilSetup
) -> None:
    refused = get(client, value="4000", include_unverified="true")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["parameter"] == "include_unverified"
    assert get(client, value="4000", include_unverified="false").status_code == 200

    sign_in_as(PROVIDER)
    response = get(client, value="4000")
    assert all("contact_email" not in item for item in response.get_json()["results"])
    assert get(client, value="4000", include_unverified="yes").status_code == 403


def test_above_the_threshold_everyone_is_eligible_with_locality_explained(
    client: FlaskClient, register: factories.CouncilSetup
) -> None:
    body = get(client, value="200000", start_date="2026-06-01").get_json()
    band = body["band"]
    assert band["code"] == "D" and band["above_threshold"] is True and band["notifiable"] is True
    assert band["locality_rule"]["value"] == "open"
    assert band["lower_is_statutory_threshold"] is True and band["upper_pence"] is None
    assert body["estimate"]["start_date"] == "2026-06-01"
    city = next(item for item in body["results"] if item["name"] == "City Navigators Ltd")
    assert city["eligible"] is True
    assert city["reasons"][0] == "Eligible: location plays no part in this band"
    assert city["locality"]["level"] == "wider"
    assert (city["locality"]["district_code"], city["locality"]["district_name"]) == ("E08000012", "Liverpool")


def test_keywords_narrow_the_list(client: FlaskClient, register: factories.CouncilSetup) -> None:
    assert names(get(client, value="4000", q="huyton").get_json()) == ["Huyton Helpers Co-operative"]
    assert names(get(client, value="4000", category="cleaning").get_json()) == ["Knowsley Cleaners CIC"]


BAD_PARAMETERS = [
    ({"value": ""}, "value", "Enter the estimated value, like £4,500"),
    ({"value": "0"}, "value", "Enter an estimated value of more than £0"),
    ({"value": "-5"}, "value", "Enter an amount of £0 or more"),
    ({"value": "lots"}, "value", "Enter an amount in pounds, like £5,000"),
    ({"value": "1e5"}, "value", "Enter an amount in pounds, like £5,000"),
    ({"value": "NaN"}, "value", "Enter an amount in pounds, like £5,000"),
    ({"value": "20000000000"}, "value", "Enter an estimated value of £10 billion or less"),
    ({"council": "E09999999"}, "council", None),
    ({"council": "atlantis"}, "council", None),
    ({"category": "juggling"}, "category", None),
    ({"contract_type": "services"}, "contract_type", "Enter contract_type as goods_and_services, works or light_touch"),
    ({"vat": "maybe"}, "vat", "Enter vat as excluded, included or not_applicable"),
    ({"start_date": "2017-12-31"}, "start_date", "Enter a start date on or after 1 January 2018"),
    ({"start_date": "2099-01-01"}, "start_date", None),
    ({"start_date": "1/4/2027"}, "start_date", "Enter the start date as year-month-day, like 2027-04-01"),
    ({"start_date": "2027-02-30"}, "start_date", "Enter a real start date, like 2027-04-01"),
    # No bands in force then: the domain's message, from the search itself.
    ({"start_date": "2019-06-01"}, "start_date", None),
    ({"page": "0"}, "page", "Enter a page number of 1 or more"),
    ({"page": "-1"}, "page", None),
    ({"page": "two"}, "page", "Enter the page as a whole number, like 2"),
    ({"page": "1.5"}, "page", None),
    ({"page": "99999999999"}, "page", None),
    ({"q": "x" * 201}, "q", "Keywords must be 200 characters or fewer"),
    ({"include_unverified": "perhaps"}, "include_unverified", "Enter include_unverified as true or false"),
    ({"colour": "red"}, "colour", "Remove colour: it is not a parameter of this API"),
]


@pytest.mark.parametrize(("params", "parameter", "message"), BAD_PARAMETERS)
def test_invalid_parameters_get_a_400_naming_the_parameter(
    client: FlaskClient,
    register: factories.CouncilSetup,
    params: dict[str, str],
    parameter: str,
    message: str | None,
) -> None:
    response = get(client, **{"value": "4000", **params})
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["parameter"] == parameter
    assert error["code"] == "invalid_parameter"
    assert error["message"]
    if message:
        assert error["message"] == message
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_parameter_given_twice_is_refused(client: FlaskClient, register: factories.CouncilSetup) -> None:
    response = client.get(API + "?value=4000&value=5000")
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "invalid_parameter",
        "parameter": "value",
        "message": "Give value once",
    }


@pytest.mark.parametrize("value", ["4000", "£4,000", "4k", " 4,000.00 "])
def test_values_are_read_like_the_form_reads_them(
    client: FlaskClient, register: factories.CouncilSetup, value: str
) -> None:
    body = get(client, value=value).get_json()
    assert body["estimate"]["value_excluding_vat_pence"] == 400_000


def test_vat_and_contract_type_are_applied(client: FlaskClient, register: factories.CouncilSetup) -> None:
    body = get(client, value="6000", vat="included", contract_type="works").get_json()
    assert body["estimate"]["value_excluding_vat_pence"] == 500_000
    assert body["estimate"]["vat"]["value"] == "included"
    assert body["band"]["name"] == "Intermediate value"
    assert body["band"]["threshold"]["contract_type"]["value"] == "works"
    assert body["thin_market"] == {
        "thin": True,
        "message": "Only 2 eligible local providers for the 3 quotes this band needs",
    }


@pytest.mark.parametrize(
    "council", ["E08000011", "e08000011", "knowsley", "knowsley-council", "Knowsley Council", "KNOWSLEY", None]
)
def test_the_council_by_gss_code_or_slug(
    client: FlaskClient, register: factories.CouncilSetup, council: str | None
) -> None:
    query = "value=4000" + (f"&council={quote(council)}" if council is not None else "")
    response = client.get(f"{API}?{query}")
    assert response.status_code == 200
    assert response.get_json()["council"]["name"] == "Knowsley Council"


def test_pages(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    for number in range(25):
        factories.provider(db.session, f"Provider {number:02d}")
    factories.provider(db.session, "Elsewhere Ltd", district_code="E08000012")
    db.session.commit()
    first = get(client, value="4000", category="").get_json()
    assert first["pagination"] == {"page": 1, "per_page": 20, "pages": 2, "total": 25, "total_capped": False}
    assert len(first["results"]) == 20
    assert first["links"]["prev"] is None
    assert first["links"]["next"].startswith("http://localhost/api/v1/eligible-providers?")
    assert "page=2" in first["links"]["next"]
    second = client.get(first["links"]["next"]).get_json()
    assert second["pagination"]["page"] == 2 and len(second["results"]) == 5
    assert second["links"]["next"] is None and "page=1" in second["links"]["prev"]
    assert not set(names(first)) & set(names(second))
    assert sorted(names(first) + names(second)) == [f"Provider {n:02d}" for n in range(25)]
    past_the_end = get(client, value="4000", category="", page="9").get_json()
    assert past_the_end["pagination"]["page"] == 2


def test_a_count_past_the_cap_says_it_is_a_floor(
    client: FlaskClient, knowsley: factories.CouncilSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ordered_pages, "COUNT_LIMIT", 3)
    for number in range(5):
        factories.provider(db.session, f"Provider {number:02d}")
    db.session.commit()
    body = get(client, value="4000", category="").get_json()
    assert body["pagination"]["total"] == 3 and body["pagination"]["total_capped"] is True
    assert body["local_eligible"] == 3 and body["local_capped"] is True


def test_openapi_is_served_and_documents_every_parameter_the_view_reads(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    operation = spec["paths"]["/eligible-providers"]["get"]
    documented = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert documented == set(views.QUERY_PARAMETERS)
    source = Path(views.__file__).read_text()
    read = set(re.findall(r"_arg\(\"(\w+)\"\)", source))
    assert read and read <= documented
    assert "request.args.get(" not in source  # every read goes through _arg, which only reads documented names
    by_name = {p["name"]: p for p in operation["parameters"]}
    assert by_name["contract_type"]["schema"]["enum"] == [t.value for t in ContractType]
    assert by_name["vat"]["schema"]["enum"] == [v.value for v in VatTreatment]
    assert by_name["value"]["required"] is True
    for status in ("200", "400", "403", "500"):
        assert status in operation["responses"]
    for ref in re.findall(r'"\$ref": "([^"]+)"', json.dumps(spec)):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in spec["components"]["schemas"]
    locality = spec["components"]["schemas"]["Locality"]["properties"]["level"]["enum"]
    assert locality == [m.value for m in Locality] == ["local", "wider", "outside", "unknown"]


def test_responses_match_the_documented_schemas(
    client: FlaskClient, sign_in_as: Callable[[str], str], register: factories.CouncilSetup
) -> None:
    spec = document()
    conform(get(client, value="4000").get_json(), ref("EligibleProviders"), spec)
    conform(get(client, value="200000").get_json(), ref("EligibleProviders"), spec)
    conform(get(client, value="nothing").get_json(), ref("Error"), spec)
    conform(client.get("/api/v1/nowhere").get_json(), ref("Error"), spec)
    sign_in_as(COMMISSIONER)
    staff = get(client, value="4000", include_unverified="true").get_json()
    conform(staff, ref("EligibleProviders"), spec)
    assert "contact_email" in staff["results"][0]
    with pytest.raises(AssertionError):  # the checker does check: an undocumented field fails
        conform({**staff, "extra": 1}, ref("EligibleProviders"), spec)


def test_unexpected_errors_are_json_without_a_stack_trace(
    client: FlaskClient, register: factories.CouncilSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "search", broken)
    response = get(client, value="4000")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {
            "code": "server_error",
            "parameter": None,
            "message": "Sorry, there is a problem with the service. Try again later",
        }
    }
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "Traceback" not in text


def test_too_many_requests_get_json(
    app: Flask, client: FlaskClient, register: factories.CouncilSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    assert [get(client, value="4000").status_code for _ in range(3)] == [200, 200, 429]
    refused = get(client, value="4000")
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


@pytest.mark.parametrize(
    ("breached", "seconds_left", "expected"),
    [
        (True, 29.5, "30"),  # whole seconds rounded up, as the pages give them: never a second too soon
        (True, 0.2, "1"),
        (True, 60.5, "60"),  # Flask-Limiter's reset is the second after the window ends: never more than the window
        (False, 5.5, "60"),  # a limit that was not breached says nothing about when to come back: a minute
    ],
)
def test_the_api_gives_the_same_retry_after_as_the_pages(
    app: Flask,
    client: FlaskClient,
    register: factories.CouncilSetup,
    monkeypatch: pytest.MonkeyPatch,
    breached: bool,
    seconds_left: float,
    expected: str,
) -> None:
    """One rule for Retry-After (app/rate_limits.py), whichever limit refused the request."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "1 per minute")
    assert get(client, value="4000").status_code == 200
    frozen = time.time()
    window = SimpleNamespace(get_expiry=lambda: 60)
    reported = SimpleNamespace(reset_at=frozen + seconds_left, breached=breached, limit=window)
    monkeypatch.setattr(time, "time", lambda: frozen)
    monkeypatch.setattr(type(limiter), "current_limit", property(lambda _: reported))
    refused = get(client, value="4000")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == expected


def test_unknown_paths_and_other_methods_get_json(client: FlaskClient, register: factories.CouncilSetup) -> None:
    for path in ("/api/v1/nowhere", "/api/v1/", "/api/v1/eligible-providers/extra"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"
    response = client.post(API + "?value=4000")  # no CSRF token: the API changes nothing, so it is not asked for
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
    assert client.delete("/api/v1/nowhere").status_code == 405
    assert client.get("/not-the-api").mimetype == "text/html"  # the rest of the service keeps its pages


def test_money_is_always_named_in_pence_with_its_words_beside_it(
    client: FlaskClient, register: factories.CouncilSetup
) -> None:
    page_moss = db.session.scalar(select(Provider).where(Provider.name == "Page Moss Navigators CIC"))
    assert page_moss is not None
    page_moss.facts.append(ProviderFact(kind=FactKind.TURNOVER, value="8500000", as_of=date(2025, 3, 31)))
    page_moss.facts.append(ProviderFact(kind=FactKind.STAFF_COUNT, value="12", as_of=date(2025, 3, 31)))
    page_moss.facts.append(ProviderFact(kind=FactKind.ASSET_LOCK, value=None, evidence=EvidenceState.UNKNOWN))
    db.session.commit()
    body = get(client, value="4000").get_json()
    facts = {f["kind"]["value"]: f for f in body["results"][0]["facts"]}
    turnover = facts["turnover"]
    assert (turnover["value"], turnover["value_pence"], turnover["value_text"]) == (None, 8_500_000, "£85,000")
    assert (facts["staff_count"]["value"], facts["staff_count"]["value_pence"]) == ("12", None)
    assert (facts["real_living_wage"]["value"], facts["real_living_wage"]["value_text"]) == ("yes", "Yes")
    assert facts["asset_lock"]["value"] is None and facts["asset_lock"]["value_text"] is None
    conform(body, ref("EligibleProviders"), document())

    # Every amount of money anywhere in the answer sits in a field named for its unit, with its words beside it.
    money = {8_500_000, 400_000, 480_000, 500_000, 20_772_000}
    found: list[str] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                walk(value, name)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, (int, str)) and not isinstance(node, bool) and str(node) in {str(m) for m in money}:
            found.append(key)

    walk(body)
    assert found and all(key.endswith("_pence") for key in found), found
    assert body["band"]["upper_text"] == "£5,000" and body["band"]["threshold"]["amount_text"] == "£207,720"
    described = document()["info"]["description"]
    assert "..._pence" in described and "..._text" in described


def test_every_answer_under_the_api_is_json_with_a_true_allow(
    client: FlaskClient, register: factories.CouncilSetup
) -> None:
    options = client.options(API)
    assert options.status_code == 204 and not options.get_data()
    assert options.headers["Allow"] == "GET, HEAD, OPTIONS"  # not POST, PUT, PATCH or DELETE
    assert client.options("/api/v1/openapi.json").headers["Allow"] == "GET, HEAD, OPTIONS"
    for method in ("TRACE", "POST", "PUT", "PATCH", "DELETE", "PROPFIND"):
        for path in (API, "/api/v1/openapi.json", "/api/v1/nowhere"):
            response = client.open(path, method=method)
            assert response.status_code == 405, (method, path)
            assert response.mimetype == "application/json", (method, path)
            assert response.get_json()["error"]["code"] == "method_not_allowed"
            assert response.headers["Allow"] == "GET, HEAD, OPTIONS", (method, path)
    for path in ("/api/v1", "/api/v1/", "/api/v1/eligible-providers/", "/api/v2/eligible-providers", "/api/"):
        response = client.get(path)
        assert (response.status_code, response.mimetype) == (404, "application/json"), path
    assert client.head(API + "?value=4000&category=community-support").status_code == 200
    too_long = client.get(API + "?value=4000&q=" + "a" * 3000)
    assert (too_long.status_code, too_long.mimetype) == (414, "application/json")
    assert too_long.get_json()["error"] == {
        "code": "uri_too_long",
        "parameter": None,
        "message": "The query must be 2,000 characters or fewer",
    }
    conform(too_long.get_json(), ref("Error"), document())


def test_hidden_characters_in_a_parameter_get_a_json_400_naming_it(
    app: Flask, client: FlaskClient, register: factories.CouncilSetup
) -> None:
    response = client.get(API + "?value=4000&category=x%00y")
    assert (response.status_code, response.mimetype) == (400, "application/json")
    assert response.get_json()["error"]["parameter"] == "category"
    # The API checks for itself too, whatever runs before it.
    with app.test_request_context(API + "?value=4000&q=care%01home"), pytest.raises(views.ParameterError) as refused:
        views._arg("q")
    assert refused.value.parameter == "q" and "hidden characters" in refused.value.message


def test_the_openapi_examples_are_categories_a_seeded_register_has() -> None:
    seeded = Path(__file__).resolve().parents[2] / "seed_data" / "services" / "service_categories.csv"
    with seeded.open(encoding="utf-8", newline="") as rows:
        slugs = {row["slug"] for row in csv.DictReader(rows)}
    category = next(
        p for p in document()["paths"]["/eligible-providers"]["get"]["parameters"] if p["name"] == "category"
    )
    examples = category["schema"]["examples"]
    assert examples and set(examples) <= slugs
    named = re.search(r"like ([a-z-]+)\.", category["description"])
    assert named is not None and named.group(1) in slugs


# A small JSON Schema checker for the subset the OpenAPI document uses: $ref, oneOf, type, enum, required,
# properties, additionalProperties false, items and minimum.


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def conform(instance: Any, schema: dict[str, Any], spec: dict[str, Any]) -> None:
    problems = schema_problems(instance, schema, spec, "$")
    assert not problems, problems


def schema_problems(instance: Any, schema: dict[str, Any], spec: dict[str, Any], at: str) -> list[str]:
    if "$ref" in schema:
        return schema_problems(instance, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], spec, at)
    if "oneOf" in schema:
        fits = [s for s in schema["oneOf"] if not schema_problems(instance, s, spec, at)]
        return [] if len(fits) == 1 else [f"{at}: fits {len(fits)} of oneOf"]
    problems: list[str] = []
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else types
        python = {
            "object": dict,
            "array": list,
            "string": str,
            "integer": int,
            "boolean": bool,
            "null": type(None),
            "number": (int, float),
        }
        if not any(
            isinstance(instance, python[t]) and not (t in ("integer", "number") and isinstance(instance, bool))
            for t in allowed
        ):
            return [f"{at}: {instance!r} is not {allowed}"]
    if "enum" in schema and instance not in schema["enum"]:
        problems.append(f"{at}: {instance!r} not in {schema['enum']}")
    if "minimum" in schema and isinstance(instance, int) and instance < schema["minimum"]:
        problems.append(f"{at}: {instance} < {schema['minimum']}")
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        problems += [f"{at}: missing {name}" for name in schema.get("required", []) if name not in instance]
        if schema.get("additionalProperties") is False:
            problems += [f"{at}: undocumented {name}" for name in instance if name not in properties]
        for name, value in instance.items():
            if name in properties:
                problems += schema_problems(value, properties[name], spec, f"{at}.{name}")
    if isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            problems += schema_problems(item, schema["items"], spec, f"{at}[{index}]")
    return problems


def test_the_statements_an_answer_sends_do_not_grow_with_its_rows(
    client: FlaskClient, knowsley: factories.CouncilSetup
) -> None:
    """Each provider's places are named from one lookup for the page, not one per provider."""

    def statements() -> int:
        sent: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            sent.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert get(client, value="4000", category="").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(sent)

    factories.provider(db.session, "First CIC")
    db.session.commit()
    one = statements()
    for number in range(8):
        factories.provider(db.session, f"Provider {number} CIC", district_code="E08000011")
    db.session.commit()
    assert statements() == one
