"""Organisations on the register: legal forms, statuses, evidence and identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.domain.labelled import LabelledEnum
from app.domain.roles import COUNCIL_ROLES, Role

#: The longest organisation or trading name the register keeps: the form, the import and the column all use it.
NAME_MAX_LENGTH = 300


class LegalForm(LabelledEnum):
    CIC = (
        "cic",
        "Community interest company (CIC)",
        "A limited company with an asset lock, registered as a CIC",
    )
    COOPERATIVE = (
        "cooperative_society",
        "Co-operative society",
        "Registered with the Financial Conduct Authority and run for its members",
    )
    COMMUNITY_BENEFIT = (
        "community_benefit_society",
        "Community benefit society",
        "Registered with the Financial Conduct Authority and run for the community",
    )
    CHARITY = "charity", "Charity or CIO", "Registered with a charity regulator, including a CIO or SCIO"
    CLG = "company_limited_by_guarantee", "Company limited by guarantee", "A not-for-profit company"
    PRIVATE_COMPANY = "private_company", "Private company", "A company limited by shares, or an LLP"
    SOLE_TRADER = (
        "sole_trader_or_partnership",
        "Sole trader or partnership",
        "Not registered at Companies House",
    )
    UNINCORPORATED = (
        "unincorporated_association",
        "Unincorporated association",
        "A club or group with a constitution",
    )
    OTHER = "other", "Other", ""
    UNKNOWN = "unknown", "Not known", "The legal form has not been confirmed"


#: Forms that belong to the social economy (VCSE, co-operative and community-owned).
SOCIAL_ECONOMY_FORMS = frozenset(
    {
        LegalForm.CIC,
        LegalForm.COOPERATIVE,
        LegalForm.COMMUNITY_BENEFIT,
        LegalForm.CHARITY,
        LegalForm.CLG,
        LegalForm.UNINCORPORATED,
    }
)


class ProviderStatus(LabelledEnum):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for checks"
    VERIFIED = "verified", "Verified"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"
    ARCHIVED = "archived", "Archived"


class ProviderSource(LabelledEnum):
    SELF_REGISTERED = "self_registered", "Registered by the organisation"
    IMPORTED = "imported", "Imported by the council"


class EvidenceState(LabelledEnum):
    UNKNOWN = "unknown", "Not known"
    SELF_DECLARED = "self_declared", "Self-declared"
    # From a list a council officer imported (a finance system's suppliers, a register's open data): not what the
    # organisation said, and not checked one by one either. :func:`evidence_wording` names the file and the date.
    COUNCIL_IMPORT = "council_import", "From the council's import"
    REGISTER_MATCHED = "register_matched", "Matched to a public register"
    OFFICER_VERIFIED = "officer_verified", "Checked by the council"


def evidence_wording(state: EvidenceState, file_name: str | None = None, imported_on: date | None = None) -> str:
    """How a fact or number is known, in words for a page: the one place evidence is worded.

    'From the council's import of suppliers.csv on 3 December 2026' for a value an officer imported; the state's
    label ('Self-declared', 'Checked by the council') otherwise.
    """
    if state == EvidenceState.COUNCIL_IMPORT and file_name:
        # Dates are worded in one place, which itself words this module's facts (hence imported here).
        from app.domain.wording import govuk_date

        when = f" on {govuk_date(imported_on)}" if imported_on else ""
        return f"From the council's import of {file_name}{when}"
    return state.label


class FactKind(LabelledEnum):
    """Size, ownership and fair-work facts, each held with its evidence and date."""

    ASSET_LOCK = "asset_lock", "Asset lock"
    DIVIDEND_CAP = "dividend_cap", "Dividend cap"
    MEMBER_OWNED = "member_owned", "Owned by its members"
    EMPLOYEE_OWNED = "employee_owned", "Employee-owned"
    COMMUNITY_OWNED = "community_owned", "Community-owned"
    ULTIMATE_PARENT = "ultimate_parent", "Ultimate parent company"
    PARENT_COUNTRY = "parent_country", "Country of the ultimate parent"
    REAL_LIVING_WAGE = "real_living_wage", "Real Living Wage accredited"
    SOCIAL_ENTERPRISE_MARK = "social_enterprise_mark", "Social Enterprise Mark"
    SOCIAL_ENTERPRISE = "social_enterprise", "Social enterprise (self-declared)"
    STAFF_COUNT = "staff_count", "Number of staff"
    TURNOVER = "turnover", "Annual turnover"
    LOCAL_STAFF_SHARE = "local_staff_share", "Share of staff living locally"
    SUPPORTED_EMPLOYMENT = "supported_employment", "Supported employment provider"
    PUBLIC_SERVICE_MUTUAL = "public_service_mutual", "Public service mutual"


#: Facts held as money: a whole number of pence in the value column (£85,000 is "8500000").
MONEY_FACTS = frozenset({FactKind.TURNOVER})


class SiteKind(LabelledEnum):
    REGISTERED_OFFICE = "registered_office", "Registered office"
    TRADING_SITE = "trading_site", "Trading site"


class Placement(LabelledEnum):
    """How precisely a site's point is known."""

    POSTCODE = "postcode", "Postcode"
    POSTCODE_DISTRICT = "postcode_district", "Postcode district (approximate)"
    ADDRESS = "address", "Address"
    NOT_PLACED = "not_placed", "Not placed"


@dataclass(frozen=True)
class IdentifierScheme:
    """An org-id prefix and the shape its register's numbers take."""

    prefix: str
    register: str
    pattern: re.Pattern[str]
    example: str
    article: str = "a"  # "an FCA ...": the article follows the sound, as GOV.UK copy does
    # Letters the register writes in front of its numbers but the org-id leaves out (NIC100001 -> GB-NIC-100001).
    org_id_drops: str = ""


IDENTIFIER_SCHEMES: dict[str, IdentifierScheme] = {
    s.prefix: s
    for s in (
        IdentifierScheme(
            "GB-COH", "Companies House", re.compile(r"^(\d{8}|[A-Z]{2}\d{6})$", re.ASCII), "01234567 or SC123456"
        ),
        IdentifierScheme("GB-CHC", "Charity Commission", re.compile(r"^\d{6,7}$", re.ASCII), "1234567"),
        IdentifierScheme("GB-SC", "Scottish Charity Regulator", re.compile(r"^SC\d{6}$", re.ASCII), "SC012345"),
        IdentifierScheme(
            "GB-NIC",
            "Charity Commission for Northern Ireland",
            re.compile(r"^NIC\d{6}$", re.ASCII),
            "NIC100001",
            org_id_drops="NIC",
        ),
        IdentifierScheme(
            "GB-MPR",
            "FCA Mutuals Public Register",
            re.compile(r"^\d{1,6}[A-Z]{0,3}$", re.ASCII),
            "525R or 31129",
            article="an",
        ),
    )
}


class IdentifierError(ValueError):
    """An identifier that does not fit its register's shape."""


def normalise_identifier(prefix: str, value: str) -> str:
    """Return ``value`` cleaned to its register's canonical shape, or raise IdentifierError."""
    scheme = IDENTIFIER_SCHEMES.get(prefix)
    if scheme is None:
        raise IdentifierError(f"Unknown identifier scheme {prefix}")
    cleaned = re.sub(r"[\s.\-]", "", value).upper()
    if prefix == "GB-COH" and cleaned.isdigit() and len(cleaned) < 8:
        cleaned = cleaned.zfill(8)  # Companies House numbers lose their leading zeros in spreadsheets
    if prefix == "GB-NIC" and cleaned.isdigit():
        cleaned = "NIC" + cleaned  # the NIC prefix is often left off
    if not scheme.pattern.match(cleaned):
        raise IdentifierError(
            f"Enter {scheme.article} {scheme.register} number in the right format, like {scheme.example}"
        )
    return cleaned


def org_id(prefix: str, value: str) -> str:
    """The org-id form of an identifier, e.g. ``GB-COH-01234567`` or ``GB-NIC-100001``."""
    value = normalise_identifier(prefix, value)
    drops = IDENTIFIER_SCHEMES[prefix].org_id_drops
    if drops and value.startswith(drops):
        value = value[len(drops) :]
    return f"{prefix}-{value}"


#: Companies House's two-letter prefixes (England and Wales, Scotland and Northern Ireland: LLPs, limited
#: partnerships, registered societies, overseas companies...). SC is left out: the Scottish Charity Regulator's
#: numbers have the same shape as a Scottish company's.
COMPANIES_HOUSE_PREFIXES = frozenset(
    {
        "AC",
        "CE",
        "CS",
        "ES",
        "FC",
        "GE",
        "GN",
        "GS",
        "IC",
        "IP",
        "LP",
        "NA",
        "NC",
        "NF",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NV",
        "OC",
        "PC",
        "RC",
        "RS",
        "SA",
        "SE",
        "SF",
        "SG",
        "SI",
        "SL",
        "SO",
        "SP",
        "SR",
        "SZ",
        "ZC",
    }
)


def scheme_from_shape(value: str) -> str | None:
    """The one register whose numbers have this shape, or None when it could be more than one.

    Eight digits or a Companies House prefix and six digits: Companies House. NIC and six digits: the Charity
    Commission for Northern Ireland. Digits with the FCA's letters after them (525R, 2456RS): the FCA's Mutuals
    Public Register. Digits alone could be a charity, a society or a company that lost its leading zeros, and SC and
    six digits a Scottish company or charity: those are not guessed.
    """
    cleaned = re.sub(r"[\s.\-]", "", value).upper()
    if re.fullmatch(r"\d{8}", cleaned, re.ASCII):
        return "GB-COH"
    if re.fullmatch(r"[A-Z]{2}\d{6}", cleaned, re.ASCII) and cleaned[:2] in COMPANIES_HOUSE_PREFIXES:
        return "GB-COH"
    if re.fullmatch(r"NIC\d{6}", cleaned, re.ASCII):
        return "GB-NIC"
    if re.fullmatch(r"\d{1,6}[A-Z]{1,3}", cleaned, re.ASCII):
        return "GB-MPR"
    return None


def address_text(address: str | None, town: str | None, postcode: str | None) -> str:
    """An address in one line: its lines, its town unless the last line already names it, its postcode.

    Imported addresses end with their town and keep it as the town too: '11 Market Square, Kirkby, L32 8RG'.
    """
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    town = (town or "").strip()
    if town and not (lines and lines[-1].casefold() == town.casefold()):
        lines.append(town)
    if postcode:
        lines.append(postcode)
    return ", ".join(lines)


def may_see_contact_details(viewer_role: Role | str | None, viewer_provider_id: int | None, provider_id: int) -> bool:
    """Whether someone may see an organisation's contact email and phone: council staff, and its own members.

    Everyone sees its website; the email and phone are for council staff asking for quotes, not for everyone.
    """
    if viewer_role is None:
        return False
    return Role(viewer_role) in COUNCIL_ROLES or viewer_provider_id == provider_id
