"""The supplier import's fields, the column headings that name each, and the officer's column mapping."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    aliases: tuple[str, ...]


def normalise_header(text: str) -> str:
    """Case, spaces and punctuation ignored: 'Sector - Simplified, High Level' -> 'sectorsimplifiedhighlevel'."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


IMPORT_FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "name",
        "Name",
        (
            "name",
            "organisation name",
            "organization name",
            "organisation",
            "registered name",
            "provider name",
            "provider",
            "company name",
            "supplier name",
            "supplier",
            "org name",
        ),
    ),
    ImportField("trading_name", "Trading name", ("trading name", "trading as", "known as", "operating name")),
    ImportField(
        "legal_form",
        "Legal form",
        (
            "legal form",
            "legal structure",
            "legal status",
            "organisation type",
            "company type",
            "type of organisation",
            "company category",
            "charity type",
            "supplier type",
        ),
    ),
    ImportField(
        "registration_number",
        "Registration number",
        (
            "registration number",
            "registered number",
            "registration no",
            "registered no",
            "reg no",
            "company number",
            "company registration number",
            "charity number",
            "charity registration number",
            "society number",
        ),
    ),
    ImportField("registrar", "Register", ("registrar", "register", "regulator", "registered with")),
    ImportField(
        "address",
        "Address",
        (
            "address",
            "registered street",
            "street",
            "street address",
            "registered address",
            "address line 1",
            "regaddress addressline1",
        ),
    ),
    ImportField(
        "town", "Town or city", ("town", "city", "registered city", "town city", "post town", "regaddress posttown")
    ),
    ImportField(
        "postcode", "Postcode", ("postcode", "post code", "registered postcode", "postal code", "regaddress postcode")
    ),
    ImportField("email", "Email address", ("email", "email address", "e-mail", "contact email")),
    ImportField("website", "Website", ("website", "web site", "web address", "url", "homepage")),
    ImportField(
        "services",
        "Services",
        ("services", "services offered", "sector", "sector - simplified, high level", "activities", "category"),
    ),
    ImportField("description", "Description", ("description", "about", "summary", "organisation description")),
    ImportField("phone", "Phone", ("phone", "phone number", "telephone", "telephone number", "tel")),
    ImportField(
        "status",
        "Registration status",
        (
            "registered status",
            "registration status",
            "company status",
            "charity status",
            "society status",
            "organisation status",
            "register status",
            "status",
        ),
    ),
    ImportField(
        "dissolved_on",
        "Date dissolved or removed",
        (
            "dissolved date",
            "dissolved",
            "date dissolved",
            "dissolution date",
            "date of dissolution",
            "dissolved on",
            "removed date",
            "date removed",
            "removal date",
            "date of removal",
            "struck off date",
            "date struck off",
            "deregistered date",
            "date deregistered",
        ),
    ),
    ImportField(
        "source_reference",
        "Reference in the file",
        ("source reference", "reference", "ref", "id", "cuk organisation id", "organisation id", "external id"),
    ),
)
FIELDS_BY_NAME: dict[str, ImportField] = {f.name: f for f in IMPORT_FIELDS}
_ALIASES: dict[str, str] = {normalise_header(alias): f.name for f in IMPORT_FIELDS for alias in f.aliases}


def field_for_header(header: str) -> str | None:
    """Our field that a header names, or None."""
    key = normalise_header(header)
    return _ALIASES.get(key) if key else None


class MappingError(ValueError):
    """A column mapping that cannot be used; the message is fit to show."""


@dataclass(frozen=True)
class ColumnMapping:
    """Which column of the file each of our fields comes from (field name -> header index)."""

    headers: tuple[str, ...]
    columns: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def auto(cls, headers: Iterable[str]) -> ColumnMapping:
        """Match headers to fields by name and alias; the first header for a field wins."""
        headers = tuple(h.strip() for h in headers)
        columns: dict[str, int] = {}
        for index, header in enumerate(headers):
            name = field_for_header(header)
            if name is not None and name not in columns:
                columns[name] = index
        return cls(headers, columns)

    def override(self, choices: Mapping[str, str | None]) -> ColumnMapping:
        """The officer's choices (field -> header as in the file; None or '' to leave the field unmapped)."""
        columns = dict(self.columns)
        for name, header in choices.items():
            if name not in FIELDS_BY_NAME:
                raise MappingError(f"'{name}' is not a field that can be imported")
            if not header:
                columns.pop(name, None)
                continue
            if header not in self.headers:
                raise MappingError(f"There is no column called '{header}' in the file")
            columns[name] = self.headers.index(header)
        return replace(self, columns=columns)

    def header_for(self, name: str) -> str | None:
        index = self.columns.get(name)
        return None if index is None else self.headers[index]

    def value(self, name: str, cells: tuple[str, ...]) -> str:
        index = self.columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    @property
    def unmapped_headers(self) -> list[str]:
        used = set(self.columns.values())
        return [h for i, h in enumerate(self.headers) if i not in used and h]

    def rows(self) -> list[tuple[str, str | None]]:
        """(field label, header or None) for every field, to show the officer."""
        return [(f.label, self.header_for(f.name)) for f in IMPORT_FIELDS]

    def check(self) -> None:
        """Raise MappingError when the mapping cannot be used."""
        if "name" not in self.columns:
            raise MappingError("Choose the column that holds the organisation's name")
        seen: dict[int, str] = {}
        for name, index in self.columns.items():
            if index in seen:
                raise MappingError(
                    f"The column '{self.headers[index]}' is chosen for both "
                    f"{FIELDS_BY_NAME[seen[index]].label.lower()} and {FIELDS_BY_NAME[name].label.lower()}"
                )
            seen[index] = name
