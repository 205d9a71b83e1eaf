"""Applies dialog events for one young person inside one database transaction.

Shared by the Telegram transport and the console chat. The state is loaded, the engine runs, and the
new state is written in the same transaction before any reply leaves the process, so a crash between
two messages loses nothing. Before consent nothing is written: the few answers given so far live only
in this process's memory.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import User
from bot.places import PlacesController
from dialogs import places_view
from dialogs.engine import Engine
from dialogs.model import Event, Outcome, Reply, State

#: Pre-consent states kept in memory (answers are only the age); the oldest are forgotten first.
MAX_PENDING = 10_000


@dataclass(frozen=True)
class Result:
    replies: list[Reply]
    state: State
    actions: tuple[str, ...] = ()
    duplicate: bool = False


class DialogService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], engine: Engine, places: PlacesController
    ) -> None:
        self.sessions = sessions
        self.engine = engine
        self.places = places
        self._pending: OrderedDict[int, State] = OrderedDict()

    async def handle(self, user_id: int, event: Event, lang: str, update_id: int | None = None) -> Result:
        """Apply ``event``; ``update_id`` makes a redelivered Telegram update a no-op (it re-asks instead)."""
        if event.kind == "choice" and event.step == places_view.NS:
            current = await self.state(user_id)
            if current is not None and current.completed:
                return Result(await self.places.handle(user_id, current, event.text), current)
        async with self.sessions.begin() as session:
            row = await session.get(User, user_id, with_for_update=True)
            state = State.from_json(row.lang, row.state) if row else self._pending.get(user_id)
            if (
                row
                and update_id is not None
                and row.last_update_id is not None
                and update_id <= row.last_update_id
            ):
                assert state is not None
                return Result([self.engine.current(state)], state, duplicate=True)
            outcome: Outcome = self.engine.handle(state, event, lang)
            new = outcome.state
            if new.consented:
                if row is None:
                    row = User(id=user_id)
                    session.add(row)
                row.lang, row.step, row.state = new.lang, new.step, new.to_json()
                row.last_update_id = update_id if update_id is not None else row.last_update_id
                self._pending.pop(user_id, None)
            else:
                if row is not None:  # consent withdrawn: nothing of the person stays
                    await session.delete(row)
                self._remember(user_id, new)
        replies = list(outcome.replies)
        for action in outcome.actions:
            if action == "places":
                replies.append(await self.places.page(user_id, new, 0))
        return Result(replies, new, outcome.actions)

    async def state(self, user_id: int) -> State | None:
        async with self.sessions() as session:
            row = await session.get(User, user_id)
            return State.from_json(row.lang, row.state) if row else self._pending.get(user_id)

    def _remember(self, user_id: int, state: State) -> None:
        self._pending[user_id] = state
        self._pending.move_to_end(user_id)
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
