"""The dialog state of young people who consented: one statement per update, safe across processes.

Every update of a stored person is one ``UPDATE`` of their ``users`` row that names the version it read
(optimistic locking). When another bot process changed the row in between, the write matches no row;
the caller reads the row again and applies the update on top of the fresh state. The same statement
records the update id on the row (the last ``KEEP`` of them), so a redelivered update is recognised
without a second table. A small per-process cache of rows spares the read before the write.

This module talks to the database drivers (aiosqlite, asyncpg) directly, with plain SQL on the schema
that Alembic manages: through SQLAlchemy the same statement costs several times the CPU (see
``bench/dialog.py``), and it runs for every message. Everything else uses SQLAlchemy.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
import asyncpg
from sqlalchemy.engine import make_url

from dialogs.model import State

#: How many applied update ids a row remembers. Telegram redelivers an update only while it is unconfirmed,
#: long before 20 newer updates of the same person arrive.
KEEP = 20
#: Rows kept in memory per process (a few kB each).
CACHE_SIZE = 2_000

# One statement each, in the SQL that SQLite and PostgreSQL share (``?`` becomes ``$n`` for asyncpg).
SELECT = "SELECT lang, state, version, update_ids FROM users WHERE id = ?"
INSERT = (
    "INSERT INTO users (id, lang, step, state, update_ids, version, consent_at, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) "
    "ON CONFLICT (id) DO NOTHING RETURNING version"
)
UPDATE = (
    "UPDATE users SET lang = ?, step = ?, state = ?, update_ids = ?, version = version + 1, "
    "updated_at = CURRENT_TIMESTAMP WHERE id = ? AND version = ? RETURNING version"
)


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


class StateStore(ABC):
    """Reads and writes ``users.lang/step/state`` with the version check; caches the rows it wrote."""

    def __init__(self) -> None:
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
        rows = await self._fetch(SELECT, user_id)
        return _row(*rows[0]) if rows else None

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
            written = await self._fetch(INSERT, user_id, *values)
        else:
            written = await self._fetch(UPDATE, *values, user_id, read.version)
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

    @abstractmethod
    async def _fetch(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        """The rows of one statement, committed on its own."""

    @abstractmethod
    async def close(self) -> None: ...


class SqliteStateStore(StateStore):
    """One aiosqlite connection in autocommit mode; a statement and its rows cost one trip to its thread."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        super().__init__()
        self._conn = connection

    @classmethod
    async def open(cls, path: str) -> SqliteStateStore:
        conn = await aiosqlite.connect(path, timeout=30, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            await conn.execute_fetchall(f"PRAGMA {pragma}")
        return cls(conn)

    async def _fetch(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def close(self) -> None:
        await self._conn.close()


class PostgresStateStore(StateStore):
    """A small asyncpg pool; asyncpg prepares each statement once per connection."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__()
        self._pool = pool
        self._numbered: dict[str, str] = {}

    @classmethod
    async def open(cls, dsn: str, max_connections: int) -> PostgresStateStore:
        # Each statement commits on its own and changes no session setting, so a connection handed back
        # needs no reset (asyncpg's default reset is one more round trip per statement).
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=max_connections, reset=_no_reset)
        return cls(pool)

    async def _fetch(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        numbered = self._numbered.get(sql)
        if numbered is None:
            parts = sql.split("?")
            numbered = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
            self._numbered[sql] = numbered
        return list(await self._pool.fetch(numbered, *params))

    async def close(self) -> None:
        await self._pool.close()


async def _no_reset(_connection: asyncpg.Connection) -> None:
    return None


async def open_state_store(database_url: str, max_connections: int = 10) -> StateStore:
    """The store for a ``sqlite+aiosqlite`` or ``postgresql+asyncpg`` database URL, connected."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("DATABASE_URL: an SQLite database must be a file (several connections share it)")
        return await SqliteStateStore.open(url.database)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return await PostgresStateStore.open(dsn, max_connections)
