"""End to end over the fake Bot API: a company reports places, coaches verify them, a young person shares."""

from __future__ import annotations

from typing import Any

from tests.e2e import COACH, COACH_CHAT, USER, BotProcess, say, started, tap
from tests.fakebotapi import FakeTelegram

COMPANY = 6001
HOSTILE = "<b>Bäckerei</b> & Söhne 🥖 ‏مخبز‎"


def card_with(tg: FakeTelegram, prefix: str, contains: str = "") -> tuple[dict[str, Any], str]:
    """The newest coach-group message with a button whose callback data starts with ``prefix``."""
    for message in reversed(tg.bot_messages(COACH_CHAT)):
        if contains not in str(message.get("text", "")):
            continue
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if b["callback_data"].startswith(prefix):
                    return message, b["callback_data"]
    raise AssertionError(f"no coach-group button {prefix!r}")


async def report_place(tg: FakeTelegram, first: bool, occupation: str, pick: str) -> None:
    if first:
        m = await say(tg, "/start betrieb", "What we store", user=COMPANY, language_code="en")
        m = await tap(tg, m, "Report a place", "name of your company", COMPANY)
        m = await say(tg, HOSTILE, "contact person", user=COMPANY)
        m = await say(tg, "Ayşe Yılmaz", "reach you", user=COMPANY)
        m = await say(tg, "0176 1234567", "Street, postcode and town", user=COMPANY)
        m = await say(tg, "Bahnhofstraße 5, 44623 Herne", "Which Ausbildung", user=COMPANY)
    else:
        m = await say(tg, "/menu", "What would you like to do", user=COMPANY)
        m = await tap(tg, m, "Report a place", "Which Ausbildung", COMPANY)
    m = await say(tg, occupation, "Tap it to confirm", user=COMPANY)
    m = await tap(tg, m, pick, "How many places", COMPANY)
    m = await tap(tg, m, "1", "When does the Ausbildung start", COMPANY)
    m = await tap(tg, m, "As soon as possible", "school certificate", COMPANY)
    m = await tap(tg, m, "No requirement", "short text", COMPANY)
    m = await say(tg, "Wir backen <i>alles</i> selbst.", "Is everything right", user=COMPANY)
    mark = tg.mark()
    await tap(tg, m, "Submit", "A coach of Ausbildungswege NRW checks the place", COMPANY)
    await tg.wait_for_message(COACH_CHAT, contains=pick.split("/")[0], after=mark)


async def press(tg: FakeTelegram, who: int, message: dict[str, Any], data: str) -> Any:
    mark = tg.mark()
    tg.press_button(who, message, data=data)
    return await tg.wait_for_call("answerCallbackQuery", after=mark)


async def test_company_place_from_report_to_profile_card(tg: FakeTelegram, coach_bot: BotProcess) -> None:
    await started(tg, coach_bot)
    await report_place(tg, True, "Bäcker", "Bäcker/-in")
    card, approve = card_with(tg, "vf:a:", "Bäcker")
    assert "<b>Bäckerei</b> &amp; Söhne" not in card["text"] and HOSTILE in card["text"]  # shown as typed
    assert "0176 1234567" in card["text"]  # the coaches see the contact data

    # only coach-group members, and never the company's own contact
    refused = await press(tg, COMPANY, card, approve)
    assert "Nur für Coaches" in refused.params.get("text", "")
    tg.set_member(COACH_CHAT, COMPANY, "member")
    refused = await press(tg, COMPANY, card, approve)
    assert "eigenen Platz" in refused.params.get("text", "")
    mark = tg.mark()
    tg.press_button(COACH, card, data=approve)
    await tg.wait_for_message(COMPANY, contains="now shown to young people", after=mark)

    # a second place: the coach asks back in a topic with the company, then rejects it
    await report_place(tg, False, "Konditor", "Konditor/-in")
    card, ask = card_with(tg, "vf:q:", "Konditor")
    mark = tg.mark()
    tg.press_button(COACH, card, data=ask)
    await tg.wait_for_call("createForumTopic", after=mark)
    await tg.wait_for_message(COMPANY, contains="has a question about your place", after=mark)
    thread = next(t for (chat, t), name in tg.topics.items() if chat == COACH_CHAT and "Bäckerei" in name)
    tg.send_in_group(COACH_CHAT, COACH, "Ist die Stelle in Teilzeit?", message_thread_id=thread)
    await tg.wait_for_message(COMPANY, contains="Ist die Stelle in Teilzeit?", after=mark)
    mark = tg.mark()
    tg.send_text(COMPANY, "Nein, Vollzeit.")
    copied = await tg.wait_for_call("copyMessage", after=mark)
    assert copied.params["chat_id"] == COACH_CHAT and copied.params["message_thread_id"] == thread
    card, reject = card_with(tg, "vf:r:", "Konditor")
    mark = tg.mark()
    tg.press_button(COACH, card, data=reject)
    await tg.wait_for_call("editMessageReplyMarkup", after=mark)
    reasons = tg.messages[COACH_CHAT][card["message_id"]]
    _, reason = card_with(tg, "vf:x:", "Konditor")
    mark = tg.mark()
    tg.press_button(COACH, reasons, data=reason)
    await tg.wait_for_message(COMPANY, contains="was not approved", after=mark)

    # a young person nearby sees the approved place only, marked, without the company's contact data
    m = await say(tg, "/start", "how old are you", language_code="en")
    m = await say(tg, "17", "Is that okay")
    m = await tap(tg, m, "Yes, I agree", "What are you doing")
    m = await tap(tg, m, "finished school", "school certificate")
    m = await tap(tg, m, "Mittlerer Schulabschluss (MSA)", "How well do you speak German")
    m = await tap(tg, m, "Good", "Which other languages")
    m = await tap(tg, m, "Only German", "Where do you live")
    m = await say(tg, "Herne", "How far")
    m = await tap(tg, m, "10 km", "What are you interested in")
    m = await tap(tg, m, "Crafts", "What are you interested in")
    m = await tap(tg, m, "Done", "Which job")
    m = await say(tg, "Konditor", "Did you mean")
    m = await tap(tg, m, "Konditor/-in", "Saved")
    m = await tap(tg, m, "Add another job", "Which job")
    m = await say(tg, "Bäcker", "Did you mean")
    m = await tap(tg, m, "Bäcker/-in", "Saved")
    m = await tap(tg, m, "Continue", "When could you start")
    m = await tap(tg, m, "As soon as possible", "Here is your profile")
    m = await tap(tg, m, "All correct", "What would you like to do")
    places = await tap(tg, m, "Open places", "open place")
    assert "via Ausbildungswege NRW" in places["text"] and "Bäcker" in places["text"]
    assert "Konditor/-in –" not in places["text"] and "I found 1 open place" in places["text"]
    details = await tap(tg, places, "ℹ️ 1", "From the company")
    assert "0176" not in details["text"] and "Wir backen <i>alles</i> selbst." in details["text"]
    question = await tap(tg, details, "I'm interested", "May the coach send")
    mark = tg.mark()
    await tap(tg, question, "Yes, send it", "A coach sends the company your first name")
    notice = await tg.wait_for_message(COACH_CHAT, contains="Lea", after=mark)
    _, send = card_with(tg, "sh:s:", "Lea")
    mark = tg.mark()
    tg.press_button(COACH, notice, data=send)
    profile = await tg.wait_for_message(COMPANY, contains="Profile of Lea", after=mark)
    assert "Mittlerer Schulabschluss (MSA)" in profile["text"] and "Herne" in profile["text"]
    assert str(USER) not in str(profile) and "@" not in profile["text"]
    mark = tg.mark()
    await tap(tg, profile, "We would like to meet", "arrange the contact", COMPANY)
    await tg.wait_for_message(COACH_CHAT, contains="Lea", after=mark)
