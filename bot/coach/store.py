"""Hand-offs to coaches in the database: requests, topics, relayed messages, coaches' languages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.coach import outbox
from bot.coach.outbox import Outbox, Priority
from bot.funnel import reach
from bot.models import (
    Coach,
    CoachOutbox,
    CoachTopic,
    Handoff,
    HandoffStatus,
    RelayMessage,
    RelayState,
    utcnow,
)

ACTIVE = ("open", "taken")
#: Renders a text about a hand-off (a reminder) in the coach group's language.
TextOf = Callable[[Handoff], str]


def _in_groups(chat_ids: Sequence[int | None]) -> ColumnElement[bool]:
    """Hand-offs of these coach groups; ``None`` stands for requests from before groups existed."""
    known = [chat_id for chat_id in chat_ids if chat_id is not None]
    condition = Handoff.coach_chat_id.in_(known)
    return or_(condition, Handoff.coach_chat_id.is_(None)) if None in chat_ids else condition


class HandoffStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.outbox = Outbox(sessions)

    async def open(
        self, user_id: int, first_name: str, chat_id: int | None = None, card: bool = False
    ) -> tuple[Handoff, bool]:
        """The active hand-off of this person, or a new one for the coach group ``chat_id``; True when it
        was created now. With ``card`` the group's card is queued in the same transaction."""
        async with self.sessions.begin() as session:
            current = await self._active(session, user_id)
            if current is not None:
                return current, False
            handoff = Handoff(
                user_id=user_id, first_name=first_name[:64], status="open", coach_chat_id=chat_id
            )
            session.add(handoff)
            await session.flush()
            await session.refresh(handoff)
            if card and chat_id is not None:
                await outbox.add(
                    session, chat_id, "card", {}, Priority.CARD, handoff.id, f"card:{handoff.id}:{chat_id}"
                )
        if card and chat_id is not None:
            self.outbox.wake(chat_id)
        return handoff, True

    async def without_card(self, chat_ids: Sequence[int | None]) -> list[Handoff]:
        """Active hand-offs of these groups that have no card and none queued: made by a version before
        the outbox, or by a process that died between writing the dialog state and the hand-off."""
        async with self.sessions() as session:
            queued = select(CoachOutbox.id).where(
                CoachOutbox.handoff_id == Handoff.id, CoachOutbox.kind == "card"
            )
            query = select(Handoff).where(
                Handoff.status.in_(ACTIVE),
                Handoff.card_message_id.is_(None),
                _in_groups(chat_ids),
                ~queued.exists(),
            )
            return list((await session.scalars(query)).all())

    async def queue_unsent_relays(self, chat_ids: Sequence[int | None], chat_id: int) -> None:
        """Queue the young people's messages of these groups still ``pending`` (a version before the outbox
        stored them); those queued already keep their one row (``relay:<id>``)."""
        async with self.sessions.begin() as session:
            rows = await session.execute(
                select(RelayMessage.id, RelayMessage.handoff_id)
                .join(Handoff, Handoff.id == RelayMessage.handoff_id)
                .where(
                    RelayMessage.state == "pending",
                    RelayMessage.direction == "to_coach",
                    _in_groups(chat_ids),
                )
                .order_by(RelayMessage.id)
            )
            for relay_id, handoff_id in rows:
                await outbox.add(
                    session,
                    chat_id,
                    "relay",
                    {"relay_id": relay_id},
                    Priority.RELAY,
                    handoff_id,
                    f"relay:{relay_id}",
                )

    async def queue_card(self, handoff: Handoff, chat_id: int) -> None:
        await self.outbox.enqueue(
            chat_id, "card", {}, Priority.CARD, handoff.id, f"card:{handoff.id}:{chat_id}"
        )

    async def hand_over(self, handoff_id: int, from_chats: Sequence[int | None], to_chat: int) -> bool:
        """Move an active hand-off to another group: open again there, with its card and the messages so
        far queued in that group, all in one transaction; False when it is no longer in ``from_chats``."""
        async with self.sessions.begin() as session:
            moved = await session.execute(
                update(Handoff)
                .where(Handoff.id == handoff_id, Handoff.status.in_(ACTIVE), _in_groups(from_chats))
                .values(
                    coach_chat_id=to_chat, status="open", coach_id=None, coach_name="", taken_at=None,
                    reminded_at=None, card_message_id=None,
                )
            )  # fmt: skip
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                return False
            await outbox.add(session, to_chat, "card", {}, Priority.CARD, handoff_id)
            relays = await session.scalars(
                select(RelayMessage.id)
                .where(RelayMessage.handoff_id == handoff_id, RelayMessage.state == "sent")
                .order_by(RelayMessage.id)
            )
            for relay_id in relays:
                payload = {"relay_id": relay_id}
                await outbox.add(session, to_chat, "history", payload, Priority.CARD, handoff_id)
        self.outbox.wake(to_chat)
        return True

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
        self, handoff_id: int, status: HandoffStatus, coach_id: int | None = None, coach_name: str = ""
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

    async def queue(self, chat_ids: Sequence[int | None] | None = None) -> list[Handoff]:
        """Active hand-offs, oldest first; only those of these coach groups when ``chat_ids`` are given."""
        async with self.sessions() as session:
            query = select(Handoff).where(Handoff.status.in_(ACTIVE)).order_by(Handoff.created_at, Handoff.id)
            if chat_ids is not None:
                query = query.where(_in_groups(chat_ids))
            return list((await session.scalars(query)).all())

    async def all(
        self, include_closed: bool = True, chat_ids: Sequence[int | None] | None = None
    ) -> list[Handoff]:
        async with self.sessions() as session:
            query = select(Handoff).order_by(Handoff.created_at, Handoff.id)
            if not include_closed:
                query = query.where(Handoff.status.in_(ACTIVE))
            if chat_ids is not None:
                query = query.where(_in_groups(chat_ids))
            return list((await session.scalars(query)).all())

    async def queue_reminders(
        self, older_than: dt.datetime, chat_ids: Sequence[int | None], chat_id: int, text_of: TextOf
    ) -> int:
        """Queue one reminder for each request of these groups waiting since before ``older_than`` and
        mark it reminded, in one transaction; returns how many."""
        async with self.sessions.begin() as session:
            query = select(Handoff).where(
                Handoff.status == "open",
                Handoff.reminded_at.is_(None),
                Handoff.created_at <= older_than,
                _in_groups(chat_ids),
            )
            due = list((await session.scalars(query)).all())
            for handoff in due:
                handoff.reminded_at = utcnow()
                await outbox.add(
                    session, chat_id, "text", {"text": text_of(handoff)}, Priority.REMINDER, handoff.id,
                    f"reminder:{handoff.id}:{chat_id}",
                )  # fmt: skip
        if due:
            self.outbox.wake(chat_id)
        return len(due)

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

    async def add_relay_to_coach(
        self, handoff_id: int, chat_id: int, from_chat_id: int, from_message_id: int
    ) -> None:
        """Store a young person's message for their coach group and queue it there, in one transaction; a
        message Telegram delivers again finds its row (and its queued copy) and adds nothing."""
        try:
            async with self.sessions.begin() as session:
                row = RelayMessage(
                    handoff_id=handoff_id, direction="to_coach", from_chat_id=from_chat_id,
                    from_message_id=from_message_id, state="pending",
                )  # fmt: skip
                session.add(row)
                await session.flush()
                await outbox.add(
                    session, chat_id, "relay", {"relay_id": row.id}, Priority.RELAY, handoff_id,
                    f"relay:{row.id}",
                )  # fmt: skip
        except IntegrityError:
            return
        self.outbox.wake(chat_id)

    async def pending_relays(self, now: dt.datetime) -> list[int]:
        """Messages to young people waiting for a retry (those to coach groups go through the outbox)."""
        async with self.sessions() as session:
            query = (
                select(RelayMessage.id)
                .where(
                    RelayMessage.state == "pending",
                    RelayMessage.direction == "to_user",
                    RelayMessage.next_attempt_at <= now,
                )
                .order_by(RelayMessage.id)
            )
            return list((await session.scalars(query)).all())

    async def relay_result(
        self, relay_id: int, state: RelayState, sent_message_id: int | None = None, retry_in: float = 0
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
