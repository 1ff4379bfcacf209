"""A council's payees as suppliers: grouped as the files are read, resolved once to the register (by number, exact
name, or a near name for an officer to confirm) and remembered, and the officer's attribution queue.

Resolution is kept per council, so next month's file resolves itself: a supplier already resolved is never
resolved again automatically, a new supplier with the same name as one already attributed takes its resolution,
and an officer's decision (a link, a postcode, an exclusion, a rejected suggestion) is never overwritten by the
automatic matching. Every officer action writes an audit event in the same transaction and reclassifies the
supplier (:mod:`.classify`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy
from rapidfuzz import fuzz, process
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.domain.paging import Paged, clamp_page, offset_of
from app.domain.postcodes import PostcodeError, parse_postcode
from app.domain.providers import IdentifierError, ProviderStatus, org_id
from app.domain.refusals import Refusal
from app.domain.spend.classification import ATTRIBUTED, Exclusion, PlaceBasis, Resolution
from app.domain.spend.shares import percent_text, share, short_money
from app.domain.spend.suppliers import (
    NEAR_NAME_SCORE,
    clean_reference,
    clean_vat_number,
    compact_name,
    comparison_words,
    is_redacted,
    names_search,
    near_name_score,
    normalise_supplier_name,
    suggested_exclusion,
    supplier_key,
    supplier_name_variants,
    whole_name_score,
)
from app.geo.postcode_directory import PostcodeStore
from app.models import Council, Provider, ProviderIdentifier, Site, SpendSupplier
from app.services.audit import Actor, record
from app.services.registers import places_on_registers
from app.services.spend.classify import classify_suppliers, refresh_supplier_totals

__all__ = [
    "NEAR_NAME_SCORE",
    "QUEUE_VIEWS",
    "ResolveReport",
    "SupplierBook",
    "SupplierPage",
    "SupplierRefused",
    "attribution_queue",
    "attribution_summary",
    "confirm_suggestion",
    "exclude_supplier",
    "get_supplier",
    "link_candidates",
    "link_supplier",
    "place_supplier",
    "provider_for_link",
    "refresh_supplier_totals",
    "reject_suggestion",
    "reopen_supplier",
    "resolve_suppliers",
]

#: Names whose words, sorted, are at least this alike (rapidfuzz ratio, 0-100) are scored as near names; the rest
#: cannot reach :data:`NEAR_NAME_SCORE` (a word cut short at the end read whole raises a score by a few points).
NEAR_NAME_SHORTLIST = 75.0
#: Providers that may be matched: anything on the register but archived or rejected records.
NOT_MATCHABLE = frozenset({ProviderStatus.ARCHIVED, ProviderStatus.REJECTED})
#: Names compared at a time when looking for near names (a block of scores is this many rows by every name).
NEAR_BLOCK = 256
#: Ids read or written at a time (well under every database's limit on bound parameters).
ID_CHUNK = 500
#: How the automatic resolution words a redacted payee.
REDACTED_HOW = "redacted in the file"
#: ... and a redacted payee with a VAT number: a business whose name the council withheld, not a person.
REDACTED_BUSINESS_HOW = "redacted in the file: a business with VAT number {vat}, its name withheld"
#: The names each view of the queue shows, in the order the tabs are.
QUEUE_VIEWS = ("to_do", "suggested", "attributed", "excluded", "all")
_NAME_MAX = 300


class SupplierRefused(Refusal):
    """An officer's attribution the rules refuse; ``field`` is the form's question ('provider', 'postcode',
    'basis', 'exclusion') or None for the page as a whole."""


class SupplierLine(Protocol):
    """What the book needs of a payment line (:class:`app.domain.spend.rows.PaymentLine`)."""

    @property
    def supplier_name(self) -> str: ...

    @property
    def supplier_reference(self) -> str | None: ...

    @property
    def vat_number(self) -> str | None: ...

    @property
    def company_number(self) -> str | None: ...


def _company_number(text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    try:
        return org_id("GB-COH", text).removeprefix("GB-COH-")
    except IdentifierError:
        cleaned = " ".join(text.split())
        return cleaned[:20] if clean_reference(cleaned) else None


def _charity_org_id(text: str | None) -> str | None:
    """The org-id of a charity number as a file gives it (England and Wales, Scotland or Northern Ireland)."""
    if not text or not text.strip():
        return None
    squashed = "".join(text.split()).upper()
    scheme = "GB-SC" if squashed.startswith("SC") else "GB-NIC" if squashed.startswith("NIC") else "GB-CHC"
    try:
        return org_id(scheme, squashed)
    except IdentifierError:
        return None


# --- Grouping payments by supplier as a file is read ----------------------------------------------------------------


class SupplierBook:
    """Finds or creates the council's supplier for each payment line, remembering keys as it goes.

    The council's existing keys are read once, on the first line; a new supplier is written at once with a single
    INSERT (its id is needed for its payments), or a chunk of them at a time with :meth:`supplier_ids`. A new
    supplier whose name matches one the council has already attributed (matched, linked, placed or left out) takes
    that resolution, so a supplier that changes its id or VAT number in the finance system is not asked about again;
    one whose charity number is on the register is matched by it.
    """

    def __init__(self, session: Session, council: Council, now: datetime | None = None) -> None:
        self.session = session
        self.council = council
        self.now = now
        self.new_ids: set[int] = set()
        self._ids: dict[str, int] | None = None
        self._attributed: dict[str, dict[str, Any]] | None = None
        self._charities: dict[str, int] | None = None

    def supplier_id(self, line: SupplierLine) -> int:
        """The id of the council's supplier for this line, created if it is new."""
        return self.supplier_ids([line])[0]

    def supplier_ids(self, lines: Sequence[SupplierLine]) -> list[int]:
        """The ids for many lines at once; the new suppliers among them are written in one statement."""
        ids = self._known()
        keys = [supplier_key(line.supplier_reference, line.vat_number, line.supplier_name) for line in lines]
        new: dict[str, dict[str, Any]] = {}
        for key, line in zip(keys, lines, strict=True):
            if key not in ids and key not in new:
                new[key] = self._new_row(key, line)
        if new:
            rows = list(new.values())
            if len(rows) == 1:
                created = [
                    self.session.execute(insert(SpendSupplier).returning(SpendSupplier.id), rows[0]).scalar_one()
                ]
            else:
                created = list(
                    self.session.scalars(
                        insert(SpendSupplier).returning(SpendSupplier.id, sort_by_parameter_order=True), rows
                    )
                )
            for key, supplier_id in zip(new, created, strict=True):
                ids[key] = supplier_id
                self.new_ids.add(supplier_id)
        return [ids[key] for key in keys]

    def _known(self) -> dict[str, int]:
        if self._ids is None:
            self._ids = dict(
                self.session.execute(
                    select(SpendSupplier.key, SpendSupplier.id).where(SpendSupplier.council_id == self.council.id)
                ).all()
            )
        return self._ids

    def _new_row(self, key: str, line: SupplierLine) -> dict[str, Any]:
        row: dict[str, Any] = {
            "council_id": self.council.id,
            "key": key,
            "name": line.supplier_name.strip()[:_NAME_MAX] or line.supplier_name[:_NAME_MAX],
            "supplier_reference": clean_reference(line.supplier_reference),
            "vat_number": clean_vat_number(line.vat_number),
            "company_number": _company_number(line.company_number),
            # Every row has every key, so a chunk of new suppliers is one statement however each was resolved.
            "resolution": Resolution.UNRESOLVED,
            "provider_id": None,
            "postcode": None,
            "place_basis": None,
            "exclusion": None,
            "note": None,
            "resolved_how": None,
            "resolved_at": None,
        }
        # "Redacted" is not a name: payees whose names were withheld are not one supplier, so each is resolved as
        # itself (and a business among them said to be one), never as another redacted payee was.
        same_name = (
            None
            if is_redacted(line.supplier_name)
            else self._attributed_names().get(compact_name(normalise_supplier_name(line.supplier_name)))
        )
        charity = _charity_org_id(getattr(line, "charity_number", None))
        if same_name is not None:
            row.update(same_name)
        elif charity is not None and charity in self._charity_numbers():
            row.update(
                resolution=Resolution.MATCHED,
                provider_id=self._charity_numbers()[charity],
                resolved_how=f"charity number {charity.rsplit('-', 1)[1]}",
                resolved_at=self.now,
            )
        return row

    def _attributed_names(self) -> dict[str, dict[str, Any]]:
        """Compact name -> the resolution a new supplier of that name takes (the council's attributed suppliers)."""
        if self._attributed is None:
            self._attributed = {}
            rows = self.session.execute(
                select(
                    SpendSupplier.name,
                    SpendSupplier.resolution,
                    SpendSupplier.provider_id,
                    SpendSupplier.postcode,
                    SpendSupplier.place_basis,
                    SpendSupplier.exclusion,
                    SpendSupplier.note,
                )
                .where(SpendSupplier.council_id == self.council.id, SpendSupplier.resolution.in_(ATTRIBUTED))
                .order_by(SpendSupplier.id)
            )
            for name, resolution, provider_id, postcode, basis, exclusion, note in rows:
                if is_redacted(name):
                    continue
                self._attributed.setdefault(
                    compact_name(normalise_supplier_name(name)),
                    {
                        "resolution": resolution,
                        "provider_id": provider_id,
                        "postcode": postcode,
                        "place_basis": basis if resolution == Resolution.PLACED else None,
                        "exclusion": exclusion,
                        "note": note,
                        "resolved_how": f"as {name[:150]} (the same name)",
                        "resolved_at": self.now,
                    },
                )
        return self._attributed

    def _charity_numbers(self) -> dict[str, int]:
        if self._charities is None:
            self._charities = dict(
                self.session.execute(
                    select(ProviderIdentifier.org_id, ProviderIdentifier.provider_id)
                    .join(Provider, Provider.id == ProviderIdentifier.provider_id)
                    .where(
                        ProviderIdentifier.scheme.in_(("GB-CHC", "GB-SC", "GB-NIC")),
                        Provider.status.not_in(NOT_MATCHABLE),
                    )
                ).all()
            )
        return self._charities


# --- Resolving to the register --------------------------------------------------------------------------------------


@dataclass
class ResolveReport:
    """What :func:`resolve_suppliers` did with the suppliers it looked at."""

    considered: int = 0
    matched_by_number: int = 0
    matched_by_name: int = 0
    suggested: int = 0
    excluded: int = 0
    #: Placed by their registered office on a public register (not on this register).
    registered: int = 0
    unresolved: int = 0
    #: The suppliers it matched, suggested or left out (to classify after, when they were not all given).
    changed_ids: set[int] = field(default_factory=set, repr=False)

    @property
    def matched(self) -> int:
        return self.matched_by_number + self.matched_by_name


@dataclass
class _Register:
    """The register's names, prepared once for many suppliers: exact (compact) names, and every normalised name with
    its words as near names are compared (sorted), for near matching."""

    by_compact: dict[str, list[int]]
    names: list[str]
    forms: list[str]
    name_ids: list[list[int]]
    rank: dict[int, tuple[int, int]]

    def best(self, ids: Iterable[int]) -> int:
        """Of several providers with one name: a verified one first, then one with premises, then the oldest."""
        return min(ids, key=lambda provider_id: self.rank[provider_id])


def _form(normalised: str) -> str:
    """A normalised name's words as near names are compared, sorted (what a ratio of them makes token_sort_ratio)."""
    return " ".join(sorted(comparison_words(normalised)))


def _register(session: Session) -> _Register:
    placed = select(Site.provider_id).where(Site.district_code.is_not(None)).distinct()
    has_site = {provider_id for (provider_id,) in session.execute(placed)}
    by_compact: dict[str, list[int]] = {}
    by_name: dict[str, list[int]] = {}
    rank: dict[int, tuple[int, int]] = {}
    rows = session.execute(
        select(Provider.id, Provider.name, Provider.trading_name, Provider.status)
        .where(Provider.status.not_in(NOT_MATCHABLE))
        .order_by(Provider.id)
    )
    for provider_id, name, trading_name, status in rows:
        verified = 0 if status == ProviderStatus.VERIFIED else 1
        rank[provider_id] = (verified * 2 + (0 if provider_id in has_site else 1), provider_id)
        for given in (name, trading_name):
            normalised = normalise_supplier_name(given) if given else ""
            if not normalised:
                continue
            for index, found in ((compact_name(normalised), by_compact), (normalised, by_name)):
                ids = found.setdefault(index, [])
                if provider_id not in ids:
                    ids.append(provider_id)
    names = sorted(by_name)
    return _Register(by_compact, names, [_form(name) for name in names], [by_name[n] for n in names], rank)


def resolve_suppliers(
    session: Session, council: Council, supplier_ids: Iterable[int] | None, now: datetime
) -> ResolveReport:
    """Resolve the council's unresolved suppliers (those given, or all of them) to the register.

    In order: a redacted payee is left out ("redacted in the file"; one with a VAT number is said to be a business
    whose name was withheld); a company number on the register matches; a name that is exactly one organisation's
    name or trading name (normalised) matches, and one that is several organisations' is suggested (the verified one
    first); a name at least :data:`NEAR_NAME_SCORE` alike as a whole name
    (:func:`app.domain.spend.suppliers.near_name_score`: every word of each name in the other) is suggested with its
    score, unless the payee's name says it is no supplier (a council, the NHS, HMRC: :func:`suggested_exclusion`);
    anything else stays unresolved, for the officer's queue. Suppliers an officer has decided on (a rejected
    suggestion too) are left alone.
    """
    report = ResolveReport()
    query = select(SpendSupplier).where(
        SpendSupplier.council_id == council.id,
        SpendSupplier.resolution == Resolution.UNRESOLVED,
        SpendSupplier.resolved_by_id.is_(None),
        SpendSupplier.resolved_at.is_(None),
    )
    suppliers: list[SpendSupplier] = []
    if supplier_ids is None:
        suppliers = list(session.scalars(query.order_by(SpendSupplier.id)))
    else:
        wanted = sorted(set(supplier_ids))
        for start in range(0, len(wanted), ID_CHUNK):
            suppliers += session.scalars(query.where(SpendSupplier.id.in_(wanted[start : start + ID_CHUNK])))
    report.considered = len(suppliers)
    if not suppliers:
        return report

    waiting = []
    for supplier in suppliers:
        if is_redacted(supplier.name):
            if supplier.vat_number:
                how, reason = REDACTED_BUSINESS_HOW.format(vat=supplier.vat_number), Exclusion.WITHHELD
            else:
                how, reason = REDACTED_HOW, Exclusion.INDIVIDUAL
            _resolve(supplier, Resolution.EXCLUDED, now, how, exclusion=reason)
            report.excluded += 1
        else:
            waiting.append(supplier)

    by_number = _companies(session, {s.company_number for s in waiting if s.company_number})
    register = _register(session)
    near_wanted: list[tuple[SpendSupplier, list[str]]] = []
    for supplier in waiting:
        provider_id = by_number.get(supplier.company_number or "")
        if provider_id is not None:
            _resolve(supplier, Resolution.MATCHED, now, f"company number {supplier.company_number}", provider_id)
            report.matched_by_number += 1
            continue
        variants = supplier_name_variants(supplier.name)
        if _exact(supplier, variants, register, now):
            if supplier.resolution == Resolution.MATCHED:
                report.matched_by_name += 1
            else:
                report.suggested += 1
            continue
        if suggested_exclusion(supplier.name) is not None:
            # A council, the NHS, HMRC, a person...: its name says it is no organisation on the register, so no near
            # name is offered as it ("Lancashire County Council" is not "Lancashire County Cricket Club").
            report.unresolved += 1
            continue
        near_wanted.append((supplier, variants))

    no_candidate: list[SpendSupplier] = []
    for supplier, (score, provider_id) in zip(
        (s for s, _ in near_wanted), _near(register, [v for _, v in near_wanted]), strict=True
    ):
        if provider_id is None:
            no_candidate.append(supplier)
            continue
        supplier.resolution = Resolution.SUGGESTED
        supplier.candidate_provider_id = provider_id
        supplier.candidate_score = round(score, 1)
        supplier.resolved_how = f"a near name ({score:.0f}% alike)"
        report.suggested += 1

    # Nobody on this register, not even a near name: a public register may still place it, by its number or exact
    # name, at the registered office it gives.
    places = places_on_registers(session, [(s.company_number, s.name) for s in no_candidate])
    for supplier, place in zip(no_candidate, places, strict=True):
        if place is None:
            report.unresolved += 1
            continue
        _resolve(supplier, Resolution.REGISTERED, now, place.basis[:200])
        supplier.postcode = place.entry.postcode
        supplier.place_basis = PlaceBasis.REGISTERED_OFFICE
        supplier.legal_form = place.entry.legal_form
        report.registered += 1
    report.changed_ids = {s.id for s in suppliers if s.resolution != Resolution.UNRESOLVED}
    session.flush()
    return report


def _resolve(
    supplier: SpendSupplier,
    resolution: Resolution,
    now: datetime,
    how: str,
    provider_id: int | None = None,
    *,
    exclusion: Exclusion | None = None,
) -> None:
    supplier.resolution = resolution
    supplier.provider_id = provider_id
    supplier.candidate_provider_id = None
    supplier.candidate_score = None
    supplier.exclusion = exclusion
    supplier.resolved_how = how
    supplier.resolved_at = now


def _companies(session: Session, numbers: set[str]) -> dict[str, int]:
    """Company number -> the provider on the register holding it (matchable providers only)."""
    org_ids = {f"GB-COH-{number}": number for number in numbers if number}
    found: dict[str, int] = {}
    wanted = sorted(org_ids)
    for start in range(0, len(wanted), ID_CHUNK):
        rows = session.execute(
            select(ProviderIdentifier.org_id, ProviderIdentifier.provider_id)
            .join(Provider, Provider.id == ProviderIdentifier.provider_id)
            .where(
                ProviderIdentifier.org_id.in_(wanted[start : start + ID_CHUNK]), Provider.status.not_in(NOT_MATCHABLE)
            )
        )
        for found_org_id, provider_id in rows:
            found[org_ids[found_org_id]] = provider_id
    return found


def _exact(supplier: SpendSupplier, variants: list[str], register: _Register, now: datetime) -> bool:
    """Match (one provider of that name) or suggest (several); False when no provider has the name."""
    for position, variant in enumerate(variants):
        ids = register.by_compact.get(compact_name(variant))
        if not ids:
            continue
        part = "" if position == 0 else " (the part before 't/a')"
        if len(ids) == 1:
            _resolve(supplier, Resolution.MATCHED, now, f"exact name{part}", ids[0])
        else:
            supplier.resolution = Resolution.SUGGESTED
            supplier.candidate_provider_id = register.best(ids)
            supplier.candidate_score = 100.0
            supplier.resolved_how = f"the same name{part} as {len(ids)} organisations on the register"
        return True
    return False


def _near(register: _Register, wanted: list[list[str]]) -> list[tuple[float, int | None]]:
    """For each supplier's name variants, the best near name on the register: (score, provider id or None).

    Whole names are compared (:func:`app.domain.spend.suppliers.near_name_score`), never the best matching part of
    one. Every variant is first compared with every register name in blocks (rapidfuzz's cdist: the ratio of the
    names' words sorted, each name sorted once), and only the names at least :data:`NEAR_NAME_SHORTLIST` alike are
    scored word by word.
    """
    queries = [(index, variant) for index, variants in enumerate(wanted) for variant in variants]
    best: list[tuple[float, int | None]] = [(0.0, None)] * len(wanted)
    if not queries or not register.names:
        return best
    for start in range(0, len(queries), NEAR_BLOCK):
        block = queries[start : start + NEAR_BLOCK]
        scores = process.cdist(
            [_form(variant) for _, variant in block],
            register.forms,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=NEAR_NAME_SHORTLIST,
            dtype=numpy.uint8,
        )
        for row, (index, variant) in enumerate(block):
            for column in numpy.flatnonzero(scores[row]):
                score = near_name_score(variant, register.names[column])
                if score >= NEAR_NAME_SCORE and score > best[index][0]:
                    best[index] = (score, register.best(register.name_ids[column]))
    return best


# --- The officer's actions ------------------------------------------------------------------------------------------


def get_supplier(session: Session, council: Council, supplier_id: int) -> SpendSupplier | None:
    """One of the council's suppliers; another council's is not found."""
    supplier = session.get(SpendSupplier, supplier_id)
    if supplier is None or supplier.council_id != council.id:
        return None
    return supplier


def provider_for_link(session: Session, provider_id: int | str | None) -> Provider:
    """The register organisation an officer chose to link to, or a refusal for the 'provider' question."""
    number = provider_id if isinstance(provider_id, int) else None
    if isinstance(provider_id, str) and provider_id.strip().isascii() and provider_id.strip().isdigit():
        number = int(provider_id.strip())
    provider = session.get(Provider, number) if number is not None and number < 2**62 else None
    if provider is None:
        raise SupplierRefused("Choose an organisation on the register", "provider")
    if provider.status in NOT_MATCHABLE:
        raise SupplierRefused(
            f"{provider.name} is {provider.status.label.lower()} on the register: choose another organisation",
            "provider",
        )
    return provider


def _officer_resolves(supplier: SpendSupplier, resolution: Resolution, actor: Actor, now: datetime, how: str) -> None:
    supplier.resolution = resolution
    supplier.provider_id = None
    supplier.candidate_provider_id = None
    supplier.candidate_score = None
    supplier.postcode = None
    supplier.exclusion = None
    supplier.note = None
    supplier.place_basis = None
    supplier.resolved_how = how
    supplier.resolved_at = now
    supplier.resolved_by_id = actor.user_id


def _state(supplier: SpendSupplier) -> dict[str, Any]:
    return {
        "resolution": supplier.resolution.value,
        "provider_id": supplier.provider_id,
        "candidate_provider_id": supplier.candidate_provider_id,
        "postcode": supplier.postcode,
        "exclusion": supplier.exclusion.value if supplier.exclusion else None,
    }


def _finish(
    session: Session, supplier: SpendSupplier, before: dict[str, Any], action: str, actor: Actor, now: datetime
) -> None:
    """Audit the change and reclassify the supplier, in the caller's transaction."""
    session.flush()
    record(
        session,
        actor,
        f"spend_supplier.{action}",
        "spend_supplier",
        supplier.id,
        {"from": before, "to": _state(supplier)},
    )
    classify_suppliers(session, supplier.council, [supplier.id], now)


def link_supplier(session: Session, supplier: SpendSupplier, provider: Provider, actor: Actor, now: datetime) -> None:
    """An officer says the supplier is this organisation on the register; it takes the organisation's premises."""
    provider = provider_for_link(session, provider.id)
    before = _state(supplier)
    _officer_resolves(supplier, Resolution.LINKED, actor, now, "linked by an officer")
    supplier.provider_id = provider.id
    _finish(session, supplier, before, "linked", actor, now)


def confirm_suggestion(session: Session, supplier: SpendSupplier, actor: Actor, now: datetime) -> None:
    """An officer confirms the possible match: the supplier is linked to it."""
    if supplier.resolution != Resolution.SUGGESTED or supplier.candidate_provider_id is None:
        raise SupplierRefused(f"{supplier.name} has no possible match to confirm")
    provider = provider_for_link(session, supplier.candidate_provider_id)
    before = _state(supplier)
    score = supplier.candidate_score
    _officer_resolves(supplier, Resolution.LINKED, actor, now, "a possible match confirmed by an officer")
    supplier.provider_id = provider.id
    if score is not None:
        supplier.resolved_how = f"a possible match ({score:.0f}% alike) confirmed by an officer"
    _finish(session, supplier, before, "suggestion_confirmed", actor, now)


def reject_suggestion(session: Session, supplier: SpendSupplier, actor: Actor, now: datetime) -> None:
    """An officer says the possible match is not this supplier: back to the queue, never suggested again."""
    if supplier.resolution != Resolution.SUGGESTED:
        raise SupplierRefused(f"{supplier.name} has no possible match to reject")
    candidate = session.get(Provider, supplier.candidate_provider_id) if supplier.candidate_provider_id else None
    before = _state(supplier)
    what = f"{candidate.name[:120]}" if candidate else "the possible match"
    _officer_resolves(supplier, Resolution.UNRESOLVED, actor, now, f"{what} rejected by an officer")
    _finish(session, supplier, before, "suggestion_rejected", actor, now)


def place_supplier(
    session: Session,
    supplier: SpendSupplier,
    postcode: str | None,
    basis: PlaceBasis | str | None,
    actor: Actor,
    now: datetime,
) -> None:
    """An officer gives the supplier's postcode and what it is (its registered office, a branch, a trading site, or
    simply an address they found); the postcode must be in the postcode directory."""
    try:
        parsed = str(parse_postcode(postcode))
    except PostcodeError as error:
        raise SupplierRefused(str(error), "postcode") from error
    store = PostcodeStore(session)
    if store.release_id is None:
        raise SupplierRefused("No postcode directory is loaded, so a postcode cannot be placed yet", "postcode")
    if store.lookup(parsed) is None:
        raise SupplierRefused(f"{parsed} is not in the postcode directory: check it and enter it again", "postcode")
    try:
        chosen = basis if isinstance(basis, PlaceBasis) else PlaceBasis(basis or "")
    except ValueError as error:
        raise SupplierRefused("Choose what the postcode is", "basis") from error
    before = _state(supplier)
    _officer_resolves(supplier, Resolution.PLACED, actor, now, f"placed at {parsed} by an officer")
    supplier.postcode = parsed
    supplier.place_basis = chosen
    _finish(session, supplier, before, "placed", actor, now)


def exclude_supplier(
    session: Session,
    supplier: SpendSupplier,
    exclusion: Exclusion | str | None,
    note: str | None,
    actor: Actor,
    now: datetime,
) -> None:
    """An officer leaves the payee out of the measure (another public body, tax, an individual, an internal
    transfer), with a note if they give one."""
    try:
        chosen = exclusion if isinstance(exclusion, Exclusion) else Exclusion(exclusion or "")
    except ValueError as error:
        raise SupplierRefused("Choose why it is not a supplier", "exclusion") from error
    before = _state(supplier)
    _officer_resolves(supplier, Resolution.EXCLUDED, actor, now, "left out by an officer")
    supplier.exclusion = chosen
    supplier.note = (note or "").strip() or None
    _finish(session, supplier, before, "excluded", actor, now)


def reopen_supplier(session: Session, supplier: SpendSupplier, actor: Actor, now: datetime) -> None:
    """Undo an attribution: the supplier goes back to the queue (and is not matched automatically again)."""
    if supplier.resolution == Resolution.UNRESOLVED:
        raise SupplierRefused(f"{supplier.name} is not attributed yet")
    before = _state(supplier)
    _officer_resolves(supplier, Resolution.UNRESOLVED, actor, now, "reopened by an officer")
    _finish(session, supplier, before, "reopened", actor, now)


def link_candidates(session: Session, text: str, *, limit: int = 10) -> list[tuple[Provider, float]]:
    """Organisations on the register named like ``text`` (a supplier's name, or what an officer typed to search),
    the most alike first, with how alike as whole names (0-100: :func:`whole_name_score`, or the near-name score).

    An organisation is listed when its name has every word of ``text`` (written the same, a plural, a typo in a long
    word, or its start: 'Amey' lists 'Amey LG Ltd'), or when it is a near name of ``text`` as a whole
    (:data:`NEAR_NAME_SCORE`); never for a word or two they share ("Amey LG Ltd" lists no "Formby Royal British
    Legion Club", "Future Directions CIC" no "Future Artists Live Creative Co-op"). For a name that says it is no
    supplier (a council, the NHS, HMRC: :func:`suggested_exclusion`) only names with every one of its words are
    listed, never a near name.
    """
    wanted = normalise_supplier_name(text)
    if not wanted:
        return []
    near_allowed = suggested_exclusion(text) is None
    best: dict[int, float] = {}
    for provider_id, name, trading_name in session.execute(
        select(Provider.id, Provider.name, Provider.trading_name).where(Provider.status.not_in(NOT_MATCHABLE))
    ):
        for given in (name, trading_name):
            normalised = normalise_supplier_name(given) if given else ""
            if not normalised:
                continue
            whole = whole_name_score(wanted, normalised)
            near = near_name_score(wanted, normalised) if near_allowed and whole >= NEAR_NAME_SHORTLIST else 0.0
            if near >= NEAR_NAME_SCORE:
                score = near
            elif names_search(wanted, normalised):
                score = whole
            else:
                continue
            best[provider_id] = max(best.get(provider_id, 0.0), score)
    ordered = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]
    providers = {p.id: p for p in session.scalars(select(Provider).where(Provider.id.in_([i for i, _ in ordered])))}
    return [(providers[provider_id], score) for provider_id, score in ordered]


# --- The attribution queue ------------------------------------------------------------------------------------------


@dataclass
class SupplierPage(Paged):
    """A page of the attribution queue, largest spend first."""

    suppliers: list[SpendSupplier]
    total: int
    page: int
    per_page: int
    #: Which view: one of :data:`QUEUE_VIEWS`.
    show: str
    #: The organisations the page's suppliers are linked to or might be, by id.
    providers: dict[int, Provider] = field(default_factory=dict)
    #: Why a supplier on the page may not be a supplier for the measure (a suggestion for the officer), by id.
    exclusion_suggestions: dict[int, Exclusion] = field(default_factory=dict)

    @property
    def items(self) -> list[SpendSupplier]:
        return self.suppliers


def _view_condition(show: str) -> Any:
    if show == "to_do":
        return SpendSupplier.resolution.in_((Resolution.UNRESOLVED, Resolution.SUGGESTED))
    if show == "suggested":
        return SpendSupplier.resolution == Resolution.SUGGESTED
    if show == "attributed":
        return SpendSupplier.resolution.in_(ATTRIBUTED - {Resolution.EXCLUDED})
    if show == "excluded":
        return SpendSupplier.resolution == Resolution.EXCLUDED
    return None


def attribution_queue(
    session: Session, council: Council, *, page: int = 1, per_page: int = 50, show: str = "to_do"
) -> SupplierPage:
    """The council's suppliers in a view of the queue, largest total spend first (the CLES practice: attribute the
    top suppliers by hand). 'to_do' and 'suggested' leave out suppliers with no payments that count (their files
    were undone); an unknown view is 'to_do'."""
    show = show if show in QUEUE_VIEWS else "to_do"
    conditions = [SpendSupplier.council_id == council.id]
    condition = _view_condition(show)
    if condition is not None:
        conditions.append(condition)
    if show in ("to_do", "suggested"):
        conditions.append(SpendSupplier.payment_count > 0)
    total = session.scalar(select(func.count()).select_from(SpendSupplier).where(*conditions)) or 0
    page = clamp_page(page, total, per_page)
    suppliers = list(
        session.scalars(
            select(SpendSupplier)
            .where(*conditions)
            .order_by(SpendSupplier.total_pence.desc(), SpendSupplier.id)
            .offset(offset_of(page, per_page))
            .limit(per_page)
        )
    )
    provider_ids = {i for s in suppliers for i in (s.provider_id, s.candidate_provider_id) if i is not None}
    providers = (
        {p.id: p for p in session.scalars(select(Provider).where(Provider.id.in_(provider_ids)))}
        if provider_ids
        else {}
    )
    suggestions = {
        s.id: found
        for s in suppliers
        if s.resolution in (Resolution.UNRESOLVED, Resolution.SUGGESTED) and (found := suggested_exclusion(s.name))
    }
    return SupplierPage(suppliers, total, page, per_page, show, providers, suggestions)


def attribution_summary(session: Session, council: Council) -> dict[str, Any]:
    """How much of the council's counting spend is attributed: "84% of £7.5m attributed".

    Keys: total_pence, attributed_pence (matched, linked, placed or left out), placed_pence (attributed to a place:
    attributed less left out), excluded_pence, suggested_pence, to_do_pence (unresolved and suggested),
    attributed_share (0 to 1, None with no spend), suppliers, suppliers_attributed, suppliers_excluded,
    suppliers_suggested, suppliers_to_do (suppliers with counting payments), and ``headline`` in words ("84.2% of
    £7.5m attributed", or "No spend to attribute").
    """
    rows = session.execute(
        select(SpendSupplier.resolution, func.count(), func.coalesce(func.sum(SpendSupplier.total_pence), 0))
        .where(SpendSupplier.council_id == council.id, SpendSupplier.payment_count > 0)
        .group_by(SpendSupplier.resolution)
    ).all()
    pence = {resolution: int(amount) for resolution, _count, amount in rows}
    counts = {resolution: int(count) for resolution, count, _amount in rows}

    def total(of: Iterable[Resolution], what: dict[Resolution, int]) -> int:
        return sum(what.get(resolution, 0) for resolution in of)

    to_do = (Resolution.UNRESOLVED, Resolution.SUGGESTED)
    total_pence = sum(pence.values())
    attributed = total(ATTRIBUTED, pence)
    headline = (
        f"{percent_text(share(attributed, total_pence))} of {short_money(total_pence)} attributed"
        if total_pence > 0
        else "No spend to attribute"
    )
    return {
        "total_pence": total_pence,
        "attributed_pence": attributed,
        "placed_pence": attributed - pence.get(Resolution.EXCLUDED, 0),
        "excluded_pence": pence.get(Resolution.EXCLUDED, 0),
        "suggested_pence": pence.get(Resolution.SUGGESTED, 0),
        "to_do_pence": total(to_do, pence),
        "attributed_share": attributed / total_pence if total_pence > 0 else None,
        "suppliers": sum(counts.values()),
        "suppliers_attributed": total(ATTRIBUTED, counts),
        "suppliers_excluded": counts.get(Resolution.EXCLUDED, 0),
        "suppliers_suggested": counts.get(Resolution.SUGGESTED, 0),
        "suppliers_to_do": total(to_do, counts),
        "headline": headline,
    }
