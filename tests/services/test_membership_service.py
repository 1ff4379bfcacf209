"""The membership service without HTTP: invitations, requests to join or claim an organisation, and what a search
for one may reveal. No one gains control of an organisation without an officer's approval or a member's invitation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.providers import ProviderStatus
from app.domain.registration import JoinRequestStatus
from app.domain.roles import Role
from app.models import AuditEvent, Invitation, JoinRequest, OutboxEmail, Provider, ProviderIdentifier, User
from app.services import membership, registration
from tests import factories

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
COLLEAGUE = "colleague@pagemoss.example"


def _member(session: Session, name: str = "Page Moss CIC", **kw: object) -> tuple[Provider, User]:
    provider = factories.provider(session, name, **kw)  # type: ignore[arg-type]
    return provider, factories.user(session, Role.PROVIDER, provider=provider)


def _events(session: Session, action: str) -> list[AuditEvent]:
    session.flush()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _mail_to(session: Session, address: str) -> list[OutboxEmail]:
    session.flush()
    return list(session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)))


class Links:
    """Stands in for the view's link builder, keeping each token it was given."""

    def __init__(self) -> None:
        self.tokens: list[str] = []

    def __call__(self, token: str) -> str:
        self.tokens.append(token)
        return f"https://register.example/accept-invitation/{token}"


# Invitations ------------------------------------------------------------------------------------------------


def test_an_invitation_emails_a_link_that_works_for_seven_days_and_keeps_only_a_hash(session: Session) -> None:
    provider, member = _member(session)
    links = Links()

    invitation = membership.invite(session, member, provider, " Colleague@PageMoss.Example ", NOW, links)

    (token,) = links.tokens
    assert (invitation.email, invitation.provider_id, invitation.invited_by_id) == (COLLEAGUE, provider.id, member.id)
    assert invitation.expires_at == NOW + timedelta(days=7)
    assert token not in invitation.token_hash  # the link's secret is not stored
    (email,) = _mail_to(session, COLLEAGUE)
    assert email.subject == "Join Page Moss CIC on the Local Supplier Register"
    assert f"https://register.example/accept-invitation/{token}" in email.body
    (event,) = _events(session, "invitation.sent")
    assert (event.entity_id, event.changes) == (str(provider.id), {"email": COLLEAGUE})


def test_inviting_someone_who_already_acts_for_it_is_refused_at_the_email(session: Session) -> None:
    provider, member = _member(session)
    factories.user(session, Role.PROVIDER, email=COLLEAGUE, provider=provider)

    with pytest.raises(membership.MembershipError) as refused:
        membership.invite(session, member, provider, COLLEAGUE, NOW, Links())

    assert refused.value.field == "email" and str(refused.value) == f"{COLLEAGUE} already acts for Page Moss CIC"
    assert session.scalars(select(Invitation)).all() == []


def test_only_a_member_may_invite(session: Session) -> None:
    provider, _ = _member(session)
    _, outsider = _member(session, "Someone Else's CIC")

    with pytest.raises(registration.NotAMember):
        membership.invite(session, outsider, provider, COLLEAGUE, NOW, Links())

    assert _mail_to(session, COLLEAGUE) == []


def test_accepting_an_invitation_joins_the_organisation_once(session: Session) -> None:
    provider, member = _member(session)
    links = Links()
    invitation = membership.invite(session, member, provider, COLLEAGUE, NOW, links)
    colleague = factories.user(session, Role.PROVIDER, email=COLLEAGUE)

    joined = membership.accept_invitation(session, links.tokens[0], colleague, NOW + timedelta(days=6))

    assert joined is provider and colleague.provider_id == provider.id
    assert (invitation.accepted_at, invitation.accepted_by_id) == (NOW + timedelta(days=6), colleague.id)
    assert [e.changes for e in _events(session, "invitation.accepted")] == [{"email": COLLEAGUE}]
    with pytest.raises(membership.MembershipError, match="This invitation has already been used"):
        membership.accept_invitation(session, links.tokens[0], colleague, NOW + timedelta(days=6))


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("a link with a wrong token", "This invitation link is not valid"),
        ("after seven days", "This invitation has expired. Ask your colleague to invite you again."),
        ("someone else's account", f"This invitation is for {COLLEAGUE}. Sign in with that email address."),
        ("a council account", "Council accounts cannot join an organisation."),
        ("an account acting for another organisation", "Your account already acts for another organisation."),
    ],
)
def test_an_invitation_is_refused_to_anyone_it_was_not_for(
    session: Session, knowsley: factories.CouncilSetup, case: str, message: str
) -> None:
    provider, member = _member(session)
    links = Links()
    membership.invite(session, member, provider, COLLEAGUE, NOW, links)
    token, when = links.tokens[0], NOW + timedelta(days=1)
    if case == "a council account":
        user = factories.user(session, Role.COMMISSIONER, email=COLLEAGUE, council=knowsley.council)
    elif case == "an account acting for another organisation":
        other = factories.provider(session, "Someone Else's CIC")
        user = factories.user(session, Role.PROVIDER, email=COLLEAGUE, provider=other)
    elif case == "someone else's account":
        user = factories.user(session, Role.PROVIDER, email="stranger@example.org")
    else:
        user = factories.user(session, Role.PROVIDER, email=COLLEAGUE)
    if case == "a link with a wrong token":
        token = token[:-4] + "abcd"
    if case == "after seven days":
        when = NOW + timedelta(days=7, seconds=1)

    with pytest.raises(membership.MembershipError) as refused:
        membership.accept_invitation(session, token, user, when)

    assert str(refused.value).startswith(message)
    assert user.provider_id != provider.id
    assert _events(session, "invitation.accepted") == []


# Requests to join -------------------------------------------------------------------------------------------


def test_a_request_to_join_an_unclaimed_organisation_is_a_claim_waiting_for_an_officer(session: Session) -> None:
    imported = factories.provider(session, "Imported Housing Co-operative")
    assert not imported.claimed
    person = factories.user(session, Role.PROVIDER)

    request = membership.request_to_join(session, person, imported, "  I am the secretary  ")

    assert (request.status, request.message, request.user_id) == (
        JoinRequestStatus.PENDING,
        "I am the secretary",
        person.id,
    )
    assert person.provider_id is None  # nothing is granted until an officer approves
    (event,) = _events(session, "join_request.made")
    assert event.changes == {"join_request_id": request.id, "claim": True}


@pytest.mark.parametrize(
    ("case", "message", "field"),
    [
        ("a council account", "Only provider accounts can ask to join an organisation.", None),
        ("an account acting for an organisation", "Your account already acts for an organisation.", None),
        ("no message", "Enter how you are connected to the organisation", "message"),
        ("a second request", "You have already asked to join this organisation. The register team will reply.", None),
    ],
)
def test_a_request_to_join_is_refused(
    session: Session, knowsley: factories.CouncilSetup, case: str, message: str, field: str | None
) -> None:
    provider = factories.provider(session, "Page Moss CIC")
    typed = "I run the cafe"
    if case == "a council account":
        person = factories.user(session, Role.OFFICER, council=knowsley.council)
    elif case == "an account acting for an organisation":
        person = _member(session, "Someone Else's CIC")[1]
    else:
        person = factories.user(session, Role.PROVIDER)
    if case == "no message":
        typed = "   "
    if case == "a second request":
        membership.request_to_join(session, person, provider, "First time")

    with pytest.raises(membership.MembershipError) as refused:
        membership.request_to_join(session, person, provider, typed)

    assert (str(refused.value), refused.value.field) == (message, field)
    made = 1 if case == "a second request" else 0
    assert len(session.scalars(select(JoinRequest)).all()) == made


@pytest.mark.parametrize("status", [ProviderStatus.DRAFT, ProviderStatus.SUBMITTED, ProviderStatus.REJECTED])
def test_an_unpublished_organisation_is_asked_to_join_only_by_the_number_it_holds(
    session: Session, status: ProviderStatus
) -> None:
    provider = factories.provider(session, "Quiet Harbour Co-operative", status=status)
    provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="01234567", org_id="GB-COH-01234567"))
    person = factories.user(session, Role.PROVIDER)

    for number in (None, "GB-COH-07654321"):  # reached by its id, or by a number it does not hold
        with pytest.raises(membership.MembershipError, match="This organisation is not published yet"):
            membership.request_to_join(session, person, provider, "I am the secretary", by_number=number)
    assert session.scalars(select(JoinRequest)).all() == []

    request = membership.request_to_join(session, person, provider, "I am the secretary", by_number="GB-COH-01234567")
    assert request.provider_id == provider.id


def _pending(session: Session, knowsley: factories.CouncilSetup) -> tuple[Provider, User, JoinRequest, User]:
    """A request to join an unclaimed organisation, and the officer who decides it."""
    provider = factories.provider(session, "Page Moss CIC")
    person = factories.user(session, Role.PROVIDER, email=COLLEAGUE)
    request = membership.request_to_join(session, person, provider, "I am the treasurer")
    officer = factories.user(session, Role.OFFICER, council=knowsley.council)
    return provider, person, request, officer


def test_an_approved_request_lets_the_person_act_for_the_organisation(
    session: Session, knowsley: factories.CouncilSetup
) -> None:
    provider, person, request, officer = _pending(session, knowsley)

    membership.decide_join_request(session, officer, request, True, None, NOW)

    assert person.provider_id == provider.id and provider.claimed
    assert (request.status, request.decided_at, request.decided_by_id, request.decision_note) == (
        JoinRequestStatus.APPROVED,
        NOW,
        officer.id,
        None,
    )
    (email,) = _mail_to(session, COLLEAGUE)
    assert email.subject == "You can now keep Page Moss CIC's entry up to date"
    (event,) = _events(session, "join_request.approved")
    assert (event.actor_id, event.changes) == (
        officer.id,
        {"join_request_id": request.id, "user_id": person.id, "note": None},
    )


def test_a_declined_request_needs_a_reason_which_the_person_is_sent(
    session: Session, knowsley: factories.CouncilSetup
) -> None:
    provider, person, request, officer = _pending(session, knowsley)

    with pytest.raises(membership.MembershipError) as refused:
        membership.decide_join_request(session, officer, request, False, "  ", NOW)
    assert refused.value.field == "note" and request.status == JoinRequestStatus.PENDING

    membership.decide_join_request(session, officer, request, False, " We could not confirm you work there ", NOW)

    assert (request.status, request.decision_note) == (
        JoinRequestStatus.DECLINED,
        "We could not confirm you work there",
    )
    assert person.provider_id is None and not provider.claimed
    (email,) = _mail_to(session, COLLEAGUE)
    assert email.subject == "Your request to join Page Moss CIC"
    assert "We could not confirm you work there" in email.body
    assert len(_events(session, "join_request.declined")) == 1


def test_a_request_is_decided_once(session: Session, knowsley: factories.CouncilSetup) -> None:
    _, _, request, officer = _pending(session, knowsley)
    membership.decide_join_request(session, officer, request, True, None, NOW)

    with pytest.raises(membership.MembershipError, match="This request has already been decided"):
        membership.decide_join_request(session, officer, request, False, "Changed my mind", NOW)

    assert request.status == JoinRequestStatus.APPROVED


def test_a_request_is_not_approved_for_someone_who_meanwhile_joined_another_organisation(
    session: Session, knowsley: factories.CouncilSetup
) -> None:
    provider, person, request, officer = _pending(session, knowsley)
    person.provider_id = factories.provider(session, "Someone Else's CIC").id  # by an invitation, say

    with pytest.raises(membership.MembershipError, match="That person already acts for another organisation"):
        membership.decide_join_request(session, officer, request, True, None, NOW)

    assert request.status == JoinRequestStatus.PENDING and not provider.claimed


# What a search for an organisation to join may reveal ---------------------------------------------------------


def test_a_number_match_names_only_a_published_organisation(session: Session, knowsley: factories.CouncilSetup) -> None:
    for name, status, number in (
        ("Published Bakery CIC", ProviderStatus.VERIFIED, "01234567"),
        ("Waiting Laundry CIC", ProviderStatus.SUBMITTED, "07654321"),
    ):
        provider = factories.provider(session, name, status=status)
        provider.identifiers.append(ProviderIdentifier(scheme="GB-COH", value=number, org_id=f"GB-COH-{number}"))
    session.flush()
    published = membership.find_organisations_to_join(session, "1234567").by_number
    assert [(m.published, m.provider and m.provider.name) for m in published] == [(True, "Published Bakery CIC")]
    (waiting,) = membership.find_organisations_to_join(session, "07654321").by_number
    assert waiting.provider is None and not waiting.published
    assert (waiting.register, waiting.number, waiting.org_id) == ("Companies House", "07654321", "GB-COH-07654321")
    assert membership.find_organisations_to_join(session, "Waiting").by_name == []
    assert [p.name for p in membership.find_organisations_to_join(session, "bakery").by_name] == [
        "Published Bakery CIC"
    ]


def test_one_letter_finds_no_names_and_a_published_match_by_number_is_not_listed_again(session: Session) -> None:
    bakery = factories.provider(session, "Published Bakery CIC")
    bakery.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="01234567", org_id="GB-COH-01234567"))
    factories.provider(session, "B Team Co-operative")
    session.flush()

    assert membership.find_organisations_to_join(session, "b").empty
    by_number = membership.find_organisations_to_join(session, "01234567")
    assert [m.provider for m in by_number.by_number] == [bakery] and by_number.by_name == []


@pytest.mark.parametrize(
    ("status", "found"),
    [(ProviderStatus.VERIFIED, True), (ProviderStatus.SUBMITTED, False), (ProviderStatus.DRAFT, False)],
)
def test_an_organisation_is_found_by_its_id_only_when_published(
    session: Session, status: ProviderStatus, found: bool
) -> None:
    provider = factories.provider(session, "Page Moss CIC", status=status)

    assert membership.published_to_join(session, provider.id) is (provider if found else None)
    assert membership.published_to_join(session, provider.id + 1_000) is None


def test_a_held_number_is_looked_up_only_by_its_exact_org_id(session: Session) -> None:
    waiting = factories.provider(session, "Waiting Laundry CIC", status=ProviderStatus.SUBMITTED)
    waiting.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="07654321", org_id="GB-COH-07654321"))
    session.flush()

    held = membership.held_number(session, "GB-COH-07654321")
    assert held is not None and (held.holder, held.provider, held.published) == (waiting, None, False)
    assert membership.held_number(session, "7654321") is None  # typed text, not an org-id
    assert membership.held_number(session, "GB-COH-01234567") is None  # nobody holds it
