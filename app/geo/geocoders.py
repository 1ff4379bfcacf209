"""Geocoders behind one interface, built on geopy.

``PostcodeDirectory`` is a geopy geocoder that answers from the postcode directory, offline.
``OnlineGeocoder`` wraps any geopy geocoder (Nominatim first) with a user agent, a timeout, geopy's
RateLimiter and a cache in the database. Every failure becomes an answer with a reason; nothing raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.postcodes import PostcodeError, parse_postcode
from app.geo.postcode_directory import PostcodeStore
from app.models import GeocodeResult

log = logging.getLogger(__name__)

POSTCODE_DIRECTORY = "postcode_directory"
# A postcode district is only taken as one council district when (nearly) all of it lies there.
WHOLE_DISTRICT_SHARE = 0.99


class _OfflineAdapter(BaseSyncAdapter):  # type: ignore[misc]  # geopy has no type hints
    """The directory needs no network: any attempt to use one is a bug."""

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        raise GeocoderServiceError("the postcode directory does not use the network")

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        raise GeocoderServiceError("the postcode directory does not use the network")


class PostcodeDirectory(Geocoder):  # type: ignore[misc]  # geopy has no type hints
    """A geopy geocoder over the offline postcode directory.

    ``raw`` of each Location says how precise it is: ``precision`` is "postcode" (the postcode's own
    point) or "postcode_district" (the centre of its outward code, to be checked), with the district
    and ward codes, ``terminated`` and a ``note`` in words. Returns None when it cannot place the query.
    """

    def __init__(self, store: PostcodeStore) -> None:
        super().__init__(user_agent="local-supplier-register", adapter_factory=_OfflineAdapter)
        self.store = store

    def geocode(self, query: str, *, exactly_one: bool = True, **_: Any) -> Location | list[Location] | None:
        try:
            postcode = parse_postcode(query)
        except PostcodeError:
            return None
        text = str(postcode)
        entry = self.store.lookup(text)
        if entry is not None and entry.latitude is not None and entry.longitude is not None:
            raw = {
                "postcode": text,
                "precision": "postcode",
                "district_code": entry.district_code,
                "ward_code": entry.ward_code,
                "terminated": entry.terminated,
                "note": f"Postcode {text} is no longer in use; check the address is current"
                if entry.terminated
                else None,
                "source": POSTCODE_DIRECTORY,
            }
            location = Location(text, (entry.latitude, entry.longitude), raw)
            return location if exactly_one else [location]
        if entry is not None:
            return None  # in the directory but with no point: crown dependencies and non-geographic codes
        centroid = self.store.outcode(postcode.outward)
        if centroid is None:
            return None
        whole = (centroid.main_district_share or 0) >= WHOLE_DISTRICT_SHARE
        note = (
            f"Postcode {text} is not in the postcode directory; placed at the centre of {postcode.outward}. "
            "Check the postcode."
        )
        if not whole:
            note += f" {postcode.outward} spans more than one council district, so the district is not known."
        raw = {
            "postcode": text,
            "precision": "postcode_district",
            "district_code": centroid.main_district_code if whole else None,
            "ward_code": None,
            "terminated": None,
            "note": note,
            "source": POSTCODE_DIRECTORY,
        }
        location = Location(f"{postcode.outward} (postcode district)", (centroid.latitude, centroid.longitude), raw)
        return location if exactly_one else [location]

    def reverse(self, query: Any, *, exactly_one: bool = True, **_: Any) -> None:
        raise NotImplementedError("the postcode directory does not reverse geocode")


@dataclass(frozen=True)
class Answer:
    """What an online geocoder said about an address: a point, or why there is none."""

    latitude: float | None
    longitude: float | None
    address: str | None
    problem: str | None


class OnlineGeocoder:
    """Any geopy geocoder, rate-limited, with answers cached in the database."""

    def __init__(
        self,
        name: str,
        geocoder: Geocoder,
        session: Session,
        *,
        min_delay_seconds: float = 1.0,
        limiter: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self.session = session
        self._geocode = limiter or RateLimiter(
            geocoder.geocode, min_delay_seconds=min_delay_seconds, max_retries=1, swallow_exceptions=False
        )

    def geocode(self, query: str) -> Answer:
        query = query[:500]  # the cache column's length; longer addresses add nothing a geocoder uses
        cached = self.session.scalar(
            select(GeocodeResult).where(GeocodeResult.geocoder == self.name, GeocodeResult.query == query)
        )
        if cached is not None:
            if cached.found:
                return Answer(cached.latitude, cached.longitude, cached.address, None)
            return Answer(None, None, None, f"{self.name} could not find this address")
        try:
            try:
                location = self._geocode(query, exactly_one=True, country_codes="gb")
            except TypeError:
                location = self._geocode(query, exactly_one=True)  # geocoders without country_codes
        except GeopyError as exc:
            # Timeouts and unreachable services are not cached: they may work next time.
            log.warning("%s could not geocode %r: %s", self.name, query, exc)
            return Answer(None, None, None, f"{self.name} did not answer ({type(exc).__name__})")
        result = GeocodeResult(
            geocoder=self.name,
            query=query,
            found=location is not None,
            latitude=location.latitude if location is not None else None,
            longitude=location.longitude if location is not None else None,
            address=location.address if location is not None else None,
            raw=location.raw if location is not None and isinstance(location.raw, dict) else None,
        )
        self.session.add(result)
        if location is None:
            return Answer(None, None, None, f"{self.name} could not find this address")
        return Answer(location.latitude, location.longitude, location.address, None)


def build_online_geocoders(
    names: list[str],
    session: Session,
    *,
    user_agent: str,
    timeout: float,
    min_delay_seconds: float,
    options: dict[str, dict[str, Any]] | None = None,
) -> list[OnlineGeocoder]:
    """The online geocoders named in configuration, in order (the postcode directory is not one of them)."""
    built = []
    for name in names:
        if name == POSTCODE_DIRECTORY:
            continue
        try:
            cls = get_geocoder_for_service(name)
        except GeopyError as exc:
            raise ValueError(f"Unknown geocoder {name!r} in GEOCODERS") from exc
        geocoder = cls(user_agent=user_agent, timeout=timeout, **(options or {}).get(name, {}))
        built.append(OnlineGeocoder(name, geocoder, session, min_delay_seconds=min_delay_seconds))
    return built
