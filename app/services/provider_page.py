"""A verified provider's public page: the provider and everything the page shows of it, in three statements.

1. the provider with its premises, registration numbers, facts (and the imports that recorded them) and what the
   public registers said when last compared, joined:
   one row per premises x number x fact, which the unique numbers and one fact of each kind keep small;
2. its services;
3. the areas it serves and the names of its premises' districts and wards, one look-up of the areas table.

Lazy loads would take seven statements, one for each list.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.providers import ProviderStatus
from app.models import Area, Provider, ProviderFact, ProviderIdentifier, provider_areas_served


@dataclass(frozen=True)
class ProviderPage:
    provider: Provider
    #: GSS code to name for every district and ward its premises are in.
    area_names: dict[str, str]


def public_provider_page(session: Session, provider_id: int) -> ProviderPage | None:
    """A provider the public may see (verified ones only), loaded for its page; None for any other id."""
    provider = (
        session.scalars(
            select(Provider)
            .where(Provider.id == provider_id, Provider.status == ProviderStatus.VERIFIED)
            .options(
                joinedload(Provider.sites),
                joinedload(Provider.identifiers).joinedload(ProviderIdentifier.import_batch),
                joinedload(Provider.facts).joinedload(ProviderFact.import_batch),
                # At most one a register: when each number was last checked against it.
                joinedload(Provider.register_records),
                selectinload(Provider.services),
            )
        )
        .unique()
        .one_or_none()
    )
    if provider is None:
        return None
    codes = {code for site in provider.sites for code in (site.district_code, site.ward_code) if code}
    served_ids = select(provider_areas_served.c.area_id).where(provider_areas_served.c.provider_id == provider.id)
    areas = session.execute(
        select(Area, Area.id.in_(served_ids).label("served")).where(or_(Area.id.in_(served_ids), Area.code.in_(codes)))
    ).all()
    # The areas it serves, as the relationship would have loaded them (the page sorts them by name).
    set_committed_value(provider, "areas_served", [area for area, served in areas if served])
    return ProviderPage(provider, {area.code: area.name for area, _ in areas if area.code in codes})
