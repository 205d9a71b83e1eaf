"""End to end: the real bot process (`ausbildungsbot run`) against a fake Telegram Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.database import create_engine, sessionmaker
from bot.models import Handoff, RelayMessage, User
from tests.e2e import COACH, COACH_CHAT, USER, BotProcess, button_data, polled_again, say, started, tap
from tests.fakebotapi import FakeTelegram


@pytest.fixture
async def bot(tg: FakeTelegram, db_url: str, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(tg, db_url, tmp_path)
    yield process
    await process.stop()
    assert "Traceback" not in process.served, process.served[-3000:]


async def onboard(tg: FakeTelegram, user: int = USER, kill: BotProcess | None = None) -> dict[str, Any]:
    """The whole dialog as a phone user does it; with ``kill``, the bot is SIGKILLed and restarted midway."""
    m = await say(tg, "/start", "how old are you", user=user, language_code="en")
    m = await say(tg, "17", "Is that okay", user=user)
    m = await tap(tg, m, "Yes, I agree", "What are you doing", user)
    m = await tap(tg, m, "finished school", "school certificate", user)
    m = await tap(tg, m, "Mittlerer Schulabschluss (MSA)", "How well do you speak German", user)
    if kill is not None:
        # SIGKILL while the bot is in the middle of this answer: its reply is stuck on the way out
        stuck = tg.stall_next_send(user)
        update = tg.press_button(user, m, data=button_data(m, "Good"))
        await asyncio.wait_for(stuck.wait(), 10)
        await polled_again(tg)  # the bot polls again meanwhile, but must not confirm the unfinished update
        assert tg.confirmed_offset <= update["update_id"]
        kill.kill()
        await started(tg, kill)
        m = await tg.wait_for_message(user, contains="Which other languages")
    else:
        m = await tap(tg, m, "Good", "Which other languages", user)
    m = await tap(tg, m, "Türkçe", "Which other languages", user)
    m = await tap(tg, m, "Done", "Where do you live", user)
    mark = tg.mark()
    tg.send_location(user, 51.5388, 7.2257)
    await tg.wait_for_message(user, contains="Got it: Herne", after=mark)
    m = await tg.wait_for_message(user, contains="How far", after=mark)
    m = await tap(tg, m, "10 km", "What are you interested in", user)
    m = await tap(tg, m, "Technology", "What are you interested in", user)
    m = await tap(tg, m, "Done", "Which job", user)
    m = await say(tg, "Kfz Mechatroniker", "Did you mean", user=user)
    m = await tap(tg, m, "Kraftfahrzeugmechatroniker", "Saved", user)
    m = await tap(tg, m, "Continue", "When could you start", user)
    m = await tap(tg, m, "As soon as possible", "Here is your profile", user)
    return m


async def test_full_dialog_over_telegram_survives_sigkill(tg: FakeTelegram, bot: BotProcess) -> None:
    await started(tg, bot)
    commands = await tg.wait_for_call("setMyCommands")
    assert "start" in str(commands.params)
    card = await onboard(tg, kill=bot)
    for expected in (
        "17",
        "School certificate: Mittlerer Schulabschluss (MSA)",
        "Türkçe",
        "Town: Herne, radius up to 10 km",
        "Kraftfahrzeugmechatroniker/-in",
    ):
        assert expected in card["text"]
    menu = await tap(tg, card, "All correct", "What would you like to do")
    assert "profile is complete" in menu["text"]
    # the location keyboard asked for the shared location
    assert any(k.get("request_location") for row in tg.reply_keyboard(USER)["keyboard"] for k in row)
    mark = tg.mark()
    last = tg.send_text(USER, "/menu")
    await tg.wait_for_message(USER, contains="What would you like to do", after=mark)
    await bot.stop()  # a clean stop confirms every update it applied: none comes back after a restart
    assert tg.confirmed_offset == last["update_id"] + 1


async def test_bad_input_gets_clear_replies(tg: FakeTelegram, bot: BotProcess) -> None:
    bot.env["LOG_LEVEL"] = "DEBUG"  # even at DEBUG no text or name of a person reaches the log
    # Telegram refuses the first polls (flood limit, then a server error): the bot waits and polls again
    tg.fail_next("getUpdates", error_code=429, retry_after=1)
    tg.fail_next("getUpdates", error_code=502)
    await started(tg, bot)
    await say(tg, "/start", "how old are you", language_code="en")
    assert not any(f.times for f in tg.faults)
    refused = [c.status for c in tg.calls if c.method == "getUpdates" and c.refused]
    assert refused == [429, 502]
    mark = tg.mark()
    tg.send_sticker(USER)
    await tg.wait_for_message(USER, contains="only read text", after=mark)
    tg.fail_next("sendMessage", error_code=502, times=2, chat_id=USER)  # Telegram has a bad moment
    await say(tg, "<b>" + "x" * 4000 + "</b>", "a lot of text")
    assert not any(f.times for f in tg.faults)
    await say(tg, "/nonsense", "don't know this command")
    mark = tg.mark()
    tg.edit_text(USER, 1, "18")
    await tg.wait_for_message(USER, contains="changes to messages", after=mark)
    m = await say(tg, "16", "Is that okay")
    mark = tg.mark()
    tg.send_raw(
        {
            "callback_query": {
                "id": "x1",
                "from": {"id": USER, "is_bot": False, "first_name": "Lea"},
                "chat_instance": "1",
                "data": "certificate:doctorate",
                "message": m,
            }
        }
    )
    await tg.wait_for_message(USER, contains="already closed", after=mark)
    # group messages and other users' chats are ignored
    mark = tg.mark()
    await tg.wait_until_confirmed(tg.send_in_group(-100777, USER, "hello group", is_forum=False))
    assert not [c for c in tg.calls[mark:] if c.params.get("chat_id") == -100777]
    log = bot.output()
    assert "DEBUG" in log and not any(text in log for text in ("xxxxxxxx", "hello group", "Lea", "how old"))


def card_button(tg: FakeTelegram, label: str) -> tuple[dict[str, Any], str]:
    for message in reversed(tg.bot_messages(COACH_CHAT)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if label in b["text"]:
                    return message, b["callback_data"]
    raise AssertionError(f"no card button {label!r}")


async def ask_for_coach(tg: FakeTelegram) -> tuple[Any, dict[str, Any]]:
    """A young person finishes the dialog and taps "talk to a coach": the topic call and the card."""
    card = await onboard(tg)
    menu = await tap(tg, card, "All correct", "What would you like to do")
    mark = tg.mark()
    await tap(tg, menu, "Talk to a coach", "A coach has been told")
    topic = await tg.wait_for_call("createForumTopic", after=mark)
    alert = await tg.wait_for_message(COACH_CHAT, contains="Anfrage von Lea", after=mark)
    return topic, alert


async def test_coach_handoff_relay_and_close(tg: FakeTelegram, coach_bot: BotProcess) -> None:
    await started(tg, coach_bot)
    topic, alert = await ask_for_coach(tg)
    assert topic.params["chat_id"] == COACH_CHAT and "Lea" in topic.params["name"]
    thread = alert["message_thread_id"]
    assert (
        "Kraftfahrzeugmechatroniker/-in" in alert["text"]
        and "Mittlerer Schulabschluss (MSA)" in alert["text"]
    )

    # a stranger cannot take over
    message, data = card_button(tg, "Übernehmen")
    mark = tg.mark()
    tg.press_button(4242, message, data=data)
    refused = await tg.wait_for_call("answerCallbackQuery", after=mark)
    assert "Nur für Coaches" in refused.params.get("text", "")
    # a coach can
    tg.press_button(COACH, message, data=data)
    await tg.wait_for_message(USER, contains="is taking care of you", after=mark)

    mark = tg.mark()
    tg.send_in_group(COACH_CHAT, COACH, "Hallo Lea, wie kann ich helfen?", message_thread_id=thread)
    got = await tg.wait_for_message(USER, contains="Hallo Lea, wie kann ich helfen?", after=mark)
    assert "Your coach" in got["text"]

    mark = tg.mark()
    tg.send_photo(USER, caption="mein Zeugnis")
    copied = await tg.wait_for_call("copyMessage", after=mark)
    assert copied.params["chat_id"] == COACH_CHAT and copied.params["message_thread_id"] == thread

    # a 429 on the relay is retried and the message arrives
    mark = tg.mark()
    tg.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=USER)
    tg.send_in_group(COACH_CHAT, COACH, "Schick mir bitte noch deinen Lebenslauf.", message_thread_id=thread)
    await tg.wait_for_message(USER, contains="Lebenslauf", after=mark, timeout=20)

    message, data = card_button(tg, "Abschließen")
    mark = tg.mark()
    tg.press_button(COACH, message, data=data)
    rating = await tg.wait_for_message(USER, contains="How helpful was it", after=mark)
    await tap(tg, rating, "⭐⭐⭐⭐⭐", "Thank you for your feedback")

    mark = tg.mark()
    tg.send_in_group(COACH_CHAT, COACH, "/queue", message_thread_id=thread)
    await tg.wait_for_message(COACH_CHAT, contains="Offene Anfragen: 0", after=mark)
    tg.send_in_group(COACH_CHAT, COACH, "/report Herne", message_thread_id=thread)
    chart = await tg.wait_for_call("sendPhoto", after=mark, timeout=30)
    assert chart.params["chat_id"] == COACH_CHAT and "Herne" in chart.params["caption"]
    tg.send_in_group(COACH_CHAT, COACH, "/report funnel", message_thread_id=thread)
    funnel = await tg.wait_for_message(COACH_CHAT, contains="📈 Funnel", after=mark, timeout=30)
    # the coach's answer and the closed conversation are in the funnel (one person: "<5"), no place found yet
    assert "Coach hat geantwortet <5 → Gespräch abgeschlossen <5 → Platz gefunden 0" in funnel["text"]


async def test_a_relayed_message_survives_sigkill_and_arrives_once(
    tg: FakeTelegram, coach_bot: BotProcess
) -> None:
    await started(tg, coach_bot)
    await ask_for_coach(tg)
    stuck = tg.stall_next_send(COACH_CHAT)
    update = tg.send_text(USER, "Können Sie mich anrufen?")
    await asyncio.wait_for(stuck.wait(), 10)  # in the outbox, on its way to the coach, when the bot dies
    # the young person's update is done (the message is stored) while the coach group's send hangs
    await tg.wait_until_confirmed(update)
    coach_bot.kill()
    await started(tg, coach_bot)

    def copies() -> list[Any]:  # the copy stuck when the bot died never reached the coach group
        return [
            c
            for c in tg.calls
            if c.method == "copyMessage"
            and c.params["message_id"] == update["message"]["message_id"]
            and not c.stalled
        ]

    await tg.wait_for_call("copyMessage", predicate=lambda c: c in copies(), timeout=20)
    await tg.wait_until_idle(quiet=1.0)
    assert len(copies()) == 1 and copies()[0].params["chat_id"] == COACH_CHAT


async def test_deleted_topic_is_recreated(tg: FakeTelegram, coach_bot: BotProcess) -> None:
    await started(tg, coach_bot)
    first, alert = await ask_for_coach(tg)
    tg.delete_topic(COACH_CHAT, alert["message_thread_id"])
    mark = tg.mark()
    tg.send_text(USER, "Ist da jemand?")
    second = await tg.wait_for_call("createForumTopic", after=mark, timeout=20)
    assert second is not first
    old = alert["message_thread_id"]
    copied = await tg.wait_for_call(
        "copyMessage", after=mark, timeout=20, predicate=lambda c: c.params["message_thread_id"] != old
    )
    assert copied.params["chat_id"] == COACH_CHAT
    # the new topic got the card again, so the coach has the whole picture
    await tg.wait_for_message(COACH_CHAT, contains="Anfrage von Lea", after=mark)


async def test_blocked_user_is_reported_to_the_coach(
    tg: FakeTelegram, coach_bot: BotProcess, db_url: str
) -> None:
    await started(tg, coach_bot)
    _, alert = await ask_for_coach(tg)
    thread = alert["message_thread_id"]
    tg.block_user(USER)
    mark = tg.mark()
    tg.send_in_group(COACH_CHAT, COACH, "Bist du noch da?", message_thread_id=thread)
    warning = await tg.wait_for_message(COACH_CHAT, contains="blockiert", after=mark)
    assert warning["message_thread_id"] == thread  # in the person's topic, where the coach wrote
    # the next message is refused too, but the coach is not warned again and nothing is retried
    await tg.wait_until_confirmed(
        tg.send_in_group(COACH_CHAT, COACH, "Melde dich gern wieder.", message_thread_id=thread)
    )
    to_user = [c for c in tg.calls[mark:] if c.method == "sendMessage" and c.params["chat_id"] == USER]
    assert [c.status for c in to_user] == [403, 403]
    warnings = [m for m in tg.bot_messages(COACH_CHAT) if "blockiert" in str(m.get("text"))]
    assert warnings == [warning]

    db = create_engine(db_url)
    async with sessionmaker(db)() as session:
        handoff = (await session.scalars(select(Handoff).where(Handoff.user_id == USER))).one()
        relays = (await session.scalars(select(RelayMessage).order_by(RelayMessage.id))).all()
    await db.dispose()
    assert handoff.user_blocked and handoff.status == "taken" and handoff.coach_id == COACH
    assert [(r.direction, r.body, r.state) for r in relays] == [
        ("to_user", "Bist du noch da?", "blocked"),
        ("to_user", "Melde dich gern wieder.", "blocked"),
    ]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def post_update(port: int, update: dict[str, Any], secret: str | None = "s3cret") -> int:
    import aiohttp

    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    async with aiohttp.ClientSession() as http:
        for _ in range(100):  # the process may still be starting
            try:
                async with http.post(
                    f"http://127.0.0.1:{port}/telegram", json=update, headers=headers
                ) as response:
                    return response.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.2)
    raise AssertionError(f"webhook on port {port} not reachable")


async def serve_by_webhook(tg: FakeTelegram, db_url: str, tmp_path: Path, processes: int) -> None:
    """Three people start the dialog through ``run --webhook`` processes taking turns; one update comes twice."""
    ports = [free_port() for _ in range(processes)]
    procs = [
        BotProcess(
            tg,
            db_url,
            tmp_path,
            WEBHOOK_URL=f"http://127.0.0.1:{port}",
            WEBHOOK_SECRET="s3cret",
            WEBHOOK_PORT=str(port),
        )
        for port in ports
    ]
    try:
        for proc in procs:
            proc.start("--webhook")
        first = await tg.wait_for_call("setWebhook", timeout=30)
        assert first.params["secret_token"] == "s3cret"
        assert first.params["url"] in [f"http://127.0.0.1:{port}/telegram" for port in ports]
        users = [7001, 7002, 7003]
        assert await post_update(ports[0], tg.send_text(users[0], "/start"), secret=None) == 403
        assert await post_update(ports[0], tg.send_text(users[0], "/start"), secret="wrong") == 403
        assert await post_update(ports[0], {"update_id": 1, "junk": "x" * 2_000_000}) in (400, 413)

        turn = 0

        async def deliver(update: dict[str, Any], user: int, expect: str) -> dict[str, Any]:
            nonlocal turn
            mark = tg.mark()
            turn += 1
            assert await post_update(ports[turn % processes], update) == 200
            # answered only after the update was applied: the reply has been sent already
            return await tg.wait_for_message(user, contains=expect, after=mark, timeout=0)

        last: dict[int, dict[str, Any]] = {}
        for user in users:
            last[user] = await deliver(tg.send_text(user, "/start", language_code="en"), user, "how old")
        for user in users:
            last[user] = await deliver(tg.send_text(user, "17"), user, "Is that okay")
        for label, expect in (
            ("Yes, I agree", "What are you doing"),
            ("still at school", "school certificate"),
            ("Abitur", "speak German"),
        ):
            for user in users:
                update = tg.press_button(user, last[user], data=button_data(last[user], label))
                last[user] = await deliver(update, user, expect)
                if label == "still at school":  # Telegram delivers this one again (to the other process)
                    await deliver(update, user, "school certificate")
        db = create_engine(db_url)
        async with sessionmaker(db)() as session:
            rows = (await session.scalars(select(User).where(User.id.in_(users)))).all()
        await db.dispose()
        assert sorted(r.id for r in rows) == users
        for row in rows:
            assert row.step == "german"
            assert (
                row.state["answers"]["situation"] == "pupil" and row.state["answers"]["certificate"] == "abi"
            )
    finally:
        for proc in procs:
            await proc.stop()
    for proc in procs:
        assert "Traceback" not in proc.served, proc.served[-3000:]


async def test_webhook_answers_after_applying_each_update_once(
    tg: FakeTelegram, db_url: str, tmp_path: Path
) -> None:
    await serve_by_webhook(tg, db_url, tmp_path, processes=1)


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="several processes need PostgreSQL",
)
async def test_two_webhook_processes_serve_the_same_users(
    tg: FakeTelegram, db_url: str, tmp_path: Path
) -> None:
    await serve_by_webhook(tg, db_url, tmp_path, processes=2)


async def test_check_command_reports_bot_api_state(tg: FakeTelegram, db_url: str) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "DATABASE_URL": db_url,
    }
    ok = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot.cli", "check"], capture_output=True, text=True, env=env
    )
    assert ok.returncode == 0 and "Bot API: ok" in ok.stdout and "database: ok" in ok.stdout
    env["TELEGRAM_API_BASE_URL"] = "http://127.0.0.1:9/bot"
    bad = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot.cli", "check"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "TELEGRAM_API_BASE_URL" in bad.stderr and "Traceback" not in bad.stderr
