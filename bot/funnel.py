"""The funnel: when each person first reached each step, from the first /start to a found place.

A milestone is a name and a moment in ``milestones`` (one row per person and name, the first moment wins),
nothing else: no message text. The rows go with the person's ``users`` row (``/delete``, retention) and
are listed by ``/export``. Recorded by small calls where the step happens: the dialog service (started,
consented, profile done, places, coach asked), the coach store (coach answered, conversation closed) and
the follow-up (found a place). The market report counts them (``bot/report/funnel.py``).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Literal, get_args

from sqlalchemy import exists, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Milestone as MilestoneRow
from bot.models import User, UTCDateTime

Milestone = Literal[
    "started",
    "consented",
    "profile_done",
    "places_seen",
    "place_interested",
    "coach_asked",
    "coach_answered",
    "conversation_closed",
    "found_place",
]
#: The funnel's steps in order.
MILESTONES: tuple[Milestone, ...] = get_args(Milestone)
#: Milestones remembered as recorded in this process, so that a repeated one costs no statement.
REMEMBERED = 50_000


async def reach(session: AsyncSession, user_id: int, milestone: Milestone, at: dt.datetime) -> None:
    """Record ``milestone`` for the person at ``at`` unless it was reached before (or they have no row)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = select(literal(user_id), literal(milestone), literal(at, UTCDateTime())).where(
        exists().where(User.id == user_id)
    )
    statement = dialect.insert(MilestoneRow).from_select(["user_id", "name", "reached_at"], rows)
    await session.execute(statement.on_conflict_do_nothing())


async def reached(session: AsyncSession, user_id: int) -> dict[str, dt.datetime]:
    """The person's milestones, in funnel order."""
    rows = await session.execute(
        select(MilestoneRow.name, MilestoneRow.reached_at).where(MilestoneRow.user_id == user_id)
    )
    moments = {name: at for name, at in rows}
    return {name: moments[name] for name in MILESTONES if name in moments}


class Funnel:
    """Records milestones in their own short transaction; one already recorded here costs nothing."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._recorded: OrderedDict[tuple[int, str], None] = OrderedDict()

    async def reach(self, user_id: int, milestone: Milestone, at: dt.datetime) -> None:
        key = (user_id, milestone)
        if key in self._recorded:
            return
        async with self.sessions.begin() as session:
            await reach(session, user_id, milestone, at)
        self._recorded[key] = None
        while len(self._recorded) > REMEMBERED:
            self._recorded.popitem(last=False)

    def clear(self) -> None:
        """After the retention clean-up deleted people."""
        self._recorded.clear()

    def forget(self, user_id: int) -> None:
        """After a deletion: the person may start again and reach every milestone anew."""
        for key in [key for key in self._recorded if key[0] == user_id]:
            del self._recorded[key]
