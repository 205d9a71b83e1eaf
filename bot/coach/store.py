"""Hand-offs to coaches in the database: requests, topics, relayed messages, coaches' languages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.funnel import reach
from bot.models import Coach, CoachTopic, Handoff, RelayMessage, utcnow

ACTIVE = ("open", "taken")


def created_utc(handoff: Handoff) -> dt.datetime:
    """When the request was made, time-zone aware (SQLite hands back naive UTC datetimes)."""
    created = handoff.created_at
    return created if created.tzinfo else created.replace(tzinfo=dt.UTC)


class HandoffStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def open(self, user_id: int, first_name: str) -> tuple[Handoff, bool]:
        """The active hand-off of this person, or a new one; True when it was created now."""
        async with self.sessions.begin() as session:
            current = await self._active(session, user_id)
            if current is not None:
                return current, False
            handoff = Handoff(user_id=user_id, first_name=first_name[:64], status="open")
            session.add(handoff)
            await session.flush()
            await session.refresh(handoff)
            return handoff, True

    async def _active(self, session: AsyncSession, user_id: int) -> Handoff | None:
        query = (
            select(Handoff)
            .where(Handoff.user_id == user_id, Handoff.status.in_(ACTIVE))
            .order_by(Handoff.id.desc())
        )
        return (await session.scalars(query)).first()

    async def active(self, user_id: int) -> Handoff | None:
        async with self.sessions() as session:
            return await self._active(session, user_id)

    async def get(self, handoff_id: int) -> Handoff | None:
        async with self.sessions() as session:
            return await session.get(Handoff, handoff_id)

    async def set_status(
        self, handoff_id: int, status: str, coach_id: int | None = None, coach_name: str = ""
    ) -> Handoff | None:
        async with self.sessions.begin() as session:
            handoff = await session.get(Handoff, handoff_id)
            if handoff is None:
                return None
            handoff.status = status
            now = utcnow()
            if status == "taken":
                handoff.coach_id, handoff.coach_name, handoff.taken_at = coach_id, coach_name[:64], now
            elif status == "closed":
                handoff.closed_at = now
                await reach(session, handoff.user_id, "conversation_closed", now)
            elif status == "open":
                handoff.closed_at = None
            return handoff

    async def update(self, handoff_id: int, **values: object) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(Handoff).where(Handoff.id == handoff_id).values(**values))

    async def queue(self) -> list[Handoff]:
        async with self.sessions() as session:
            query = select(Handoff).where(Handoff.status.in_(ACTIVE)).order_by(Handoff.created_at, Handoff.id)
            return list((await session.scalars(query)).all())

    async def all(self, include_closed: bool = True) -> list[Handoff]:
        async with self.sessions() as session:
            query = select(Handoff).order_by(Handoff.created_at, Handoff.id)
            if not include_closed:
                query = query.where(Handoff.status.in_(ACTIVE))
            return list((await session.scalars(query)).all())

    async def due_reminders(self, older_than: dt.datetime) -> list[Handoff]:
        async with self.sessions() as session:
            query = select(Handoff).where(
                Handoff.status == "open", Handoff.reminded_at.is_(None), Handoff.created_at <= older_than
            )
            return list((await session.scalars(query)).all())

    # ------------------------------------------------------------ topics

    async def topic(self, user_id: int) -> CoachTopic | None:
        async with self.sessions() as session:
            return await session.get(CoachTopic, user_id)

    async def set_topic(self, user_id: int, chat_id: int, thread_id: int) -> None:
        async with self.sessions.begin() as session:
            row = await session.get(CoachTopic, user_id)
            if row is None:
                session.add(CoachTopic(user_id=user_id, chat_id=chat_id, thread_id=thread_id))
            else:
                row.chat_id, row.thread_id = chat_id, thread_id

    async def user_of_topic(self, chat_id: int, thread_id: int) -> int | None:
        async with self.sessions() as session:
            query = select(CoachTopic.user_id).where(
                CoachTopic.chat_id == chat_id, CoachTopic.thread_id == thread_id
            )
            return (await session.scalars(query)).first()

    # ------------------------------------------------------------ relayed messages

    async def add_relay(
        self,
        handoff_id: int,
        direction: str,
        from_chat_id: int,
        from_message_id: int,
        body: str = "",
        sender: str = "",
    ) -> int:
        """Store a message to relay; a message stored before (Telegram delivered it again) keeps its row,
        whose state tells whether it still has to be sent."""
        try:
            async with self.sessions.begin() as session:
                row = RelayMessage(
                    handoff_id=handoff_id, direction=direction, from_chat_id=from_chat_id,
                    from_message_id=from_message_id, body=body[:4096], sender_name=sender[:64], state="pending",
                )  # fmt: skip
                session.add(row)
                await session.flush()
                return row.id
        except IntegrityError:
            async with self.sessions() as session:
                stored = await session.scalar(
                    select(RelayMessage.id).where(
                        RelayMessage.from_chat_id == from_chat_id,
                        RelayMessage.from_message_id == from_message_id,
                    )
                )
            if stored is None:  # not a repeated message after all
                raise
            return stored

    async def relay(self, relay_id: int) -> RelayMessage | None:
        async with self.sessions() as session:
            return await session.get(RelayMessage, relay_id)

    async def pending_relays(self, now: dt.datetime) -> list[int]:
        async with self.sessions() as session:
            query = (
                select(RelayMessage.id)
                .where(RelayMessage.state == "pending", RelayMessage.next_attempt_at <= now)
                .order_by(RelayMessage.id)
            )
            return list((await session.scalars(query)).all())

    async def relay_result(
        self, relay_id: int, state: str, sent_message_id: int | None = None, retry_in: float = 0
    ) -> None:
        async with self.sessions.begin() as session:
            row = await session.get(RelayMessage, relay_id)
            if row is None:
                return
            row.state = state
            row.attempts += 1
            if state == "sent" and row.direction == "to_user":
                handoff = await session.get(Handoff, row.handoff_id)
                if handoff is not None:
                    await reach(session, handoff.user_id, "coach_answered", utcnow())
            row.sent_message_id = sent_message_id
            row.next_attempt_at = utcnow() + dt.timedelta(seconds=retry_in)

    # ------------------------------------------------------------ coaches

    async def set_languages(self, coach_id: int, name: str, languages: Sequence[str]) -> None:
        async with self.sessions.begin() as session:
            row = await session.get(Coach, coach_id)
            if row is None:
                session.add(Coach(user_id=coach_id, name=name[:64], languages=list(languages)))
            else:
                row.name, row.languages = name[:64], list(languages)

    async def coaches_speaking(self, languages: Sequence[str]) -> list[str]:
        async with self.sessions() as session:
            coaches = (await session.scalars(select(Coach))).all()
        wanted = set(languages)
        return sorted(c.name for c in coaches if wanted & set(c.languages))
