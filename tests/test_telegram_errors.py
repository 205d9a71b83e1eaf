"""A failed update is answered in the language the person chose, not the one of their Telegram app."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Chat, Message, Update, User

from bot.runtime import Runtime
from bot.telegram.app import TelegramBot
from dialogs.i18n import translator
from tests.driver import ServiceChat

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


class Bot:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        self.sent.append((chat_id, text))


def failed_update(user_id: int, app_language: str) -> Update:
    user = User(user_id, "Lea", is_bot=False, language_code=app_language)
    chat = Chat(user_id, Chat.PRIVATE)
    message = Message(1, dt.datetime.now(dt.UTC), chat, from_user=user, text="hallo")
    return Update(5, message=message)


async def on_error(runtime: Runtime, update: Update) -> list[tuple[int, str]]:
    bot = Bot()
    context = SimpleNamespace(error=RuntimeError("boom"), bot=bot)
    await TelegramBot(runtime).on_error(update, context)  # type: ignore[arg-type]
    return bot.sent


async def test_the_apology_is_in_the_chosen_language(runtime: Runtime) -> None:
    chat = ServiceChat(runtime.dialogs, 640)
    await chat.send("/start")
    await chat.send("17")
    await chat.tap("Yes")
    await chat.send("/language")
    await chat.tap("Türkçe")
    state = await runtime.dialogs.state(640)
    assert state is not None and state.lang == "tr"
    sent = await on_error(runtime, failed_update(640, app_language="de"))
    assert sent == [(640, translator("tr").gettext(SORRY))]
    assert translator("tr").gettext(SORRY) != translator("de").gettext(SORRY)


async def test_without_a_readable_state_the_app_language_is_used(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(user_id: int) -> None:
        raise ConnectionError("database gone")

    monkeypatch.setattr(runtime.dialogs, "state", broken)
    sent = await on_error(runtime, failed_update(641, app_language="uk"))
    assert sent == [(641, translator("uk").gettext(SORRY))]
