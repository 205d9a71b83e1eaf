"""Helpers of the end-to-end tests: the real bot process (`ausbildungsbot run`) and a phone user's moves
against the fake Telegram Bot API (``tests/fakebotapi.py``); the fixtures are in ``tests/conftest.py``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fakebotapi import FakeTelegram

USER = 5001
COACH_CHAT = -1001234567890
COACH = 9001


class BotProcess:
    """``python -m bot.cli run`` as a child process, with its output kept for failure messages."""

    def __init__(self, tg: FakeTelegram, db_url: str, tmp: Path, **env: str) -> None:
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_API_BASE_URL": tg.base_url,
            "DATABASE_URL": db_url,
            "DATA_DIR": str(tmp / "data"),
            "LOG_LEVEL": "INFO",
            "COACH_HOURS": "",
            **env,
        }
        self.log = tmp / f"bot-{id(self)}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.served = ""

    def start(self, *args: str) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", *args], env=self.env, stdout=out, stderr=out
            )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    async def stop(self) -> None:
        """SIGTERM, while the fake Bot API goes on answering the bot's last calls."""
        self.served = self.output()  # what happened while serving, before the shutdown
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.proc.wait, 15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("the bot did not stop within 15 s after SIGTERM") from None
        self.proc = None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


async def started(tg: FakeTelegram, bot: BotProcess, *args: str) -> None:
    mark = tg.mark()
    bot.start(*args)
    try:
        await tg.wait_for_call("getUpdates", after=mark, timeout=30)
    except AssertionError:
        raise AssertionError(bot.output()[-3000:]) from None


async def polled_again(tg: FakeTelegram) -> None:
    """Until the bot has polled once more and got its answer (it polls at least every 0.5 s while busy)."""
    await tg.wait_for_call("getUpdates", after=tg.mark(), answered=True)


async def say(tg: FakeTelegram, text: str, expect: str, user: int = USER, **kw: Any) -> dict[str, Any]:
    mark = tg.mark()
    tg.send_text(user, text, **kw)
    return await tg.wait_for_message(user, contains=expect, after=mark)


def button_data(message: dict[str, Any], label: str) -> str:
    """The callback data of the message's first button whose text contains ``label`` (any case)."""
    button = next(
        (
            b
            for row in message["reply_markup"]["inline_keyboard"]
            for b in row
            if label.casefold() in b["text"].casefold()
        ),
        None,
    )
    assert button is not None, (label, message)
    return str(button["callback_data"])


async def tap(
    tg: FakeTelegram, message: dict[str, Any], label: str, expect: str, user: int = USER
) -> dict[str, Any]:
    mark = tg.mark()
    tg.press_button(user, message, data=button_data(message, label))
    return await tg.wait_for_message(user, contains=expect, after=mark)
