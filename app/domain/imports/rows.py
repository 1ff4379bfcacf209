"""One row of a supplier file typed and checked: which problems reject it and which only leave a value out.

* **Reject** (``RowProblem.rejects``): the name is missing; a registration number does not fit the format of the
  register the file names (storing it would give the provider a wrong org-id); the row is the same organisation as
  an earlier row in the file (:mod:`app.domain.imports.duplicates`).
* **Warn** (the row is imported, the value left out): a postcode that is present but not a full UK postcode (the
  row is imported "not placed"); an email address or website that is not usable; legal-form words we do not
  recognise (recorded as "Not known"); a register we do not recognise or that has no org-id scheme; a number that
  does not fit the register we *inferred* from the legal form.

A missing postcode is not a problem at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from app.domain.imports.fields import FIELDS_BY_NAME, ColumnMapping
from app.domain.imports.registration_status import StatusReading, read_status
from app.domain.legal_forms import NO_REGISTRAR_WORDS, REGISTRAR_WORDS, inferred_scheme, legal_form_from_words
from app.domain.names import normalise_words
from app.domain.postcodes import PostcodeError, parse_postcode
from app.domain.providers import (
    IDENTIFIER_SCHEMES,
    NAME_MAX_LENGTH,
    IdentifierError,
    LegalForm,
    org_id,
    scheme_from_shape,
)
from app.domain.text import looks_like_formula
from app.tabular import TableRow

#: The longest value each field takes (characters), as the register stores them.
FIELD_LIMITS: dict[str, int] = {
    "name": NAME_MAX_LENGTH,
    "trading_name": NAME_MAX_LENGTH,
    "legal_form": 200,
    "registration_number": 20,
    "registrar": 200,
    "address": 1000,
    "town": 200,
    "postcode": 20,
    "email": 320,
    "website": 500,
    "services": 2000,
    "description": 5000,
    "phone": 40,
    "status": 200,
    "dissolved_on": 100,
    "source_reference": 100,
}
#: Fields whose value cannot be left out: a row whose value is too long is rejected.
REQUIRED_WITHIN_LIMIT = frozenset({"name", "registration_number", "source_reference"})


@dataclass(frozen=True)
class RowProblem:
    """A problem with one row: the row number and column as the spreadsheet shows them, in plain words."""

    row_number: int
    column: str | None
    message: str
    rejects: bool = False  # True: the row is not imported; False: imported, with the value left out
    # What kind of problem, where pages count or filter by it: FORMULA, ENDED, REGISTER_ENDED, FLAGGED or NOT_PLACED
    # (else None).
    code: str | None = None


#: Problem codes (RowProblem.code, ImportIssue.code).
FORMULA = "formula"
#: The file says the organisation has ended (dissolved, removed, struck off).
ENDED = "ended"
#: A loaded public register says so, and the file does not.
REGISTER_ENDED = "ended_on_register"
#: The codes a list of ended rows shows (either says so).
ENDED_CODES: dict[str, tuple[str, ...]] = {ENDED: (ENDED, REGISTER_ENDED)}
FLAGGED = "flagged"
NOT_PLACED = "not_placed"
#: Fields whose text is shown to people (on pages and in downloads), so a formula-like start is worth a warning.
SHOWN_FIELDS = (
    "name",
    "trading_name",
    "legal_form",
    "address",
    "town",
    "email",
    "website",
    "services",
    "description",
    "phone",
    "source_reference",
)
_PHONE = re.compile(r"^\+[\d\s()\-]+$")


def formula_like(field_name: str, text: str) -> bool:
    """Whether a cell's text, as it is stored, starts as a spreadsheet formula would (:func:`looks_like_formula`).

    A phone number like +44 151 ... is not warned about: it is what the field is for.
    """
    value = text.strip()
    return looks_like_formula(value) and not (field_name == "phone" and _PHONE.match(value))


@dataclass(frozen=True)
class ParsedRow:
    row_number: int
    name: str | None
    trading_name: str | None = None
    legal_form: LegalForm | None = None
    legal_form_words: str | None = None
    registration_number: str | None = None
    registrar: str | None = None
    org_id: str | None = None
    address: str | None = None
    town: str | None = None
    postcode: str | None = None
    email: str | None = None
    website: str | None = None
    services: str | None = None
    description: str | None = None
    phone: str | None = None
    source_reference: str | None = None
    status: StatusReading = field(default_factory=lambda: StatusReading())
    problems: tuple[RowProblem, ...] = ()

    @property
    def ended(self) -> bool:
        """The file says the organisation is dissolved, removed or struck off."""
        return self.status.ended

    @property
    def rejected(self) -> bool:
        return any(p.rejects for p in self.problems)

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.rejects]

    @property
    def warnings(self) -> list[RowProblem]:
        return [p for p in self.problems if not p.rejects]


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_HOST = re.compile(r"^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(:\d+)?$", re.IGNORECASE)
_SCHEME = re.compile(r"^https?://", re.IGNORECASE)
_URL = re.compile(r"^https?://([^/?#\s]+)([/?#]\S*)?$", re.IGNORECASE)
#: Distinct legal-form and status cells remembered while parsing: a file repeats the same few row after row.
_READINGS_KEPT = 4096
#: The same words always read the same way (both readings are frozen), so each is read once.
_legal_form = lru_cache(maxsize=_READINGS_KEPT)(legal_form_from_words)
_status = lru_cache(maxsize=_READINGS_KEPT)(read_status)


def check_email(text: str) -> str:
    """The email address stripped, or raise ValueError with a message to show."""
    value = text.strip()
    if not _EMAIL.match(value):
        raise ValueError(f"'{value}' is not an email address, so it was left out")
    return value


def check_website(text: str) -> str:
    """'www.example.org' -> 'https://www.example.org'; raise ValueError when it is not a web address."""
    value = text.strip()
    url = value if _SCHEME.match(value) else f"https://{value}"
    host = _URL.match(url)
    if not host or not _HOST.match(host.group(1)):
        raise ValueError(f"'{value}' is not a website address, so it was left out")
    return url


def _text(value: str) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    return value or None


def _lines(value: str) -> str | None:
    if not value:
        return None
    lines = [" ".join(line.split()) for line in value.splitlines()]
    joined = "\n".join(line for line in lines if line)
    return joined or None


def parse_row(raw: TableRow | tuple[str, ...], mapping: ColumnMapping, row_number: int | None = None) -> ParsedRow:
    """Type and check one row. ``raw`` is a TableRow (its row number is used) or the cells themselves."""
    if isinstance(raw, TableRow):
        cells, number = raw.cells, raw.row_number if row_number is None else row_number
    else:
        if row_number is None:
            raise TypeError("row_number is needed when raw is a tuple of cells")
        cells, number = tuple(raw), row_number
    problems: list[RowProblem] = []
    columns = mapping.columns
    width_of_row = len(cells)
    # Each field's cell read once: its text as stored (a leading apostrophe before a formula dropped; blank when past
    # the field's limit, whose problem is reported here).
    texts: dict[str, str] = {}
    over_limit: list[str] = []
    for field_name, limit in FIELD_LIMITS.items():
        index = columns.get(field_name)
        text = cells[index] if index is not None and index < width_of_row else ""
        if not text:
            texts[field_name] = text
            continue
        if len(text) > limit:
            over_limit.append(field_name)
        if text.startswith("'") and looks_like_formula(text[1:]):
            text = text[1:]
        texts[field_name] = "" if len(text) > limit else text
    value = texts.__getitem__

    def problem(name: str, message: str, rejects: bool = False, code: str | None = None) -> None:
        problems.append(RowProblem(number, mapping.header_for(name), message, rejects, code))

    if isinstance(raw, TableRow) and raw.unclosed_quote:
        problems.append(
            RowProblem(
                number,
                None,
                "A quote mark in this row is never closed, so every line after it to the end of the file was read "
                "as part of this row. Close the quote (or remove it) and import the rest of the file again",
                rejects=True,
            )
        )
    if "\x00" in "".join(cells):
        problems.append(
            RowProblem(
                number,
                None,
                "This row has characters that are not text (a NUL byte), so the file may be damaged. "
                "Save it again as CSV and check this row",
                rejects=True,
            )
        )
    width = len(mapping.headers)
    if width_of_row > width and any(cell.strip() for cell in cells[width:]):
        problems.append(
            RowProblem(
                number,
                None,
                f"This row has {len(cells)} cells but the header has {width}, so its values may be in the wrong "
                "columns: check for a comma or quote mark that is not inside quotes",
                rejects=True,
            )
        )
    elif width_of_row < width:
        problems.append(
            RowProblem(
                number,
                None,
                f"This row has {len(cells)} cells but the header has {width}: the missing cells were read as blank",
            )
        )

    for field_name in over_limit:
        limit = FIELD_LIMITS[field_name]
        label = FIELDS_BY_NAME[field_name].label
        if field_name in REQUIRED_WITHIN_LIMIT:
            problem(field_name, f"The {label.lower()} is longer than {limit:,} characters", rejects=True)
        else:
            problem(field_name, f"The {label.lower()} is longer than {limit:,} characters, so it was left out")

    name = _text(value("name"))
    if name is None and not any(p.column == mapping.header_for("name") and p.rejects for p in problems):
        problem("name", "The name is missing", rejects=True)

    legal_words = _text(value("legal_form"))
    reading = _legal_form(value("legal_form"))
    if reading.note:
        problem("legal_form", reading.note)

    registrar = _text(value("registrar"))
    number_text = _text(value("registration_number"))
    identifier = None
    if number_text:
        identifier = _org_id(number_text, registrar, reading.form, problem)

    postcode = None
    if value("postcode").strip():
        try:
            postcode = str(parse_postcode(value("postcode")))
        except PostcodeError:
            shown = " ".join(value("postcode").split())
            problem(
                "postcode", f"'{shown}' is not a full UK postcode, so the organisation will not be placed on the map"
            )

    email = None
    if value("email").strip():
        try:
            email = check_email(value("email"))
        except ValueError as error:
            problem("email", str(error))

    website = None
    if value("website").strip():
        try:
            website = check_website(value("website"))
        except ValueError as error:
            problem("website", str(error))
        else:
            if len(website) > FIELD_LIMITS["website"]:
                limit = FIELD_LIMITS["website"]
                problem("website", f"The website is longer than {limit:,} characters, so it was left out")
                website = None

    status = _status(value("status"), value("dissolved_on"))
    if status.note and status.note_column:
        problem(status.note_column, status.note)

    for field_name in SHOWN_FIELDS:
        text = value(field_name)
        if text and formula_like(field_name, text):
            shown = " ".join(text.split())
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            problem(
                field_name,
                f"'{shown}' starts with '{shown[0]}', so a spreadsheet may run it as a formula. It is imported as "
                "text: check it is what the organisation is called or says",
                code=FORMULA,
            )

    return ParsedRow(
        row_number=number,
        name=name,
        trading_name=_text(value("trading_name")),
        legal_form=reading.form,
        legal_form_words=legal_words,
        registration_number=number_text,
        registrar=registrar,
        org_id=identifier,
        address=_lines(value("address")),
        town=_text(value("town")),
        postcode=postcode,
        email=email,
        website=website,
        services=_text(value("services")),
        description=_lines(value("description")),
        phone=_text(value("phone")),
        source_reference=_text(value("source_reference")),
        status=status,
        problems=tuple(problems),
    )


class _Report(Protocol):
    def __call__(self, name: str, message: str, rejects: bool = ..., code: str | None = ...) -> None: ...


def _org_id(number: str, registrar: str | None, form: LegalForm | None, problem: _Report) -> str | None:
    registrar_words = normalise_words(registrar) if registrar else ""
    if registrar_words in NO_REGISTRAR_WORDS:
        registrar_words = ""
    if registrar_words:
        if registrar_words not in REGISTRAR_WORDS:
            problem("registrar", f"'{registrar}' is not a register we recognise, so the number was not kept")
            return None
        scheme = REGISTRAR_WORDS[registrar_words]
        if scheme is None:
            problem("registrar", f"The register cannot record numbers from {registrar} yet, so the number was not kept")
            return None
        try:
            return org_id(scheme, number)
        except IdentifierError:  # a badly typed number is left out, as a bad email is: the organisation is kept
            problem(
                "registration_number",
                f"'{number}' is not a {registrar} number in the right format, so the number was not kept",
            )
            return None
    scheme = inferred_scheme(form, number)
    if scheme is not None:
        try:
            return org_id(scheme, number)
        except IdentifierError:
            pass
    # The legal form names no register (or not this number's): a number whose shape only one register issues is
    # kept as that register's, so an unknown or unexpected legal form never loses a valid number.
    shaped = scheme_from_shape(number)
    if shaped is not None:
        if scheme is not None:
            problem(
                "registration_number",
                f"'{number}' is not a number from the register for its legal form, but it has the shape of "
                f"{IDENTIFIER_SCHEMES[shaped].article} {IDENTIFIER_SCHEMES[shaped].register} number, "
                "so it was recorded as one",
            )
        return org_id(shaped, number)
    if scheme is None:
        problem("registration_number", f"The register for '{number}' is not known, so the number was not kept")
    else:
        problem(
            "registration_number",
            f"'{number}' does not look like a number from the register for its legal form, so the number was not kept",
        )
    return None
