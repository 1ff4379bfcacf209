"""The public directory's search by name or service, beside its district, legal form and service filters."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.domain.providers import LegalForm, ProviderStatus
from app.extensions import db
from app.models import ServiceCategory
from app.services import fulltext
from tests import factories


def quoted(words: str) -> str:
    """Words in the curly single quotes GOV.UK style uses."""
    return "\u2018" + words + "\u2019"


@pytest.fixture
def catering(knowsley: factories.CouncilSetup) -> ServiceCategory:
    category = ServiceCategory(slug="catering", name="Catering and food", description="Meals, cafes and events")
    gardening = ServiceCategory(slug="grounds", name="Grounds maintenance", description="Gardening and parks")
    db.session.add_all([category, gardening])
    for number in range(25):
        provider = factories.provider(db.session, f"Kitchen {number:02d} CIC")
        provider.services.append(category)
        fulltext.refresh(db.session, provider)
    gardens = factories.provider(db.session, "Green Spaces Trust", legal_form=LegalForm.CHARITY)
    gardens.services.append(gardening)
    fulltext.refresh(db.session, gardens)
    draft = factories.provider(db.session, "Draft Catering Co-op", status=ProviderStatus.SUBMITTED)
    draft.services.append(category)
    fulltext.refresh(db.session, draft)
    db.session.commit()
    return category


def test_the_directory_has_a_search_box_and_a_service_filter(client: FlaskClient, catering: ServiceCategory) -> None:
    page = client.get("/directory").get_data(as_text=True)
    assert '<label class="govuk-label govuk-label--m" for="q">Search by name or service</label>' in page
    assert 'type="search"' in page and 'name="q"' in page
    assert '<option value="catering">Catering and food</option>' in page
    assert '<option value="grounds">Grounds maintenance</option>' in page
    assert "26 providers" in page


def test_a_search_by_service_counts_its_results_and_pages_keep_the_search(
    client: FlaskClient, catering: ServiceCategory
) -> None:
    first = client.get("/directory?q=catering&legal_form=cic").get_data(as_text=True)

    assert f"25 providers found for {quoted('catering')}, showing 1 to 20" in first
    assert "Green Spaces Trust" not in first and "Draft Catering Co-op" not in first
    assert 'value="catering"' in first  # the words stay in the box
    assert 'href="/directory?page=2&amp;q=catering&amp;legal_form=cic"' in first
    second = client.get("/directory?page=2&q=catering&legal_form=cic").get_data(as_text=True)
    assert f"25 providers found for {quoted('catering')}, showing 21 to 25" in second


def test_a_search_by_name(client: FlaskClient, catering: ServiceCategory) -> None:
    page = client.get("/directory?q=green+spaces").get_data(as_text=True)
    assert f"1 provider found for {quoted('green spaces')}" in page
    assert "Green Spaces Trust" in page and "Kitchen 00 CIC" not in page


def test_the_service_filter(client: FlaskClient, catering: ServiceCategory) -> None:
    page = client.get("/directory?service=grounds").get_data(as_text=True)
    assert "1 provider" in page and "Green Spaces Trust" in page and "Kitchen" not in page
    assert '<option value="grounds" selected>Grounds maintenance</option>' in page
    unknown = client.get("/directory?service=%3Cscript%3E").get_data(as_text=True)
    assert "26 providers" in unknown and "<script>" not in unknown


def test_no_results_says_how_to_improve_the_search(client: FlaskClient, catering: ServiceCategory) -> None:
    page = client.get("/directory?q=plumbing").get_data(as_text=True)
    assert f"0 providers found for {quoted('plumbing')}" in page
    assert "There are no matching providers." in page
    assert "checking your spelling" in page and "removing filters" not in page
    filtered = client.get("/directory?q=plumbing&service=grounds").get_data(as_text=True)
    assert "removing filters" in filtered
    assert 'href="/directory">Clear search and filters</a>' in filtered


def test_a_search_of_only_punctuation_finds_no_providers(client: FlaskClient, catering: ServiceCategory) -> None:
    page = client.get("/directory?q=%21%21%21").get_data(as_text=True)
    assert f"0 providers found for {quoted('!!!')}" in page
    assert "There are no matching providers." in page
    assert "Kitchen 00 CIC" not in page and "Green Spaces Trust" not in page


def test_what_is_searched_for_is_escaped(client: FlaskClient, catering: ServiceCategory) -> None:
    page = client.get("/directory?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
