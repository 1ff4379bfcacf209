"""Control characters and blank or over-long answers, through the real pages (issue 11, findings 8 and 20).

A NUL byte used to give a 500 on PostgreSQL. Forms answer with a message beside the field; query strings get a
400 page (or the API's JSON error); nothing reaches the database.
"""

from __future__ import annotations

import html
import io
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import ImportBatch, Provider, User
from tests import factories
from tests.views.conftest import csrf_token, post_form

HIDDEN = "must not contain hidden characters such as null characters"


def _error_summary(page: str) -> list[str]:
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary, "no error summary"
    return [
        html.unescape(re.sub(r"\s+", " ", text).strip())
        for text in re.findall(r"<a [^>]*>(.*?)</a>", summary.group(0), re.S)
    ]


def _count(model: type) -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


# Finding 8: control characters.


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Page Moss\x00 CIC", "trading_name": ""}, f"Organisation name {HIDDEN}"),
        ({"name": "Page Moss CIC", "trading_name": "PM\x00"}, f"Trading name {HIDDEN}"),
        (
            {"name": "Page Moss\tCIC", "trading_name": ""},
            "Organisation name must not contain hidden characters such as tabs",
        ),
        ({"name": "   ", "trading_name": ""}, "Enter your organisation's name"),
        ({"name": "\u00a0 \u2003", "trading_name": ""}, "Enter your organisation's name"),  # spaces of other widths
        ({"name": "x" * 301, "trading_name": ""}, "Organisation name must be 300 characters or fewer"),
    ],
)
def test_the_organisation_name_page_refuses_hidden_characters_a_blank_and_an_over_long_name(
    provider_client: FlaskClient, data: dict[str, str], message: str
) -> None:
    response = post_form(provider_client, "/provider/organisation/name", data)
    assert response.status_code == 400
    assert _error_summary(response.get_data(as_text=True)) == [message]
    assert _count(Provider) == 0


def test_a_nul_in_an_organisation_search_is_a_400_page(provider_client: FlaskClient) -> None:
    response = provider_client.get("/provider/join?q=Page%00Moss")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The web address contains hidden characters" in page
    assert "<title>" in page and "Sorry, there is a problem with your request" in page


def test_the_api_answers_a_nul_in_a_parameter_with_json(client: FlaskClient, knowsley: factories.CouncilSetup) -> None:
    response = client.get("/api/v1/eligible-providers?value=10000&category=x%00y")
    assert response.status_code == 400
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["parameter"] == "category"
    assert "hidden characters" in error["message"]


def test_the_api_answers_a_nul_in_a_parameter_name_with_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/eligible-providers?value=10000&x%00y=1")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "xy"


def test_the_commissioners_record_search_refuses_a_nul(commissioner_client: FlaskClient) -> None:
    response = commissioner_client.get("/commissioner/records?q=a%00b")
    assert response.status_code == 400
    assert "The web address contains hidden characters" in response.get_data(as_text=True)
    assert commissioner_client.get("/commissioner/records?q=ab").status_code == 200


def test_the_commissioners_search_refuses_a_nul(commissioner_client: FlaskClient) -> None:
    response = commissioner_client.get("/commissioner/?value=4000&q=clean%00ing")
    assert response.status_code == 400


def test_an_upload_with_a_nul_in_its_file_name_is_refused_beside_the_field(officer_client: FlaskClient) -> None:
    token = csrf_token(officer_client, "/officer/imports/new")
    response = officer_client.post(
        "/officer/imports/new",
        data={"csrf_token": token, "file": (io.BytesIO(b"name,postcode\nA,L36 9GD\n"), "supp\x00liers.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert _error_summary(response.get_data(as_text=True)) == [f"The file name {HIDDEN}"]
    assert _count(ImportBatch) == 0


def test_an_upload_with_a_nul_in_its_source_name_is_refused_beside_the_field(officer_client: FlaskClient) -> None:
    token = csrf_token(officer_client, "/officer/imports/new")
    response = officer_client.post(
        "/officer/imports/new",
        data={
            "csrf_token": token,
            "source_name": "Co-operatives\x00 UK",
            "file": (io.BytesIO(b"name,postcode\nA,L36 9GD\n"), "suppliers.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    messages = _error_summary(response.get_data(as_text=True))
    assert len(messages) == 1 and messages[0].endswith(HIDDEN)
    assert _count(ImportBatch) == 0


def test_a_form_value_no_form_reads_is_refused_with_a_400_page(officer_client: FlaskClient) -> None:
    token = csrf_token(officer_client, "/officer/imports/new")
    response = officer_client.post(
        "/officer/imports/new",
        data={"csrf_token": token, "not_a_field": "a\x00b"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "What you sent contains hidden characters" in response.get_data(as_text=True)


def test_a_textarea_keeps_its_line_breaks(provider_client: FlaskClient) -> None:
    assert post_form(provider_client, "/provider/organisation/name", {"name": "Page Moss CIC"}).status_code == 302
    page = csrf_token(provider_client, "/provider/services")
    assert page
    response = provider_client.post(
        "/provider/services",
        data={"csrf_token": page, "description": "We cook.\r\n\r\nWe\tclean.", "services": []},
    )
    # Refused for the missing services only, never for the line breaks and tab.
    assert "hidden characters" not in response.get_data(as_text=True)


# Finding 20: blank answers and GOV.UK length messages.


def test_names_are_trimmed_before_they_are_saved(provider_client: FlaskClient) -> None:
    response = post_form(
        provider_client, "/provider/organisation/name", {"name": "  Page Moss CIC  ", "trading_name": "  "}
    )
    assert response.status_code == 302
    db.session.remove()
    provider = db.session.scalar(select(Provider))
    assert provider is not None
    assert provider.name == "Page Moss CIC"
    assert not provider.trading_name


@pytest.mark.parametrize(
    ("full_name", "message", "shown_back"),
    [
        ("Ada\x00 Lovelace", f"Your name {HIDDEN}", "Ada Lovelace"),  # shown back without the hidden character
        ("   ", "Enter your name", None),
        ("x" * 201, "Your name must be 200 characters or fewer", "x" * 201),
    ],
)
def test_create_account_refuses_a_hidden_character_a_blank_or_an_over_long_name_beside_the_field(
    client: FlaskClient, app_context: None, full_name: str, message: str, shown_back: str | None
) -> None:
    response = post_form(
        client,
        "/create-account",
        {
            "full_name": full_name,
            "email": "ada@example.com",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _error_summary(page) == [message]
    assert shown_back is None or f'value="{shown_back}"' in page
    assert "\x00" not in page
    assert "Field cannot be longer than" not in page
    assert _count(User) == 0


@pytest.mark.parametrize("query", ["q=\xff", "\xff=1", "q=caf\xe9"])  # raw bytes, as a WSGI server passes them
def test_a_query_string_that_is_not_utf8_is_a_400_page_not_a_500(client: FlaskClient, query: str) -> None:
    response = client.get("/directory", environ_overrides={"QUERY_STRING": query})
    assert response.status_code == 400
    assert "not encoded as UTF-8" in response.get_data(as_text=True)
    response = client.get("/api/v1/eligible-providers", environ_overrides={"QUERY_STRING": query})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_parameter"
    assert "UTF-8" in response.get_json()["error"]["message"]


def test_a_percent_escaped_byte_that_is_not_utf8_is_read_as_a_replacement_character(client: FlaskClient) -> None:
    assert client.get("/directory?q=%ff").status_code == 200
