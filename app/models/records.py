"""Commissioning records: a frozen snapshot of a search, its band and the shortlisted providers, with notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.records import RecordStatus
from app.models.accounts import User
from app.models.base import Base, enum_type, utcnow
from app.models.geography import Council


class CommissioningRecord(Base):
    """A commissioner's shortlist, saved with the inputs, band and rules as they were when it was made.

    The snapshots are JSON written once: later changes to the bands or to a provider's entry leave the record
    as it was, which is the point of keeping it. Only the notes change, and only until the record is closed.
    """

    __tablename__ = "commissioning_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed with created_at below: a council's records, newest first.
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[RecordStatus] = mapped_column(
        enum_type(RecordStatus, "record_status"), default=RecordStatus.OPEN, index=True
    )
    # The search parameters as the commissioner gave them, and what the service understood from them.
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The band, its rules and the estimate in words and pence, as shown on the results page.
    band: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    in_house_considered: Mapped[str | None] = mapped_column(Text)
    why_these: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    council: Mapped[Council] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    providers: Mapped[list[RecordProvider]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="RecordProvider.position"
    )

    __table_args__ = (Index("ix_commissioning_records_council_created", "council_id", "created_at"),)

    @property
    def closed(self) -> bool:
        return self.status == RecordStatus.CLOSED

    def __repr__(self) -> str:
        return f"<CommissioningRecord {self.id} {self.title!r}>"


class RecordProvider(Base):
    """One shortlisted provider: its public facts as they were when the record was made."""

    __tablename__ = "record_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("commissioning_records.id", ondelete="CASCADE"), index=True)
    # Kept when the provider leaves the register: the record still says who was shortlisted.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"), index=True)
    position: Mapped[int]
    # The name at the time, as a column so a council can search its records by provider.
    name: Mapped[str] = mapped_column(String(300))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    record: Mapped[CommissioningRecord] = relationship(back_populates="providers")

    __table_args__ = (UniqueConstraint("record_id", "position", name="uq_record_providers_record_position"),)
