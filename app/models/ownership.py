"""Companies House's register of persons with significant control (PSC), as loaded: the organisations that control
companies, and what each company's snapshot held; and the ownership found for a provider.

A PSC snapshot is a release in ``register_releases`` (register "psc", app.domain.ownership.PSC_REGISTER), loaded
beside the active one and switched on in one transaction (app.services.ownership). Its rows carry the release's id
with no foreign key, as the other registers' rows do (app.models.registers). Only organisations are kept; people
with significant control are counted per company, never named.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.models.base import Base
from app.models.providers import Provider


class CompanyController(Base):
    """A corporate entity or legal person with significant control of a company, in a PSC release."""

    __tablename__ = "psc_controllers"

    release_id: Mapped[int] = mapped_column(primary_key=True)
    company_number: Mapped[str] = mapped_column(String(8), primary_key=True)
    # Its line in the snapshot (a company may have several controllers).
    line: Mapped[int] = mapped_column(primary_key=True)
    # "corporate" or "legal-person" (app.domain.ownership.KEPT_KINDS).
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(300))
    registration_number: Mapped[str] = mapped_column(String(60))
    country_registered: Mapped[str] = mapped_column(String(120))
    legal_form: Mapped[str] = mapped_column(String(120))
    legal_authority: Mapped[str] = mapped_column(String(200))
    place_registered: Mapped[str] = mapped_column(String(200))
    # Natures of control as the register writes them, one a line ("ownership-of-shares-75-to-100-percent").
    natures: Mapped[str] = mapped_column(Text)
    notified_on: Mapped[date | None] = mapped_column(Date)
    ceased_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = ({"sqlite_with_rowid": False},)


class PscCompany(Base):
    """A company in a PSC release and how many of each sort of record it has: whether it is on the register at all,
    and so whether "no corporate owner" is something the register says. People are counted, never named."""

    __tablename__ = "psc_companies"

    release_id: Mapped[int] = mapped_column(primary_key=True)
    company_number: Mapped[str] = mapped_column(String(8), primary_key=True)
    # The line its run of records starts on (a snapshot not in company order lists a company in several runs).
    line: Mapped[int] = mapped_column(primary_key=True)
    people: Mapped[int] = mapped_column(default=0)
    organisations: Mapped[int] = mapped_column(default=0)
    statements: Mapped[int] = mapped_column(default=0)
    exemptions: Mapped[int] = mapped_column(default=0)

    __table_args__ = ({"sqlite_with_rowid": False},)


class ProviderOwnership(Base):
    """What the PSC register said owns a provider when it was last checked: the ultimate parent, its country, the
    chain that leads there in words, and what the check found for an officer (one a line).

    Shown on the officer's review as ``provider.ownership`` (the backref below: the provider model needs no change)."""

    __tablename__ = "provider_ownerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), unique=True)
    company_number: Mapped[str] = mapped_column(String(8))
    # app.domain.ownership.OwnerKind's value.
    owner_kind: Mapped[str] = mapped_column(String(20))
    parent_name: Mapped[str | None] = mapped_column(String(300))
    parent_country: Mapped[str | None] = mapped_column(String(80))
    offshore: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(Text)
    # 'Companies House PSC register of 1 December 2026: ACME HOLDINGS LIMITED (Jersey) holds 75-100% of ...'.
    evidence: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date] = mapped_column(Date)
    checked_on: Mapped[date] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text, default="")

    provider: Mapped[Provider] = relationship(
        backref=backref("ownership", uselist=False, cascade="all, delete-orphan", passive_deletes=True)
    )

    @property
    def finding_lines(self) -> list[str]:
        return [line for line in self.findings.split("\n") if line]
