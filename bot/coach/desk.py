"""The coach desk in the coaches' Telegram forum group: puts together topics, card, relay, notices and
jobs, registers their handlers, and answers the coaches' card buttons and commands (``/queue``,
``/languages``, ``/report``). Everything written into the group is in ``COACH_LANGUAGE``."""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Bot, Message, Update
from telegram.error import TelegramError
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
from bot.coach.notices import Notices
from bot.coach.relay import Relay
from bot.coach.store import created_utc
from bot.coach.topics import Topics, display_name
from bot.config import Settings
from bot.models import Handoff, utcnow
from bot.places.store import PlacesStore
from bot.report.chart import render_png
from bot.report.funnel import build_funnel, funnel_summary
from bot.report.query import build_report
from bot.report.render import summary_text
from dialogs import callbacks
from dialogs.callbacks import CoachClose, CoachReopen, CoachTake
from dialogs.i18n import LANGUAGES, N_, Translator, translator
from dialogs.questions import LANGUAGE_CHOICES
from knowledge.catalogue import default_catalogue

MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})
#: Codes a coach may name in ``/languages``: the bot's languages and those the dialog asks about.
LANGUAGE_CODES = frozenset({*LANGUAGES, *(c.value for c in LANGUAGE_CHOICES if c.raw)})
#: Callback data of the card buttons: the namespaces of the coach kinds (``co:``).
_CARD_NAMESPACES = sorted({kind.PREFIX.split(callbacks.SEP)[0] for kind in callbacks.COACH_KINDS})
CARD_BUTTONS = "^(?:{}){}".format("|".join(map(re.escape, _CARD_NAMESPACES)), callbacks.SEP)
CoachButton = CoachTake | CoachClose | CoachReopen
#: The hand-off states in which each button still makes sense.
ALLOWED_FROM: dict[type[CoachButton], tuple[str, ...]] = {
    CoachTake: ("open",),
    CoachClose: ("open", "taken"),
    CoachReopen: ("closed",),
}
#: Telegram's limit for a photo caption.
MAX_CAPTION = 1024


class CoachDesk:
    def __init__(self, settings: Settings, dialogs: DialogService, places: PlacesStore) -> None:
        assert settings.coach_chat_id is not None
        self.chat_id = settings.coach_chat_id
        self.dialogs = dialogs
        self.store = dialogs.handoffs
        self.t = translator(settings.coach_language)
        self.membership_ttl = float(settings.coach_membership_cache_seconds)
        self._members: dict[int, float] = {}
        self.topics = Topics(self.chat_id, self.store, self.t)
        self.card = Card(self.chat_id, dialogs, places, self.topics, self.t)
        self.notices = Notices(self.chat_id, dialogs, self.t)
        self.relay = Relay(self.chat_id, settings, self.store, self.topics, self.card, self.notices, self.t)
        self.jobs = CoachJobs(self.chat_id, settings, self.store, self.relay, self.t)

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        group = filters.Chat(self.chat_id)
        app.add_handler(CallbackQueryHandler(self.on_card_button, pattern=CARD_BUTTONS))
        app.add_handler(CommandHandler("queue", self.on_queue, filters=group))
        app.add_handler(CommandHandler("languages", self.on_languages, filters=group))
        app.add_handler(CommandHandler("report", self.on_report, filters=group))
        app.add_handler(
            MessageHandler(
                group
                & filters.UpdateType.MESSAGE
                & filters.IS_TOPIC_MESSAGE
                & ~filters.COMMAND
                & ~filters.StatusUpdate.ALL,
                self.relay.from_coach,
            )
        )
        if app.job_queue is not None:
            self.jobs.schedule(app.job_queue)

    # ------------------------------------------------------------ what the private chat hands over

    async def alert(self, bot: Bot, handoff_id: int) -> None:
        """Post the summary card of a new hand-off into the young person's topic."""
        handoff = await self.store.get(handoff_id)
        if handoff is not None:
            await self.card.post(bot, handoff)

    async def relay_from_user(self, bot: Bot, handoff_id: int, message: Message) -> None:
        await self.relay.from_user(bot, handoff_id, message)

    async def data_deleted(self, bot: Bot, chat_id: int, thread_id: int) -> None:
        await self.notices.data_deleted(bot, chat_id, thread_id)

    # ------------------------------------------------------------ card buttons

    async def _is_coach(self, bot: Bot, user_id: int) -> bool:
        checked = self._members.get(user_id)
        if checked is not None and time.monotonic() - checked < self.membership_ttl:
            return True
        try:
            member = await bot.get_chat_member(self.chat_id, user_id)
        except TelegramError:
            return False
        if member.status in MEMBER_STATUSES:
            self._members[user_id] = time.monotonic()
            return True
        return False

    async def _acted_on(self, button: callbacks.Callback | None) -> Handoff | None:
        """The hand-off a card button acts on, when the button still fits the hand-off's state."""
        if not isinstance(button, CoachButton):
            return None
        handoff = await self.store.get(button.handoff_id)
        return handoff if handoff is not None and handoff.status in ALLOWED_FROM[type(button)] else None

    async def on_card_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        coach, bot = query.from_user, context.bot
        in_group = query.message is not None and query.message.chat.id == self.chat_id
        if not in_group or not await self._is_coach(bot, coach.id):
            await query.answer(self.t.gettext(N_("Only for coaches.")), show_alert=True)
            return
        button = callbacks.unpack(query.data or "")
        handoff = await self._acted_on(button)
        if handoff is None:
            refusal = self.t.gettext(N_("This action no longer fits the state of the request."))
            await query.answer(refusal, show_alert=True)
            return
        await query.answer()
        if isinstance(button, CoachTake):
            updated = await self.store.set_status(handoff.id, "taken", coach.id, coach.first_name)
            await self.notices.tell_user(
                bot, handoff, N_("👋 Coach {name} is taking care of you now."), name=coach.first_name
            )
        elif isinstance(button, CoachClose):
            updated = await self.store.set_status(handoff.id, "closed")
            await self.notices.ask_rating(bot, handoff)
            with contextlib.suppress(TelegramError):
                await bot.close_forum_topic(self.chat_id, await self.topics.thread_of(bot, handoff))
        else:
            updated = await self.store.set_status(handoff.id, "open")
            await self.topics.thread_of(bot, handoff, reopen=True)
        if updated is not None:
            await self.card.refresh(bot, updated)

    # ------------------------------------------------------------ commands

    async def on_queue(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/queue``: who waits, oldest first, since when, in which language, taken by whom."""
        message = update.effective_message
        assert message is not None
        t = self.t
        waiting = await self.store.queue()
        now = utcnow()
        lines = [t.gettext(N_("📋 Open requests: {n}"), n=len(waiting))]
        for position, handoff in enumerate(waiting, start=1):
            state = await self.dialogs.state(handoff.user_id)
            minutes = int((now - created_utc(handoff)).total_seconds() // 60)
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
        await context.bot.send_message(
            self.chat_id, "\n".join(lines), message_thread_id=message.message_thread_id
        )

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
        await context.bot.send_message(self.chat_id, text, message_thread_id=message.message_thread_id)

    async def on_report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/report [city]``: the market chart and a short summary, into the thread it was asked in."""
        message = update.effective_message
        assert message is not None
        city = " ".join(context.args or []) or None
        if city == "funnel":  # ``/report funnel``: how far people got, per source (bot/report/funnel.py)
            funnel = await build_funnel(self.dialogs.sessions)
            await context.bot.send_message(
                self.chat_id, funnel_summary(funnel), message_thread_id=message.message_thread_id
            )
            return
        report = await build_report(self.dialogs.sessions, default_catalogue(), city=city)
        with tempfile.TemporaryDirectory() as tmp:
            chart = Path(tmp) / "report.png"
            await asyncio.to_thread(render_png, report, chart)
            await context.bot.send_photo(
                self.chat_id, chart.read_bytes(), caption=summary_text(report)[:MAX_CAPTION],
                message_thread_id=message.message_thread_id,
            )  # fmt: skip


def waiting_time(t: Translator, minutes: int) -> str:
    """How long a request has waited: minutes, then hours and minutes, from two days on days."""
    if minutes < 60:
        return t.gettext(N_("{minutes} min"), minutes=minutes)
    if minutes < 48 * 60:
        return t.gettext(N_("{hours} h {minutes} min"), hours=minutes // 60, minutes=minutes % 60)
    return t.ngettext("{n} day", "{n} days", minutes // (24 * 60))
