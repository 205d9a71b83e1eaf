"""Updates per second of full dialog steps through PTB, against a bare PTB echo handler, in one run.

Both applications get the same kind of traffic through ``Application.process_update`` with the network
stubbed (a ``BaseRequest`` that answers every Bot API call at once). The dialog side runs the real bot
(handlers, dialog service, engine, database: SQLite, and PostgreSQL when ``BENCH_DATABASE_URL`` is set).
Prints updates/s of both and the ratio (target >= 50%).
Run: ``.venv/bin/python bench/dialog.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.database import upgrade
from bot.runtime import open_runtime
from bot.telegram_app import build_application

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwx"
USERS = 150
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


def dialog_traffic() -> list[dict[str, Any]]:
    """Each user answers the first steps of the dialog: text, consent, three choices, a location."""
    updates, uid = [], 0
    for user in range(1, USERS + 1):
        script: list[tuple[str, str]] = [
            ("text", "/start"), ("text", "17"), ("button", "consent:yes:17"), ("button", "situation:pupil"),
            ("button", "certificate:msa"), ("button", "german:good"), ("button", "languages:none"), ("text", "44623"),
        ]  # fmt: skip
        for kind, value in script:
            uid += 1
            updates.append(
                message(uid, 10_000 + user, value) if kind == "text" else button(uid, 10_000 + user, value)
            )
    return updates


async def run(app: Application[Any, Any, Any, Any, Any, Any], raw: list[dict[str, Any]]) -> float:
    """Updates/s from the Bot API's JSON to the last reply, the way the Updater feeds a running app."""
    await app.start()
    start = time.perf_counter()
    for update in raw:
        app.update_queue.put_nowait(Update.de_json(update, app.bot))
    await app.update_queue.join()
    rate = len(raw) / (time.perf_counter() - start)
    await app.stop()
    return rate


async def echo_rate(count: int) -> float:
    app = Application.builder().token(TOKEN).request(StubRequest()).get_updates_request(StubRequest()).build()

    async def echo(update: Update, _context: Any) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        return await run(app, [message(n, 20_000 + n % USERS, f"hello {n}") for n in range(1, count + 1)])


async def dialog_rate(url: str, data_dir: Path) -> float:
    await upgrade(url)
    settings = Settings(telegram_bot_token=TOKEN, database_url=url, data_dir=data_dir)  # type: ignore[arg-type]
    runtime = await open_runtime(settings, migrate=False)
    app = build_application(settings, runtime, request=StubRequest())
    try:
        async with app:
            return await run(app, dialog_traffic())
    finally:
        await runtime.close()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        databases = {"SQLite": f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"}
        if os.environ.get("BENCH_DATABASE_URL"):
            databases["PostgreSQL"] = os.environ["BENCH_DATABASE_URL"]
        count = len(dialog_traffic())
        echo = await echo_rate(count)
        print(f"bare PTB echo handler: {echo:,.0f} updates/s ({count} updates)")
        for name, url in databases.items():
            ours = await dialog_rate(url, Path(tmp))
            print(
                f"dialog steps on {name}: {ours:,.0f} updates/s = {ours / echo:.0%} of the echo handler (target >= 50%)"
            )


if __name__ == "__main__":
    asyncio.run(main())
