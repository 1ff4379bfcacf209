"""The public directory: verified providers, filtered and paginated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import Session, selectinload

from app.domain.paging import Paged, clamp_page, offset_of
from app.domain.policy import AreaKind
from app.domain.providers import LegalForm, ProviderStatus
from app.models import Area, Provider, ServiceCategory, Site, provider_services
from app.services import fulltext
from app.services.locality import area_names
from app.services.ordered_pages import capped_count, page_ids

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
    # The count stopped at COUNT_LIMIT: ``total`` is a floor.
    total_capped: bool = False


def _verified_query(
    district_code: str | None, legal_form: LegalForm | None, service: str | None, category_id: int | None, member: Any
) -> Select[Any]:
    """Verified providers with the filters; ``member`` names the provider's id in them (fulltext.walked_id)."""
    query = select(Provider.id).where(Provider.status == ProviderStatus.VERIFIED)
    if district_code:
        query = query.where(member.in_(select(Site.provider_id).where(Site.district_code == district_code)))
    if legal_form:
        query = query.where(Provider.legal_form == legal_form)
    if service:
        offering = select(provider_services.c.provider_id).where(provider_services.c.category_id == category_id)
        query = query.where(member.in_(offering) if category_id is not None else false())
    return query


# Names without regard to case, as the (status, lower(name), id) index holds them: the engine walks it and stops.
NAME_ORDER = (func.lower(Provider.name), Provider.id)


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
    commissioners' search reads them) lists the providers whose names hold the words first; a search with no words
    in it finds nothing. The count stops at COUNT_LIMIT (the page says "more than").
    """
    query = query.strip()[:QUERY_MAX]
    category_id = session.scalar(select(ServiceCategory.id).where(ServiceCategory.slug == service)) if service else None
    base = _verified_query(district_code, legal_form, service, category_id, Provider.id)
    segments: list[ColumnElement[bool]] = []
    matched = fulltext.match(session, query) if query else None
    counted = base
    if matched is not None:
        segments = matched.tiers
        counted = matched.counted(base)
    elif query:
        # Only punctuation: nothing to search for, so nothing matches (never every provider "found for '!!!'").
        base = counted = base.where(false())
    total, capped = capped_count(session, counted)
    page = clamp_page(page, total, per_page)
    if total > fulltext.FEW_MATCHES:
        # Many: the filters are tested row by row along the name index, which stops after the page.
        base = _verified_query(district_code, legal_form, service, category_id, fulltext.walked_id(session))
    ids = page_ids(session, base, segments, NAME_ORDER, offset=offset_of(page, per_page), limit=per_page)
    loaded = {
        p.id: p
        for p in session.scalars(select(Provider).where(Provider.id.in_(ids)).options(selectinload(Provider.sites)))
    }
    providers = [loaded[i] for i in ids]
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
    return DirectoryPage(entries, total, page, per_page, filters, query, total_capped=capped)


def districts_with_verified_providers(session: Session) -> list[Area]:
    """Districts that hold at least one verified provider's premises, for the directory's filter: each of the few
    hundred districts asks the sites index whether it holds one, rather than reading every site."""
    holds_one = (
        select(Site.id)
        .join(Provider, Provider.id == Site.provider_id)
        .where(Site.district_code == Area.code, Provider.status == ProviderStatus.VERIFIED)
        .exists()
    )
    return list(session.scalars(select(Area).where(Area.kind == AreaKind.DISTRICT, holds_one).order_by(Area.name)))


def services_of_verified_providers(session: Session) -> list[ServiceCategory]:
    """Service categories at least one verified provider offers, for the directory's filter (one index question
    per category)."""
    offered = (
        select(provider_services.c.provider_id)
        .join(Provider, Provider.id == provider_services.c.provider_id)
        .where(provider_services.c.category_id == ServiceCategory.id, Provider.status == ProviderStatus.VERIFIED)
        .exists()
    )
    return list(session.scalars(select(ServiceCategory).where(offered).order_by(ServiceCategory.name)))
