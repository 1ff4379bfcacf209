"""Companies House's online service (its public data API) read the way the loaded registers are read.

A company profile (``GET /company/{number}``) becomes the same :class:`~app.domain.registers.RegisterEntry` a row of
BasicCompanyData does: its ``type`` and ``company_status`` codes are written as the bulk product words them, so the
legal form comes from the one category table (:data:`app.domain.registers.COMPANY_CATEGORIES`) and whether it is
live from the one status rule (:func:`app.domain.registers.liveness`). Every answer the service can give, including
each way it can fail, is a state with its words for the provider. Pure: the HTTP client and the cache are in
:mod:`app.services.companies_house_api`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.postcodes import try_normalise_postcode
from app.domain.providers import LegalForm
from app.domain.registers import (
    NAME_MAX_LENGTH,
    Register,
    RegisterEntry,
    RegisterFileError,
    category_legal_form,
    company_number,
    liveness,
    register_as_of,
    register_date,
)
from app.domain.wording import govuk_date, govuk_datetime

#: Companies House's own limit for one key: 600 requests in any 5 minutes. Ours must stay below it.
SERVICE_LIMIT_REQUESTS = 600
SERVICE_LIMIT_SECONDS = 300


class OnlineState(Enum):
    """What the online service said about a number, or why it said nothing."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    TIMED_OUT = "timed_out"
    REFUSED = "refused"  # the council's key was refused (401 or 403)
    RATE_LIMITED = "rate_limited"  # its limit (429) or ours: no request was made
    SERVICE_ERROR = "service_error"  # 5xx, an answer that is not a company profile, or no connection

    @property
    def failed(self) -> bool:
        """The service could not say whether the company exists: the number is left for the council to check."""
        return self not in (OnlineState.FOUND, OnlineState.NOT_FOUND)


def state_for_status(status_code: int) -> OnlineState:
    """The state an HTTP status code means for a company profile request."""
    if status_code == 200:
        return OnlineState.FOUND
    if status_code == 404:
        return OnlineState.NOT_FOUND
    if status_code in (401, 403):
        return OnlineState.REFUSED
    if status_code == 429:
        return OnlineState.RATE_LIMITED
    return OnlineState.SERVICE_ERROR


# --- Company types and statuses ------------------------------------------------------------------------------------

#: The profile's ``type`` codes (Companies House's api-enumerations, constants.yml ``company_type``), each as
#: BasicCompanyData's CompanyCategory words it, so one table (COMPANY_CATEGORIES) gives the legal form.
API_TYPES: dict[str, str] = {
    "ltd": "Private Limited Company",
    "plc": "Public Limited Company",
    "old-public-company": "Old Public Company",
    "private-unlimited": "Private Unlimited Company",
    "private-unlimited-nsc": "Private Unlimited",
    "private-limited-guarant-nsc": "PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)",
    "private-limited-guarant-nsc-limited-exemption": (
        "PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)"
    ),
    "private-limited-shares-section-30-exemption": (
        "PRIV LTD SECT. 30 (Private limited company, section 30 of the Companies Act)"
    ),
    "community-interest-company": "Community Interest Company",
    "llp": "Limited Liability Partnership",
    "limited-partnership": "Limited Partnership",
    "scottish-partnership": "Scottish Partnership",
    "charitable-incorporated-organisation": "Charitable Incorporated Organisation",
    "scottish-charitable-incorporated-organisation": "Scottish Charitable Incorporated Organisation",
    "registered-society-non-jurisdictional": "Registered Society",
    "industrial-and-provident-society": "Industrial and Provident Society",
    "royal-charter": "Royal Charter Company",
    "investment-company-with-variable-capital": "Investment Company with Variable Capital",
    "icvc-securities": "Investment Company with Variable Capital(Securities)",
    "icvc-umbrella": "Investment Company with Variable Capital (Umbrella)",
    "icvc-warrant": "Investment Company with Variable Capital",
    "further-education-or-sixth-form-college-corporation": "Further Education and Sixth Form College Corps",
    "registered-overseas-entity": "Overseas Entity",
    "protected-cell-company": "Protected Cell Company",
    "converted-or-closed": "Converted/Closed",
    "united-kingdom-societas": "United Kingdom Societas",
    "eeig": "United Kingdom Economic Interest Grouping",
    "european-public-limited-liability-company-se": "European Public Limited-Liability Company (SE)",
    "other": "Other Company Type",
}

#: Types whose BasicCompanyData words are not in the category table, with the legal form they are.
API_TYPE_FORMS: dict[str, LegalForm] = {
    # A private company limited by shares allowed to leave "Limited" out of its name.
    "private-limited-shares-section-30-exemption": LegalForm.PRIVATE_COMPANY,
}

#: The profile's ``subtype`` that makes a company a CIC, whatever its type (a CIC is a "ltd" or a company limited
#: by guarantee with this subtype).
CIC_SUBTYPE = "community-interest-company"

#: The profile's ``company_status`` codes as BasicCompanyData's CompanyStatus words them, for the one liveness rule.
API_STATUSES: dict[str, str] = {
    "active": "Active",
    "dissolved": "Dissolved",
    "liquidation": "Liquidation",
    "receivership": "Receivership",
    "administration": "In Administration",
    "voluntary-arrangement": "Voluntary Arrangement",
    "converted-closed": "Converted/Closed",
    "insolvency-proceedings": "Insolvency Proceedings",
    "open": "Open",
    "closed": "Closed",
    "registered": "Registered",
    "removed": "Removed",
}

#: ``company_status_detail`` codes that say more than the status, as BasicCompanyData words them.
API_STATUS_DETAILS: dict[str, str] = {
    "active-proposal-to-strike-off": "Active - Proposal to Strike off",
}


def _words(code: str) -> str:
    """An unknown code in words: "some-new-type" -> "Some new type"."""
    text = code.replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def company_kind(type_code: str | None, subtype: str | None = None) -> str:
    """The company's category as BasicCompanyData words it ("Community Interest Company"); an unknown code in
    words, and "" when the profile gives none."""
    if (subtype or "").strip().lower() == CIC_SUBTYPE:
        return API_TYPES[CIC_SUBTYPE]
    code = (type_code or "").strip().lower()
    return API_TYPES.get(code) or _words(code)


def company_legal_form(type_code: str | None, subtype: str | None = None) -> LegalForm:
    """The legal form a profile's type (and subtype) is, by the same category table the bulk files use."""
    code = (type_code or "").strip().lower()
    if (subtype or "").strip().lower() != CIC_SUBTYPE and code in API_TYPE_FORMS:
        return API_TYPE_FORMS[code]
    return category_legal_form(company_kind(type_code, subtype))


def company_status(status: str | None, detail: str | None = None) -> str:
    """The company's status as BasicCompanyData words it ("Active - Proposal to Strike off")."""
    detailed = API_STATUS_DETAILS.get((detail or "").strip().lower())
    if detailed is not None:
        return detailed
    code = (status or "").strip().lower()
    return API_STATUSES.get(code) or _words(code)


# --- A profile as a register entry ---------------------------------------------------------------------------------

#: The profile's fields the register reads; only these are kept in the cache.
PROFILE_FIELDS = (
    "company_name",
    "company_number",
    "company_status",
    "company_status_detail",
    "type",
    "subtype",
    "date_of_creation",
    "date_of_cessation",
    "registered_office_address",
    "sic_codes",
)
ADDRESS_FIELDS = ("care_of", "po_box", "premises", "address_line_1", "address_line_2", "locality", "region")
_KEPT_ADDRESS_FIELDS = (*ADDRESS_FIELDS, "postal_code", "country")

SERVICE_NAME = "Companies House online service"
UK_TIME = "Europe/London"


class ProfileError(ValueError):
    """An answer that is not a company profile the register can read."""


def kept_profile(profile: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a profile the register reads (what the cache keeps): nothing else it says is stored."""
    kept = {name: profile[name] for name in PROFILE_FIELDS if name in profile}
    office = kept.get("registered_office_address")
    if isinstance(office, Mapping):
        kept["registered_office_address"] = {k: office[k] for k in _KEPT_ADDRESS_FIELDS if k in office}
    return kept


def uk_time(moment: datetime) -> datetime:
    """A moment on the clock people in the UK read (GMT or BST); UTC where the time zone database is missing."""
    try:
        return moment.astimezone(ZoneInfo(UK_TIME))
    except ZoneInfoNotFoundError:  # pragma: no cover - a system without tzdata (Windows without the package)
        return moment.astimezone(UTC)


def online_basis(fetched_at: datetime) -> str:
    """Where online facts are from, in words: "Companies House online service, fetched 5 December 2026 at 2:02pm"."""
    return f"{SERVICE_NAME}, fetched {govuk_datetime(uk_time(fetched_at))}"


@dataclass(frozen=True)
class OnlineRegisterEntry(RegisterEntry):
    """A company as Companies House's online service gave it, when it was asked (its ``release_name`` is the basis
    in words and its ``published_on`` the day it was fetched, so a kept record says where it is from)."""

    fetched_at: datetime

    @property
    def basis(self) -> str:
        return online_basis(self.fetched_at)


def _text(profile: Mapping[str, Any], name: str, most: int = 500) -> str:
    value = profile.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProfileError(f"its {name} is not text")
    return " ".join(value.split())[:most]


def _date(profile: Mapping[str, Any], name: str) -> date | None:
    try:
        return register_date(_text(profile, name, 40) or None)
    except RegisterFileError as error:
        raise ProfileError(f"its {name}: {error}") from None


def _sic(profile: Mapping[str, Any], sic_words: Mapping[str, str]) -> tuple[str, ...]:
    codes = profile.get("sic_codes") or []
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise ProfileError("its sic_codes are not a list of codes")
    described = []
    for code in (c.strip() for c in codes if c.strip()):
        words = sic_words.get(code)
        described.append(f"{code} - {words}" if words else code)
    return tuple(described)


def entry_from_profile(
    profile: Mapping[str, Any], fetched_at: datetime, sic_words: Mapping[str, str] | None = None
) -> OnlineRegisterEntry:
    """A company profile as the register entry the loaded files would give, with its online basis; ``sic_words``
    gives SIC codes their words ("88990 - Other social work activities ..."). ProfileError for an answer that is not
    a company profile."""
    if not isinstance(profile, Mapping):
        raise ProfileError("it is not a JSON object")
    number = company_number(_text(profile, "company_number", 20))
    name = _text(profile, "company_name", NAME_MAX_LENGTH)
    if number is None or not name:
        raise ProfileError("it has no company number or name")
    office = profile.get("registered_office_address") or {}
    if not isinstance(office, Mapping):
        raise ProfileError("its registered_office_address is not an address")
    address = ", ".join(part for field in ADDRESS_FIELDS if (part := _text(office, field, 120)))
    type_code, subtype = _text(profile, "type", 80), _text(profile, "subtype", 80)
    status = company_status(_text(profile, "company_status", 40), _text(profile, "company_status_detail", 60))
    started_on, ended_on = _date(profile, "date_of_creation"), _date(profile, "date_of_cessation")
    fetched_on = uk_time(fetched_at).date()
    return OnlineRegisterEntry(
        register=Register.COMPANIES_HOUSE,
        number=number,
        name=name,
        status=status,
        liveness=liveness(status, ended_on),
        legal_form=company_legal_form(type_code, subtype),
        kind=company_kind(type_code, subtype)[:120],
        address=address[:800],
        postcode=try_normalise_postcode(_text(office, "postal_code", 20)),
        started_on=started_on,
        ended_on=ended_on,
        sic=_sic(profile, sic_words or {}),
        company_number=number,
        release_name=online_basis(fetched_at),
        published_on=fetched_on,
        fetched_at=fetched_at,
    )


# --- What the provider is told -------------------------------------------------------------------------------------

_CARRY_ON = "You can carry on: the council will check the number with the register."


@dataclass(frozen=True)
class OnlineAnswer:
    """What the online service said about one company number, and when: the company, or the state that says why
    there is none."""

    number: str
    state: OnlineState
    fetched_at: datetime
    entry: OnlineRegisterEntry | None = None

    def note(self) -> str | None:
        """Why there is no company, in words for the provider (who is never told more than that the council's key
        was refused); None when there is one."""
        if self.state == OnlineState.FOUND:
            return None
        if self.state == OnlineState.NOT_FOUND:
            return (
                f"Companies House has no company with the number {self.number} "
                f"(checked online on {govuk_date(uk_time(self.fetched_at))}). Check the number. "
                "If it is right, you can carry on: the council will check it with the register."
            )
        why = {
            OnlineState.TIMED_OUT: "Companies House's online service did not answer in time",
            OnlineState.REFUSED: "the council's Companies House key was refused",
            OnlineState.RATE_LIMITED: "Companies House's online service is busy with other look-ups just now",
            OnlineState.SERVICE_ERROR: "Companies House's online service had a problem",
        }[self.state]
        return f"Company number {self.number} could not be checked online: {why}. {_CARRY_ON}"


def not_on_release(register: Register, number: str, published_on: date) -> str:
    """Why a number has no entry on a loaded register, in words: the release may be older than the organisation."""
    return (
        f"{register_as_of(register, published_on)} has no number {number}. "
        "If it was registered since then, the council will check it with the register."
    )
