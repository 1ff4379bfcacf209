"""How the register says things to people: facts as values, and the audit trail in words.

One home for the rules that turn stored values (pence, ISO dates, enum codes, yes/no, True/False) into what a
page shows, so the provider's page, the officer's review page, Check your answers, records and the audit log
all say "£85,000", "3 December 2026" and "Yes" the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from app.domain.labelled import LabelledEnum
from app.domain.locality import Locality
from app.domain.policy import (
    ContractType,
    LocalityRule,
    Reservation,
    VatBasis,
    describe_range,
    format_pence,
)
from app.domain.providers import (
    IDENTIFIER_SCHEMES,
    MONEY_FACTS,
    EvidenceState,
    FactKind,
    LegalForm,
    Placement,
    ProviderStatus,
    SiteKind,
)
from app.domain.records import RecordStatus
from app.domain.registration import JoinRequestStatus
from app.domain.roles import Role
from app.domain.text import plain_int

# --- Values --------------------------------------------------------------------------------------------------------

NOT_KNOWN = "Not known"

#: Facts held as a percentage (the form strips the % sign; it is put back for reading).
PERCENT_FACTS = frozenset({FactKind.DIVIDEND_CAP, FactKind.LOCAL_STAFF_SHARE})
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$", re.ASCII)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", re.ASCII)


def yes_no(value: bool) -> str:
    """'Yes' or 'No'."""
    return "Yes" if value else "No"


def sentence_case(text: str) -> str:
    """Capitalise the first letter only, so 'CIC' and 'VAT' inside the text keep their capitals."""
    return text[:1].upper() + text[1:]


def in_sentence(text: str) -> str:
    """A label inside a sentence: 'Community interest company (CIC)' -> 'community interest company (CIC)'.

    Only the first letter is lowered, and not at all when the first word is an abbreviation ('VAT', 'NHS'),
    so the capitals a label's own words need are kept (Jinja's ``lower`` would give 'cic' and 'vat').
    """
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def govuk_date(value: date | datetime | str | None) -> str:
    """'3 December 2026', the GOV.UK way (no leading zero, month in words); an ISO date text is read first."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    return f"{value.day} {value:%B %Y}" if value else ""


def govuk_datetime(value: datetime | str | None) -> str:
    """'3 December 2026 at 9:05am'."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    return f"{govuk_date(value)} at {hour}:{value:%M}{'am' if value.hour < 12 else 'pm'}"


def fact_text(kind: FactKind, value: str | None) -> str:
    """A fact's value as people read it: money in pounds, shares as percentages, Yes/No, 'Not known'."""
    if value is None or not value.strip():
        return NOT_KNOWN
    text = value.strip()
    number = plain_int(text)
    if kind in MONEY_FACTS and number is not None:  # held in pence
        return format_pence(number)
    if kind in PERCENT_FACTS and _NUMBER.match(text.rstrip("%").strip()):
        return f"{text.rstrip('%').strip()}%"
    if kind == FactKind.STAFF_COUNT and number is not None:
        return f"{number:,}"
    if text.casefold() in ("yes", "true"):
        return "Yes"
    if text.casefold() in ("no", "false"):
        return "No"
    if text.casefold() == "not known":
        return NOT_KNOWN
    return sentence_case(text)


#: Geocoders by the name the configuration and the database use, in words.
GEOCODER_NAMES = {
    "postcode_directory": "the ONS postcode directory",
    "nominatim": "OpenStreetMap (Nominatim)",
    "import": "the council's import",
}


def geocoder_name(name: str | None) -> str:
    """Which geocoder placed something, in words ('postcode_directory' -> 'the ONS postcode directory')."""
    if not name:
        return ""
    return GEOCODER_NAMES.get(name.strip().lower(), name.replace("_", " "))


def identifier_label(scheme: str) -> str:
    """What a registration number is called ('GB-COH' -> 'Companies House number'), never the org-id prefix."""
    found = IDENTIFIER_SCHEMES.get(scheme)
    return f"{found.register} number" if found else "Registration number"


def split_org_id(org_id: str) -> tuple[str, str]:
    """An org-id as people read it: 'GB-COH-01234567' -> ('Companies House number', '01234567')."""
    for prefix in sorted(IDENTIFIER_SCHEMES, key=len, reverse=True):
        if org_id.startswith(prefix + "-"):
            return identifier_label(prefix), org_id[len(prefix) + 1 :]
    return identifier_label(""), org_id


def _date_text(text: str) -> str | None:
    try:
        if _ISO_DATE.match(text):
            return govuk_date(date.fromisoformat(text))
        if _ISO_DATETIME.match(text):
            return govuk_datetime(datetime.fromisoformat(text))
    except ValueError:
        return None
    return None


def plain_value(value: object) -> str | None:
    """Any stored value in words, or None when there is nothing to say (None, empty)."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, LabelledEnum):
        return value.label
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return govuk_datetime(value)
    if isinstance(value, date):
        return govuk_date(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str):
        return _date_text(value) or ", ".join(line.strip() for line in value.splitlines() if line.strip())
    if isinstance(value, Mapping):
        parts = [f"{inner_label(str(k))} {v}" for k, v in ((k, plain_value(v)) for k, v in value.items()) if v]
        return ", ".join(parts) or None
    if isinstance(value, Iterable):
        items = [text for text in (plain_value(v) for v in value) if text]
        return ", ".join(items) or None
    return str(value)


# --- The audit trail in words ---------------------------------------------------------------------------------------

#: What each recorded action means, in words. An action not listed is spelt out from its name.
ACTIONS: dict[str, str] = {
    "audit_log.exported": "Audit log downloaded",
    "deprivation_release.activated": "Index of Multiple Deprivation loaded",
    "fact.verified": "Fact checked by the council",
    "identifier.verified": "Registration number checked by the council",
    "import.committed": "Import completed",
    "import.failed": "Import failed",
    "import.mapping_confirmed": "Columns of an import matched",
    "import.matches_decided": "Matches in an import decided",
    "import.undone": "Import undone",
    "import.uploaded": "File uploaded for import",
    "import_batch.created": "Demo import recorded",
    "invitation.accepted": "Invitation to join accepted",
    "invitation.sent": "Colleague invited",
    "join_request.approved": "Request to join approved",
    "join_request.declined": "Request to join declined",
    "join_request.made": "Asked to join an organisation",
    "postcode_release.activated": "ONS postcode directory release loaded",
    "provider.areas_served_changed": "Areas served changed",
    "provider.change_to_check": "Change sent for checking",
    "provider.register_check_flagged": "Public register check found something to look at",
    "provider.register_details_confirmed": "Public register details confirmed",
    "provider.changes_requested": "Changes asked for",
    "provider.contact_changed": "Contact details changed",
    "provider.facts_changed": "Ownership, size or fair-work answers changed",
    "provider.flagged_by_import": "Flagged by an import for the council to check",
    "provider.identifiers_changed": "Registration numbers changed",
    "provider.imported": "Organisation imported",
    "provider.legal_form_changed": "Type of organisation changed",
    "provider.locality_changed": "Whether it is local changed",
    "provider.names_changed": "Name changed",
    "provider.queued_for_checks": "Queued for checks",
    "provider.registration_started": "Registration started",
    "provider.rejected": "Organisation rejected",
    "provider.services_changed": "Services changed",
    "provider.submitted": "Sent for checking",
    "provider.verified": "Verified and published",
    "record.closed": "Commissioning record closed",
    "record.created": "Commissioning record saved",
    "record.notes_updated": "Notes on a commissioning record changed",
    "reference_data.loaded": "Reference data loaded",
    "register_release.activated": "Public register release loaded",
    "search.reindexed": "Search index rebuilt",
    "site.added": "Premises added",
    "site.address_changed": "Address of premises changed",
    "site.placed": "Premises placed on the map",
    "site.removed": "Premises removed",
    "sites.relocated": "Premises placed again",
    "spend.category_mapped": "Spending category matched to a service",
    "spend.category_unmapped": "Spending category's match to a service removed",
    "spend.drop": "Spending file dropped before importing",
    "spend.failed": "Spending file's import failed",
    "spend.import": "Spending file imported",
    "spend.mapping": "Columns of a spending file matched",
    "spend.undo": "Spending file's import undone",
    "spend.upload": "Spending file uploaded",
    "spend_supplier.excluded": "Supplier left out of the spend measure",
    "spend_supplier.linked": "Supplier linked to an organisation on the register",
    "spend_supplier.placed": "Supplier placed by a postcode",
    "spend_supplier.reopened": "Supplier's attribution reopened",
    "spend_supplier.suggestion_confirmed": "Supplier's possible match confirmed",
    "spend_supplier.suggestion_rejected": "Supplier's possible match rejected",
    "spend_band.added": "Spend band added",
    "spend_band.changed": "Spend band changed",
    "spend_band.retired": "Spend band retired",
    "user.account_creation_attempted": "Someone tried to create another account with this email address",
    "user.created": "Account created",
    "user.email_confirmed": "Email address confirmed",
    "user.password_reset": "Password reset",
    "user.password_reset_requested": "Password reset asked for",
    "user.sign_in_locked": "Sign-in locked after repeated failures",
    "user.signed_in": "Signed in",
    "user.signed_out": "Signed out",
    "user.signed_out_everywhere": "Signed out everywhere",
}

#: What a record of each type is called.
ENTITY_NOUNS: dict[str, str] = {
    "audit_log": "audit log",
    "commissioning_record": "commissioning record",
    "import_batch": "import",
    "postcode_release": "postcode directory release",
    "provider": "organisation",
    "seed": "reference data",
    "site": "premises",
    "spend_band": "spend band",
    "spend_batch": "spending file",
    "spend_supplier": "supplier paid",
    "deprivation_release": "deprivation index release",
    "user": "account",
}

#: The field a bare 'from'/'to' pair describes, for actions that record one value changing.
ACTION_FIELDS: dict[str, str] = {
    "provider.legal_form_changed": "legal_form",
    "provider.verified": "status",
    "provider.changes_requested": "status",
    "provider.rejected": "status",
    "provider.queued_for_checks": "status",
    "provider.locality_changed": "locality",
    "provider.areas_served_changed": "areas",
    "record.closed": "record_status",
    "site.placed": "place",
    "identifier.verified": "evidence",
    "fact.verified": "evidence",
}

#: Field names in words. Others are spelt out from the name.
KEY_LABELS: dict[str, str] = {
    "address": "Address",
    "address_public": "Address shown to the public",
    "advertised": "Advertised",
    "areas": "Areas served",
    "band": "Spend band",
    "bulk": "Changed with others in one action",
    "by": "Placed using",
    "changed": "What changed",
    "claim": "Claiming an unclaimed entry",
    "code": "Code",
    "contact_email": "Contact email address",
    "contact_name": "Contact name",
    "contact_phone": "Telephone",
    "council_id": "Council",
    "counts": "How many",
    "decisions": "Decisions",
    "description": "Description",
    "district": "District",
    "effective_from": "Takes effect on",
    "effective_to": "Ends on",
    "email": "Email address",
    "error": "What went wrong",
    "evidence": "Evidence before the check",
    "file_name": "File",
    "import_batch": "Import",
    "import_batch_id": "Import",
    "kind": "Fact",
    "label": "Name",
    "legal_form": "Type of organisation",
    "locality": "Whether it is local",
    "locality_rule": "Where providers must be based",
    "lower": "Lower limit",
    "mapping": "Columns",
    "message": "Message",
    "min_quotes": "Minimum quotes",
    "minutes": "Locked for",
    "moved_with": "Moved to stay next to",
    "name": "Name",
    "note": "Note",
    "notes": "Notes",
    "org_id": "Registration number",
    "outcome": "Outcome",
    "place": "Where it is",
    "placed": "Placed",
    "placement": "Placed by",
    "postcode": "Postcode",
    "provider_id": "Organisation",
    "provider_ids": "Organisations shortlisted",
    "range": "Range",
    "rationale": "Why",
    "reason": "Reason",
    "row": "Row in the file",
    "record_status": "Status",
    "replaced": "Replaced",
    "reservation": "Reserved to",
    "resubmitted": "Sent again after changes",
    "role": "Role",
    "route": "Route",
    "rows": "Rows",
    "saved_as": "Saved as",
    "site_kind": "Type of premises",
    "services": "Services",
    "sha256": "File fingerprint (SHA-256)",
    "size": "Size (bytes)",
    "source_name": "Source",
    "source_reference": "Reference in the source",
    "status": "Status",
    "step": "Step",
    "title": "Title",
    "town": "Town",
    "trading_name": "Trading name",
    "upper": "Upper limit",
    "user_id": "Account",
    "vat_basis": "VAT",
    "website": "Website",
}

#: Enum-valued fields: the stored code is shown as the enum's label.
ENUM_FIELDS: dict[str, type[LabelledEnum]] = {
    "contract_type": ContractType,
    "evidence": EvidenceState,
    "kind": FactKind,
    "legal_form": LegalForm,
    "locality": Locality,
    "locality_rule": LocalityRule,
    "placement": Placement,
    "record_status": RecordStatus,
    "reservation": Reservation,
    "role": Role,
    "site_kind": SiteKind,
    "status": ProviderStatus,
    "join_status": JoinRequestStatus,
    "vat_basis": VatBasis,
}

#: Fields holding a reference to another record, by the type of record, so its name can be shown instead.
REFERENCE_FIELDS: dict[str, str] = {
    "provider_id": "provider",
    "provider_ids": "provider",
    "user_id": "user",
    "council_id": "council",
    "import_batch": "import_batch",
    "import_batch_id": "import_batch",
    "moved_with": "spend_band",
    "areas": "area",
    "district": "area",
    "place": "area",
    "services": "service",
    "band": "band_code",  # a commissioning record's band, by its code ('A'), named by the band's label
}

#: Fields never shown: internal keys that say nothing to an officer.
HIDDEN_FIELDS = frozenset({"id", "replaces", "join_request_id", "lower_is_statutory_threshold"})

THRESHOLD_WORDS = "the statutory threshold"

FACT_KEYS = frozenset(kind.value for kind in FactKind)

#: Names of other records, by (record type, id as text), looked up by the caller.
Names = Mapping[tuple[str, str], str]


@dataclass(frozen=True)
class Detail:
    """One thing an event says: a value, or a value that changed from ``before`` to ``after``."""

    label: str
    after: str | None
    before: str | None = None
    changed: bool = False

    @property
    def text(self) -> str:
        if not self.changed:
            return f"{self.label}: {self.after}"
        if self.before is None:
            return f"{self.label}: {self.after} (added)"
        if self.after is None:
            return f"{self.label}: {self.before} (removed)"
        return f"{self.label}: {self.before} → {self.after}"


@dataclass(frozen=True)
class EventWording:
    """An audit event in words: what happened, and the details worth reading."""

    summary: str
    details: tuple[Detail, ...]

    @property
    def details_text(self) -> str:
        """The details on one line, for a CSV cell."""
        return "; ".join(d.text for d in self.details)


def action_text(action: str) -> str:
    """What an action means in words; an unlisted one is spelt out ('session.ended' -> 'Session ended')."""
    if action in ACTIONS:
        return ACTIONS[action]
    return sentence_case(action.replace(".", " ").replace("_", " ").strip()) or "Something happened"


def entity_noun(entity_type: str) -> str:
    """What a record of this type is called ('organisation', 'spend band')."""
    return ENTITY_NOUNS.get(entity_type, entity_type.replace("_", " "))


def key_label(key: str) -> str:
    """A field name in words ('upper_pence' -> 'Upper limit')."""
    if key in KEY_LABELS:
        return KEY_LABELS[key]
    if key in FACT_KEYS:
        return FactKind(key).label
    if key in IDENTIFIER_SCHEMES:
        return identifier_label(key)
    base = key.removesuffix("_pence").removesuffix("_id")
    return KEY_LABELS.get(base, sentence_case(base.replace("_", " ")))


def inner_label(key: str) -> str:
    """A field name inside a longer phrase: 'created 2', but 'SHA-256' keeps its capitals."""
    label = key_label(key)
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def field_value(key: str, value: object, names: Names) -> str | None:
    """A stored value of field ``key`` in words: money as money, codes as labels, ids as names."""
    if value is None or value == "" or value == []:
        return None
    if key.endswith("_pence") and isinstance(value, int) and not isinstance(value, bool):
        return format_pence(value)
    if key in FACT_KEYS and isinstance(value, str):
        return fact_text(FactKind(key), value)
    if key == "minutes" and isinstance(value, int) and not isinstance(value, bool):
        return f"{value} minute{'' if value == 1 else 's'}"
    if key == "by" and isinstance(value, str):
        return sentence_case(geocoder_name(value))
    if key in ENUM_FIELDS and isinstance(value, str):
        try:
            return ENUM_FIELDS[key](value).label
        except ValueError:
            return value
    if key in REFERENCE_FIELDS:
        kind = REFERENCE_FIELDS[key]
        items = value if isinstance(value, list) else [value]
        named = [names.get((kind, str(item)), str(item)) for item in items if item is not None]
        return ", ".join(named) or None
    if key == "counts" and isinstance(value, Mapping):
        return _counts_text(value)
    if key == "mapping" and isinstance(value, Mapping):  # an import's columns: 'name from column "Society Name"'
        return "; ".join(f'{inner_label(str(k))} from column "{v}"' for k, v in value.items() if v) or None
    if isinstance(value, Mapping):
        pairs = ((k, field_value(str(k), v, names)) for k, v in value.items())
        parts = [f"{inner_label(str(k))} {v}" for k, v in pairs if v]
        return ", ".join(parts) or None
    return plain_value(value)


def _counts_text(counts: Mapping[str, Any]) -> str | None:
    """What a load or an import counted: 'areas 650 created; CPV codes 9,454 created, 0 updated'."""
    parts = []
    for name, value in counts.items():
        if isinstance(value, Mapping):
            inner = ", ".join(f"{plain_value(n) or 0} {inner_label(str(k))}" for k, n in value.items())
            parts.append(f"{name} {inner}" if inner else str(name))
        elif (text := plain_value(value)) is not None:
            parts.append(f"{inner_label(str(name))} {text}")
    return "; ".join(parts) or None


def _band_limits(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """A spend band's stored limits as one range in words, first, in place of the pence and threshold flags."""
    # The dates a version runs between are the event's own 'effective_from'/'effective_to', said once.
    hidden = {"lower_pence", "upper_pence", "effective_from", "effective_to"}
    rest = {k: v for k, v in snapshot.items() if k not in hidden and "statutory" not in k}
    lower, upper = snapshot.get("lower_pence") or 0, snapshot.get("upper_pence")
    lower_text = THRESHOLD_WORDS if snapshot.get("lower_is_statutory_threshold") else None
    upper_text = THRESHOLD_WORDS if snapshot.get("upper_is_statutory_threshold") else None
    if lower_text or upper_text:
        low = lower_text or format_pence(lower)
        high = upper_text or (format_pence(upper - 1) if isinstance(upper, int) else "")
        return {"range": f"{low} up to {high}" if high else f"{low} and above", **rest}
    if "lower_pence" in snapshot or "upper_pence" in snapshot:
        return {"range": describe_range(lower, upper if isinstance(upper, int) else None), **rest}
    return rest


def _pairs(action: str, changes: Mapping[str, Any]) -> Iterable[tuple[str, object, object, bool]]:
    """(field, before, after, is_a_change) for everything an event's changes hold."""
    before = changes.get("before", changes.get("from"))
    after = changes.get("after", changes.get("to"))
    has_pair = ("from" in changes and "to" in changes) or ("before" in changes and "after" in changes)
    rest = {k: v for k, v in changes.items() if k not in {"from", "to", "before", "after"}}
    if rest.get("kind") in FACT_KEYS and "value" in rest:  # a fact: 'Annual turnover: £85,000'
        rest[str(rest.pop("kind"))] = rest.pop("value")
    if has_pair:
        if action.startswith("spend_band."):
            before = _band_limits(before) if isinstance(before, Mapping) else before
            after = _band_limits(after) if isinstance(after, Mapping) else after
        if isinstance(before, Mapping) or isinstance(after, Mapping):
            old = before if isinstance(before, Mapping) else {}
            new = after if isinstance(after, Mapping) else {}
            for key in [*new, *(k for k in old if k not in new)]:
                if before is None:  # something new: what it is
                    yield key, None, new.get(key), False
                elif old.get(key) != new.get(key):
                    yield key, old.get(key), new.get(key), True
        else:
            yield ACTION_FIELDS.get(action, "value"), before, after, True
    elif "from" in changes and action in ACTION_FIELDS:  # 'from' only: the state it was in before
        yield ACTION_FIELDS[action], None, changes["from"], False
        rest.pop("from", None)
    for key, value in rest.items():
        if isinstance(value, Mapping) and ("from" in value or "to" in value):
            yield key, value.get("from"), value.get("to"), True
        else:
            yield key, None, value, False


def describe_event(action: str, changes: Mapping[str, Any] | None, names: Names | None = None) -> EventWording:
    """An audit event in words: 'Spend band changed', 'Range: £5,000 to £181,000 → £5,000 to £99,999.99'."""
    names = names or {}
    details: list[Detail] = []
    for key, before, after, is_change in _pairs(action, changes or {}):
        if key in HIDDEN_FIELDS:
            continue
        if key == "kind" and action.startswith("site."):  # a premises' kind, not a fact's
            key = "site_kind"
        label = "Value" if key == "value" else key_label(key)
        after_text = field_value(key, after, names)
        if is_change:
            before_text = field_value(key, before, names)
            if before_text == after_text:
                continue
            details.append(Detail(label, after_text, before_text, changed=True))
        elif after_text is not None:
            details.append(Detail(label, after_text))
    return EventWording(action_text(action), tuple(details))


def references(action: str, changes: Mapping[str, Any] | None) -> set[tuple[str, str]]:
    """The (record type, id) pairs an event's changes refer to, so their names can be looked up at once."""
    found: set[tuple[str, str]] = set()

    def walk(key: str, value: object) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(key if k in {"from", "to"} else str(k), v)
        elif isinstance(value, list) and key in REFERENCE_FIELDS:
            found.update((REFERENCE_FIELDS[key], str(item)) for item in value if item is not None)
        elif key in REFERENCE_FIELDS and value is not None and not isinstance(value, bool):
            found.add((REFERENCE_FIELDS[key], str(value)))

    for key, value in (changes or {}).items():
        walk(ACTION_FIELDS.get(action, key) if key in {"from", "to", "before", "after"} else key, value)
    return found


def subject_text(entity_type: str, entity_id: str | None, name: str | None) -> str:
    """The record an event is about, by name: 'Knowsley Mutual', or 'an organisation no longer on the register'."""
    if name:
        return name
    noun = entity_noun(entity_type)
    if entity_id is None:
        return sentence_case(noun) if entity_type in ("audit_log", "seed") else ""
    return f"{sentence_case(noun)} no longer on the register (reference {entity_id})"


#: Keys in an event's own changes that name its record when the record itself has gone.
NAME_KEYS = ("name", "title", "label", "file_name", "source_name", "email")


def name_from_changes(changes: Mapping[str, Any] | None) -> str | None:
    """A name an event's changes carry for its record (used when the record has since been removed)."""
    if not changes:
        return None
    for source in (changes, changes.get("after"), changes.get("to")):
        if isinstance(source, Mapping):
            for key in NAME_KEYS:
                if isinstance(source.get(key), str) and source[key].strip():
                    return str(source[key])
    return None
