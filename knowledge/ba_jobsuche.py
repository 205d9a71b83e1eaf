"""Client for the Bundesagentur für Arbeit job search API (Jobbörse), restricted to Ausbildung offers.

``GET {base}/pc/v4/jobs`` with the public client id in the ``X-API-Key`` header, ``angebotsart=4``
(Ausbildung/duales Studium), ``wo`` (place) and ``umkreis`` (km), optional ``was`` (occupation text);
results come in pages of ``size`` under ``stellenangebote``, with ``maxErgebnisse`` the total.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

BASE_URL = "https://rest.arbeitsagentur.de/jobboerse/jobsuche-service"
API_KEY = "jobboerse-jobsuche"
PAGE_SIZE = 100
#: Seconds between two page requests: the API is public and shared, so ask politely.
PAUSE = 0.5
MAX_PAGES = 50


class FetchError(RuntimeError):
    """The job search could not be read completely; nothing should be imported."""


async def fetch_offers(
    where: str,
    radius_km: int,
    was: str | None = None,
    *,
    base_url: str = BASE_URL,
    transport: httpx.AsyncBaseTransport | None = None,
    pause: float = PAUSE,
) -> list[dict[str, Any]]:
    """All Ausbildung offers around ``where``; raises ``FetchError`` on any network or API problem."""
    params: dict[str, str | int] = {"angebotsart": 4, "wo": where, "umkreis": radius_km, "size": PAGE_SIZE}
    if was:
        params["was"] = was
    offers: list[dict[str, Any]] = []
    headers = {"X-API-Key": API_KEY, "User-Agent": "ausbildungsbot (Ausbildungswege NRW)"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=20, transport=transport
    ) as client:
        for page in range(1, MAX_PAGES + 1):
            try:
                response = await client.get("/pc/v4/jobs", params={**params, "page": page})
                response.raise_for_status()
                data = response.json()
            except httpx.HTTPStatusError as exc:
                raise FetchError(
                    f"job search answered HTTP {exc.response.status_code} on page {page}"
                ) from None
            except (httpx.HTTPError, ValueError) as exc:
                raise FetchError(f"job search not reachable ({type(exc).__name__}) on page {page}") from None
            batch = data.get("stellenangebote") or []
            offers += batch
            total = int(data.get("maxErgebnisse") or 0)
            if not batch or len(offers) >= total:
                break
            await asyncio.sleep(pause)
    return offers
