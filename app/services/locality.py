"""Locality for a council: its local and wider areas, each provider's locality, and re-placing every site."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.domain.locality import LocalArea, LocalityAssessment, PlacedSite, assess_locality
from app.domain.policy import AreaKind, LocalAreaDefinition
from app.domain.providers import Placement
from app.geo.boundaries import BoundaryIndex
from app.geo.factory import boundary_index
from app.geo.placement import SitePlacer, place_sites
from app.models import Area, Council, Provider, Site
from app.services import audit
from app.services.audit import Actor


class Placed(Protocol):
    """Anything placed in a district and ward: premises, or a postcode's placement not yet saved."""

    @property
    def district_code(self) -> str | None: ...

    @property
    def ward_code(self) -> str | None: ...


def area_names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """GSS code to name for the given district and ward codes, in one query; unknown codes are left out."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(wanted))).all())


def area_names_for(session: Session, places: Iterable[Provider | Placed]) -> dict[str, str]:
    """Names of every district and ward that providers' premises (or the sites or placements given) are in."""
    sites = [site for place in places for site in (place.sites if isinstance(place, Provider) else [place])]
    return area_names(session, (code for site in sites for code in (site.district_code, site.ward_code)))


def local_area_for(session: Session, council: Council, boundaries: BoundaryIndex | None) -> LocalArea:
    """The districts that count as local for ``council`` (DOMAIN: own area, plus bordering, or a joint area)."""
    codes = {council.district.code}
    names = [council.district.name]
    if council.local_area_definition == LocalAreaDefinition.WITH_BORDERING:
        if boundaries is None:
            raise ValueError("Bordering authorities need the district boundaries")
        neighbours = boundaries.bordering(council.district.code)
        codes |= neighbours
        names.append("the authorities that border it")
    elif council.local_area_definition == LocalAreaDefinition.JOINT_AREA:
        codes |= {a.code for a in council.joint_areas}
        names.extend(a.name for a in council.joint_areas)
    wider_codes: set[str] = set()
    wider_name = None
    if council.wider_area is not None:
        wider = council.wider_area
        wider_name = wider.name
        if wider.kind == AreaKind.DISTRICT:
            wider_codes = {wider.code}
        else:
            wider_codes = set(
                session.scalars(
                    select(Area.code).where(
                        Area.kind == AreaKind.DISTRICT,
                        or_(Area.combined_authority_id == wider.id, Area.parent_id == wider.id),
                    )
                )
            )
    name = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return LocalArea(name, frozenset(codes), wider_name, frozenset(wider_codes))


def council_area(session: Session, council: Council) -> LocalArea:
    """The council's local and wider areas by its rule: the district boundaries are read only when the authorities
    bordering it count as local."""
    needs_boundaries = council.local_area_definition == LocalAreaDefinition.WITH_BORDERING
    return local_area_for(session, council, boundary_index(session) if needs_boundaries else None)


def placed_sites(
    session: Session, provider: Provider, *, public: bool, names: dict[str, str] | None = None
) -> list[PlacedSite]:
    """The provider's sites as locality sees them; ``public`` shows a hidden address only by its council area.

    A hidden address is usually a home: its postcode, and its ward too (a few streets), stay from the public.

    ``names`` (area code to name) may be passed in when many providers are described at once.
    """
    if names is None:
        names = area_names_for(session, [provider])
    return [
        PlacedSite(
            kind_label=s.kind.label,
            postcode=s.postcode if (s.address_public or not public) else None,
            district_code=s.district_code,
            district_name=names.get(s.district_code or ""),
            ward_name=names.get(s.ward_code or "") if (s.address_public or not public) else None,
            approximate=s.placement == Placement.POSTCODE_DISTRICT,
            # The reason may name the postcode or a point, so a hidden address keeps it from the public too.
            not_placed_reason=(
                s.placement_note if s.district_code is None and (s.address_public or not public) else None
            ),
        )
        for s in provider.sites
    ]


def provider_locality(
    session: Session, provider: Provider, area: LocalArea, *, public: bool, names: dict[str, str] | None = None
) -> LocalityAssessment:
    return assess_locality(placed_sites(session, provider, public=public, names=names), area)


@dataclass
class RelocateReport:
    sites: int = 0
    placed: int = 0
    not_placed: int = 0
    changed_providers: list[tuple[Provider, str, str]] = field(default_factory=list)


def relocate_all(
    session: Session,
    placer: SitePlacer,
    area: LocalArea,
    actor: Actor,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 2_000,
) -> RelocateReport:
    """Re-place every site (after a new directory release) and report each provider whose locality changed."""
    report = RelocateReport()
    providers = session.scalars(select(Provider).options(selectinload(Provider.sites)).order_by(Provider.id)).all()
    total_sites = sum(len(p.sites) for p in providers)
    before = {p.id: provider_locality(session, p, area, public=False).locality for p in providers}
    sites: list[Site] = [s for p in providers for s in p.sites]
    for start in range(0, len(sites), batch_size):
        batch = sites[start : start + batch_size]
        was = {s.id: (s.district_code, s.ward_code) for s in batch}
        for site in place_sites(placer, batch, now):
            audit.record(
                session,
                actor,
                "site.placed",
                "site",
                site.id,
                {"from": list(was[site.id]), "to": [site.district_code, site.ward_code], "by": site.placed_by},
            )
        report.sites += len(batch)
        if progress:
            progress(report.sites, total_sites)
    report.placed = sum(1 for s in sites if s.placement != Placement.NOT_PLACED)
    report.not_placed = report.sites - report.placed
    session.flush()
    for provider in providers:
        after = provider_locality(session, provider, area, public=False).locality
        if after != before[provider.id]:
            report.changed_providers.append((provider, before[provider.id].label, after.label))
            audit.record(
                session,
                actor,
                "provider.locality_changed",
                "provider",
                provider.id,
                {"from": before[provider.id].value, "to": after.value},
            )
    audit.record(
        session,
        actor,
        "sites.relocated",
        "site",
        None,
        {"sites": report.sites, "placed": report.placed, "not_placed": report.not_placed},
    )
    return report
