"""Search speed of open places at 5,000 and 500,000 synthetic places (SQLite), in one run.

Builds two databases with places spread over the Ruhr area and its surroundings, then times
``PlacesStore.search`` for a typical profile (Herne, 25 km, one wish, two interest fields, ESA, can start
from August 2027; the places have start dates from 2026 to 2028 and certificate requirements) and prints the
median per search for both sizes and their ratio (target: <= 3x, thanks to the indexes and the bounding box).
Run: ``.venv/bin/python bench/places.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from bot.database import create_engine, sessionmaker, upgrade
from bot.models import PlaceOffer
from bot.places.store import PlacesStore
from knowledge.catalogue import default_catalogue
from knowledge.places import SearchProfile

ROUNDS = 30
PROFILE = SearchProfile(
    lat=51.5388,
    lon=7.2257,
    radius_km=25,
    wishes=(),
    interests=("technik", "handwerk"),
    certificate="esa",
    earliest_start=dt.date(2027, 8, 1),
)
#: Start months of the synthetic places (a third before the profile's earliest start) and requirements.
STARTS = (
    None,
    dt.date(2026, 8, 1),
    dt.date(2026, 9, 1),
    dt.date(2027, 8, 1),
    dt.date(2027, 9, 1),
    dt.date(2028, 8, 1),
)
CERTIFICATES = (None, None, "none", "esa", "esa", "eesa", "msa", "msa", "fhr", "abi")


async def build(path: Path, count: int, occupations: list[str]) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    db = create_engine(url)
    rnd = random.Random(count)
    async with db.begin() as conn:
        batch = []
        for n in range(count):
            batch.append(
                {
                    "source": "bench",
                    "source_id": str(n),
                    "title": f"Ausbildung {n}",
                    "occupation_id": rnd.choice(occupations),
                    "lat": rnd.uniform(50.9, 52.1),
                    "lon": rnd.uniform(6.3, 8.2),
                    "start_date": rnd.choice(STARTS),
                    "certificate": rnd.choice(CERTIFICATES),
                    "active": True,
                    "demo": False,
                }
            )
            if len(batch) == 10_000:
                await conn.execute(insert(PlaceOffer), batch)
                batch = []
        if batch:
            await conn.execute(insert(PlaceOffer), batch)
    await db.dispose()
    return url


async def median_search(url: str, profile: SearchProfile) -> tuple[float, int]:
    db = create_engine(url)
    store = PlacesStore(sessionmaker(db), default_catalogue())
    await store.search(profile)  # warm up caches and the connection
    samples = []
    total = 0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        result = await store.search(profile)
        samples.append(time.perf_counter() - start)
        total = result.total
    await db.dispose()
    return statistics.median(samples), total


async def main() -> None:
    catalogue = default_catalogue()
    occupations = [o.id for o in catalogue] or [f"occ-{i}" for i in range(320)]
    wish = next((o.id for o in catalogue if "technik" in o.fields), occupations[0])
    profile = dataclasses.replace(PROFILE, wishes=(wish,))
    with tempfile.TemporaryDirectory() as tmp:
        small = await build(Path(tmp) / "small.sqlite3", 5_000, occupations)
        large = await build(Path(tmp) / "large.sqlite3", 500_000, occupations)
        t_small, n_small = await median_search(small, profile)
        t_large, n_large = await median_search(large, profile)
    print(f"5,000 places:   median {t_small * 1000:.2f} ms per search ({n_small} fitting places in reach)")
    print(f"500,000 places: median {t_large * 1000:.2f} ms per search ({n_large} fitting places in reach)")
    print(f"ratio 500k / 5k: {t_large / t_small:.2f}x (target <= 3x)")


if __name__ == "__main__":
    asyncio.run(main())
