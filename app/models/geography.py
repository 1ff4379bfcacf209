"""Places: statistical areas, councils and the postcode directory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, String, Table, Text
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
    joint_areas: Mapped[list[Area]] = relationship(secondary=council_joint_areas)
    wider_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    local_area_rationale: Mapped[str | None] = mapped_column(Text)

    district: Mapped[Area] = relationship(foreign_keys=[district_id])
    wider_area: Mapped[Area | None] = relationship(foreign_keys=[wider_area_id])

    def __repr__(self) -> str:
        return f"<Council {self.name}>"


class PostcodeRelease(Base):
    """A postcode directory release loaded into ``postcodes``."""

    __tablename__ = "postcode_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source_file: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(default=0)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Postcode(Base):
    """One postcode from the directory, with its point and the areas it falls in."""

    __tablename__ = "postcodes"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    district_code: Mapped[str | None] = mapped_column(String(9))
    ward_code: Mapped[str | None] = mapped_column(String(9))
    terminated: Mapped[bool | None] = mapped_column(Boolean)
    release_id: Mapped[int | None] = mapped_column(ForeignKey("postcode_releases.id"))

    __table_args__ = (Index("ix_postcodes_district_code", "district_code"),)
