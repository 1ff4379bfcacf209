"""The registration service without HTTP: a provider's account starting, filling in and sending its entry.

Every operation is called as a view calls it, with the session, the acting user and the time; the tests read
what it flushed (the rows and their audit events) without committing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.providers import EvidenceState, FactKind, LegalForm, ProviderSource, ProviderStatus, SiteKind
from app.domain.roles import Role
from app.geo.placement import SitePlacer
from app.geo.postcode_directory import PostcodeStore
from app.models import AuditEvent, Provider, ProviderIdentifier, ServiceCategory, User
from app.services import registration
from tests import factories

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


def _member(session: Session, status: ProviderStatus = ProviderStatus.DRAFT) -> tuple[Provider, User]:
    """An organisation in ``status`` (with one trading site) and a provider account that acts for it."""
    provider = factories.provider(session, "Service Test CIC", status=status)
    return provider, factories.user(session, Role.PROVIDER, provider=provider)


def _events(session: Session, action: str) -> list[AuditEvent]:
    session.flush()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _placer(session: Session) -> SitePlacer:
    """The offline placer with no postcode directory loaded: premises are kept, placed nowhere, with the reason."""
    return SitePlacer(PostcodeStore(session))


# Starting a registration ----------------------------------------------------------------------------------------


def test_start_registration_makes_a_claimed_draft_for_the_account(session: Session) -> None:
    user = factories.user(session, Role.PROVIDER)

    provider = registration.start_registration(session, user, "  Page Moss CIC ", "   ")

    assert (provider.name, provider.trading_name) == ("Page Moss CIC", None)
    assert (provider.status, provider.legal_form, provider.source) == (
        ProviderStatus.DRAFT,
        LegalForm.UNKNOWN,
        ProviderSource.SELF_REGISTERED,
    )
    assert provider.claimed and user.provider is provider
    (event,) = _events(session, "provider.registration_started")
    assert (event.actor_id, event.entity_id, event.changes) == (user.id, str(provider.id), {"name": "Page Moss CIC"})


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("commissioner", registration.NotAMember),
        ("member of another organisation", registration.RegistrationError),
    ],
)
def test_start_registration_is_refused_to_council_staff_and_to_an_account_with_an_organisation(
    session: Session, knowsley: factories.CouncilSetup, who: str, refusal: type[Exception]
) -> None:
    if who == "commissioner":
        user = factories.user(session, Role.COMMISSIONER, council=knowsley.council)
    else:
        user = _member(session)[1]
    before = session.scalar(select(func.count(Provider.id)))

    with pytest.raises(refusal):
        registration.start_registration(session, user, "Second CIC", None)

    assert session.scalar(select(func.count(Provider.id))) == before
    assert _events(session, "provider.registration_started") == []


# Who may change an entry --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["another organisation's member", "a council officer", "a member of a rejected entry"])
def test_only_a_member_of_an_entry_that_may_change_can_change_it(
    session: Session, knowsley: factories.CouncilSetup, who: str
) -> None:
    provider, member = _member(
        session, ProviderStatus.REJECTED if who == "a member of a rejected entry" else ProviderStatus.DRAFT
    )
    if who == "another organisation's member":
        user = _member(session)[1]
    elif who == "a council officer":
        user = factories.user(session, Role.OFFICER, council=knowsley.council)
    else:
        user = member

    with pytest.raises(registration.NotAMember):
        registration.update_names(session, user, provider, "Taken Over Ltd", None)

    assert provider.name == "Service Test CIC"
    assert _events(session, "provider.names_changed") == []


def test_names_are_trimmed_and_only_a_real_change_is_recorded(session: Session) -> None:
    provider, user = _member(session)

    registration.update_names(session, user, provider, "Service Test CIC", "")
    assert _events(session, "provider.names_changed") == []

    registration.update_names(session, user, provider, " Page Moss Community CIC ", " Page Moss Pantry ")
    assert (provider.name, provider.trading_name) == ("Page Moss Community CIC", "Page Moss Pantry")
    (event,) = _events(session, "provider.names_changed")
    assert event.changes == {
        "from": {"name": "Service Test CIC", "trading_name": None},
        "to": {"name": "Page Moss Community CIC", "trading_name": "Page Moss Pantry"},
    }


# Changes an officer must check again --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "checked_again"),
    [(ProviderStatus.VERIFIED, True), (ProviderStatus.DRAFT, False), (ProviderStatus.SUBMITTED, False)],
)
def test_a_new_legal_form_puts_only_a_published_entry_in_front_of_an_officer(
    session: Session, status: ProviderStatus, checked_again: bool
) -> None:
    provider, user = _member(session, status)

    registration.set_legal_form(session, user, provider, LegalForm.COOPERATIVE)

    assert provider.legal_form == LegalForm.COOPERATIVE
    assert provider.status == status  # a published entry stays published while it waits
    assert provider.awaiting_review is checked_again
    (changed,) = _events(session, "provider.legal_form_changed")
    assert changed.changes == {"from": "cic", "to": "cooperative_society"}
    flagged = _events(session, "provider.change_to_check")
    assert [e.changes for e in flagged] == ([{"changed": "legal form"}] if checked_again else [])


def test_an_entry_already_waiting_for_a_check_is_flagged_once_and_the_same_answer_changes_nothing(
    session: Session,
) -> None:
    provider, user = _member(session, ProviderStatus.VERIFIED)

    registration.set_legal_form(session, user, provider, LegalForm.CIC)  # as it was
    assert not provider.awaiting_review and _events(session, "provider.legal_form_changed") == []

    registration.set_legal_form(session, user, provider, LegalForm.COOPERATIVE)
    registration.set_identifiers(session, user, provider, {"GB-MPR": "31129"})
    assert provider.awaiting_review
    assert [e.changes for e in _events(session, "provider.change_to_check")] == [{"changed": "legal form"}]


# Registration numbers -----------------------------------------------------------------------------------------------


def test_numbers_are_stored_as_org_ids_replaced_and_removed_with_a_record_of_each_change(session: Session) -> None:
    provider, user = _member(session)

    registration.set_identifiers(session, user, provider, {"GB-COH": " 1234567 ", "GB-CHC": ""})
    (company,) = provider.identifiers
    assert (company.org_id, company.value, company.evidence) == (
        "GB-COH-01234567",  # the leading zero a spreadsheet lost, put back
        "01234567",
        EvidenceState.SELF_DECLARED,
    )

    registration.set_identifiers(session, user, provider, {"GB-COH": "SC123456"})
    assert [i.org_id for i in provider.identifiers] == ["GB-COH-SC123456"]

    registration.set_identifiers(session, user, provider, {"GB-COH": ""})
    assert provider.identifiers == []
    assert [e.changes for e in _events(session, "provider.identifiers_changed")] == [
        {"GB-COH": {"from": None, "to": "GB-COH-01234567"}},
        {"GB-COH": {"from": "GB-COH-01234567", "to": "GB-COH-SC123456"}},
        {"GB-COH": {"from": "GB-COH-SC123456", "to": None}},
    ]


def test_a_malformed_number_is_refused_at_its_own_field(session: Session) -> None:
    provider, user = _member(session)

    with pytest.raises(registration.RegistrationError) as refused:
        registration.set_identifiers(session, user, provider, {"GB-COH": "01234567", "GB-CHC": "12-34"})

    assert refused.value.field == "GB-CHC"
    assert "Enter a Charity Commission number in the right format, like 1234567" in str(refused.value)
    assert provider.identifiers == []  # nothing stored, not even the good number


def test_a_number_another_organisation_holds_is_refused_with_the_way_to_join_it(session: Session) -> None:
    holder = factories.provider(session, "First Claimant CIC", status=ProviderStatus.SUBMITTED)
    holder.identifiers.append(ProviderIdentifier(scheme="GB-COH", value="01234567", org_id="GB-COH-01234567"))
    provider, user = _member(session)
    session.flush()

    with pytest.raises(registration.DuplicateIdentifier) as refused:
        registration.set_identifiers(session, user, provider, {"GB-COH": "1234567"})

    assert (refused.value.field, refused.value.org_id, refused.value.existing) == ("GB-COH", "GB-COH-01234567", holder)
    assert (
        str(refused.value) == "An organisation with this Companies House number is already registered. Ask to join it"
    )
    assert provider.identifiers == [] and _events(session, "provider.identifiers_changed") == []


# Premises -------------------------------------------------------------------------------------------------------


def test_add_site_keeps_the_address_and_refuses_a_second_registered_office(
    session: Session, knowsley: factories.CouncilSetup
) -> None:
    provider, user = _member(session)
    placer = _placer(session)
    site, _ = registration.add_site(
        session,
        user,
        provider,
        SiteKind.REGISTERED_OFFICE,
        "L36 9GD",
        address=" 1 Page Moss Parade ",
        town="Liverpool",
        address_public=False,
        placer=placer,
        now=NOW,
    )
    assert (site.address, site.town, site.address_public) == ("1 Page Moss Parade", "Liverpool", False)
    assert site.placement_note  # not placed, and why
    with pytest.raises(registration.RegistrationError) as refused:
        registration.add_site(
            session,
            user,
            provider,
            SiteKind.REGISTERED_OFFICE,
            "L1 8JQ",
            address="2 Castle Street",
            town="Liverpool",
            address_public=True,
            placer=placer,
            now=NOW,
        )
    assert refused.value.field == "kind"
    assert [s.kind for s in provider.sites].count(SiteKind.REGISTERED_OFFICE) == 1
    assert len(_events(session, "site.added")) == 1


def test_a_new_address_for_published_premises_is_checked_again_and_an_unchanged_one_is_not_recorded(
    session: Session,
) -> None:
    provider, user = _member(session, ProviderStatus.VERIFIED)
    (site,) = provider.sites
    placer = _placer(session)

    registration.update_site_address(
        session, user, provider, site, address="1 Test Street", town=None, address_public=True, placer=placer, now=NOW
    )
    assert _events(session, "site.address_changed") == [] and not provider.awaiting_review

    registration.update_site_address(
        session,
        user,
        provider,
        site,
        address=" 2 Derby Road ",
        town="Huyton",
        address_public=False,
        placer=placer,
        now=NOW,
    )
    assert (site.address, site.town, site.address_public) == ("2 Derby Road", "Huyton", False)
    (event,) = _events(session, "site.address_changed")
    assert event.changes == {
        "from": {"address": "1 Test Street", "town": None, "address_public": True},
        "to": {"address": "2 Derby Road", "town": "Huyton", "address_public": False},
    }
    assert provider.awaiting_review
    assert [e.changes for e in _events(session, "provider.change_to_check")] == [{"changed": "premises"}]


def test_premises_of_another_organisation_cannot_be_changed_or_removed(session: Session) -> None:
    provider, user = _member(session)
    (theirs,) = factories.provider(session, "Someone Else's CIC").sites

    with pytest.raises(registration.NotAMember):
        registration.update_site_address(
            session,
            user,
            provider,
            theirs,
            address="Mine now",
            town=None,
            address_public=True,
            placer=_placer(session),
            now=NOW,
        )
    with pytest.raises(registration.NotAMember):
        registration.remove_site(session, user, provider, theirs)
    assert theirs.address == "1 Test Street" and theirs.provider_id != provider.id


@pytest.mark.parametrize(
    ("status", "removed"),
    [(ProviderStatus.DRAFT, True), (ProviderStatus.SUBMITTED, False), (ProviderStatus.VERIFIED, False)],
)
def test_an_entry_sent_to_the_council_keeps_its_only_premises(
    session: Session, status: ProviderStatus, removed: bool
) -> None:
    provider, user = _member(session, status)
    (site,) = provider.sites

    if removed:
        registration.remove_site(session, user, provider, site)
    else:
        with pytest.raises(registration.RegistrationError, match="You cannot remove your only premises"):
            registration.remove_site(session, user, provider, site)

    assert provider.sites == ([] if removed else [site])
    assert len(_events(session, "site.removed")) == int(removed)


def test_removing_one_of_two_published_premises_is_checked_again(session: Session) -> None:
    provider, user = _member(session, ProviderStatus.VERIFIED)
    first = provider.sites[0]
    second, _ = registration.add_site(
        session,
        user,
        provider,
        SiteKind.TRADING_SITE,
        "L36 0AA",
        address="3 Market Street",
        town=None,
        address_public=True,
        placer=_placer(session),
        now=NOW,
    )
    provider.awaiting_review = False  # as if an officer had accepted the new premises

    registration.remove_site(session, user, provider, first)

    assert provider.sites == [second] and provider.awaiting_review
    (event,) = _events(session, "site.removed")
    assert event.changes == {"provider_id": provider.id, "kind": "trading_site", "postcode": "L36 9GD"}


# Areas, services, facts and contact details -----------------------------------------------------------------


def test_areas_served_and_services_record_what_changed(session: Session, knowsley: factories.CouncilSetup) -> None:
    provider, user = _member(session)
    cleaning = ServiceCategory(slug="cleaning", name="Cleaning")
    session.add(cleaning)

    registration.set_areas_served(session, user, provider, [knowsley.district, knowsley.neighbour])
    registration.set_areas_served(session, user, provider, [knowsley.neighbour, knowsley.district])  # same areas
    registration.set_services(session, user, provider, [cleaning], "  Office cleaning in Knowsley. ")

    assert sorted(a.code for a in provider.areas_served) == ["E08000011", "E08000012"]
    assert [e.changes for e in _events(session, "provider.areas_served_changed")] == [
        {"from": [], "to": ["E08000011", "E08000012"]}
    ]
    assert provider.description == "Office cleaning in Knowsley."
    (services,) = _events(session, "provider.services_changed")
    assert services.changes == {
        "from": {"services": [], "description": None},
        "to": {"services": ["cleaning"], "description": "Office cleaning in Knowsley."},
    }


def test_facts_are_self_declared_not_known_is_kept_and_no_answer_removes_one(session: Session) -> None:
    provider, user = _member(session)

    registration.set_facts(
        session,
        user,
        provider,
        {FactKind.STAFF_COUNT: " 4 ", FactKind.TURNOVER: "not known", FactKind.REAL_LIVING_WAGE: None},
        TODAY,
    )
    facts = {f.kind: f for f in provider.facts}
    assert set(facts) == {FactKind.STAFF_COUNT, FactKind.TURNOVER}
    staff, turnover = facts[FactKind.STAFF_COUNT], facts[FactKind.TURNOVER]
    assert (staff.value, staff.evidence, staff.as_of, staff.recorded_by_id) == (
        "4",
        EvidenceState.SELF_DECLARED,
        TODAY,
        user.id,
    )
    # "Not known" is an answer: the question was seen, and no value is claimed.
    assert (turnover.value, turnover.evidence) == (None, EvidenceState.UNKNOWN)

    registration.set_facts(session, user, provider, {FactKind.STAFF_COUNT: "4", FactKind.TURNOVER: "not known"}, TODAY)
    registration.set_facts(session, user, provider, {FactKind.STAFF_COUNT: None}, date(2027, 1, 5))

    assert [f.kind for f in provider.facts] == [FactKind.TURNOVER]
    assert [e.changes for e in _events(session, "provider.facts_changed")] == [
        {"staff_count": {"from": None, "to": "4"}, "turnover": {"from": None, "to": "not known"}},
        {"staff_count": {"from": "4", "to": None}},
    ]


def test_contact_details_are_trimmed_the_email_lower_cased_and_blanks_left_out(session: Session) -> None:
    provider, user = _member(session)

    registration.set_contact(
        session,
        user,
        provider,
        contact_name=" ",
        contact_email=" Hello@PageMoss.Example ",
        contact_phone="",
        website=None,
    )

    assert (provider.contact_name, provider.contact_email, provider.contact_phone, provider.website) == (
        None,
        "hello@pagemoss.example",
        None,
        None,
    )
    (event,) = _events(session, "provider.contact_changed")
    assert event.changes["to"]["contact_email"] == "hello@pagemoss.example"


# Sending the entry to the council -------------------------------------------------------------------------------


def _complete(session: Session, provider: Provider, user: User) -> None:
    """Answer every section a CIC needs: legal form and its Companies House number, services, contact email."""
    category = ServiceCategory(slug="community-support", name="Community support, advice and navigation")
    session.add(category)
    registration.set_legal_form(session, user, provider, LegalForm.CIC)
    registration.set_identifiers(session, user, provider, {"GB-COH": "01234567"})
    registration.set_services(session, user, provider, [category], "Community navigation in Page Moss.")
    registration.set_contact(
        session,
        user,
        provider,
        contact_name=None,
        contact_email="hello@pagemoss.example",
        contact_phone=None,
        website=None,
    )


def test_an_unfinished_entry_cannot_be_sent(session: Session) -> None:
    provider, user = _member(session)

    with pytest.raises(registration.RegistrationError, match="Complete every section before you send your answers"):
        registration.submit(session, user, provider, NOW)

    assert provider.status == ProviderStatus.DRAFT and provider.submitted_at is None


@pytest.mark.parametrize(
    ("status", "resubmitted"), [(ProviderStatus.DRAFT, False), (ProviderStatus.CHANGES_REQUESTED, True)]
)
def test_a_complete_entry_is_sent_for_checking_once(
    session: Session, status: ProviderStatus, resubmitted: bool
) -> None:
    provider, user = _member(session, status)
    _complete(session, provider, user)

    sent = registration.submit(session, user, provider, NOW)

    assert sent == registration.Submitted(provider, resubmitted)
    assert (provider.status, provider.submitted_at, provider.status_changed_at) == (ProviderStatus.SUBMITTED, NOW, NOW)
    (event,) = _events(session, "provider.submitted")
    assert event.changes == {"resubmitted": resubmitted}
    with pytest.raises(registration.RegistrationError, match="already been sent for checking"):
        registration.submit(session, user, provider, NOW)
    assert len(_events(session, "provider.submitted")) == 1
