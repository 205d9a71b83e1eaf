"""Follow-ups with a fake clock: 24 h after a dropped profile, never at night, one per dropped dialog,
opt-out and blocked people never again; the 30-day "still looking?" check and its three answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, update
from telegram.error import Forbidden

from bot.followup import FollowUps
from bot.funnel import reached
from bot.models import FollowUp, User
from bot.runtime import Runtime
from bot.telegram.followups import send_follow_ups
from dialogs.callbacks import FollowUpAnswer
from tests.driver import ServiceChat

UTC = dt.UTC
#: 11:00 in Herne (CET).
MORNING = dt.datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)


class FakeBot:
    """Records what would be sent; people in ``blocked`` have blocked the bot (403)."""

    def __init__(self, blocked: frozenset[int] = frozenset()) -> None:
        self.blocked = blocked
        self.sent: list[tuple[int, str, Any]] = []

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
        if chat_id in self.blocked:
            raise Forbidden("Forbidden: bot was blocked by the user")
        self.sent.append((chat_id, text, reply_markup))


async def last_activity(runtime: Runtime, user_id: int, at: dt.datetime) -> None:
    async with runtime.dialogs.sessions.begin() as session:
        await session.execute(update(User).where(User.id == user_id).values(updated_at=at))


async def dropped(runtime: Runtime, user_id: int, at: dt.datetime) -> ServiceChat:
    """A person who consented, answered two questions and stopped at ``at``."""
    chat = ServiceChat(runtime.dialogs, user_id)
    await chat.send("/start")
    await chat.send("17")
    await chat.tap("Yes")
    await chat.tap("still at school")
    await last_activity(runtime, user_id, at)
    return chat


def who(due: list[Any]) -> list[tuple[int, str]]:
    return [(d.user_id, d.kind) for d in due]


async def test_one_reminder_24_hours_after_a_dropped_profile_never_at_night(runtime: Runtime) -> None:
    followups: FollowUps = runtime.dialogs.followups
    await dropped(runtime, 801, MORNING)
    evening = MORNING.replace(hour=20, minute=30)  # 21:30 in Herne
    await dropped(runtime, 802, evening)

    assert await followups.due(MORNING + 23 * HOUR) == []
    due = await followups.due(MORNING + 24 * HOUR)
    assert who(due) == [(801, "reminder")]
    assert "7 more questions" in due[0].reply.text
    assert [b.label for row in due[0].reply.buttons for b in row] == ["▶️ Go on", "🔕 No reminders"]

    assert await followups.due(evening + 24 * HOUR) == []  # 21:30 in Herne: quiet, both wait
    night = dt.datetime(2026, 11, 4, 5, 30, tzinfo=UTC)  # 06:30 in Herne
    assert await followups.due(night) == []
    bot = FakeBot()
    assert await send_follow_ups(bot, followups, night + 2 * HOUR) == 2  # 08:30: both
    assert [chat_id for chat_id, _, _ in bot.sent] == [801, 802]
    assert await followups.due(night + 30 * HOUR) == []  # one per dropped dialog


async def test_coming_back_and_dropping_again_is_a_new_dialog(runtime: Runtime) -> None:
    followups: FollowUps = runtime.dialogs.followups
    chat = await dropped(runtime, 811, MORNING)
    await send_follow_ups(FakeBot(), followups, MORNING + 25 * HOUR)
    assert await followups.due(MORNING + 50 * HOUR) == []
    result = await chat.press(FollowUpAnswer("resume").pack())  # the button leads back to the question
    assert "school certificate" in result.replies[0].text
    await chat.tap("Erster Schulabschluss (ESA)")
    await last_activity(runtime, 811, MORNING + 48 * HOUR)
    due = await followups.due(MORNING + 72 * HOUR)
    assert who(due) == [(811, "reminder")] and "6 more questions" in due[0].reply.text


async def test_no_reminders_stops_them_for_good_and_a_block_too(runtime: Runtime) -> None:
    followups: FollowUps = runtime.dialogs.followups
    chat = await dropped(runtime, 821, MORNING)
    await dropped(runtime, 822, MORNING)
    result = await chat.press(FollowUpAnswer("stop").pack())
    assert "no more reminders" in result.replies[0].text
    bot = FakeBot(blocked=frozenset({822}))
    assert await send_follow_ups(bot, followups, MORNING + 25 * HOUR) == 0
    async with runtime.dialogs.sessions() as session:
        assert (await session.get(FollowUp, 821)).stopped == "opt_out"  # type: ignore[union-attr]
        assert (await session.get(FollowUp, 822)).stopped == "blocked"  # type: ignore[union-attr]
    for user_id in (821, 822):
        await last_activity(runtime, user_id, MORNING + 48 * HOUR)  # even after coming back
    assert await followups.due(MORNING + 100 * HOUR) == []


async def test_only_people_whose_consent_covered_follow_ups(runtime: Runtime) -> None:
    await dropped(runtime, 831, MORNING)
    async with runtime.dialogs.sessions.begin() as session:  # consented before follow-ups existed
        await session.execute(delete(FollowUp).where(FollowUp.user_id == 831))
    assert await runtime.dialogs.followups.due(MORNING + 30 * HOUR) == []
    chat = ServiceChat(runtime.dialogs, 833)
    await chat.send("/start")
    result = await chat.send("17")  # the consent question names the follow-ups
    assert "remind you once" in result.replies[-1].text and "never at night" in result.replies[-1].text
    privacy = await chat.send("/privacy")
    assert "No reminders" in privacy.replies[0].text


async def test_the_30_day_check_and_its_answers(runtime: Runtime) -> None:
    followups: FollowUps = runtime.dialogs.followups
    runtime.dialogs.clock = lambda: MORNING
    chats = {}
    for user_id in (841, 842, 843):
        chats[user_id] = ServiceChat(runtime.dialogs, user_id)
        await chats[user_id].onboard()
        await last_activity(runtime, user_id, MORNING)
    assert await followups.due(MORNING + dt.timedelta(days=29)) == []
    later = MORNING + dt.timedelta(days=30)
    due = await followups.due(later)
    assert who(due) == [(841, "check"), (842, "check"), (843, "check")]
    assert [b.label for row in due[0].reply.buttons for b in row] == [
        "🔎 Yes, still looking", "🎉 I found a place", "⏸ Pause for now", "🔕 No reminders"
    ]  # fmt: skip
    assert await send_follow_ups(FakeBot(), followups, later) == 3
    assert await followups.due(later + dt.timedelta(days=5)) == []  # once

    runtime.dialogs.clock = lambda: later
    found = await chats[841].press(FollowUpAnswer("found").pack())
    assert "Congratulations" in found.replies[0].text
    assert [b.label for row in found.replies[0].buttons for b in row] == ["🗑 Delete my data"]
    deleting = await chats[841].tap("Delete my data")
    assert "really want to delete" in deleting.replies[0].text
    async with runtime.dialogs.sessions() as session:
        assert (await reached(session, 841))["found_place"] == later
    still = await chats[842].press(FollowUpAnswer("searching").pack())
    assert "Good luck" in still.replies[0].text and len(still.replies) == 2  # and the places list
    paused = await chats[843].press(FollowUpAnswer("pause").pack())
    assert "leave you in peace" in paused.replies[0].text


def test_the_reminder_says_almost_done_only_when_it_is() -> None:
    from dialogs.followup import profile_reminder
    from dialogs.model import State
    from dialogs.steps import FLOW

    answers = {
        "age": 17,
        "consent": "2026-11-01",
        "situation": "pupil",
        "certificate": "msa",
        "german": "good",
    }
    early = profile_reminder(FLOW, State.from_json("de", {"step": "languages", "answers": answers}))
    assert early.text.startswith("👋 Du hast dein Profil angefangen – noch 5 Fragen")
    answers |= {"languages": [], "location": {"name": "Herne", "lat": 51.5, "lon": 7.2}, "radius": 10}
    late = profile_reminder(FLOW, State.from_json("de", {"step": "interests", "answers": answers}))
    assert late.text.startswith("👋 Du warst fast fertig – nur noch 3 Fragen")
