"""Background jobs against the fake Bot API: place alerts (once a day) and coach reminders."""

from __future__ import annotations

import datetime as dt

from telegram import Bot

from bot.coach.desk import CoachDesk
from bot.config import Settings
from bot.models import AlertSubscription
from bot.places.alerts import send_alerts
from bot.runtime import Runtime
from knowledge.demo_places import SOURCE, demo_offers
from tests.driver import ServiceChat
from tests.fakebotapi import FakeTelegram

COACH_CHAT = -100555


async def rewind_alerts(runtime: Runtime, user_id: int, by: dt.timedelta) -> None:
    """As if the last alert went out yesterday and the last check was ``by`` earlier."""
    await runtime.places_store.alert_sent(user_id, dt.date.today() - dt.timedelta(days=1))
    async with runtime.dialogs.sessions.begin() as session:
        row = await session.get(AlertSubscription, user_id)
        assert row is not None
        row.checked_at = row.checked_at - by


async def test_alerts_go_out_once_a_day_and_stop_for_blocked_users(runtime: Runtime) -> None:
    chat = ServiceChat(runtime.dialogs, 901)
    await chat.onboard()
    await chat.tap("Open places")
    await chat.tap("Tell me about new places")
    store = runtime.places_store
    assert [s.user_id for s in await store.subscriptions()] == [901]
    await store.replace_source(
        SOURCE, demo_offers(dt.date(2026, 11, 28), runtime.offer_reader().occupation_of), demo=True
    )
    async with FakeTelegram() as tg, Bot(tg.token, base_url=tg.base_url) as bot:
        today = dt.date.today()
        # places first seen in the same second as the subscription count as new too
        await rewind_alerts(runtime, 901, dt.timedelta(minutes=1))
        assert await send_alerts(bot, runtime, today) == 1
        message = await tg.wait_for_message(901, contains="new place")
        assert any(
            "Show places" in b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row
        )
        assert await send_alerts(bot, runtime, today) == 0  # at most one per day
        tg.block_user(901)
        await rewind_alerts(runtime, 901, dt.timedelta(days=1))
        assert await send_alerts(bot, runtime, today) == 0
        assert not await store.subscribed(901)  # blocked: no retry loop, the subscription ends


async def test_waiting_requests_get_one_reminder(runtime: Runtime) -> None:
    chat = ServiceChat(runtime.dialogs, 902, first_name="Mira")
    await chat.onboard()
    await chat.send("/coach")
    handoff = await runtime.dialogs.handoffs.active(902)
    assert handoff is not None
    await runtime.dialogs.handoffs.update(
        handoff.id, created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    )
    settings = Settings(coach_chat_id=COACH_CHAT, coach_reminder_minutes=15)  # type: ignore[call-arg]
    group = CoachDesk(settings, runtime.dialogs, runtime.places_store).groups[COACH_CHAT]
    async with FakeTelegram() as tg, Bot(tg.token, base_url=tg.base_url) as bot:
        assert await group.jobs.remind() == 1  # queued in the group's outbox, sent by its sender
        await group.sender.drain(bot)
        reminder = await tg.wait_for_message(COACH_CHAT, contains="Mira wartet seit über 15 Minuten")
        assert reminder
        assert await group.jobs.remind() == 0  # only once
        await group.jobs.digest()
        await group.jobs.digest()  # once a day
        await group.sender.drain(bot)
        await tg.wait_for_message(COACH_CHAT, contains="1 Anfrage wartet: Mira")
        assert len([m for m in tg.bot_messages(COACH_CHAT) if "Guten Morgen" in str(m.get("text"))]) == 1
