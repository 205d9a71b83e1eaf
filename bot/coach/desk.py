"""The coach desk in Telegram: a forum topic per young person, a summary card with buttons, the two-way
relay with stored delivery state and retries, ``/queue``, ``/languages``, reminders and a daily digest."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.chat.service import RATING, DialogService
from bot.coach.store import HandoffStore
from knowledge.region import LOCAL_TZ as BERLIN
from bot.config import Settings
from bot.models import Handoff, utcnow
from bot.places.store import PlacesStore
from bot.telegram.render import keyboard
from bot.telegram.request import retry_seconds
from dialogs.i18n import LANGUAGES, N_, Translator, translator
from dialogs.model import State
from dialogs.steps import LANGUAGE_CHOICES, Ctx, profile_card
from knowledge.catalogue import default_catalogue

log = logging.getLogger(__name__)
NS = "co"
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})
MEMBERSHIP_TTL = 300.0
MAX_ATTEMPTS = 8
LANGUAGE_CODES = frozenset({"de", *LANGUAGES, *(c.value for c in LANGUAGE_CHOICES if c.raw)})
STATUS_DE = {"open": "offen – wartet", "taken": "übernommen", "closed": "abgeschlossen"}
BOT = Any  # telegram.Bot or ExtBot


def _thread_gone(error: BadRequest) -> bool:
    text = str(error).lower()
    return "thread not found" in text or "topic_deleted" in text or "topic deleted" in text


class CoachDesk:
    def __init__(self, settings: Settings, dialogs: DialogService, places: PlacesStore) -> None:
        assert settings.coach_chat_id is not None
        self.chat_id = settings.coach_chat_id
        self.dialogs = dialogs
        self.store: HandoffStore = dialogs.handoffs
        self.places = places
        self.reminder_after = dt.timedelta(minutes=settings.coach_reminder_minutes)
        self.t = translator("de")
        self._members: dict[int, float] = {}

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        group = filters.Chat(self.chat_id)
        app.add_handler(CallbackQueryHandler(self.on_card_button, pattern=rf"^{NS}:"))
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
                self.on_coach_message,
            )
        )
        if app.job_queue is not None:
            app.job_queue.run_repeating(self._job_deliver, interval=5, first=1, name="relay-retry")
            app.job_queue.run_repeating(self._job_remind, interval=60, first=10, name="coach-reminders")
            app.job_queue.run_daily(self._job_digest, time=dt.time(8, 0, tzinfo=BERLIN), name="coach-digest")

    # ------------------------------------------------------------ topics and cards

    async def alert(self, bot: BOT, handoff_id: int) -> None:
        """Post the summary card of a new hand-off into the young person's topic."""
        handoff = await self.store.get(handoff_id)
        if handoff is None:
            return
        await self._post_card(bot, handoff)

    async def _post_card(self, bot: BOT, handoff: Handoff, retry: bool = True) -> None:
        thread = await self._topic(bot, handoff, reopen=retry)
        try:
            sent = await bot.send_message(
                self.chat_id, await self.card(handoff), message_thread_id=thread,
                parse_mode=ParseMode.HTML, reply_markup=self._card_buttons(handoff),
            )  # fmt: skip
        except BadRequest as error:
            if not (retry and _thread_gone(error)):
                raise
            await self._new_topic(bot, handoff)
            await self._post_card(bot, handoff, retry=False)
            return
        await self.store.update(handoff.id, card_message_id=sent.message_id)

    async def _topic(self, bot: BOT, handoff: Handoff, reopen: bool = False) -> int:
        """The person's topic (created when missing); ``reopen`` after it was closed. Each call to Telegram
        spends the group's budget of ~20 messages per minute, so nothing is called when not needed."""
        topic = await self.store.topic(handoff.user_id)
        if topic is None or topic.chat_id != self.chat_id:
            return await self._new_topic(bot, handoff)
        if reopen:
            try:
                await bot.reopen_forum_topic(self.chat_id, topic.thread_id)
            except BadRequest as error:
                if _thread_gone(error):
                    return await self._new_topic(bot, handoff)
            except TelegramError:
                pass  # already open, or no right to reopen: posting still works
        return topic.thread_id

    async def _new_topic(self, bot: BOT, handoff: Handoff) -> int:
        name = f"{handoff.first_name or 'Jugendliche/r'} · #{handoff.user_id % 100000:05d}"[:128]
        topic = await bot.create_forum_topic(self.chat_id, name)
        await self.store.set_topic(handoff.user_id, self.chat_id, topic.message_thread_id)
        return int(topic.message_thread_id)

    def _card_buttons(self, handoff: Handoff) -> InlineKeyboardMarkup:
        if handoff.status == "closed":
            return InlineKeyboardMarkup(
                [[InlineKeyboardButton("↩️ Wieder öffnen", callback_data=f"{NS}:r:{handoff.id}")]]
            )
        row = [InlineKeyboardButton("✅ Abschließen", callback_data=f"{NS}:c:{handoff.id}")]
        if handoff.status == "open":
            row.insert(0, InlineKeyboardButton("✋ Übernehmen", callback_data=f"{NS}:t:{handoff.id}"))
        return InlineKeyboardMarkup([row])

    async def card(self, handoff: Handoff) -> str:
        """The German summary card; every value that came from a person is HTML-escaped."""
        state = await self.dialogs.state(handoff.user_id) or State(lang="de")
        e = html.escape
        answers = state.answers
        spoken = [state.lang, *(answers.get("languages") or [])]
        lines = [
            f"🆕 <b>Anfrage von {e(handoff.first_name or 'Jugendliche/r')}</b>",
            f"Chat-Sprache: {e(state.lang)}",
            e(profile_card(Ctx(state, self.t, self.dialogs.engine.services))),
        ]
        marks = await self.places.marks(handoff.user_id)
        liked = await self.places.get([pid for pid, status in marks.items() if status == "interested"])
        if liked:
            lines.append("\n<b>Interessante Stellen:</b>")
            for place in liked.values():
                demo = " (BEISPIEL)" if place.demo else ""
                link = f" – {e(place.url)}" if place.url else ""
                lines.append(f"• {e(place.title)}{demo}, {e(place.employer)}, {e(place.city)}{link}")
        speakers = await self.store.coaches_speaking([code for code in spoken if code != "de"])
        if speakers:
            lines.append(f"\nSprechen die Sprache: {e(', '.join(speakers))}")
        since = handoff.created_at if handoff.created_at.tzinfo else handoff.created_at.replace(tzinfo=dt.UTC)
        lines.append(
            f"\nWartet seit: {self.t.date(since.astimezone(BERLIN).date())}, {since.astimezone(BERLIN):%H:%M} Uhr"
        )
        status = STATUS_DE.get(handoff.status, handoff.status)
        if handoff.status == "taken" and handoff.coach_name:
            status += f" von {e(handoff.coach_name)}"
        lines.append(f"Status: {status}")
        if handoff.user_blocked:
            lines.append("⚠️ Die Person hat den Bot blockiert.")
        lines.append("\nAntworten in diesem Thema gehen an die Person (Befehle nicht).")
        return "\n".join(lines)

    async def _refresh_card(self, bot: BOT, handoff: Handoff) -> None:
        if handoff.card_message_id is None:
            return
        try:
            await bot.edit_message_text(
                await self.card(handoff), chat_id=self.chat_id, message_id=handoff.card_message_id,
                parse_mode=ParseMode.HTML, reply_markup=self._card_buttons(handoff),
            )  # fmt: skip
        except TelegramError as error:
            log.info("card of hand-off %s not updated: %s", handoff.id, type(error).__name__)

    # ------------------------------------------------------------ coach buttons and commands

    async def _is_coach(self, bot: BOT, user_id: int) -> bool:
        checked = self._members.get(user_id)
        if checked is not None and time.monotonic() - checked < MEMBERSHIP_TTL:
            return True
        try:
            member = await bot.get_chat_member(self.chat_id, user_id)
        except TelegramError:
            return False
        if member.status in MEMBER_STATUSES:
            self._members[user_id] = time.monotonic()
            return True
        return False

    async def on_card_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        coach = query.from_user
        message = query.message
        in_group = message is not None and message.chat.id == self.chat_id
        if not in_group or not await self._is_coach(context.bot, coach.id):
            await query.answer("Nur für Coaches.", show_alert=True)
            return
        _, action, raw_id = ([*(query.data or "").split(":"), "", "", ""])[:3]
        handoff = await self.store.get(int(raw_id)) if raw_id.isdigit() else None
        allowed = {"t": ("open",), "c": ("open", "taken"), "r": ("closed",)}
        if handoff is None or handoff.status not in allowed.get(action, ()):
            await query.answer("Diese Aktion passt nicht mehr zum Stand der Anfrage.", show_alert=True)
            return
        await query.answer()
        if action == "t":
            updated = await self.store.set_status(handoff.id, "taken", coach.id, coach.first_name)
            await self._tell_user(
                context.bot, handoff, N_("👋 Coach {name} is taking care of you now."), name=coach.first_name
            )
        elif action == "c":
            updated = await self.store.set_status(handoff.id, "closed")
            await self._ask_rating(context.bot, handoff)
            with contextlib.suppress(TelegramError):
                await context.bot.close_forum_topic(self.chat_id, (await self._topic(context.bot, handoff)))
        else:
            updated = await self.store.set_status(handoff.id, "open")
            await self._topic(context.bot, handoff, reopen=True)
        if updated is not None:
            await self._refresh_card(context.bot, updated)

    async def _person(self, user_id: int) -> tuple[State | None, Translator]:
        """The young person's dialog state and their language (German when nothing is stored)."""
        state = await self.dialogs.state(user_id)
        return state, translator(state.lang if state else "de")

    async def _tell_user(self, bot: BOT, handoff: Handoff, message: str, **params: str) -> None:
        _, t = await self._person(handoff.user_id)
        try:
            await bot.send_message(handoff.user_id, t.gettext(message, **params))
        except Forbidden:
            await self._user_blocked(bot, handoff)
        except TelegramError as error:
            log.warning("could not tell hand-off %s: %s", handoff.id, type(error).__name__)

    async def _ask_rating(self, bot: BOT, handoff: Handoff) -> None:
        state, t = await self._person(handoff.user_id)
        stars = [
            InlineKeyboardButton("⭐" * n, callback_data=f"{RATING}:{handoff.id}:{n}") for n in range(1, 6)
        ]
        text = t.gettext(
            N_(
                "Your coach has closed this conversation. How helpful was it? You can ask for a coach again at any time."
            )
        )
        try:
            await bot.send_message(
                handoff.user_id, text, reply_markup=InlineKeyboardMarkup([stars[:3], stars[3:]])
            )
            if state is not None:
                menu = self.dialogs.engine.current(state)
                await bot.send_message(handoff.user_id, menu.text, reply_markup=keyboard(menu, state.lang))
        except Forbidden:
            await self._user_blocked(bot, handoff)
        except TelegramError as error:
            log.warning("rating request for hand-off %s failed: %s", handoff.id, type(error).__name__)

    async def on_queue(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        waiting = await self.store.queue()
        now = utcnow()
        lines = [f"📋 Offene Anfragen: {len(waiting)}"]
        for n, handoff in enumerate(waiting, start=1):
            created = (
                handoff.created_at if handoff.created_at.tzinfo else handoff.created_at.replace(tzinfo=dt.UTC)
            )
            minutes = int((now - created).total_seconds() // 60)
            state = await self.dialogs.state(handoff.user_id)
            who = f", übernommen von {handoff.coach_name}" if handoff.status == "taken" else ""
            lines.append(
                f"{n}. {handoff.first_name or 'Jugendliche/r'} – wartet seit {_duration(minutes)}, Sprache {state.lang if state else '?'}{who}"
            )
        await context.bot.send_message(
            self.chat_id, "\n".join(lines), message_thread_id=message.message_thread_id
        )

    async def on_languages(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        user = update.effective_user
        assert message is not None and user is not None
        codes = [c.lower() for c in (context.args or [])]
        unknown = [c for c in codes if c not in LANGUAGE_CODES]
        if not codes or unknown:
            text = "So geht's: /languages tr ar (Sprachcodes: " + ", ".join(sorted(LANGUAGE_CODES)) + ")"
        else:
            await self.store.set_languages(user.id, user.first_name, codes)
            text = f"Gespeichert: {user.first_name} spricht {', '.join(codes)}."
        await context.bot.send_message(self.chat_id, text, message_thread_id=message.message_thread_id)

    async def on_report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/report [city]``: the market chart and a short summary, into the thread it was asked in."""
        from bot.report.report import (  # matplotlib: loaded only when asked
            build_report,
            render_png,
            summary_text,
        )

        message = update.effective_message
        assert message is not None
        city = " ".join(context.args or []) or None
        report = await build_report(self.dialogs.sessions, default_catalogue(), city=city)
        with tempfile.TemporaryDirectory() as tmp:
            chart = Path(tmp) / "report.png"
            await asyncio.to_thread(render_png, report, chart)
            await context.bot.send_photo(
                self.chat_id, chart.read_bytes(), caption=summary_text(report)[:1024],
                message_thread_id=message.message_thread_id,
            )  # fmt: skip

    # ------------------------------------------------------------ relay

    async def on_coach_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        coach = update.effective_user
        if message is None or coach is None or coach.is_bot or message.message_thread_id is None:
            return
        user_id = await self.store.user_of_topic(self.chat_id, message.message_thread_id)
        if user_id is None:
            return
        handoff = await self.store.active(user_id)
        if handoff is None:
            await context.bot.send_message(
                self.chat_id, "Keine offene Anfrage: die Nachricht wurde nicht weitergeleitet. Zum Weiterschreiben erst „Wieder öffnen“.",
                message_thread_id=message.message_thread_id,
            )  # fmt: skip
            return
        if handoff.status == "open":
            handoff = await self.store.set_status(handoff.id, "taken", coach.id, coach.first_name) or handoff
            await self._refresh_card(context.bot, handoff)
        relay_id = await self.store.add_relay(
            handoff.id,
            "to_user",
            message.chat.id,
            message.message_id,
            body=message.text or "",
            sender=coach.first_name,
        )
        await self.deliver(context.bot, relay_id)

    async def relay_from_user(self, bot: BOT, handoff_id: int, message: Message) -> None:
        relay_id = await self.store.add_relay(handoff_id, "to_coach", message.chat.id, message.message_id)
        await self.deliver(bot, relay_id)

    async def deliver(self, bot: BOT, relay_id: int, retry_topic: bool = True) -> None:
        """Send one stored relay message; on failure keep it pending with a retry time, or give up clearly."""
        row = await self.store.relay(relay_id)
        if row is None or row.state != "pending":
            return
        handoff = await self.store.get(row.handoff_id)
        if handoff is None:
            return
        try:
            if row.direction == "to_coach":
                thread = await self._topic(bot, handoff)
                sent = await bot.copy_message(
                    self.chat_id, row.from_chat_id, row.from_message_id, message_thread_id=thread
                )
            else:
                _, t = await self._person(handoff.user_id)
                header = t.gettext(N_("💬 Your coach {name}:"), name=row.sender_name)
                if row.body:
                    sent = await bot.send_message(handoff.user_id, f"{header}\n{row.body}")
                else:
                    await bot.send_message(handoff.user_id, header)
                    sent = await bot.copy_message(handoff.user_id, row.from_chat_id, row.from_message_id)
            await self.store.relay_result(relay_id, "sent", sent.message_id)
        except RetryAfter as error:
            await self.store.relay_result(relay_id, "pending", retry_in=retry_seconds(error))
        except Forbidden:
            await self.store.relay_result(relay_id, "blocked" if row.direction == "to_user" else "failed")
            if row.direction == "to_user":
                await self._user_blocked(bot, handoff)
        except BadRequest as error:
            if row.direction == "to_coach" and retry_topic and _thread_gone(error):
                await self._new_topic(bot, handoff)
                await self._post_card(bot, handoff)
                await self.deliver(bot, relay_id, retry_topic=False)
                return
            log.warning("relay %s refused: %s", relay_id, type(error).__name__)
            await self.store.relay_result(relay_id, "failed")
        except NetworkError as error:  # timeouts, 5xx, connection problems: try again later
            outcome = "failed" if row.attempts + 1 >= MAX_ATTEMPTS else "pending"
            log.info("relay %s: %s, %s", relay_id, type(error).__name__, outcome)
            await self.store.relay_result(relay_id, outcome, retry_in=min(600.0, 2.0 ** (row.attempts + 1)))

    async def _user_blocked(self, bot: BOT, handoff: Handoff) -> None:
        if handoff.user_blocked:
            return
        await self.store.update(handoff.id, user_blocked=True)
        topic = await self.store.topic(handoff.user_id)
        with contextlib.suppress(TelegramError):
            await bot.send_message(
                self.chat_id, "⚠️ Die Person hat den Bot blockiert: Nachrichten kommen nicht mehr an.",
                message_thread_id=topic.thread_id if topic else None,
            )  # fmt: skip

    # ------------------------------------------------------------ jobs

    async def _job_deliver(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        for relay_id in await self.store.pending_relays(utcnow()):
            await self.deliver(context.bot, relay_id)

    async def _job_remind(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        for handoff in await self.store.due_reminders(utcnow() - self.reminder_after):
            minutes = int(self.reminder_after.total_seconds() // 60)
            text = f"⏰ {handoff.first_name or 'Jemand'} wartet seit über {minutes} Minuten auf einen Coach. /queue zeigt alle."
            try:
                await context.bot.send_message(self.chat_id, text)
            except TelegramError as error:
                log.warning("reminder not sent: %s", type(error).__name__)
                continue
            await self.store.update(handoff.id, reminded_at=utcnow())

    async def _job_digest(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        waiting = [h for h in await self.store.queue() if h.status == "open"]
        if waiting:
            names = ", ".join(h.first_name or "Jugendliche/r" for h in waiting)
            await context.bot.send_message(
                self.chat_id, f"☀️ Guten Morgen! {len(waiting)} Anfrage(n) warten: {names}. /queue"
            )


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} Min."
    if minutes < 48 * 60:
        return f"{minutes // 60} Std. {minutes % 60} Min."
    return f"{minutes // (24 * 60)} Tagen"
