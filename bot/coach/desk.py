"""The coach desk in the coaches' Telegram forum groups (one per operator, ``bot/coach/routing.py``): puts
together each group's topics, card, relay, notices, jobs and outbox sender, registers their handlers, and
answers the coaches' card buttons (take, close, reopen, hand over to another operator) and commands
(``/queue``, ``/languages``, ``/report``), each group about its own people. Everything written into a group
is in ``COACH_LANGUAGE`` and goes through the group's outbox (``bot/coach/outbox.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.chat.service import DialogService
from bot.coach.card import Card
from bot.coach.jobs import CoachJobs
from bot.coach.members import CoachMembers
from bot.coach.notices import Notices
from bot.coach.outbox import Priority
from bot.coach.relay import Relay
from bot.coach.routing import CoachGroup, CoachRouting, coach_routing
from bot.coach.sender import Deliver, GroupBudget, GroupSender
from bot.coach.topics import Topics, display_name
from bot.config import Settings
from bot.models import CoachOutbox, Handoff, utcnow
from bot.places.store import PlacesStore
from bot.report.chart import render_png
from bot.report.funnel import build_funnel, funnel_summary
from bot.report.query import build_report
from bot.report.render import summary_text
from bot.telegram.render import split_lines
from dialogs import callbacks
from dialogs.callbacks import CoachClose, CoachHandOver, CoachReopen, CoachTake
from dialogs.i18n import LANGUAGES, N_, Translator, translator
from dialogs.questions import LANGUAGE_CHOICES
from knowledge.gazetteer import default_gazetteer

log = logging.getLogger(__name__)

#: Codes a coach may name in ``/languages``: the bot's languages and those the dialog asks about.
LANGUAGE_CODES = frozenset({*LANGUAGES, *(c.value for c in LANGUAGE_CHOICES if c.raw)})
#: Callback data of the card buttons: the namespaces of the coach kinds (``co:``).
_CARD_NAMESPACES = sorted({kind.PREFIX.split(callbacks.SEP)[0] for kind in callbacks.COACH_KINDS})
CARD_BUTTONS = "^(?:{}){}".format("|".join(map(re.escape, _CARD_NAMESPACES)), callbacks.SEP)
CoachButton = CoachTake | CoachClose | CoachReopen | CoachHandOver
#: The hand-off states in which each button still makes sense.
ALLOWED_FROM: dict[type[CoachButton], tuple[str, ...]] = {
    CoachTake: ("open",),
    CoachClose: ("open", "taken"),
    CoachReopen: ("closed",),
    CoachHandOver: ("open", "taken"),
}
#: How long stopping waits for a sender to finish the message it is sending.
STOP_GRACE_SECONDS = 5.0
#: Telegram's limit for a photo caption.
MAX_CAPTION = 1024


class GroupDesk:
    """One coach group's parts: its topics, cards, relay, notices, jobs and outbox sender."""

    def __init__(
        self,
        group: CoachGroup,
        settings: Settings,
        dialogs: DialogService,
        places: PlacesStore,
        routing: CoachRouting,
        t: Translator,
    ) -> None:
        chat_id = group.chat_id
        self.group = group
        self.store = dialogs.handoffs
        self.topics = Topics(chat_id, self.store, t)
        others = [g for g in routing.groups if g.chat_id != chat_id and g.town] if group.town else []
        self.card = Card(chat_id, dialogs, places, self.topics, t, others)
        self.notices = Notices(chat_id, dialogs, t)
        self.relay = Relay(chat_id, settings, self.store, self.topics, self.card, self.notices, routing, t)
        #: The fallback group also has the requests from before coach groups existed.
        self.members: list[int | None] = [chat_id, None] if group == routing.fallback else [chat_id]
        self.jobs = CoachJobs(chat_id, self.members, settings, self.store, self.relay, t)
        self.kinds: dict[str, Deliver] = {
            "card": self._card,
            "relay": lambda bot, row: self.relay.to_coach(bot, int(row.payload["relay_id"])),
            "history": lambda bot, row: self.relay.history(bot, int(row.payload["relay_id"])),
            "text": self._text,
            "copy": self._copy,
        }
        self.sender = GroupSender(chat_id, self.store.outbox, engine_of(dialogs.sessions), self.kinds)

    @property
    def chat_id(self) -> int:
        return self.group.chat_id

    async def _card(self, bot: Bot, row: CoachOutbox) -> int | None:
        handoff = await self.store.get(row.handoff_id) if row.handoff_id is not None else None
        if handoff is None or handoff.status == "closed" or handoff.coach_chat_id not in self.members:
            return None  # closed or handed over meanwhile: its card belongs elsewhere
        return await self.card.post(bot, handoff)

    async def _text(self, bot: Bot, row: CoachOutbox) -> int:
        """A ready text (``text``; ``thread_id``, ``parse_mode``, ``reply_markup`` as the Bot API has them)."""
        payload = row.payload
        markup = payload.get("reply_markup")
        sent = await bot.send_message(
            self.chat_id, payload["text"], message_thread_id=payload.get("thread_id"),
            parse_mode=payload.get("parse_mode"),
            reply_markup=InlineKeyboardMarkup.de_json(markup, bot) if markup else None,
        )  # fmt: skip
        return sent.message_id

    async def _copy(self, bot: Bot, row: CoachOutbox) -> int:
        """A message copied into a topic (``from_chat_id``, ``message_id``, ``thread_id``): a company's answer."""
        payload = row.payload
        copied = await bot.copy_message(
            self.chat_id, int(payload["from_chat_id"]), int(payload["message_id"]),
            message_thread_id=payload.get("thread_id"),
        )  # fmt: skip
        return copied.message_id

    async def queue_missing(self) -> None:
        """Cards for the group's open requests that have none and none queued (see ``without_card``), and
        the young people's messages a version before the outbox left unsent."""
        for handoff in await self.store.without_card(self.members):
            await self.store.queue_card(handoff, self.chat_id)
        await self.store.queue_unsent_relays(self.members, self.chat_id)

    async def answer(self, text: str, thread_id: int | None) -> None:
        """An answer to a coach's command: first in the group's outbox."""
        await self.store.outbox.enqueue(
            self.chat_id, "text", {"text": text, "thread_id": thread_id}, Priority.ANSWER
        )


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine the sessions run on (the senders hold their PostgreSQL locks on its connections)."""
    bind = sessions.kw["bind"]
    assert isinstance(bind, AsyncEngine)
    return bind


class CoachDesk:
    def __init__(
        self,
        settings: Settings,
        dialogs: DialogService,
        places: PlacesStore,
        routing: CoachRouting | None = None,
    ) -> None:
        routing = routing or dialogs.coach.routing or coach_routing(settings, default_gazetteer())
        assert routing is not None, "a coach desk needs COACH_CHAT_ID or COACH_GROUPS"
        self.routing = routing
        self.dialogs = dialogs
        #: The occupation catalogue, for ``/report``.
        self.catalogue = places.catalogue
        self.store = dialogs.handoffs
        self.t = translator(settings.coach_language)
        #: Who may press the card buttons (shared with the companies' verification cards).
        self.coaches = CoachMembers(float(settings.coach_membership_cache_seconds))
        self.groups = {
            group.chat_id: GroupDesk(group, settings, dialogs, places, routing, self.t)
            for group in routing.groups
        }
        self.budgets = {
            chat_id: GroupBudget(settings.coach_group_rate, settings.coach_group_rate_seconds)
            for chat_id in self.groups
        }
        self._stop = asyncio.Event()
        self._senders: list[asyncio.Task[None]] = []

    @property
    def chat_ids(self) -> list[int]:
        return list(self.groups)

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        groups = filters.Chat(self.chat_ids)
        app.add_handler(CallbackQueryHandler(self.on_card_button, pattern=CARD_BUTTONS))
        app.add_handler(CommandHandler("queue", self.on_queue, filters=groups))
        app.add_handler(CommandHandler("languages", self.on_languages, filters=groups))
        app.add_handler(CommandHandler("report", self.on_report, filters=groups))
        app.add_handler(
            MessageHandler(
                groups
                & filters.UpdateType.MESSAGE
                & filters.IS_TOPIC_MESSAGE
                & ~filters.COMMAND
                & ~filters.StatusUpdate.ALL,
                self.on_topic_message,
            )
        )
        if app.job_queue is not None:
            for position, desk in enumerate(self.groups.values()):
                desk.jobs.schedule(app.job_queue, retry_relays=position == 0)

    # ------------------------------------------------------------ the senders

    def start(self, bot: Bot) -> None:
        """Start one outbox sender per group (first counting what was sent just before a restart, and
        queueing cards that went missing)."""
        self._stop.clear()
        for desk in self.groups.values():

            async def first(desk: GroupDesk = desk) -> None:
                budget = self.budgets[desk.chat_id]
                now = utcnow()
                sent = await self.store.outbox.sent_since(
                    desk.chat_id, now - dt.timedelta(seconds=budget.period)
                )
                # plus the one message that may have been on its way when the last process ended: its
                # sender sends one at a time, and a row on its way is not marked sent yet
                budget.seed([0.0, *((now - moment).total_seconds() for moment in sent)])
                await desk.queue_missing()

            self._senders.append(
                asyncio.create_task(
                    desk.sender.run(bot, self._stop, first=first), name=f"coach-sender{desk.chat_id}"
                )
            )

    async def stop(self) -> None:
        """Let the senders finish the message they are sending (a few seconds at most), then end them."""
        self._stop.set()
        if self._senders:
            _, late = await asyncio.wait(self._senders, timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*self._senders, return_exceptions=True)
        self._senders.clear()

    # ------------------------------------------------------------ what the private chat hands over

    def group_of(self, handoff: Handoff) -> GroupDesk:
        return self.groups[self.routing.of_handoff(handoff.coach_chat_id).chat_id]

    async def relay_from_user(self, handoff_id: int, message: Message) -> None:
        """Queue the young person's message for their group (the card was queued with the hand-off)."""
        handoff = await self.store.get(handoff_id)
        if handoff is not None:
            await self.group_of(handoff).relay.from_user(handoff_id, message)

    async def data_deleted(self, chat_id: int, thread_id: int) -> None:
        desk = self.groups.get(chat_id)
        if desk is not None:
            await desk.notices.data_deleted(chat_id, thread_id)

    async def on_topic_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is not None and chat.id in self.groups:
            await self.groups[chat.id].relay.from_coach(update, context)

    # ------------------------------------------------------------ card buttons

    async def _acted_on(self, desk: GroupDesk, button: callbacks.Callback | None) -> Handoff | None:
        """The hand-off a card button acts on, when the button still fits the hand-off's state and group."""
        if not isinstance(button, CoachButton):
            return None
        handoff = await self.store.get(button.handoff_id)
        if handoff is None or handoff.coach_chat_id not in desk.members:
            return None
        return handoff if handoff.status in ALLOWED_FROM[type(button)] else None

    async def on_card_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        coach, bot = query.from_user, context.bot
        desk = self.groups.get(query.message.chat.id) if query.message is not None else None
        if desk is None or not await self.coaches.is_coach(bot, desk.chat_id, coach.id):
            await query.answer(self.t.gettext(N_("Only for coaches.")), show_alert=True)
            return
        button = callbacks.unpack(query.data or "")
        handoff = await self._acted_on(desk, button)
        target = self.routing.by_index(button.group_index) if isinstance(button, CoachHandOver) else None
        if handoff is None or (
            isinstance(button, CoachHandOver) and (target is None or target.chat_id == desk.chat_id)
        ):
            refusal = self.t.gettext(N_("This action no longer fits the state of the request."))
            await query.answer(refusal, show_alert=True)
            return
        await query.answer()
        if isinstance(button, CoachHandOver):
            assert target is not None
            await self._hand_over(bot, desk, handoff, target)
            return
        if isinstance(button, CoachTake):
            updated = await self.store.set_status(handoff.id, "taken", coach.id, coach.first_name)
            await desk.notices.tell_user(
                bot, handoff, N_("👋 Coach {name} is taking care of you now."), name=coach.first_name
            )
        elif isinstance(button, CoachClose):
            updated = await self.store.set_status(handoff.id, "closed")
            await desk.notices.ask_rating(bot, handoff)
            with contextlib.suppress(TelegramError):
                await bot.close_forum_topic(desk.chat_id, await desk.topics.thread_of(bot, handoff))
        else:
            updated = await self.store.set_status(handoff.id, "open")
            await desk.topics.thread_of(bot, handoff, reopen=True)
        if updated is not None:
            await desk.card.refresh(bot, updated)

    async def _hand_over(self, bot: Bot, desk: GroupDesk, handoff: Handoff, target: CoachGroup) -> None:
        """Move the person to another operator's group: the card and the conversation so far are queued
        there, this group's card loses its buttons and its topic says where the person went, and the
        person is told who takes over."""
        if not await self.store.hand_over(handoff.id, desk.members, target.chat_id):
            return
        if handoff.card_message_id is not None:
            with contextlib.suppress(TelegramError):
                await bot.edit_message_reply_markup(desk.chat_id, handoff.card_message_id, reply_markup=None)
        topic = await self.store.topic(handoff.user_id)
        moved = self.t.gettext(
            N_("➡️ Handed over to the coaches in {town}."), town=self.t.keep_ltr(target.town)
        )
        await desk.notices.into_topic(
            moved, topic.thread_id if topic and topic.chat_id == desk.chat_id else None
        )
        _, t = await desk.notices.person(handoff.user_id)
        text = t.gettext(
            N_("🔁 The coaches in {town} take over your conversation. Just write here as before."),
            town=t.keep_ltr(target.town),
        )
        contact = target.contact_texts.get(t.lang)
        if contact:
            text += "\n\n" + t.gettext(N_("Your coaches: {contact}"), contact=contact)
        try:
            await bot.send_message(handoff.user_id, text)
        except Forbidden:
            await desk.notices.user_blocked(bot, handoff)
        except TelegramError as error:
            log.warning("hand-over of %s not told: %s", handoff.id, type(error).__name__)

    # ------------------------------------------------------------ commands

    async def on_queue(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/queue``: who waits, oldest first, since when, in which language, taken by whom."""
        message = update.effective_message
        assert message is not None
        desk = self.groups[message.chat.id]
        t = self.t
        waiting = await self.store.queue(desk.members)
        now = utcnow()
        lines = [t.gettext(N_("📋 Open requests: {n}"), n=len(waiting))]
        backlog = await self.store.outbox.backlog(desk.chat_id)
        if backlog.oldest is not None:
            minutes = int((now - backlog.oldest).total_seconds() // 60)
            lines.append(
                t.ngettext(
                    "📤 {n} message is still waiting to be posted here (Telegram's limit), the oldest for {duration}.",
                    "📤 {n} messages are still waiting to be posted here (Telegram's limit), the oldest for {duration}.",
                    backlog.pending,
                    duration=waiting_time(t, minutes),
                )
            )
        for position, handoff in enumerate(waiting, start=1):
            state = await self.dialogs.state(handoff.user_id)
            minutes = int((now - handoff.created_at).total_seconds() // 60)
            params = {
                "position": position,
                "name": t.keep_ltr(display_name(handoff, t)),
                "duration": waiting_time(t, minutes),
                "language": state.lang if state else "?",
            }
            if handoff.status == "taken":
                line = t.gettext(
                    N_("{position}. {name} – waiting for {duration}, language {language}, taken by {coach}"),
                    coach=t.keep_ltr(handoff.coach_name or ""), **params,
                )  # fmt: skip
            else:
                line = t.gettext(
                    N_("{position}. {name} – waiting for {duration}, language {language}"), **params
                )
            lines.append(line)
        for text in split_lines(lines):  # a long queue in several messages, each within Telegram's limit
            await desk.answer(text, message.message_thread_id)

    async def on_languages(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/languages tr ar``: the languages this coach speaks, shown on the cards of people who do."""
        message = update.effective_message
        user = update.effective_user
        assert message is not None and user is not None
        codes = [c.lower() for c in (context.args or [])]
        unknown = [c for c in codes if c not in LANGUAGE_CODES]
        if not codes or unknown:
            text = self.t.gettext(
                N_("How to: /languages tr ar (language codes: {codes})"),
                codes=self.t.join(sorted(LANGUAGE_CODES)),
            )
        else:
            await self.store.set_languages(user.id, user.first_name, codes)
            text = self.t.gettext(
                N_("Saved: {name} speaks {languages}."),
                name=self.t.keep_ltr(user.first_name),
                languages=self.t.join(codes),
            )
        await self.groups[message.chat.id].answer(text, message.message_thread_id)

    async def on_report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/report [city]``: the market chart and a short summary, into the thread it was asked in; without
        a city, a town's group gets its town. The chart is sent at once (a file is not kept in the outbox);
        it waits for the group's budget like every message into the group."""
        message = update.effective_message
        assert message is not None
        desk = self.groups[message.chat.id]
        city = " ".join(context.args or []) or desk.group.town or None
        if city == "funnel":  # ``/report funnel``: how far people got, per source (bot/report/funnel.py)
            funnel = await build_funnel(self.dialogs.sessions)
            await context.bot.send_message(
                desk.chat_id, funnel_summary(funnel), message_thread_id=message.message_thread_id
            )
            return
        report = await build_report(self.dialogs.sessions, self.catalogue, city=city)
        with tempfile.TemporaryDirectory() as tmp:
            chart = Path(tmp) / "report.png"
            await asyncio.to_thread(render_png, report, chart)
            await context.bot.send_photo(
                desk.chat_id, chart.read_bytes(), caption=summary_text(report)[:MAX_CAPTION],
                message_thread_id=message.message_thread_id,
            )  # fmt: skip


def waiting_time(t: Translator, minutes: int) -> str:
    """How long a request has waited: minutes, then hours and minutes, from two days on days."""
    if minutes < 60:
        return t.gettext(N_("{minutes} min"), minutes=minutes)
    if minutes < 48 * 60:
        return t.gettext(N_("{hours} h {minutes} min"), hours=minutes // 60, minutes=minutes % 60)
    return t.ngettext("{n} day", "{n} days", minutes // (24 * 60))
