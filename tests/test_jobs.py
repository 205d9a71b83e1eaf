"""Background jobs against the fake Bot API: place alerts (once a day) and coach reminders."""

from __future__ import annotations

import datetime as dt

from telegram import Bot

from bot.coach.desk import CoachDesk
from bot.config import Settings
from bot.models import AlertSubscription
from bot.places.alerts import send_alerts
from bot.runtime import Runtime
from bot.telegram.render import split_lines, telegram_length
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


async def test_a_coach_message_as_long_as_telegram_allows_still_reaches_the_young_person(
    runtime: Runtime,
) -> None:
    """The header "💬 Your coach …:" would push a 4,090-character message over Telegram's limit: it goes
    first, on its own, and the whole message after it (the fake Bot API refuses anything longer)."""
    chat = ServiceChat(runtime.dialogs, 903, first_name="Mira")
    await chat.onboard()
    await chat.send("/coach")
    handoff = await runtime.dialogs.handoffs.active(903)
    assert handoff is not None
    settings = Settings(coach_chat_id=COACH_CHAT)  # type: ignore[call-arg]
    group = CoachDesk(settings, runtime.dialogs, runtime.places_store).groups[COACH_CHAT]
    long_text = "Lebenslauf " + "x" * 4079
    relay_id = await runtime.dialogs.handoffs.add_relay(
        handoff.id, "to_user", COACH_CHAT, 77, long_text, "Ali"
    )
    async with FakeTelegram() as tg, Bot(tg.token, base_url=tg.base_url) as bot:
        await group.relay.deliver(bot, relay_id)
        await tg.wait_for_message(903, contains="Your coach Ali")
        body = await tg.wait_for_message(903, contains="Lebenslauf")
        assert body["text"] == long_text
    relay = await runtime.dialogs.handoffs.relay(relay_id)
    assert relay is not None and relay.state == "sent"


def test_a_long_list_is_split_into_messages_within_telegrams_limit() -> None:
    lines = [f"{n}. {'Jugendliche/r ' * 20}– wartet seit 3 Stunden, Sprache ar" for n in range(1, 61)]
    messages = split_lines(lines)
    assert len(messages) > 1 and all(telegram_length(m) <= 4096 for m in messages)
    assert "\n".join(messages).split("\n") == lines  # nothing lost, order kept
    # 2,101 characters, but 4,101 UTF-16 units as Telegram counts them (a flag is four)
    assert split_lines(["🇩🇪" * 1000, "y" * 100]) == ["🇩🇪" * 1000, "y" * 100]
