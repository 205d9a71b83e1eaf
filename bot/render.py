"""Dialog replies as Telegram keyboards."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from dialogs.i18n import N_, translator
from dialogs.model import Reply

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
