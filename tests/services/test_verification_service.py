"""The verification service's decisions without HTTP: publish, ask for changes, reject, and check one number or
fact at a time, each with its review record, audit event and the email its members are sent.

The review queue and bulk actions are in test_review_queue.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.providers import EvidenceState, FactKind, ProviderStatus
from app.domain.registration import JoinRequestStatus, ReviewDecision
from app.domain.roles import Role
from app.models import AuditEvent, JoinRequest, OutboxEmail, Provider, ProviderFact, ProviderIdentifier, User
from app.services import verification
from tests import factories

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
SERVICE_URL = "https://register.example/provider/"
MEMBER = "member@pagemoss.example"


@pytest.fixture
def officer(session: Session, knowsley: factories.CouncilSetup) -> User:
    return factories.user(session, Role.OFFICER, council=knowsley.council)


def _entry(session: Session, status: ProviderStatus, *, awaiting_review: bool = False) -> Provider:
    """An organisation in ``status`` with one member, MEMBER."""
    provider = factories.provider(session, "Page Moss CIC", status=status)
    provider.awaiting_review = awaiting_review
    factories.user(session, Role.PROVIDER, email=MEMBER, provider=provider)
    return provider


def _events(session: Session, action: str) -> list[AuditEvent]:
    session.flush()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _mail(session: Session) -> list[OutboxEmail]:
    session.flush()
    return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


# Deciding an entry ----------------------------------------------------------------------------------------------


def test_verifying_a_submitted_entry_publishes_it_and_tells_its_members(session: Session, officer: User) -> None:
    provider = _entry(session, ProviderStatus.SUBMITTED)
    factories.user(session, Role.PROVIDER, email="elsewhere@example.org", provider=factories.provider(session))

    review = verification.verify(session, officer, provider, NOW, SERVICE_URL)

    assert (provider.status, provider.verified_at, provider.status_changed_at) == (ProviderStatus.VERIFIED, NOW, NOW)
    assert (review.decision, review.officer_id, review.provider_id, review.message) == (
        ReviewDecision.VERIFIED,
        officer.id,
        provider.id,
        None,
    )
    (event,) = _events(session, "provider.verified")
    assert (event.actor_id, event.changes) == (officer.id, {"from": "submitted", "to": "verified", "message": None})
    (email,) = _mail(session)  # the member of another organisation hears nothing
    assert (email.to_address, email.subject) == (MEMBER, "Page Moss CIC is verified on the Local Supplier Register")
    assert email.body.endswith(f"See your entry: {SERVICE_URL}\n")


def test_accepting_changes_keeps_a_published_entry_published_with_its_own_email(
    session: Session, officer: User
) -> None:
    provider = _entry(session, ProviderStatus.VERIFIED, awaiting_review=True)

    verification.verify(session, officer, provider, NOW, SERVICE_URL)

    assert provider.status == ProviderStatus.VERIFIED and not provider.awaiting_review
    (email,) = _mail(session)
    assert email.subject == "The council has checked your changes to Page Moss CIC"
    assert "Your entry stays published." in email.body


def test_a_published_entry_with_nothing_to_check_is_not_verified_again(session: Session, officer: User) -> None:
    provider = _entry(session, ProviderStatus.VERIFIED)

    with pytest.raises(verification.ReviewError, match="already verified and has no changes to check"):
        verification.verify(session, officer, provider, NOW, SERVICE_URL)

    assert verification.reviews_of(session, provider) == [] and _mail(session) == []


Decide = Callable[[Session, User, Provider], object]
DECISIONS: dict[str, Decide] = {
    "verify": lambda s, o, p: verification.verify(s, o, p, NOW, SERVICE_URL),
    "request changes": lambda s, o, p: verification.request_changes(
        s, o, p, "Add your charity number", NOW, SERVICE_URL
    ),
    "reject": lambda s, o, p: verification.reject(s, o, p, "Not based in Knowsley", NOW),
}


@pytest.mark.parametrize("decision", sorted(DECISIONS))
@pytest.mark.parametrize(
    ("status", "words"),
    [
        (ProviderStatus.DRAFT, "draft"),
        (ProviderStatus.CHANGES_REQUESTED, "changes requested"),
        (ProviderStatus.REJECTED, "rejected"),
    ],
)
def test_an_entry_that_was_not_sent_for_checking_has_nothing_to_decide(
    session: Session, officer: User, decision: str, status: ProviderStatus, words: str
) -> None:
    provider = _entry(session, status)

    with pytest.raises(verification.ReviewError) as refused:
        DECISIONS[decision](session, officer, provider)

    assert str(refused.value) == f"This organisation is {words}: there is nothing to decide"
    assert provider.status == status and verification.reviews_of(session, provider) == []


def test_asking_for_changes_sends_the_entry_back_with_what_to_change(session: Session, officer: User) -> None:
    provider = _entry(session, ProviderStatus.SUBMITTED)

    with pytest.raises(verification.ReviewError) as refused:
        verification.request_changes(session, officer, provider, "  ", NOW, SERVICE_URL)
    assert refused.value.field == "message" and provider.status == ProviderStatus.SUBMITTED

    review = verification.request_changes(session, officer, provider, " Add your charity number ", NOW, SERVICE_URL)

    assert provider.status == ProviderStatus.CHANGES_REQUESTED
    assert (review.decision, review.message) == (ReviewDecision.CHANGES_REQUESTED, "Add your charity number")
    (email,) = _mail(session)
    assert email.subject == "Changes needed before Page Moss CIC is published"
    assert "Add your charity number" in email.body and SERVICE_URL in email.body
    assert [e.changes for e in _events(session, "provider.changes_requested")] == [
        {"from": "submitted", "to": "changes_requested", "message": "Add your charity number"}
    ]


def test_rejecting_needs_a_reason_which_the_members_are_sent(session: Session, officer: User) -> None:
    provider = _entry(session, ProviderStatus.SUBMITTED)

    with pytest.raises(verification.ReviewError) as refused:
        verification.reject(session, officer, provider, "", NOW)
    assert refused.value.field == "reason"

    review = verification.reject(session, officer, provider, "Not based in Knowsley", NOW)

    assert (provider.status, review.decision, review.message) == (
        ProviderStatus.REJECTED,
        ReviewDecision.REJECTED,
        "Not based in Knowsley",
    )
    assert provider.verified_at is None
    (email,) = _mail(session)
    assert email.subject == "Page Moss CIC cannot be added to the Local Supplier Register"
    assert "Not based in Knowsley" in email.body


def test_reviews_are_listed_newest_first(session: Session, officer: User) -> None:
    provider = _entry(session, ProviderStatus.SUBMITTED)
    first = verification.request_changes(session, officer, provider, "Add your number", NOW, SERVICE_URL)
    provider.status = ProviderStatus.SUBMITTED  # sent again
    second = verification.verify(session, officer, provider, NOW + timedelta(days=1), SERVICE_URL)
    session.flush()

    assert verification.reviews_of(session, provider) == [second, first]


# Checking one number or fact ------------------------------------------------------------------------------------


def test_checking_a_number_records_who_and_when_once(session: Session, officer: User) -> None:
    provider = _entry(session, ProviderStatus.SUBMITTED)
    identifier = ProviderIdentifier(
        scheme="GB-COH", value="01234567", org_id="GB-COH-01234567", evidence=EvidenceState.SELF_DECLARED
    )
    provider.identifiers.append(identifier)
    session.flush()

    verification.verify_identifier(session, officer, identifier, NOW, note="Seen on Companies House")
    verification.verify_identifier(session, officer, identifier, NOW + timedelta(hours=1))

    assert (identifier.evidence, identifier.checked_at, identifier.checked_by_id) == (
        EvidenceState.OFFICER_VERIFIED,
        NOW,
        officer.id,
    )
    (event,) = _events(session, "identifier.verified")
    assert event.changes == {"org_id": "GB-COH-01234567", "from": "self_declared", "note": "Seen on Companies House"}


@pytest.mark.parametrize(
    ("note", "kept"),
    [(None, "Checked by the council on 3 December 2026"), ("Certificate seen", "Certificate seen")],
)
def test_checking_a_fact_keeps_its_date_and_says_how_it_was_checked(
    session: Session, officer: User, note: str | None, kept: str
) -> None:
    provider = _entry(session, ProviderStatus.SUBMITTED)
    fact = ProviderFact(
        kind=FactKind.REAL_LIVING_WAGE,
        value="yes",
        evidence=EvidenceState.SELF_DECLARED,
        as_of=NOW.date() - timedelta(days=90),
    )
    provider.facts.append(fact)
    session.flush()

    verification.verify_fact(session, officer, fact, NOW, note)

    assert (fact.evidence, fact.evidence_note, fact.recorded_by_id) == (
        EvidenceState.OFFICER_VERIFIED,
        kept,
        officer.id,
    )
    assert fact.as_of == NOW.date() - timedelta(days=90)  # when it was true, not when it was checked
    (event,) = _events(session, "fact.verified")
    assert event.changes == {"kind": "real_living_wage", "value": "yes", "from": "self_declared", "note": note}


def test_a_fact_that_is_not_known_cannot_be_checked(session: Session, officer: User) -> None:
    provider = _entry(session, ProviderStatus.SUBMITTED)
    fact = ProviderFact(kind=FactKind.TURNOVER, value=None, evidence=EvidenceState.UNKNOWN)
    provider.facts.append(fact)
    session.flush()

    with pytest.raises(verification.ReviewError, match="A fact that is not known cannot be checked"):
        verification.verify_fact(session, officer, fact, NOW)

    assert fact.evidence == EvidenceState.UNKNOWN and _events(session, "fact.verified") == []


# Who acts for an entry, and requests waiting --------------------------------------------------------------------


def test_members_are_the_provider_accounts_of_that_organisation_by_email(
    session: Session, officer: User, knowsley: factories.CouncilSetup
) -> None:
    provider = _entry(session, ProviderStatus.SUBMITTED)
    factories.user(session, Role.PROVIDER, email="another@pagemoss.example", provider=provider)
    factories.user(session, Role.PROVIDER, email="aardvark@elsewhere.example", provider=factories.provider(session))

    assert [u.email for u in verification.members_of(session, provider)] == ["another@pagemoss.example", MEMBER]


def test_pending_join_requests_are_listed_oldest_first_without_decided_ones(session: Session) -> None:
    provider = factories.provider(session, "Page Moss CIC")
    made = []
    for minutes, status in (
        (30, JoinRequestStatus.PENDING),
        (10, JoinRequestStatus.PENDING),
        (0, JoinRequestStatus.DECLINED),
    ):
        person = factories.user(session, Role.PROVIDER)
        made.append(
            JoinRequest(
                provider_id=provider.id,
                user_id=person.id,
                message="I work there",
                status=status,
                created_at=NOW - timedelta(minutes=minutes),
            )
        )
    session.add_all(made)
    session.flush()

    assert verification.pending_join_requests(session) == [made[0], made[1]]
