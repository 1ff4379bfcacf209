"""Who acts for an organisation: invitations from members, and requests to join or claim one.

No one gains control of an organisation without an officer's approval or an invitation from an
existing member.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from app.domain.providers import IDENTIFIER_SCHEMES
from app.domain.refusals import Refusal
from app.domain.registration import FINDABLE_BY_NAME, JoinRequestStatus, candidate_org_ids, join_refusal
from app.domain.roles import Role
from app.models import Invitation, JoinRequest, Provider, ProviderIdentifier, User
from app.services import audit
from app.services.accounts import normalise_email
from app.services.audit import Actor
from app.services.mail import queue_email
from app.services.registration import ensure_member

INVITATION_LIFETIME = timedelta(days=7)
#: Fewest characters of a name worth searching for, and most organisations listed.
NAME_SEARCH_MIN_LENGTH = 2
NAME_SEARCH_LIMIT = 20


class MembershipError(Refusal):
    """A request to join, invite or decide that cannot be met; ``field`` says where to show the message."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    session: Session, user: User, provider: Provider, email: str, now: datetime, link_for: Callable[[str], str]
) -> Invitation:
    """Email a colleague a link to join the organisation; the link works once, for 7 days."""
    ensure_member(user, provider)
    email = normalise_email(email)
    member = session.scalar(select(User).where(User.email == email))
    if member is not None and member.provider_id == provider.id:
        raise MembershipError(f"{email} already acts for {provider.name}", "email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        provider_id=provider.id,
        email=email,
        token_hash=_hash(token),
        invited_by_id=user.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    queue_email(
        session,
        email,
        f"Join {provider.name} on the Local Supplier Register",
        f"{user.full_name or user.email} has invited you to help keep {provider.name}'s entry on the "
        f"Local Supplier Register up to date.\n\nTo accept, open this link within 7 days:\n{link_for(token)}\n\n"
        "If you were not expecting this, you can ignore this email.",
    )
    audit.record(session, Actor.of(user), "invitation.sent", "provider", provider.id, {"email": email})
    return invitation


def find_invitation(session: Session, token: str, now: datetime) -> Invitation:
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None:
        raise MembershipError("This invitation link is not valid. Check you copied the whole link from the email.")
    if invitation.accepted_at is not None:
        raise MembershipError("This invitation has already been used.")
    if invitation.expires_at < now:
        raise MembershipError("This invitation has expired. Ask your colleague to invite you again.")
    return invitation


def accept_invitation(session: Session, token: str, user: User, now: datetime) -> Provider:
    """Join the organisation the invitation is for; the invitation must be for this user's email."""
    invitation = find_invitation(session, token, now)
    if normalise_email(user.email) != invitation.email:
        raise MembershipError(f"This invitation is for {invitation.email}. Sign in with that email address.")
    if user.role != Role.PROVIDER:
        raise MembershipError("Council accounts cannot join an organisation.")
    if user.provider_id is not None and user.provider_id != invitation.provider_id:
        raise MembershipError("Your account already acts for another organisation.")
    user.provider_id = invitation.provider_id
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    audit.record(
        session, Actor.of(user), "invitation.accepted", "provider", invitation.provider_id, {"email": user.email}
    )
    return invitation.provider


@dataclass(frozen=True)
class NumberMatch:
    """An organisation on the register holding a registration number someone typed in full.

    ``provider`` is given only when the organisation is published: for any other, pages show only
    that a record with that number exists, so the person can ask to join without learning anything
    the council has not published. ``holder`` is for the request itself, never for display.
    """

    org_id: str
    register: str
    number: str
    holder: Provider = field(repr=False)
    published: bool

    @property
    def provider(self) -> Provider | None:
        return self.holder if self.published else None


@dataclass(frozen=True)
class JoinSearch:
    by_number: list[NumberMatch]
    by_name: list[Provider]

    @property
    def empty(self) -> bool:
        return not self.by_number and not self.by_name


def number_match(identifier: ProviderIdentifier) -> NumberMatch:
    scheme = IDENTIFIER_SCHEMES[identifier.scheme]
    shown = identifier.value if not scheme.org_id_drops else scheme.org_id_drops + identifier.value
    holder = identifier.provider
    return NumberMatch(identifier.org_id, scheme.register, shown, holder, holder.status in FINDABLE_BY_NAME)


def find_organisations_to_join(session: Session, query: str) -> JoinSearch:
    """Organisations someone may ask to join: published ones by name, and any one by its exact number."""
    query = query.strip()
    candidates = candidate_org_ids(query)
    identifiers = (
        session.scalars(
            select(ProviderIdentifier)
            .options(joinedload(ProviderIdentifier.provider))
            .where(ProviderIdentifier.org_id.in_(sorted(candidates)))
            .order_by(ProviderIdentifier.org_id)
        ).all()
        if candidates
        else []
    )
    by_number = [number_match(i) for i in identifiers]
    by_name: list[Provider] = []
    if len(query) >= NAME_SEARCH_MIN_LENGTH:
        numbered = {m.provider.id for m in by_number if m.provider is not None}
        # autoescape: "%" and "_" are letters someone typed, not wildcards that list everything
        by_name = [
            p
            for p in session.scalars(
                select(Provider)
                .where(
                    Provider.status.in_(sorted(FINDABLE_BY_NAME)),
                    or_(
                        Provider.name.icontains(query, autoescape=True),
                        Provider.trading_name.icontains(query, autoescape=True),
                    ),
                )
                .order_by(Provider.name, Provider.id)
                .limit(NAME_SEARCH_LIMIT)
            )
            if p.id not in numbered
        ]
    return JoinSearch(by_number, by_name)


def published_to_join(session: Session, provider_id: int) -> Provider | None:
    """A published organisation, found by its id; None for any other, so ids reveal nothing unpublished."""
    provider = session.get(Provider, provider_id)
    return provider if provider is not None and join_refusal(provider.status, by_number=False) is None else None


def held_number(session: Session, org_id: str) -> NumberMatch | None:
    """The organisation holding this exact org-id, whatever its status, as a :class:`NumberMatch`."""
    if org_id not in candidate_org_ids(org_id):  # not an org-id in its canonical form: nothing to look up
        return None
    identifier = session.scalar(
        select(ProviderIdentifier)
        .options(joinedload(ProviderIdentifier.provider))
        .where(ProviderIdentifier.org_id == org_id)
    )
    return number_match(identifier) if identifier is not None else None


def request_to_join(
    session: Session, user: User, provider: Provider, message: str, *, by_number: str | None = None
) -> JoinRequest:
    """Ask an officer to let this user act for an organisation on the register (claim or join it).

    ``by_number`` is the org-id the person typed in full to find it: the only way to an unpublished organisation.
    """
    if user.role != Role.PROVIDER:
        raise MembershipError("Only provider accounts can ask to join an organisation.")
    if user.provider_id is not None:
        raise MembershipError("Your account already acts for an organisation.")
    holds_number = by_number is not None and any(i.org_id == by_number for i in provider.identifiers)
    refusal = join_refusal(provider.status, by_number=holds_number)
    if refusal:
        raise MembershipError(refusal)
    if not message.strip():
        raise MembershipError("Enter how you are connected to the organisation", "message")
    pending = session.scalar(
        select(JoinRequest).where(
            JoinRequest.user_id == user.id,
            JoinRequest.provider_id == provider.id,
            JoinRequest.status == JoinRequestStatus.PENDING,
        )
    )
    if pending is not None:
        raise MembershipError("You have already asked to join this organisation. The register team will reply.")
    request = JoinRequest(provider_id=provider.id, user_id=user.id, message=message.strip())
    session.add(request)
    session.flush()
    audit.record(
        session,
        Actor.of(user),
        "join_request.made",
        "provider",
        provider.id,
        {"join_request_id": request.id, "claim": not provider.claimed},
    )
    return request


def decide_join_request(
    session: Session, officer: User, request: JoinRequest, approve: bool, note: str | None, now: datetime
) -> None:
    """Approve (the person then acts for the organisation, which counts as claimed) or decline."""
    if request.status != JoinRequestStatus.PENDING:
        raise MembershipError("This request has already been decided.")
    if not approve and not (note or "").strip():
        raise MembershipError("Enter why you are declining the request", "note")
    if approve and request.user.provider_id is not None and request.user.provider_id != request.provider_id:
        raise MembershipError("That person already acts for another organisation.")
    request.decided_at = now
    request.decided_by_id = officer.id
    request.decision_note = (note or "").strip() or None
    provider = request.provider
    if approve:
        request.status = JoinRequestStatus.APPROVED
        request.user.provider_id = provider.id
        provider.claimed = True
        subject = f"You can now keep {provider.name}'s entry up to date"
        body = f"The register team has approved your request. Sign in to see and update {provider.name}'s entry."
    else:
        request.status = JoinRequestStatus.DECLINED
        subject = f"Your request to join {provider.name}"
        body = f"The register team could not approve your request:\n\n{request.decision_note}\n"
    queue_email(session, request.user.email, subject, body)
    audit.record(
        session,
        Actor.of(officer),
        f"join_request.{request.status.value}",
        "provider",
        provider.id,
        {"join_request_id": request.id, "user_id": request.user_id, "note": request.decision_note},
    )
