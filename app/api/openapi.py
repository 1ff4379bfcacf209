"""The OpenAPI 3.1 document for /api/v1, built from the domain's own vocabularies so the two cannot drift."""

from __future__ import annotations

from typing import Any

from app.domain.bands import VatTreatment
from app.domain.labelled import LabelledEnum
from app.domain.locality import Locality
from app.domain.policy import ContractType, LocalityRule, Reservation, VatBasis
from app.domain.providers import EvidenceState, FactKind, LegalForm

API_VERSION = "1.0.0"
MAX_KEYWORDS = 200
#: The longest query string the API reads; a longer one gets a 414 (web servers refuse far longer ones themselves).
MAX_QUERY_LENGTH = 2000
#: Service categories from seed_data/services/service_categories.csv, so every example works on a seeded register.
CATEGORY_EXAMPLES = ("community-support-advice-and-navigation", "cleaning")
EXAMPLE_CATEGORY = CATEGORY_EXAMPLES[0]

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def _object(description: str, properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """A closed object: every property listed, all required but ``optional``, nothing else allowed."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _labelled(enum: type[LabelledEnum], description: str, *, with_hint: bool = False) -> Schema:
    properties: dict[str, Schema] = {
        "value": {"type": "string", "enum": [m.value for m in enum]},
        "label": {"type": "string", "description": "The value in words, as the service shows it"},
    }
    if with_hint:
        properties["description"] = {"type": "string", "description": "What the value means, in a sentence"}
    return _object(description, properties)


def _string(description: str, **extra: Any) -> Schema:
    return {"type": "string", "description": description, **extra}


def _integer(description: str, **extra: Any) -> Schema:
    return {"type": "integer", "description": description, **extra}


def _boolean(description: str) -> Schema:
    return {"type": "boolean", "description": description}


def _strings(description: str) -> Schema:
    return {"type": "array", "description": description, "items": {"type": "string"}}


PARAMETERS: list[Schema] = [
    {
        "name": "council",
        "in": "query",
        "required": False,
        "description": (
            "The council buying: the GSS code of its district, like E08000011, or its name as a slug, like "
            "knowsley or knowsley-council. Leave out for the council this service is run for."
        ),
        "schema": {"type": "string", "examples": ["E08000011", "knowsley"]},
    },
    {
        "name": "value",
        "in": "query",
        "required": True,
        "description": (
            "The estimated whole-life value of the contract in pounds: £4,500, 4500, 4500.50, 4.5k or 1.2m. "
            "More than £0 and no more than £10 billion."
        ),
        "schema": {"type": "string", "examples": ["4500", "£4,500", "4.5k"]},
    },
    {
        "name": "contract_type",
        "in": "query",
        "required": False,
        "description": "The type of contract, which decides the statutory threshold. Goods and services if left out.",
        "schema": {
            "type": "string",
            "enum": [t.value for t in ContractType],
            "default": ContractType.GOODS_AND_SERVICES.value,
        },
    },
    {
        "name": "vat",
        "in": "query",
        "required": False,
        "description": "Whether the value includes VAT. Excluded if left out.",
        "schema": {"type": "string", "enum": [v.value for v in VatTreatment], "default": VatTreatment.EXCLUDED.value},
    },
    {
        "name": "start_date",
        "in": "query",
        "required": False,
        "description": (
            "When the contract starts, as year-month-day (ISO 8601), like 2027-04-01. It decides which bands "
            "and thresholds apply. From 1 January 2018 to ten years ahead; today if left out."
        ),
        "schema": {"type": "string", "format": "date", "examples": ["2027-04-01"]},
    },
    {
        "name": "category",
        "in": "query",
        "required": False,
        "description": f"Only providers offering this service, by the category's slug, like {EXAMPLE_CATEGORY}.",
        "schema": {"type": "string", "examples": list(CATEGORY_EXAMPLES)},
    },
    {
        "name": "q",
        "in": "query",
        "required": False,
        "description": "Keywords matched against providers' names, services and descriptions; every word must match.",
        "schema": {"type": "string", "maxLength": MAX_KEYWORDS},
    },
    {
        "name": "page",
        "in": "query",
        "required": False,
        "description": "Which page of results, from 1. A page past the last gives the last page.",
        "schema": {"type": "integer", "minimum": 1, "default": 1},
    },
    {
        "name": "include_unverified",
        "in": "query",
        "required": False,
        "description": (
            "Also list organisations the council has not checked yet (true or false). Only for a signed-in "
            "commissioner, officer or administrator: anyone else gets a 403."
        ),
        "schema": {"type": "boolean", "default": False},
    },
]

ERROR = _object(
    "What went wrong",
    {
        "error": _object(
            "The problem, in words for the person using your service",
            {
                "code": _string(
                    "What kind of problem",
                    enum=[
                        "invalid_parameter",
                        "forbidden",
                        "not_found",
                        "method_not_allowed",
                        "uri_too_long",
                        "too_many_requests",
                        "server_error",
                        "http_error",
                    ],
                ),
                "parameter": _nullable(_string("The query parameter at fault, when one is")),
                "message": _string("What to do about it, like 'Enter an estimated value of more than £0'"),
            },
        )
    },
)

SCHEMAS: dict[str, Schema] = {
    "Error": ERROR,
    "Council": _object(
        "The council buying",
        {
            "name": _string("Its name, like Knowsley Council"),
            "district_code": _string("The GSS code of its district, like E08000011"),
            "slug": _string("Its name as a slug, accepted by the council parameter"),
        },
    ),
    "LocalArea": _object(
        "What counts as local for the council",
        {
            "name": _string("The local area in words, like Knowsley"),
            "district_codes": _strings("The GSS codes of the districts that count as local"),
            "wider_area_name": _nullable(_string("The council's wider area, like Liverpool City Region")),
        },
    ),
    "Estimate": _object(
        "The contract as the rules read it",
        {
            "contract_type": _labelled(ContractType, "The type of contract"),
            "vat": _labelled(VatTreatment, "How the value given treats VAT"),
            "start_date": _string("When the contract starts", format="date"),
            "value_excluding_vat_pence": _integer("The whole-life value excluding VAT, in pence"),
            "value_including_vat_pence": _integer("The whole-life value including VAT at 20%, in pence"),
            "value_excluding_vat_text": _string("The same in pounds, like £4,000"),
            "value_including_vat_text": _string("The same in pounds, like £4,800"),
        },
    ),
    "Threshold": _object(
        "The statutory threshold in force for the contract type on the start date",
        {
            "contract_type": _labelled(ContractType, "The contract type it applies to"),
            "amount_pence": _integer("The threshold in pence"),
            "amount_text": _string("The threshold in pounds, like £207,720"),
            "vat_basis": _labelled(VatBasis, "Whether the amount includes VAT"),
            "effective_from": _string("The date it came into force", format="date"),
        },
    ),
    "Band": _object(
        "The council's spend band the contract falls in, and its rules in words",
        {
            "code": _string("The council's code for the band, like A"),
            "name": _string("The band's name, like Low value"),
            "lower_pence": _integer("The lowest value in the band, in pence (inclusive)"),
            "upper_pence": _nullable(_integer("The value where the band ends, in pence (exclusive); null for none")),
            "lower_text": _string("The lower bound in pounds"),
            "upper_text": _nullable(_string("The upper bound in pounds (exclusive)")),
            "lower_is_statutory_threshold": _boolean("The band starts at the statutory threshold"),
            "upper_is_statutory_threshold": _boolean("The band ends at the statutory threshold"),
            "range_text": _string("The bounds in words, like 'under £5,000'"),
            "vat_basis": _labelled(VatBasis, "Whether the band's numeric bounds include VAT"),
            "min_quotes": _integer("How many quotes the band needs", minimum=1),
            "route": _string("How to buy in this band, in the council's words"),
            "advertised": _boolean("Whether the opportunity must be advertised"),
            "reservation": _labelled(Reservation, "Who the band is reserved to, beyond location"),
            "locality_rule": _labelled(
                LocalityRule,
                "The locality rule that applies to this contract (above the threshold never local only)",
                with_hint=True,
            ),
            "summary": _string("The band and its rules in a sentence or two"),
            "cautions": _strings("What the commissioner must be told: legal cautions and notices"),
            "notifiable": _boolean("From £30,000 including VAT: a contract details notice is needed"),
            "above_threshold": _boolean("The value is at or above the statutory threshold"),
            "threshold": _nullable(_ref("Threshold")),
        },
    ),
    "Locality": _object(
        "Whether the provider is local for the council, with the evidence in words",
        {
            "level": _string("local, wider, outside or unknown", enum=[m.value for m in Locality]),
            "label": _string("The level in words"),
            "district_code": _nullable(
                _string("GSS code of the district of the site that decides the level; null if none is placed")
            ),
            "district_name": _nullable(_string("That district's name")),
            "evidence": _strings(
                "Each site and where it is, deciding sites first; hidden addresses show no postcode or other detail"
            ),
        },
    ),
    "Identifier": _object(
        "A registration number in org-id form",
        {
            "org_id": _string("Like GB-COH-01234567 or GB-CHC-1234567"),
            "scheme": _string("The org-id prefix, like GB-COH"),
            "evidence": _labelled(EvidenceState, "How far the number has been checked"),
        },
    ),
    "Fact": _object(
        "A size, ownership or fair-work fact, as on the provider's public page",
        {
            "kind": _labelled(FactKind, "What the fact is about"),
            "value": _nullable(
                _string(
                    "The answer as held: yes, no, a number or a name; null when not known, and always null for "
                    "money (see value_pence)"
                )
            ),
            "value_pence": _nullable(
                _integer("For money (annual turnover): the amount in pence, 8500000 for £85,000; null otherwise")
            ),
            "value_text": _nullable(_string("The answer in words as the service shows it, like £85,000 or Yes")),
            "evidence": _labelled(EvidenceState, "How we know it"),
            "as_of": _nullable(_string("The date the fact was true on", format="date")),
        },
    ),
    "Provider": _object(
        "An eligible provider, best first, with why",
        {
            "id": _integer("The provider's number on the register"),
            "name": _string("Its legal name"),
            "trading_name": _nullable(_string("The name it trades under")),
            "description": _nullable(_string("What it does, in its words")),
            "legal_form": _labelled(LegalForm, "Its legal form"),
            "verified": _boolean("Checked by the council (always true unless include_unverified is used)"),
            "url": _nullable(_string("Its public page; null when it is not yet verified", format="uri")),
            "website": _nullable(_string("Its website, as it gave it")),
            "locality": _ref("Locality"),
            "eligible": _boolean("Whether the band lets the commissioner ask this provider"),
            "reasons": _strings("Why: eligibility first, then what counts in its favour"),
            "services": _strings("The services it offers, by name"),
            "identifiers": {"type": "array", "items": _ref("Identifier")},
            "facts": {"type": "array", "items": _ref("Fact")},
            "contact_email": _nullable(
                _string(
                    "Only for a signed-in commissioner, officer or administrator, or for the provider's own members",
                    format="email",
                )
            ),
        },
        optional=("contact_email",),
    ),
    "Pagination": _object(
        "Where this page is in the results",
        {
            "page": _integer("This page", minimum=1),
            "per_page": _integer("Results on a full page", minimum=1),
            "pages": _integer("How many pages", minimum=1),
            "total": _integer(
                "How many eligible providers in all, counted up to 10,000 (past that, 10,000 and total_capped)",
                minimum=0,
            ),
            "total_capped": _boolean("The count stopped at 10,000: there are more than total"),
        },
    ),
    "Links": _object(
        "Links to this page, its neighbours and the API's description",
        {
            "self": _string("This page", format="uri"),
            "next": _nullable(_string("The next page", format="uri")),
            "prev": _nullable(_string("The previous page", format="uri")),
            "openapi": _string("This document", format="uri"),
        },
    ),
    "ThinMarket": _object(
        "Whether there are fewer eligible providers than the band needs quotes",
        {
            "thin": _boolean("Fewer eligible providers than quotes needed"),
            "message": _nullable(_string("The shortfall in words")),
        },
    ),
    "EligibleProviders": _object(
        "The band for the contract and the eligible providers, best first",
        {
            "council": _ref("Council"),
            "local_area": _ref("LocalArea"),
            "estimate": _ref("Estimate"),
            "band": _ref("Band"),
            "results": {"type": "array", "items": _ref("Provider")},
            "local_eligible": _integer(
                "How many of the eligible providers are local, counted up to 10,000 (past that, local_capped)",
                minimum=0,
            ),
            "local_capped": _boolean("The local count stopped at 10,000: there are more than local_eligible"),
            "thin_market": _ref("ThinMarket"),
            "pagination": _ref("Pagination"),
            "links": _ref("Links"),
        },
    ),
}


def _error_response(description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    errors = {
        "400": _error_response("A parameter is missing or not valid; the error names it"),
        "404": _error_response("There is nothing at this address"),
        "414": _error_response(f"The query string is longer than {MAX_QUERY_LENGTH:,} characters"),
        "429": {
            **_error_response("Too many requests from this address"),
            "headers": {
                "Retry-After": {
                    "description": "Seconds to wait before asking again",
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
        },
        "500": _error_response("Something went wrong on our side"),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Local Supplier Register API",
            "version": API_VERSION,
            "summary": "Which providers a council may buy from for a contract, locally, and why",
            "description": (
                "Read-only. Anyone may call it and gets verified providers' public details. A caller signed in to "
                "the service as a commissioner, officer or administrator (the session cookie) also gets each "
                "provider's contact email (a provider's own members get its own), and may include providers not "
                "yet checked. Every response, errors "
                "included, is JSON: every method but GET, HEAD and OPTIONS is answered 405 with an Allow header, "
                "an unknown path under /api/v1 404, a query string longer than "
                f"{MAX_QUERY_LENGTH:,} characters 414, and too many requests 429 with Retry-After. Money is "
                "always given twice: as a whole number of pence in a field named ..._pence, and in words "
                "(like £85,000) in the matching ..._text field."
            ),
            "license": {"name": "Open Government Licence v3.0", "identifier": "OGL-UK-3.0"},
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/eligible-providers": {
                "get": {
                    "operationId": "eligibleProviders",
                    "summary": "The band for a contract and the providers eligible for it, best first",
                    "description": (
                        "The same search commissioners use: the council's spend band for the estimated value on "
                        "the start date, with its rules in words, then eligible providers ranked (local first "
                        "when the band's rule asks, then what counts in their favour, relevance and name), each "
                        "with its locality and reasons. Parameters not listed here are refused with a 400."
                    ),
                    "parameters": PARAMETERS,
                    "security": [{}, {"session": []}],
                    "responses": {
                        "200": {
                            "description": "The band and one page of eligible providers",
                            "headers": {
                                "Cache-Control": {
                                    "description": "public, max-age=60 for anonymous callers; "
                                    "private, no-store when signed in",
                                    "schema": {"type": "string"},
                                }
                            },
                            "content": {"application/json": {"schema": _ref("EligibleProviders")}},
                        },
                        "400": errors["400"],
                        "403": _error_response("include_unverified=true without signing in as council staff"),
                        "414": errors["414"],
                        "429": errors["429"],
                        "500": errors["500"],
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "500": errors["500"],
                    },
                }
            },
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The service's session cookie, after signing in at /sign-in",
                }
            },
        },
    }
