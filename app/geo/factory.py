"""Building the geocoder chain from settings; used by the web app, the command line and jobs alike."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.policy import AreaKind
from app.geo.boundaries import BoundaryIndex
from app.geo.geocoders import POSTCODE_DIRECTORY, build_online_geocoders
from app.geo.placement import SitePlacer
from app.geo.postcode_directory import PostcodeStore
from app.models import Area

_cache: dict[tuple[str, int], BoundaryIndex] = {}
_cache_lock = threading.Lock()


def geocoder_names(config: Mapping[str, Any]) -> list[str]:
    """GEOCODERS, e.g. 'postcode_directory,nominatim'; the default is the offline directory only."""
    names = [n.strip().lower() for n in str(config.get("GEOCODERS") or POSTCODE_DIRECTORY).split(",") if n.strip()]
    return names or [POSTCODE_DIRECTORY]


def boundary_index(session: Session) -> BoundaryIndex:
    """The boundary index, built once per database and set of areas, then kept in memory."""
    bind = session.get_bind()
    count = session.scalar(
        select(func.count())
        .select_from(Area)
        .where(Area.kind.in_([AreaKind.DISTRICT, AreaKind.WARD]), Area.boundary.is_not(None))
    )
    key = (str(bind.engine.url), int(count or 0))
    with _cache_lock:
        if key not in _cache:
            _cache.clear()
            _cache[key] = BoundaryIndex.from_session(session)
        return _cache[key]


def _setting(config: Mapping[str, Any], name: str, default: float) -> Any:
    value = config.get(name)
    return default if value is None or value == "" else value  # 0 is a real setting


def build_placer(session: Session, config: Mapping[str, Any]) -> SitePlacer:
    """A SitePlacer with the configured chain: the directory first, then any online geocoders."""
    names = geocoder_names(config)
    online = build_online_geocoders(
        names,
        session,
        user_agent=str(config.get("GEOCODER_USER_AGENT") or "local-supplier-register"),
        timeout=float(_setting(config, "GEOCODER_TIMEOUT", 5)),
        min_delay_seconds=float(_setting(config, "GEOCODER_MIN_DELAY_SECONDS", 1)),
        options=config.get("GEOCODER_OPTIONS") or {},
    )
    return SitePlacer(PostcodeStore(session), online=online, boundaries=boundary_index(session) if online else None)
