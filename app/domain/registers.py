"""The UK's public registers of organisations as their bulk files write them: Companies House's BasicCompanyData,
the Charity Commission's register extract and the FCA's Mutuals Public Register.

Pure reading: a file's header to the columns we keep, a row to a record, a register's numbers to one shape, a
company category to a legal form and a status to whether the organisation is still live. Loading, looking up and
matching against loaded releases are in :mod:`app.services.registers`.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from app.domain.labelled import LabelledEnum
from app.domain.postcodes import try_normalise_postcode
from app.domain.providers import LegalForm
from app.domain.spend.suppliers import compact_name, normalise_supplier_name
from app.domain.wording import govuk_date, in_sentence


class Register(LabelledEnum):
    """A public register we load: its command-line name, its name in words and where its bulk files are published."""

    COMPANIES_HOUSE = (
        "companies-house",
        "Companies House",
        "https://download.companieshouse.gov.uk/en_output.html (BasicCompanyData, monthly)",
    )
    CHARITIES = (
        "charities",
        "the Charity Commission",
        "https://register-of-charities.charitycommission.gov.uk/register/full-register-download (daily)",
    )
    MUTUALS = (
        "mutuals",
        "the FCA Mutuals Public Register",
        "https://mutuals.fca.org.uk/ (search results download, or an org-id link file of society numbers)",
    )


#: The org-id scheme each register's numbers are written in (app.domain.providers.IDENTIFIER_SCHEMES).
SCHEME_OF = {Register.COMPANIES_HOUSE: "GB-COH", Register.CHARITIES: "GB-CHC", Register.MUTUALS: "GB-MPR"}
REGISTER_OF_SCHEME = {scheme: register for register, scheme in SCHEME_OF.items()}


def register_name(register: Register) -> str:
    """The register's name to begin a sentence: "Companies House", "The Charity Commission"."""
    return register.label[0].upper() + register.label[1:]


def register_as_of(register: Register, published_on: date, *, start: bool = True) -> str:
    """A register's release in words: "Companies House's register of 1 December 2026", "The Charity Commission's
    register of ...", "The FCA Mutuals Public Register of ..." (``start``: to begin a sentence)."""
    label = register_name(register) if start else register.label
    owner = label if label.endswith("Register") else f"{label}'s register"
    return f"{owner} of {govuk_date(published_on)}"


def last_checked(register: Register, checked_on: date, published_on: date, *, online: bool = False) -> str:
    """'Last checked against Companies House on 4 December 2026 (its register of 1 December 2026)'; for a record
    from the register's online service, 'Last checked against Companies House's online service on 5 December 2026'
    (it has no register of a date: it is the register on the day)."""
    if online:
        return f"Last checked against {register.label}'s online service on {govuk_date(checked_on)}"
    return (
        f"Last checked against {register.label} on {govuk_date(checked_on)} "
        f"(its register of {govuk_date(published_on)})"
    )


class RegisterFileError(ValueError):
    """A register file that cannot be loaded; the message says what is wrong and where, in words."""


class Liveness(Enum):
    """Whether an organisation is still on its register: live, live but ending (liquidation, administration, a
    proposal to strike it off), or gone (dissolved, struck off, removed, converted or closed)."""

    LIVE = "live"
    ENDING = "ending"
    GONE = "gone"
    # The file gave no status (a link file of numbers, a list cut from the register): nothing is assumed.
    UNKNOWN = "unknown"


#: Longest name kept (Companies House allows 160 characters).
NAME_MAX_LENGTH = 160


def name_key(name: str) -> str:
    """The key a registered name is matched by: the spend analysis's normal form of a supplier's name with its spaces
    taken out (:func:`app.domain.spend.suppliers.normalise_supplier_name`), so "K P DODD LIMITED", "K.P. Dodd Ltd"
    and "The K P Dodd Ltd" share one key, as do "Acme Co" and "ACME COMPANY (THE)"."""
    return compact_name(normalise_supplier_name(name))[:NAME_MAX_LENGTH]


def _loaded_name_key(name: str) -> str:
    """name_key for a register's own names while loading: each is read once, so past the normal form's cache (5.5
    million names through a cache of 65,536 only fill it, evict from it and keep 20 MB in each parsing process)."""
    return compact_name(normalise_supplier_name.__wrapped__(name))[:NAME_MAX_LENGTH]


# --- Numbers -------------------------------------------------------------------------------------------------------

_PREFIXED = re.compile(r"([A-Z]{2})(\d{1,6})", re.ASCII)
# Older registered societies' numbers: IP or RS, five digits and a letter ("IP10002R").
_SOCIETY_COMPANY = re.compile(r"[A-Z]{2}\d{5}[A-Z]", re.ASCII)


def company_number(text: str | None) -> str | None:
    """A Companies House number in its 8-character form, or None when ``text`` cannot be one.

    Spreadsheets drop leading zeros ("8209948" -> "08209948"; "SC12345" -> "SC012345"); spaces, dots, dashes and an
    org-id's "GB-COH-" are ignored. Older registered societies' numbers end in a letter ("IP10002R")."""
    if not text:
        return None
    cleaned = re.sub(r"[\s.\-]", "", text.upper().removeprefix("GB-COH-"))
    if cleaned.isdigit() and len(cleaned) <= 8:
        return cleaned.zfill(8)
    prefixed = _PREFIXED.fullmatch(cleaned)
    if prefixed is not None:
        return prefixed.group(1) + prefixed.group(2).zfill(6)
    return cleaned if _SOCIETY_COMPANY.fullmatch(cleaned) else None


def charity_number(text: str | None) -> str | None:
    """A Charity Commission (England and Wales) number: 6 or 7 digits, or None."""
    if not text:
        return None
    cleaned = re.sub(r"[\s.\-]", "", text.upper().removeprefix("GB-CHC-"))
    return cleaned if cleaned.isdigit() and 6 <= len(cleaned) <= 7 else None


_SOCIETY_NUMBER = re.compile(r"\d{1,6}[A-Z]{0,4}", re.ASCII)


def society_number(text: str | None) -> str | None:
    """An FCA mutuals register number ("525R", "31129", "IP10002R" written without its Companies House prefix), or
    None."""
    if not text:
        return None
    cleaned = re.sub(r"[\s.\-]", "", text.upper().removeprefix("GB-MPR-"))
    return cleaned if _SOCIETY_NUMBER.fullmatch(cleaned) else None


# --- Companies House -----------------------------------------------------------------------------------------------

#: BasicCompanyData's header as the product writes it, spaces and all (55 columns, from the published sample). The
#: loader needs only COMPANY_COLUMNS of it; the benchmark writes files of the real format under it.
BASIC_COMPANY_DATA_HEADER = (
    "CompanyName",
    " CompanyNumber",
    "RegAddress.CareOf",
    "RegAddress.POBox",
    "RegAddress.AddressLine1",
    " RegAddress.AddressLine2",
    "RegAddress.PostTown",
    "RegAddress.County",
    "RegAddress.Country",
    "RegAddress.PostCode",
    "CompanyCategory",
    "CompanyStatus",
    "CountryOfOrigin",
    "DissolutionDate",
    "IncorporationDate",
    "Accounts.AccountRefDay",
    "Accounts.AccountRefMonth",
    "Accounts.NextDueDate",
    "Accounts.LastMadeUpDate",
    "Accounts.AccountCategory",
    "Returns.NextDueDate",
    "Returns.LastMadeUpDate",
    "Mortgages.NumMortCharges",
    "Mortgages.NumMortOutstanding",
    "Mortgages.NumMortPartSatisfied",
    "Mortgages.NumMortSatisfied",
    "SICCode.SicText_1",
    "SICCode.SicText_2",
    "SICCode.SicText_3",
    "SICCode.SicText_4",
    "LimitedPartnerships.NumGenPartners",
    "LimitedPartnerships.NumLimPartners",
    "URI",
    "PreviousName_1.CONDATE",
    " PreviousName_1.CompanyName",
    " PreviousName_2.CONDATE",
    " PreviousName_2.CompanyName",
    "PreviousName_3.CONDATE",
    " PreviousName_3.CompanyName",
    "PreviousName_4.CONDATE",
    " PreviousName_4.CompanyName",
    "PreviousName_5.CONDATE",
    " PreviousName_5.CompanyName",
    "PreviousName_6.CONDATE",
    " PreviousName_6.CompanyName",
    "PreviousName_7.CONDATE",
    " PreviousName_7.CompanyName",
    "PreviousName_8.CONDATE",
    " PreviousName_8.CompanyName",
    "PreviousName_9.CONDATE",
    " PreviousName_9.CompanyName",
    "PreviousName_10.CONDATE",
    " PreviousName_10.CompanyName",
    "ConfStmtNextDueDate",
    " ConfStmtLastMadeUpDate",
)

#: BasicCompanyData's columns that are kept, by their header name (the product writes some with a leading space).
COMPANY_COLUMNS = {
    "name": "CompanyName",
    "number": "CompanyNumber",
    "care_of": "RegAddress.CareOf",
    "po_box": "RegAddress.POBox",
    "line_1": "RegAddress.AddressLine1",
    "line_2": "RegAddress.AddressLine2",
    "town": "RegAddress.PostTown",
    "county": "RegAddress.County",
    "country": "RegAddress.Country",
    "postcode": "RegAddress.PostCode",
    "category": "CompanyCategory",
    "status": "CompanyStatus",
    "dissolved_on": "DissolutionDate",
    "incorporated_on": "IncorporationDate",
    "sic_1": "SICCode.SicText_1",
    "sic_2": "SICCode.SicText_2",
    "sic_3": "SICCode.SicText_3",
    "sic_4": "SICCode.SicText_4",
    "previous_name": "PreviousName_1.CompanyName",
}
COMPANY_REQUIRED = ("name", "number", "category", "status", "postcode")

#: Company categories as BasicCompanyData writes them, to the legal form they are (None: a form of its own the
#: register's legal forms do not distinguish, shown as the category itself). Matched case-insensitively.
COMPANY_CATEGORIES: dict[str, LegalForm | None] = {
    "community interest company": LegalForm.CIC,
    "private limited company": LegalForm.PRIVATE_COMPANY,
    "pri/ltd by guar/nsc (private, limited by guarantee, no share capital)": LegalForm.CLG,
    "pri/lbg/nsc (private, limited by guarantee, no share capital, use of 'limited' exemption)": LegalForm.CLG,
    "private limited by guarantee without share capital": LegalForm.CLG,
    "limited liability partnership": LegalForm.PRIVATE_COMPANY,
    "public limited company": LegalForm.OTHER,
    "old public company": LegalForm.OTHER,
    "private unlimited company": LegalForm.OTHER,
    "private unlimited": LegalForm.OTHER,
    "limited partnership": LegalForm.SOLE_TRADER,
    "scottish partnership": LegalForm.SOLE_TRADER,
    "charitable incorporated organisation": LegalForm.CHARITY,
    "scottish charitable incorporated organisation": LegalForm.CHARITY,
    # A co-operative or a community benefit society: which one, the FCA register says.
    "registered society": None,
    "industrial and provident society": None,
    "royal charter company": LegalForm.OTHER,
    "investment company with variable capital": LegalForm.OTHER,
    "investment company with variable capital (umbrella)": LegalForm.OTHER,
    "investment company with variable capital(securities)": LegalForm.OTHER,
    "further education and sixth form college corps": LegalForm.OTHER,
    "overseas entity": LegalForm.OTHER,
    "other company type": LegalForm.OTHER,
    "protected cell company": LegalForm.OTHER,
    "converted/closed": LegalForm.OTHER,
    "united kingdom societas": LegalForm.OTHER,
    "united kingdom economic interest grouping": LegalForm.OTHER,
    "european public limited-liability company (se)": LegalForm.OTHER,
}


def known_category(category: str) -> bool:
    return category.strip().casefold() in COMPANY_CATEGORIES


def category_legal_form(category: str | None) -> LegalForm:
    """The legal form a company category is: "Community Interest Company" is a CIC. An unknown category, or a
    registered society (a co-operative or a community benefit society), is "not known" until something says which."""
    if not category:
        return LegalForm.UNKNOWN
    return COMPANY_CATEGORIES.get(category.strip().casefold()) or LegalForm.UNKNOWN


_GONE = ("dissolved", "removed", "converted/closed", "closed", "struck off", "deregistered", "cancelled")
_ENDING = ("liquidation", "administration", "receiver", "strike off", "insolvency", "voluntary arrangement")


def liveness(status: str | None, ended_on: date | None = None) -> Liveness:
    """Whether a register's status (and end date, when it has one) says the organisation is live, ending or gone."""
    words = (status or "").strip().casefold()
    if not words and ended_on is None:
        return Liveness.UNKNOWN
    if ended_on is not None or any(word in words for word in _GONE):
        return Liveness.GONE
    if any(word in words for word in _ENDING):
        return Liveness.ENDING
    return Liveness.LIVE


def register_date(text: str | None) -> date | None:
    """A register's date: dd/mm/yyyy (Companies House, the FCA) or yyyy-mm-dd (the Charity Commission, with or
    without a time). None for blank; RegisterFileError for anything else."""
    if not text:
        return None
    # The bulk products' own shapes first, read by position (strptime costs 5 us a date: 11 million in a load).
    if len(text) == 10 and text[2] == "/" and text[5] == "/" and text[:2].isdigit():
        try:
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
        except ValueError:
            raise RegisterFileError(f"'{text}' is not a date") from None
    text = text.strip()
    if not text or text.upper() in {"NA", "NULL"}:
        return None
    for form in ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d-%m-%Y"):
        try:
            return datetime.strptime(text[:19], form).date()
        except ValueError:
            continue
    raise RegisterFileError(f"'{text}' is not a date")


def sic_codes(texts: Iterable[str]) -> list[str]:
    """SIC codes with their words, as the register writes them ("88990 - Other social work activities n.e.c."),
    blanks and the 'None Supplied' placeholder left out."""
    return [t.strip() for t in texts if t and t.strip() and t.strip().casefold() != "none supplied"]


def _clean(text: str | None, most: int = 500) -> str:
    return " ".join((text or "").split())[:most]


@dataclass(frozen=True)
class CompanyRecord:
    number: str
    name: str
    category: str
    status: str
    incorporated_on: date | None
    dissolved_on: date | None
    address: str
    postcode: str | None
    country: str
    sic: tuple[str, ...]
    previous_name: str


def company_columns(header: Sequence[str], source: str) -> dict[str, int]:
    """Where each kept column is in a BasicCompanyData header (spaces around names ignored); RegisterFileError
    naming what is missing when it is not the product's header."""
    at = {name.strip().lstrip("\ufeff").casefold(): i for i, name in enumerate(header)}
    positions = {ours: at[theirs.casefold()] for ours, theirs in COMPANY_COLUMNS.items() if theirs.casefold() in at}
    missing = [COMPANY_COLUMNS[c] for c in COMPANY_REQUIRED if c not in positions]
    if missing:
        raise RegisterFileError(
            f"{source} is not Companies House's BasicCompanyData: its header has no {', '.join(missing)} "
            f"column. Nothing was loaded."
        )
    return positions


# A postcode as the registers mostly write it (upper case, one space): taken as it is, skipping the general parser.
_CANONICAL_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}")
_ADDRESS_PARTS = ("care_of", "po_box", "line_1", "line_2", "town", "county")
_SIC_PARTS = ("sic_1", "sic_2", "sic_3", "sic_4")


def _tidy(text: str, most: int) -> str:
    """_clean for a cell that is usually clean already (no doubled or outer spaces): 0.1 us instead of 0.5."""
    if "  " in text or text[:1] == " " or text[-1:] == " " or "\n" in text or "\t" in text:
        return " ".join(text.split())[:most]
    return text[:most]


class CompanyRows:
    """BasicCompanyData rows read as records, with the columns' positions worked out once for a file (5.5 million
    rows: a microsecond a row is five seconds)."""

    def __init__(self, at: dict[str, int]) -> None:
        self._at = at
        wanted = ["number", "name", "category", "status", "incorporated_on", "dissolved_on", "postcode", "country"]
        wanted += ["previous_name", *_ADDRESS_PARTS, *_SIC_PARTS]
        self._fields = [name for name in wanted if name in at]
        self._positions = [at[name] for name in self._fields]

    def record(self, row: Sequence[str], where: str) -> CompanyRecord:
        """One row (of the header's width) as a record; RegisterFileError (naming ``where``) for one that cannot be."""
        cells = dict(zip(self._fields, (row[i] if i < len(row) else "" for i in self._positions), strict=True))
        get = cells.get
        raw_number = get("number", "")
        number = company_number(raw_number)
        if number is None:
            raise RegisterFileError(f"{where}: '{raw_number}' is not a company number")
        try:
            incorporated, dissolved = register_date(get("incorporated_on")), register_date(get("dissolved_on"))
        except RegisterFileError as error:
            raise RegisterFileError(f"{where}: {error}") from None
        postcode = get("postcode", "")
        if not _CANONICAL_POSTCODE.fullmatch(postcode):
            postcode = try_normalise_postcode(postcode)  # type: ignore[assignment]
        address = ", ".join(_tidy(part, 120) for name in _ADDRESS_PARTS if (part := get(name, "")) and part.strip())
        return CompanyRecord(
            number=number,
            name=_tidy(get("name", ""), NAME_MAX_LENGTH),
            category=_tidy(get("category", ""), 120),
            status=_tidy(get("status", ""), 80),
            incorporated_on=incorporated,
            dissolved_on=dissolved,
            address=address,
            postcode=postcode or None,
            country=_tidy(get("country", ""), 60),
            sic=tuple(sic_codes(get(name, "") for name in _SIC_PARTS)),
            previous_name=_tidy(get("previous_name", ""), NAME_MAX_LENGTH),
        )


def company_record(row: Sequence[str], at: dict[str, int], where: str) -> CompanyRecord:
    """One BasicCompanyData row as a record; RegisterFileError (naming ``where``) for a row that cannot be one."""
    return CompanyRows(at).record(row, where)


def numbered_rows(
    lines: Iterable[str], source: str, expected: int, dialect: str, first_line: int = 2
) -> Iterator[tuple[int, list[str]]]:
    """A table's rows with the line each starts on. Every row must have the header's number of fields; a row with
    fewer at the end of a file is a file cut short."""
    reader = csv.reader(lines, dialect)
    line = first_line
    for row in reader:
        number = line
        line = first_line + reader.line_num
        if len(row) != expected:
            if not row or not "".join(row).strip():
                continue
            raise RegisterFileError(
                f"{source}, row {number}: {len(row)} columns where the header has {expected}"
                + (": the file is probably cut short" if len(row) < expected else "")
                + ". Nothing was loaded; the active release is unchanged."
            )
        yield number, row


def parse_company_batch(
    work: tuple[str, int, list[str], Any, int, str, bool],
) -> tuple[list[tuple[Any, ...]], dict[str, int], dict[str, int], tuple[int, float, float]]:
    """A batch of BasicCompanyData lines as the rows to write (``_COMPANY_FIELDS`` order), with the statuses and the
    unknown categories counted, and which process parsed it with its peak memory and CPU. Module-level: worker
    processes run it. The last of ``work`` says whether dates are given as ISO text (what SQLite stores: made here,
    in the parsing processes, not by the one writing)."""
    source, first_line, lines, positions, expected, dialect, iso_dates = work
    reader = CompanyRows(positions)
    statuses: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    rows = []
    for number, row in numbered_rows(lines, source, expected, dialect, first_line):
        record = reader.record(row, f"{source}, row {number}")
        if not known_category(record.category):
            unknown[record.category or "not given"] += 1
        statuses[record.status or "not given"] += 1
        rows.append(
            (
                record.number,
                record.name,
                _loaded_name_key(record.name),
                record.category,
                record.status,
                _iso(record.incorporated_on) if iso_dates else record.incorporated_on,
                _iso(record.dissolved_on) if iso_dates else record.dissolved_on,
                record.address,
                record.postcode,
                record.country,
                "\n".join(record.sic),
                record.previous_name,
            )
        )
    # Which process parsed it, its peak memory (MB) and CPU so far: a load run by worker processes reports theirs.
    return rows, dict(statuses), dict(unknown), _this_process()


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _this_process() -> tuple[int, float, float]:
    """(process id, peak memory in MB, CPU seconds so far); memory 0 where the platform does not say (Windows)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on the Unix systems the service runs on
        times = os.times()
        return os.getpid(), 0.0, times.user + times.system
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return os.getpid(), usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def unwrapped_lines(lines: Iterator[str], width: int, complete: int) -> Iterator[str]:
    """Physical lines joined back into records where a file was hard-wrapped at ``width`` characters (as the
    published BasicCompanyData sample is): a line exactly ``width`` long goes on into the next one until the joined
    text has ``complete`` fields with every quote closed."""
    pending = ""
    for raw in lines:
        line = raw.rstrip("\r\n")
        pending += line
        if len(line) == width and not _whole_record(pending, complete):
            continue
        yield pending
        pending = ""
    if pending:
        yield pending


def _whole_record(text: str, fields: int) -> bool:
    if text.count('"') % 2:
        return False
    return _field_count(text) >= fields


def _field_count(text: str) -> int:
    count, quoted = 1, False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            count += 1
    return count


# --- The Charity Commission ----------------------------------------------------------------------------------------

#: The register extract's charity table's columns that are kept (the published extract and files cut from it, such
#: as a council's "charities operating in our area", use these names).
CHARITY_COLUMNS = {
    "number": ("registered_charity_number",),
    "linked": ("linked_charity_number",),
    "name": ("charity_name",),
    "company_number": ("charity_company_registration_number",),
    "charity_type": ("charity_type",),
    "status": ("charity_registration_status",),
    "registered_on": ("date_of_registration",),
    "removed_on": ("date_of_removal",),
    "address": ("charity_contact_address",),
    "address_1": ("charity_contact_address1",),
    "address_2": ("charity_contact_address2",),
    "address_3": ("charity_contact_address3",),
    "address_4": ("charity_contact_address4",),
    "address_5": ("charity_contact_address5",),
    "postcode": ("charity_contact_postcode",),
    "website": ("charity_contact_web",),
    "activities": ("charity_activities",),
    "is_cio": ("charity_is_cio",),
    "extract_date": ("date_of_extract",),
}
CHARITY_REQUIRED = ("number", "name")
#: The extract's other tables, told apart by their columns.
CLASSIFICATION_COLUMNS = ("registered_charity_number", "classification_type", "classification_description")
AREA_COLUMNS = ("registered_charity_number", "geographic_area_type", "geographic_area_description")


def _na(text: str) -> str:
    """The extract's "no value": blank or NA."""
    text = text.strip()
    return "" if text.upper() in {"NA", "NULL"} else text


@dataclass(frozen=True)
class CharityRecord:
    number: str
    name: str
    company_number: str | None
    charity_type: str
    status: str
    registered_on: date | None
    removed_on: date | None
    address: str
    postcode: str | None
    website: str
    activities: str


def charity_columns(header: Sequence[str], source: str) -> dict[str, int]:
    at = {name.strip().lstrip("\ufeff").casefold(): i for i, name in enumerate(header)}
    positions: dict[str, int] = {}
    for ours, names in CHARITY_COLUMNS.items():
        for name in names:
            if name in at:
                positions[ours] = at[name]
                break
    missing = [CHARITY_COLUMNS[c][0] for c in CHARITY_REQUIRED if c not in positions]
    if missing:
        raise RegisterFileError(
            f"{source} is not the Charity Commission's register extract (its charity table): its header has no "
            f"{', '.join(missing)} column. Nothing was loaded."
        )
    return positions


def charity_record(row: Sequence[str], at: dict[str, int], where: str) -> CharityRecord | None:
    """One charity table row as a record; None for a linked charity (one that shares its main charity's number:
    the register lists the main one); RegisterFileError for a row that cannot be one."""

    def cell(name: str) -> str:
        position = at.get(name)
        return _na(row[position]) if position is not None and position < len(row) else ""

    if cell("linked") not in ("", "0"):
        return None
    number = charity_number(cell("number"))
    if number is None:
        raise RegisterFileError(f"{where}: '{cell('number')}' is not a charity number")
    try:
        registered, removed = register_date(cell("registered_on")), register_date(cell("removed_on"))
    except RegisterFileError as error:
        raise RegisterFileError(f"{where}: {error}") from None
    address = cell("address") or ", ".join(cell(f"address_{n}") for n in range(1, 6) if cell(f"address_{n}"))
    status = cell("status") or ("Removed" if removed else "")
    return CharityRecord(
        number=number,
        name=_clean(cell("name"), NAME_MAX_LENGTH),
        company_number=company_number(cell("company_number")),
        charity_type=_clean(cell("charity_type") or ("CIO" if cell("is_cio").casefold() == "true" else ""), 60),
        status=_clean(status, 40),
        registered_on=registered,
        removed_on=removed,
        address=_clean(address),
        postcode=try_normalise_postcode(cell("postcode")),
        website=_clean(cell("website"), 200),
        activities=_clean(cell("activities"), 2000),
    )


# --- The FCA Mutuals Public Register -------------------------------------------------------------------------------

#: The register's own download and the org-id link files that carry its numbers (GB-MPR-...).
SOCIETY_COLUMNS = {
    "number": ("registration number", "society number", "register number", "number", "org_id_a"),
    "name": ("society name", "name", "org_name"),
    "company_number": ("companies house number", "company number", "org_id_b"),
    "society_type": ("society type", "registered as", "type", "legal form"),
    "status": ("status", "society status", "current status"),
    "registered_on": ("registration date", "date registered"),
    "deregistered_on": ("deregistration date", "date deregistered", "cancellation date"),
    "address": ("registered office", "address", "registered office address"),
    "postcode": ("postcode", "registered office postcode", "post code"),
}
SOCIETY_REQUIRED = ("number", "name")

#: How the FCA names a society's type, to the legal form it is.
SOCIETY_TYPES: dict[str, LegalForm] = {
    "co-operative society": LegalForm.COOPERATIVE,
    "cooperative society": LegalForm.COOPERATIVE,
    "bona fide co-operative society": LegalForm.COOPERATIVE,
    "community benefit society": LegalForm.COMMUNITY_BENEFIT,
    "society for the benefit of the community": LegalForm.COMMUNITY_BENEFIT,
    "bencom": LegalForm.COMMUNITY_BENEFIT,
    "credit union": LegalForm.COOPERATIVE,
}


def society_legal_form(society_type: str | None, number: str | None = None) -> LegalForm:
    """A society's legal form from its type, or from its number where the number says (since August 2014, numbers
    of co-operatives start 4000 and of community benefit societies 7000); otherwise not known."""
    found = SOCIETY_TYPES.get((society_type or "").strip().casefold())
    if found is not None:
        return found
    digits = (number or "").rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if len(digits) >= 5 and digits.startswith("4000"):
        return LegalForm.COOPERATIVE
    if len(digits) >= 5 and digits.startswith("7000"):
        return LegalForm.COMMUNITY_BENEFIT
    return LegalForm.UNKNOWN


@dataclass(frozen=True)
class SocietyRecord:
    number: str
    name: str
    company_number: str | None
    society_type: str
    status: str
    registered_on: date | None
    deregistered_on: date | None
    address: str
    postcode: str | None


def society_columns(header: Sequence[str], source: str) -> dict[str, int]:
    at = {name.strip().lstrip("\ufeff").casefold(): i for i, name in enumerate(header)}
    positions: dict[str, int] = {}
    for ours, names in SOCIETY_COLUMNS.items():
        for name in names:
            if name in at:
                positions[ours] = at[name]
                break
    missing = [f"'{SOCIETY_COLUMNS[c][0]}'" for c in SOCIETY_REQUIRED if c not in positions]
    if missing:
        raise RegisterFileError(
            f"{source} is not the FCA Mutuals Public Register (or a link file of its numbers): its header has no "
            f"{' or '.join(missing)} column. Nothing was loaded."
        )
    return positions


def society_record(row: Sequence[str], at: dict[str, int], where: str) -> SocietyRecord | None:
    """One society; None for a link file's row that is not a society's (its first identifier not GB-MPR-)."""

    def cell(name: str) -> str:
        position = at.get(name)
        return row[position].strip() if position is not None and position < len(row) else ""

    raw = cell("number")
    if raw.upper().startswith("GB-") and not raw.upper().startswith("GB-MPR-"):
        return None
    number = society_number(raw)
    if number is None:
        raise RegisterFileError(f"{where}: '{raw}' is not a mutuals register number")
    try:
        registered, deregistered = register_date(cell("registered_on")), register_date(cell("deregistered_on"))
    except RegisterFileError as error:
        raise RegisterFileError(f"{where}: {error}") from None
    linked = cell("company_number")
    status = cell("status") or ("Deregistered" if deregistered else "")
    return SocietyRecord(
        number=number,
        name=_clean(cell("name"), NAME_MAX_LENGTH),
        company_number=company_number(linked),
        society_type=_clean(cell("society_type"), 80),
        status=_clean(status, 40),
        registered_on=registered,
        deregistered_on=deregistered,
        address=_clean(cell("address")),
        postcode=try_normalise_postcode(cell("postcode")),
    )


# --- An organisation as a register has it ----------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterEntry:
    """An organisation as a loaded register has it, with the release it is from (the "from Companies House, 1
    December 2026" every fact shows)."""

    register: Register
    number: str
    name: str
    status: str
    liveness: Liveness
    legal_form: LegalForm
    kind: str  # the company category, charity type or society type, as the register words it
    address: str
    postcode: str | None
    started_on: date | None
    ended_on: date | None
    sic: tuple[str, ...]
    company_number: str | None
    release_name: str
    published_on: date

    @property
    def org_id(self) -> str:
        return f"{SCHEME_OF[self.register]}-{self.number}"

    @property
    def basis(self) -> str:
        """Where the facts are from, in words: "Companies House, 1 December 2026"."""
        return f"{self.register_name}, {govuk_date(self.published_on)}"

    @property
    def register_name(self) -> str:
        return register_name(self.register)

    def name_differs(self, name: str) -> bool:
        """Whether ``name`` is another name than the register's, as the matcher reads names."""
        return name_key(self.name) != name_key(name)

    def legal_form_differs(self, ours: LegalForm) -> bool:
        return legal_form_differs(self.register, self.legal_form, ours)

    def refusal(self) -> str | None:
        """Why this organisation cannot be registered as a live one, in words, or None: a dissolved company, a
        removed charity or a deregistered society is not trading and cannot be asked for quotes."""
        if self.liveness != Liveness.GONE:
            return None
        since = f" since {govuk_date(self.ended_on)}" if self.ended_on else ""
        status = self.status.lower() if self.status else "no longer registered"
        return (
            f"{self.register_name} lists {self.number} ({self.name}) as {status}{since}: an organisation that is "
            f"no longer on its register cannot be registered here. Check the number"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "register": self.register.value,
            "org_id": self.org_id,
            "number": self.number,
            "name": self.name,
            "status": self.status,
            "live": self.liveness.value,
            "legal_form": self.legal_form.value,
            "kind": self.kind,
            "address": self.address,
            "postcode": self.postcode,
            "started_on": self.started_on.isoformat() if self.started_on else None,
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
            "sic": list(self.sic),
            "company_number": self.company_number,
            "release": self.release_name,
            "published_on": self.published_on.isoformat(),
        }


# --- Checking providers against the registers ----------------------------------------------------------------------


@dataclass(frozen=True)
class KnownDetails:
    """What the service holds about one of a provider's numbers before a check: the register's record as last
    kept (None the first time), and what the provider said."""

    name: str | None
    legal_form: str | None  # LegalForm's value
    postcode: str | None
    provider_name: str
    provider_legal_form: LegalForm
    # The day the kept record's source is as of (a loaded release's date, or the day the online service was asked).
    kept_as_of: date | None = None


def legal_form_differs(register: Register, theirs: LegalForm, ours: LegalForm) -> bool:
    """Whether a register's legal form for an organisation says something other than ``ours``: both known, and not
    the Charity Commission's (a charity that is also a company or society is a charity there whatever its form)."""
    known = LegalForm.UNKNOWN not in (theirs, ours)
    return register != Register.CHARITIES and known and theirs != ours


def check_findings(
    entry: RegisterEntry | None,
    known: KnownDetails,
    *,
    register: Register,
    as_of: date,
    office_outside_area: str | None = None,
) -> list[str]:
    """What an officer should look at, in words, after comparing a provider's number with the register: the
    organisation gone or ending, no longer on the register, its registered name, office or legal form changed
    since the record kept (or, the first time, not what the provider said). ``office_outside_area`` names the
    council's local area when the registered office's new postcode is outside it. Empty: nothing to look at."""
    if entry is None:
        if known.kept_as_of is not None and known.kept_as_of > as_of:
            # Found on the register after this release was made (its online service, at registration): the
            # release's silence says nothing; the next release will.
            return []
        return [f"Not on {register_as_of(register, as_of, start=False)}"]
    found = []
    if entry.liveness == Liveness.GONE:
        since = f" since {govuk_date(entry.ended_on)}" if entry.ended_on else ""
        found.append(f"{entry.register_name} lists it as {entry.status.lower() or 'no longer registered'}{since}")
    elif entry.liveness == Liveness.ENDING:
        found.append(f"{entry.register_name} lists it as {entry.status.lower()}")
    before_name = known.name if known.name is not None else known.provider_name
    if name_key(entry.name) != name_key(before_name):
        found.append(f"Its registered name is {entry.name} (was {before_name})")
    if known.postcode and entry.postcode and entry.postcode != known.postcode:
        moved = f"Its registered office moved from {known.postcode} to {entry.postcode}"
        if office_outside_area:
            moved += f", outside {office_outside_area}"
        found.append(moved)
    before_form = LegalForm(known.legal_form) if known.legal_form else known.provider_legal_form
    if legal_form_differs(entry.register, entry.legal_form, before_form):
        now, then = in_sentence(entry.legal_form.label), in_sentence(before_form.label)
        found.append(f"Its legal form on the register is {now} (was {then})")
    return found


def legal_form_from_registers(entries: Sequence[RegisterEntry], current: LegalForm) -> LegalForm | None:
    """The legal form the registers give an organisation whose details are confirmed: Companies House's category or
    the FCA's society type (the Charity Commission's says only "charity"), or None to keep ``current`` (no register
    says, or a charity that is also a company or society stays a charity)."""
    if current == LegalForm.CHARITY and any(e.register == Register.CHARITIES for e in entries):
        return None
    forms = [e.legal_form for e in entries if e.register != Register.CHARITIES and e.legal_form != LegalForm.UNKNOWN]
    return forms[0] if forms else None
