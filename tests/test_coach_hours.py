"""Outside COACH_HOURS the young person learns when to expect an answer, with or without a coach group."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.chat.service import CoachOptions
from bot.coach.hours import CoachHours
from bot.runtime import Runtime
from knowledge.region import LOCAL_TZ
from tests.driver import ServiceChat

SATURDAY_NOON = dt.datetime(2026, 11, 28, 12, 0, tzinfo=LOCAL_TZ)
FRIDAY_MORNING = dt.datetime(2026, 11, 27, 10, 0, tzinfo=LOCAL_TZ)
NOTICE = "Coaches answer Mon–Fri, 09:00–16:00"


@pytest.mark.parametrize("relay", [False, True], ids=["contact text", "coach group"])
async def test_outside_coach_hours_the_answer_time_is_told(runtime: Runtime, relay: bool) -> None:
    runtime.dialogs.coach = CoachOptions(relay=relay, hours=CoachHours.parse("Mo-Fr 09:00-16:00"))
    runtime.dialogs.clock = lambda: SATURDAY_NOON.astimezone(dt.UTC)
    chat = ServiceChat(runtime.dialogs, 620 + relay)
    await chat.onboard()
    await chat.send("/coach")
    assert NOTICE in chat.text, chat.text


@pytest.mark.parametrize("relay", [False, True], ids=["contact text", "coach group"])
async def test_within_coach_hours_nothing_is_added(runtime: Runtime, relay: bool) -> None:
    runtime.dialogs.coach = CoachOptions(relay=relay, hours=CoachHours.parse("Mo-Fr 09:00-16:00"))
    runtime.dialogs.clock = lambda: FRIDAY_MORNING.astimezone(dt.UTC)
    chat = ServiceChat(runtime.dialogs, 630 + relay)
    await chat.onboard()
    await chat.send("/coach")
    assert "Coaches answer" not in chat.text and "coach" in chat.text.lower()
