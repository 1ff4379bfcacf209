"""What an import changes on a provider it updates, and the bulk SQL that writes the providers it creates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.domain.eligibility import generative_signals, signal_score
from app.domain.imports.lifecycle import RowOutcome
from app.domain.imports.rows import ParsedRow
from app.domain.providers import (
    IDENTIFIER_SCHEMES,
    EvidenceState,
    LegalForm,
    Placement,
    ProviderSource,
    ProviderStatus,
    SiteKind,
)
from app.geo.placement import PlacementResult, apply_placement
from app.models import (
    ImportBatch,
    Provider,
    ProviderIdentifier,
    ProviderSearchDocument,
    ServiceCategory,
    Site,
    provider_services,
)
from app.services import fulltext
from app.services.imports.bulk import BulkTable, Row, refresh_statistics, reserve_ids
from app.services.imports.plans import RowPlan
from app.services.imports.snapshots import digest, snapshot_of_new

_NO_POSTCODE = "No postcode in the imported file"


def _trading_name(row: ParsedRow) -> str | None:
    if row.trading_name and row.name and row.trading_name.casefold() != row.name.casefold():
        return row.trading_name
    return None


def _scalar_values(row: ParsedRow) -> dict[str, Any]:
    """Provider fields the row gives (blank cells left out: they never erase)."""
    values: dict[str, Any] = {
        "name": row.name,
        "trading_name": _trading_name(row),
        "legal_form": row.legal_form,
        "description": row.description,
        "website": row.website,
        "contact_email": row.email,
        "contact_phone": row.phone,
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


def _registered_office(provider: Provider) -> Site | None:
    offices = [s for s in provider.sites if s.kind == SiteKind.REGISTERED_OFFICE]
    return offices[0] if offices else None


def site_values(row: ParsedRow) -> dict[str, Any]:
    """The registered office the row gives: its address lines (ending with the town), town and postcode."""
    address_lines = [line for line in (row.address or "").splitlines() if line]
    if row.town and (not address_lines or address_lines[-1].casefold() != row.town.casefold()):
        address_lines.append(row.town)
    return {"address": "\n".join(address_lines) or None, "town": row.town, "postcode": row.postcode}


def differences(provider: Provider, plan: RowPlan) -> dict[str, Any]:
    """What an import of this row would change on this provider, field by field (empty: unchanged)."""
    row = plan.row
    claimed = provider.claimed
    changes: dict[str, Any] = {}
    for name, value in _scalar_values(row).items():
        current = getattr(provider, name)
        if name == "legal_form" and value == LegalForm.UNKNOWN:
            continue
        blank = current in (None, "") or (name == "legal_form" and current == LegalForm.UNKNOWN)
        if current != value and (blank or not claimed):
            changes[name] = value
    # A number is added only where the register holds none from that scheme (the planner warns otherwise).
    if row.org_id and scheme_of(row.org_id) not in {i.scheme for i in provider.identifiers}:
        changes["identifier"] = row.org_id
    office_values = site_values(row)
    if any(office_values.values()):
        office = _registered_office(provider)
        if office is None:
            if not claimed or not provider.sites:
                changes["registered_office"] = office_values
        elif not claimed:
            current = {"address": office.address, "town": office.town, "postcode": office.postcode}
            wanted = {k: v if v is not None else current[k] for k, v in office_values.items()}
            if wanted != current:
                changes["registered_office"] = wanted
    if plan.service_ids:
        have = {c.id for c in provider.services}
        missing = [i for i in plan.service_ids if i not in have]
        if missing:
            changes["services"] = missing
    return changes


def apply_changes(
    provider: Provider,
    changes: Mapping[str, Any],
    plan: RowPlan,
    categories: Mapping[int, ServiceCategory],
    now: datetime,
    batch_id: int | None = None,
) -> None:
    """Make the changes :func:`differences` found on the provider (its office placed again if it moved)."""
    for name in ("name", "trading_name", "legal_form", "description", "website", "contact_email", "contact_phone"):
        if name in changes:
            setattr(provider, name, changes[name])
    if "identifier" in changes:
        provider.identifiers.append(_identifier(changes["identifier"], batch_id, _evidence(plan)))
    if "registered_office" in changes:
        office = _registered_office(provider)
        values = changes["registered_office"]
        if office is None:
            office = Site(kind=SiteKind.REGISTERED_OFFICE, address_public=True)
            provider.sites.append(office)
        moved = office.postcode != values["postcode"]
        office.address, office.town, office.postcode = values["address"], values["town"], values["postcode"]
        if moved or office.placement == Placement.NOT_PLACED:
            _place_site(office, plan, now)
    if "services" in changes:
        provider.services.extend(categories[i] for i in changes["services"] if i in categories)


#: Every scheme's code is two words joined by a hyphen ('GB-COH'), so an org-id's scheme is its first two words.
_TWO_WORD_SCHEMES = all(code.count("-") == 1 for code in IDENTIFIER_SCHEMES)


def scheme_of(identifier: str) -> str:
    """'GB-COH-01234567' -> 'GB-COH'; '' when it starts with no scheme's code and a hyphen."""
    if _TWO_WORD_SCHEMES:  # a lookup, not a loop: it runs for every row of an import
        first, _, rest = identifier.partition("-")
        second, hyphen, _ = rest.partition("-")
        code = f"{first}-{second}"
        return code if hyphen and code in IDENTIFIER_SCHEMES else ""
    return next((code for code in IDENTIFIER_SCHEMES if identifier.startswith(f"{code}-")), "")


def _identifier_parts(identifier: str) -> tuple[str, str, str]:
    """'GB-COH-01234567' -> ('GB-COH', '01234567', 'GB-COH-01234567')."""
    scheme = scheme_of(identifier)
    return scheme, identifier.removeprefix(f"{scheme}-"), identifier


def _identifier(
    identifier: str, batch_id: int | None = None, evidence: EvidenceState = EvidenceState.COUNCIL_IMPORT
) -> ProviderIdentifier:
    """A number as an import records it: from the council's import (naming the batch), not self-declared, or
    matched to a public register when the register gave it."""
    scheme, value, org_id = _identifier_parts(identifier)
    return ProviderIdentifier(
        scheme=scheme,
        value=value,
        org_id=org_id,
        evidence=evidence,
        import_batch_id=batch_id,
    )


def _evidence(plan: RowPlan) -> EvidenceState:
    """How a row's number is known: the file gave it (the council's import), or a public register did (the row's
    exact name and postcode matched one organisation there)."""
    return EvidenceState.REGISTER_MATCHED if plan.number_from_register else EvidenceState.COUNCIL_IMPORT


def _place_site(site: Site, plan: RowPlan, now: datetime) -> None:
    apply_placement(site, plan.placement or PlacementResult(Placement.NOT_PLACED, None, note=_NO_POSTCODE), now)


_PROVIDER_COLUMNS = (
    "id",
    "name",
    "trading_name",
    "legal_form",
    "description",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "status",
    "status_changed_at",
    "submitted_at",
    "verified_at",
    "source",
    "import_batch_id",
    "source_reference",
    "claimed",
    "awaiting_review",
    "signal_score",
    "dissolved_on",
    "created_at",
    "updated_at",
)
_SITE_COLUMNS = (
    "provider_id",
    "kind",
    "address_public",
    "address",
    "town",
    "postcode",
    "latitude",
    "longitude",
    "placement",
    "placed_by",
    "placed_at",
    "placement_note",
    "district_code",
    "ward_code",
    "created_at",
    "updated_at",
)
_IDENTIFIER_COLUMNS = ("provider_id", "scheme", "value", "org_id", "evidence", "import_batch_id")
#: An ImportChange as the commit writes it (created and updated alike).
CHANGE_COLUMNS = ("batch_id", "provider_id", "row_number", "action", "before", "after_digest")
#: New organisations written after which the planner's statistics are refreshed, once (see refresh_statistics).
ANALYZE_AFTER = 5000


class NewProviders:
    """Writes the organisations a batch creates, a chunk at a time, with their registered offices, numbers, services
    and search documents, in bulk (:mod:`.bulk`: COPY on PostgreSQL, one prepared executemany on SQLite): the ORM's
    unit of work is ten times slower for a big file, and a multi-row INSERT ... RETURNING several times slower than
    COPY on PostgreSQL."""

    def __init__(
        self, session: Session, batch: ImportBatch, categories: Mapping[int, ServiceCategory], now: datetime
    ) -> None:
        self.session = session
        self.batch_id = batch.id
        self.publish = batch.publish_verified
        self.now = now
        dialect = session.get_bind().dialect
        self.providers = BulkTable(table_of(Provider), _PROVIDER_COLUMNS, dialect)
        self.sites = BulkTable(table_of(Site), _SITE_COLUMNS, dialect)
        self.identifiers = BulkTable(table_of(ProviderIdentifier), _IDENTIFIER_COLUMNS, dialect)
        self.services = BulkTable(provider_services, ("provider_id", "category_id"), dialect)
        self.documents = BulkTable(table_of(ProviderSearchDocument), ("provider_id", "document"), dialect)
        # Plain copies, read once: the session's own categories are expired after every chunk (and reloaded one
        # query each when read again), and a search document or a snapshot only needs their words.
        self.categories = {
            c.id: ServiceCategory(id=c.id, slug=c.slug, name=c.name, description=c.description)
            for c in categories.values()
        }
        self._scores: dict[LegalForm, int] = {}
        self.written = 0
        self._analyzed = False

    def _signal_score(self, form: LegalForm) -> int:
        # A new organisation has no facts and no checked numbers: its score is its legal form's.
        if form not in self._scores:
            self._scores[form] = signal_score(generative_signals(form, {}, 0))
        return self._scores[form]

    def write(self, plans: list[RowPlan]) -> list[Row]:
        """Write new organisations; returns their ImportChange rows (:data:`CHANGE_COLUMNS`), each with the digest of
        the provider exactly as :func:`snapshot` will read it back, so undo can tell whether anyone has changed it
        since."""
        if not plans:
            return []
        now = self.now
        ids = reserve_ids(self.session, table_of(Provider), len(plans))
        providers: list[Row] = []
        sites: list[Row] = []
        identifiers: list[Row] = []
        services: list[Row] = []
        documents: list[Row] = []
        changes: list[Row] = []
        for plan, provider_id in zip(plans, ids, strict=True):
            row = plan.row
            form = row.legal_form or LegalForm.UNKNOWN
            # A dissolved organisation the officer chose to keep is archived: never published, whatever they chose
            # for the rest of the file.
            archived = plan.outcome == RowOutcome.ARCHIVED
            publish = self.publish and not archived
            if archived:
                status = ProviderStatus.ARCHIVED
            else:
                status = ProviderStatus.VERIFIED if publish else ProviderStatus.SUBMITTED
            values: dict[str, Any] = {
                "name": row.name,
                "trading_name": _trading_name(row),
                "legal_form": form,
                "description": row.description,
                "website": row.website,
                "contact_name": None,
                "contact_email": row.email,
                "contact_phone": row.phone,
                "status": status,
                "claimed": False,
                "awaiting_review": False,
            }
            providers.append(
                (
                    provider_id,
                    values["name"],
                    values["trading_name"],
                    form,
                    values["description"],
                    values["website"],
                    None,
                    values["contact_email"],
                    values["contact_phone"],
                    status,
                    now,
                    now,
                    now if publish else None,
                    ProviderSource.IMPORTED,
                    self.batch_id,
                    row.source_reference,
                    False,
                    False,
                    self._signal_score(form),
                    row.status.on if archived else None,
                    now,
                    now,
                )
            )
            site_rows = []
            office_values = site_values(row)
            if any(office_values.values()):
                site = {
                    "kind": SiteKind.REGISTERED_OFFICE,
                    "address_public": True,
                    **office_values,
                    **_placement_values(plan, now),
                }
                site_rows.append(site)
                sites.append((provider_id, *(site[name] for name in _SITE_COLUMNS[1:-2]), now, now))
            identifier = _identifier_parts(row.org_id) if row.org_id else None
            evidence = _evidence(plan)
            if identifier is not None:
                identifiers.append((provider_id, *identifier, evidence, self.batch_id))
            chosen = [self.categories[i] for i in plan.service_ids if i in self.categories]
            services += [(provider_id, c.id) for c in chosen]
            documents.append(
                (
                    provider_id,
                    fulltext.document_text(
                        values["name"],
                        values["trading_name"],
                        form,
                        values["description"],
                        chosen,
                        [s["town"] for s in site_rows],
                    ),
                )
            )
            state = snapshot_of_new(values, site_rows, [identifier] if identifier is not None else [], chosen, evidence)
            changes.append((self.batch_id, provider_id, row.row_number, "created", None, digest(state)))
        self.providers.write(self.session, providers)
        self.sites.write(self.session, sites)
        self.identifiers.write(self.session, identifiers)
        self.services.write(self.session, services)
        self.documents.write(self.session, documents)
        self.written += len(plans)
        if not self._analyzed and self.written >= ANALYZE_AFTER:
            # The rest of the file is matched against these tables: planned for the size they have now.
            refresh_statistics(self.session, [table_of(t) for t in (Provider, Site, ProviderIdentifier)])
            self._analyzed = True
        return changes


def table_of(model: type[Any]) -> Table:
    """A model's table, for bulk statements."""
    return cast(Table, model.__table__)


def _placement_values(plan: RowPlan, now: datetime) -> dict[str, Any]:
    result = plan.placement
    if result is None:
        return {
            "latitude": None,
            "longitude": None,
            "placement": Placement.NOT_PLACED,
            "placed_by": None,
            "placed_at": None,
            "placement_note": _NO_POSTCODE,
            "district_code": None,
            "ward_code": None,
        }
    return {
        "postcode": result.postcode or plan.row.postcode,
        "latitude": result.latitude,
        "longitude": result.longitude,
        "placement": result.placement,
        "placed_by": result.placed_by,
        "placed_at": now if result.placed else None,
        "placement_note": result.note,
        "district_code": result.district_code,
        "ward_code": result.ward_code,
    }
