"""A coach group's flood limit: the fake Bot API enforces it as Telegram does, the bot keeps within it, and a
young person's chat never waits for it."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.coach.sender import CoachRateLimiter, GroupBudget, GroupSender
from bot.runtime import Runtime
from bot.telegram.request import retry_seconds
from tests.fakebotapi import FakeTelegram

GROUP, PERSON = -1004444444444, 4711
WINDOW = 0.4


async def test_the_fake_refuses_a_groups_21st_message_in_a_window() -> None:
    async with FakeTelegram(group_window=WINDOW) as tg, Bot(tg.token, base_url=tg.base_url) as bot:
        for n in range(20):
            await bot.send_message(GROUP, f"{n}")
        try:
            await bot.send_message(GROUP, "one too many")
            raise AssertionError("no 429")
        except RetryAfter as error:
            assert retry_seconds(error) == 1
        await bot.send_message(PERSON, "private chats have no such limit")
        await asyncio.sleep(WINDOW)
        await bot.send_message(GROUP, "the window has passed")


async def test_the_bot_keeps_within_the_budget_and_private_chats_do_not_wait() -> None:
    async with FakeTelegram(group_window=WINDOW) as tg:
        limiter = CoachRateLimiter({GROUP: GroupBudget(20, WINDOW)}, max_retries=0)
        async with ExtBot(tg.token, base_url=tg.base_url, rate_limiter=limiter) as bot:
            started = time.monotonic()
            group = asyncio.gather(*(bot.send_message(GROUP, f"{n}") for n in range(45)))
            await asyncio.sleep(0.05)  # the group's budget is spent now
            private = time.monotonic()
            await bot.send_message(PERSON, "hello")
            assert time.monotonic() - private < 0.3  # not behind the group's queue
            await group
            assert time.monotonic() - started >= 2 * WINDOW  # 45 messages: three windows
    assert not [c for c in tg.calls if c.status == 429]


async def test_one_sender_per_group_across_processes_on_postgresql(runtime: Runtime) -> None:
    if runtime.db.dialect.name != "postgresql":
        pytest.skip("SQLite serves one bot process")
    outbox = runtime.dialogs.handoffs.outbox
    first, second = (GroupSender(GROUP, outbox, runtime.db, {}) for _ in range(2))
    stop = asyncio.Event()
    held = await first.hold_group_lock(stop)
    assert held is not None
    waiting = asyncio.create_task(second.hold_group_lock(stop))
    await asyncio.sleep(1.5)
    assert not waiting.done()  # the group has its sender
    await held.close()  # that process ends (a crash closes its connection too)
    taken = await asyncio.wait_for(waiting, 5)
    assert taken is not None
    await taken.close()


async def test_the_sender_sends_in_priority_order_and_skips_an_unreadable_row(runtime: Runtime) -> None:
    from bot.coach.desk import CoachDesk
    from bot.coach.outbox import Priority
    from bot.config import Settings

    group = CoachDesk(Settings(coach_chat_id=GROUP), runtime.dialogs, runtime.places_store).groups[GROUP]
    outbox = runtime.dialogs.handoffs.outbox
    await outbox.enqueue(GROUP, "text", {"text": "digest"}, Priority.DIGEST)
    await outbox.enqueue(GROUP, "text", {"no": "text"}, Priority.RELAY)
    await outbox.enqueue(GROUP, "text", {"text": "reminder"}, Priority.REMINDER)
    await outbox.enqueue(GROUP, "text", {"text": "answer"}, Priority.ANSWER)
    async with FakeTelegram() as tg, Bot(tg.token, base_url=tg.base_url) as bot:
        assert await group.sender.drain(bot) == 4
        assert [m["text"] for m in tg.bot_messages(GROUP)] == ["answer", "reminder", "digest"]
    assert await outbox.next(GROUP) is None
    assert (await outbox.backlog(GROUP)).pending == 0
