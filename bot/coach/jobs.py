"""The coach desk's scheduled jobs (PTB's JobQueue): coaches' messages to young people waiting for a
retry, one reminder per request that waits too long, and the morning digest of waiting requests. Reminders
and digests are per coach group (a group hears only of its own people) and go through its outbox."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram import Bot
from telegram.ext import ContextTypes, JobQueue

from bot.coach.outbox import Priority
from bot.coach.relay import Relay
from bot.coach.store import HandoffStore
from bot.coach.topics import display_name
from bot.config import Settings
from bot.models import Handoff, utcnow
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


def _without_bot(run: Callable[[], Awaitable[object]]) -> JobCallback:
    async def callback(context: ContextTypes.DEFAULT_TYPE) -> None:
        await run()

    return callback


class CoachJobs:
    def __init__(
        self,
        chat_id: int,
        members: Sequence[int | None],
        settings: Settings,
        store: HandoffStore,
        relay: Relay,
        t: Translator,
    ) -> None:
        self.chat_id = chat_id
        #: Which hand-offs are this group's: its chat id (and ``None`` for the fallback group).
        self.members = members
        self.settings = settings
        self.reminder_after = dt.timedelta(minutes=settings.coach_reminder_minutes)
        self.store = store
        self.relay = relay
        self.t = t

    def schedule(self, jobs: JobQueue[Any], retry_relays: bool) -> None:
        """The group's reminder and digest jobs; ``retry_relays`` for the one desk-wide retry job."""
        settings = self.settings
        if retry_relays:
            jobs.run_repeating(
                _with_bot(self.relay.deliver_pending), interval=settings.relay_retry_seconds,
                first=FIRST_RELAY_RETRY_SECONDS, name="relay-retry",
            )  # fmt: skip
        jobs.run_repeating(
            _without_bot(self.remind), interval=settings.coach_reminder_check_seconds,
            first=FIRST_REMINDER_CHECK_SECONDS, name=f"coach-reminders{self.chat_id}",
        )  # fmt: skip
        jobs.run_daily(
            _without_bot(self.digest),
            time=settings.coach_digest_time.replace(tzinfo=LOCAL_TZ),
            name=f"coach-digest{self.chat_id}",
        )

    async def remind(self) -> int:
        """Queue one reminder for each of the group's requests that has waited longer than
        ``COACH_REMINDER_MINUTES``; returns how many."""
        minutes = int(self.reminder_after.total_seconds() // 60)

        def text_of(handoff: Handoff) -> str:
            return self.t.ngettext(
                "⏰ {name} has been waiting for a coach for over {n} minute. /queue shows all.",
                "⏰ {name} has been waiting for a coach for over {n} minutes. /queue shows all.",
                minutes,
                name=self.t.keep_ltr(handoff.first_name) or self.t.gettext(N_("Someone")),
            )

        return await self.store.queue_reminders(
            utcnow() - self.reminder_after, self.members, self.chat_id, text_of
        )

    async def digest(self) -> None:
        """Good morning: the group's requests nobody has taken yet, if any (once a day)."""
        waiting = [h for h in await self.store.queue(self.members) if h.status == "open"]
        if not waiting:
            return
        text = self.t.ngettext(
            "☀️ Good morning! {n} request is waiting: {names}. /queue",
            "☀️ Good morning! {n} requests are waiting: {names}. /queue",
            len(waiting),
            names=self.t.join(self.t.keep_ltr(display_name(h, self.t)) for h in waiting),
        )
        day = utcnow().astimezone(LOCAL_TZ).date()
        await self.store.outbox.enqueue(
            self.chat_id, "text", {"text": text}, Priority.DIGEST, dedupe_key=f"digest:{self.chat_id}:{day}"
        )
