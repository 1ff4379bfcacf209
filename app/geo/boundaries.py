"""District and ward boundaries: which area a point is in, which districts border, how far away.

Built once from the boundaries stored on ``Area`` rows and kept in memory: shapely's STRtree
answers point-in-polygon for a few hundred polygons in microseconds. Coordinates follow GeoJSON
(longitude, latitude); the public methods take (latitude, longitude) as geopy does.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from geopy.distance import geodesic
from pyproj import Transformer
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from app.domain.policy import AreaKind
from app.models import Area

# Simplified boundaries move edges by up to ~200 m, so neighbours may not touch exactly.
BORDER_TOLERANCE_DEGREES = 0.003


@dataclass(frozen=True)
class Located:
    district_code: str | None
    ward_code: str | None


class _Layer:
    def __init__(self, codes: list[str], geometries: list[BaseGeometry]) -> None:
        self.codes = codes
        self.geometries = geometries
        for geometry in geometries:
            shapely.prepare(geometry)
        self.tree = shapely.STRtree(geometries)

    def containing(self, point: Point) -> list[int]:
        return [int(i) for i in self.tree.query(point, predicate="intersects")]


class BoundaryIndex:
    """Point-in-polygon over districts and wards, adjacency between districts, and distances."""

    def __init__(self, districts: dict[str, BaseGeometry], wards: dict[str, tuple[str | None, BaseGeometry]]) -> None:
        self._district_geometry = districts
        self._districts = _Layer(list(districts), list(districts.values()))
        self._ward_district = {code: parent for code, (parent, _) in wards.items()}
        self._wards = _Layer(list(wards), [geometry for _, geometry in wards.values()])

    @classmethod
    def from_session(cls, session: Session) -> BoundaryIndex:
        """Read every district and ward boundary stored in ``areas``."""
        districts: dict[str, BaseGeometry] = {}
        wards: dict[str, tuple[str | None, BaseGeometry]] = {}
        parent_codes = dict(session.execute(select(Area.id, Area.code)).all())
        rows = session.scalars(
            select(Area)
            .where(Area.kind.in_([AreaKind.DISTRICT, AreaKind.WARD]), Area.boundary.is_not(None))
            .options(undefer(Area.boundary))
        )
        for area in rows:
            geometry = _geometry(area.boundary)
            if geometry is None:
                continue
            if area.kind == AreaKind.DISTRICT:
                districts[area.code] = geometry
            else:
                parent = parent_codes.get(area.parent_id) if area.parent_id is not None else None
                wards[area.code] = (parent, geometry)
        return cls(districts, wards)

    @property
    def district_count(self) -> int:
        return len(self._district_geometry)

    def locate(self, latitude: float, longitude: float) -> Located | None:
        """The district (and ward, where wards are known) containing the point, or None outside them all."""
        point = Point(longitude, latitude)
        hits = self._districts.containing(point)
        if not hits:
            return None
        district = self._districts.codes[hits[0]]
        ward = next(
            (
                self._wards.codes[i]
                for i in self._wards.containing(point)
                if self._ward_district.get(self._wards.codes[i]) in (district, None)
            ),
            None,
        )
        return Located(district, ward)

    def bordering(self, district_code: str) -> set[str]:
        """Districts whose boundary meets this district's (within the simplification tolerance)."""
        geometry = self._district_geometry.get(district_code)
        if geometry is None:
            return set()
        grown = geometry.buffer(BORDER_TOLERANCE_DEGREES)
        return {
            self._districts.codes[int(i)]
            for i in self._districts.tree.query(grown, predicate="intersects")
            if self._districts.codes[int(i)] != district_code
        }

    def box_around(self, district_codes: set[str], km: float) -> tuple[float, float, float, float] | None:
        """(south, west, north, east) in degrees: the districts' bounding box grown by at least ``km``
        on every side, so a cheap range query can rule out points before :meth:`distance_km` measures them."""
        geometries = [self._district_geometry[c] for c in district_codes if c in self._district_geometry]
        if not geometries:
            return None
        west, south, east, north = shapely.union_all(geometries).bounds
        # A degree of latitude is at least 110.5 km; a degree of longitude shrinks with cos(latitude).
        grow_lat = km / 110.5
        widest = max(abs(south - grow_lat), abs(north + grow_lat))
        grow_lon = km / max(1e-6, 111.4 * math.cos(math.radians(min(widest, 89.9))))
        return (south - grow_lat, west - grow_lon, north + grow_lat, east + grow_lon)

    def distance_km(self, latitude: float, longitude: float, district_codes: set[str]) -> float | None:
        """Geodesic distance from the point to the nearest of the districts; 0 inside; None if unknown.

        The nearest boundary point is found in an azimuthal equidistant projection centred on the
        point (degrees of longitude and latitude are not the same length), then measured with geopy.
        """
        point = Point(longitude, latitude)
        candidates = [self._district_geometry[c] for c in district_codes if c in self._district_geometry]
        if not candidates:
            return None
        if any(g.contains(point) for g in candidates):
            return 0.0
        to_metres = Transformer.from_crs(
            "EPSG:4326", f"+proj=aeqd +lat_0={latitude} +lon_0={longitude} +units=m +datum=WGS84", always_xy=True
        )
        origin = Point(0, 0)
        best: float | None = None
        for geometry in candidates:
            projected = shapely.transform(geometry, lambda xy: np.column_stack(to_metres.transform(xy[:, 0], xy[:, 1])))
            nearest = nearest_points(projected, origin)[0]
            lon, lat = to_metres.transform(nearest.x, nearest.y, direction="INVERSE")
            km = geodesic((latitude, longitude), (lat, lon)).km
            best = km if best is None else min(best, km)
        return best


def _geometry(boundary: str | None) -> BaseGeometry | None:
    if not boundary:
        return None
    data: dict[str, Any] = json.loads(boundary)
    geometry = shape(data.get("geometry", data))
    return geometry if geometry.is_valid else geometry.buffer(0)
