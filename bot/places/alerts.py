"""Background jobs of the running bot: alerts about new places, follow-ups, and the retention clean-up."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.config import Settings
from bot.places.controller import search_profile
from bot.runtime import Runtime
from bot.telegram.followups import send_follow_ups
from bot.telegram.render import keyboard
from dialogs.callbacks import PlaceAlerts, PlacesPage
from dialogs.i18n import N_, translator
from dialogs.model import Button, Reply
from knowledge.region import LOCAL_TZ

log = logging.getLogger(__name__)
#: The first look for new places, this long after start: the bot answers people first.
FIRST_ALERT_CHECK_SECONDS = 30


async def send_alerts(bot: Any, runtime: Runtime, today: dt.date) -> int:
    """Tell subscribers about new fitting places: at most one message per person and day."""
    store, sent = runtime.places_store, 0
    for sub in await store.subscriptions():
        if sub.last_sent_on == today:
            continue
        state = await runtime.dialogs.state(sub.user_id)
        profile = search_profile(state.profile, today) if state is not None and state.completed else None
        if state is None or profile is None:
            continue
        new = await store.new_since(profile, sub.checked_at)
        if not new:
            continue
        t = translator(state.lang)
        text = t.ngettext(
            "🔔 There is {n} new place for you!", "🔔 There are {n} new places for you!", len(new)
        )
        rows = (
            (Button(t.gettext(N_("🔎 Show places")), callback=PlacesPage(0)),),
            (Button(t.gettext(N_("🔕 Stop news about new places")), callback=PlaceAlerts(False)),),
        )
        reply = Reply(text, rows)
        try:
            await bot.send_message(sub.user_id, reply.text, reply_markup=keyboard(reply, state.lang))
        except Forbidden:  # blocked the bot: stop, instead of trying every day
            await store.subscribe(sub.user_id, False)
            continue
        except TelegramError as error:
            log.warning("alert not sent: %s", type(error).__name__)
            continue
        await store.alert_sent(sub.user_id, today)
        sent += 1
    return sent


def schedule(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime, settings: Settings) -> None:
    jobs = app.job_queue
    if jobs is None:  # pragma: no cover - the job-queue extra is a dependency
        return

    async def alerts(context: ContextTypes.DEFAULT_TYPE) -> None:
        await runtime.refresh_suggestions()
        count = await send_alerts(context.bot, runtime, runtime.today())
        if count:
            log.info("sent %d place alerts", count)

    async def retention(context: ContextTypes.DEFAULT_TYPE) -> None:
        profiles, messages = await runtime.dialogs.apply_retention(
            settings.retention_days, settings.message_retention_days, runtime.clock()
        )
        log.info("retention: %d inactive profiles deleted, %d old coach messages emptied", profiles, messages)

    jobs.run_repeating(
        alerts,
        interval=settings.alert_check_minutes * 60,
        first=FIRST_ALERT_CHECK_SECONDS,
        name="place-alerts",
    )

    async def follow_ups(context: ContextTypes.DEFAULT_TYPE) -> None:
        count = await send_follow_ups(context.bot, runtime.dialogs.followups, runtime.clock())
        if count:
            log.info("sent %d follow-ups", count)

    jobs.run_daily(retention, time=settings.retention_time.replace(tzinfo=LOCAL_TZ), name="retention")
    jobs.run_repeating(
        follow_ups,
        interval=settings.follow_up_check_minutes * 60,
        first=FIRST_ALERT_CHECK_SECONDS,
        name="follow-ups",
    )
