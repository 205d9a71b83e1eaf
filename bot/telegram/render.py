"""Dialog replies as Telegram keyboards."""

from __future__ import annotations

import json
from functools import lru_cache

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit

from dialogs.i18n import N_, translator
from dialogs.model import Button, Reply

MAX_CALLBACK_BYTES = 64


def keyboard(
    reply: Reply, lang: str
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if reply.buttons:
        rows = []
        for row in reply.buttons:
            for button in row:
                if len(button.data.encode()) > MAX_CALLBACK_BYTES:
                    raise ValueError(f"callback data too long: {button.data!r}")
            rows.append([InlineKeyboardButton(b.label, callback_data=b.data) for b in row])
        return InlineKeyboardMarkup(rows)
    if reply.ask_location:
        label = translator(lang).gettext(N_("📍 Share my location"))
        return ReplyKeyboardMarkup(
            [[KeyboardButton(label, request_location=True)]], resize_keyboard=True, one_time_keyboard=True
        )
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


def markup_json(reply: Reply, lang: str) -> str | None:
    """The reply's keyboard as the Bot API's JSON text, built once per distinct keyboard and language.

    Steps show the same keyboards again and again; building and serialising PTB's objects for every
    message cost about as much as the rest of a dialog step (``bench/dialog.py``).
    """
    return _markup_json(reply.buttons, reply.ask_location, reply.remove_keyboard, lang)


@lru_cache(maxsize=4096)
def _markup_json(
    buttons: tuple[tuple[Button, ...], ...], ask_location: bool, remove_keyboard: bool, lang: str
) -> str | None:
    markup = keyboard(Reply("", buttons, ask_location, remove_keyboard=remove_keyboard), lang)
    return None if markup is None else json.dumps(markup.to_dict())


def telegram_length(text: str) -> int:
    """A text's length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_lines(lines: list[str], limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Lines joined into as few messages as Telegram's length limit allows (a list of many people)."""
    messages: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if current and telegram_length(candidate) > limit:
            messages.append(current)
            candidate = line
        current = candidate
    return [*messages, current] if current else messages
