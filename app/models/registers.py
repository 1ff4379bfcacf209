"""The public registers as loaded: Companies House, the Charity Commission and the FCA Mutuals Public Register.

Each load is a release of one register, loaded beside the active one and switched on in one transaction, as the
postcode directory's releases are (:mod:`app.services.registers`). A release's rows carry its id with no foreign
key, for the same reason as the postcodes': the bulk loads write millions of rows, and a release's rows are written
after it and deleted before it in the one module that writes them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.companies_house_api import SERVICE_NAME as ONLINE_SERVICE_NAME
from app.domain.providers import LegalForm
from app.domain.registers import SCHEME_OF, Register, last_checked, legal_form_differs, name_key, register_name
from app.models.base import Base, utcnow


class RegisterRelease(Base):
    """One load of one register: its files, when it was published and loaded, and what it held."""

    __tablename__ = "register_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    # app.domain.registers.Register's value: companies-house, charities or mutuals.
    register: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    source_files: Mapped[str] = mapped_column(Text)
    # The SHA-256 of each file, joined with '+', so loading the same files again is recognised.
    sha256: Mapped[str] = mapped_column(String(700))
    # The date the register's data is as of (the product's date, or the day it was loaded when the file has none).
    published_on: Mapped[date] = mapped_column(Date)
    row_count: Mapped[int] = mapped_column(default=0)
    # What the load noticed, to show with the release: rows by status, categories it did not know, rows left out.
    counts: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    seconds_to_load: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_register_releases_register_active", "register", "active"),)


class RegisteredCompany(Base):
    """A company in a Companies House release (BasicCompanyData)."""

    __tablename__ = "register_companies"

    release_id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    # app.domain.registers.name_key: how names as finance systems write them find this one. Its index carries the
    # number and name too, so a near-name search reads candidates from the index alone (no lookup of each row).
    name_key: Mapped[str] = mapped_column(String(160))
    category: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(80))
    incorporated_on: Mapped[date | None] = mapped_column(Date)
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(800))
    postcode: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(60))
    # SIC codes with their words, one a line ("88990 - Other social work activities n.e.c.").
    sic: Mapped[str] = mapped_column(Text)
    previous_name: Mapped[str] = mapped_column(String(160))

    __table_args__ = (
        Index("ix_register_companies_release_name_key", "release_id", "name_key", "number", "name"),
        {"sqlite_with_rowid": False},
    )


class RegisteredCharity(Base):
    """A main charity in a Charity Commission release (the register extract's charity table)."""

    __tablename__ = "register_charities"

    release_id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(7), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    name_key: Mapped[str] = mapped_column(String(160))
    company_number: Mapped[str | None] = mapped_column(String(8))
    charity_type: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(40))
    registered_on: Mapped[date | None] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(8))
    website: Mapped[str] = mapped_column(String(200))
    activities: Mapped[str] = mapped_column(Text)
    # From the extract's classification and area-of-operation tables, when they are loaded: one a line.
    classifications: Mapped[str] = mapped_column(Text, default="")
    areas_of_operation: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_register_charities_release_name_key", "release_id", "name_key", "number", "name"),
        Index("ix_register_charities_release_company_number", "release_id", "company_number"),
    )


class RegisteredSociety(Base):
    """A co-operative or community benefit society (or another mutual) in an FCA Mutuals Public Register release."""

    __tablename__ = "register_societies"

    release_id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    name_key: Mapped[str] = mapped_column(String(160))
    # Its number at Companies House (IP... or RS...), where it has one.
    company_number: Mapped[str | None] = mapped_column(String(8))
    society_type: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(40))
    registered_on: Mapped[date | None] = mapped_column(Date)
    deregistered_on: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(8))

    __table_args__ = (
        Index("ix_register_societies_release_name_key", "release_id", "name_key", "number", "name"),
        Index("ix_register_societies_release_company_number", "release_id", "company_number"),
    )


class ProviderRegisterRecord(Base):
    """What a public register said about a provider when it was last compared: the register's name, kind, status,
    registered office and SIC codes, with the release they came from ("from Companies House, 1 December 2026").

    Written when the provider confirms the register's details at registration (``confirmed_at``), and kept beside
    what the provider said, so the officer's review shows both and the differences."""

    __tablename__ = "provider_register_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    # app.domain.registers.Register's value.
    register: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(80))
    # app.domain.registers.Liveness's value, and app.domain.providers.LegalForm's, as the register's record says.
    liveness: Mapped[str] = mapped_column(String(10))
    legal_form: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(800))
    postcode: Mapped[str | None] = mapped_column(String(8))
    sic: Mapped[str] = mapped_column(Text, default="")
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    release_name: Mapped[str] = mapped_column(String(200))
    published_on: Mapped[date] = mapped_column(Date)
    # The day it was last compared with the register's active release (published_on says which).
    checked_on: Mapped[date] = mapped_column(Date)
    # What that comparison found for an officer to look at, one a line (app.domain.registers.check_findings).
    findings: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("provider_id", "register"),)

    @property
    def org_id(self) -> str:
        return f"{SCHEME_OF[Register(self.register)]}-{self.number}"

    @property
    def register_name(self) -> str:
        return register_name(Register(self.register))

    @property
    def last_checked(self) -> str:
        """'Last checked against Companies House on 4 December 2026 (its register of 1 December 2026)'."""
        online = self.release_name.startswith(ONLINE_SERVICE_NAME)
        return last_checked(Register(self.register), self.checked_on, self.published_on, online=online)

    def name_differs(self, name: str) -> bool:
        """Whether ``name`` is another name than the register's, as the matcher reads names ("CIC" is "Community
        Interest Company", case and punctuation aside)."""
        return name_key(self.name) != name_key(name)

    def legal_form_differs(self, ours: LegalForm) -> bool:
        return legal_form_differs(Register(self.register), LegalForm(self.legal_form), ours)

    @property
    def legal_form_label(self) -> str:
        return LegalForm(self.legal_form).label

    @property
    def finding_lines(self) -> list[str]:
        return [line for line in self.findings.split("\n") if line]


class RegisterCheckRun(Base):
    """One run of the check of every provider against the loaded registers, started by an officer (a job) or the
    command line: when, by whom, how far it got and what it found."""

    __tablename__ = "register_check_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # running, finished or failed.
    status: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_by_label: Mapped[str] = mapped_column(String(200))
    job_id: Mapped[str | None] = mapped_column(String(100))
    providers: Mapped[int] = mapped_column(default=0)
    numbers: Mapped[int] = mapped_column(default=0)
    # The providers put in the queue: [[id, name, [finding, ...]], ...].
    flagged: Mapped[list[list[object]]] = mapped_column(JSON, default=list)
    registers: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
