"""The registration and membership services without HTTP: premises only with an address, one registered office,
and what a search for an organisation to join may reveal (issue 11: #14, #18)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.providers import ProviderStatus, SiteKind
from app.domain.roles import Role
from app.geo.placement import SitePlacer
from app.geo.postcode_directory import PostcodeStore
from app.models import AuditEvent, ProviderIdentifier
from app.services import membership, registration
from tests import factories

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def test_add_site_keeps_the_address_and_refuses_a_second_registered_office(
    session: Session, knowsley: factories.CouncilSetup
) -> None:
    provider = factories.provider(session, "Service Test CIC", status=ProviderStatus.DRAFT)
    user = factories.user(session, Role.PROVIDER, provider=provider)
    placer = SitePlacer(PostcodeStore(session))  # no postcode directory loaded: placed nowhere, with the reason
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
    assert len(list(session.scalars(select(AuditEvent).where(AuditEvent.action == "site.added")))) == 1


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
