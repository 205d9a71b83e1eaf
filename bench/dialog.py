"""Updates per second of full dialog steps through PTB, against a bare PTB echo handler, in one run.

Both applications get the same updates, from the Bot API's JSON through ``Application.process_update``,
with the same number of updates at once and the network stubbed (a ``BaseRequest`` that answers every Bot
API call at once): texts and button presses of people going through the first steps. The echo handler
sends a text back and answers a button press; the dialog side runs the real bot (handlers, dialog
service, engine, database: SQLite, and PostgreSQL when ``BENCH_DATABASE_URL`` is set, a throwaway
database: the bench writes to it and removes its people again). After a warm-up, rounds alternate between
the two; prints the median updates/s of each and the median of the rounds' ratios (target >= 50%).
Run: ``.venv/bin/python bench/dialog.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.database import upgrade
from bot.models import User
from bot.runtime import open_runtime
from bot.telegram.app import build_application
from bot.telegram.intake import AnyApplication, process

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwx"
USERS = 150
ROUNDS = 7
FIRST_USER = 10_000
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}


class StubRequest(BaseRequest):
    """Answers every Bot API method immediately, like a server with zero latency."""

    def __init__(self) -> None:
        self.message_id = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **kwargs: Any
    ) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        result: Any = True
        if api == "getMe":
            result = BOT_USER
        elif api in ("sendMessage", "editMessageText"):
            self.message_id += 1
            chat_id = int(params.get("chat_id", 1))
            result = {
                "message_id": self.message_id, "date": 0, "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER, "text": str(params.get("text", "")),
            }  # fmt: skip
        return 200, json.dumps({"ok": True, "result": result}).encode()


def message(update_id: int, user: int, text: str) -> dict[str, Any]:
    sender = {"id": user, "is_bot": False, "first_name": "Lea", "language_code": "de"}
    entities = [{"type": "bot_command", "offset": 0, "length": len(text)}] if text.startswith("/") else []
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 0, "chat": {"id": user, "type": "private"}, "from": sender,
            "text": text, "entities": entities,
        },
    }  # fmt: skip


def button(update_id: int, user: int, data: str) -> dict[str, Any]:
    sender = {"id": user, "is_bot": False, "first_name": "Lea", "language_code": "de"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id), "from": sender, "chat_instance": "1", "data": data,
            "message": {"message_id": 1, "date": 0, "chat": {"id": user, "type": "private"}, "from": BOT_USER, "text": "?"},
        },
    }  # fmt: skip


SCRIPT = [
    ("text", "/start"), ("text", "17"), ("button", "consent:yes:17"), ("button", "situation:pupil"),
    ("button", "certificate:msa"), ("button", "german:good"), ("button", "languages:none"), ("text", "44623"),
]  # fmt: skip


def dialog_traffic(round_: int) -> list[dict[str, Any]]:
    """People answer the first steps of the dialog at the same time (their messages interleave): text,
    consent, three choices, a postcode. Each person's messages come in order, as from a phone."""
    updates, uid = [], 0
    for kind, value in SCRIPT:
        for n in range(USERS):
            user = FIRST_USER + round_ * USERS + n  # new people every round: each starts the dialog afresh
            uid += 1
            updates.append(message(uid, user, value) if kind == "text" else button(uid, user, value))
    return updates


async def rate(app: AnyApplication, raw: list[dict[str, Any]]) -> float:
    """Updates/s from the Bot API's JSON to the last reply, handled as the bot's poller does (``bot/telegram/intake.py``):
    each update a task, at most one ``getUpdates`` answer (100 updates) in flight."""
    window = asyncio.Semaphore(100)
    running: set[asyncio.Task[None]] = set()

    async def one(update: dict[str, Any]) -> None:
        try:
            await process(app, Update.de_json(update, app.bot))
        finally:
            window.release()

    start = time.perf_counter()
    for update in raw:
        await window.acquire()
        task = asyncio.create_task(one(update))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)
    return len(raw) / (time.perf_counter() - start)


def echo_application(concurrent_updates: int) -> AnyApplication:
    """PTB's echo bot, with as many updates at once as the dialog bot is allowed: a text comes back as it
    is; a button press is answered and its data sent back."""
    app = (
        Application.builder()
        .token(TOKEN)
        .request(StubRequest())
        .get_updates_request(StubRequest())
        .concurrent_updates(concurrent_updates)
        .build()
    )

    async def echo(update: Update, _context: Any) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    async def echo_button(update: Update, _context: Any) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None and query.message is not None
        await query.answer()
        await query.get_bot().send_message(query.message.chat.id, query.data)

    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(echo_button))
    return app


async def dialog_application(url: str, data_dir: Path, stack: contextlib.AsyncExitStack) -> AnyApplication:
    await upgrade(url)
    settings = Settings(telegram_bot_token=TOKEN, database_url=url, data_dir=data_dir)  # type: ignore[arg-type]
    runtime = await open_runtime(settings, migrate=False)
    stack.push_async_callback(runtime.close)

    async def remove_bench_people() -> None:  # a rerun must meet new people, not replayed updates
        async with runtime.db.begin() as conn:
            await conn.execute(
                delete(User).where(User.id.between(FIRST_USER, FIRST_USER + (ROUNDS + 1) * USERS))
            )

    await remove_bench_people()
    stack.push_async_callback(remove_bench_people)
    return build_application(settings, runtime, request=StubRequest())


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        databases = {"SQLite": f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"}
        if os.environ.get("BENCH_DATABASE_URL"):
            databases["PostgreSQL"] = os.environ["BENCH_DATABASE_URL"]
        count = len(dialog_traffic(0))
        async with contextlib.AsyncExitStack() as stack:
            echo = echo_application(Settings().concurrent_updates)
            dialogs = {
                name: await dialog_application(url, Path(tmp), stack) for name, url in databases.items()
            }
            for app in (echo, *dialogs.values()):
                await stack.enter_async_context(app)
            echo_rates: list[float] = []
            dialog_rates: dict[str, list[float]] = {name: [] for name in dialogs}
            for round_ in range(ROUNDS + 1):  # interleaved, so a noisy moment hits both sides alike
                traffic = dialog_traffic(round_)
                gc.collect()
                echo_rate = await rate(echo, traffic)
                for name, app in dialogs.items():
                    gc.collect()
                    ours = await rate(app, traffic)
                    if round_:  # round 0 warms up: caches, prepared statements, connections
                        dialog_rates[name].append(ours)
                if round_:
                    echo_rates.append(echo_rate)
        echo_median = statistics.median(echo_rates)
        print(f"bare PTB echo handler: {echo_median:,.0f} updates/s (median of {ROUNDS} rounds of {count})")
        for name, rates in dialog_rates.items():
            # each round's ratio compares two runs right after each other; their median resists noise
            ratios = [ours / echo for ours, echo in zip(rates, echo_rates, strict=True)]
            print(
                f"dialog steps on {name}: {statistics.median(rates):,.0f} updates/s;"
                f" {statistics.median(ratios):.0%} of the echo handler (median of the rounds' ratios,"
                f" target >= 50%; rounds: {', '.join(f'{r:.0%}' for r in ratios)})"
            )


if __name__ == "__main__":
    asyncio.run(main())
