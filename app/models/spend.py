"""Spend analysis: a council's published payment files, the payments read from them, the suppliers they were paid
to (resolved once and remembered), what was rejected and why, and the deprivation of places."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.providers import LegalForm
from app.domain.spend.classification import Exclusion, PlaceBasis, Resolution, SpendPlace
from app.domain.spend.lifecycle import SpendBatchStatus
from app.models.base import Base, enum_type, utcnow
from app.models.geography import Council


class SpendBatch(Base):
    """One uploaded spend file: read, its columns confirmed, imported as payments (or rejected rows), undone."""

    __tablename__ = "spend_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who published the file (a council's name as its files give it): saved mappings are kept per publisher.
    publisher: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    # Where the uploaded file is kept (a name inside UPLOAD_FOLDER) until it is imported or dropped.
    stored_file: Mapped[str | None] = mapped_column(String(200))
    # The workbook sheet read, for an XLSX file.
    sheet: Mapped[str | None] = mapped_column(String(200))
    # How the file was read: kind, encoding, delimiter, header row (or none), headers, zip member, sheets.
    file_format: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Field name -> column index (as a string of the header's position), as confirmed by the officer.
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    mapping_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[SpendBatchStatus] = mapped_column(
        enum_type(SpendBatchStatus, "spend_batch_status"), default=SpendBatchStatus.MAPPING
    )
    # rows, payments, rejected, blank, credits, total_pence, duplicates (a part of rejected), ...
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The file's own total row, when it has one, and where it was.
    file_total_pence: Mapped[int | None] = mapped_column(BigInteger)
    total_row_number: Mapped[int | None] = mapped_column(Integer)
    # The dates of its first and last payments.
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    job_id: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime | None]
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    council: Mapped[Council] = relationship()


class SpendRejection(Base):
    """A data row that did not become a payment, with the reason, the column and the cell as the file had it."""

    __tablename__ = "spend_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("spend_batches.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)
    # What kind: 'amount', 'date', 'supplier', 'duplicate', 'fused', 'unclosed_quote', ...
    code: Mapped[str] = mapped_column(String(30))
    column: Mapped[str | None] = mapped_column(String(300))
    cell: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    # For a 'duplicate': the batch (and its row) holding the payment this row doubled, so that batch is not undone
    # while this one counts on it (its payment would then count nowhere). No foreign key: batches are not deleted,
    # and the row stays the record of what the import found.
    duplicate_of_batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    duplicate_of_row_number: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_spend_rejections_batch_row", "batch_id", "row_number"),)


class SpendMapping(Base):
    """A publisher's column mapping, saved so next month's file from the same publisher maps itself."""

    __tablename__ = "spend_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    publisher: Mapped[str] = mapped_column(String(200))
    # Field name -> header text (matched against the next file's headers).
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Whether the amounts are net or gross of VAT, as the officer said.
    amount_basis: Mapped[str | None] = mapped_column(String(10))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("council_id", "publisher", name="uq_spend_mappings_council_publisher"),)


class SpendSupplier(Base):
    """A payee as a council's files name it, grouped by supplier id, VAT number or normalised name; resolved once
    (to a register organisation, a postcode, or out of the measure) and remembered for the council's later files.
    Its classification is kept here, recomputed when its resolution or the register changes."""

    __tablename__ = "spend_suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    # How payments are grouped: 'id:<supplier id>', 'vat:<number>' or 'name:<normalised name>'.
    key: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(300))
    supplier_reference: Mapped[str | None] = mapped_column(String(100))
    vat_number: Mapped[str | None] = mapped_column(String(20))
    company_number: Mapped[str | None] = mapped_column(String(20))

    resolution: Mapped[Resolution] = mapped_column(
        enum_type(Resolution, "spend_resolution"), default=Resolution.UNRESOLVED
    )
    # How it was matched, in words ("company number 01234567", "exact name", "an officer").
    resolved_how: Mapped[str | None] = mapped_column(String(200))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"), index=True)
    candidate_provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"))
    candidate_score: Mapped[float | None] = mapped_column(Float)
    # A postcode an officer gave (resolution 'placed').
    postcode: Mapped[str | None] = mapped_column(String(8))
    exclusion: Mapped[Exclusion | None] = mapped_column(enum_type(Exclusion, "spend_exclusion"))
    note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # The classification every payment to it takes.
    place: Mapped[SpendPlace] = mapped_column(enum_type(SpendPlace, "spend_place"), default=SpendPlace.NOT_KNOWN)
    place_basis: Mapped[PlaceBasis | None] = mapped_column(enum_type(PlaceBasis, "spend_place_basis"))
    district_code: Mapped[str | None] = mapped_column(String(9))
    place_postcode: Mapped[str | None] = mapped_column(String(8))
    legal_form: Mapped[LegalForm | None] = mapped_column(enum_type(LegalForm, "legal_form"))
    social_economy: Mapped[bool] = mapped_column(default=False)
    sme: Mapped[bool | None]
    lsoa_code: Mapped[str | None] = mapped_column(String(9))
    imd_decile: Mapped[int | None] = mapped_column(Integer)
    classified_at: Mapped[datetime | None]

    # What the council's counting batches paid it: for the attribution queue's order.
    total_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_count: Mapped[int] = mapped_column(Integer, default=0)

    council: Mapped[Council] = relationship()

    __table_args__ = (
        UniqueConstraint("council_id", "key", name="uq_spend_suppliers_council_key"),
        Index("ix_spend_suppliers_council_resolution_total", "council_id", "resolution", "total_pence"),
    )


class Payment(Base):
    """One payment line of a council's published file. Credits are payments with negative amounts."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("spend_batches.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("spend_suppliers.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    # The payee's name exactly as this line gave it.
    supplier_name: Mapped[str] = mapped_column(String(300))
    transaction_number: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(200))
    service_area: Mapped[str | None] = mapped_column(String(200))
    expense_type: Mapped[str | None] = mapped_column(String(200))
    proclass_code: Mapped[str | None] = mapped_column(String(20))
    proclass_label: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_payments_council_paid_on", "council_id", "paid_on"),
        Index("ix_payments_batch_row", "batch_id", "row_number"),
    )


class SpendCategoryService(Base):
    """An officer's mapping of a spend category (as the files name it) to a register service category, so leakage
    in that category can be met by the providers on the register that offer it."""

    __tablename__ = "spend_category_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    # Which column the category comes from ('department', 'service_area', 'expense_type', 'proclass') and its text.
    dimension: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(200))
    service_category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id", ondelete="CASCADE"))
    mapped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mapped_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "council_id", "dimension", "label", "service_category_id", name="uq_spend_category_services_mapping"
        ),
    )


class DeprivationRelease(Base):
    """A loaded Index of Multiple Deprivation with its postcode lookup: exactly one is active."""

    __tablename__ = "deprivation_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "English Indices of Deprivation 2019 (LSOA 2011)", and the postcode lookup's name.
    name: Mapped[str] = mapped_column(String(200))
    postcode_lookup: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=False)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LsoaDeprivation(Base):
    """An LSOA's IMD rank and decile (1 = the 10% most deprived) in a release."""

    __tablename__ = "lsoa_deprivation"

    release_id: Mapped[int] = mapped_column(ForeignKey("deprivation_releases.id", ondelete="CASCADE"), primary_key=True)
    lsoa_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    imd_rank: Mapped[int] = mapped_column(Integer)
    imd_decile: Mapped[int] = mapped_column(Integer)


class PostcodeLsoa(Base):
    """Which LSOA a postcode is in (the lookup a deprivation release was loaded with)."""

    __tablename__ = "postcode_lsoas"

    release_id: Mapped[int] = mapped_column(ForeignKey("deprivation_releases.id", ondelete="CASCADE"), primary_key=True)
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    lsoa_code: Mapped[str] = mapped_column(String(9))
