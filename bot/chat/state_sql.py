"""The statements of the dialog state (``bot/chat/state_store.py``), sent to the driver as plain SQL.

They run for every message, so this is the one place that bypasses SQLAlchemy's statement execution: the
SQL goes straight to the driver (aiosqlite, asyncpg), but on connections of the engine's pool, so the
pool's size, the SQLite PRAGMAs and the asyncpg set-up stay in ``bot/database.py``. Measured with
``bench/dialog.py`` (dialog steps per second as a share of a bare PTB echo handler, the median of 7 paired
rounds; 2-8 runs each on two cores shared with other work, so one run to the next varies by ±15 points):

===============================================================  ============  ============
the same three statements                                         SQLite        PostgreSQL
===============================================================  ============  ============
this module: driver calls, pool connections kept (see below)      53-82 %       47-73 %
before: an own aiosqlite connection and asyncpg pool (same runs)  53-86 %       43-62 %
SQLAlchemy Core on the engine: ``engine.connect()``, one          10-14 %       21-23 %
``text()`` object each, a ``compiled_cache``, commit
the same in autocommit (PostgreSQL), no ``BEGIN IMMEDIATE``       20-21 %       21-24 %
driver calls, a pool connection checked out per statement         (one kept)    28-50 %
===============================================================  ============  ============

Per statement SQLAlchemy's execution costs about 0.5 ms of CPU here against 0.05-0.1 ms for the driver
call, and a check-out and check-in of the pool 0.1-0.25 ms (greenlet switches; ``pool_pre_ping`` adds
three round trips on PostgreSQL). Hence connections are kept: SQLite uses one (one writer: writes queue in
order instead of polling for the file lock), PostgreSQL keeps each connection it borrowed for the next
statement, at most one per statement in flight (``CONCURRENT_UPDATES``).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.models import UTCDateTime

#: ``lang``, ``state`` (JSON text, or already decoded), ``version``, ``update_ids`` of a ``users`` row.
Row = tuple[str, Any, int, str]

# In the SQL that SQLite and PostgreSQL share; ``?`` becomes ``$n`` for asyncpg.
SELECT = "SELECT lang, state, version, update_ids FROM users WHERE id = ?"
INSERT = (
    "INSERT INTO users (id, lang, step, state, update_ids, version, consent_at, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) "
    "ON CONFLICT (id) DO NOTHING RETURNING version"
)
# Written or read with the state for the same reason as it: they come with a person's messages (a new
# person's first ones, the consent, the finished profile). In an ORM session on SQLite they would take the
# write lock (``BEGIN IMMEDIATE``) on a second connection, and every state write would then wait for it in
# SQLite's busy handler (sleeps of 1-100 ms): measured 5 % of the echo handler instead of 60 %.
#: Is a person without a ``users`` row a company contact (``bot/companies``)?
COMPANY = "SELECT 1 FROM companies WHERE user_id = ?"
#: A funnel milestone (``bot/funnel.py``), unless it was reached before or the person has no row.
MILESTONE = (
    "INSERT INTO milestones (user_id, name, reached_at) SELECT ?, ?, ? "
    "WHERE EXISTS (SELECT 1 FROM users WHERE id = ?) ON CONFLICT DO NOTHING"
)
#: The follow-ups the consent covers (``bot/followup.py``).
FOLLOW_UPS = (
    "INSERT INTO follow_ups (user_id, created_at) VALUES (?, CURRENT_TIMESTAMP) ON CONFLICT DO NOTHING"
)
UPDATE = (
    "UPDATE users SET lang = ?, step = ?, state = ?, update_ids = ?, version = version + 1, "
    "updated_at = CURRENT_TIMESTAMP WHERE id = ? AND version = ? RETURNING version"
)


class StateRows(ABC):
    """The statements on ``users``; each commits on its own."""

    async def select(self, user_id: int) -> Row | None:
        rows = await self._fetch(SELECT, user_id)
        if not rows:
            return None
        lang, state, version, update_ids = rows[0]
        return lang, state, version, update_ids

    async def insert(self, user_id: int, lang: str, step: str, state: str, update_ids: str) -> bool:
        """A new row with version 1; ``False`` when the person has a row already."""
        return bool(await self._fetch(INSERT, user_id, lang, step, state, update_ids))

    async def is_company_contact(self, user_id: int) -> bool:
        return bool(await self._fetch(COMPANY, user_id))

    async def record(
        self, user_id: int, milestones: Sequence[tuple[str, dt.datetime]], follow_ups: bool = False
    ) -> None:
        """Funnel milestones reached (each once), and the row of the follow-ups the consent covers."""
        for name, moment in milestones:
            await self._fetch(MILESTONE, user_id, name, self._moment(moment), user_id)
        if follow_ups:
            await self._fetch(FOLLOW_UPS, user_id)

    def _moment(self, moment: dt.datetime) -> Any:
        """A moment as the driver takes it for a ``UTCDateTime`` column."""
        return moment.astimezone(dt.UTC)

    async def update(
        self, user_id: int, version: int, lang: str, step: str, state: str, update_ids: str
    ) -> bool:
        """Overwrite the row if it still has ``version``; ``False`` when it changed or is gone."""
        return bool(await self._fetch(UPDATE, lang, step, state, update_ids, user_id, version))

    @abstractmethod
    async def _fetch(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        """The rows of one statement."""

    @abstractmethod
    async def close(self) -> None:
        """Give the connections back to the engine's pool."""


class SqliteRows(StateRows):
    """One connection of the pool, kept open; in autocommit mode (``bot/database.py``). A statement and its
    rows cost one trip to aiosqlite's thread."""

    def __init__(self, connection: AsyncConnection, driver: Any, dialect: Dialect) -> None:
        self._connection = connection
        self._driver = driver
        #: SQLite keeps moments as text: written in the form SQLAlchemy writes and reads.
        self._moment_text = UTCDateTime().bind_processor(dialect)

    @classmethod
    async def open(cls, engine: AsyncEngine) -> SqliteRows:
        connection = await engine.connect()
        return cls(connection, (await connection.get_raw_connection()).driver_connection, engine.dialect)

    def _moment(self, moment: dt.datetime) -> Any:
        return self._moment_text(moment) if self._moment_text else moment

    async def _fetch(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        return list(await self._driver.execute_fetchall(sql, params))

    async def close(self) -> None:
        await self._connection.close()


class PostgresRows(StateRows):
    """Connections borrowed from the pool and kept for the next statement; outside any SQLAlchemy
    transaction, so each statement commits on its own. asyncpg prepares a statement once per connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._idle: list[tuple[AsyncConnection, Any]] = []
        self._numbered: dict[str, str] = {}

    async def _fetch(self, sql: str, *params: Any) -> Sequence[Sequence[Any]]:
        numbered = self._numbered.get(sql)
        if numbered is None:
            parts = sql.split("?")
            numbered = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
            self._numbered[sql] = numbered
        connection, driver = await self._borrow()
        try:
            rows = list(await driver.fetch(numbered, *params))
        except BaseException:
            await connection.invalidate()  # its state is unknown: the pool replaces it
            raise
        self._idle.append((connection, driver))
        return rows

    async def _borrow(self) -> tuple[AsyncConnection, Any]:
        while self._idle:
            connection, driver = self._idle.pop()
            if not driver.is_closed():  # the server may have ended it (restart, idle timeout)
                return connection, driver
            await connection.invalidate()
        connection = await self._engine.connect()
        return connection, (await connection.get_raw_connection()).driver_connection

    async def close(self) -> None:
        while self._idle:
            await self._idle.pop()[0].close()


async def open_state_rows(engine: AsyncEngine) -> StateRows:
    if engine.dialect.name == "sqlite":
        return await SqliteRows.open(engine)
    return PostgresRows(engine)
