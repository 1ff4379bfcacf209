"""The OpenAPI document and the API cannot drift: schemathesis calls the API with what the document describes.

Positive and negative cases for every documented operation, against the WSGI app in this process, on a register
seeded with the real service categories. Every answer must be documented (status, headers, JSON body), never a
server error, and input the document forbids must be refused with a 4xx. Bounded and deterministic (a fixed
number of examples, derandomised), so it runs the same in a few seconds everywhere, SQLite or PostgreSQL.

One check is left out on purpose: ``positive_data_acceptance`` (input that fits the document's shapes must get a
2xx). The API's rules go beyond shapes: a value over £10 billion, a category or council not on the register, a
start date with no bands in force are refused with a documented 400 naming the parameter.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import positive_data_acceptance

from app.api.openapi import document
from app.extensions import db
from app.models import ServiceCategory
from app.services import fulltext
from tests import factories

SEEDED_CATEGORIES = Path(__file__).resolve().parents[2] / "seed_data" / "services" / "service_categories.csv"


#: Built from the document the API serves (checked below), at import, so pytest can list one test per operation.
schema = schemathesis.openapi.from_dict(document())


@pytest.fixture
def seeded_app(app: Flask, knowsley: factories.CouncilSetup) -> Flask:
    """Knowsley with the seeded service categories and a few providers offering them."""
    with SEEDED_CATEGORIES.open(encoding="utf-8", newline="") as rows:
        categories = [ServiceCategory(slug=row["slug"], name=row["name"]) for row in csv.DictReader(rows)]
    db.session.add_all(categories)
    for number, category in enumerate(categories[:4]):
        provider = factories.provider(db.session, f"Knowsley Provider {number} CIC")
        provider.services = [category]
        fulltext.refresh(db.session, provider)
    db.session.commit()
    served = app.test_client().get("/api/v1/openapi.json").get_json()
    assert served == json.loads(json.dumps(document())), "the document tested is the one served"
    return app


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_answers_as_its_openapi_document_says(case: Case, seeded_app: Flask) -> None:
    case.call_and_validate(app=seeded_app, excluded_checks=[positive_data_acceptance])
