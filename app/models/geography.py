"""Places: statistical areas, councils and the postcode directory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.policy import AreaKind, LocalAreaDefinition
from app.models.base import Base, Timestamped, enum_type, utcnow


class Area(Base):
    """A GSS-coded area: country, region, combined authority, district or ward."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AreaKind] = mapped_column(enum_type(AreaKind, "area_kind"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # The combined authority a district belongs to, when it has one (a second parent beside its region).
    combined_authority_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # GeoJSON geometry (lon, lat), for maps and for points placed from an address.
    boundary: Mapped[str | None] = mapped_column(Text, deferred=True)

    parent: Mapped[Area | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    combined_authority: Mapped[Area | None] = relationship(remote_side=[id], foreign_keys=[combined_authority_id])

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.name}>"


council_joint_areas = Table(
    "council_joint_areas",
    Base.metadata,
    Column("council_id", ForeignKey("councils.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)


class Council(Timestamped, Base):
    """A council using the register, with its definition of 'local'."""

    __tablename__ = "councils"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), unique=True)
    local_area_definition: Mapped[LocalAreaDefinition] = mapped_column(
        enum_type(LocalAreaDefinition, "local_area_definition"), default=LocalAreaDefinition.OWN_AREA
    )
    # Where a joint procurement defines the local area: the partner districts.
    joint_areas: Mapped[list[Area]] = relationship(secondary=council_joint_areas, order_by="Area.name")
    wider_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    local_area_rationale: Mapped[str | None] = mapped_column(Text)

    district: Mapped[Area] = relationship(foreign_keys=[district_id])
    wider_area: Mapped[Area | None] = relationship(foreign_keys=[wider_area_id])

    def __repr__(self) -> str:
        return f"<Council {self.name}>"


class PostcodeRelease(Base):
    """A postcode directory release. Exactly one is active; lookups read only the active one.

    A new release is loaded beside the active one and switched on in the same transaction,
    so readers never see a half-loaded directory and never wait for one.
    """

    __tablename__ = "postcode_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source_file: Mapped[str] = mapped_column(String(500))
    # The SHA-256 of each file that went into the release, joined with '+', so a reload is recognised.
    sha256: Mapped[str] = mapped_column(String(200), index=True)
    source_format: Mapped[str] = mapped_column(String(40))
    row_count: Mapped[int] = mapped_column(default=0)
    with_coordinates: Mapped[int] = mapped_column(default=0)
    with_wards: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    seconds_to_load: Mapped[float | None] = mapped_column(Float)


class Postcode(Base):
    """One postcode in one release, with its point and the areas it falls in."""

    __tablename__ = "postcodes"

    # The release, with no foreign key: PostgreSQL would check one row by row at the end of a load's COPY (20-25 s of
    # its time for the UK). load_release writes a release's rows after the release, in its transaction, and
    # purge_inactive_releases deletes them before it (migration 0014).
    release_id: Mapped[int] = mapped_column(primary_key=True)
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    outcode: Mapped[str] = mapped_column(String(4))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    district_code: Mapped[str | None] = mapped_column(String(9))
    ward_code: Mapped[str | None] = mapped_column(String(9))
    terminated: Mapped[bool | None] = mapped_column(Boolean)

    # On SQLite the primary key is the table (WITHOUT ROWID): a lookup probes one B-tree, not the key's index and
    # then the table, and a load writes one. No index on the outcode: nothing reads postcodes by it (a postcode
    # district's centre is OutcodeCentroid's), and a load would build it over millions of rows (migration 0014).
    __table_args__ = ({"sqlite_with_rowid": False},)


class OutcodeCentroid(Base):
    """The mean point of a postcode district (e.g. L36) in a release, and the district holding most of it."""

    __tablename__ = "outcode_centroids"

    release_id: Mapped[int] = mapped_column(ForeignKey("postcode_releases.id", ondelete="CASCADE"), primary_key=True)
    outcode: Mapped[str] = mapped_column(String(4), primary_key=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    postcode_count: Mapped[int]
    main_district_code: Mapped[str | None] = mapped_column(String(9))
    main_district_share: Mapped[float | None] = mapped_column(Float)


class GeocodeResult(Base):
    """A cached answer from an online geocoder, so an address is never looked up twice."""

    __tablename__ = "geocode_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    geocoder: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(String(500))
    found: Mapped[bool] = mapped_column(Boolean)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("geocoder", "query", name="uq_geocode_results_geocoder_query"),)
