"""A provider registering its organisation, section by section, and keeping it current.

Every operation checks that the acting user belongs to the organisation, adds and flushes, writes
its audit event, and never commits. A change to the legal form, registration numbers or premises
of a verified organisation keeps it published but puts it in front of an officer again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.providers import (
    IDENTIFIER_SCHEMES,
    EvidenceState,
    FactKind,
    IdentifierError,
    LegalForm,
    ProviderSource,
    ProviderStatus,
    SiteKind,
    org_id,
)
from app.domain.refusals import Refusal
from app.domain.registers import SCHEME_OF, RegisterEntry, legal_form_from_registers
from app.domain.registration import (
    EDITABLE_STATUSES,
    SENDABLE_STATUSES,
    RegistrationSnapshot,
    premises_removal_refusal,
    ready_to_submit,
    site_kind_refusal,
)
from app.domain.roles import Role
from app.geo.placement import PlacementResult, SitePlacer, apply_placement
from app.models import Area, Provider, ProviderFact, ProviderIdentifier, ServiceCategory, Site, User
from app.services import audit, fulltext
from app.services.audit import Actor
from app.services.registers import record_register_details


class NotAMember(PermissionError):
    """The user does not act for this organisation."""


class RegistrationError(Refusal):
    """A request that cannot be met; ``field`` says where to show the message."""


class DuplicateIdentifier(RegistrationError):
    """The number belongs to an organisation already on the register."""

    def __init__(self, message: str, field: str, existing: Provider, org_id: str) -> None:
        super().__init__(message, field)
        self.existing = existing
        self.org_id = org_id


def ensure_member(user: User, provider: Provider) -> None:
    if user.role != Role.PROVIDER or user.provider_id != provider.id:
        raise NotAMember(f"user {user.id} does not act for provider {provider.id}")
    if provider.status not in EDITABLE_STATUSES:
        raise NotAMember(f"provider {provider.id} is {provider.status.value} and cannot be changed")


def _material_change(provider: Provider, what: str, session: Session, actor: Actor) -> None:
    """A verified entry's legal form, numbers or premises changed: an officer checks it again."""
    if provider.status == ProviderStatus.VERIFIED and not provider.awaiting_review:
        provider.awaiting_review = True
        audit.record(session, actor, "provider.change_to_check", "provider", provider.id, {"changed": what})


def start_registration(session: Session, user: User, name: str, trading_name: str | None) -> Provider:
    """Create a draft organisation for a provider account that has none."""
    if user.role != Role.PROVIDER:
        raise NotAMember("only provider accounts register organisations")
    if user.provider_id is not None:
        raise RegistrationError("Your account already belongs to an organisation")
    provider = Provider(
        name=name.strip(),
        trading_name=(trading_name or "").strip() or None,
        legal_form=LegalForm.UNKNOWN,
        status=ProviderStatus.DRAFT,
        source=ProviderSource.SELF_REGISTERED,
        claimed=True,
    )
    session.add(provider)
    session.flush()
    user.provider = provider
    audit.record(
        session, Actor.of(user), "provider.registration_started", "provider", provider.id, {"name": provider.name}
    )
    return provider


def update_names(session: Session, user: User, provider: Provider, name: str, trading_name: str | None) -> None:
    ensure_member(user, provider)
    before = {"name": provider.name, "trading_name": provider.trading_name}
    provider.name = name.strip()
    provider.trading_name = (trading_name or "").strip() or None
    after = {"name": provider.name, "trading_name": provider.trading_name}
    if before != after:
        audit.record(
            session, Actor.of(user), "provider.names_changed", "provider", provider.id, {"from": before, "to": after}
        )


def set_legal_form(session: Session, user: User, provider: Provider, legal_form: LegalForm) -> None:
    ensure_member(user, provider)
    if provider.legal_form == legal_form:
        return
    before = provider.legal_form
    provider.legal_form = legal_form
    actor = Actor.of(user)
    audit.record(
        session,
        actor,
        "provider.legal_form_changed",
        "provider",
        provider.id,
        {"from": before.value, "to": legal_form.value},
    )
    _material_change(provider, "legal form", session, actor)
    fulltext.refresh(session, provider)


def set_identifiers(session: Session, user: User, provider: Provider, numbers: dict[str, str]) -> None:
    """Replace the numbers for the given schemes ({'GB-COH': '01234567', 'GB-CHC': ''}); blank removes one.

    A number held by another organisation is refused with the route to join it.
    """
    ensure_member(user, provider)
    wanted: dict[str, str] = {}
    for scheme, typed in numbers.items():
        if not typed.strip():
            continue
        try:
            wanted[scheme] = org_id(scheme, typed)
        except IdentifierError as exc:
            raise RegistrationError(str(exc), scheme) from exc
    for scheme, identifier in wanted.items():
        holder = session.scalar(select(ProviderIdentifier).where(ProviderIdentifier.org_id == identifier))
        if holder is not None and holder.provider_id != provider.id:
            register = IDENTIFIER_SCHEMES[scheme].register
            raise DuplicateIdentifier(
                f"An organisation with this {register} number is already registered. Ask to join it",
                scheme,
                holder.provider,
                identifier,
            )
    changed: dict[str, object] = {}
    current = {i.scheme: i for i in provider.identifiers}
    for scheme in numbers:
        existing = current.get(scheme)
        new = wanted.get(scheme)
        if existing is not None and (new is None or existing.org_id != new):
            provider.identifiers.remove(existing)
            changed[scheme] = {"from": existing.org_id, "to": new}
        if new is not None and (existing is None or existing.org_id != new):
            value = new[len(scheme) + 1 :]
            provider.identifiers.append(
                ProviderIdentifier(scheme=scheme, value=value, org_id=new, evidence=EvidenceState.SELF_DECLARED)
            )
            changed.setdefault(scheme, {"from": None, "to": new})
    if changed:
        session.flush()
        actor = Actor.of(user)
        audit.record(session, actor, "provider.identifiers_changed", "provider", provider.id, changed)
        _material_change(provider, "registration numbers", session, actor)
        fulltext.refresh(session, provider)


def site_of(provider: Provider, site_id: int) -> Site | None:
    """One of this provider's sites; None for anyone else's, so a tampered URL finds nothing."""
    return next((s for s in provider.sites if s.id == site_id), None)


def placement_of(site: Site) -> PlacementResult:
    """Where premises already added were placed, in the shape a fresh lookup gives."""
    return PlacementResult(
        site.placement,
        site.postcode,
        site.latitude,
        site.longitude,
        site.district_code,
        site.ward_code,
        site.placed_by,
        site.placement_note,
    )


def check_site_kind(provider: Provider, kind: SiteKind, site: Site | None = None) -> None:
    """Refuse a second registered office (``site`` is the one being changed, if any)."""
    refusal = site_kind_refusal(kind, [s.kind for s in provider.sites if s is not site])
    if refusal:
        raise RegistrationError(refusal, "kind")


def _place(site: Site, placer: SitePlacer, now: datetime) -> PlacementResult:
    """Place premises by their postcode, and by their address lines when the postcode alone does not."""
    result = placer.place(site.postcode, ", ".join(p for p in (site.address, site.town) if p))
    apply_placement(site, result, now)
    return result


def _ensure_own_site(user: User, provider: Provider, site: Site) -> None:
    """Refuse (NotAMember) anyone but the provider's members, and premises that are not the provider's."""
    ensure_member(user, provider)
    if site.provider_id != provider.id:
        raise NotAMember("not this provider's site")


def add_site(
    session: Session,
    user: User,
    provider: Provider,
    kind: SiteKind,
    postcode: str,
    *,
    address: str,
    town: str | None,
    address_public: bool,
    placer: SitePlacer,
    now: datetime,
) -> tuple[Site, PlacementResult]:
    """Add premises once their address is given, placed by postcode (and by address when that fails).

    Nothing is stored while someone is only looking a postcode up, so an abandoned lookup leaves no
    empty premises behind.
    """
    ensure_member(user, provider)
    check_site_kind(provider, kind)
    site = Site(
        kind=kind,
        postcode=postcode,
        address=address.strip(),
        town=(town or "").strip() or None,
        address_public=address_public,
    )
    result = _place(site, placer, now)
    provider.sites.append(site)
    session.flush()
    actor = Actor.of(user)
    audit.record(
        session,
        actor,
        "site.added",
        "site",
        site.id,
        {
            "provider_id": provider.id,
            "kind": site.kind.value,
            "postcode": site.postcode,
            "address": site.address,
            "town": site.town,
            "address_public": site.address_public,
            "district": site.district_code,
            "placement": site.placement.value,
        },
    )
    _material_change(provider, "premises", session, actor)
    fulltext.refresh(session, provider)
    return site, result


def update_site_address(
    session: Session,
    user: User,
    provider: Provider,
    site: Site,
    *,
    address: str,
    town: str | None,
    address_public: bool,
    placer: SitePlacer,
    now: datetime,
) -> PlacementResult | None:
    """Set the address lines; an unplaced site is tried again with them (online geocoders, when configured)."""
    _ensure_own_site(user, provider, site)
    before = {"address": site.address, "town": site.town, "address_public": site.address_public}
    site.address = address.strip()
    site.town = (town or "").strip() or None
    site.address_public = address_public
    result = None
    if site.placement.value == "not_placed" and placer.online:
        result = _place(site, placer, now)
    after = {"address": site.address, "town": site.town, "address_public": site.address_public}
    if before != after:
        actor = Actor.of(user)
        audit.record(session, actor, "site.address_changed", "site", site.id, {"from": before, "to": after})
        fulltext.refresh(session, provider)
        if before["address"] is not None:
            _material_change(provider, "premises", session, actor)
    return result


def site_removal_refusal(provider: Provider, site: Site) -> str | None:
    """Why the provider cannot remove these premises, or None if it can."""
    left = sum(1 for s in provider.sites if s is not site)
    return premises_removal_refusal(provider.status, premises_left=left)


def remove_site(session: Session, user: User, provider: Provider, site: Site) -> None:
    _ensure_own_site(user, provider, site)
    refusal = site_removal_refusal(provider, site)
    if refusal:
        raise RegistrationError(refusal)
    provider.sites.remove(site)
    actor = Actor.of(user)
    audit.record(
        session,
        actor,
        "site.removed",
        "site",
        site.id,
        {"provider_id": provider.id, "kind": site.kind.value, "postcode": site.postcode},
    )
    _material_change(provider, "premises", session, actor)
    fulltext.refresh(session, provider)


def set_areas_served(session: Session, user: User, provider: Provider, areas: list[Area]) -> None:
    ensure_member(user, provider)
    before = sorted(a.code for a in provider.areas_served)
    provider.areas_served = list(areas)
    after = sorted(a.code for a in areas)
    if before != after:
        audit.record(
            session,
            Actor.of(user),
            "provider.areas_served_changed",
            "provider",
            provider.id,
            {"from": before, "to": after},
        )


def set_services(
    session: Session, user: User, provider: Provider, categories: list[ServiceCategory], description: str
) -> None:
    ensure_member(user, provider)
    before = {"services": sorted(c.slug for c in provider.services), "description": provider.description}
    provider.services = list(categories)
    provider.description = description.strip() or None
    after = {"services": sorted(c.slug for c in categories), "description": provider.description}
    if before != after:
        audit.record(
            session, Actor.of(user), "provider.services_changed", "provider", provider.id, {"from": before, "to": after}
        )


#: The answer that means "we do not know", kept so officers can see the question was seen.
NOT_KNOWN = "not known"


def set_facts(
    session: Session, user: User, provider: Provider, answers: dict[FactKind, str | None], today: date
) -> None:
    """Self-declared ownership, size and fair-work facts: a value, 'not known', or None to leave it unanswered."""
    ensure_member(user, provider)
    current = {f.kind: f for f in provider.facts}
    changed: dict[str, object] = {}
    for kind, value in answers.items():
        value = value.strip() if value else None
        fact = current.get(kind)
        if value is None:
            if fact is not None:
                provider.facts.remove(fact)
                changed[kind.value] = {"from": fact.value, "to": None}
            continue
        stored = None if value == NOT_KNOWN else value
        evidence = EvidenceState.UNKNOWN if stored is None else EvidenceState.SELF_DECLARED
        if fact is None:
            provider.facts.append(
                ProviderFact(kind=kind, value=stored, evidence=evidence, as_of=today, recorded_by_id=user.id)
            )
            changed[kind.value] = {"from": None, "to": value}
        elif fact.value != stored or (stored is None and fact.evidence != EvidenceState.UNKNOWN):
            changed[kind.value] = {"from": fact.value, "to": value}
            fact.value, fact.evidence, fact.as_of, fact.recorded_by_id = stored, evidence, today, user.id
    if changed:
        session.flush()
        audit.record(session, Actor.of(user), "provider.facts_changed", "provider", provider.id, changed)
        fulltext.refresh(session, provider)


def set_contact(
    session: Session,
    user: User,
    provider: Provider,
    *,
    contact_name: str | None,
    contact_email: str,
    contact_phone: str | None,
    website: str | None,
) -> None:
    ensure_member(user, provider)
    before = {k: getattr(provider, k) for k in ("contact_name", "contact_email", "contact_phone", "website")}
    provider.contact_name = (contact_name or "").strip() or None
    provider.contact_email = contact_email.strip().lower()
    provider.contact_phone = (contact_phone or "").strip() or None
    provider.website = (website or "").strip() or None
    after = {k: getattr(provider, k) for k in before}
    if before != after:
        audit.record(
            session, Actor.of(user), "provider.contact_changed", "provider", provider.id, {"from": before, "to": after}
        )


def snapshot(provider: Provider) -> RegistrationSnapshot:
    return RegistrationSnapshot(
        has_name=bool(provider.name),
        legal_form=None if provider.legal_form == LegalForm.UNKNOWN else provider.legal_form,
        identifier_schemes=frozenset(i.scheme for i in provider.identifiers),
        premises=sum(1 for s in provider.sites if s.address),
        unfinished_premises=sum(1 for s in provider.sites if not s.address),
        services=len(provider.services),
        has_description=bool(provider.description),
        ownership_answers=len(provider.facts),
        has_contact_email=bool(provider.contact_email),
    )


@dataclass(frozen=True)
class Submitted:
    provider: Provider
    resubmitted: bool


def submit(session: Session, user: User, provider: Provider, now: datetime) -> Submitted:
    """Send a complete draft (or one with changes asked for) to the council's officers."""
    ensure_member(user, provider)
    if provider.status not in SENDABLE_STATUSES:
        raise RegistrationError("This organisation has already been sent for checking")
    if not ready_to_submit(snapshot(provider)):
        raise RegistrationError("Complete every section before you send your answers")
    resubmitted = provider.status == ProviderStatus.CHANGES_REQUESTED
    provider.status = ProviderStatus.SUBMITTED
    provider.status_changed_at = now
    provider.submitted_at = now
    audit.record(session, Actor.of(user), "provider.submitted", "provider", provider.id, {"resubmitted": resubmitted})
    return Submitted(provider, resubmitted)


def confirm_register_details(
    session: Session, user: User, provider: Provider, entries: list[RegisterEntry], now: datetime
) -> None:
    """The provider confirms what the public registers say about its numbers: the records are kept (from the
    register, with its date), its numbers become "matched to a public register", and its legal form follows the
    register's (Companies House's category, or the FCA's society type; a charity that is also a company stays a
    charity). An organisation that is no longer on its register is refused."""
    ensure_member(user, provider)
    for entry in entries:
        refusal = entry.refusal()
        if refusal is not None:
            raise RegistrationError(refusal, SCHEME_OF[entry.register])
    matched = {entry.org_id for entry in entries}
    for entry in entries:
        record_register_details(session, provider.id, entry, confirmed_by_id=user.id, now=now)
    for identifier in provider.identifiers:
        if identifier.org_id in matched and identifier.evidence == EvidenceState.SELF_DECLARED:
            identifier.evidence = EvidenceState.REGISTER_MATCHED
            identifier.checked_at = now
    audit.record(
        session,
        Actor.of(user),
        "provider.register_details_confirmed",
        "provider",
        provider.id,
        {
            entry.org_id: {"name": entry.name, "status": entry.status, "as_of": entry.published_on.isoformat()}
            for entry in entries
        },
    )
    form = legal_form_from_registers(entries, provider.legal_form)
    if form is not None:
        set_legal_form(session, user, provider, form)
