"""The forum topic of each young person in the coach group: found, reopened, or created when missing.

Every call to Telegram spends the group's budget of ~20 messages per minute, so nothing is called when
not needed.
"""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.coach.store import HandoffStore
from bot.models import Handoff
from dialogs.i18n import N_, Translator

#: Name of a young person who did not give Telegram a first name.
YOUNG_PERSON = N_("Young person")
#: Telegram's limit for a topic name.
MAX_NAME = 128


def thread_gone(error: BadRequest) -> bool:
    """Whether Telegram refused because the topic was deleted."""
    text = str(error).lower()
    return "thread not found" in text or "topic_deleted" in text or "topic deleted" in text


def display_name(handoff: Handoff, t: Translator) -> str:
    """The young person's first name, or a neutral word when Telegram gave none."""
    return handoff.first_name or t.gettext(YOUNG_PERSON)


class Topics:
    def __init__(self, chat_id: int, store: HandoffStore, t: Translator) -> None:
        self.chat_id = chat_id
        self.store = store
        self.t = t

    async def thread_of(self, bot: Bot, handoff: Handoff, reopen: bool = False) -> int:
        """The person's topic (created when missing); ``reopen`` after it was closed."""
        topic = await self.store.topic(handoff.user_id)
        if topic is None or topic.chat_id != self.chat_id:
            return await self.create(bot, handoff)
        if reopen:
            try:
                await bot.reopen_forum_topic(self.chat_id, topic.thread_id)
            except BadRequest as error:
                if thread_gone(error):
                    return await self.create(bot, handoff)
            except TelegramError:
                pass  # already open, or no right to reopen: posting still works
        return topic.thread_id

    async def create(self, bot: Bot, handoff: Handoff) -> int:
        """A new topic for the person, remembered in place of any earlier one."""
        name = f"{display_name(handoff, self.t)} · #{handoff.user_id % 100000:05d}"[:MAX_NAME]
        topic = await bot.create_forum_topic(self.chat_id, name)
        await self.store.set_topic(handoff.user_id, self.chat_id, topic.message_thread_id)
        return topic.message_thread_id
