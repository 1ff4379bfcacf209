"""Officers checking organisations: the queue, the review page, decisions, checked facts and join requests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.domain.providers import EvidenceState, FactKind, LegalForm, ProviderSource, ProviderStatus
from app.domain.registration import JoinRequestStatus, ReviewDecision
from app.domain.roles import Role
from app.extensions import db
from app.models import (
    AuditEvent,
    JoinRequest,
    OutboxEmail,
    Provider,
    ProviderFact,
    ProviderIdentifier,
    ProviderReview,
    User,
)
from app.models.base import utcnow
from tests import factories
from tests.views.conftest import ADMIN, ANON, COMMISSIONER, OFFICER, PROVIDER


@dataclass
class Case:
    """One organisation waiting for checks, with a member, a number, a fact and a pending join request."""

    provider_id: int
    identifier_id: int
    fact_id: int
    member_email: str
    join_request_id: int
    joiner_id: int
    imported_id: int


def _submitted(
    name: str = "Liverpool Green Co-operative",
    *,
    member_email: str | None = None,
    status: ProviderStatus = ProviderStatus.SUBMITTED,
    days_ago: int = 1,
    org_number: str | None = None,
    **kw: object,
) -> Provider:
    """A provider sent for checking, with one registration number, one fact and (optionally) a member."""
    provider = factories.provider(db.session, name, status=status, legal_form=LegalForm.COOPERATIVE, **kw)  # type: ignore[arg-type]
    provider.submitted_at = utcnow() - timedelta(days=days_ago) if status != ProviderStatus.DRAFT else None
    provider.claimed = True
    number = org_number or f"{provider.id}R"
    provider.identifiers.append(
        ProviderIdentifier(
            scheme="GB-MPR", value=number, org_id=f"GB-MPR-{number}", evidence=EvidenceState.SELF_DECLARED
        )
    )
    provider.facts.append(
        ProviderFact(kind=FactKind.REAL_LIVING_WAGE, value="yes", evidence=EvidenceState.SELF_DECLARED)
    )
    if member_email:
        factories.user(db.session, Role.PROVIDER, email=member_email, provider=provider)
    db.session.flush()
    return provider


def _case() -> Case:
    provider = _submitted(member_email="member@green.example")
    imported = factories.provider(db.session, "Imported Bakery CIC")
    imported.source = ProviderSource.IMPORTED
    imported.claimed = False
    joiner = factories.user(db.session, Role.PROVIDER, email="joiner@bakery.example")
    join_request = JoinRequest(provider_id=imported.id, user_id=joiner.id, message="I am the bakery's manager.")
    db.session.add(join_request)
    db.session.commit()
    return Case(
        provider.id,
        provider.identifiers[0].id,
        provider.facts[0].id,
        "member@green.example",
        join_request.id,
        joiner.id,
        imported.id,
    )


def _fresh() -> None:
    """Forget what the test's session holds, so it sees what the requests committed."""
    db.session.expire_all()


def _outbox_to(address: str) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address)))


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


# endpoint -> (method, path, form data); the path is formatted with the Case's fields.
ENDPOINTS: dict[str, tuple[str, str, dict[str, str]]] = {
    "officers.reviews": ("GET", "/officer/reviews", {}),
    "officers.review_provider": ("GET", "/officer/providers/{provider_id}/review", {}),
    "officers.mark_identifier_checked": (
        "POST",
        "/officer/providers/{provider_id}/identifiers/{identifier_id}/mark-checked",
        {},
    ),
    "officers.mark_fact_checked": ("POST", "/officer/providers/{provider_id}/facts/{fact_id}/mark-checked", {}),
    "officers.verify_provider": ("POST", "/officer/providers/{provider_id}/verify", {}),
    "officers.request_changes": (
        "POST",
        "/officer/providers/{provider_id}/request-changes",
        {"message": "Add your registered office"},
    ),
    "officers.reject_provider": ("POST", "/officer/providers/{provider_id}/reject", {"reason": "Not a supplier"}),
    "officers.approve_join_request": ("POST", "/officer/join-requests/{join_request_id}/approve", {}),
    "officers.decline_join_request": (
        "POST",
        "/officer/join-requests/{join_request_id}/decline",
        {"note": "We could not confirm you work there"},
    ),
    # Take the imported (published) bakery back into the queue: asked, then confirmed.
    "officers.bulk_action": (
        "POST",
        "/officer/reviews/bulk-action",
        {"action": "queue", "scope": "selected", "provider_id": "{imported_id}"},
    ),
    "officers.confirm_bulk_action": (
        "POST",
        "/officer/reviews/bulk-action/confirm",
        {"action": "queue", "scope": "selected", "provider_id": "{imported_id}"},
    ),
}
# Asking for a bulk action shows the confirmation page; everything else posted redirects.
SHOWS_A_PAGE = {"officers.bulk_action"}


def test_the_table_covers_every_new_endpoint(app) -> None:  # type: ignore[no-untyped-def]
    # Every review endpoint; the spend band pages have their own table in test_band_config_views.py, the
    # import pages theirs in test_import_views.py, the spending pages theirs in test_spend_officers.py, the
    # audit log its tests in test_audit_log.py, and the public registers page test_register_check_views.py.
    elsewhere = ("spend_", "import", "audit", "register")
    review_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("officers.") and not any(word in rule.endpoint for word in elsewhere)
    } - {"officers.index"}
    assert review_endpoints == set(ENDPOINTS)


@pytest.mark.parametrize("role", [ANON, PROVIDER, COMMISSIONER, OFFICER, ADMIN])
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_access(endpoint: str, role: str, client: FlaskClient, sign_in_as) -> None:  # type: ignore[no-untyped-def]
    case = _case()
    token = sign_in_as(role)
    method, path, data = ENDPOINTS[endpoint]
    url = path.format(**vars(case))
    data = {key: value.format(**vars(case)) for key, value in data.items()}
    response = client.get(url) if method == "GET" else client.post(url, data={**data, "csrf_token": token})
    page = response.get_data(as_text=True)
    if role == ANON:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")
    elif role in (PROVIDER, COMMISSIONER):
        assert response.status_code == 403
        assert "Traceback" not in page
    else:
        assert response.status_code == (200 if method == "GET" or endpoint in SHOWS_A_PAGE else 302), page[:2000]
    if role in (ANON, PROVIDER, COMMISSIONER) and method == "POST":
        _fresh()
        assert db.session.get(Provider, case.provider_id).status == ProviderStatus.SUBMITTED  # type: ignore[union-attr]
        assert db.session.get(Provider, case.imported_id).status == ProviderStatus.VERIFIED  # type: ignore[union-attr]
        assert db.session.get(JoinRequest, case.join_request_id).status == JoinRequestStatus.PENDING  # type: ignore[union-attr]
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert not {a for a in actions if a.split(".")[0] in ("provider", "identifier", "fact", "join_request")}


@pytest.mark.parametrize("endpoint", [e for e, (method, _, _) in ENDPOINTS.items() if method == "POST"])
def test_posts_without_a_csrf_token_are_refused(endpoint: str, client: FlaskClient, officer_token: str) -> None:
    case = _case()
    _, path, data = ENDPOINTS[endpoint]
    data = {key: value.format(**vars(case)) for key, value in data.items()}
    response = client.post(path.format(**vars(case)), data=data)
    assert response.status_code == 400
    assert "Sorry, there is a problem with this form" in response.get_data(as_text=True)
    _fresh()
    provider = db.session.get(Provider, case.provider_id)
    assert provider is not None and provider.status == ProviderStatus.SUBMITTED
    assert provider.identifiers[0].evidence == EvidenceState.SELF_DECLARED
    assert provider.facts[0].evidence == EvidenceState.SELF_DECLARED
    assert db.session.get(JoinRequest, case.join_request_id).status == JoinRequestStatus.PENDING  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/officer/providers/999999/review"),
        ("POST", "/officer/providers/999999/verify"),
        ("POST", "/officer/providers/999999/request-changes"),
        ("POST", "/officer/providers/999999/reject"),
        ("POST", "/officer/providers/{provider_id}/identifiers/999999/mark-checked"),
        ("POST", "/officer/providers/{provider_id}/facts/999999/mark-checked"),
        ("POST", "/officer/join-requests/999999/approve"),
        ("POST", "/officer/join-requests/999999/decline"),
    ],
)
def test_things_that_do_not_exist_are_not_found(
    method: str, path: str, client: FlaskClient, officer_token: str
) -> None:
    case = _case()
    url = path.format(**vars(case))
    response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": officer_token})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["identifiers", "facts"])
def test_another_providers_identifier_or_fact_is_not_found(kind: str, client: FlaskClient, officer_token: str) -> None:
    case = _case()
    other = _submitted("Other Co-operative", org_number="999R")
    db.session.commit()
    other_id, other_item = other.id, (other.identifiers if kind == "identifiers" else other.facts)[0].id
    response = client.post(
        f"/officer/providers/{case.provider_id}/{kind}/{other_item}/mark-checked", data={"csrf_token": officer_token}
    )
    assert response.status_code == 404
    _fresh()
    other = db.session.get(Provider, other_id)
    assert other is not None
    assert other.identifiers[0].evidence == other.facts[0].evidence == EvidenceState.SELF_DECLARED


def test_the_queue_lists_new_organisations_changes_and_join_requests(
    client: FlaskClient, officer_token: str, knowsley: factories.CouncilSetup
) -> None:
    case = _case()
    _submitted("Older Co-operative", days_ago=10)
    _submitted("Liverpool Based Co-operative", days_ago=2, district_code="E08000012", postcode="L1 8JQ")
    changed = factories.provider(db.session, "Changed Address CIC")
    changed.awaiting_review = True
    changed.submitted_at = utcnow() - timedelta(days=30)
    factories.provider(db.session, "Settled CIC")  # verified, nothing to check
    factories.provider(db.session, "Draft CIC", status=ProviderStatus.DRAFT)
    db.session.commit()

    page = client.get("/officer/reviews").get_data(as_text=True)

    queue = page.split('id="organisations"')[1].split('id="join-requests"')[0]
    order = [
        "Changed Address CIC",
        "Older Co-operative",
        "Liverpool Based Co-operative",
        "Liverpool Green Co-operative",
    ]
    assert [queue.index(name) for name in order] == sorted(queue.index(name) for name in order)  # oldest first
    assert "Showing 1 to 4 of 4 organisations" in queue
    assert "Co-operative society. New." in queue
    assert "Published, with changes to check." in queue
    assert (utcnow() - timedelta(days=10)).strftime("%-d %B %Y") in queue
    assert "govuk-tag--green" in queue and "govuk-tag--blue" in queue  # Knowsley: local; Liverpool: wider
    assert f'href="/officer/providers/{case.provider_id}/review"' in queue
    assert "Settled CIC" not in page and "Draft CIC" not in page
    # Self-registered organisations are decided one at a time: no tick boxes, so no bulk form either.
    assert 'name="provider_id"' not in queue and 'action="/officer/reviews/bulk-action"' in queue

    requests_section = page.split('id="join-requests"')[1]
    assert "joiner@bakery.example asks to claim Imported Bakery CIC" in requests_section
    assert "I am the bakery&#39;s manager." in requests_section
    assert "To claim an entry no one acts for yet: the council imported it" in requests_section
    assert f'action="/officer/join-requests/{case.join_request_id}/approve"' in requests_section
    assert f'action="/officer/join-requests/{case.join_request_id}/decline"' in requests_section


def test_the_queue_says_when_there_is_nothing_to_check(client: FlaskClient, officer_token: str) -> None:
    page = client.get("/officer/reviews").get_data(as_text=True)
    assert "There are no organisations to check." in page
    assert "There are no requests to join or claim an organisation." in page
    page = client.get("/officer/reviews?legal_form=charity").get_data(as_text=True)
    assert "No organisations match these filters." in page
    assert 'href="/officer/reviews#organisations">Clear filters</a>' in page


def test_the_officers_home_links_to_the_queue(client: FlaskClient, officer_token: str) -> None:
    page = client.get("/officer/").get_data(as_text=True)
    assert 'href="/officer/reviews"' in page


def test_the_review_page_shows_every_fact_with_its_evidence(client: FlaskClient, officer_token: str) -> None:
    case = _case()
    provider = db.session.get(Provider, case.provider_id)
    assert provider is not None
    provider.trading_name = "Green Co-op"
    provider.contact_email = "hello@green.example"
    provider.sites[0].placement_note = "Check the unit number"
    db.session.add(ProviderReview(provider_id=provider.id, decision=ReviewDecision.CHANGES_REQUESTED, message="Add X"))
    db.session.commit()

    page = client.get(f"/officer/providers/{case.provider_id}/review").get_data(as_text=True)

    for text in (
        "Liverpool Green Co-operative",
        "Green Co-op",
        "Co-operative society",
        f"{case.provider_id}R",  # the number, named by its register rather than as an org-id
        "FCA Mutuals Public Register number",
        "Real Living Wage accredited",
        "Self-declared",
        "1 Test Street",
        "L36 9GD",
        "Shown to the public",
        "Check the unit number",
        "Is it local?",
        "hello@green.example",
        "member@green.example",
        "Changes requested",
        "Add X",
        "What is your decision?",
        "Verify and publish",
        "Ask for changes",
        "Reject",
    ):
        assert text in page, text
    assert f'action="/officer/providers/{case.provider_id}/identifiers/{case.identifier_id}/mark-checked"' in page
    assert f'action="/officer/providers/{case.provider_id}/facts/{case.fact_id}/mark-checked"' in page


def test_verifying_publishes_the_organisation_and_emails_its_members(client: FlaskClient, officer_token: str) -> None:
    case = _case()
    response = client.post(f"/officer/providers/{case.provider_id}/verify", data={"csrf_token": officer_token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/officer/reviews"
    assert "Liverpool Green Co-operative is verified and published" in client.get("/officer/reviews").get_data(
        as_text=True
    )

    _fresh()
    provider = db.session.get(Provider, case.provider_id)
    assert provider is not None
    assert provider.status == ProviderStatus.VERIFIED
    assert provider.verified_at is not None
    review = db.session.scalars(select(ProviderReview).where(ProviderReview.provider_id == provider.id)).one()
    assert review.decision == ReviewDecision.VERIFIED
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "provider.verified", AuditEvent.entity_id == str(provider.id))
    ).one()
    [email] = _outbox_to(case.member_email)
    assert "Liverpool Green Co-operative is verified" in email.subject
    assert "http://localhost/provider/" in email.body
    assert email.sent_at is not None  # deliver_outbox() ran after the commit

    assert "Liverpool Green Co-operative" in client.get("/directory").get_data(as_text=True)


def test_accepting_changes_keeps_the_organisation_published(client: FlaskClient, officer_token: str) -> None:
    changed = factories.provider(db.session, "Changed Address CIC")
    changed.awaiting_review = True
    db.session.commit()
    changed_id = changed.id
    page = client.get(f"/officer/providers/{changed_id}/review").get_data(as_text=True)
    assert "Accept the changes" in page and "Changes to check" in page
    response = client.post(f"/officer/providers/{changed_id}/verify", data={"csrf_token": officer_token})
    assert response.status_code == 302
    assert "The changes to Changed Address CIC are accepted" in client.get("/officer/reviews").get_data(as_text=True)
    _fresh()
    provider = db.session.get(Provider, changed_id)
    assert provider is not None and provider.status == ProviderStatus.VERIFIED and not provider.awaiting_review


@pytest.mark.parametrize(
    ("action", "field", "message", "status", "subject", "flash"),
    [
        (
            "request-changes",
            "message",
            "Enter what the organisation needs to change",
            ProviderStatus.CHANGES_REQUESTED,
            "Changes needed before Liverpool Green Co-operative is published",
            "Liverpool Green Co-operative has been asked to make changes",
        ),
        (
            "reject",
            "reason",
            "Enter why the organisation cannot be on the register",
            ProviderStatus.REJECTED,
            "Liverpool Green Co-operative cannot be added to the Local Supplier Register",
            "Liverpool Green Co-operative is rejected and will not be on the register",
        ),
    ],
)
def test_sending_back_or_rejecting_needs_words_for_the_organisation(
    action: str,
    field: str,
    message: str,
    status: ProviderStatus,
    subject: str,
    flash: str,
    client: FlaskClient,
    officer_token: str,
) -> None:
    case = _case()
    url = f"/officer/providers/{case.provider_id}/{action}"
    for blank in ("", "   "):
        response = client.post(url, data={field: blank, "csrf_token": officer_token})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "<title>Error: Check Liverpool Green Co-operative" in page
        assert 'class="govuk-error-summary' in page
        assert message in page
        assert f'href="#{field}"' in page
        assert "1 Test Street" in page  # the whole review page, not a bare error
    _fresh()
    assert db.session.get(Provider, case.provider_id).status == ProviderStatus.SUBMITTED  # type: ignore[union-attr]
    assert _outbox_to(case.member_email) == []

    words = "Your website link does not work.\nAdd your registered office."
    response = client.post(url, data={field: words, "csrf_token": officer_token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/officer/reviews"
    assert flash in client.get("/officer/reviews").get_data(as_text=True)
    _fresh()
    provider = db.session.get(Provider, case.provider_id)
    assert provider is not None and provider.status == status
    review = db.session.scalars(select(ProviderReview).where(ProviderReview.provider_id == provider.id)).one()
    assert review.message == words
    [email] = _outbox_to(case.member_email)
    assert email.subject == subject
    assert words in email.body
    assert "Liverpool Green Co-operative" not in client.get("/directory").get_data(as_text=True)


@pytest.mark.parametrize(
    ("action", "data"),
    [("verify", {}), ("request-changes", {"message": "Add a postcode"}), ("reject", {"reason": "Duplicate"})],
)
def test_deciding_a_draft_shows_the_services_reason_and_changes_nothing(
    action: str, data: dict[str, str], client: FlaskClient, officer_token: str
) -> None:
    draft = _submitted("Half Done CIC", status=ProviderStatus.DRAFT, member_email="draft@half.example")
    db.session.commit()
    draft_id = draft.id
    audit_before = _count(AuditEvent)
    response = client.post(f"/officer/providers/{draft_id}/{action}", data={**data, "csrf_token": officer_token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/officer/providers/{draft_id}/review"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This organisation is draft: there is nothing to decide" in page
    assert "There is nothing to decide. This organisation is draft." in page
    assert "Traceback" not in page
    _fresh()
    assert db.session.get(Provider, draft_id).status == ProviderStatus.DRAFT  # type: ignore[union-attr]
    assert _count(ProviderReview) == 0
    assert _count(AuditEvent) == audit_before
    assert _outbox_to("draft@half.example") == []


def test_marking_a_number_and_a_fact_as_checked_shows_on_the_public_page(
    client: FlaskClient, officer_token: str
) -> None:
    provider = _submitted("Checked Co-operative", status=ProviderStatus.VERIFIED)
    db.session.commit()
    provider_id, identifier_id, fact_id = provider.id, provider.identifiers[0].id, provider.facts[0].id
    assert "Checked by the council" not in client.get(f"/directory/{provider_id}").get_data(as_text=True)

    for kind, item_id in (("identifiers", identifier_id), ("facts", fact_id)):
        response = client.post(
            f"/officer/providers/{provider_id}/{kind}/{item_id}/mark-checked", data={"csrf_token": officer_token}
        )
        assert response.status_code == 302
        assert response.headers["Location"] == f"/officer/providers/{provider_id}/review"

    review_page = client.get(f"/officer/providers/{provider_id}/review").get_data(as_text=True)
    assert f"FCA Mutuals Public Register number {provider_id}R is marked as checked by the council" in review_page
    assert "Real Living Wage accredited is marked as checked by the council" in review_page
    assert "/mark-checked" not in review_page  # nothing left to check

    _fresh()
    identifier = db.session.get(ProviderIdentifier, identifier_id)
    fact = db.session.get(ProviderFact, fact_id)
    assert identifier is not None and identifier.evidence == EvidenceState.OFFICER_VERIFIED
    assert identifier.checked_at is not None
    assert fact is not None and fact.evidence == EvidenceState.OFFICER_VERIFIED
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"identifier.verified", "fact.verified"} <= actions

    public = client.get(f"/directory/{provider_id}").get_data(as_text=True)
    assert public.count("Checked by the council") == 2


def test_a_fact_that_is_not_known_cannot_be_marked_as_checked(client: FlaskClient, officer_token: str) -> None:
    provider = _submitted()
    provider.facts.append(ProviderFact(kind=FactKind.STAFF_COUNT, value=None, evidence=EvidenceState.UNKNOWN))
    db.session.commit()
    provider_id, fact_id = provider.id, provider.facts[1].id
    page = client.get(f"/officer/providers/{provider_id}/review").get_data(as_text=True)
    assert f"/facts/{fact_id}/mark-checked" not in page
    response = client.post(
        f"/officer/providers/{provider_id}/facts/{fact_id}/mark-checked", data={"csrf_token": officer_token}
    )
    assert response.status_code == 302
    assert "A fact that is not known cannot be checked" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    _fresh()
    assert db.session.get(ProviderFact, fact_id).evidence == EvidenceState.UNKNOWN  # type: ignore[union-attr]


def test_a_hidden_address_is_shown_to_officers_labelled_and_never_to_the_public(
    client: FlaskClient, officer_token: str, knowsley: factories.CouncilSetup
) -> None:
    provider = _submitted(
        "Home Based CIC",
        status=ProviderStatus.VERIFIED,
        address="12 Private Road",
        address_public=False,
        ward_code=knowsley.ward.code,
    )
    db.session.commit()
    provider_id = provider.id

    officer_page = client.get(f"/officer/providers/{provider_id}/review").get_data(as_text=True)
    assert "12 Private Road" in officer_page and "L36 9GD" in officer_page
    assert "Hidden from the public" in officer_page
    assert "Knowsley, Page Moss ward" in officer_page

    public = client.get(f"/directory/{provider_id}").get_data(as_text=True)
    assert "Home Based CIC" in public
    assert "12 Private Road" not in public and "L36 9GD" not in public


def test_approving_a_join_request_lets_the_person_act_for_the_organisation(
    client: FlaskClient, officer_token: str
) -> None:
    case = _case()
    response = client.post(f"/officer/join-requests/{case.join_request_id}/approve", data={"csrf_token": officer_token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/officer/reviews"
    page = client.get("/officer/reviews").get_data(as_text=True)
    assert "joiner@bakery.example can now keep Imported Bakery CIC&#39;s entry up to date" in page
    assert "There are no requests to join or claim an organisation." in page

    _fresh()
    join_request = db.session.get(JoinRequest, case.join_request_id)
    assert join_request is not None and join_request.status == JoinRequestStatus.APPROVED
    joiner = db.session.get(User, case.joiner_id)
    assert joiner is not None and joiner.provider_id == join_request.provider_id
    assert join_request.provider.claimed is True
    [email] = _outbox_to("joiner@bakery.example")
    assert "Imported Bakery CIC" in email.subject

    again = client.post(f"/officer/join-requests/{case.join_request_id}/approve", data={"csrf_token": officer_token})
    assert again.status_code == 302
    assert "This request has already been decided." in client.get("/officer/reviews").get_data(as_text=True)


def test_approving_someone_who_acts_for_another_organisation_changes_nothing(
    client: FlaskClient, officer_token: str
) -> None:
    case = _case()
    joiner = db.session.get(User, case.joiner_id)
    assert joiner is not None
    joiner.provider_id = case.provider_id
    db.session.commit()
    response = client.post(f"/officer/join-requests/{case.join_request_id}/approve", data={"csrf_token": officer_token})
    assert response.status_code == 302
    assert "That person already acts for another organisation." in client.get("/officer/reviews").get_data(as_text=True)
    _fresh()
    join_request = db.session.get(JoinRequest, case.join_request_id)
    assert join_request is not None
    assert join_request.status == JoinRequestStatus.PENDING and join_request.decided_at is None
    assert join_request.provider.claimed is False


def test_declining_a_join_request_needs_a_note(client: FlaskClient, officer_token: str) -> None:
    case = _case()
    url = f"/officer/join-requests/{case.join_request_id}/decline"
    response = client.post(url, data={"note": "  ", "csrf_token": officer_token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<title>Error: Check organisations and requests" in page
    assert 'class="govuk-error-summary' in page
    assert "Enter why you are declining the request" in page
    assert f'href="#note-{case.join_request_id}"' in page and f'id="note-{case.join_request_id}"' in page
    _fresh()
    assert db.session.get(JoinRequest, case.join_request_id).status == JoinRequestStatus.PENDING  # type: ignore[union-attr]

    response = client.post(url, data={"note": "We could not confirm you work there", "csrf_token": officer_token})
    assert response.status_code == 302
    assert "You declined joiner@bakery.example&#39;s request to join Imported Bakery CIC" in client.get(
        "/officer/reviews"
    ).get_data(as_text=True)
    _fresh()
    join_request = db.session.get(JoinRequest, case.join_request_id)
    assert join_request is not None and join_request.status == JoinRequestStatus.DECLINED
    assert join_request.decision_note == "We could not confirm you work there"
    assert db.session.get(User, case.joiner_id).provider_id is None  # type: ignore[union-attr]
    [email] = _outbox_to("joiner@bakery.example")
    assert "We could not confirm you work there" in email.body


def test_review_pages_escape_what_organisations_wrote(client: FlaskClient, officer_token: str) -> None:
    case = _case()
    provider = db.session.get(Provider, case.provider_id)
    assert provider is not None
    provider.name = "<script>alert(1)</script> Co-op"
    provider.website = "javascript:alert(1)"
    join_request = db.session.get(JoinRequest, case.join_request_id)
    assert join_request is not None
    join_request.message = "<img src=x onerror=alert(1)>"
    db.session.commit()
    for url in ("/officer/reviews", f"/officer/providers/{case.provider_id}/review"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
        assert 'href="javascript:' not in page


def test_forms_on_the_review_pages_do_not_repeat_ids(client: FlaskClient, officer_token: str) -> None:
    case = _case()
    _submitted("Second Co-operative", org_number="222R")
    second_joiner = factories.user(db.session, Role.PROVIDER, email="second@bakery.example")
    db.session.add(JoinRequest(provider_id=case.provider_id, user_id=second_joiner.id, message="Me too"))
    db.session.commit()
    for url in ("/officer/reviews", f"/officer/providers/{case.provider_id}/review"):
        ids = re.findall(r'\bid="([^"]+)"', client.get(url).get_data(as_text=True))
        assert len(ids) == len(set(ids)), url


def test_the_home_page_and_the_queue_count_what_waits_to_be_checked_the_same_way(
    client: FlaskClient, officer_token: str, knowsley: factories.CouncilSetup
) -> None:
    _submitted("New Co-operative", days_ago=3)
    changed = factories.provider(db.session, "Changed Address CIC")
    changed.awaiting_review = True
    factories.provider(db.session, "Settled CIC")
    db.session.commit()

    home = client.get("/officer/").get_data(as_text=True)
    queue = client.get("/officer/reviews").get_data(as_text=True)

    assert "Showing 1 to 2 of 2 organisations" in queue
    assert "2 organisations are waiting to be checked: 1 new and 1 published with changes to check." in home
