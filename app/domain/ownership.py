"""Who owns a company, as Companies House's register of persons with significant control (PSC) says.

Pure reading of the PSC snapshot's JSON lines (persons-with-significant-control-snapshot-YYYY-MM-DD.zip, published
at https://download.companieshouse.gov.uk/en_pscdata.html), the countries its free text names, and the rule that
follows a company's corporate owners with majority control up to its ultimate parent. Loading the snapshot and
applying the rule to providers are in :mod:`app.services.ownership`.

Only organisations are kept: corporate entities and legal persons (an organisation's name, registration, country,
natures of control and dates). Individuals and super-secure persons are counted, never kept: their names, birth
dates and addresses are read past, as are statements and exemptions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from app.domain.registers import RegisterFileError, company_number, name_key
from app.domain.wording import govuk_date

#: RegisterRelease.register's value for a PSC snapshot's release. Not one of app.domain.registers.Register: that
#: enum is the registers of organisations (each with its org-id scheme, table of organisations, lookup and name
#: matching); the PSC snapshot is a register of who controls those organisations, loaded beside them.
PSC_REGISTER = "psc"
PSC_LABEL = "the Companies House PSC register"
PSC_SOURCE = "https://download.companieshouse.gov.uk/en_pscdata.html (persons with significant control, daily)"

# --- The snapshot's kinds of record ---------------------------------------------------------------------------------

CORPORATE_ENTITY = "corporate-entity-person-with-significant-control"
LEGAL_PERSON = "legal-person-person-with-significant-control"
#: The kinds whose records are kept, and what each is called in a row.
KEPT_KINDS = {CORPORATE_ENTITY: "corporate", LEGAL_PERSON: "legal-person"}
#: People: counted, never kept.
PERSON_KINDS = frozenset(
    {
        "individual-person-with-significant-control",
        "super-secure-person-with-significant-control",
        "individual-beneficial-owner",
        "super-secure-beneficial-owner",
    }
)
STATEMENT_KINDS = frozenset({"persons-with-significant-control-statement"})
EXEMPTION_KINDS = frozenset({"exemptions"})
#: Organisations that own overseas entities (the register of overseas entities' beneficial owners, in the same
#: snapshot): counted, not kept, as an overseas entity is not a UK company a council buys from.
OVERSEAS_OWNER_KINDS = frozenset({"corporate-entity-beneficial-owner", "legal-person-beneficial-owner"})
TOTALS_KIND = "totals#persons-of-significant-control-snapshot"

#: What a load's summary calls each group of kinds.
KIND_GROUPS = {
    **dict.fromkeys(KEPT_KINDS, "organisations kept"),
    **dict.fromkeys(PERSON_KINDS, "people (counted, not kept)"),
    **dict.fromkeys(STATEMENT_KINDS, "statements"),
    **dict.fromkeys(EXEMPTION_KINDS, "exemptions"),
    **dict.fromkeys(OVERSEAS_OWNER_KINDS, "owners of overseas entities (counted, not kept)"),
}


@dataclass(frozen=True)
class Controller:
    """A corporate entity or legal person with significant control of a company, as the snapshot gives it."""

    company_number: str
    kind: str  # "corporate" or "legal-person" (KEPT_KINDS' values)
    name: str
    registration_number: str
    country_registered: str
    legal_form: str
    legal_authority: str
    place_registered: str
    natures: tuple[str, ...]
    notified_on: date | None
    ceased_on: date | None

    @property
    def country(self) -> Country | None:
        """Where it is registered: its country_registered, else what its legal authority or place names."""
        return country_of(self.country_registered, self.legal_authority, self.place_registered)

    @property
    def uk_number(self) -> str | None:
        """Its Companies House number, when it is a UK company whose own controllers the register holds."""
        country = self.country
        if country is None or not country.in_uk:
            return None
        return company_number(self.registration_number)

    @property
    def active(self) -> bool:
        return self.ceased_on is None

    @property
    def majority(self) -> bool:
        return majority_control(self.natures)


@dataclass(frozen=True)
class Totals:
    """The snapshot's last line: how many records of each sort it holds."""

    persons: int
    statements: int
    exemptions: int
    generated_at: str


@dataclass(frozen=True)
class PscLine:
    """One line read: its company, its kind, and the controller (kept kinds) or totals (the last line)."""

    company_number: str
    kind: str
    controller: Controller | None = None
    totals: Totals | None = None


_PSC_KINDS = KEPT_KINDS.keys() | PERSON_KINDS | STATEMENT_KINDS | EXEMPTION_KINDS | OVERSEAS_OWNER_KINDS


def read_psc_line(text: str, where: str) -> PscLine:
    """One JSON line of the snapshot, read; ``where`` names the file and line for an error.

    A line that is not JSON, or not a record of the snapshot, is a RegisterFileError naming ``where``."""
    try:
        record = json.loads(text)
    except ValueError:
        raise RegisterFileError(
            f"{where} is not a line of JSON: the file is damaged, cut short or not Companies House's PSC snapshot. "
            f"Nothing was loaded; the active release is unchanged."
        ) from None
    data = record.get("data") if isinstance(record, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise RegisterFileError(
            f"{where} is not a record of Companies House's PSC snapshot (it has no data.kind). Nothing was loaded."
        )
    kind = data["kind"]
    if kind == TOTALS_KIND:
        return PscLine("", kind, totals=_totals(data, where))
    number = company_number(str(record.get("company_number") or ""))
    if number is None:
        raise RegisterFileError(
            f"{where}: {str(record.get('company_number'))[:20]!r} is not a company number. Nothing was loaded."
        )
    if kind not in KEPT_KINDS:
        return PscLine(number, kind)  # people are read past here: nothing of theirs goes further
    return PscLine(number, kind, controller=_controller(number, KEPT_KINDS[kind], data, where))


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, str | int) else ""


def _date(value: Any, where: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RegisterFileError(f"{where}: {field} {str(value)[:20]!r} is not a date. Nothing was loaded.") from None


def _controller(number: str, kind: str, data: dict[str, Any], where: str) -> Controller:
    given, listed = data.get("identification"), data.get("natures_of_control")
    identification: dict[str, Any] = given if isinstance(given, dict) else {}
    natures: list[Any] = listed if isinstance(listed, list) else []
    return Controller(
        company_number=number,
        kind=kind,
        name=_text(data.get("name"), 300) or "Name not given",
        registration_number=_text(identification.get("registration_number"), 60),
        country_registered=_text(identification.get("country_registered"), 120),
        legal_form=_text(identification.get("legal_form"), 120),
        legal_authority=_text(identification.get("legal_authority"), 200),
        place_registered=_text(identification.get("place_registered"), 200),
        natures=tuple(_text(n, 120) for n in natures if isinstance(n, str)),
        notified_on=_date(data.get("notified_on"), where, "notified_on"),
        ceased_on=_date(data.get("ceased_on"), where, "ceased_on"),
    )


def _totals(data: dict[str, Any], where: str) -> Totals:
    try:
        return Totals(
            persons=int(data["persons_of_significant_control_count"]),
            statements=int(data.get("statements_count") or 0),
            exemptions=int(data.get("exemptions_count") or 0),
            generated_at=str(data.get("generated_at") or ""),
        )
    except (KeyError, TypeError, ValueError):
        raise RegisterFileError(f"{where}: the totals line has no count of persons. Nothing was loaded.") from None


def is_psc_kind(kind: str) -> bool:
    return kind in _PSC_KINDS


def totals_disagree(totals: Totals, persons: int, statements: int, exemptions: int) -> str | None:
    """What the records read lack against the snapshot's totals line, in words, or None.

    The line is there to tell a whole snapshot from one with a part missing or cut short, so fewer records than it
    counts is an error; the split between its three counts is not relied on (which kinds it counts as persons, e.g.
    the register of overseas entities' beneficial owners, is not documented with it), nor are more records than
    it counts, which lose nothing."""
    said = totals.persons + totals.statements + totals.exemptions
    read = persons + statements + exemptions
    if read >= said:
        return None
    statements_words = f"{totals.statements:,} statement{'' if totals.statements == 1 else 's'}"
    exemptions_words = f"{totals.exemptions:,} exemption{'' if totals.exemptions == 1 else 's'}"
    return (
        f"the totals line counts {said:,} records ({totals.persons:,} persons with significant control, "
        f"{statements_words}, {exemptions_words}), the file held {read:,}"
    )


# --- Natures of control ---------------------------------------------------------------------------------------------

_SHARE_BAND = re.compile(r"^(ownership-of-shares|voting-rights)-(25-to-50|50-to-75|75-to-100)-percent")
_APPOINTS = ("right-to-appoint-and-remove-directors", "right-to-appoint-and-remove-members")
_MAJORITY_BANDS = ("50-to-75", "75-to-100")


def majority_control(natures: Sequence[str]) -> bool:
    """Whether the natures of control are majority control: more than 50% of the shares or of the votes (the bands
    50-to-75 and 75-to-100, held directly, as a trust or as a firm), or the right to appoint and remove the directors
    (an LLP's members)."""
    for nature in natures:
        band = _SHARE_BAND.match(nature)
        if band is not None and band.group(2) in _MAJORITY_BANDS:
            return True
        if nature.startswith(_APPOINTS):
            return True
    return False


def _strength(natures: Sequence[str]) -> int:
    """How strong a controller's hold is, to choose between two with majority control (shares before votes before
    appointing the board, a higher band first)."""
    best = 0
    for nature in natures:
        band = _SHARE_BAND.match(nature)
        if band is not None:
            best = max(best, (4 if band.group(2) == "75-to-100" else 2) + (band.group(1) == "ownership-of-shares"))
        elif nature.startswith(_APPOINTS):
            best = max(best, 1)
    return best


def control_words(natures: Sequence[str]) -> str:
    """'holds 75-100% of the shares and 75-100% of the votes, and has the right to appoint and remove the directors,
    of' (followed by the company's name)."""
    shares = votes = None
    appoints = False
    for nature in natures:
        band = _SHARE_BAND.match(nature)
        if band is not None:
            words = band.group(2).replace("-to-", "-") + "%"
            if band.group(1) == "ownership-of-shares":
                shares = shares or words
            else:
                votes = votes or words
        elif nature.startswith(_APPOINTS):
            appoints = True
    held = [f"{shares} of the shares" if shares else "", f"{votes} of the votes" if votes else ""]
    holds = " and ".join(h for h in held if h)
    if holds and appoints:
        return f"holds {holds}, and has the right to appoint and remove the directors, of"
    if holds:
        return f"holds {holds} of"
    if appoints:
        return "has the right to appoint and remove the directors of"
    return "has significant control of"


# --- Countries ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    """A country as the register's free text names it, read: its name, whether it is in the UK and whether it is an
    offshore financial centre (OFFSHORE)."""

    name: str
    in_uk: bool = False
    offshore: bool = False
    # False for words we do not know as a country (kept as the register wrote them).
    known: bool = True


UNITED_KINGDOM = "United Kingdom"

#: Offshore financial centres: the IMF's list of 46 jurisdictions with offshore financial centres (IMF background
#: paper "Offshore Financial Centers", 23 June 2000, table 1; still the list its OFC assessment programme used),
#: which takes in the UK's Crown Dependencies (Jersey, Guernsey, the Isle of Man) and Overseas Territories that are
#: secrecy jurisdictions in the Tax Justice Network's Financial Secrecy Index. The Netherlands Antilles are written
#: as the islands they became (Curaçao, Sint Maarten); Alderney and Sark are in the Bailiwick of Guernsey. US states
#: such as Delaware rank high in the Financial Secrecy Index but are not on the IMF list: they read as "outside the
#: UK". A council that wants another list changes it here, with its source.
OFFSHORE_FINANCIAL_CENTRES = frozenset(
    {
        "Andorra",
        "Anguilla",
        "Antigua and Barbuda",
        "Aruba",
        "Bahamas",
        "Bahrain",
        "Barbados",
        "Belize",
        "Bermuda",
        "British Virgin Islands",
        "Cayman Islands",
        "Cook Islands",
        "Costa Rica",
        "Curaçao",
        "Cyprus",
        "Dominica",
        "Gibraltar",
        "Grenada",
        "Guernsey",
        "Hong Kong",
        "Ireland",
        "Isle of Man",
        "Jersey",
        "Lebanon",
        "Liechtenstein",
        "Luxembourg",
        "Macao",
        "Malaysia (Labuan)",
        "Malta",
        "Marshall Islands",
        "Mauritius",
        "Monaco",
        "Montserrat",
        "Nauru",
        "Niue",
        "Palau",
        "Panama",
        "Saint Kitts and Nevis",
        "Saint Lucia",
        "Saint Vincent and the Grenadines",
        "Samoa",
        "Seychelles",
        "Singapore",
        "Sint Maarten",
        "Switzerland",
        "Turks and Caicos Islands",
        "Vanuatu",
    }
)

#: The ways the register's free text writes a country (lower case, "&" as "and", no punctuation), by its name.
_ALIASES: dict[str, tuple[str, ...]] = {
    UNITED_KINGDOM: (
        "united kingdom",
        "uk",
        "u k",
        "great britain",
        "britain",
        "gb",
        "england",
        "wales",
        "scotland",
        "northern ireland",
        "england and wales",
        "england wales",
        "cymru",
        "companies house",
        "companies house cardiff",
        "companies house edinburgh",
        "companies house belfast",
        "registrar of companies for england and wales",
        "uk companies act 2006",
        "companies act 2006",
        "companies act 1985",
        "companies act",
    ),
    "Jersey": ("jersey", "bailiwick of jersey", "st helier"),
    "Guernsey": ("guernsey", "bailiwick of guernsey", "alderney", "sark", "st peter port"),
    "Channel Islands": ("channel islands",),
    "Isle of Man": ("isle of man", "iom", "douglas isle of man"),
    "British Virgin Islands": (
        "british virgin islands",
        "virgin islands british",
        "bvi",
        "b v i",
        "tortola",
        "british virgin isles",
    ),
    "Cayman Islands": ("cayman islands", "cayman", "grand cayman", "the cayman islands"),
    "Bermuda": ("bermuda",),
    "Gibraltar": ("gibraltar",),
    "Bahamas": ("bahamas", "the bahamas", "commonwealth of the bahamas"),
    "Turks and Caicos Islands": ("turks and caicos islands", "turks and caicos"),
    "Anguilla": ("anguilla",),
    "Montserrat": ("montserrat",),
    "Ireland": ("ireland", "republic of ireland", "eire", "irish republic", "dublin"),
    "Luxembourg": ("luxembourg", "grand duchy of luxembourg"),
    "Liechtenstein": ("liechtenstein",),
    "Switzerland": ("switzerland", "swiss confederation"),
    "Monaco": ("monaco",),
    "Andorra": ("andorra",),
    "Cyprus": ("cyprus",),
    "Malta": ("malta",),
    "Hong Kong": ("hong kong", "hong kong sar", "hksar"),
    "Macao": ("macao", "macau"),
    "Singapore": ("singapore",),
    "Mauritius": ("mauritius",),
    "Seychelles": ("seychelles",),
    "Panama": ("panama", "republic of panama"),
    "Belize": ("belize",),
    "Marshall Islands": ("marshall islands", "republic of the marshall islands"),
    "Curaçao": ("curacao", "curaçao"),
    "Sint Maarten": ("sint maarten",),
    "Aruba": ("aruba",),
    "Barbados": ("barbados",),
    "Bahrain": ("bahrain",),
    "Saint Kitts and Nevis": ("saint kitts and nevis", "st kitts and nevis", "nevis", "st kitts"),
    "Saint Lucia": ("saint lucia", "st lucia"),
    "Saint Vincent and the Grenadines": ("saint vincent and the grenadines", "st vincent and the grenadines"),
    "Antigua and Barbuda": ("antigua and barbuda", "antigua"),
    "Samoa": ("samoa",),
    "Vanuatu": ("vanuatu",),
    "Cook Islands": ("cook islands",),
    "Labuan": ("labuan",),
    "United States": (
        "united states",
        "united states of america",
        "usa",
        "us",
        "u s a",
        "u s",
        "america",
        "delaware",
        "nevada",
        "wyoming",
        "new york",
        "california",
        "texas",
        "florida",
        "illinois",
        "massachusetts",
        "new jersey",
        "washington",
        "delaware secretary of state",
    ),
    "Netherlands": ("netherlands", "the netherlands", "holland"),
    "Germany": ("germany", "federal republic of germany", "deutschland"),
    "France": ("france",),
    "Spain": ("spain",),
    "Italy": ("italy",),
    "Belgium": ("belgium",),
    "Denmark": ("denmark",),
    "Sweden": ("sweden",),
    "Norway": ("norway",),
    "Finland": ("finland",),
    "Austria": ("austria",),
    "Portugal": ("portugal",),
    "Poland": ("poland",),
    "Canada": ("canada", "ontario", "british columbia", "quebec", "alberta"),
    "Australia": ("australia", "new south wales", "victoria australia"),
    "New Zealand": ("new zealand",),
    "Japan": ("japan",),
    "China": ("china", "people's republic of china", "peoples republic of china", "prc"),
    "India": ("india",),
    "South Africa": ("south africa",),
    "United Arab Emirates": ("united arab emirates", "uae", "dubai", "abu dhabi"),
    "Israel": ("israel",),
    "Czech Republic": ("czech republic", "czechia"),
}
# Labuan is the Malaysian offshore centre the IMF names; the rest of Malaysia is not on the list.
_CANONICAL = {"Labuan": "Malaysia (Labuan)"}
_OFFSHORE_GROUPS = {"Channel Islands"}  # both of its bailiwicks are on the list


def _clean(text: str) -> str:
    text = text.casefold().replace("&", " and ").replace("'", "")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


_BY_ALIAS = {_clean(alias): name for name, aliases in _ALIASES.items() for alias in aliases}
# Searched for inside longer text ("The Companies Ordinance Of The Laws Of Gibraltar"), longest first so "new south
# wales" is Australia, not Wales; the shortest ("us", "gb", "iom") only ever as the whole text or a part of it.
_ALIAS_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(a) for a in sorted(_BY_ALIAS, key=len, reverse=True) if len(a) > 3) + r")\b"
)


def _country(name: str) -> Country:
    name = _CANONICAL.get(name, name)
    return Country(
        name,
        in_uk=name == UNITED_KINGDOM,
        offshore=name in OFFSHORE_FINANCIAL_CENTRES or name in _OFFSHORE_GROUPS,
    )


def normalise_country(text: str | None) -> Country | None:
    """A country as the register's free text writes it ("England", "United Kingdom", "Jersey, Channel Islands",
    "BVI", "Delaware, USA"), read; a country we do not know keeps its words (not in the UK, not offshore). None for
    no text."""
    if not text or not text.strip():
        return None
    cleaned = _clean(text)
    if cleaned in _BY_ALIAS:
        return _country(_BY_ALIAS[cleaned])
    for part in re.split(r"[,;/()]", text):  # "Jersey, Channel Islands", "Tortola (BVI)": the first part that is one
        if _clean(part) in _BY_ALIAS:
            return _country(_BY_ALIAS[_clean(part)])
    found = _ALIAS_PATTERN.search(cleaned)
    if found is not None:
        return _country(_BY_ALIAS[found.group(1)])
    return Country(" ".join(text.split())[:80], known=False)


def country_of(*texts: str) -> Country | None:
    """The first country the texts name (a controller's country_registered, then its legal authority and place of
    registration), known ones before words we do not know."""
    unknown = None
    for text in texts:
        country = normalise_country(text)
        if country is None:
            continue
        if country.known:
            return country
        unknown = unknown or country
    return unknown


# --- The ownership rule ---------------------------------------------------------------------------------------------


class OwnerKind(Enum):
    """What the register says owns a company in the end."""

    OFFSHORE = "offshore"  # a corporate parent in an offshore financial centre
    OUTSIDE_UK = "outside_uk"  # a corporate parent registered outside the UK
    UK = "uk"  # the top corporate owner is in the UK
    COUNTRY_NOT_GIVEN = "country_not_given"  # a corporate parent whose country the register does not give
    NO_CORPORATE_OWNER = "no_corporate_owner"  # no corporate owner with majority control on the register


#: How deep the chain is followed at most (real groups rarely pass six levels).
MAX_DEPTH = 12


@dataclass(frozen=True)
class Step:
    """One link of the chain: ``controller`` has majority control of ``owned`` (its name as the chain knows it)."""

    owned: str
    controller: Controller

    def sentence(self) -> str:
        """'ACME HOLDINGS LIMITED (Jersey) holds 75-100% of the shares of ACME CARE LIMITED'."""
        country = self.controller.country
        where = f" ({country.name})" if country is not None else " (country not given)"
        return f"{self.controller.name}{where} {control_words(self.controller.natures)} {self.owned}"


@dataclass(frozen=True)
class Ownership:
    """A company's ownership chain as the register gives it, and what owns it in the end."""

    company_number: str
    kind: OwnerKind
    chain: tuple[Step, ...]
    # Why the chain stopped early, in words ("it comes back to a company already in the chain"), or None.
    stopped: str | None = None

    @property
    def parent(self) -> Controller | None:
        return self.chain[-1].controller if self.chain else None

    @property
    def parent_country(self) -> Country | None:
        return self.parent.country if self.parent is not None else None

    def summary(self) -> str:
        """What owns the company in the end, in words for an officer."""
        parent = self.parent
        if parent is None:
            return "No corporate owner with majority control on the register"
        country = self.parent_country
        where = {
            OwnerKind.OFFSHORE: f"registered in {country.name if country else ''}, an offshore financial centre",
            OwnerKind.OUTSIDE_UK: f"registered outside the UK, in {country.name if country else ''}",
            OwnerKind.UK: "registered in the UK",
            OwnerKind.COUNTRY_NOT_GIVEN: "the register does not say where it is registered",
        }[self.kind]
        return f"Ultimate parent {parent.name}: {where}"

    def evidence(self, published_on: date) -> str:
        """'Companies House PSC register of 1 December 2026: ACME HOLDINGS LIMITED (Jersey) holds 75-100% of the
        shares of ACME CARE LIMITED.'"""
        source = f"Companies House PSC register of {govuk_date(published_on)}"
        if not self.chain:
            return f"{source}: no corporate owner with majority control."
        said = "; ".join(step.sentence() for step in self.chain)
        return f"{source}: {said}." + (f" The chain stops there: {self.stopped}." if self.stopped else "")


def _chosen(controllers: Sequence[Controller]) -> Controller | None:
    majority = [c for c in controllers if c.active and c.majority]
    if not majority:
        return None
    return sorted(majority, key=lambda c: (-_strength(c.natures), c.name))[0]


def ultimate_owner(
    number: str,
    name: str,
    controllers_of: Callable[[str], Sequence[Controller]],
    max_depth: int = MAX_DEPTH,
) -> Ownership:
    """Follow a company's active corporate controllers with majority control, UK-registered ones by their
    registration number to their own controllers, up to its ultimate parent: a corporate outside the UK (offshore or
    not), the top UK corporate, or no corporate owner with majority control. A chain that comes back on itself or
    goes deeper than ``max_depth`` stops at the last owner found, and says so."""
    steps: list[Step] = []
    seen = {number}
    current, owned = number, name
    stopped = None
    while True:
        controller = _chosen(controllers_of(current))
        if controller is None:
            break
        steps.append(Step(owned, controller))
        following = controller.uk_number
        if following is None:
            break
        if following in seen:
            stopped = f"{controller.name} is controlled by a company already in the chain"
            break
        if len(steps) >= max_depth:
            stopped = f"it goes deeper than {max_depth} companies"
            break
        seen.add(following)
        current, owned = following, controller.name
    if not steps:
        return Ownership(number, OwnerKind.NO_CORPORATE_OWNER, ())
    country = steps[-1].controller.country
    if country is None:
        kind = OwnerKind.COUNTRY_NOT_GIVEN
    elif country.in_uk:
        kind = OwnerKind.UK
    else:
        kind = OwnerKind.OFFSHORE if country.offshore else OwnerKind.OUTSIDE_UK
    return Ownership(number, kind, tuple(steps), stopped)


# --- What the register says beside what the provider said ----------------------------------------------------------


def same_parent(ours: str, theirs: str) -> bool:
    """Whether two names of a parent company are the same name, case, punctuation and "Ltd"/"Limited" aside."""
    return name_key(ours) == name_key(theirs)


def same_country(ours: str, theirs: str) -> bool:
    """Whether two ways of writing a country are the same country ("England" and "United Kingdom" are)."""
    first, second = normalise_country(ours), normalise_country(theirs)
    return first is not None and second is not None and first.name.casefold() == second.name.casefold()
