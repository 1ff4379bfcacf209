"""The public directory: verified providers, filtered and paginated."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, selectinload

from app.domain.policy import AreaKind
from app.domain.providers import LegalForm, ProviderStatus
from app.models import Area, Provider, Site


@dataclass(frozen=True)
class DirectoryEntry:
    provider: Provider
    district_names: list[str]


@dataclass(frozen=True)
class DirectoryPage:
    entries: list[DirectoryEntry]
    total: int
    page: int
    per_page: int
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def _verified_query(district_code: str | None, legal_form: LegalForm | None) -> Select[Provider]:
    query = select(Provider).where(Provider.status == ProviderStatus.VERIFIED)
    if district_code:
        query = query.where(exists().where(Site.provider_id == Provider.id, Site.district_code == district_code))
    if legal_form:
        query = query.where(Provider.legal_form == legal_form)
    return query


def list_verified_providers(
    session: Session,
    *,
    district_code: str | None = None,
    legal_form: LegalForm | None = None,
    page: int = 1,
    per_page: int = 20,
) -> DirectoryPage:
    """One page of verified providers in name order, each with the districts its premises are in."""
    base = _verified_query(district_code, legal_form)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = max(1, min(page, max(1, ceil(total / per_page))))
    providers = session.scalars(
        base.options(selectinload(Provider.sites))
        .order_by(func.lower(Provider.name), Provider.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    names = district_names(session, {s.district_code for p in providers for s in p.sites if s.district_code})
    entries = [
        DirectoryEntry(
            p,
            sorted({names[s.district_code] for s in p.sites if s.district_code and s.district_code in names}),
        )
        for p in providers
    ]
    filters = {k: v for k, v in (("district", district_code), ("legal_form", legal_form)) if v}
    return DirectoryPage(entries, total, page, per_page, {k: str(v) for k, v in filters.items()})


def district_names(session: Session, codes: set[str]) -> dict[str, str]:
    """GSS code to name for the given district and ward codes."""
    if not codes:
        return {}
    return dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())


def districts_with_verified_providers(session: Session) -> list[Area]:
    """Districts that hold at least one verified provider's premises, for the directory's filter."""
    codes = select(Site.district_code).join(Provider).where(Provider.status == ProviderStatus.VERIFIED).distinct()
    return list(
        session.scalars(select(Area).where(Area.kind == AreaKind.DISTRICT, Area.code.in_(codes)).order_by(Area.name))
    )


def get_public_provider(session: Session, provider_id: int) -> Provider | None:
    """A provider the public may see: verified ones only."""
    provider = session.get(Provider, provider_id)
    if provider is None or provider.status != ProviderStatus.VERIFIED:
        return None
    return provider
