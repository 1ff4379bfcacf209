"""Builders for test data. Each adds to the session and flushes; the test decides when to commit."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from unittest import mock

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.domain.policy import AreaKind, ContractType, LocalAreaDefinition, LocalityRule, VatBasis
from app.domain.providers import LegalForm, Placement, ProviderSource, ProviderStatus, SiteKind
from app.domain.roles import Role
from app.models import Area, Council, Provider, Site, SpendBand, StatutoryThreshold, User
from app.services import accounts
from app.services.audit import Actor

PASSWORD = "correct horse battery staple"
#: When the factories' accounts confirmed their email addresses.
CONFIRMED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_counter = itertools.count(1)

# Accounts made here store a hash of their password made once per run, with werkzeug's PBKDF2 at 1,000 rounds
# instead of the service's scrypt: signing in still runs the real check_password_hash on the stored hash, but
# in a millisecond rather than a fifth of a second, and the suite creates and signs in about two thousand
# users. How the service hashes a password is tested through pages and tests/services/test_accounts.py,
# which create accounts without this factory.
QUICK_HASH_METHOD = "pbkdf2:sha256:1000"


@functools.cache
def quick_password_hash(password: str) -> str:
    """A cheap hash of ``password``, the same for every account the factories make with it."""
    return generate_password_hash(password, method=QUICK_HASH_METHOD)


@dataclass
class CouncilSetup:
    council: Council
    district: Area
    neighbour: Area
    wider: Area
    ward: Area


def area(session: Session, code: str, name: str, kind: AreaKind, parent: Area | None = None, **kw: object) -> Area:
    found = Area(code=code, name=name, kind=kind, parent=parent, **kw)
    session.add(found)
    session.flush()
    return found


def knowsley_council(session: Session) -> CouncilSetup:
    """Knowsley in the Liverpool City Region, with Liverpool beside it and Knowsley's four bands."""
    england = area(session, "E92000001", "England", AreaKind.COUNTRY)
    north_west = area(session, "E12000002", "North West", AreaKind.REGION, england)
    lcr = area(session, "E47000004", "Liverpool City Region", AreaKind.COMBINED_AUTHORITY, north_west)
    knowsley = area(session, "E08000011", "Knowsley", AreaKind.DISTRICT, north_west, combined_authority=lcr)
    liverpool = area(session, "E08000012", "Liverpool", AreaKind.DISTRICT, north_west, combined_authority=lcr)
    area(session, "E06000008", "Blackburn with Darwen", AreaKind.DISTRICT, north_west)
    page_moss = area(session, "E05015271", "Page Moss", AreaKind.WARD, knowsley)
    council = Council(
        name="Knowsley Council",
        district=knowsley,
        local_area_definition=LocalAreaDefinition.OWN_AREA,
        wider_area=lcr,
    )
    session.add(council)
    for contract_type, amount in (
        (ContractType.GOODS_AND_SERVICES, 20_772_000),
        (ContractType.WORKS, 519_300_000),
        (ContractType.LIGHT_TOUCH, 66_354_000),
    ):
        session.add(
            StatutoryThreshold(
                contract_type=contract_type,
                effective_from=date(2026, 1, 1),
                amount_pence=amount,
                vat_basis=VatBasis.INCLUDED,
                legislation="Procurement Act 2023",
            )
        )
    bands = [
        ("A", "Low value", 0, 500_000, False, False, 1, LocalityRule.LOCAL_ONLY),
        ("B", "Intermediate value", 500_000, 18_100_001, False, False, 3, LocalityRule.LOCAL_ONLY),
        ("C", "High value", 18_100_001, None, True, False, 3, LocalityRule.OPEN),
        ("D", "Above the statutory threshold", 0, None, False, True, 1, LocalityRule.OPEN),
    ]
    for code, label, lower, upper, upper_is_threshold, lower_is_threshold, quotes, rule in bands:
        session.add(
            SpendBand(
                council=council,
                code=code,
                label=label,
                lower_pence=lower,
                upper_pence=upper,
                upper_is_statutory_threshold=upper_is_threshold,
                lower_is_statutory_threshold=lower_is_threshold,
                vat_basis=VatBasis.EXCLUDED if code != "D" else VatBasis.INCLUDED,
                min_quotes=quotes,
                route={"A": "1 quote", "B": "3 quotes", "C": "3 quotes or tender"}.get(
                    code, "Regulated procedure under the Procurement Act 2023"
                ),
                locality_rule=rule,
                effective_from=date(2025, 2, 24),
            )
        )
    session.flush()
    return CouncilSetup(council, knowsley, liverpool, lcr, page_moss)


def provider(
    session: Session,
    name: str | None = None,
    *,
    status: ProviderStatus = ProviderStatus.VERIFIED,
    legal_form: LegalForm = LegalForm.CIC,
    district_code: str | None = "E08000011",
    ward_code: str | None = None,
    postcode: str = "L36 9GD",
    address_public: bool = True,
    address: str = "1 Test Street",
) -> Provider:
    found = Provider(
        name=name or f"Test Provider {next(_counter)}",
        legal_form=legal_form,
        status=status,
        source=ProviderSource.SELF_REGISTERED,
    )
    found.sites.append(
        Site(
            kind=SiteKind.TRADING_SITE,
            address=address,
            postcode=postcode,
            latitude=53.41,
            longitude=-2.84,
            district_code=district_code,
            ward_code=ward_code,
            placement=Placement.POSTCODE if district_code else Placement.NOT_PLACED,
            address_public=address_public,
        )
    )
    session.add(found)
    session.flush()
    return found


def user(
    session: Session,
    role: Role,
    *,
    email: str | None = None,
    council: Council | None = None,
    provider: Provider | None = None,
    password: str = PASSWORD,
) -> User:
    """A user made by the accounts service (its checks and audit event), with a quickly checked password hash."""
    with mock.patch.object(accounts, "generate_password_hash", quick_password_hash):
        return accounts.create_user(
            session,
            email=email or f"{role.value}{next(_counter)}@example.com",
            password=password,
            role=role,
            actor=Actor.system("test"),
            council=council,
            provider=provider,
            email_confirmed_at=CONFIRMED_AT,
        )
