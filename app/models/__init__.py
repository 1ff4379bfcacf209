"""Typed SQLAlchemy models, one module per aggregate; imported here so metadata is complete."""

from app.models import ownership as ownership  # the PSC register's tables and providers' ownership (metadata)
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
from app.models.register_api import CompaniesHouseAnswer
from app.models.registers import (
    ProviderRegisterRecord,
    RegisterCheckRun,
    RegisteredCharity,
    RegisteredCompany,
    RegisteredSociety,
    RegisterRelease,
)
from app.models.search import ProviderSearchDocument
from app.models.spend import (
    DeprivationRelease,
    LsoaDeprivation,
    Payment,
    PostcodeLsoa,
    SpendBatch,
    SpendCategoryService,
    SpendMapping,
    SpendRejection,
    SpendSupplier,
)

__all__ = [
    "Area",
    "AuditEvent",
    "Base",
    "CommissioningRecord",
    "CompaniesHouseAnswer",
    "Council",
    "CpvCode",
    "DeprivationRelease",
    "GeocodeResult",
    "ImportBatch",
    "ImportChange",
    "ImportIssue",
    "ImportMapping",
    "Invitation",
    "JoinRequest",
    "LsoaDeprivation",
    "OutboxEmail",
    "OutcodeCentroid",
    "Payment",
    "Postcode",
    "PostcodeLsoa",
    "PostcodeRelease",
    "Provider",
    "ProviderFact",
    "ProviderIdentifier",
    "ProviderRegisterRecord",
    "ProviderReview",
    "ProviderSearchDocument",
    "RecordProvider",
    "RegisterCheckRun",
    "RegisterRelease",
    "RegisteredCharity",
    "RegisteredCompany",
    "RegisteredSociety",
    "ServiceCategory",
    "SignInThrottle",
    "Site",
    "SpendBand",
    "SpendBatch",
    "SpendCategoryService",
    "SpendMapping",
    "SpendRejection",
    "SpendSupplier",
    "StatutoryThreshold",
    "User",
    "UserSession",
    "council_joint_areas",
    "provider_areas_served",
    "provider_services",
    "service_category_cpv",
]
