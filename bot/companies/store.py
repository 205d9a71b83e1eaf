"""Companies and their places in the database: the company flow's state, places, verification and expiry.

A company place is one ``places`` row (``source = "company"``), which the search reads like every other
place, and one ``company_places`` row with what only the company and the coaches see. ``places.active``
is true exactly while the place is ``approved``: a pending, rejected, withdrawn, filled or expired place
is never shown to young people.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat.state_store import KEEP
from bot.models import Company, CompanyPlace, CompanyShare, PlaceOffer, PlaceStatus
from bot.places.store import COMPANY_SOURCE
from dialogs.company.profile import NO_REQUIREMENT, Address, PlaceDraft, StoredPlace
from dialogs.model import State
from knowledge.catalogue import Catalogue

#: A place not confirmed for this long gets "Ist der Platz noch frei?".
ASK_AFTER = dt.timedelta(weeks=6)
#: No answer to that question for this long deactivates the place.
ANSWER_WITHIN = dt.timedelta(weeks=1)


@dataclass(frozen=True)
class PlaceInfo:
    """A company place with its company, for cards and notices."""

    place: CompanyPlace
    company: Company


def start_date(start: str, today: dt.date) -> dt.date:
    """The first day of the start month; "as soon as possible" is this month."""
    if start == "asap":
        return today.replace(day=1)
    year, month = (int(p) for p in start.split("-"))
    return dt.date(year, month, 1)


class CompanyStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], catalogue: Catalogue) -> None:
        self.sessions = sessions
        self.catalogue = catalogue

    # ------------------------------------------------------------ the company and its dialog state

    async def get(self, user_id: int) -> Company | None:
        async with self.sessions() as session:
            return (await session.scalars(select(Company).where(Company.user_id == user_id))).first()

    async def by_id(self, company_id: int) -> Company | None:
        async with self.sessions() as session:
            return await session.get(Company, company_id)

    async def state(self, company: Company) -> State:
        """The dialog state, with the company's fields and places as stored (they are the truth)."""
        state = State.from_json(company.lang, company.state)
        answers = state.company
        for name in ("name", "contact", "reach"):
            value = getattr(company, name)
            setattr(answers, name, value or None)
        if company.lat is not None and company.lon is not None:
            answers.address = Address(
                company.street, company.postcode, company.town, company.lat, company.lon
            )
        answers.places = [
            StoredPlace(
                p.place_id, p.occupation_id, p.count, p.start, p.certificate, p.note, p.status, p.reason
            )
            for p in await self.places_of(company.id)
        ]
        return state

    async def save(self, user_id: int, state: State, update_id: int | None = None) -> Company:
        """Write the company's fields and its dialog state (a row is made at the first save), with the update
        id it applies (``applied``)."""
        answers = state.company
        address = answers.address
        values = {
            "lang": state.lang, "step": state.step, "state": state.to_json(),
            "name": answers.name or "", "contact": answers.contact or "", "reach": answers.reach or "",
            "street": address.street if address else "", "postcode": address.postcode if address else "",
            "town": address.town if address else "", "lat": address.lat if address else None,
            "lon": address.lon if address else None,
        }  # fmt: skip
        async with self.sessions.begin() as session:
            company = (await session.scalars(select(Company).where(Company.user_id == user_id))).first()
            ids = tuple(int(i) for i in (company.update_ids if company else "").split())
            values["update_ids"] = " ".join(
                map(str, (*ids, update_id)[-KEEP:] if update_id is not None else ids)
            )
            if company is None:
                company = Company(user_id=user_id, **values)
                session.add(company)
            else:
                for key, value in values.items():
                    setattr(company, key, value)
                await session.execute(
                    update(PlaceOffer)
                    .where(
                        PlaceOffer.id.in_(
                            select(CompanyPlace.place_id).where(CompanyPlace.company_id == company.id)
                        )
                    )
                    .values(**self._where(company))
                )
        return company

    @staticmethod
    def _where(company: Company) -> dict[str, object]:
        """The columns of a place that come from its company (never its phone or e-mail)."""
        return {
            "employer": company.name, "street": company.street, "postcode": company.postcode,
            "city": company.town, "lat": company.lat or 0.0, "lon": company.lon or 0.0,
        }  # fmt: skip

    @staticmethod
    def applied(company: Company, update_id: int) -> bool:
        """Telegram delivered this update again (after a crash): it was applied already."""
        return str(update_id) in company.update_ids.split()

    async def delete(self, user_id: int) -> Company | None:
        """Remove the company, its places (and everything that hangs on them); returns the removed row."""
        company = await self.get(user_id)
        if company is None:
            return None
        async with self.sessions.begin() as session:
            owned = select(CompanyPlace.place_id).where(CompanyPlace.company_id == company.id)
            await session.execute(delete(PlaceOffer).where(PlaceOffer.id.in_(owned)))
            await session.execute(delete(Company).where(Company.id == company.id))
        return company

    # ------------------------------------------------------------ places

    async def places_of(self, company_id: int) -> Sequence[CompanyPlace]:
        async with self.sessions() as session:
            query = select(CompanyPlace).where(CompanyPlace.company_id == company_id)
            return (await session.scalars(query.order_by(CompanyPlace.place_id))).all()

    async def submit(self, company: Company, draft: PlaceDraft, editing: int | None, today: dt.date) -> int:
        """A new place, or a change to place ``editing``: either waits for a coach's check (not shown)."""
        assert draft.complete
        occupation = self.catalogue.by_id.get(draft.occupation or "")
        place_values = {
            **self._where(company),
            "title": occupation.name if occupation else str(draft.occupation),
            "occupation_id": draft.occupation, "start_date": start_date(str(draft.start), today),
            "certificate": None if draft.certificate == NO_REQUIREMENT else draft.certificate,
            "published": today, "url": "", "contact": "", "active": False, "demo": False,
        }  # fmt: skip
        own = {
            "occupation_id": str(draft.occupation), "count": int(draft.count or 1), "start": str(draft.start),
            "certificate": str(draft.certificate), "note": str(draft.note), "status": "pending", "reason": "",
            "asked_at": None,
        }  # fmt: skip
        async with self.sessions.begin() as session:
            row = await session.get(CompanyPlace, editing) if editing is not None else None
            if row is not None and row.company_id == company.id:
                await session.execute(
                    update(PlaceOffer).where(PlaceOffer.id == row.place_id).values(**place_values)
                )
                for key, value in own.items():
                    setattr(row, key, value)
                return row.place_id
            place = PlaceOffer(source=COMPANY_SOURCE, source_id=uuid.uuid4().hex, **place_values)
            session.add(place)
            await session.flush()
            session.add(CompanyPlace(place_id=place.id, company_id=company.id, **own))
            return place.id

    async def info(self, place_id: int) -> PlaceInfo | None:
        async with self.sessions() as session:
            place = await session.get(CompanyPlace, place_id)
            company = await session.get(Company, place.company_id) if place is not None else None
        return PlaceInfo(place, company) if place is not None and company is not None else None

    async def set_status(
        self,
        place_id: int,
        status: PlaceStatus,
        now: dt.datetime,
        reason: str = "",
        by_programme: bool = False,
    ) -> CompanyPlace | None:
        """Move a place to ``status``; only ``approved`` shows it (and starts its six weeks anew)."""
        async with self.sessions.begin() as session:
            row = await session.get(CompanyPlace, place_id)
            if row is None:
                return None
            row.status, row.reason = status, reason
            row.filled_by_programme = row.filled_by_programme or by_programme
            shown: dict[str, object] = {"active": status == "approved"}
            if status == "approved":
                row.confirmed_at, row.asked_at = now, None
                shown["first_seen"] = now  # new for the alerts (and the report) from the moment it is shown
            await session.execute(update(PlaceOffer).where(PlaceOffer.id == place_id).values(**shown))
            return row

    async def confirm(self, place_id: int, now: dt.datetime) -> None:
        """The company said the place is still open: shown for another six weeks (and the company counts as
        active for the retention clean-up)."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(CompanyPlace)
                .where(CompanyPlace.place_id == place_id, CompanyPlace.status == "approved")
                .values(confirmed_at=now, asked_at=None)
            )
            owner = select(CompanyPlace.company_id).where(CompanyPlace.place_id == place_id)
            await session.execute(update(Company).where(Company.id.in_(owner)).values(updated_at=now))

    async def to_ask(self, now: dt.datetime) -> list[PlaceInfo]:
        """Approved places confirmed more than six weeks ago and not asked yet; marked as asked now."""
        async with self.sessions.begin() as session:
            rows = (
                await session.scalars(
                    select(CompanyPlace).where(
                        CompanyPlace.status == "approved",
                        CompanyPlace.confirmed_at < now - ASK_AFTER,
                        CompanyPlace.asked_at.is_(None),
                    )
                )
            ).all()
            found = []
            for row in rows:
                row.asked_at = now
                company = await session.get(Company, row.company_id)
                if company is not None:
                    found.append(PlaceInfo(row, company))
        return found

    async def expire(self, now: dt.datetime) -> list[int]:
        """Places asked more than a week ago without an answer: no longer shown (``expired``)."""
        async with self.sessions() as session:
            ids = (
                await session.scalars(
                    select(CompanyPlace.place_id).where(
                        CompanyPlace.status == "approved", CompanyPlace.asked_at < now - ANSWER_WITHIN
                    )
                )
            ).all()
        for place_id in ids:
            await self.set_status(place_id, "expired", now)
        return list(ids)

    # ------------------------------------------------------------ the coach's question ("Rückfrage")

    async def set_topic(self, company_id: int, chat_id: int, thread_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                update(Company)
                .where(Company.id == company_id)
                .values(topic_chat_id=chat_id, topic_thread_id=thread_id, question_open=True)
            )

    async def close_question(self, company_id: int) -> None:
        """The coach decided: what the contact types goes to the company flow again (the topic stays)."""
        async with self.sessions.begin() as session:
            await session.execute(update(Company).where(Company.id == company_id).values(question_open=False))

    async def by_topic(self, chat_id: int, thread_id: int) -> Company | None:
        async with self.sessions() as session:
            query = select(Company).where(
                Company.topic_chat_id == chat_id, Company.topic_thread_id == thread_id
            )
            return (await session.scalars(query)).first()

    # ------------------------------------------------------------ a young person's yes to share

    async def share(self, user_id: int, place_id: int, first_name: str) -> int:
        """Record the young person's yes for a company place; returns the share's id (the same when asked again)."""
        async with self.sessions.begin() as session:
            query = select(CompanyShare).where(
                CompanyShare.user_id == user_id, CompanyShare.place_id == place_id
            )
            row = (await session.scalars(query)).first()
            if row is None:
                row = CompanyShare(user_id=user_id, place_id=place_id, first_name=first_name[:64])
                session.add(row)
                await session.flush()
            return row.id

    async def get_share(self, share_id: int) -> CompanyShare | None:
        async with self.sessions() as session:
            return await session.get(CompanyShare, share_id)

    async def share_done(self, share_id: int, now: dt.datetime, meet: bool = False) -> None:
        """The coach sent the profile card (or, ``meet``, the company would like to meet the person)."""
        async with self.sessions.begin() as session:
            values = {"meet_at": now} if meet else {"sent_at": now}
            await session.execute(update(CompanyShare).where(CompanyShare.id == share_id).values(**values))
