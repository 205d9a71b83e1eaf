"""End to end (issue 18): two operators' coach groups. The bot process routes each young person's request
to the group of their town or the nearest one, and a coach hands a person over with one button."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.coach_load import BOCHUM, GROUPS, HERNE, seed
from tests.e2e import BotProcess, started
from tests.fakebotapi import FakeTelegram

LEA, JONAS, MIA = 720_001, 720_002, 720_003  # from Herne, Bochum, Witten
HERNE_COACH = 9101


@pytest.fixture
async def groups_bot(tg: FakeTelegram, db_url: str, tmp_path: Path) -> AsyncIterator[BotProcess]:
    await seed(db_url, tmp_path, {LEA: "Herne", JONAS: "Bochum", MIA: "Witten"})
    tg.set_member(HERNE, HERNE_COACH)
    process = BotProcess(
        tg, db_url, tmp_path, COACH_GROUPS=",".join(f"{town}={chat}" for town, chat in GROUPS.items()),
        COACH_CONTACT_TEXT_BOCHUM="Bildungsinstitut Vogel, 0234 000000",
    )  # fmt: skip
    yield process
    await process.stop()
    assert "Traceback" not in process.served, process.served[-3000:]


async def request(tg: FakeTelegram, user: int, name: str) -> dict[str, Any]:
    """The person asks for a coach: the bot's reply to them."""
    mark = tg.mark()
    tg.send_text(user, "/coach", first_name=name, language_code="en")
    return await tg.wait_for_message(user, contains="A coach has been told", after=mark)


async def test_requests_go_to_the_group_of_the_town_or_the_nearest_and_can_be_handed_over(
    tg: FakeTelegram, groups_bot: BotProcess
) -> None:
    await started(tg, groups_bot)
    mark = tg.mark()
    await request(tg, LEA, "Lea")
    jonas = await request(tg, JONAS, "Jonas")
    assert "Bildungsinstitut Vogel, 0234 000000" in jonas["text"]  # Bochum's operator, named to Jonas
    await request(tg, MIA, "Mia")
    lea_card = await tg.wait_for_message(HERNE, contains="Anfrage von Lea", after=mark)
    await tg.wait_for_message(BOCHUM, contains="Anfrage von Jonas", after=mark)
    await tg.wait_for_message(BOCHUM, contains="Anfrage von Mia", after=mark)  # Witten: Bochum is nearer
    for chat, absent in ((HERNE, ("Jonas", "Mia")), (BOCHUM, ("Lea",))):
        texts = [str(m.get("text")) for m in tg.bot_messages(chat)]
        assert not [t for t in texts for name in absent if f"Anfrage von {name}" in t]

    # Lea writes, then Herne's coach hands her over to Bochum: card and conversation move
    mark = tg.mark()
    written = tg.send_text(LEA, "Ich wohne jetzt in Bochum.")
    await tg.wait_for_call("copyMessage", after=mark, predicate=lambda c: c.params["chat_id"] == HERNE)
    buttons = [b for row in lea_card["reply_markup"]["inline_keyboard"] for b in row]
    hand_over = next(b for b in buttons if "Bochum" in b["text"])
    mark = tg.mark()
    tg.press_button(HERNE_COACH, lea_card, data=hand_over["callback_data"])
    told = await tg.wait_for_message(LEA, contains="coaches in Bochum take over", after=mark)
    assert "Bildungsinstitut Vogel" in told["text"]
    card = await tg.wait_for_message(BOCHUM, contains="Anfrage von Lea", after=mark)
    copied = await tg.wait_for_call(
        "copyMessage", after=mark, predicate=lambda c: c.params["chat_id"] == BOCHUM
    )
    assert copied.params["message_id"] == written["message"]["message_id"]
    assert copied.params["message_thread_id"] == card["message_thread_id"]
    await tg.wait_for_message(HERNE, contains="Bochum", after=mark)  # the old topic says where she went

    # what Lea writes now goes to Bochum
    mark = tg.mark()
    tg.send_text(LEA, "Danke!")
    again = await tg.wait_for_call("copyMessage", after=mark)
    assert again.params["chat_id"] == BOCHUM
    assert again.params["message_thread_id"] == card["message_thread_id"]
