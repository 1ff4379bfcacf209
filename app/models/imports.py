"""Bulk imports: the batch (an uploaded file through its checks, commit and undo), its row issues, the
changes it made (for undo) and officers' saved column mappings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.imports.lifecycle import ImportStatus
from app.domain.imports.outcomes import describe_outcome, describe_undo
from app.domain.imports.registration_status import DissolvedRows
from app.models.base import Base, enum_type, utcnow


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # use_alter breaks the users -> providers -> import_batches -> users cycle when creating tables.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL", use_alter=True))
    source_name: Mapped[str] = mapped_column(String(300))
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[ImportStatus] = mapped_column(
        enum_type(ImportStatus, "import_status"), default=ImportStatus.IMPORTED, server_default="imported"
    )
    # Where the uploaded file is kept (a name inside UPLOAD_FOLDER), until the batch is imported or dropped.
    stored_file: Mapped[str | None] = mapped_column(String(200))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    # How the file was read: encoding, delimiter, header row and the headers themselves.
    file_format: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Field name -> header, as confirmed by the officer.
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    mapping_name: Mapped[str | None] = mapped_column(String(100))
    # Whether organisations new to the register are published as verified or queued for checks.
    publish_verified: Mapped[bool] = mapped_column(default=False, server_default=false())
    # What to do with rows the file says are dissolved, removed or struck off (DissolvedRows): 'reject' or 'archive'.
    dissolved_rows: Mapped[DissolvedRows] = mapped_column(
        enum_type(DissolvedRows, "dissolved_rows"), default=DissolvedRows.REJECT, server_default="reject"
    )
    job_id: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None]
    committed_at: Mapped[datetime | None]
    committed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL", use_alter=True))
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL", use_alter=True))
    # What the undo did: counts and the providers it left because someone had changed them since.
    undo_report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    issues: Mapped[list[ImportIssue]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", passive_deletes=True, order_by="ImportIssue.id"
    )

    @property
    def rows(self) -> int:
        return int(self.counts.get("rows", 0))

    @property
    def outcome(self) -> str:
        """What the import did (or, before it is imported, what the check says it would do), in one sentence."""
        done = self.status in (ImportStatus.IMPORTED, ImportStatus.UNDONE)
        return describe_outcome(self.counts or {}, done=done)

    @property
    def undo_summary(self) -> str:
        """What undoing it did, with how many it left and why ('' when it has not been undone)."""
        return describe_undo(self.undo_report or {}) if self.status == ImportStatus.UNDONE else ""


class ImportIssue(Base):
    """A problem with a row, or a possible match for the officer to decide, found by the check."""

    __tablename__ = "import_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)
    # 'error' (the row is rejected), 'warning' (imported, the value left out) or 'possible_match'.
    kind: Mapped[str] = mapped_column(String(20))
    column: Mapped[str | None] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    # What kind of problem, for counting and filtering: 'formula', 'ended', 'flagged', 'not_placed' (or None).
    code: Mapped[str | None] = mapped_column(String(30))
    name: Mapped[str | None] = mapped_column(String(300))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"))
    score: Mapped[float | None] = mapped_column(Float)
    # For a possible match: None (not decided), 'same' or 'separate'.
    decision: Mapped[str | None] = mapped_column(String(20))

    batch: Mapped[ImportBatch] = relationship(back_populates="issues")

    __table_args__ = (Index("ix_import_issues_batch_kind_row", "batch_id", "kind", "row_number"),)


class ImportChange(Base):
    """A provider an import created or updated: enough to undo it, and to tell whether anyone changed it since."""

    __tablename__ = "import_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    # No foreign key: the change outlives a provider someone deletes, and undo reports it as gone.
    provider_id: Mapped[int] = mapped_column(Integer)
    row_number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # 'created' or 'updated'
    # The provider as it was before an update (None for one the import created).
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A digest of the provider as the import left it: if it differs at undo time, someone changed it since.
    after_digest: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("batch_id", "provider_id", name="uq_import_changes_batch_provider"),
        Index("ix_import_changes_provider", "provider_id"),
    )


class ImportMapping(Base):
    """A column mapping an officer saved by name, to reuse for files of the same shape."""

    __tablename__ = "import_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Field name -> header.
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
