"""Where the open places are, per occupation, kept in memory: the discovery's occupation cards say how
many places each has within the person's radius without a database round trip in the (pure) dialog.

The bot fills it from the places table at start and after each alert run (``bot/runtime.py``); two
float arrays per occupation keep it small (8 bytes a place).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable

from knowledge.gazetteer import distance_km
from knowledge.region import KM_PER_DEGREE_LAT


class OpenPlaces:
    def __init__(self) -> None:
        self._points: dict[str, tuple[array[float], array[float]]] = {}

    def replace(self, rows: Iterable[tuple[str | None, float, float]]) -> None:
        """All active places as (occupation id, latitude, longitude); rows without an occupation are skipped."""
        points: dict[str, tuple[array[float], array[float]]] = {}
        for occupation_id, lat, lon in rows:
            if occupation_id:
                lats, lons = points.setdefault(occupation_id, (array("f"), array("f")))
                lats.append(lat)
                lons.append(lon)
        self._points = points

    def occupations(self) -> frozenset[str]:
        """Occupations that have at least one open place."""
        return frozenset(self._points)

    def count(self, occupation_id: str, lat: float, lon: float, radius_km: float) -> int:
        """Open places of this occupation within ``radius_km`` of the point."""
        lats, lons = self._points.get(occupation_id, (array("f"), array("f")))
        dlat = radius_km / KM_PER_DEGREE_LAT
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        return sum(
            1
            for plat, plon in zip(lats, lons, strict=True)
            if abs(plat - lat) <= dlat
            and abs(plon - lon) <= dlon
            and distance_km(lat, lon, plat, plon) <= radius_km
        )
