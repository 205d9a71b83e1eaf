"""Updates per second of full dialog steps through PTB, against a bare PTB echo handler, in one run.

Both applications get the same kind of traffic, from the Bot API's JSON through ``Application.process_update``
with the same number of updates at once, the network stubbed (a ``BaseRequest`` that answers every Bot API
call at once). The dialog side runs the real bot (handlers, dialog service, engine, database: SQLite, and
PostgreSQL when ``BENCH_DATABASE_URL`` is set). Rounds alternate between the two; prints the median
updates/s of both and their ratio (target >= 50%).
Run: ``.venv/bin/python bench/dialog.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.database import upgrade
from bot.intake import AnyApplication, process
from bot.runtime import open_runtime
from bot.telegram_app import build_application

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwx"
USERS = 150
ROUNDS = 5
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


def dialog_traffic(round_: int) -> list[dict[str, Any]]:
    """Each user answers the first steps of the dialog: text, consent, three choices, a location."""
    updates, uid = [], 0
    for n in range(USERS):
        user = 10_000 + round_ * USERS + n  # new people every round: each starts the dialog afresh
        script: list[tuple[str, str]] = [
            ("text", "/start"), ("text", "17"), ("button", "consent:yes:17"), ("button", "situation:pupil"),
            ("button", "certificate:msa"), ("button", "german:good"), ("button", "languages:none"), ("text", "44623"),
        ]  # fmt: skip
        for kind, value in script:
            uid += 1
            updates.append(message(uid, user, value) if kind == "text" else button(uid, user, value))
    return updates


def echo_traffic(count: int) -> list[dict[str, Any]]:
    return [message(n, 20_000 + n % USERS, f"hello {n}") for n in range(1, count + 1)]


async def rate(app: AnyApplication, raw: list[dict[str, Any]]) -> float:
    """Updates/s from the Bot API's JSON to the last reply, handled as the bot's poller does (``bot/intake.py``)."""
    start = time.perf_counter()
    await asyncio.gather(*(process(app, Update.de_json(update, app.bot)) for update in raw))
    return len(raw) / (time.perf_counter() - start)


def echo_application(concurrent_updates: int) -> AnyApplication:
    """PTB's own echo bot, with as many updates at once as the dialog bot is allowed."""
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

    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def dialog_application(url: str, data_dir: Path, stack: contextlib.AsyncExitStack) -> AnyApplication:
    await upgrade(url)
    settings = Settings(telegram_bot_token=TOKEN, database_url=url, data_dir=data_dir)  # type: ignore[arg-type]
    runtime = await open_runtime(settings, migrate=False)
    stack.push_async_callback(runtime.close)
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
            for round_ in range(ROUNDS):  # interleaved, so a noisy moment hits both sides alike
                echo_rates.append(await rate(echo, echo_traffic(count)))
                for name, app in dialogs.items():
                    dialog_rates[name].append(await rate(app, dialog_traffic(round_)))
        echo_median = statistics.median(echo_rates)
        print(f"bare PTB echo handler: {echo_median:,.0f} updates/s (median of {ROUNDS} rounds of {count})")
        for name, rates in dialog_rates.items():
            ours = statistics.median(rates)
            spread = ", ".join(f"{r / e:.0%}" for r, e in zip(rates, echo_rates, strict=True))
            print(
                f"dialog steps on {name}: {ours:,.0f} updates/s = {ours / echo_median:.0%} of the echo handler"
                f" (target >= 50%; rounds: {spread})"
            )


if __name__ == "__main__":
    asyncio.run(main())
