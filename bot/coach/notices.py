"""What the desk itself writes, besides relayed messages: to the young person in their own language (a
coach took over, the rating after closing) and notices into their topic in the coach group's language
(the person blocked the bot, deleted their data)."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from bot.chat.service import DialogService
from bot.coach.outbox import Priority
from bot.models import Handoff
from bot.telegram.render import keyboard
from dialogs.callbacks import Rating
from dialogs.i18n import DEFAULT_LANG, N_, Translator, translator
from dialogs.model import State

log = logging.getLogger(__name__)

RATING_REQUEST = N_(
    "Your coach has closed this conversation. How helpful was it? You can ask for a coach again at any time."
)


class Notices:
    def __init__(self, chat_id: int, dialogs: DialogService, t: Translator) -> None:
        self.chat_id = chat_id
        self.dialogs = dialogs
        self.store = dialogs.handoffs
        self.t = t

    async def person(self, user_id: int) -> tuple[State | None, Translator]:
        """The young person's dialog state and their language (the default when nothing is stored)."""
        state = await self.dialogs.state(user_id)
        return state, translator(state.lang if state else DEFAULT_LANG)

    async def tell_user(self, bot: Bot, handoff: Handoff, message: str, **params: str) -> None:
        """Send the person ``message`` (a msgid) in their language."""
        _, t = await self.person(handoff.user_id)
        try:
            isolated = {key: t.keep_ltr(value) for key, value in params.items()}  # names inside Arabic text
            await bot.send_message(handoff.user_id, t.gettext(message, **isolated))
        except Forbidden:
            await self.user_blocked(bot, handoff)
        except TelegramError as error:
            log.warning("could not tell hand-off %s: %s", handoff.id, type(error).__name__)

    async def ask_rating(self, bot: Bot, handoff: Handoff) -> None:
        """After closing: one to five stars, then the person's current question or menu again."""
        state, t = await self.person(handoff.user_id)
        stars = [
            InlineKeyboardButton("⭐" * n, callback_data=Rating(handoff.id, n).pack()) for n in range(1, 6)
        ]
        try:
            await bot.send_message(
                handoff.user_id,
                t.gettext(RATING_REQUEST),
                reply_markup=InlineKeyboardMarkup([stars[:3], stars[3:]]),
            )
            if state is not None:
                menu = self.dialogs.engine.current(state)
                await bot.send_message(handoff.user_id, menu.text, reply_markup=keyboard(menu, state.lang))
        except Forbidden:
            await self.user_blocked(bot, handoff)
        except TelegramError as error:
            log.warning("rating request for hand-off %s failed: %s", handoff.id, type(error).__name__)

    async def user_blocked(self, bot: Bot, handoff: Handoff) -> None:
        """Mark the hand-off and tell the coaches, once."""
        if handoff.user_blocked:
            return
        await self.store.update(handoff.id, user_blocked=True)
        topic = await self.store.topic(handoff.user_id)
        text = self.t.gettext(N_("⚠️ The person has blocked the bot: messages no longer reach them."))
        await self.into_topic(text, topic.thread_id if topic else None, handoff.id)

    async def data_deleted(self, chat_id: int, thread_id: int) -> None:
        """Tell the person's topic (wherever it was) that they deleted their data."""
        text = self.t.gettext(N_("🗑 The person has deleted their data."))
        await self.store.outbox.enqueue(
            chat_id, "text", {"text": text, "thread_id": thread_id}, Priority.RELAY
        )

    async def into_topic(self, text: str, thread_id: int | None, handoff_id: int | None = None) -> None:
        """Queue a notice for the group (into the person's topic when there is one), in its turn."""
        payload = {"text": text, "thread_id": thread_id}
        await self.store.outbox.enqueue(self.chat_id, "text", payload, Priority.RELAY, handoff_id)
