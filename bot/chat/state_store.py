"""The dialog state of young people who consented: one statement per update, safe across processes.

Every update of a stored person is one ``UPDATE`` of their ``users`` row that names the version it read
(optimistic locking). When another bot process changed the row in between, the write matches no row;
the caller reads the row again and applies the update on top of the fresh state. The same statement
records the update id on the row (the last ``KEEP`` of them), so a redelivered update is recognised
without a second table. A small per-process cache of rows spares the read before the write. The three
statements themselves are in ``bot/chat/state_sql.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.state_sql import StateRows, open_state_rows
from dialogs.model import State

#: How many applied update ids a row remembers. Telegram redelivers an update only while it is unconfirmed,
#: long before 20 newer updates of the same person arrive.
KEEP = 20
#: Rows kept in memory per process (a few kB each).
CACHE_SIZE = 2_000


@dataclass(frozen=True)
class Stored:
    """A person's row as read or written: the dialog state and what guards it."""

    state: State
    version: int
    update_ids: tuple[int, ...] = ()

    def applied(self, update_id: int) -> bool:
        """True when this update was applied already (or is older than every remembered one)."""
        if update_id in self.update_ids:
            return True
        return len(self.update_ids) >= KEEP and update_id < min(self.update_ids)

    def after(self, state: State, update_id: int | None) -> Stored:
        ids = self.update_ids if update_id is None else (*self.update_ids, update_id)[-KEEP:]
        return Stored(state, self.version + 1, ids)


def _row(lang: str, state: Any, version: int, update_ids: str) -> Stored:
    data = json.loads(state) if isinstance(state, str) else state
    ids = tuple(int(part) for part in update_ids.split())
    return Stored(State.from_json(lang, data or {}), version, ids)


class StateStore:
    """Reads and writes ``users.lang/step/state`` with the version check; caches the rows it wrote."""

    def __init__(self, rows: StateRows) -> None:
        self._rows = rows
        self._cache: OrderedDict[int, Stored] = OrderedDict()

    async def load(self, user_id: int) -> Stored | None:
        """The person's row: from the cache when this process wrote it last, else from the database."""
        cached = self._cache.get(user_id)
        if cached is not None:
            self._cache.move_to_end(user_id)
            return cached
        return await self.read(user_id)

    async def read(self, user_id: int) -> Stored | None:
        """The row as the database has it now (no cache)."""
        row = await self._rows.select(user_id)
        return _row(*row) if row is not None else None

    async def is_company_contact(self, user_id: int) -> bool:
        """The person has a ``companies`` row (talks to the company flow)."""
        return await self._rows.is_company_contact(user_id)

    async def record(
        self, user_id: int, milestones: Sequence[tuple[str, dt.datetime]], follow_ups: bool = False
    ) -> None:
        """Funnel milestones reached with this message, and the follow-ups row at consent."""
        await self._rows.record(user_id, milestones, follow_ups)

    async def save(
        self, user_id: int, read: Stored | None, state: State, update_id: int | None
    ) -> Stored | None:
        """Write ``state`` over the row ``read`` earlier (``None``: there was no row).

        Returns the new row, or ``None`` when the row changed meanwhile (another process wrote or deleted
        it): then nothing was written and the caller starts again from :meth:`read`.
        """
        new = (read or Stored(state, 0)).after(state, update_id)
        values = (state.lang, state.step, json.dumps(state.to_json()), " ".join(map(str, new.update_ids)))
        if read is None:
            written = await self._rows.insert(user_id, *values)
        else:
            written = await self._rows.update(user_id, read.version, *values)
        if not written:
            self.forget(user_id)
            return None
        self._cache[user_id] = new
        self._cache.move_to_end(user_id)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return new

    def forget(self, user_id: int) -> None:
        """Drop the cached row (after the row was deleted, or when it may be stale)."""
        self._cache.pop(user_id, None)

    def clear(self) -> None:
        """Drop every cached row (after rows were deleted in bulk)."""
        self._cache.clear()

    async def close(self) -> None:
        await self._rows.close()


async def open_state_store(engine: AsyncEngine) -> StateStore:
    """The store for the engine's database, on connections of the engine's pool."""
    return StateStore(await open_state_rows(engine))
