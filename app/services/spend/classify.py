"""Each supplier classified, so each payment to it is: where it is (by the council's own local area, on a recorded
address basis), its legal form and whether that is the social economy, whether it is an SME, and the deprivation
decile of the site the place rests on.

The place is the register's own locality rule (:func:`app.domain.locality.assess_locality` over the council's
:func:`app.services.locality.local_area_for`), applied to the linked organisation's premises with the registered
office considered first, so the basis says what the share rests on (DOMAIN.md 6: an invoicing address under-counts
branch-based suppliers):

* ``REGISTERED_OFFICE``: the deciding premises is the registered office;
* ``BRANCHED``: a trading site decides and the organisation has a registered office elsewhere;
* ``TRADING_SITE``: a trading site decides and no registered office is given;
* ``OFFICER`` (or the basis the officer chose): a postcode an officer gave, placed with the postcode directory.

Everything is read in a few queries for all the suppliers at once and written back in one bulk UPDATE.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.domain.eligibility import is_sme
from app.domain.locality import LocalArea, Locality, PlacedSite, assess_locality
from app.domain.providers import SOCIAL_ECONOMY_FORMS, FactKind, LegalForm, Placement, SiteKind
from app.domain.spend.classification import PlaceBasis, Resolution, SpendPlace
from app.domain.spend.lifecycle import COUNTING_STATUSES
from app.domain.text import plain_int
from app.geo.postcode_directory import PostcodeStore
from app.models import Council, Payment, Provider, ProviderFact, Site, SpendBatch, SpendSupplier
from app.services.locality import council_area
from app.services.spend.deprivation import imd_for_postcodes

#: Ids read at a time (well under every database's limit on bound parameters).
ID_CHUNK = 500
_PLACE_OF = {
    Locality.LOCAL: SpendPlace.LOCAL,
    Locality.WIDER: SpendPlace.WIDER,
    Locality.OUTSIDE: SpendPlace.OUTSIDE,
    Locality.UNKNOWN: SpendPlace.NOT_KNOWN,
}
_REGISTERED_OFFICE = SiteKind.REGISTERED_OFFICE.label
#: The classification columns, as an unplaced, unattributed supplier has them.
_NOTHING: dict[str, Any] = {
    "place": SpendPlace.NOT_KNOWN,
    "place_basis": None,
    "district_code": None,
    "place_postcode": None,
    "legal_form": None,
    "social_economy": False,
    "sme": None,
    "lsoa_code": None,
    "imd_decile": None,
}


def place_of_district(district_code: str | None, area: LocalArea) -> SpendPlace:
    if district_code is None:
        return SpendPlace.NOT_KNOWN
    if district_code in area.district_codes:
        return SpendPlace.LOCAL
    if district_code in area.wider_district_codes:
        return SpendPlace.WIDER
    return SpendPlace.OUTSIDE


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


def _provider_places(session: Session, provider_ids: list[int], area: LocalArea) -> dict[int, dict[str, Any]]:
    """Provider id -> its classification columns, from its premises, legal form and size facts."""
    sites: dict[int, list[PlacedSite]] = defaultdict(list)
    forms: dict[int, LegalForm] = {}
    facts: dict[int, dict[FactKind, str | None]] = defaultdict(dict)
    for chunk in _chunks(provider_ids):
        for provider_id, legal_form in session.execute(
            select(Provider.id, Provider.legal_form).where(Provider.id.in_(chunk))
        ):
            forms[provider_id] = legal_form
        rows = session.execute(
            select(Site.provider_id, Site.kind, Site.postcode, Site.district_code, Site.placement)
            .where(Site.provider_id.in_(chunk))
            .order_by(Site.provider_id, Site.id)
        )
        for provider_id, kind, postcode, district_code, placement in rows:
            sites[provider_id].append(
                PlacedSite(
                    kind_label=kind.label,
                    postcode=postcode,
                    district_code=district_code,
                    district_name=None,
                    ward_name=None,
                    approximate=placement == Placement.POSTCODE_DISTRICT,
                )
            )
        for provider_id, fact, value in session.execute(
            select(ProviderFact.provider_id, ProviderFact.kind, ProviderFact.value).where(
                ProviderFact.provider_id.in_(chunk),
                ProviderFact.kind.in_((FactKind.STAFF_COUNT, FactKind.TURNOVER)),
            )
        ):
            facts[provider_id][fact] = value
    places = {}
    for provider_id, legal_form in forms.items():
        # The registered office first, so it decides wherever it is as local as a trading site.
        given = sorted(sites.get(provider_id, []), key=lambda site: site.kind_label != _REGISTERED_OFFICE)
        assessment = assess_locality(given, area)
        deciding = assessment.deciding
        basis = None
        if deciding is not None:
            if deciding.kind_label == _REGISTERED_OFFICE:
                basis = PlaceBasis.REGISTERED_OFFICE
            elif any(site.kind_label == _REGISTERED_OFFICE for site in given):
                basis = PlaceBasis.BRANCHED
            else:
                basis = PlaceBasis.TRADING_SITE
        staff, turnover = facts[provider_id].get(FactKind.STAFF_COUNT), facts[provider_id].get(FactKind.TURNOVER)
        places[provider_id] = {
            "place": _PLACE_OF[assessment.locality],
            "place_basis": basis,
            "district_code": deciding.district_code if deciding else None,
            "place_postcode": deciding.postcode if deciding else None,
            "legal_form": legal_form,
            "social_economy": legal_form in SOCIAL_ECONOMY_FORMS,
            "sme": is_sme(plain_int(staff), plain_int(turnover)),
        }
    return places


def classify_suppliers(session: Session, council: Council, supplier_ids: Iterable[int] | None, now: datetime) -> int:
    """Classify the council's suppliers (those given, or all of them) from how each is resolved; returns how many.

    Matched or linked: from the organisation's premises, legal form and size facts. Placed by an officer: the
    postcode's district in the active postcode directory (not known if the directory no longer has it), on the basis
    the officer gave. Left out: not a supplier. Otherwise: not known. The LSOA and IMD decile are those of the
    deciding postcode in the active deprivation release.
    """
    query = select(
        SpendSupplier.id,
        SpendSupplier.resolution,
        SpendSupplier.provider_id,
        SpendSupplier.postcode,
        SpendSupplier.place_basis,
        SpendSupplier.legal_form,
    ).where(SpendSupplier.council_id == council.id)
    if supplier_ids is None:
        suppliers = session.execute(query.order_by(SpendSupplier.id)).all()
    else:
        wanted = sorted(set(supplier_ids))
        suppliers = [
            row for chunk in _chunks(wanted) for row in session.execute(query.where(SpendSupplier.id.in_(chunk)))
        ]
    if not suppliers:
        return 0
    area = council_area(session, council)
    linked = sorted(
        {
            row.provider_id
            for row in suppliers
            if row.resolution in (Resolution.MATCHED, Resolution.LINKED) and row.provider_id is not None
        }
    )
    providers = _provider_places(session, linked, area)
    by_postcode = (Resolution.PLACED, Resolution.REGISTERED)
    placed_postcodes = {row.postcode for row in suppliers if row.resolution in by_postcode and row.postcode}
    directory = PostcodeStore(session).lookup_many(sorted(placed_postcodes)) if placed_postcodes else {}

    values: list[dict[str, Any]] = []
    for row in suppliers:
        found: dict[str, Any] = dict(_NOTHING)
        if row.resolution == Resolution.EXCLUDED:
            found["place"] = SpendPlace.NOT_A_SUPPLIER
        elif row.resolution in (Resolution.MATCHED, Resolution.LINKED) and row.provider_id in providers:
            found.update(providers[row.provider_id])
        elif row.resolution in by_postcode and row.postcode:
            entry = directory.get(row.postcode)
            district = entry.district_code if entry else None
            found.update(
                place=place_of_district(district, area),
                place_basis=row.place_basis or PlaceBasis.OFFICER,
                district_code=district,
                place_postcode=row.postcode,
            )
            if row.resolution == Resolution.REGISTERED:  # the register's legal form, kept when it was placed
                found.update(legal_form=row.legal_form, social_economy=row.legal_form in SOCIAL_ECONOMY_FORMS)
        found.update(id=row.id, classified_at=now)
        values.append(found)

    deprivation = imd_for_postcodes(session, (v["place_postcode"] for v in values if v["place_postcode"]))
    for found in values:
        lsoa, decile = deprivation.get(found["place_postcode"] or "", (None, None))
        found["lsoa_code"], found["imd_decile"] = lsoa, decile
    for start in range(0, len(values), ID_CHUNK):
        session.execute(update(SpendSupplier), values[start : start + ID_CHUNK])
    _expire(session, {v["id"] for v in values})
    return len(values)


def _expire(session: Session, ids: set[int]) -> None:
    """Objects already loaded for these suppliers read the new values next time (a bulk UPDATE leaves them be)."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, SpendSupplier) and obj.id in ids:
            session.expire(obj)


def refresh_supplier_totals(session: Session, council: Council, supplier_ids: Iterable[int] | None = None) -> None:
    """Recompute each supplier's total and number of payments from the council's counting batches, in one UPDATE
    (a correlated sum and count per supplier, by the payments' supplier index)."""
    counting = select(SpendBatch.id).where(
        SpendBatch.council_id == council.id, SpendBatch.status.in_(COUNTING_STATUSES)
    )
    theirs = (Payment.supplier_id == SpendSupplier.id, Payment.batch_id.in_(counting))
    total = select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(*theirs).scalar_subquery()
    count = select(func.count(Payment.id)).where(*theirs).scalar_subquery()
    statement = (
        update(SpendSupplier)
        .where(SpendSupplier.council_id == council.id)
        .values(total_pence=total, payment_count=count)
        .execution_options(synchronize_session=False)
    )
    if supplier_ids is None:
        session.execute(statement)
        expired = None
    else:
        expired = sorted(set(supplier_ids))
        for chunk in _chunks(expired):
            session.execute(statement.where(SpendSupplier.id.in_(chunk)))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, SpendSupplier) and (expired is None or obj.id in expired):
            session.expire(obj, ["total_pence", "payment_count"])
