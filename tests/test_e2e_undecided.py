"""End to end, in German, Arabic and Ukrainian: a young person who does not know what they want reaches a
coach after three answers and goes from "I don't know yet" to the menu without typing an occupation.

The expected texts are the bot's own translations, so the test reads each reply in the person's language.
"""

from __future__ import annotations

from typing import Any

from dialogs.i18n import N_, Translator, translator
from dialogs.questions import (
    AGE_WELCOME,
    CERTIFICATE,
    CONSENT,
    GERMAN,
    INTERESTS,
    LANGUAGES,
    LOCATION,
    RADIUS,
    SITUATION,
    START,
)
from dialogs.screens import COACH_CHAT, MENU, SUMMARY
from dialogs.wishes import WISH
from tests.e2e import COACH_CHAT as COACH_GROUP
from tests.e2e import BotProcess, started
from tests.fakebotapi import FakeTelegram


def opening(t: Translator, msgid: str) -> str:
    """The first words of a translated text: enough to recognise the reply."""
    return t.gettext(msgid).split("{")[0][:18]


async def send(
    tg: FakeTelegram, user: int, text: str, expect: str, lang: str | None = None
) -> dict[str, Any]:
    mark = tg.mark()
    tg.send_text(user, text, first_name="Lea", language_code=lang)
    return await tg.wait_for_message(user, contains=expect, after=mark)


async def press(
    tg: FakeTelegram, user: int, message: dict[str, Any], row: int, col: int, expect: str
) -> dict[str, Any]:
    mark = tg.mark()
    data = message["reply_markup"]["inline_keyboard"][row][col]["callback_data"]
    tg.press_button(user, message, data=data)
    return await tg.wait_for_message(user, contains=expect, after=mark)


async def undecided_to_the_menu(tg: FakeTelegram, user: int, lang: str) -> None:
    t = translator(lang)
    m = await send(tg, user, "/start", opening(t, AGE_WELCOME), lang=lang)
    m = await send(tg, user, "16", opening(t, CONSENT.prompt))
    m = await press(tg, user, m, 0, 0, opening(t, SITUATION.prompt))
    m = await press(tg, user, m, 0, 0, opening(t, CERTIFICATE.prompt))

    # three answers given, stuck: a coach is one command away, and the profile waits
    mark = tg.mark()
    tg.send_text(user, "/coach")
    card = await tg.wait_for_message(COACH_GROUP, contains="Profil noch nicht fertig", after=mark)
    assert "Anfrage von Lea" in card["text"]
    back = await tg.wait_for_message(user, contains=opening(t, COACH_CHAT.prompt), after=mark)
    m = await press(tg, user, back, 0, 0, opening(t, CERTIFICATE.prompt))

    m = await press(tg, user, m, 0, 0, opening(t, GERMAN.prompt))
    m = await press(tg, user, m, 0, 0, opening(t, LANGUAGES.prompt))
    m = await press(tg, user, m, -2, 0, opening(t, LOCATION.prompt))  # "only German"
    m = await send(tg, user, "44623", opening(t, RADIUS.prompt))
    m = await press(tg, user, m, 0, 0, opening(t, INTERESTS.prompt))
    m = await press(tg, user, m, -2, 0, opening(t, WISH.prompt))  # not sure yet

    question = opening(t, N_("Question {n} of {total}"))
    m = await press(tg, user, m, 0, 0, question)  # "I don't know yet"
    for _ in range(8):
        buttons = m["reply_markup"]["inline_keyboard"]
        if question not in m["text"]:
            break
        mark = tg.mark()
        tg.press_button(user, m, data=buttons[0][0]["callback_data"])  # the first topic of each question
        m = await tg.wait_for_message(user, after=mark)
    cards = m
    assert "berufenet" in cards["text"] and "⏱" in cards["text"]
    mark = tg.mark()
    tg.press_button(user, cards, data=cards["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    kept = await tg.wait_for_message(
        user,
        after=mark,
        predicate=lambda msg: msg["reply_markup"]["inline_keyboard"][0][0]["text"].startswith("✅"),
    )
    continue_row = next(
        i
        for i, row in enumerate(kept["reply_markup"]["inline_keyboard"])
        if row[0]["text"].startswith(t.gettext(N_("Continue ▶️"))[:5])
    )
    m = await press(tg, user, kept, continue_row, 0, opening(t, START.prompt))
    m = await press(tg, user, m, 0, 0, opening(t, SUMMARY.prompt))
    await press(tg, user, m, 0, 0, opening(t, MENU.prompt))


async def test_undecided_people_reach_a_coach_and_the_menu_in_three_languages(
    tg: FakeTelegram,
    coach_bot: BotProcess,
) -> None:
    await started(tg, coach_bot)
    for user, lang in ((6001, "de"), (6002, "ar"), (6003, "uk")):
        await undecided_to_the_menu(tg, user, lang)
