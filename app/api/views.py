"""GET /api/v1/eligible-providers: the commissioner's search as JSON, and the OpenAPI document describing it.

The same rules as the search page: the council's band for the estimate, then eligible providers best-first,
each with its locality and reasons. Anonymous callers get verified providers and public facts only; a
signed-in commissioner, officer or admin also gets contact emails and may include unchecked providers, and a
provider's member its own organisation's contact email (who sees it: app/domain/providers.py, as on its page).
Never: hidden addresses or their postcodes, coordinates, phone numbers or anything about users.

Every answer under /api/v1/ is JSON. A blueprint's error handlers only see errors once a route has matched,
so a catch-all route turns unknown paths into a JSON 404, and errors raised while routing (a method the path
does not answer, TRACE included) are answered in JSON before the app's HTML pages can be. OPTIONS answers
204 with the path's real ``Allow``; a query longer than MAX_QUERY_LENGTH gets a JSON 414.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar

from flask import current_app, jsonify, request
from flask.globals import request_ctx
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, SecurityError
from werkzeug.wrappers import Response

from app.api import bp
from app.api.openapi import EXAMPLE_CATEGORY, MAX_KEYWORDS, MAX_QUERY_LENGTH, document
from app.domain.bands import BandChoice, BandError, Estimate, VatTreatment, check_start_date, whole_life_value
from app.domain.labelled import LabelledEnum
from app.domain.locality import LocalArea, PlacedSite, assess_locality
from app.domain.policy import ContractType, MoneyError, format_pence, parse_pounds
from app.domain.providers import MONEY_FACTS, ProviderStatus, may_see_contact_details
from app.domain.roles import may_enter
from app.domain.text import has_hidden_characters, hidden_characters_message, is_plain_number, plain_int
from app.domain.wording import fact_text
from app.extensions import db, limiter
from app.models import Council, Provider, ProviderFact, ServiceCategory
from app.models.base import utcnow
from app.services.councils import council_by_code
from app.services.locality import area_names_for, placed_sites
from app.services.search import Criteria, ResultRow, SearchResult, search
from app.web.council import council_local_area
from app.web.rate_limits import retry_after_seconds
from app.web.urls import absolute_url, is_api_path

#: Every query parameter the view reads, in the order they are checked. Anything else is refused.
QUERY_PARAMETERS = (
    "council",
    "value",
    "contract_type",
    "vat",
    "start_date",
    "category",
    "q",
    "page",
    "include_unverified",
)
PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private, no-store"

_GSS_CODE = re.compile(r"^[ENSW]\d{8}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_COUNCIL_WORDS = re.compile(r"(?:-(?:metropolitan|borough|city|county|district|london|royal))*-council$")
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})

E = TypeVar("E", bound=LabelledEnum)


class ParameterError(Exception):
    """A query parameter the API cannot use: answered in JSON naming it."""

    def __init__(self, parameter: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Parameters:
    council: Council
    estimate: Estimate
    category: ServiceCategory | None
    keywords: str | None
    page: int
    include_unverified: bool


def _rate_limit() -> str:
    return str(current_app.config.get("API_RATE_LIMIT") or "120 per minute")


@bp.route("/eligible-providers")
@limiter.limit(_rate_limit)
def eligible_providers() -> Response:
    """The band for a contract and the providers eligible for it, best first, with why."""
    staff = _is_staff()
    params = _read_parameters(staff)
    council = params.council
    session = _session()
    area = council_local_area(council)
    criteria = Criteria(
        estimate=params.estimate,
        category=params.category.slug if params.category else None,
        keywords=params.keywords,
        verified_only=not params.include_unverified,
    )
    try:
        result = search(
            session,
            council,
            area,
            criteria,
            utcnow().date(),
            page=params.page,
            per_page=current_app.config["PER_PAGE"],
        )
    except BandError as exc:  # e.g. no bands in force on the start date, or none covers the value
        raise ParameterError(exc.field if exc.field in QUERY_PARAMETERS else "value", str(exc)) from exc
    response = jsonify(_body(result, council, area, params))
    response.headers["Cache-Control"] = PRIVATE_CACHE if current_user.is_authenticated else PUBLIC_CACHE
    response.vary.add("Cookie")
    return response


@bp.route("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document for this API."""
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/", defaults={"path": ""}, strict_slashes=False)
@bp.route("/<path:path>")
def not_found(path: str) -> Response:
    """Unknown paths under /api/v1/: a JSON 404 (other methods on them get a JSON 405 from routing)."""
    raise NotFound()


@bp.before_request
def _before_api_request() -> Response | None:
    """OPTIONS names the methods the path answers; an over-long query is refused before it is read."""
    if request.method == "OPTIONS":
        response = Response(status=204)
        response.headers["Allow"] = _allowed_methods()
        response.headers["Cache-Control"] = "no-store"
        return response
    if len(request.query_string) > MAX_QUERY_LENGTH:
        return _error(414, "uri_too_long", f"The query must be {MAX_QUERY_LENGTH:,} characters or fewer")
    return None


@bp.before_app_request
def _routing_error_as_json() -> Response | None:
    """Routing fails before any view or blueprint handler is chosen (TRACE, an unknown path or method under
    /api/): the app's handlers would answer with an HTML page, so the API answers here instead."""
    error = request.routing_exception
    if error is None or not is_api_path(request.path) or isinstance(error, SecurityError):
        return None  # an untrusted host is app.web.urls' to refuse
    if isinstance(error, HTTPException) and error.code is not None and error.code < 400:
        return None  # a redirect is not an error
    if isinstance(error, HTTPException):
        return _http_error(error)
    return None


def _allowed_methods() -> str:
    adapter = request_ctx.url_adapter
    methods = set(adapter.allowed_methods()) if adapter is not None else {"GET", "HEAD", "OPTIONS"}
    return ", ".join(sorted(methods))


# Errors: always JSON, never a stack trace. Registered by status code, because the app's own (HTML)
# handlers are registered by code and Flask tries every code-specific handler before any by class.
_HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("http_error", "The request could not be understood"),
    403: ("forbidden", "You cannot do that"),
    404: ("not_found", "There is nothing at this address. The API is described at /api/v1/openapi.json"),
    405: ("method_not_allowed", "This API only answers GET requests"),
    413: ("http_error", "The request is too large"),
    414: ("uri_too_long", "The address is too long"),
    429: ("too_many_requests", "Too many requests from your address. Try again in a minute"),
}
_SERVER_ERROR = "Sorry, there is a problem with the service. Try again later"


def _error(status: int, code: str, message: str, parameter: str | None = None) -> Response:
    response = jsonify({"error": {"code": code, "parameter": parameter, "message": message}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ParameterError)
def _parameter_error(error: ParameterError) -> Response:
    code = "forbidden" if error.status == 403 else "invalid_parameter"
    return _error(error.status, code, error.message, error.parameter)


def _http_error(error: HTTPException) -> Response:
    code, message = _HTTP_ERRORS.get(error.code or 500, ("http_error", error.name))
    response = _error(error.code or 500, code, message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if error.code == 429:
        response.headers["Retry-After"] = str(retry_after_seconds())
    return response


for _status in _HTTP_ERRORS:
    bp.register_error_handler(_status, _http_error)


@bp.errorhandler(500)
@bp.errorhandler(Exception)
def _server_error(error: Exception) -> Response:
    if isinstance(error, HTTPException) and (error.code or 500) < 500:
        return _http_error(error)
    current_app.logger.exception("API request failed", exc_info=error)
    db.session.rollback()
    return _error(500, "server_error", _SERVER_ERROR)


# Reading the query string.


def _arg(name: str) -> str | None:
    """One query parameter, stripped; None when absent or empty. Only the documented names may be read."""
    if name not in QUERY_PARAMETERS:
        raise KeyError(f"{name} is not in QUERY_PARAMETERS, so it is not documented")
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ParameterError(name, f"Give {name} once")
    if values and has_hidden_characters(values[0]):
        # The request guard refuses these first; the API checks too, so no reading of a parameter can skip it.
        raise ParameterError(name, hidden_characters_message(name, values[0]))
    text = values[0].strip() if values else ""
    return text or None


def _session() -> Session:
    return db.session()


def _is_staff() -> bool:
    return bool(current_user.is_authenticated and may_enter(current_user.role, "commissioners"))


def _viewer() -> tuple[str | None, int | None]:
    """The caller's role and organisation, for the rules on what each caller sees; None and None signed out."""
    if not current_user.is_authenticated:
        return None, None
    return current_user.role, current_user.provider_id


def _read_parameters(staff: bool) -> Parameters:
    unknown = sorted(set(request.args) - set(QUERY_PARAMETERS))
    if unknown:
        raise ParameterError(unknown[0], f"Remove {unknown[0]}: it is not a parameter of this API")
    council = _council(_arg("council"))
    pence = _value(_arg("value"))
    contract_type = _choice(_arg("contract_type"), ContractType, "contract_type", ContractType.GOODS_AND_SERVICES)
    vat = _choice(_arg("vat"), VatTreatment, "vat", VatTreatment.EXCLUDED)
    today = utcnow().date()
    start = _start_date(_arg("start_date"), today)
    estimate = Estimate(contract_type=contract_type, start_date=start, vat=vat, total_pence=pence)
    try:
        whole_life_value(estimate)  # zero, or more than £10 billion: the domain's own message
    except BandError as exc:
        raise ParameterError("value", str(exc)) from exc
    keywords = _arg("q")
    if keywords is not None and len(keywords) > MAX_KEYWORDS:
        raise ParameterError("q", f"Keywords must be {MAX_KEYWORDS} characters or fewer")
    return Parameters(
        council=council,
        estimate=estimate,
        category=_category(_arg("category")),
        keywords=keywords,
        page=_page(_arg("page")),
        include_unverified=_include_unverified(_arg("include_unverified"), staff),
    )


def council_slug(name: str) -> str:
    """'Knowsley Council' -> 'knowsley-council'; apostrophes dropped, '&' read as 'and'."""
    text = name.lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def council_slugs(council: Council) -> set[str]:
    """Every slug a council answers to: its full name, its name without 'Council', and its district's name."""
    full = council_slug(council.name)
    return {s for s in (full, _COUNCIL_WORDS.sub("", full), council_slug(council.district.name)) if s}


def _short_slug(council: Council) -> str:
    return _COUNCIL_WORDS.sub("", council_slug(council.name)) or council_slug(council.district.name)


def _council(text: str | None) -> Council:
    if text is None:
        code = current_app.config["COUNCIL_CODE"]
    elif _GSS_CODE.match(text.upper()):
        code = text.upper()
    else:
        slug = council_slug(text)
        councils = db.session.scalars(select(Council).options(selectinload(Council.district))).all()
        found = [c for c in councils if slug in council_slugs(c)]
        if len(found) > 1:
            raise ParameterError("council", "More than one council has that name: give its GSS code instead")
        if not found:
            raise ParameterError(
                "council", "Enter a council on the register, by its GSS code like E08000011 or its name like knowsley"
            )
        return found[0]
    council = council_by_code(db.session, code)
    if council is None:
        raise ParameterError(
            "council", "Enter a council on the register, by its GSS code like E08000011 or its name like knowsley"
        )
    return council


def _value(text: str | None) -> int:
    if text is None:
        raise ParameterError("value", "Enter the estimated value, like £4,500")
    try:
        return parse_pounds(text)
    except MoneyError as exc:
        raise ParameterError("value", str(exc)) from exc


def _choice(text: str | None, enum: type[E], name: str, default: E) -> E:
    if text is None:
        return default
    try:
        return enum(text.lower())
    except ValueError as exc:
        values = [m.value for m in enum]
        listed = ", ".join(values[:-1]) + " or " + values[-1]
        raise ParameterError(name, f"Enter {name} as {listed}") from exc


def _start_date(text: str | None, today: date) -> date:
    if text is None:
        return today
    match = _ISO_DATE.match(text)
    if match is None:
        raise ParameterError("start_date", "Enter the start date as year-month-day, like 2027-04-01")
    try:
        start = date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise ParameterError("start_date", "Enter a real start date, like 2027-04-01") from exc
    try:
        check_start_date(start, today)
    except BandError as exc:
        raise ParameterError("start_date", str(exc)) from exc
    return start


def _category(slug: str | None) -> ServiceCategory | None:
    if slug is None:
        return None
    category = db.session.scalar(select(ServiceCategory).where(ServiceCategory.slug == slug.lower()))
    if category is None:
        raise ParameterError("category", f"Enter a service category the register uses, like {EXAMPLE_CATEGORY}")
    return category


def _page(text: str | None) -> int:
    if text is None:
        return 1
    if not is_plain_number(text):
        raise ParameterError("page", "Enter the page as a whole number, like 2")
    if len(text) > 9:
        raise ParameterError("page", "Enter a page number less than 1,000,000,000")
    page = int(text)
    if page < 1:
        raise ParameterError("page", "Enter a page number of 1 or more")
    return page


def _include_unverified(text: str | None, staff: bool) -> bool:
    if text is None:
        return False
    if text.lower() not in _TRUE | _FALSE:
        raise ParameterError("include_unverified", "Enter include_unverified as true or false")
    wanted = text.lower() in _TRUE
    if wanted and not staff:
        raise ParameterError(
            "include_unverified",
            "Sign in as a commissioner to include organisations the council has not checked yet",
            status=403,
        )
    return wanted


# Writing the answer.


def _labelled(member: LabelledEnum, *, with_hint: bool = False) -> dict[str, str]:
    words = {"value": member.value, "label": member.label}
    if with_hint:
        words["description"] = member.hint
    return words


def _body(result: SearchResult, council: Council, area: LocalArea, params: Parameters) -> dict[str, Any]:
    choice = result.choice
    estimate = params.estimate
    names = area_names_for(_session(), [row.provider for row in result.rows])
    return {
        "council": {"name": council.name, "district_code": council.district.code, "slug": _short_slug(council)},
        "local_area": {
            "name": area.name,
            "district_codes": sorted(area.district_codes),
            "wider_area_name": area.wider_name,
        },
        "estimate": {
            "contract_type": _labelled(estimate.contract_type),
            "vat": _labelled(estimate.vat),
            "start_date": estimate.start_date.isoformat(),
            "value_excluding_vat_pence": choice.value.excluding_vat,
            "value_including_vat_pence": choice.value.including_vat,
            "value_excluding_vat_text": format_pence(choice.value.excluding_vat),
            "value_including_vat_text": format_pence(choice.value.including_vat),
        },
        "band": _band(choice, area),
        "results": [_provider(row, area, names) for row in result.rows],
        "local_eligible": result.local_eligible,
        "local_capped": result.local_capped,
        "thin_market": {"thin": result.thin_market, "message": result.thin_market_message()},
        "pagination": {
            "page": result.page,
            "per_page": result.per_page,
            "pages": result.pages,
            "total": result.total,
            "total_capped": result.total_capped,
        },
        "links": {
            "self": _page_url(result.page),
            "next": _page_url(result.page + 1) if result.page < result.pages else None,
            "prev": _page_url(result.page - 1) if result.page > 1 else None,
            "openapi": absolute_url("api.openapi"),
        },
    }


def _page_url(page: int) -> str:
    args = {name: request.args[name] for name in QUERY_PARAMETERS if name in request.args}
    args["page"] = str(page)
    return absolute_url("api.eligible_providers", **args)


def _band(choice: BandChoice, area: LocalArea) -> dict[str, Any]:
    band, resolved, threshold = choice.band, choice.resolved, choice.threshold
    upper = resolved.upper
    return {
        "code": band.code,
        "name": band.label,
        "lower_pence": resolved.lower,
        "upper_pence": upper,
        "lower_text": format_pence(resolved.lower),
        "upper_text": format_pence(upper) if upper is not None else None,
        "lower_is_statutory_threshold": band.lower_is_threshold,
        "upper_is_statutory_threshold": band.upper_is_threshold,
        "range_text": resolved.range_text,
        "vat_basis": _labelled(band.vat_basis),
        "min_quotes": band.min_quotes,
        "route": band.route,
        "advertised": band.advertised,
        "reservation": _labelled(band.reservation),
        "locality_rule": _labelled(choice.locality_rule, with_hint=True),
        "summary": choice.summary(area.name),
        "cautions": list(choice.cautions),
        "notifiable": choice.notifiable,
        "above_threshold": choice.above_threshold,
        "threshold": None
        if threshold is None
        else {
            "contract_type": _labelled(threshold.contract_type),
            "amount_pence": threshold.amount_pence,
            "amount_text": format_pence(threshold.amount_pence),
            "vat_basis": _labelled(threshold.vat_basis),
            "effective_from": threshold.effective_from.isoformat(),
        },
    }


def _provider(row: ResultRow, area: LocalArea, names: dict[str, str]) -> dict[str, Any]:
    provider = row.provider
    verified = provider.status == ProviderStatus.VERIFIED
    item: dict[str, Any] = {
        "id": provider.id,
        "name": provider.name,
        "trading_name": provider.trading_name,
        "description": provider.description,
        "legal_form": _labelled(provider.legal_form),
        "verified": verified,
        "url": absolute_url("public.provider", provider_id=provider.id) if verified else None,
        "website": provider.website,
        "locality": _locality(provider, area, names),
        "eligible": row.eligibility.eligible,
        "reasons": row.reasons,
        "services": sorted(service.name for service in provider.services),
        "identifiers": [
            {"org_id": i.org_id, "scheme": i.scheme, "evidence": _labelled(i.evidence)} for i in provider.identifiers
        ],
        "facts": [_fact(f) for f in provider.facts],
    }
    if may_see_contact_details(*_viewer(), provider.id):
        item["contact_email"] = provider.contact_email
    return item


def _fact(fact: ProviderFact) -> dict[str, Any]:
    """A fact with its value three ways: as held (never money), in pence (money only) and in words."""
    value = fact.value.strip() if fact.value and fact.value.strip() else None
    money = fact.kind in MONEY_FACTS
    pence = plain_int(value) if money else None
    return {
        "kind": _labelled(fact.kind),
        "value": None if money else value,
        "value_pence": pence,
        "value_text": None if value is None else fact_text(fact.kind, value),
        "evidence": _labelled(fact.evidence),
        "as_of": fact.as_of.isoformat() if fact.as_of else None,
    }


def _public_sites(provider: Provider, names: dict[str, str]) -> list[PlacedSite]:
    """The provider's sites as the public may see them. Beyond the postcode the locality service already hides,
    a hidden site's placement note is dropped: it can name the postcode or the point a geocoder found. ``names``:
    the area names of every provider on the page, looked up once."""
    sites = placed_sites(_session(), provider, public=True, names=names)
    return [
        placed if site.address_public else replace(placed, postcode=None, not_placed_reason=None)
        for site, placed in zip(provider.sites, sites, strict=True)
    ]


def _locality(provider: Provider, area: LocalArea, names: dict[str, str]) -> dict[str, Any]:
    assessment = assess_locality(_public_sites(provider, names), area)
    deciding = assessment.deciding
    return {
        "level": assessment.locality.value,
        "label": assessment.locality.label,
        "district_code": deciding.district_code if deciding else None,
        "district_name": (deciding.district_name or deciding.district_code) if deciding else None,
        "evidence": list(assessment.evidence),
    }
