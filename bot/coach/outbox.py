"""The coach outbox: every message for a coach group is first a row of ``coach_outbox``.

Whoever causes a message (a young person's request, a relayed message, the reminder job, another
feature's card) writes the row, in the same transaction as its own change where it has one, and returns at
once; the group's sender (``bot/coach/sender.py``) sends the rows within the group's Telegram budget, by
``priority`` and then in the order they were written. Other features call :meth:`Outbox.enqueue` with a
kind the desk knows, e.g. ``text``::

    await outbox.enqueue(routing.group_for(home).chat_id, "text", {"text": "…"}, Priority.CARD)
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import CoachOutbox, utcnow


class Priority(IntEnum):
    """What goes first when a group is behind: lower first."""

    #: Answers to a coach's command (``/queue``): the coach is waiting for it.
    ANSWER = 0
    #: A new hand-off's card (and, after a hand-over, the conversation so far).
    CARD = 1
    #: A young person's message, and notices in their topic.
    RELAY = 2
    REMINDER = 3
    DIGEST = 4


#: A group whose oldest waiting message is older than this is busy: young people are told so.
BUSY_AFTER = dt.timedelta(minutes=3)


async def add(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    priority: Priority,
    handoff_id: int | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Write an outbox row in ``session``'s transaction; a row with the same ``dedupe_key`` stays alone."""
    values = {
        "chat_id": chat_id, "kind": kind, "payload": payload, "priority": int(priority),
        "handoff_id": handoff_id, "dedupe_key": dedupe_key, "state": "pending", "attempts": 0,
        "created_at": utcnow(),
    }  # fmt: skip
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(CoachOutbox).values(**values).on_conflict_do_nothing())


@dataclass(frozen=True)
class Backlog:
    """What a group's outbox still has to send."""

    pending: int
    oldest: dt.datetime | None

    def busy(self, now: dt.datetime) -> bool:
        return self.oldest is not None and now - self.oldest > BUSY_AFTER


class Outbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._wakeups: dict[int, asyncio.Event] = {}

    async def enqueue(
        self,
        chat_id: int,
        kind: str,
        payload: dict[str, Any],
        priority: Priority,
        handoff_id: int | None = None,
        dedupe_key: str | None = None,
    ) -> None:
        """Queue one message for the coach group ``chat_id`` (its own transaction) and wake its sender."""
        async with self.sessions.begin() as session:
            await add(session, chat_id, kind, payload, priority, handoff_id, dedupe_key)
        self.wake(chat_id)

    def wakeup(self, chat_id: int) -> asyncio.Event:
        """Set when something was queued for ``chat_id`` in this process (the sender waits on it)."""
        return self._wakeups.setdefault(chat_id, asyncio.Event())

    def wake(self, chat_id: int) -> None:
        self.wakeup(chat_id).set()

    async def next(self, chat_id: int) -> CoachOutbox | None:
        """The row the group's sender sends next: lowest priority, then oldest."""
        async with self.sessions() as session:
            query = (
                select(CoachOutbox)
                .where(CoachOutbox.chat_id == chat_id, CoachOutbox.state == "pending")
                .order_by(CoachOutbox.priority, CoachOutbox.id)
                .limit(1)
            )
            return (await session.scalars(query)).first()

    async def finish(self, row_id: int, state: str, message_id: int | None = None) -> None:
        """The row is done (``sent`` or ``failed``); its payload (texts with people's names) is emptied: the
        row itself, with its ``dedupe_key``, is what keeps it from being sent again."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(CoachOutbox)
                .where(CoachOutbox.id == row_id)
                .values(state=state, sent_message_id=message_id, sent_at=utcnow(), payload={})
            )

    async def count_attempt(self, row_id: int) -> int:
        """One more failed attempt for the row; returns how many there were."""
        async with self.sessions.begin() as session:
            row = await session.get(CoachOutbox, row_id)
            if row is None:
                return 0
            row.attempts += 1
            return row.attempts

    async def sent_since(self, chat_id: int, since: dt.datetime) -> list[dt.datetime]:
        """When the group's messages sent after ``since`` went out."""
        async with self.sessions() as session:
            query = select(CoachOutbox.sent_at).where(
                CoachOutbox.chat_id == chat_id, CoachOutbox.state == "sent", CoachOutbox.sent_at >= since
            )
            return [moment for moment in (await session.scalars(query)).all() if moment is not None]

    async def backlog(self, chat_id: int) -> Backlog:
        async with self.sessions() as session:
            pending, oldest = (
                await session.execute(
                    select(func.count(), func.min(CoachOutbox.created_at)).where(
                        CoachOutbox.chat_id == chat_id, CoachOutbox.state == "pending"
                    )
                )
            ).one()
        return Backlog(int(pending), oldest)
