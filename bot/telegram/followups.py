"""The follow-up job: sends the reminders and "still looking?" checks that are due (``bot/followup.py``)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram.error import Forbidden, TelegramError

from bot.followup import FollowUps
from bot.telegram.render import keyboard

log = logging.getLogger(__name__)


async def send_follow_ups(bot: Any, followups: FollowUps, now: dt.datetime) -> int:
    """Send what is due at ``now`` through ``bot`` (and so through its rate limiter); a person who blocked
    the bot gets nothing any more."""
    sent = 0
    for due in await followups.due(now):
        try:
            await bot.send_message(due.user_id, due.reply.text, reply_markup=keyboard(due.reply, due.lang))
        except Forbidden:
            await followups.stop(due.user_id, "blocked")
            continue
        except TelegramError as error:  # tried again at the next run
            log.warning("follow-up not sent: %s", type(error).__name__)
            continue
        await followups.sent(due, now)
        sent += 1
    return sent
