"""Stores open places and searches them: imports, bounding-box search, marks and alert subscriptions."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import AlertSubscription, CompanyPlace, MarkStatus, PlaceMark, PlaceOffer, utcnow
from knowledge.catalogue import CERTIFICATES, Catalogue
from knowledge.places import (
    FIT_RELATED,
    Candidate,
    Offer,
    Ranked,
    SearchProfile,
    Targets,
    allowed_certificates,
    bounding_box,
    meets,
    rank,
    targets,
)
from knowledge.region import KM_PER_DEGREE_LAT


@dataclass(frozen=True)
class ImportReport:
    source: str
    added: int
    updated: int
    deactivated: int


@dataclass(frozen=True)
class SearchResult:
    #: The best places, best first (at most the search limit).
    ranked: list[Ranked]
    #: Related occupations with more places nearby than the wishes have: (occupation id, count), most first.
    related: list[tuple[str, int]]
    #: All fitting places within the radius (at most ``COUNT_CAP``).
    total: int = 0
    #: There are at least ``COUNT_CAP`` fitting places.
    capped: bool = False
    #: No fitting place starts from the profile's ``earliest_start``: these places start before it.
    earlier: bool = False


#: ``places.source`` of the places companies report in the bot (``bot/companies/``), shown once a coach
#: approved them.
COMPANY_SOURCE = "company"
#: Most places one search returns (ten pages of five): nobody pages further.
MAX_RESULTS = 50
#: Counting stops here ("more than 500 places"): an exact count of a huge area buys nothing.
COUNT_CAP = 500


class PlacesStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], catalogue: Catalogue) -> None:
        self.sessions = sessions
        self.catalogue = catalogue

    async def replace_source(self, source: str, offers: Sequence[Offer], demo: bool = False) -> ImportReport:
        """Make ``source`` hold exactly ``offers``, in one transaction: update by source id, add new
        ones, deactivate the ones that disappeared. Importing the same data twice changes nothing."""
        async with self.sessions.begin() as session:
            existing = {
                row.source_id: row
                for row in (
                    await session.scalars(select(PlaceOffer).where(PlaceOffer.source == source))
                ).all()
            }
            added = updated = 0
            for offer in offers:
                values = {
                    "title": offer.title, "occupation_id": offer.occupation_id, "employer": offer.employer,
                    "street": offer.street, "postcode": offer.postcode, "city": offer.city, "lat": offer.lat,
                    "lon": offer.lon, "start_date": offer.start_date, "published": offer.published, "url": offer.url,
                    "contact": offer.contact, "certificate": offer.certificate, "active": True, "demo": demo,
                }  # fmt: skip
                row = existing.pop(offer.source_id, None)
                if row is None:
                    session.add(PlaceOffer(source=source, source_id=offer.source_id, **values))
                    added += 1
                elif any(getattr(row, k) != v for k, v in values.items()):
                    for key, value in values.items():
                        setattr(row, key, value)
                    updated += 1
            gone = [row.id for row in existing.values() if row.active]
            if gone:
                await session.execute(update(PlaceOffer).where(PlaceOffer.id.in_(gone)).values(active=False))
        return ImportReport(source, added, updated, len(gone))

    async def search(self, profile: SearchProfile, limit: int = MAX_RESULTS) -> SearchResult:
        """The best ``limit`` places for the profile, and how many there are (counted up to ``COUNT_CAP``).

        Places that start before ``earliest_start`` are left out, unless no other place fits: then only
        they are searched (``SearchResult.earlier``). Places the person can take come first
        (``knowledge.places.rank``), so within each fit tier (wished occupations, same KldB group, interest
        fields) rows whose certificate requirement the person meets are fetched first, and a tier is skipped
        once ``limit`` of those are found. Each tier is an indexed query: a bounding box narrows
        ``lat``/``lon`` in the index and a planar distance in SQL keeps the circle and orders by it. The
        nearest rows are looked for in a quarter, then half, then all of the radius, so a dense area never
        sorts more rows than it needs; only those rows leave the database.
        """
        fits = targets(self.catalogue, profile)
        async with self.sessions() as session:
            earliest = profile.earliest_start
            in_time = [] if earliest is None else [_starts_from(earliest)]
            candidates, counts = await self._candidates(session, profile, fits, in_time, limit)
            earlier = False
            if earliest is not None and not sum(counts.values()):
                too_early = [PlaceOffer.start_date < earliest]
                candidates, counts = await self._candidates(session, profile, fits, too_early, limit)
                earlier = bool(sum(counts.values()))
        ranked = rank(candidates, profile, fits)[:limit]
        total = sum(counts.values())
        wished = counts.get(0, 0)
        nearby = Counter(r.occupation_id for r in ranked if r.fit == FIT_RELATED)  # never interest-only ones
        related = [(o, n) for o, n in nearby.most_common(3) if n > wished] if wished < 3 else []
        return SearchResult(
            ranked, related, min(total, COUNT_CAP), capped=total >= COUNT_CAP, earlier=earlier
        )

    async def _candidates(
        self,
        session: AsyncSession,
        profile: SearchProfile,
        fits: Targets,
        when: list[ColumnElement[bool]],
        limit: int,
    ) -> tuple[list[Candidate], dict[int, int]]:
        """Rows of each fit tier that may be among the best ``limit`` (those with a certificate the
        person meets first, then the nearest), and each tier's count (capped), under the conditions ``when``."""
        tiers: dict[int, list[str]] = {}
        for occupation_id, fit in fits.fit.items():
            tiers.setdefault(fit, []).append(occupation_id)
        cos_lat = math.cos(math.radians(profile.lat))
        dist2 = func.pow(PlaceOffer.lat - profile.lat, 2) + func.pow(
            (PlaceOffer.lon - profile.lon) * cos_lat, 2
        )
        allowed = allowed_certificates(profile.certificate)
        met_first: tuple[ColumnElement[int], ...] = ()
        if allowed is not None:
            too_high = [c for c in CERTIFICATES if c not in allowed]
            met = or_(PlaceOffer.certificate.is_(None), PlaceOffer.certificate.not_in(too_high))
            met_first = (case((met, 0), else_=1),)

        def within(radius_km: float) -> list[ColumnElement[bool]]:
            min_lat, max_lat, min_lon, max_lon = bounding_box(profile.lat, profile.lon, radius_km)
            return [
                PlaceOffer.active.is_(True),
                PlaceOffer.lat.between(min_lat, max_lat),
                PlaceOffer.lon.between(min_lon, max_lon),
                dist2 <= (radius_km / KM_PER_DEGREE_LAT) ** 2,
                *when,
            ]

        candidates: list[Candidate] = []
        counts: dict[int, int] = {}
        takeable = 0  # rows found whose requirement the person meets: nothing later ranks before them
        for fit in sorted(tiers):
            in_tier = PlaceOffer.occupation_id.in_(tiers[fit])
            capped = (
                select(PlaceOffer.id).where(in_tier, *within(profile.radius_km)).limit(COUNT_CAP).subquery()
            )
            counts[fit] = int(await session.scalar(select(func.count()).select_from(capped)) or 0)
            room = limit - takeable
            if room <= 0 or not counts[fit]:
                continue
            for share in (0.25, 0.5, 1.0):
                rows = (
                    await session.execute(
                        select(
                            PlaceOffer.id,
                            PlaceOffer.occupation_id,
                            PlaceOffer.lat,
                            PlaceOffer.lon,
                            PlaceOffer.start_date,
                            PlaceOffer.certificate,
                        )
                        .where(in_tier, *within(profile.radius_km * share))
                        .order_by(*met_first, dist2, PlaceOffer.id)
                        .limit(room)
                    )
                ).all()
                met_rows = sum(meets(r.certificate, profile.certificate) for r in rows)
                # Done when the nearest ``room`` rows all meet the requirement (a farther one that also
                # does ranks after them) or the tier has no more rows.
                if met_rows >= room or len(rows) >= counts[fit]:
                    break
            takeable += met_rows
            candidates += [
                Candidate(r.id, r.occupation_id or "", r.lat, r.lon, r.start_date, r.certificate)
                for r in rows
            ]
        return candidates, counts

    async def open_points(self) -> list[tuple[str | None, float, float]]:
        """Occupation and coordinates of every active place (for ``knowledge.open_places.OpenPlaces``)."""
        async with self.sessions() as session:
            query = select(PlaceOffer.occupation_id, PlaceOffer.lat, PlaceOffer.lon).where(
                PlaceOffer.active.is_(True)
            )
            return [(row[0], row[1], row[2]) for row in (await session.execute(query)).all()]

    async def get(self, place_ids: Sequence[int]) -> dict[int, PlaceOffer]:
        if not place_ids:
            return {}
        async with self.sessions() as session:
            rows = (await session.scalars(select(PlaceOffer).where(PlaceOffer.id.in_(place_ids)))).all()
        return {row.id: row for row in rows}

    async def company_note(self, place_id: int) -> str:
        """The company's short text about one of its places (empty for other places)."""
        async with self.sessions() as session:
            row = await session.get(CompanyPlace, place_id)
        return row.note if row is not None else ""

    async def mark(self, user_id: int, place_id: int, status: MarkStatus) -> bool:
        async with self.sessions.begin() as session:
            if await session.get(PlaceOffer, place_id) is None:
                return False
            row = await session.get(PlaceMark, (user_id, place_id))
            if row is None:
                session.add(PlaceMark(user_id=user_id, place_id=place_id, status=status))
            else:
                row.status = status
        return True

    async def marks(self, user_id: int) -> dict[int, str]:
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(PlaceMark.place_id, PlaceMark.status).where(PlaceMark.user_id == user_id)
                )
            ).all()
        return {r.place_id: r.status for r in rows}

    async def subscribe(self, user_id: int, on: bool) -> None:
        async with self.sessions.begin() as session:
            row = await session.get(AlertSubscription, user_id)
            if on and row is None:
                session.add(AlertSubscription(user_id=user_id))
            elif not on and row is not None:
                await session.delete(row)

    async def subscribed(self, user_id: int) -> bool:
        async with self.sessions() as session:
            return await session.get(AlertSubscription, user_id) is not None

    async def subscriptions(self) -> list[AlertSubscription]:
        async with self.sessions() as session:
            return list((await session.scalars(select(AlertSubscription))).all())

    async def new_since(self, profile: SearchProfile, since: dt.datetime) -> list[int]:
        """Ids of fitting places (wishes and related) first seen after ``since``."""
        result = await self.search(profile)
        if result.earlier:
            return []  # places that start before the person can are no news for them
        fresh = await self.get([r.place_id for r in result.ranked if r.fit <= 1])
        return [pid for pid, row in fresh.items() if row.first_seen > since]

    async def alert_sent(self, user_id: int, today: dt.date) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                update(AlertSubscription)
                .where(AlertSubscription.user_id == user_id)
                .values(last_sent_on=today, checked_at=utcnow())
            )


def _starts_from(earliest: dt.date) -> ColumnElement[bool]:
    """The place starts on or after ``earliest``, or has no start date."""
    return or_(PlaceOffer.start_date.is_(None), PlaceOffer.start_date >= earliest)
