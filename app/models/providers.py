"""Organisations on the register, their premises, services, areas served and facts."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    column,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.providers import (
    NAME_MAX_LENGTH,
    EvidenceState,
    FactKind,
    LegalForm,
    Placement,
    ProviderSource,
    ProviderStatus,
    SiteKind,
    evidence_wording,
)
from app.models.base import Base, Timestamped, enum_type
from app.models.geography import Area

if TYPE_CHECKING:
    from app.models.imports import ImportBatch
    from app.models.registers import ProviderRegisterRecord


def _evidence_text(state: EvidenceState, batch: ImportBatch | None) -> str:
    if batch is None:
        return evidence_wording(state)
    when = batch.committed_at or batch.created_at
    return evidence_wording(state, batch.file_name, when.date() if when else None)


provider_services = Table(
    "provider_services",
    Base.metadata,
    Column("provider_id", ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("service_categories.id", ondelete="CASCADE"), primary_key=True),
    # A service's providers (the search's and the directory's filter); the key serves a provider's services.
    Index("ix_provider_services_category_provider", "category_id", "provider_id"),
)

provider_areas_served = Table(
    "provider_areas_served",
    Base.metadata,
    Column("provider_id", ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)

service_category_cpv = Table(
    "service_category_cpv",
    Base.metadata,
    Column("category_id", ForeignKey("service_categories.id", ondelete="CASCADE"), primary_key=True),
    Column("cpv_code", ForeignKey("cpv_codes.code", ondelete="CASCADE"), primary_key=True),
)


class CpvCode(Base):
    """A Common Procurement Vocabulary 2008 code, e.g. 85312000-9 Social work services without accommodation."""

    __tablename__ = "cpv_codes"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    label: Mapped[str] = mapped_column(String(400))


class ServiceCategory(Base):
    """A plain-language kind of service that providers pick, mapped to CPV codes."""

    __tablename__ = "service_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cpv_codes: Mapped[list[CpvCode]] = relationship(secondary=service_category_cpv)


class Provider(Timestamped, Base):
    """An organisation that sells, or could sell, to the council."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    trading_name: Mapped[str | None] = mapped_column(String(NAME_MAX_LENGTH))
    legal_form: Mapped[LegalForm] = mapped_column(enum_type(LegalForm, "legal_form"), default=LegalForm.UNKNOWN)
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[ProviderStatus] = mapped_column(
        enum_type(ProviderStatus, "provider_status"), default=ProviderStatus.DRAFT, index=True
    )
    status_changed_at: Mapped[datetime | None]
    source: Mapped[ProviderSource] = mapped_column(
        enum_type(ProviderSource, "provider_source"), default=ProviderSource.SELF_REGISTERED
    )
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    # The identifier of this organisation in the source it was imported from (e.g. a CUK Organisation ID).
    source_reference: Mapped[str | None] = mapped_column(String(100))
    claimed: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    # A verified provider changed its legal form, numbers or premises: it stays published, and an
    # officer checks the change.
    awaiting_review: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The weight of its generative signals (domain/eligibility.py), kept with the search document so
    # ranking a hundred thousand providers needs no subquery per provider.
    signal_score: Mapped[int] = mapped_column(default=0, server_default="0")
    incorporated_on: Mapped[date | None] = mapped_column(Date)
    # When its register says it was dissolved or removed (an import of a register's data keeps such organisations
    # only as archived, never published).
    dissolved_on: Mapped[date | None] = mapped_column(Date)

    identifiers: Mapped[list[ProviderIdentifier]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="ProviderIdentifier.id"
    )
    # What the public registers said when last compared (app.services.registers), one per register.
    register_records: Mapped[list[ProviderRegisterRecord]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ProviderRegisterRecord.register"
    )
    sites: Mapped[list[Site]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="Site.id"
    )
    facts: Mapped[list[ProviderFact]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="ProviderFact.id"
    )
    services: Mapped[list[ServiceCategory]] = relationship(secondary=provider_services)
    areas_served: Mapped[list[Area]] = relationship(secondary=provider_areas_served)

    __table_args__ = (
        Index("ix_providers_status_name", "status", "name"),
        # The search's order (signal weight, then name), which the engine walks and stops after a page.
        Index("ix_providers_status_signal_score", "status", text("signal_score DESC"), "name", "id"),
        # The public directory's order (names without regard to case), walked the same way.
        Index("ix_providers_status_lower_name", "status", func.lower(column("name")), "id"),
        # The officers' review queue: oldest first within a status, and filtered by legal form.
        Index("ix_providers_status_submitted_at", "status", "submitted_at", "id"),
        Index("ix_providers_status_legal_form", "status", "legal_form"),
        UniqueConstraint("import_batch_id", "source_reference", name="uq_providers_batch_reference"),
    )

    @property
    def display_name(self) -> str:
        return self.trading_name or self.name

    def __repr__(self) -> str:
        return f"<Provider {self.id} {self.name}>"


class ProviderIdentifier(Base):
    """A registration number in org-id form, e.g. GB-COH-01234567, with how far it is checked."""

    __tablename__ = "provider_identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[str] = mapped_column(String(32), unique=True)
    evidence: Mapped[EvidenceState] = mapped_column(
        enum_type(EvidenceState, "evidence_state"), default=EvidenceState.SELF_DECLARED
    )
    checked_at: Mapped[datetime | None]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The import that recorded it (evidence COUNCIL_IMPORT), to say "from the council's import of FILE on DATE".
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id", ondelete="SET NULL"))

    provider: Mapped[Provider] = relationship(back_populates="identifiers")
    import_batch: Mapped[ImportBatch | None] = relationship(lazy="selectin")

    @property
    def evidence_text(self) -> str:
        """How the number is known, in words (see :func:`app.domain.providers.evidence_wording`)."""
        return _evidence_text(self.evidence, self.import_batch)


class ProviderFact(Base):
    """A size, ownership or fair-work fact, with its evidence state and date ('unknown' allowed)."""

    __tablename__ = "provider_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FactKind] = mapped_column(enum_type(FactKind, "fact_kind"))
    # Text so one column holds yes/no, numbers, money in pence and country names; None means not known.
    value: Mapped[str | None] = mapped_column(String(300))
    evidence: Mapped[EvidenceState] = mapped_column(
        enum_type(EvidenceState, "evidence_state"), default=EvidenceState.SELF_DECLARED
    )
    evidence_note: Mapped[str | None] = mapped_column(Text)
    as_of: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The import that recorded it (evidence COUNCIL_IMPORT).
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id", ondelete="SET NULL"))

    provider: Mapped[Provider] = relationship(back_populates="facts")
    import_batch: Mapped[ImportBatch | None] = relationship(lazy="selectin")

    @property
    def evidence_text(self) -> str:
        """How the fact is known, in words."""
        return _evidence_text(self.evidence, self.import_batch)

    __table_args__ = (UniqueConstraint("provider_id", "kind", name="uq_provider_facts_provider_kind"),)


class Site(Timestamped, Base):
    """A registered office or trading site, and where it was placed."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SiteKind] = mapped_column(enum_type(SiteKind, "site_kind"), default=SiteKind.TRADING_SITE)
    address: Mapped[str | None] = mapped_column(Text)
    town: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(8), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    placement: Mapped[Placement] = mapped_column(enum_type(Placement, "placement"), default=Placement.NOT_PLACED)
    placed_by: Mapped[str | None] = mapped_column(String(60))
    placed_at: Mapped[datetime | None]
    # Why a site is not placed, or what an officer should check about an approximate placement.
    placement_note: Mapped[str | None] = mapped_column(Text)
    district_code: Mapped[str | None] = mapped_column(String(9), index=True)
    ward_code: Mapped[str | None] = mapped_column(String(9))
    # A home address is kept from the public: neither the address nor its point is ever shown.
    address_public: Mapped[bool] = mapped_column(Boolean, default=True)

    provider: Mapped[Provider] = relationship(back_populates="sites")

    __table_args__ = (Index("ix_sites_district_provider", "district_code", "provider_id"),)
