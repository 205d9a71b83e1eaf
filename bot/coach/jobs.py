"""The coach desk's scheduled jobs (PTB's JobQueue): relayed messages waiting for a retry, one reminder
per request that waits too long, and the morning digest of waiting requests."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import ContextTypes, JobQueue

from bot.coach.relay import Relay
from bot.coach.store import HandoffStore
from bot.coach.topics import display_name
from bot.config import Settings
from bot.models import utcnow
from dialogs.i18n import N_, Translator
from knowledge.region import LOCAL_TZ

log = logging.getLogger(__name__)

#: Delays before the first runs after start: messages the last run left pending go out at once.
FIRST_RELAY_RETRY_SECONDS = 1
FIRST_REMINDER_CHECK_SECONDS = 10

JobCallback = Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def _with_bot(run: Callable[[Bot], Awaitable[None]]) -> JobCallback:
    async def callback(context: ContextTypes.DEFAULT_TYPE) -> None:
        await run(context.bot)

    return callback


class CoachJobs:
    def __init__(
        self, chat_id: int, settings: Settings, store: HandoffStore, relay: Relay, t: Translator
    ) -> None:
        self.chat_id = chat_id
        self.settings = settings
        self.reminder_after = dt.timedelta(minutes=settings.coach_reminder_minutes)
        self.store = store
        self.relay = relay
        self.t = t

    def schedule(self, jobs: JobQueue[Any]) -> None:
        settings = self.settings
        jobs.run_repeating(
            _with_bot(self.relay.deliver_pending), interval=settings.relay_retry_seconds,
            first=FIRST_RELAY_RETRY_SECONDS, name="relay-retry",
        )  # fmt: skip
        jobs.run_repeating(
            _with_bot(self.remind), interval=settings.coach_reminder_check_seconds,
            first=FIRST_REMINDER_CHECK_SECONDS, name="coach-reminders",
        )  # fmt: skip
        jobs.run_daily(
            _with_bot(self.digest),
            time=settings.coach_digest_time.replace(tzinfo=LOCAL_TZ),
            name="coach-digest",
        )

    async def remind(self, bot: Bot) -> None:
        """Remind the group once of each request that has waited longer than ``COACH_REMINDER_MINUTES``."""
        minutes = int(self.reminder_after.total_seconds() // 60)
        for handoff in await self.store.due_reminders(utcnow() - self.reminder_after):
            text = self.t.ngettext(
                "⏰ {name} has been waiting for a coach for over {n} minute. /queue shows all.",
                "⏰ {name} has been waiting for a coach for over {n} minutes. /queue shows all.",
                minutes,
                name=self.t.keep_ltr(handoff.first_name) or self.t.gettext(N_("Someone")),
            )
            try:
                await bot.send_message(self.chat_id, text)
            except TelegramError as error:
                log.warning("reminder not sent: %s", type(error).__name__)
                continue
            await self.store.update(handoff.id, reminded_at=utcnow())

    async def digest(self, bot: Bot) -> None:
        """Good morning: the requests nobody has taken yet, if any."""
        waiting = [h for h in await self.store.queue() if h.status == "open"]
        if not waiting:
            return
        text = self.t.ngettext(
            "☀️ Good morning! {n} request is waiting: {names}. /queue",
            "☀️ Good morning! {n} requests are waiting: {names}. /queue",
            len(waiting),
            names=self.t.join(self.t.keep_ltr(display_name(h, self.t)) for h in waiting),
        )
        await bot.send_message(self.chat_id, text)
