"""One sender per coach group drains the group's outbox (``bot/coach/outbox.py``) within the group's budget.

**Budget.** :class:`GroupBudget` is a sliding window (``COACH_GROUP_RATE`` messages per
``COACH_GROUP_RATE_SECONDS``, 20 a minute by default, as Telegram allows in a group). It is spent by
:class:`CoachRateLimiter`, PTB's rate limiter for the whole process: every message into a coach group waits
for the window, whoever sends it, while messages to young people never wait for a coach group and never
pause behind its 429s (PTB's ``AIORateLimiter`` would pause every request after one).

**Order.** The sender takes the next pending row (lowest priority, then oldest) one at a time, so one
conversation's messages leave in the order they were written. A 429 or a network error keeps the row at the
head of the queue: the sender waits and sends it again; a refusal marks it ``failed`` and moves on.

**One sender per group.** On PostgreSQL a sender first takes a session-level advisory lock on the group's
chat id, on a connection it keeps; another bot process's sender for the same group waits until that
connection ends (also by a crash). SQLite serves one bot process, so no lock is needed there.

**Exactly once.** A row is marked ``sent`` right after Telegram answered; after a crash it is sent again
only if the crash fell between Telegram's answer and that write (the Bot API has no idempotency key).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter

from bot.coach.outbox import Outbox
from bot.models import CoachOutbox
from bot.telegram.request import retry_seconds

log = logging.getLogger(__name__)

#: Bot API methods that put a message into a chat (a new topic shows one too): they spend the budget.
MESSAGE_METHODS = frozenset(
    {"sendMessage", "copyMessage", "sendPhoto", "sendDocument", "editMessageText", "createForumTopic"}
)
#: How often an idle sender looks for rows other processes wrote, and a waiting one for the lock.
POLL_SECONDS = 1.0
#: Extra share of the group's period the window waits, for clocks that differ a little.
SLACK = 0.02
#: How often a full window whose messages are all on their way is looked at again.
IN_FLIGHT_POLL = 0.05
#: Network errors in a row before a message is given up.
MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 60.0

#: Sends one outbox row; returns the id of the message it became (if any).
Deliver = Callable[[Bot, CoachOutbox], Awaitable[int | None]]


class GroupBudget:
    """At most ``rate`` messages in any ``period`` seconds (a sliding window, as Telegram counts).

    A message counts from when Telegram answered it (while on its way it counts as now): Telegram saw it
    arrive before that, so however unevenly fast requests travel, no ``rate + 1`` arrive within ``period``."""

    def __init__(self, rate: int, period: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.period = period * (1 + SLACK)
        self.clock = clock
        #: When each message of the window was answered; ``math.inf`` while it is on its way.
        self._answered: list[float] = []
        self._lock = asyncio.Lock()

    def seed(self, ages: Sequence[float]) -> None:
        """Count messages another process (or this one before a restart) sent ``ages`` seconds ago: they are
        still in Telegram's window."""
        now = self.clock()
        self._answered.extend(now - age for age in ages if 0 <= age < self.period)

    @contextlib.asynccontextmanager
    async def spend(self) -> AsyncIterator[None]:
        """Wait for room in the window, then send within the ``async with``."""
        async with self._lock:
            while True:
                now = self.clock()
                self._answered = [t for t in self._answered if now - t < self.period]
                if len(self._answered) < self.rate:
                    self._answered.append(math.inf)
                    break
                oldest = min(self._answered)
                await asyncio.sleep(oldest + self.period - now if oldest < math.inf else IN_FLIGHT_POLL)
        try:
            yield
        finally:
            self._answered.remove(math.inf)
            self._answered.append(self.clock())


class CoachRateLimiter(AIORateLimiter):
    """PTB's limiter, except that messages into coach groups wait for their :class:`GroupBudget` and go
    out without PTB's retries (their sender retries), so a coach group's 429 never pauses anyone else."""

    def __init__(self, budgets: dict[int, GroupBudget], max_retries: int) -> None:
        super().__init__(group_max_rate=0, max_retries=max_retries)
        self.budgets = budgets

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        budget = self.budgets.get(_int(data.get("chat_id")))
        if budget is None:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        if endpoint not in MESSAGE_METHODS:
            return await callback(*args, **kwargs)
        async with budget.spend():
            return await callback(*args, **kwargs)


def _int(value: object) -> int:
    with contextlib.suppress(TypeError, ValueError):
        return int(value)  # type: ignore[call-overload, no-any-return]
    return 0


class GroupSender:
    def __init__(self, chat_id: int, outbox: Outbox, db: AsyncEngine, kinds: Mapping[str, Deliver]) -> None:
        self.chat_id = chat_id
        self.outbox = outbox
        self.db = db
        #: How each kind of row is sent.
        self.kinds = kinds

    async def run(
        self, bot: Bot, stop: asyncio.Event, first: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Send until ``stop`` is set (holding the group's lock on PostgreSQL); ``first`` runs once the lock
        is held. An unexpected error (the database is away) is logged and the sender goes on after a pause:
        the group's messages wait in the outbox meanwhile."""
        lock: AsyncConnection | None = None
        wakeup = self.outbox.wakeup(self.chat_id)
        try:
            while not stop.is_set():
                try:
                    if lock is None and self.db.dialect.name == "postgresql":
                        lock = await self.hold_group_lock(stop)
                    if first is not None:
                        await first()
                        first = None
                    wakeup.clear()  # before looking: a row queued while draining wakes the next round
                    await self.drain(bot, stop)
                except Exception as error:
                    log.error("coach sender of group %s: %s; going on", self.chat_id, type(error).__name__)
                    if lock is not None and lock.invalidated:
                        lock = None
                await _first(wakeup.wait(), stop.wait(), timeout=POLL_SECONDS)
        finally:
            if lock is not None:
                await lock.close()

    async def drain(self, bot: Bot, stop: asyncio.Event | None = None) -> int:
        """Send every pending row of the group now, in order; returns how many were handled."""
        handled = 0
        while stop is None or not stop.is_set():
            row = await self.outbox.next(self.chat_id)
            if row is None:
                break
            await self._send(bot, row)
            handled += 1
        return handled

    async def _send(self, bot: Bot, row: CoachOutbox) -> None:
        deliver = self.kinds.get(row.kind)
        if deliver is None:
            log.error("outbox %s: no sender for kind %r", row.id, row.kind)
            await self.outbox.finish(row.id, "failed")
            return
        try:
            message_id = await deliver(bot, row)
        except RetryAfter as error:  # over the group's limit after all: wait, then the same row again
            log.info("coach group over its limit, waiting %.0f s", retry_seconds(error))
            await asyncio.sleep(retry_seconds(error))
        except (BadRequest, Forbidden) as error:
            log.warning("outbox %s (%s) refused: %s", row.id, row.kind, type(error).__name__)
            await self.outbox.finish(row.id, "failed")
        except NetworkError as error:
            attempts = await self.outbox.count_attempt(row.id)
            log.info("outbox %s: %s (attempt %d)", row.id, type(error).__name__, attempts)
            if attempts >= MAX_ATTEMPTS:
                await self.outbox.finish(row.id, "failed")
            else:
                await asyncio.sleep(min(MAX_BACKOFF_SECONDS, 2.0**attempts))
        except TelegramError as error:
            log.warning("outbox %s (%s) failed: %s", row.id, row.kind, type(error).__name__)
            await self.outbox.finish(row.id, "failed")
        except (KeyError, TypeError, ValueError) as error:  # a payload its kind cannot read: never sendable
            log.error("outbox %s (%s) unreadable: %s", row.id, row.kind, type(error).__name__)
            await self.outbox.finish(row.id, "failed")
        else:
            await self.outbox.finish(row.id, "sent", message_id)

    async def hold_group_lock(self, stop: asyncio.Event) -> AsyncConnection | None:
        """On PostgreSQL the connection holding the group's advisory lock, once it is ours."""
        if self.db.dialect.name != "postgresql":
            return None
        while not stop.is_set():
            connection = await self.db.connect()
            got = await connection.scalar(select(func.pg_try_advisory_lock(self.chat_id)))
            await connection.commit()
            if got:
                return connection
            await connection.close()
            await _first(stop.wait(), timeout=POLL_SECONDS)
        return None


async def _first(*waits: Coroutine[Any, Any, Any], timeout: float) -> None:
    """Until the first of ``waits`` finishes or ``timeout`` passes; the others are cancelled."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
