"""The verification service refuses exactly the decisions the domain's rule refuses, and then changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from app.domain.providers import ProviderStatus
from app.domain.registration import ReviewDecision, decision_refusal
from app.domain.roles import Role
from app.models import Provider, User
from app.services import verification
from tests import factories

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

#: Each decision as the officers' pages make it.
DECIDE: dict[ReviewDecision, Callable[[Session, User, Provider], object]] = {
    ReviewDecision.VERIFIED: lambda s, officer, p: verification.verify(s, officer, p, NOW, "https://lsr.test/"),
    ReviewDecision.CHANGES_REQUESTED: lambda s, officer, p: verification.request_changes(
        s, officer, p, "Add your registered office", NOW, "https://lsr.test/"
    ),
    ReviewDecision.REJECTED: lambda s, officer, p: verification.reject(s, officer, p, "Not a local organisation", NOW),
}


@pytest.mark.parametrize("decision", list(ReviewDecision))
@pytest.mark.parametrize(
    ("status", "awaiting_review"),
    [(status, False) for status in ProviderStatus] + [(ProviderStatus.VERIFIED, True)],
)
def test_the_service_refuses_what_the_rule_refuses(
    session: Session,
    knowsley: factories.CouncilSetup,
    status: ProviderStatus,
    awaiting_review: bool,
    decision: ReviewDecision,
) -> None:
    officer = factories.user(session, Role.OFFICER, council=knowsley.council)
    provider = factories.provider(session, "Decided CIC", status=status)
    provider.awaiting_review = awaiting_review
    refusal = decision_refusal(decision, status, awaiting_review)

    assert verification.may_decide(provider, decision) is (refusal is None)
    if refusal is None:
        DECIDE[decision](session, officer, provider)
        assert (
            provider.status
            == {
                ReviewDecision.VERIFIED: ProviderStatus.VERIFIED,
                ReviewDecision.CHANGES_REQUESTED: ProviderStatus.CHANGES_REQUESTED,
                ReviewDecision.REJECTED: ProviderStatus.REJECTED,
            }[decision]
        )
    else:
        with pytest.raises(verification.ReviewError, match=refusal):
            DECIDE[decision](session, officer, provider)
        assert (provider.status, provider.awaiting_review) == (status, awaiting_review)
