"""The two-way relay between a young person's private chat and their topic in the coach group.

Every relayed message is first stored in ``relay_messages`` as ``pending`` (a message Telegram delivers
again finds its row), then sent: it ends ``sent``; ``blocked`` when the person blocked the bot; ``failed``
when Telegram refuses it or network errors persist.

A young person's message is queued in the coach group's outbox in the same transaction as its row and
sent by the group's sender (``bot/coach/sender.py``), within the group's budget; a deleted topic is created
anew, with the card. A coach's message goes to the young person at once (no group limit applies): 429s and
network errors leave it ``pending`` with a retry time, for the retry job (``bot/coach/jobs.py``).
"""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ContextTypes

from bot.coach.card import Card
from bot.coach.notices import Notices
from bot.coach.outbox import Priority
from bot.coach.routing import CoachRouting
from bot.coach.store import HandoffStore
from bot.coach.topics import Topics, thread_gone
from bot.config import Settings
from bot.models import RelayState, utcnow
from bot.telegram.render import telegram_length
from bot.telegram.request import retry_seconds
from dialogs.i18n import N_, Translator

log = logging.getLogger(__name__)


class Relay:
    def __init__(
        self,
        chat_id: int,
        settings: Settings,
        store: HandoffStore,
        topics: Topics,
        card: Card,
        notices: Notices,
        routing: CoachRouting,
        t: Translator,
    ) -> None:
        self.chat_id = chat_id
        self.routing = routing
        self.max_attempts = settings.relay_max_attempts
        self.max_backoff = float(settings.relay_max_backoff_seconds)
        self.store = store
        self.topics = topics
        self.card = card
        self.notices = notices
        self.t = t

    async def from_coach(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A coach wrote in a person's topic: relay it; the first answer takes over an open request."""
        message = update.effective_message
        coach = update.effective_user
        if message is None or coach is None or coach.is_bot or message.message_thread_id is None:
            return
        user_id = await self.store.user_of_topic(self.chat_id, message.message_thread_id)
        if user_id is None:
            return
        handoff = await self.store.active(user_id)
        if handoff is not None and self.routing.of_handoff(handoff.coach_chat_id).chat_id != self.chat_id:
            handoff = None  # handed over to another group: its coaches answer now
        if handoff is None:
            text = self.t.gettext(
                N_("No open request: the message was not passed on. To write again, first tap “Reopen”.")
            )
            payload = {"text": text, "thread_id": message.message_thread_id}
            await self.store.outbox.enqueue(self.chat_id, "text", payload, Priority.ANSWER)
            return
        if handoff.status == "open":
            handoff = await self.store.set_status(handoff.id, "taken", coach.id, coach.first_name) or handoff
            await self.card.refresh(context.bot, handoff)
        relay_id = await self.store.add_relay(
            handoff.id,
            "to_user",
            message.chat.id,
            message.message_id,
            body=message.text or "",
            sender=coach.first_name,
        )
        await self.deliver(context.bot, relay_id)

    async def from_user(self, handoff_id: int, message: Message) -> None:
        """The young person wrote during their hand-off: queue it for their topic (no Telegram call)."""
        await self.store.add_relay_to_coach(handoff_id, self.chat_id, message.chat.id, message.message_id)

    async def to_coach(self, bot: Bot, relay_id: int, retry_topic: bool = True) -> int | None:
        """The group's sender copies a young person's message into their topic. Telegram's errors reach the
        sender, except a deleted topic: created anew, with the card, and the message copied there."""
        row = await self.store.relay(relay_id)
        handoff = await self.store.get(row.handoff_id) if row is not None else None
        if row is None or handoff is None or row.state != "pending":
            return None
        thread = await self.topics.thread_of(bot, handoff)
        try:
            copied = await bot.copy_message(
                self.chat_id, row.from_chat_id, row.from_message_id, message_thread_id=thread
            )
        except BadRequest as error:
            if not (retry_topic and thread_gone(error)):
                await self.store.relay_result(relay_id, "failed")
                raise
            await self.topics.create(bot, handoff)
            await self.card.post(bot, handoff)
            return await self.to_coach(bot, relay_id, retry_topic=False)
        await self.store.relay_result(relay_id, "sent", copied.message_id)
        return copied.message_id

    async def history(self, bot: Bot, relay_id: int) -> int | None:
        """After a hand-over: one message of the conversation so far, again, in the new group's topic."""
        row = await self.store.relay(relay_id)
        handoff = await self.store.get(row.handoff_id) if row is not None else None
        if row is None or handoff is None:
            return None
        thread = await self.topics.thread_of(bot, handoff)
        if row.direction == "to_user" and row.body:
            header = self.t.gettext(N_("💬 Coach {name}:"), name=self.t.keep_ltr(row.sender_name))
            return await send_with_header(bot, self.chat_id, header, row.body, thread)
        copied = await bot.copy_message(
            self.chat_id, row.from_chat_id, row.from_message_id, message_thread_id=thread
        )
        return copied.message_id

    async def deliver_pending(self, bot: Bot) -> None:
        """Send every coach's message to a young person whose retry time has come."""
        for relay_id in await self.store.pending_relays(utcnow()):
            await self.deliver(bot, relay_id)

    async def deliver(self, bot: Bot, relay_id: int) -> None:
        """Send one stored coach's message to the young person; on failure keep it pending with a retry
        time, or give up clearly."""
        row = await self.store.relay(relay_id)
        if row is None or row.state != "pending" or row.direction != "to_user":
            return
        handoff = await self.store.get(row.handoff_id)
        if handoff is None:
            return
        try:
            _, t = await self.notices.person(handoff.user_id)
            header = t.gettext(N_("💬 Your coach {name}:"), name=t.keep_ltr(row.sender_name))
            if row.body:
                sent_id = await send_with_header(bot, handoff.user_id, header, row.body)
            else:
                await bot.send_message(handoff.user_id, header)
                copied = await bot.copy_message(handoff.user_id, row.from_chat_id, row.from_message_id)
                sent_id = copied.message_id
            await self.store.relay_result(relay_id, "sent", sent_id)
        except RetryAfter as error:
            await self.store.relay_result(relay_id, "pending", retry_in=retry_seconds(error))
        except Forbidden:
            await self.store.relay_result(relay_id, "blocked")
            await self.notices.user_blocked(bot, handoff)
        except BadRequest as error:
            log.warning("relay %s refused: %s", relay_id, type(error).__name__)
            await self.store.relay_result(relay_id, "failed")
        except NetworkError as error:  # timeouts, 5xx, connection problems: try again later
            attempt = row.attempts + 1
            outcome: RelayState = "failed" if attempt >= self.max_attempts else "pending"
            log.info("relay %s: %s, %s", relay_id, type(error).__name__, outcome)
            await self.store.relay_result(relay_id, outcome, retry_in=min(self.max_backoff, 2.0**attempt))


async def send_with_header(bot: Bot, chat_id: int, header: str, body: str, thread: int | None = None) -> int:
    """``header`` and a relayed ``body`` in one message, or in two when together they would be longer than
    Telegram allows (a coach's message may use the whole limit itself); returns the body's message id."""
    text = f"{header}\n{body}"
    if telegram_length(text) > MessageLimit.MAX_TEXT_LENGTH:
        await bot.send_message(chat_id, header, message_thread_id=thread)
        text = body
    return (await bot.send_message(chat_id, text, message_thread_id=thread)).message_id
