"""Keeping the register true: every provider's numbers compared with the public registers' active releases.

What the comparison finds (gone or ending, no longer on the register, a new registered name, office or legal form;
on the PSC register, an offshore ultimate parent or another parent than the provider said) is kept with the
register's record beside the provider's answers and put in the officers' queue; nothing the provider said is
changed. An officer decides, and the provider is told through the review (app.services.verification). Run by
``flask registers check``, or by an officer from the registers page as a job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.locality import LocalArea
from app.domain.providers import ProviderStatus
from app.domain.registers import (
    REGISTER_OF_SCHEME,
    SCHEME_OF,
    KnownDetails,
    Register,
    RegisterEntry,
    check_findings,
)
from app.geo.postcode_directory import PostcodeStore
from app.models import Provider, ProviderIdentifier, ProviderRegisterRecord, RegisterRelease
from app.services import audit
from app.services.audit import Actor
from app.services.ownership import active_psc_release, check_provider_ownership
from app.services.registers import active_releases, entries_for_numbers, record_register_details

#: Whose numbers are checked: everyone on the register or on its way to it.
CHECKED_STATUSES = (ProviderStatus.VERIFIED, ProviderStatus.SUBMITTED, ProviderStatus.CHANGES_REQUESTED)
BATCH = 200

#: Hears how many providers have been checked, of how many.
Progress = Callable[[int, int], None]


@dataclass
class CheckReport:
    """What a check did: providers and numbers compared, and the providers put in the queue with what was found."""

    registers: list[str] = field(default_factory=list)
    providers: int = 0
    numbers: int = 0
    flagged: list[tuple[int, str, list[str]]] = field(default_factory=list)

    @property
    def flagged_count(self) -> int:
        return len(self.flagged)


class NothingToCheckAgainst(ValueError):
    """No public register is loaded."""


def check_providers(
    session: Session,
    area: LocalArea | None,
    actor: Actor,
    now: datetime,
    progress: Progress | None = None,
) -> CheckReport:
    """Compare every listed provider's Companies House, charity and society numbers with the active releases, in the
    caller's transaction. A provider with something new to look at is put in the officers' queue (a verified one
    as "changes to check") with an audit event naming the findings; the same findings are not raised twice."""
    releases = active_releases(session)
    psc = active_psc_release(session)
    if not releases and psc is None:
        raise NothingToCheckAgainst(
            "No public register is loaded: load one with 'flask registers load' (see the README) first."
        )
    schemes = [SCHEME_OF[register] for register in releases]
    if psc is not None and SCHEME_OF[Register.COMPANIES_HOUSE] not in schemes:
        schemes.append(SCHEME_OF[Register.COMPANIES_HOUSE])  # the PSC register is read by company number
    report = CheckReport(registers=[release.name for release in [*releases.values(), *([psc] if psc else [])]])
    provider_ids = list(
        session.scalars(
            select(Provider.id)
            .where(
                Provider.status.in_(CHECKED_STATUSES),
                Provider.id.in_(select(ProviderIdentifier.provider_id).where(ProviderIdentifier.scheme.in_(schemes))),
            )
            .order_by(Provider.id)
        )
    )
    store = PostcodeStore(session)
    for start in range(0, len(provider_ids), BATCH):
        batch = provider_ids[start : start + BATCH]
        providers = session.scalars(
            select(Provider)
            .where(Provider.id.in_(batch))
            .options(selectinload(Provider.identifiers), selectinload(Provider.facts))
        ).all()
        records = {
            (r.provider_id, r.register): r
            for r in session.scalars(
                select(ProviderRegisterRecord).where(ProviderRegisterRecord.provider_id.in_(batch))
            )
        }
        numbers = [i.org_id for p in providers for i in p.identifiers if i.scheme in schemes]
        entries = entries_for_numbers(session, numbers)
        for provider in providers:
            found: dict[str, list[str]] = {}
            for identifier in provider.identifiers:
                if identifier.org_id not in entries:
                    continue
                register = REGISTER_OF_SCHEME[identifier.scheme]
                record = records.get((provider.id, register.value))
                findings = _findings(entries[identifier.org_id], record, provider, register, releases, area, store)
                new = [f for f in findings if record is None or f not in record.findings.split("\n")]
                entry = entries[identifier.org_id]
                if entry is not None:
                    record_register_details(
                        session, provider.id, entry, confirmed_by_id=None, now=now, findings=findings
                    )
                elif record is not None and not record.published_on > releases[register].published_on:
                    # (A record newer than the release, from the online service, stays as it was checked then.)
                    record.checked_on = now.date()
                    record.findings = "\n".join(findings)
                report.numbers += 1
                if new:
                    found[identifier.org_id] = new
            if psc is not None:
                # Who owns it, on the PSC register: an offshore parent, or a parent other than the provider said.
                _, new_ownership = check_provider_ownership(session, provider, psc, now)
                if new_ownership:
                    found["ownership (PSC register)"] = new_ownership
            report.providers += 1
            if found:
                _flag(session, provider, found, actor)
                report.flagged.append((provider.id, provider.name, [f for fs in found.values() for f in fs]))
        session.flush()
        if progress is not None:
            progress(min(start + BATCH, len(provider_ids)), len(provider_ids))
    return report


def _findings(
    current: RegisterEntry | None,
    record: ProviderRegisterRecord | None,
    provider: Provider,
    register: Register,
    releases: dict[Register, RegisterRelease],
    area: LocalArea | None,
    store: PostcodeStore,
) -> list[str]:
    release = releases[register]
    known = KnownDetails(
        name=record.name if record is not None else None,
        legal_form=record.legal_form if record is not None else None,
        postcode=record.postcode if record is not None else None,
        provider_name=provider.name,
        provider_legal_form=provider.legal_form,
        kept_as_of=record.published_on if record is not None else None,
    )
    outside = None
    if area is not None and current is not None and current.postcode and known.postcode != current.postcode:
        placed = store.lookup(current.postcode)
        if placed is not None and placed.district_code and placed.district_code not in area.district_codes:
            outside = area.name
    return check_findings(
        current,
        known,
        register=register,
        as_of=release.published_on,
        office_outside_area=outside,
    )


def _flag(session: Session, provider: Provider, found: dict[str, list[str]], actor: Actor) -> None:
    """Put the provider in the officers' queue with what the check found (its answers are not touched)."""
    if provider.status == ProviderStatus.VERIFIED:
        provider.awaiting_review = True
    audit.record(session, actor, "provider.register_check_flagged", "provider", provider.id, found)
