"""Typed SQLAlchemy models, one module per aggregate; imported here so metadata is complete."""

from app.models.accounts import SignInThrottle, User, UserSession
from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.geography import (
    Area,
    Council,
    GeocodeResult,
    OutcodeCentroid,
    Postcode,
    PostcodeRelease,
    council_joint_areas,
)
from app.models.imports import ImportBatch, ImportChange, ImportIssue, ImportMapping
from app.models.membership import Invitation, JoinRequest, ProviderReview
from app.models.outbox import OutboxEmail
from app.models.policy import SpendBand, StatutoryThreshold
from app.models.providers import (
    CpvCode,
    Provider,
    ProviderFact,
    ProviderIdentifier,
    ServiceCategory,
    Site,
    provider_areas_served,
    provider_services,
    service_category_cpv,
)
from app.models.records import CommissioningRecord, RecordProvider
from app.models.search import ProviderSearchDocument

__all__ = [
    "Area",
    "AuditEvent",
    "Base",
    "CommissioningRecord",
    "Council",
    "CpvCode",
    "GeocodeResult",
    "ImportBatch",
    "ImportChange",
    "ImportIssue",
    "ImportMapping",
    "Invitation",
    "JoinRequest",
    "OutboxEmail",
    "OutcodeCentroid",
    "Postcode",
    "PostcodeRelease",
    "Provider",
    "ProviderFact",
    "ProviderIdentifier",
    "ProviderReview",
    "ProviderSearchDocument",
    "RecordProvider",
    "ServiceCategory",
    "SignInThrottle",
    "Site",
    "SpendBand",
    "StatutoryThreshold",
    "User",
    "UserSession",
    "council_joint_areas",
    "provider_areas_served",
    "provider_services",
    "service_category_cpv",
]
