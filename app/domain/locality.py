"""Is a provider local? The rule and its evidence in words, from where its premises were placed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.labelled import LabelledEnum


class Locality(LabelledEnum):
    LOCAL = "local", "Local", "Based, or with premises, in the council's local area"
    WIDER = "wider", "In the wider area", "Premises in the council's wider area, not its local area"
    OUTSIDE = "outside", "Outside the area", "No premises in the council's local or wider area"
    UNKNOWN = "unknown", "Not known", "No premises given, or none that could be placed"


@dataclass(frozen=True)
class LocalArea:
    """A council's definition of local: the districts that count as local, and its wider area."""

    name: str
    district_codes: frozenset[str]
    wider_name: str | None = None
    wider_district_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlacedSite:
    """What locality needs to know about one site. ``postcode`` is None when the address is hidden."""

    kind_label: str
    postcode: str | None
    district_code: str | None
    district_name: str | None
    ward_name: str | None
    approximate: bool = False
    not_placed_reason: str | None = None


#: Why locality is not known when the provider has given no premises at all (not premises we could not place).
NO_PREMISES = "We cannot say where it is based: it has given no premises"


@dataclass(frozen=True)
class LocalityAssessment:
    locality: Locality
    evidence: tuple[str, ...]
    #: The site the answer rests on: the first local one, else the first in the wider area, else the first placed.
    deciding: PlacedSite | None = None

    @property
    def summary(self) -> str:
        # Every site gives a line of evidence, so none at all means no premises were given.
        return self.evidence[0] if self.evidence else NO_PREMISES

    @property
    def unknown_reason(self) -> str:
        """Why locality is not known: no premises given, or none that could be placed."""
        return "None of its premises could be placed, so we cannot say" if self.evidence else NO_PREMISES


def describe_site(site: PlacedSite) -> str:
    """'Trading site at L36 9GD: Knowsley, Page Moss ward' (no postcode for a hidden address)."""
    where = f"{site.kind_label} at {site.postcode}" if site.postcode else f"{site.kind_label} (address not shown)"
    if site.district_code is None:
        reason = site.not_placed_reason or "its location is not known"
        if reason[1:2].islower():  # "Postcode X is ..." reads on after a comma; "GY1 1AA ..." keeps its capitals
            reason = reason[0].lower() + reason[1:]
        return f"{where}: not placed, {reason}"
    place = site.district_name or site.district_code
    if site.ward_name:
        place += f", {site.ward_name} ward"
    if site.approximate:
        place += " (approximate: to be checked)"
    return f"{where}: {place}"


def assess_locality(sites: Iterable[PlacedSite], area: LocalArea) -> LocalityAssessment:
    """Local when any site is in the local area; wider when any is in the wider area; else outside or unknown.

    Any premises count, registered office or trading site: "located" means where a supplier is based
    or has substantive operations (not where its owners live). The evidence lists the deciding sites first.
    """
    sites = list(sites)
    local = [s for s in sites if s.district_code in area.district_codes]
    wider = [s for s in sites if s.district_code in area.wider_district_codes and s not in local]
    placed = [s for s in sites if s.district_code is not None]
    others = [s for s in sites if s not in local and s not in wider]
    ordered = local + wider + [s for s in others if s.district_code] + [s for s in others if not s.district_code]
    evidence = tuple(describe_site(s) for s in ordered)
    deciding = ordered[0] if placed else None  # placed sites come first, the deciding one before the rest
    if local:
        return LocalityAssessment(Locality.LOCAL, evidence, deciding)
    if wider:
        return LocalityAssessment(Locality.WIDER, evidence, deciding)
    if placed:
        return LocalityAssessment(Locality.OUTSIDE, evidence, deciding)
    return LocalityAssessment(Locality.UNKNOWN, evidence)
