"""Placing a site: its point, district and ward, how precisely, by which geocoder, and why not when it fails.

The chain: the postcode's own point from the directory; else an online geocoder for the address
(when configured), located in its district and ward by point-in-polygon; else the centre of the
postcode district, flagged for review; else not placed, with every reason kept. Nothing is guessed
silently and nothing raises to the user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from geopy.location import Location

from app.domain.postcodes import PostcodeError, parse_postcode, try_normalise_postcode
from app.domain.providers import Placement
from app.geo.boundaries import BoundaryIndex
from app.geo.geocoders import POSTCODE_DIRECTORY, OnlineGeocoder, PostcodeDirectory
from app.geo.postcode_directory import PostcodeRecord, PostcodeStore
from app.models import Site


@dataclass(frozen=True)
class PlacementResult:
    placement: Placement
    postcode: str | None
    latitude: float | None = None
    longitude: float | None = None
    district_code: str | None = None
    ward_code: str | None = None
    placed_by: str | None = None
    note: str | None = None

    @property
    def placed(self) -> bool:
        return self.placement != Placement.NOT_PLACED


class SitePlacer:
    """Places addresses with the configured geocoders. Build one per unit of work."""

    def __init__(
        self,
        store: PostcodeStore,
        *,
        online: Iterable[OnlineGeocoder] = (),
        boundaries: BoundaryIndex | None = None,
    ) -> None:
        self.store = store
        self.directory = PostcodeDirectory(store)
        self.online = list(online)
        self.boundaries = boundaries

    def place(
        self, postcode: str | None, address: str | None = None, *, known: PostcodeRecord | None = None
    ) -> PlacementResult:
        """Where a postcode and address are. ``known`` is a directory entry already looked up in bulk."""
        reasons: list[str] = []
        normalised: str | None = None
        fallback: PlacementResult | None = None
        text = (postcode or "").strip()
        if not text:
            reasons.append("There is no postcode for this address")
        else:
            try:
                parsed = parse_postcode(text)
            except PostcodeError:
                reasons.append(f"'{text}' is not a full UK postcode")
            else:
                normalised = str(parsed)
                entry = known if known is not None and known.postcode == normalised else self.store.lookup(normalised)
                exact = self._exact(normalised, entry)
                if exact is not None:
                    return exact
                if parsed.is_crown_dependency:
                    reasons.append(
                        f"{normalised} is in the Channel Islands or the Isle of Man, "
                        "which have no council district in the UK postcode directory"
                    )
                elif entry is not None:
                    reasons.append(f"Postcode {normalised} has no location in the postcode directory (non-geographic)")
                else:
                    reasons.append(f"Postcode {normalised} is not in the postcode directory")
                    fallback = self._outcode(normalised)
        by_address = self._by_address(address, normalised, reasons)
        if by_address is not None:
            return by_address
        if fallback is not None:
            if len(reasons) > 1:  # keep why the address could not be used either
                return replace(fallback, note=f"{fallback.note} {'. '.join(reasons[1:])}.")
            return fallback
        return PlacementResult(Placement.NOT_PLACED, normalised, note=". ".join(reasons))

    def _exact(self, postcode: str, entry: PostcodeRecord | None) -> PlacementResult | None:
        if entry is None or entry.latitude is None or entry.longitude is None:
            return None
        return PlacementResult(
            Placement.POSTCODE,
            postcode,
            entry.latitude,
            entry.longitude,
            entry.district_code,
            entry.ward_code,
            POSTCODE_DIRECTORY,
            f"Postcode {postcode} is no longer in use; check the address is current" if entry.terminated else None,
        )

    def _outcode(self, postcode: str) -> PlacementResult | None:
        location = self.directory.geocode(postcode, exactly_one=True)
        if not isinstance(location, Location) or location.raw.get("precision") != "postcode_district":
            return None
        return PlacementResult(
            Placement.POSTCODE_DISTRICT,
            postcode,
            location.latitude,
            location.longitude,
            location.raw["district_code"],
            None,
            POSTCODE_DIRECTORY,
            location.raw["note"],
        )

    def _by_address(self, address: str | None, postcode: str | None, reasons: list[str]) -> PlacementResult | None:
        if not self.online:
            return None
        if not (address or "").strip():
            reasons.append("There is no address to look up")
            return None
        query = ", ".join(p for p in (" ".join((address or "").split()), postcode, "United Kingdom") if p)
        for geocoder in self.online:
            answer = geocoder.geocode(query)
            if answer.latitude is None or answer.longitude is None:
                reasons.append(answer.problem or f"{geocoder.name} could not find this address")
                continue
            located = self.boundaries.locate(answer.latitude, answer.longitude) if self.boundaries else None
            if located is None:
                reasons.append(
                    f"{geocoder.name} placed the address at {answer.latitude:.5f}, {answer.longitude:.5f}, "
                    "which is outside every UK council district we hold"
                )
                continue
            return PlacementResult(
                Placement.ADDRESS,
                postcode,
                answer.latitude,
                answer.longitude,
                located.district_code,
                located.ward_code,
                geocoder.name,
                f"Placed from the address by {geocoder.name}: {answer.address}" if answer.address else None,
            )
        return None


def apply_placement(site: Site, result: PlacementResult, now: datetime) -> bool:
    """Write a placement onto a site; True when its district or ward changed."""
    before = (site.district_code, site.ward_code)
    if result.postcode:
        site.postcode = result.postcode
    site.latitude = result.latitude
    site.longitude = result.longitude
    site.district_code = result.district_code
    site.ward_code = result.ward_code
    site.placement = result.placement
    site.placed_by = result.placed_by
    site.placed_at = now if result.placed else None
    site.placement_note = result.note
    return before != (site.district_code, site.ward_code)


def place_sites(placer: SitePlacer, sites: list[Site], now: datetime) -> list[Site]:
    """Place many sites with one directory query per few hundred postcodes; returns those whose area changed."""
    postcodes = [try_normalise_postcode(site.postcode) for site in sites]  # by position: new sites have no id
    known = placer.store.lookup_many(p for p in postcodes if p)
    changed = []
    for site, postcode in zip(sites, postcodes, strict=True):
        result = placer.place(site.postcode, site.address, known=known.get(postcode) if postcode else None)
        if apply_placement(site, result, now):
            changed.append(site)
    return changed
