"""The fake Bot API itself: it reads parameters and refuses what Telegram refuses, with Telegram's answers.

Raw HTTP requests check the exact answer; a python-telegram-bot ``Bot`` checks that a bot sees the error
Telegram would give it (PTB sends every parameter as a form string, as the real API expects).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

from tests.fakebotapi import FakeTelegram

USER = 4711


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url) as bot:
        yield bot


async def post(tg: FakeTelegram, method: str, **form: str) -> tuple[int, dict[str, Any]]:
    """A form-encoded request, as a Bot API client sends one: every value a string."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{tg.base_url}{tg.token}/{method}", data=form) as response,
    ):
        return response.status, await response.json()


def keyboard(*rows: list[tuple[str, str]]) -> str:
    return json.dumps(
        {"inline_keyboard": [[{"text": text, "callback_data": data} for text, data in row] for row in rows]}
    )


async def test_an_oversized_message_gets_telegrams_400(tg: FakeTelegram, bot: Bot) -> None:
    status, body = await post(tg, "sendMessage", chat_id=str(USER), text="x" * 4097)
    assert (status, body) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
    )
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "ä" * 4097)
    assert tg.bot_messages(USER) == []
    assert [c.status for c in tg.calls if c.method == "sendMessage"] == [400, 400]
    await bot.send_message(USER, "ä" * 4096)  # the limit itself is fine
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "😀" * 2049)  # 4098 UTF-16 code units, as Telegram counts


async def test_text_is_measured_after_html_parsing(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(USER, "<b>" + "&lt;" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    assert sent.text == "<" * 4096  # 8199 characters sent, 4096 shown
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "<i>" + "x" * 4097 + "</i>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="nclosed start tag at byte offset 4"):
        await bot.send_message(USER, "Lea <3", parse_mode=ParseMode.HTML)  # unescaped text from a person
    with pytest.raises(BadRequest, match='nsupported start tag "script" at byte offset 0'):
        await bot.send_message(USER, "<script>x</script>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match='end tag corresponding to start tag "b"'):
        await bot.send_message(USER, "<b>bold", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode=ParseMode.HTML)
    assert [m["text"] for m in tg.bot_messages(USER)] == ["<" * 4096]


async def test_captions_edits_and_callback_answers_have_their_limits(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER, b"png", caption="x" * 1025)
    await bot.send_photo(USER, b"png", caption="x" * 1024)
    sent = await bot.send_message(USER, "short")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.edit_message_text("x" * 4097, USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("short", USER, sent.message_id)
    status, body = await post(tg, "answerCallbackQuery", callback_query_id="1", text="x" * 201)
    assert (status, body["description"]) == (400, "Bad Request: MESSAGE_TOO_LONG")


async def test_callback_data_over_64_bytes_is_refused(tg: FakeTelegram, bot: Bot) -> None:
    status, body = await post(
        tg, "sendMessage", chat_id=str(USER), text="pick", reply_markup=keyboard([("A", "ä" * 33)])
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")  # 66 bytes
    button = InlineKeyboardButton("A", callback_data="x" * 65)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "pick", reply_markup=InlineKeyboardMarkup([[button]]))
    fits = InlineKeyboardButton("A", callback_data="ä" * 32)
    sent = await bot.send_message(USER, "pick", reply_markup=InlineKeyboardMarkup([[fits]]))
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "ä" * 32


async def test_keyboards_over_telegrams_sizes_are_refused(tg: FakeTelegram) -> None:
    row = [(str(i), str(i)) for i in range(8)]
    status, _ = await post(
        tg, "sendMessage", chat_id=str(USER), text="ok", reply_markup=keyboard(*[row] * 12)
    )
    assert status == 200  # 96 buttons, 8 in a row
    for rows in ([[*row, ("9", "9")]], [row] * 12 + [[("x", "x")] * 5]):  # 9 in a row; 101 buttons
        status, body = await post(
            tg, "sendMessage", chat_id=str(USER), text="no", reply_markup=keyboard(*rows)
        )
        assert (status, body["description"]) == (400, "Bad Request: reply markup is too long")
    text_only = json.dumps({"inline_keyboard": [[{"text": "no action"}]]})
    status, body = await post(tg, "sendMessage", chat_id=str(USER), text="no", reply_markup=text_only)
    assert (status, body["description"]) == (
        400,
        "Bad Request: text buttons are unallowed in the inline keyboard",
    )
    status, body = await post(tg, "sendMessage", chat_id=str(USER), text="no", reply_markup="{not json")
    assert (status, body["description"]) == (
        400,
        "Bad Request: can't parse reply keyboard markup JSON object",
    )


async def test_bot_commands_are_checked(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Begin")])  # upper case
    with pytest.raises(BadRequest, match="Bot_commands_too_much"):
        await bot.set_my_commands([BotCommand(f"c{i}", "x") for i in range(101)])
    assert await bot.set_my_commands([BotCommand("start", "Begin or resume")])


async def test_parameters_are_read_by_their_declared_type(tg: FakeTelegram) -> None:
    """Only parameters the Bot API declares as numbers or booleans are converted: a text "true" stays text."""
    status, body = await post(
        tg,
        "sendMessage",
        chat_id=str(USER),
        text="true",
        disable_notification="true",
        reply_markup=keyboard([("123", "false")]),
    )
    assert status == 200 and body["result"]["text"] == "true"
    status, body = await post(tg, "sendPhoto", chat_id=str(USER), photo="file1", caption="42")
    assert status == 200 and body["result"]["caption"] == "42"
    params = [c.params for c in tg.calls]
    assert params[0]["text"] == "true" and params[0]["chat_id"] == USER
    assert params[0]["disable_notification"] is True
    assert params[0]["reply_markup"]["inline_keyboard"][0][0] == {"text": "123", "callback_data": "false"}
    assert params[1]["caption"] == "42"
    message = tg.bot_messages(USER)[0]
    assert message["text"] == "true" and message["reply_markup"]["inline_keyboard"][0][0]["text"] == "123"


async def test_a_call_is_recorded_when_it_arrives(tg: FakeTelegram) -> None:
    """A long poll is visible while it waits, and marked answered when an update ends it."""
    poll = asyncio.ensure_future(post(tg, "getUpdates", timeout="10"))
    waiting = await tg.wait_for_call("getUpdates", timeout=2)
    assert not waiting.answered
    update = tg.send_text(USER, "Hallo")
    answered = await tg.wait_for_call("getUpdates", answered=True, timeout=2)
    assert answered is waiting and answered.status == 200
    status, body = await poll
    assert status == 200 and body["result"] == [update]
