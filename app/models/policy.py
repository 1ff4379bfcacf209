"""Statutory thresholds and a council's spend bands, both effective-dated."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.policy import ContractType, LocalityRule, Reservation, VatBasis
from app.models.base import Base, Timestamped, enum_type
from app.models.geography import Council


class StatutoryThreshold(Base):
    """A national procurement threshold, in force from ``effective_from`` until the next one."""

    __tablename__ = "statutory_thresholds"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_type: Mapped[ContractType] = mapped_column(enum_type(ContractType, "contract_type"))
    effective_from: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int]
    vat_basis: Mapped[VatBasis] = mapped_column(enum_type(VatBasis, "vat_basis"))
    legislation: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("contract_type", "effective_from", name="uq_statutory_thresholds_type_from"),
        CheckConstraint("amount_pence > 0", name="positive_amount"),
    )


class SpendBand(Timestamped, Base):
    """One of a council's spend bands: a value range, its route and its locality rule."""

    __tablename__ = "spend_bands"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))
    lower_pence: Mapped[int] = mapped_column(default=0)
    # An upper bound is a number, or the statutory threshold resolved by date and contract type; None is no limit.
    upper_pence: Mapped[int | None]
    upper_is_statutory_threshold: Mapped[bool] = mapped_column(Boolean, default=False)
    lower_is_statutory_threshold: Mapped[bool] = mapped_column(Boolean, default=False)
    vat_basis: Mapped[VatBasis] = mapped_column(enum_type(VatBasis, "vat_basis"))
    min_quotes: Mapped[int] = mapped_column(default=1)
    route: Mapped[str] = mapped_column(Text)
    advertised: Mapped[bool] = mapped_column(Boolean, default=False)
    locality_rule: Mapped[LocalityRule] = mapped_column(enum_type(LocalityRule, "locality_rule"))
    reservation: Mapped[Reservation] = mapped_column(enum_type(Reservation, "reservation"), default=Reservation.NONE)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    rationale: Mapped[str | None] = mapped_column(Text)

    council: Mapped[Council] = relationship()

    __table_args__ = (
        Index("ix_spend_bands_council_effective", "council_id", "effective_from"),
        CheckConstraint("lower_pence >= 0", name="lower_not_negative"),
        CheckConstraint("min_quotes >= 1", name="at_least_one_quote"),
    )
