"""The public directory: verified providers, filtered and paginated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, exists, false, func, select
from sqlalchemy.orm import Session, selectinload

from app.domain.paging import Paged, clamp_page
from app.domain.policy import AreaKind
from app.domain.providers import LegalForm, ProviderStatus
from app.models import Area, Provider, ServiceCategory, Site, provider_services
from app.services import fulltext
from app.services.locality import area_names

# A search box's text past this is not a search anyone means; it is cut, not refused.
QUERY_MAX = 200


@dataclass(frozen=True)
class DirectoryEntry:
    provider: Provider
    district_names: list[str]


@dataclass(frozen=True)
class DirectoryPage(Paged):
    entries: list[DirectoryEntry]
    total: int
    page: int
    per_page: int
    filters: dict[str, str] = field(default_factory=dict)
    # The words searched for, as typed (trimmed); empty when the page is not a search.
    query: str = ""


def _verified_query(district_code: str | None, legal_form: LegalForm | None, service: str | None) -> Select[Provider]:
    query = select(Provider).where(Provider.status == ProviderStatus.VERIFIED)
    if district_code:
        query = query.where(exists().where(Site.provider_id == Provider.id, Site.district_code == district_code))
    if legal_form:
        query = query.where(Provider.legal_form == legal_form)
    if service:
        query = query.where(
            exists()
            .where(provider_services.c.provider_id == Provider.id)
            .where(provider_services.c.category_id == ServiceCategory.id, ServiceCategory.slug == service)
        )
    return query


def list_verified_providers(
    session: Session,
    *,
    district_code: str | None = None,
    legal_form: LegalForm | None = None,
    service: str | None = None,
    query: str = "",
    page: int = 1,
    per_page: int = 20,
) -> DirectoryPage:
    """One page of verified providers, each with the districts its premises are in.

    In name order; a search (``query``: words of a name, a service, a description or a town, as the
    commissioners' search reads them) lists the best matches first; a search with no words in it finds nothing.
    """
    query = query.strip()[:QUERY_MAX]
    base = _verified_query(district_code, legal_form, service)
    order: list[Any] = [func.lower(Provider.name), Provider.id]
    matches = fulltext.matches(session, query) if query else None
    if matches is not None:
        found = matches.subquery("matches")
        base = base.join(found, found.c.provider_id == Provider.id)
        order = [found.c.relevance.desc(), *order]
    elif query:
        # Only punctuation: nothing to search for, so nothing matches (never every provider "found for '!!!'").
        base = base.where(false())
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = clamp_page(page, total, per_page)
    providers = session.scalars(
        base.options(selectinload(Provider.sites)).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ).all()
    names = area_names(session, (s.district_code for p in providers for s in p.sites))
    entries = [
        DirectoryEntry(
            p,
            sorted({names[s.district_code] for s in p.sites if s.district_code and s.district_code in names}),
        )
        for p in providers
    ]
    asked = (("q", query), ("district", district_code), ("legal_form", legal_form), ("service", service))
    filters = {k: str(v) for k, v in asked if v}
    return DirectoryPage(entries, total, page, per_page, filters, query)


def districts_with_verified_providers(session: Session) -> list[Area]:
    """Districts that hold at least one verified provider's premises, for the directory's filter."""
    codes = select(Site.district_code).join(Provider).where(Provider.status == ProviderStatus.VERIFIED).distinct()
    return list(
        session.scalars(select(Area).where(Area.kind == AreaKind.DISTRICT, Area.code.in_(codes)).order_by(Area.name))
    )


def services_of_verified_providers(session: Session) -> list[ServiceCategory]:
    """Service categories at least one verified provider offers, for the directory's filter."""
    offered = (
        select(provider_services.c.category_id)
        .join(Provider, Provider.id == provider_services.c.provider_id)
        .where(Provider.status == ProviderStatus.VERIFIED)
        .distinct()
    )
    return list(
        session.scalars(select(ServiceCategory).where(ServiceCategory.id.in_(offered)).order_by(ServiceCategory.name))
    )


def get_public_provider(session: Session, provider_id: int) -> Provider | None:
    """A provider the public may see: verified ones only."""
    provider = session.get(Provider, provider_id)
    if provider is None or provider.status != ProviderStatus.VERIFIED:
        return None
    return provider
