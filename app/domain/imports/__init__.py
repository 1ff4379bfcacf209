"""Bulk import of providers from a spreadsheet (CSV): reading, column mapping and row checks.

Pure: no Flask, no database. The service layer feeds a binary stream to :func:`read_sheet`, builds a
:class:`ColumnMapping` (automatically, then as the officer overrides it), and turns each row into a
:class:`ParsedRow` with :func:`parse_row`.

Which problems reject a row and which only warn:

* **Reject** (``RowProblem.rejects``): the name is missing; a registration number does not fit the
  format of the register the file names (storing it would give the provider a wrong org-id); the row
  is the same organisation as an earlier row in the file.
* **Warn** (the row is imported, the value left out): a postcode that is present but not a full UK
  postcode (the row is imported "not placed"); an email address or website that is not usable; legal-form
  words we do not recognise (recorded as "Not known"); a register we do not recognise or that has no
  org-id scheme; a number that does not fit the register we *inferred* from the legal form.

A missing postcode is not a problem at all.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import IO, Protocol

from rapidfuzz import fuzz

from app.domain.imports.lifecycle import (
    CHECKED_OR_DONE,
    COUNT_KEYS,
    COUNT_LABELS,
    DECIDABLE,
    FINAL_OUTCOMES,
    MAPPABLE,
    POSSIBLE_MATCH,
    SHOWN_WHEN_ANY,
    STARTS_FROM,
    UNDOABLE,
    ImportStatus,
    ImportStep,
    RowOutcome,
    StepRefused,
    counts_add_up,
    counts_of,
    may_run,
    may_start,
    outcome_total,
    refusal,
    require_status,
    rows_to_change,
    running_step,
)
from app.domain.labelled import LabelledEnum
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
from app.domain.wording import govuk_date

# --- Reading ------------------------------------------------------------------------------------

#: Bytes read up front to detect the encoding, delimiter and header row.
SAMPLE_BYTES = 64 * 1024
#: The header row must be among this many rows at the top of the file.
HEADER_SEARCH_ROWS = 20
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with byte order mark", "cp1252": "Windows-1252"}
_CHUNK = 1024 * 1024
#: The csv module refuses cells over 131,072 characters and fails the whole file; allow far more, so an
#: over-long cell is one row's problem (see FIELD_LIMITS) rather than the file's.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


class ImportFormatError(ValueError):
    """A file that cannot be read as a spreadsheet of providers; the message is fit to show."""


@dataclass(frozen=True)
class SheetFormat:
    """What was detected about a file."""

    encoding: str  # "utf-8", "utf-8-sig" or "cp1252"
    delimiter: str
    header_row_number: int  # as a spreadsheet shows it, counting title and blank rows
    headers: tuple[str, ...]

    @property
    def encoding_name(self) -> str:
        return ENCODING_NAMES[self.encoding]

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES[self.delimiter]


@dataclass(frozen=True)
class SheetRow:
    """One record of the file after the header, with the row number a spreadsheet would show."""

    row_number: int
    cells: tuple[str, ...]
    # The file ends inside this row's quotes: a quote mark was never closed, so the rows after it were read as
    # part of one of its cells.
    unclosed_quote: bool = False


def _is_utf8(data: bytes, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _stream_is_utf8(stream: IO[bytes]) -> bool:
    """Decode the whole (seekable) stream strictly as UTF-8, a chunk at a time; leave it where it was."""
    start = stream.tell()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        while chunk := stream.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(start)
    return True


#: Signatures of files that are not text: zip (xlsx, ods, docx), OLE (xls, doc), PDF, gzip, PNG, JPEG.
_BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff")


def looks_binary(sample: bytes) -> bool:
    """True for a spreadsheet, document or image rather than text: a known signature, or NUL bytes."""
    return sample.startswith(_BINARY_SIGNATURES) or b"\x00" in sample[:8192]


def detect_encoding(sample: bytes, complete: bool = True) -> str:
    """'utf-8-sig' when there is a byte order mark, 'utf-8' when the bytes decode strictly, else 'cp1252'.

    ``complete`` is False when ``sample`` is the start of a longer file: a character cut at the end is allowed.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return "utf-8" if _is_utf8(sample, final=complete) else "cp1252"


def _records(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    """The records of a text sample; when the sample is cut short, the last (maybe partial) record is dropped."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            records.append(record)
            if len(records) > HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass  # a malformed record: the header, if any, is above it
    if not complete and len(records) <= HEADER_SEARCH_ROWS and records:
        records.pop()
    return records


def find_header_row(records: Iterable[list[str]]) -> int | None:
    """The 0-based index of the first record with at least two cells that name known columns (first 20 only).

    A file that is a list of names alone is found too: its first non-blank record, when that names the name column.
    """
    first: int | None = None
    for index, record in enumerate(records):
        if index >= HEADER_SEARCH_ROWS:
            break
        if first is None and any(cell.strip() for cell in record):
            first = index
            first_is_name = any(field_for_header(cell) == "name" for cell in record)
        if sum(1 for cell in record if field_for_header(cell) is not None) >= 2:
            return index
    if first is not None and first_is_name:
        return first
    return None


def _candidate_delimiters(text: str) -> list[str]:
    """The sniffer's choice first, then the rest by how often they occur."""
    counted = sorted(DELIMITERS, key=lambda d: -text.count(d))
    try:
        sniffed = csv.Sniffer().sniff(text[:SAMPLE_BYTES], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return counted
    return [sniffed, *(d for d in counted if d != sniffed)]


def detect_format(sample: bytes, encoding: str, complete: bool) -> SheetFormat:
    """Detect the delimiter and the header row from the start of a file."""
    text = sample.decode(encoding, errors="replace" if encoding == "cp1252" or not complete else "strict")
    if not complete:
        # Drop what may be a character cut in half at the end of the sample.
        text = text.rstrip("\ufffd")
    if encoding == "utf-8-sig":
        text = text.removeprefix("\ufeff")
    for delimiter in _candidate_delimiters(text):
        records = _records(text, delimiter, complete)
        index = find_header_row(records)
        if index is not None:
            headers = tuple(cell.strip() for cell in records[index])
            return SheetFormat(encoding, delimiter, index + 1, headers)
    raise ImportFormatError(
        f"Could not find the row of column headings in the first {HEADER_SEARCH_ROWS} rows. "
        "Check the file is a CSV with a heading such as 'Name' or 'Postcode' above each column"
    )


class _Prepended(io.RawIOBase):
    """A read-only stream that gives ``head`` and then the rest of ``tail``."""

    def __init__(self, head: bytes, tail: IO[bytes]) -> None:
        super().__init__()
        self._head = head
        self._tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._tail.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class Sheet:
    """A spreadsheet being read: its detected format, and its rows streamed one at a time."""

    def __init__(self, stream: IO[bytes], sheet_format: SheetFormat, body: IO[bytes]) -> None:
        self._stream = stream
        self.format = sheet_format
        self._body = body
        #: Rows below the header with nothing in them, skipped (known once the rows have been read).
        self.blank_rows = 0

    @property
    def headers(self) -> tuple[str, ...]:
        return self.format.headers

    def __iter__(self) -> Iterator[SheetRow]:
        fmt = self.format
        errors = "replace" if fmt.encoding == "cp1252" else "strict"
        text = io.TextIOWrapper(self._body, encoding=fmt.encoding, errors=errors, newline="")
        index = 0
        quotes = 0
        self.blank_rows = 0

        def lines() -> Iterator[str]:
            nonlocal quotes
            for line in text:
                quotes += line.count('"')
                yield line

        try:
            reader = csv.reader(lines(), delimiter=fmt.delimiter)
            held: SheetRow | None = None  # one row behind, so the last can be checked for an unclosed quote
            for index, record in enumerate(reader, start=1):
                if index <= fmt.header_row_number:
                    continue
                if not any(cell.strip() for cell in record):
                    self.blank_rows += 1  # counted and said, but carrying nothing: not a row of the import
                    continue
                if held is not None:
                    yield held
                held = SheetRow(index, tuple(record))
            if held is not None:
                # An odd number of quote marks in the file, and a line break in the last row: the reader reached
                # the end of the file inside a quoted cell.
                swallowed = quotes % 2 == 1 and any("\n" in cell or "\r" in cell for cell in held.cells)
                yield replace(held, unclosed_quote=swallowed)
        except csv.Error as error:
            raise ImportFormatError(f"The file could not be read after row {index}: {error}") from error
        except UnicodeDecodeError as error:
            raise ImportFormatError(
                f"The file could not be read after row {index}: it mixes text encodings. Save it as CSV UTF-8"
            ) from error
        finally:
            text.detach()  # leave the caller's stream open


def read_sheet(stream: IO[bytes]) -> Sheet:
    """Detect a CSV file's encoding, delimiter and header row; return a :class:`Sheet` that streams its rows.

    Only a sample is held in memory. When the stream is seekable the whole file is checked as UTF-8
    (chunk by chunk) before falling back to Windows-1252; otherwise the sample decides.
    """
    seekable = stream.seekable()
    start = stream.tell() if seekable else 0
    sample = stream.read(SAMPLE_BYTES)
    if not sample.strip():
        raise ImportFormatError("The file is empty")
    if looks_binary(sample):
        raise ImportFormatError(
            "The file is not a CSV file. If it is a spreadsheet, save it as 'CSV UTF-8' and upload that"
        )
    complete = len(sample) < SAMPLE_BYTES
    encoding = detect_encoding(sample, complete)
    if encoding == "utf-8" and not complete and seekable:
        stream.seek(start)
        if not _stream_is_utf8(stream):
            encoding = "cp1252"
    try:
        sheet_format = detect_format(sample, encoding, complete)
    except UnicodeDecodeError as error:
        raise ImportFormatError(
            "The file's text encoding could not be read (it starts as UTF-8 but is not). Save it as CSV UTF-8"
        ) from error
    if seekable:
        stream.seek(start)
        body: IO[bytes] = stream
    else:
        body = io.BufferedReader(_Prepended(sample, stream))
    return Sheet(stream, sheet_format, body)


# --- Column mapping -----------------------------------------------------------------------------


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


# --- Legal forms --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalFormReading:
    """What legal-form words mean: the form (None when blank) and a note for the officer when unsure."""

    form: LegalForm | None
    note: str | None = None


_COMPANY_NOTE = "'Company' does not say whether it is limited by shares or by guarantee, so it is recorded as not known"

#: Legal-form wordings, as :func:`normalise_words` leaves them. Companies House's ``CompanyCategory`` labels (its
#: bulk product and search), the Charity Commission's and FCA's words, Co-operatives UK's, and what finance systems
#: write. Words that do not say which of our forms an organisation has are left out: they read as "not known".
LEGAL_FORM_WORDS: dict[str, LegalForm] = {
    # Co-operative and community benefit societies (FCA Mutuals Public Register; Companies House "Registered
    # Society"). A "society" is read as a co-operative, as Co-operatives UK uses the word.
    "society": LegalForm.COOPERATIVE,
    "registered society": LegalForm.COOPERATIVE,
    "cooperative": LegalForm.COOPERATIVE,
    "cooperative society": LegalForm.COOPERATIVE,
    "cooperative limited": LegalForm.COOPERATIVE,
    "coop": LegalForm.COOPERATIVE,
    "coop society": LegalForm.COOPERATIVE,
    "workers cooperative": LegalForm.COOPERATIVE,
    "worker cooperative": LegalForm.COOPERATIVE,
    "industrial and provident society": LegalForm.COOPERATIVE,
    "ips": LegalForm.COOPERATIVE,
    "bona fide cooperative society": LegalForm.COOPERATIVE,
    "credit union": LegalForm.COOPERATIVE,
    "community benefit society": LegalForm.COMMUNITY_BENEFIT,
    "community benefit society bencom": LegalForm.COMMUNITY_BENEFIT,
    "bencom": LegalForm.COMMUNITY_BENEFIT,
    "cbs": LegalForm.COMMUNITY_BENEFIT,
    # Community interest companies.
    "cic": LegalForm.CIC,
    "community interest company": LegalForm.CIC,
    "community interest company cic": LegalForm.CIC,
    "cic limited by guarantee": LegalForm.CIC,
    "cic limited by shares": LegalForm.CIC,
    "community interest company limited by guarantee": LegalForm.CIC,
    "community interest company limited by shares": LegalForm.CIC,
    "community interest public limited company": LegalForm.CIC,
    # Companies limited by guarantee (Companies House writes these two ways, with and without the exemption).
    "company limited by guarantee": LegalForm.CLG,
    "private company limited by guarantee": LegalForm.CLG,
    "limited by guarantee": LegalForm.CLG,
    "ltd by guarantee": LegalForm.CLG,
    "clg": LegalForm.CLG,
    "pri ltd by guar nsc": LegalForm.CLG,
    "pri ltd by guar nsc private limited by guarantee no share capital": LegalForm.CLG,
    "pri lbg nsc": LegalForm.CLG,
    "pri lbg nsc private limited by guarantee no share capital use of limited exemption": LegalForm.CLG,
    "priv ltd sect 30": LegalForm.CLG,
    "priv ltd sect 30 private limited company section 30 of the companies act": LegalForm.CLG,
    "charitable company": LegalForm.CHARITY,
    # Companies limited by shares, and LLPs.
    "ltd": LegalForm.PRIVATE_COMPANY,
    "limited": LegalForm.PRIVATE_COMPANY,
    "limited company": LegalForm.PRIVATE_COMPANY,
    "ltd company": LegalForm.PRIVATE_COMPANY,
    "private company": LegalForm.PRIVATE_COMPANY,
    "private limited": LegalForm.PRIVATE_COMPANY,
    "private limited company": LegalForm.PRIVATE_COMPANY,
    "private ltd company": LegalForm.PRIVATE_COMPANY,
    "company limited by shares": LegalForm.PRIVATE_COMPANY,
    "private company limited by shares": LegalForm.PRIVATE_COMPANY,
    "public limited company": LegalForm.PRIVATE_COMPANY,
    "plc": LegalForm.PRIVATE_COMPANY,
    "llp": LegalForm.PRIVATE_COMPANY,
    "limited liability partnership": LegalForm.PRIVATE_COMPANY,
    # Charities and charitable incorporated organisations.
    "charity": LegalForm.CHARITY,
    "registered charity": LegalForm.CHARITY,
    "charitable trust": LegalForm.CHARITY,
    "charitable incorporated organisation": LegalForm.CHARITY,
    "charitable incorporated organisation association": LegalForm.CHARITY,
    "charitable incorporated organisation foundation": LegalForm.CHARITY,
    "cio": LegalForm.CHARITY,
    "scio": LegalForm.CHARITY,
    "scottish charitable incorporated organisation": LegalForm.CHARITY,
    # Not registered anywhere.
    "sole trader": LegalForm.SOLE_TRADER,
    "sole proprietor": LegalForm.SOLE_TRADER,
    "self employed": LegalForm.SOLE_TRADER,
    "selfemployed": LegalForm.SOLE_TRADER,
    "individual": LegalForm.SOLE_TRADER,
    "partnership": LegalForm.SOLE_TRADER,
    "sole trader or partnership": LegalForm.SOLE_TRADER,
    "unincorporated": LegalForm.UNINCORPORATED,
    "unincorporated association": LegalForm.UNINCORPORATED,
    "community group": LegalForm.UNINCORPORATED,
    "voluntary group": LegalForm.UNINCORPORATED,
    "club": LegalForm.UNINCORPORATED,
    # Registered forms the register has no form of its own for.
    "other": LegalForm.OTHER,
    "private unlimited company": LegalForm.OTHER,
    "private unlimited": LegalForm.OTHER,
    "private unlimited company without share capital": LegalForm.OTHER,
    "limited partnership": LegalForm.OTHER,
    "scottish partnership": LegalForm.OTHER,
    "old public company": LegalForm.OTHER,
    "royal charter company": LegalForm.OTHER,
    "investment company with variable capital": LegalForm.OTHER,
    "further education and sixth form college corps": LegalForm.OTHER,
    "european public limited liability company se": LegalForm.OTHER,
    "united kingdom societas": LegalForm.OTHER,
    "united kingdom economic interest grouping": LegalForm.OTHER,
    "overseas entity": LegalForm.OTHER,
    "other company type": LegalForm.OTHER,
    "protected cell company": LegalForm.OTHER,
    "assurance company": LegalForm.OTHER,
}


def normalise_words(text: str) -> str:
    """'Co-operative  Society' -> 'cooperative society'; 'C.I.C.' -> 'cic'; brackets and slashes become spaces."""
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[.\-'\u2019]", "", text)
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return text.strip()


def legal_form_from_words(text: str) -> LegalFormReading:
    """Map the words a file uses for a legal form to ours; unknown words are 'not known', never guessed."""
    if not text.strip():
        return LegalFormReading(None)
    words = normalise_words(text)
    form = LEGAL_FORM_WORDS.get(words)
    if words == "company":
        return LegalFormReading(LegalForm.UNKNOWN, _COMPANY_NOTE)
    if form is None:
        shown = " ".join(text.split())
        return LegalFormReading(
            LegalForm.UNKNOWN, f"'{shown}' is not a legal form we recognise, so it is recorded as not known"
        )
    return LegalFormReading(form)


# --- Registration status: live, or dissolved and removed ------------------------------------------------


class DissolvedRows(LabelledEnum):
    """What an import does with rows the file says are dissolved, removed or struck off (the officer chooses)."""

    REJECT = "reject", "Leave them out", "Rejected with the reason, and listed: nothing is added to the register"
    ARCHIVE = "archive", "Keep them as archived", "Added to the register as archived: never published or searched"


#: Status words (as :func:`normalise_words` leaves them) that say an organisation no longer exists on its register.
ENDED_STATUS_WORDS = frozenset(
    {
        "dead",
        "dissolved",
        "removed",
        "struck off",
        "closed",
        "converted closed",
        "deregistered",
        "cancelled",
        "canceled",
        "ceased",
        "ceased to exist",
        "ceased trading",
        "removed from register",
        "removed from the register",
        "no longer registered",
        "wound up",
        "defunct",
    }
)
#: Words that say it is on its register.
LIVE_STATUS_WORDS = frozenset({"live", "active", "registered", "open", "current", "trading", "existing"})
#: Words that say it is on its register but may not be for long: imported, with a warning.
AT_RISK_STATUS_WORDS = frozenset(
    {
        "liquidation",
        "in liquidation",
        "administration",
        "in administration",
        "administration order",
        "administrative receiver",
        "receivership",
        "receiver action",
        "receiver manager",
        "live but receiver manager on at least one charge",
        "voluntary arrangement",
        "insolvency proceedings",
        "active proposal to strike off",
        "proposal to strike off",
        "dormant",
    }
)
_YES_WORDS = frozenset({"yes", "y", "true", "dissolved", "removed"})
#: Dissolution cells (as :func:`normalise_words` leaves them) that say it has not been dissolved: "no" and the
#: placeholders spreadsheets and registers fill an empty date with ("N/A", "-", "None", "0000-00-00" and the like).
_NOT_DISSOLVED_WORDS = frozenset(
    {"no", "n", "false", "0", "n a", "na", "none", "null", "nil", "not dissolved", "not applicable"}
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}


def date_from_words(text: str) -> date | None:
    """A date as spreadsheets and registers write it: 3/5/2012 (day first), 2012-05-03, 3 May 2012; else None."""
    value = text.strip()
    if not value:
        return None
    try:
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+Z?)?", value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?: [\d:]+)?", value):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? ([A-Za-z]+),? (\d{4})", " ".join(value.split())):
            month = _MONTHS.get(match[2].casefold())
            return date(int(match[3]), month, int(match[1])) if month else None
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class StatusReading:
    """What a row's status and dissolution cells say: whether the organisation has ended, when, and any note."""

    ended: bool = False
    on: date | None = None
    because: str | None = None  # the file's own words, for the officer: "Registered Status: Dead, dissolved 3/5/2012"
    note: str | None = None  # a warning for the officer (at risk, words not recognised, a date not readable)
    note_column: str | None = None  # "status" or "dissolved_on": which cell the note is about


#: A dissolution cell of only dashes, dots, slashes and zeros is a placeholder: "-", "—", "0000-00-00", "00/00/0000".
_NO_DATE = re.compile(r"[\s0\-\u2010-\u2015\u2212./:]*")


def _not_dissolved(dissolved_text: str) -> bool:
    """Whether a dissolution cell is blank, "no" or a placeholder like "N/A", "None", "-" or "0000-00-00"."""
    return normalise_words(dissolved_text) in _NOT_DISSOLVED_WORDS or bool(_NO_DATE.fullmatch(dissolved_text))


def read_status(status: str, dissolved: str) -> StatusReading:
    """Read a status cell and a dissolution-date cell.

    Ended: the status says dissolved, removed, struck off (and the like), or a dissolution date (or "yes") is given,
    whatever the status says. A placeholder ("N/A", "-", "None", "0000-00-00") is no date. Other text we cannot read
    as a date is taken as dissolved, and noted, unless the status says live: then the status is believed, and noted.
    Liquidation, administration and a proposal to strike off are not ended, but noted. Status words not recognised
    are noted and read as live.
    """
    status_text = " ".join(status.split())
    dissolved_text = " ".join(dissolved.split())
    words = normalise_words(status_text)
    dissolved_words = normalise_words(dissolved_text)
    on = date_from_words(dissolved_text)
    said_dissolved = on is not None or dissolved_words in _YES_WORDS
    unreadable_date = not said_dissolved and not _not_dissolved(dissolved_text)
    if unreadable_date and words in LIVE_STATUS_WORDS:
        return StatusReading(
            note=f"'{dissolved_text}' is not a date we can read, like 3/5/2012, and the status is '{status_text}': "
            "the organisation is imported as live, but check it is still trading",
            note_column="dissolved_on",
        )
    ended = words in ENDED_STATUS_WORDS or said_dissolved or unreadable_date
    parts = [f"status '{status_text}'"] if status_text else []
    if on is not None:
        parts.append(f"dissolved on {govuk_date(on)}")
    elif said_dissolved or unreadable_date:
        parts.append(f"dissolved '{dissolved_text}'")
    because = ", ".join(parts) or None
    if unreadable_date:
        return StatusReading(
            True,
            None,
            because,
            f"'{dissolved_text}' is not a date we can read, like 3/5/2012: the organisation is taken as dissolved",
            "dissolved_on",
        )
    if ended:
        return StatusReading(True, on, because)
    if not words or words in LIVE_STATUS_WORDS:
        return StatusReading()
    if words in AT_RISK_STATUS_WORDS:
        return StatusReading(
            note=f"The file says '{status_text}': the organisation is imported, but check it is still trading",
            note_column="status",
        )
    return StatusReading(
        note=f"'{status_text}' is not a status we recognise, so the organisation is taken as live: check it",
        note_column="status",
    )


def dissolved_message(reading: StatusReading, policy: DissolvedRows) -> str:
    """What happens to a row the file says has ended, in words for the officer."""
    said = f"The file says it has ended ({reading.because})" if reading.because else "The file says it has ended"
    if policy == DissolvedRows.ARCHIVE:
        return f"{said}, so it is kept on the register as archived and never published"
    return f"{said}, so it was not imported"


def flagged_message(reading: StatusReading, provider_name: str) -> str:
    """A row that has ended matches an organisation on the register: it is flagged, not changed."""
    said = f"The file says it has ended ({reading.because})" if reading.because else "The file says it has ended"
    return f"{said}. {provider_name} on the register was not changed: it is flagged for an officer to check"


# --- Registers and org-ids ----------------------------------------------------------------------

REGISTRAR_WORDS: dict[str, str | None] = {
    "fca": "GB-MPR",
    "financial conduct authority": "GB-MPR",
    "fsa": "GB-MPR",
    "mutuals public register": "GB-MPR",
    "fca mutuals public register": "GB-MPR",
    "companies house": "GB-COH",
    "oscr": "GB-SC",
    "scottish charity regulator": "GB-SC",
    "charity commission": "GB-CHC",
    "charity commission for england and wales": "GB-CHC",
    "ccew": "GB-CHC",
    "ccni": "GB-NIC",
    "charity commission for northern ireland": "GB-NIC",
    # Registers we know but that have no org-id scheme here.
    "detini": None,
}
#: Words that say the register is not known: treated as blank.
NO_REGISTRAR_WORDS = frozenset(
    {"unknown", "not known", "unknown legal form", "legal form is not defined", "none", "n a", "na"}
)

_INFERRED_SCHEMES = {
    LegalForm.CIC: "GB-COH",
    LegalForm.CLG: "GB-COH",
    LegalForm.PRIVATE_COMPANY: "GB-COH",
    LegalForm.COOPERATIVE: "GB-MPR",
    LegalForm.COMMUNITY_BENEFIT: "GB-MPR",
    LegalForm.CHARITY: "GB-CHC",
}


def inferred_scheme(form: LegalForm | None, number: str) -> str | None:
    """The org-id scheme a legal form implies, e.g. CIC -> GB-COH; Scottish and NI charity numbers by shape."""
    if form is None:
        return None
    scheme = _INFERRED_SCHEMES.get(form)
    if scheme == "GB-CHC":
        squashed = re.sub(r"\s", "", number).upper()
        if squashed.startswith("SC"):
            return "GB-SC"
        if squashed.startswith("NIC"):
            return "GB-NIC"
    return scheme


# --- Row parsing --------------------------------------------------------------------------------


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
    # What kind of problem, where pages count or filter by it: FORMULA, ENDED, FLAGGED or NOT_PLACED (else None).
    code: str | None = None


#: Problem codes (RowProblem.code, ImportIssue.code).
FORMULA = "formula"
ENDED = "ended"
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


def check_email(text: str) -> str:
    """The email address stripped, or raise ValueError with a message to show."""
    value = text.strip()
    if not _EMAIL.match(value):
        raise ValueError(f"'{value}' is not an email address, so it was left out")
    return value


def check_website(text: str) -> str:
    """'www.example.org' -> 'https://www.example.org'; raise ValueError when it is not a web address."""
    value = text.strip()
    url = value if re.match(r"^https?://", value, re.IGNORECASE) else f"https://{value}"
    host = re.match(r"^https?://([^/?#\s]+)([/?#]\S*)?$", url, re.IGNORECASE)
    if not host or not _HOST.match(host.group(1)):
        raise ValueError(f"'{value}' is not a website address, so it was left out")
    return url


def _text(value: str) -> str | None:
    value = " ".join(value.split())
    return value or None


def _lines(value: str) -> str | None:
    lines = [" ".join(line.split()) for line in value.splitlines()]
    joined = "\n".join(line for line in lines if line)
    return joined or None


def parse_row(raw: SheetRow | tuple[str, ...], mapping: ColumnMapping, row_number: int | None = None) -> ParsedRow:
    """Type and check one row. ``raw`` is a SheetRow (its row number is used) or the cells themselves."""
    if isinstance(raw, SheetRow):
        cells, number = raw.cells, raw.row_number if row_number is None else row_number
    else:
        if row_number is None:
            raise TypeError("row_number is needed when raw is a tuple of cells")
        cells, number = tuple(raw), row_number
    problems: list[RowProblem] = []

    def value(name: str) -> str:
        """The cell for a field; a value past the field's limit reads as blank (its problem is reported below).

        A leading apostrophe before a formula (:func:`looks_like_formula`) is dropped: it is what our own downloads
        (and spreadsheets) put there to stop one, so a fixed-up rejected row imports as it was first written.
        """
        text = mapping.value(name, cells)
        if text.startswith("'") and looks_like_formula(text[1:]):
            text = text[1:]
        return "" if len(text) > FIELD_LIMITS.get(name, len(text)) else text

    def problem(name: str, message: str, rejects: bool = False, code: str | None = None) -> None:
        problems.append(RowProblem(number, mapping.header_for(name), message, rejects, code))

    if isinstance(raw, SheetRow) and raw.unclosed_quote:
        problems.append(
            RowProblem(
                number,
                None,
                "A quote mark in this row is never closed, so every line after it to the end of the file was read "
                "as part of this row. Close the quote (or remove it) and import the rest of the file again",
                rejects=True,
            )
        )
    if any("\x00" in cell for cell in cells):
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
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        problems.append(
            RowProblem(
                number,
                None,
                f"This row has {len(cells)} cells but the header has {width}, so its values may be in the wrong "
                "columns: check for a comma or quote mark that is not inside quotes",
                rejects=True,
            )
        )
    elif len(cells) < width:
        problems.append(
            RowProblem(
                number,
                None,
                f"This row has {len(cells)} cells but the header has {width}: the missing cells were read as blank",
            )
        )

    for field_name, limit in FIELD_LIMITS.items():
        if len(mapping.value(field_name, cells)) > limit:
            label = FIELDS_BY_NAME[field_name].label
            if field_name in REQUIRED_WITHIN_LIMIT:
                problem(field_name, f"The {label.lower()} is longer than {limit:,} characters", rejects=True)
            else:
                problem(field_name, f"The {label.lower()} is longer than {limit:,} characters, so it was left out")

    name = _text(value("name"))
    if name is None and not any(p.column == mapping.header_for("name") and p.rejects for p in problems):
        problem("name", "The name is missing", rejects=True)

    legal_words = _text(value("legal_form"))
    reading = legal_form_from_words(value("legal_form"))
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

    status = read_status(value("status"), value("dissolved_on"))
    if status.note and status.note_column:
        problem(status.note_column, status.note)

    for field_name in SHOWN_FIELDS:
        text = value(field_name)
        if formula_like(field_name, text):
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


# --- Duplicates ---------------------------------------------------------------------------------


def duplicate_key(parsed: ParsedRow) -> str | None:
    """The org-id if any, else the name (case, spacing and punctuation ignored) with the postcode."""
    if parsed.org_id:
        return parsed.org_id
    if not parsed.name:
        return None
    return f"{normalise_header(parsed.name)}|{parsed.postcode or ''}"


class DuplicateFinder:
    """Flags rows that are the same organisation as an earlier row, one row at a time (for streaming)."""

    def __init__(self, mapping: ColumnMapping) -> None:
        self._mapping = mapping
        self._first: dict[str, int] = {}

    def check(self, parsed: ParsedRow) -> ParsedRow:
        key = duplicate_key(parsed)
        if key is None:
            return parsed
        first = self._first.setdefault(key, parsed.row_number)
        if first == parsed.row_number:
            return parsed
        column = self._mapping.header_for("registration_number" if parsed.org_id else "name")
        duplicate = RowProblem(parsed.row_number, column, f"Same organisation as row {first}", rejects=True)
        return replace(parsed, problems=(*parsed.problems, duplicate))


def flag_duplicates(rows: Iterable[ParsedRow], mapping: ColumnMapping) -> Iterator[ParsedRow]:
    """The rows, with the second and later occurrences of an organisation flagged 'Same organisation as row N'."""
    finder = DuplicateFinder(mapping)
    for row in rows:
        yield finder.check(row)


def parse_sheet(sheet: Sheet, mapping: ColumnMapping) -> Iterator[ParsedRow]:
    """Every row of a sheet parsed and checked for duplicates; raises MappingError first if the mapping is unusable."""
    mapping.check()
    return flag_duplicates((parse_row(row, mapping) for row in sheet), mapping)


# --- Outcomes in words ---------------------------------------------------------------------------


def _counted(number: int, one: str, many: str | None = None) -> str:
    return f"{number:,} {one if number == 1 else (many or one + 's')}"


def describe_outcome(counts: Mapping[str, int], done: bool = True) -> str:
    """What an import did (``done``), or what its check says it would do, in one sentence that names every outcome
    it had: never just '0 created'.

    'Nothing on the register changed: all 105 organisations in the file are on it already, as the file has them.'
    """
    n = {key: int(counts.get(key, 0)) for key in ("rows", "possible_match", *(o.value for o in FINAL_OUTCOMES))}
    verbs = ("added", "updated", "kept as archived", "flagged for checking as dissolved", "rejected")
    if not done:
        verbs = ("to add", "to update", "to keep as archived", "to flag for checking as dissolved", "to reject")
    changed = [
        (n["created"], _counted(n["created"], "new organisation") + f" {verbs[0]}"),
        (n["updated"], _counted(n["updated"], "organisation") + f" {verbs[1]}"),
        (n["archived"], _counted(n["archived"], "dissolved organisation") + f" {verbs[2]}"),
        (n["flagged"], _counted(n["flagged"], "organisation") + f" {verbs[3]}"),
    ]
    said = [words for number, words in changed if number]
    rest = [
        (n["unchanged"], _counted(n["unchanged"], "row") + " already on the register as the file has them"),
        (n["possible_match"], _counted(n["possible_match"], "possible match", "possible matches") + " to decide"),
        (n["rejected"], _counted(n["rejected"], "row") + f" {verbs[4]}"),
    ]
    others = [words for number, words in rest if number]
    nothing = "Nothing on the register changed" if done else "Importing it would change nothing on the register"
    if not n["rows"]:
        return "The file has no rows to import, so nothing on the register changed."
    if not said and not n["possible_match"]:
        if n["unchanged"] == n["rows"]:
            return (
                f"{nothing}: all {_counted(n['rows'], 'organisation')} in the file are on it already, as the file "
                "has them."
                if n["rows"] != 1
                else f"{nothing}: the organisation in the file is on it already, as the file has it."
            )
        return f"{nothing}: " + _join(others) + "."
    sentence = _join(said + others)
    return sentence[0].upper() + sentence[1:] + "."


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def problem_outcome(rejects: bool, code: str | None, row_rejected: bool) -> str:
    """What a problem means for its row, in words for the problems list and download (one wording for both)."""
    if rejects:
        return "Not imported"
    if row_rejected:
        return "Not imported (the row has another problem)"
    return {
        FLAGGED: "Not imported: the organisation on the register is flagged for checking",
        ENDED: "Imported as archived, never published",
        FORMULA: "Imported, as text",
        NOT_PLACED: "Imported, flagged 'not placed'",
    }.get(code or "", "Imported without this value")


def _duration_words(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 60:
        return _counted(seconds, "second")
    minutes = round(seconds / 60)
    if minutes < 60:
        return _counted(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    return _counted(hours, "hour") + (f" {_counted(minutes, 'minute')}" if minutes else "")


def describe_progress(
    step: str, rows: int, fraction: float, total_rows: int | None = None, seconds: float | None = None
) -> str:
    """A running step's progress in words, beside the progress bar: done, of how many, and about how long is left.

    ``step`` is 'check' or 'commit'; ``fraction`` is the share of the file read (0-1); ``total_rows`` the rows in the
    file when known (after a check); ``seconds`` how long the step has run.
    """
    verb = "imported" if step == "commit" else "checked"
    percent = round(max(0.0, min(fraction, 1.0)) * 100)
    if total_rows:
        done = f"{rows:,} of {_counted(total_rows, 'row')} {verb} ({percent}%)"
    else:
        done = f"{_counted(rows, 'row')} {verb} ({percent}% of the file)"
    if seconds and rows and 0.02 <= fraction < 1:
        left = seconds * (1 - fraction) / fraction
        done += f", about {_duration_words(left)} left"
    return done


# --- Matching -----------------------------------------------------------------------------------

#: Words that say what kind of body an organisation is rather than which one; ignored when comparing names.
_NAME_NOISE = frozenset(
    {"ltd", "limited", "the", "cic", "plc", "llp", "cio", "co", "company", "society", "and", "of", "uk"}
)
#: A name this similar (0-100, rapidfuzz token set ratio on normalised names) at the same postcode is a possible match.
NEAR_MATCH_SCORE = 85.0


def match_name(text: str) -> str:
    """A name for matching: case, punctuation, '&' and legal suffixes ignored. 'The Good Org Ltd.' -> 'good org'."""
    words = normalise_words(text.replace("&", " and ")).split()
    kept = [w for w in words if w not in _NAME_NOISE]
    return " ".join(kept or words)


def name_similarity(a: str, b: str) -> float:
    """0-100: how alike two organisation names are once normalised by :func:`match_name`."""
    return float(fuzz.token_set_ratio(match_name(a), match_name(b)))


# --- Undo -----------------------------------------------------------------------------------------------------------

#: Why undo left an organisation as it is, said of many at once (the report keeps each one's reason for one).
_LEFT_FOR_MANY = {
    "it has been published since the import": "they have been published since the import",
    "it has been taken off the register for checks since the import": (
        "they have been taken off the register for checks since the import"
    ),
    "it has been changed since the import": "they have been changed since the import",
    "people have signed in as it": "people have signed in as them",
    "it is on a commissioning record": "they are on commissioning records",
    "someone asked to join it": "someone asked to join them",
    "someone was invited to it": "someone was invited to them",
    "an officer reviewed it": "an officer reviewed them",
}


def status_changed_reason(status: LabelledEnum) -> str:
    """Why undo leaves an organisation whose only change since the import is its status."""
    if status.value == "verified":
        return "it has been published since the import"
    if status.value == "submitted":
        return "it has been taken off the register for checks since the import"
    return f"it has been {status.label.lower()} since the import"


def describe_undo(report: Mapping[str, object]) -> str:
    """What undoing an import did, naming how many it left and why: 'Then undone: 6,604 removed and 15 restored;
    89 left because they have been published since the import.'"""
    removed, restored, gone = (int(str(report.get(key) or 0)) for key in ("removed", "restored", "gone"))
    left = report.get("left") or []
    done = [f"{removed:,} removed", f"{restored:,} restored"] + ([f"{gone:,} already gone"] if gone else [])
    reasons: dict[str, int] = {}
    for item in left if isinstance(left, list) else []:
        reason = str(item.get("reason") or "it has been changed since the import")
        reasons[reason] = reasons.get(reason, 0) + 1
    why = [
        f"{n:,} left because {reason if n == 1 else _LEFT_FOR_MANY.get(reason, reason.replace(' it ', ' them '))}"
        for reason, n in sorted(reasons.items(), key=lambda pair: -pair[1])
    ]
    return "Then undone: " + _join(done) + ("; " + "; ".join(why) if why else "") + "."


# --- Why rows were rejected -----------------------------------------------------------------------------------------


def rejected_reasons(errors: Iterable[tuple[int, str | None, str | None, str]]) -> list[tuple[str, int]]:
    """Every rejected row, counted once by its first reason, in words, most common first, so the parts add up to
    the rows rejected. ``errors`` are (row, code, column, message) of the rejecting problems, in the order found."""
    first: dict[int, tuple[str | None, str | None, str]] = {}
    for row, code, column, message in errors:
        first.setdefault(row, (code, column, message))
    counts: dict[str, list[int]] = {}
    for code, column, message in first.values():
        if code == ENDED:
            key = "dissolved"
        elif message.startswith("Same organisation as row"):
            key = "repeat"
        else:
            key = f"column:{column}" if column else "other"
        counts.setdefault(key, [0])[0] += 1
    words = []
    for key, (n,) in sorted(counts.items(), key=lambda item: -item[1][0]):
        if key == "dissolved":
            text = "the file says " + ("it is" if n == 1 else "they are") + " dissolved, removed or struck off"
        elif key == "repeat":
            text = "repeats an earlier row" if n == 1 else "repeat an earlier row"
        elif key.startswith("column:"):
            text = ("has a problem" if n == 1 else "have a problem") + f' in the "{key.removeprefix("column:")}" column'
        else:
            text = "has another problem" if n == 1 else "have other problems"
        words.append((text, n))
    return words


#: The lifecycle's names, re-exported while callers move to :mod:`app.domain.imports.lifecycle`.
__all__ = [
    "CHECKED_OR_DONE",
    "COUNT_KEYS",
    "COUNT_LABELS",
    "DECIDABLE",
    "FINAL_OUTCOMES",
    "MAPPABLE",
    "POSSIBLE_MATCH",
    "SHOWN_WHEN_ANY",
    "STARTS_FROM",
    "UNDOABLE",
    "ImportStatus",
    "ImportStep",
    "RowOutcome",
    "StepRefused",
    "counts_add_up",
    "counts_of",
    "may_run",
    "may_start",
    "outcome_total",
    "refusal",
    "require_status",
    "rows_to_change",
    "running_step",
]
