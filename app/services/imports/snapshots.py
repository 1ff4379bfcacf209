"""Snapshots of a provider as an import leaves it, so an undo can tell whether anyone has changed it since, and
put it back as it was."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.domain.providers import EvidenceState, LegalForm, Placement, SiteKind
from app.models import Provider, ProviderIdentifier, ServiceCategory, Site


def snapshot(provider: Provider) -> dict[str, Any]:
    """Everything about a provider an import touches or a person might change, as plain JSON."""
    return {
        "name": provider.name,
        "trading_name": provider.trading_name,
        "legal_form": provider.legal_form.value,
        "description": provider.description,
        "website": provider.website,
        "contact_name": provider.contact_name,
        "contact_email": provider.contact_email,
        "contact_phone": provider.contact_phone,
        "status": provider.status.value,
        "claimed": provider.claimed,
        "awaiting_review": provider.awaiting_review,
        "identifiers": sorted(
            [[i.scheme, i.value, i.org_id, i.evidence.value] for i in provider.identifiers], key=lambda i: i[2]
        ),
        "sites": [
            {
                "kind": s.kind.value,
                "address": s.address,
                "town": s.town,
                "postcode": s.postcode,
                "latitude": s.latitude,
                "longitude": s.longitude,
                "placement": s.placement.value,
                "placed_by": s.placed_by,
                "placed_at": s.placed_at.isoformat() if s.placed_at else None,
                "placement_note": s.placement_note,
                "district_code": s.district_code,
                "ward_code": s.ward_code,
                "address_public": s.address_public,
            }
            for s in sorted(provider.sites, key=lambda s: (s.kind.value, s.postcode or "", s.address or ""))
        ],
        "services": sorted(c.slug for c in provider.services),
        "areas_served": sorted(a.code for a in provider.areas_served),
        "facts": sorted([f.kind.value, f.value, f.evidence.value] for f in provider.facts),
    }


def snapshot_of_new(
    values: Mapping[str, Any],
    sites: list[dict[str, Any]],
    identifiers: list[tuple[str, str, str]],
    services: list[ServiceCategory],
    evidence: EvidenceState = EvidenceState.COUNCIL_IMPORT,
) -> dict[str, Any]:
    """:func:`snapshot` of a provider about to be bulk-inserted, from the values being inserted (its numbers as
    (scheme, value, org-id), all known as ``evidence`` says: the council's import, or matched to a public
    register)."""
    return {
        "name": values["name"],
        "trading_name": values["trading_name"],
        "legal_form": values["legal_form"].value,
        "description": values["description"],
        "website": values["website"],
        "contact_name": values["contact_name"],
        "contact_email": values["contact_email"],
        "contact_phone": values["contact_phone"],
        "status": values["status"].value,
        "claimed": values["claimed"],
        "awaiting_review": values["awaiting_review"],
        "identifiers": sorted(
            [[scheme, value, org_id, evidence.value] for scheme, value, org_id in identifiers],
            key=lambda i: i[2],
        ),
        "sites": [
            {
                "kind": s["kind"].value,
                "address": s["address"],
                "town": s["town"],
                "postcode": s["postcode"],
                "latitude": s["latitude"],
                "longitude": s["longitude"],
                "placement": s["placement"].value,
                "placed_by": s["placed_by"],
                "placed_at": s["placed_at"].isoformat() if s["placed_at"] else None,
                "placement_note": s["placement_note"],
                "district_code": s["district_code"],
                "ward_code": s["ward_code"],
                "address_public": s["address_public"],
            }
            for s in sorted(sites, key=lambda s: (s["kind"].value, s["postcode"] or "", s["address"] or ""))
        ],
        "services": sorted(c.slug for c in services),
        "areas_served": [],
        "facts": [],
    }


#: What json.dumps(state, sort_keys=True, default=str) makes one for every call.
_ENCODER = json.JSONEncoder(sort_keys=True, default=str)


def digest(state: Mapping[str, Any]) -> str:
    """A SHA-256 of a snapshot, to tell later whether the provider has changed."""
    return hashlib.sha256(_ENCODER.encode(state).encode()).hexdigest()


def restore(
    session: Session, provider: Provider, before: Mapping[str, Any], categories: Mapping[str, ServiceCategory]
) -> None:
    """Put a provider back as a snapshot describes it (the fields an import changes)."""
    for name in ("name", "trading_name", "description", "website", "contact_email", "contact_phone"):
        setattr(provider, name, before[name])
    provider.legal_form = LegalForm(before["legal_form"])
    provider.awaiting_review = before["awaiting_review"]
    wanted_ids = {i[2]: i for i in before["identifiers"]}
    for identifier in list(provider.identifiers):
        if identifier.org_id not in wanted_ids:
            provider.identifiers.remove(identifier)
    have = {i.org_id for i in provider.identifiers}
    for scheme, value, org_id, evidence in before["identifiers"]:
        if org_id not in have:
            provider.identifiers.append(
                ProviderIdentifier(scheme=scheme, value=value, org_id=org_id, evidence=EvidenceState(evidence))
            )
    if snapshot(provider)["sites"] != before["sites"]:
        provider.sites.clear()
        session.flush()
        for values in before["sites"]:
            provider.sites.append(
                Site(
                    **{
                        **values,
                        "kind": SiteKind(values["kind"]),
                        "placement": Placement(values["placement"]),
                        "placed_at": datetime.fromisoformat(values["placed_at"]) if values.get("placed_at") else None,
                    }
                )
            )
    provider.services = [categories[slug] for slug in before["services"] if slug in categories]
