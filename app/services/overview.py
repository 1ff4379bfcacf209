"""Figures for the officers' and commissioners' home pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.domain.paging import count_words
from app.domain.providers import Placement, ProviderStatus
from app.models import Area, AuditEvent, Council, ImportBatch, PostcodeRelease, Provider, Site
from app.services.ordered_pages import capped_count


@dataclass(frozen=True)
class LocalCounts:
    """Verified providers with premises in the council's own district, and in its wider area, each counted up to
    COUNT_LIMIT (``..._capped``: the count stopped there)."""

    local: int
    wider: int
    wider_area_name: str | None
    local_capped: bool = False
    wider_capped: bool = False

    @property
    def local_text(self) -> str:
        return count_words(self.local, "provider", "providers", capped=self.local_capped)

    @property
    def wider_text(self) -> str:
        return count_words(self.wider, "provider", "providers", capped=self.wider_capped)


def provider_status_counts(session: Session) -> dict[ProviderStatus, int]:
    rows = session.execute(select(Provider.status, func.count()).group_by(Provider.status)).all()
    counts = dict.fromkeys(ProviderStatus, 0)
    counts.update(dict(rows))
    return counts


def sites_not_placed(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Site).where(Site.placement == Placement.NOT_PLACED)) or 0


def recent_audit_events(session: Session, limit: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)))


def recent_import_batches(session: Session, limit: int) -> list[ImportBatch]:
    return list(session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)))


def current_postcode_release(session: Session) -> PostcodeRelease | None:
    return session.scalar(select(PostcodeRelease).order_by(PostcodeRelease.id.desc()).limit(1))


def _verified_with_site_in(session: Session, district_codes: Select[str]) -> tuple[int, bool]:
    with_site = select(Site.provider_id).where(Site.district_code.in_(district_codes))
    return capped_count(
        session, select(Provider.id).where(Provider.status == ProviderStatus.VERIFIED, Provider.id.in_(with_site))
    )


def local_provider_counts(session: Session, council: Council) -> LocalCounts:
    """Counts of verified providers with a site in the council's district and in its wider area."""
    local, local_capped = _verified_with_site_in(session, select(Area.code).where(Area.id == council.district_id))
    wider, wider_capped = 0, False
    if council.wider_area_id is not None:
        wider, wider_capped = _verified_with_site_in(
            session,
            select(Area.code).where(
                or_(
                    Area.combined_authority_id == council.wider_area_id,
                    Area.parent_id == council.wider_area_id,
                )
            ),
        )
    wider_name = council.wider_area.name if council.wider_area else None
    return LocalCounts(local, wider, wider_name, local_capped, wider_capped)
