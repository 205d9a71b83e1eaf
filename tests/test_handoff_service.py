"""Coach requests without Telegram: recorded, listed, contact text, routing of messages to the coach."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from bot.chat.service import CoachOptions
from bot.coach.hours import CoachHours
from bot.runtime import Runtime
from tests.driver import ServiceChat


async def test_without_a_coach_group_the_request_is_recorded_with_contact_text(
    runtime: Runtime, db_url: str
) -> None:
    chat = ServiceChat(runtime.dialogs, 601, first_name="Ayşe")
    await chat.onboard()
    await chat.tap("Talk to a coach")
    assert "request is saved" in chat.text and "Bildungsinstitut Vogel" in chat.text
    assert chat.result is not None and chat.result.handoff_id is not None
    await chat.send("/coach")  # asking again does not create a second request
    assert len(await runtime.dialogs.handoffs.all()) == 1
    env = {**os.environ, "DATABASE_URL": db_url, "TELEGRAM_BOT_TOKEN": ""}
    listed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "handoffs"], capture_output=True, text=True, env=env, check=True
    )
    assert "open" in listed.stdout and "Ayşe" in listed.stdout and "601" in listed.stdout


async def test_coach_needs_consent_but_not_a_finished_profile(runtime: Runtime) -> None:
    from bot.coach.desk import CoachDesk
    from bot.config import Settings

    runtime.dialogs.coach = CoachOptions(relay=True, hours=None)
    chat = ServiceChat(runtime.dialogs, 602)
    await chat.send("/start")
    await chat.send("/coach")  # nothing may be stored before consent, so no request either
    assert "need your okay" in chat.text and await runtime.dialogs.handoffs.all() == []
    await chat.send("17")
    await chat.tap("Yes")
    await chat.tap("still at school")  # three answers, then stuck
    await chat.send("/coach")
    assert "coach" in chat.text and "▶️ Go on with my profile" in chat.labels()
    handoff = await runtime.dialogs.handoffs.active(602)
    assert handoff is not None
    result = await chat.send("Ich weiß nicht, welcher Beruf passt")
    assert result.actions == ("relay",) and result.handoff_id == handoff.id  # to the coach, not the dialog
    settings = Settings(coach_chat_id=-100123)  # type: ignore[call-arg]
    card = await CoachDesk(settings, runtime.dialogs, runtime.places_store).groups[-100123].card.text(handoff)
    assert "Profil noch nicht fertig" in card and "Ich gehe noch zur Schule" in card
    await chat.tap("Go on with my profile")
    assert "school certificate" in chat.text


async def test_with_relay_free_text_goes_to_the_coach_but_buttons_still_work(runtime: Runtime) -> None:
    runtime.dialogs.coach = CoachOptions(relay=True, hours=None)
    chat = ServiceChat(runtime.dialogs, 603)
    await chat.onboard()
    await chat.send("/coach")
    assert "A coach has been told" in chat.text
    result = await chat.send("Hallo, wann habt ihr Zeit?")
    assert result.actions == ("relay",) and result.replies == [] and result.handoff_id is not None
    await chat.tap("My profile")  # menu buttons keep working during the hand-off
    assert "Here is your profile" in chat.text


def test_coach_hours_parse_and_tell_the_time() -> None:
    hours = CoachHours.parse("Mo-Fr 09:00-16:00")
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert hours.open_at(dt.datetime(2026, 11, 27, 10, 0, tzinfo=berlin))  # a Friday morning
    assert not hours.open_at(dt.datetime(2026, 11, 28, 10, 0, tzinfo=berlin))  # Saturday
    assert not hours.open_at(dt.datetime(2026, 11, 27, 17, 0, tzinfo=berlin))
    with pytest.raises(ValueError):
        CoachHours.parse("always")


async def test_outside_coach_hours_the_young_person_is_told_when(runtime: Runtime) -> None:
    runtime.dialogs.coach = CoachOptions(relay=True, hours=CoachHours.parse("Mo-Mo 00:00-00:01"))
    chat = ServiceChat(runtime.dialogs, 604, first_name="Max")
    await chat.onboard()
    await chat.send("/coach")
    assert "00:00–00:01" in chat.text and "it may take a while before you get an answer" in chat.text


async def test_contact_text_per_language_with_the_translated_text_as_fallback(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import Settings

    monkeypatch.setenv("COACH_CONTACT_TEXT_TR", "Bizi ara: 02323 123456")
    monkeypatch.setenv("COACH_CONTACT_TEXT", "Ruf uns an: 02323 123456")
    settings = Settings()  # type: ignore[call-arg]
    assert settings.contact_texts == {"de": "Ruf uns an: 02323 123456", "tr": "Bizi ara: 02323 123456"}
    monkeypatch.setenv("COACH_CONTACT_TEXT_DE", "Schreib uns: info@example.org")
    assert Settings().contact_texts["de"] == "Schreib uns: info@example.org"  # type: ignore[call-arg]

    runtime.dialogs.coach = CoachOptions(contact_texts=settings.contact_texts)
    chat = ServiceChat(runtime.dialogs, 606)
    await chat.onboard()
    await chat.tap("Talk to a coach")  # English has no own text: the translated default
    assert "request is saved" in chat.text and "Bildungsinstitut Vogel" in chat.text
    assert "Ruf uns an" not in chat.text and "Bizi ara" not in chat.text
    await chat.send("/language")
    await chat.tap("Türkçe")
    await chat.send("/coach")
    assert "Talebin kaydedildi" in chat.text and "Bizi ara: 02323 123456" in chat.text
    assert "Bildungsinstitut Vogel" not in chat.text and "Ruf uns an" not in chat.text


async def test_coach_card_escapes_what_people_typed(runtime: Runtime) -> None:
    from bot.coach.desk import CoachDesk
    from bot.config import Settings

    chat = ServiceChat(runtime.dialogs, 605, first_name="<b>Lea</b> & <a href='x'>")
    await chat.onboard()
    await chat.send("/coach")
    handoff = await runtime.dialogs.handoffs.active(605)
    assert handoff is not None
    settings = Settings(coach_chat_id=-100123)  # type: ignore[call-arg]
    card = await CoachDesk(settings, runtime.dialogs, runtime.places_store).groups[-100123].card.text(handoff)
    assert "&lt;b&gt;Lea&lt;/b&gt; &amp; &lt;a href=&#x27;x&#x27;&gt;" in card
    assert "<a href" not in card and "Kraftfahrzeugmechatroniker/-in" in card and "Alter" in card
