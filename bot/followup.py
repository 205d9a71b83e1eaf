"""Follow-ups, opt-in through the consent (minors' rules): who is due a message, and the answers to it.

* One reminder 24 hours after a profile was left halfway (the last write of the dialog state,
  ``users.updated_at``); one per dropped dialog: the reminder remembers that moment, and only a person who
  came back and stopped again gets another.
* One "still looking?" check 30 days after the profile was finished (the ``profile_done`` milestone) when no
  coach conversation was closed; its "found a place" answer is the funnel's last step.
* Either only to people who have not written to the bot for 24 hours.
* Never between 21:00 and 08:00 Europe/Berlin (a message due at night waits for the morning), never after
  "🔕 No reminders" or after Telegram said the person blocked the bot (403), and only for people whose
  consent covered them: they got a ``follow_ups`` row with the consent (``bot/chat/service.py``).

Sending is the Telegram job's part (``bot/telegram/followups.py``), through the bot's rate limiter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.funnel import reach
from bot.models import FollowUp, Milestone, User
from dialogs.followup import (
    PAUSED,
    STILL_LOOKING,
    STOPPED,
    found_reply,
    profile_reminder,
    still_looking_check,
)
from dialogs.i18n import translator
from dialogs.model import Reply, State
from dialogs.steps import FLOW
from knowledge.region import LOCAL_TZ

REMINDER_AFTER = dt.timedelta(hours=24)
CHECK_AFTER = dt.timedelta(days=30)
#: No follow-up from this local time until the next morning's ``QUIET_UNTIL``.
QUIET_FROM, QUIET_UNTIL = dt.time(21, 0), dt.time(8, 0)

Kind = Literal["reminder", "check"]


def quiet(moment: dt.datetime) -> bool:
    """Is it night in Herne and Bochum?"""
    local = moment.astimezone(LOCAL_TZ).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


@dataclass(frozen=True)
class Due:
    """A follow-up to send now: the person, which kind, the message, and the dropped dialog's moment."""

    user_id: int
    kind: Kind
    reply: Reply
    lang: str
    activity_at: dt.datetime


class FollowUps:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def due(self, now: dt.datetime) -> list[Due]:
        """Everybody due a follow-up at ``now`` (nobody at night)."""
        if quiet(now):
            return []
        async with self.sessions() as session:
            people = (
                await session.execute(
                    select(User.id, User.lang, User.state, User.updated_at, FollowUp)
                    .join(FollowUp, FollowUp.user_id == User.id)
                    # quiet for a day: nobody gets a nudge right after talking to the bot
                    .where(FollowUp.stopped.is_(None), User.updated_at <= now - REMINDER_AFTER)
                    .order_by(User.id)
                )
            ).all()
            milestones = await session.execute(
                select(Milestone.user_id, Milestone.name, Milestone.reached_at).where(
                    Milestone.name.in_(("profile_done", "conversation_closed"))
                )
            )
            reached = {(user_id, name): at for user_id, name, at in milestones}
        due: list[Due] = []
        for user_id, lang, stored, updated_at, follow_up in people:
            state = State.from_json(lang, stored or {})
            if not state.completed:
                new_drop = follow_up.reminded_for is None or follow_up.reminded_for < updated_at
                if new_drop and state.step != "coach_chat":  # in a coach conversation: no nudge
                    due.append(Due(user_id, "reminder", profile_reminder(FLOW, state), lang, updated_at))
                continue
            done = reached.get((user_id, "profile_done"))
            if (
                done is not None
                and done <= now - CHECK_AFTER
                and follow_up.checked_at is None
                and (user_id, "conversation_closed") not in reached
            ):
                due.append(Due(user_id, "check", still_looking_check(state), lang, updated_at))
        return due

    async def sent(self, due: Due, now: dt.datetime) -> None:
        values = (
            {"reminded_for": due.activity_at, "reminded_at": now}
            if due.kind == "reminder"
            else {"checked_at": now}
        )
        await self._update(due.user_id, **values)

    async def stop(self, user_id: int, reason: Literal["opt_out", "blocked"]) -> None:
        """No follow-up any more, for good."""
        await self._update(user_id, stopped=reason)

    async def answer(self, user_id: int, state: State, choice: str, now: dt.datetime) -> list[Reply]:
        """A button under a follow-up; the caller adds what only it can (the question, the places list)."""
        t = translator(state.lang)
        if choice == "stop":
            await self.stop(user_id, "opt_out")
            return [Reply(t.gettext(STOPPED))]
        if choice == "found":
            async with self.sessions.begin() as session:
                await reach(session, user_id, "found_place", now)
                await session.execute(
                    update(FollowUp).where(FollowUp.user_id == user_id).values(outcome="found")
                )
            return [found_reply(state)]
        if choice == "pause":
            await self._update(user_id, outcome="paused")
            return [Reply(t.gettext(PAUSED))]
        if choice == "searching":
            await self._update(user_id, outcome="searching")
            return [Reply(t.gettext(STILL_LOOKING))]
        return []

    async def _update(self, user_id: int, **values: object) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(FollowUp).where(FollowUp.user_id == user_id).values(**values))
