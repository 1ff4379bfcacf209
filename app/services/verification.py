"""Officers checking providers: the queue, the decision, and checking one fact at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.domain.providers import EvidenceState, ProviderStatus
from app.domain.registration import JoinRequestStatus, ReviewDecision
from app.domain.roles import Role
from app.models import JoinRequest, Provider, ProviderFact, ProviderIdentifier, ProviderReview, User
from app.services import audit, fulltext
from app.services.audit import Actor
from app.services.mail import queue_email


class ReviewError(ValueError):
    """A decision that cannot be made; ``field`` says where to show the message."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def review_queue(session: Session) -> list[Provider]:
    """Providers waiting for an officer: new submissions, then verified ones with changes to check."""
    return list(
        session.scalars(
            select(Provider)
            .where(or_(Provider.status == ProviderStatus.SUBMITTED, Provider.awaiting_review.is_(True)))
            .options(selectinload(Provider.sites))
            .order_by(Provider.awaiting_review, Provider.submitted_at, Provider.id)
        )
    )


def pending_join_requests(session: Session) -> list[JoinRequest]:
    return list(
        session.scalars(
            select(JoinRequest).where(JoinRequest.status == JoinRequestStatus.PENDING).order_by(JoinRequest.created_at)
        )
    )


def reviews_of(session: Session, provider: Provider) -> list[ProviderReview]:
    return list(
        session.scalars(
            select(ProviderReview).where(ProviderReview.provider_id == provider.id).order_by(ProviderReview.id.desc())
        )
    )


def members_of(session: Session, provider: Provider) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.provider_id == provider.id, User.role == Role.PROVIDER).order_by(User.email)
        )
    )


def _tell_members(session: Session, provider: Provider, subject: str, body: str) -> None:
    for member in members_of(session, provider):
        queue_email(session, member.email, subject, body)


def _decide(
    session: Session,
    officer: User,
    provider: Provider,
    decision: ReviewDecision,
    status: ProviderStatus,
    message: str | None,
    now: datetime,
) -> ProviderReview:
    if provider.status not in (ProviderStatus.SUBMITTED, ProviderStatus.VERIFIED):
        raise ReviewError(f"This organisation is {provider.status.label.lower()}: there is nothing to decide")
    if (
        provider.status == ProviderStatus.VERIFIED
        and not provider.awaiting_review
        and decision == ReviewDecision.VERIFIED
    ):
        raise ReviewError("This organisation is already verified and has no changes to check")
    before = provider.status
    provider.status = status
    provider.status_changed_at = now
    provider.awaiting_review = False
    if status == ProviderStatus.VERIFIED:
        provider.verified_at = now
    review = ProviderReview(provider_id=provider.id, officer_id=officer.id, decision=decision, message=message)
    session.add(review)
    audit.record(
        session,
        Actor.of(officer),
        f"provider.{decision.value}",
        "provider",
        provider.id,
        {"from": before.value, "to": status.value, "message": message},
    )
    return review


def verify(session: Session, officer: User, provider: Provider, now: datetime, service_url: str) -> ProviderReview:
    """Publish the entry (or accept the changes of a published one) and tell its members."""
    accepting_changes = provider.status == ProviderStatus.VERIFIED
    review = _decide(session, officer, provider, ReviewDecision.VERIFIED, ProviderStatus.VERIFIED, None, now)
    if accepting_changes:
        subject = f"The council has checked your changes to {provider.name}"
        body = f"The council has checked your latest changes to {provider.name}. Your entry stays published."
    else:
        subject = f"{provider.name} is verified on the Local Supplier Register"
        body = (
            f"The council has checked {provider.name} and it is now published in the register, where council "
            "staff can find it when they buy services."
        )
    _tell_members(session, provider, subject, f"{body}\n\nSee your entry: {service_url}\n")
    return review


def request_changes(
    session: Session, officer: User, provider: Provider, message: str, now: datetime, service_url: str
) -> ProviderReview:
    """Send the entry back to its members with what to change."""
    if not message.strip():
        raise ReviewError("Enter what the organisation needs to change", "message")
    review = _decide(
        session,
        officer,
        provider,
        ReviewDecision.CHANGES_REQUESTED,
        ProviderStatus.CHANGES_REQUESTED,
        message.strip(),
        now,
    )
    _tell_members(
        session,
        provider,
        f"Changes needed before {provider.name} is published",
        f"The council has checked {provider.name} and needs you to change some details:\n\n{message.strip()}\n\n"
        f"Make the changes and send them again: {service_url}\n",
    )
    return review


def reject(session: Session, officer: User, provider: Provider, reason: str, now: datetime) -> ProviderReview:
    """Refuse the entry, with the reason the members are sent."""
    if not reason.strip():
        raise ReviewError("Enter why the organisation cannot be on the register", "reason")
    review = _decide(session, officer, provider, ReviewDecision.REJECTED, ProviderStatus.REJECTED, reason.strip(), now)
    _tell_members(
        session,
        provider,
        f"{provider.name} cannot be added to the Local Supplier Register",
        f"The council has checked {provider.name} and cannot add it to the register:\n\n{reason.strip()}\n\n"
        "If you think this is wrong, reply to the register team.\n",
    )
    return review


def verify_identifier(
    session: Session, officer: User, identifier: ProviderIdentifier, now: datetime, note: str | None = None
) -> None:
    """Record that an officer checked a registration number against its register."""
    if identifier.evidence == EvidenceState.OFFICER_VERIFIED:
        return
    before = identifier.evidence
    identifier.evidence = EvidenceState.OFFICER_VERIFIED
    identifier.checked_at = now
    identifier.checked_by_id = officer.id
    audit.record(
        session,
        Actor.of(officer),
        "identifier.verified",
        "provider",
        identifier.provider_id,
        {"org_id": identifier.org_id, "from": before.value, "note": note},
    )
    fulltext.refresh(session, identifier.provider)


def verify_fact(session: Session, officer: User, fact: ProviderFact, now: datetime, note: str | None = None) -> None:
    """Record that an officer checked one fact (e.g. the Real Living Wage accreditation)."""
    if fact.value is None:
        raise ReviewError("A fact that is not known cannot be checked")
    before = fact.evidence
    fact.evidence = EvidenceState.OFFICER_VERIFIED
    # The fact's own date stays: it is when the fact was true, not when it was checked (that is audited).
    fact.evidence_note = note or fact.evidence_note or f"Checked by the council on {now:%-d %B %Y}"
    fact.recorded_by_id = officer.id
    audit.record(
        session,
        Actor.of(officer),
        "fact.verified",
        "provider",
        fact.provider_id,
        {"kind": fact.kind.value, "value": fact.value, "from": before.value, "note": note},
    )
    fulltext.refresh(session, fact.provider)
