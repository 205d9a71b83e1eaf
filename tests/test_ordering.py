"""Concurrent updates: other people are not kept waiting, one person's messages stay in order."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.telegram.ordering import ChatOrderedUpdateProcessor

BOT = {"id": 1, "is_bot": True, "first_name": "Bot"}


def text_update(update_id: int, chat_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Lea"},
                "text": str(update_id),
            },
        },
        None,
    )


async def test_one_chat_in_order_other_chats_alongside() -> None:
    processor = ChatOrderedUpdateProcessor(8)
    applied: list[int] = []

    async def apply(update_id: int, seconds: float) -> None:
        await asyncio.sleep(seconds)
        applied.append(update_id)

    # Lea's first message takes long; her second must still come after it, while Ben's is done at once.
    work = [(1, 100, 0.2), (2, 100, 0.0), (3, 200, 0.0), (4, 100, 0.0)]
    await asyncio.gather(
        *(processor.process_update(text_update(u, chat), apply(u, seconds)) for u, chat, seconds in work)
    )
    assert applied == [3, 1, 2, 4]
    assert processor._last == {}  # nothing kept for chats that have nothing in progress


async def test_a_failing_update_does_not_block_the_next_one_of_the_chat() -> None:
    processor = ChatOrderedUpdateProcessor(4)
    applied: list[int] = []

    async def fail() -> None:
        raise RuntimeError("database gone")

    async def apply() -> None:
        applied.append(2)

    first = asyncio.ensure_future(processor.process_update(text_update(1, 100), fail()))
    second = asyncio.ensure_future(processor.process_update(text_update(2, 100), apply()))
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and applied == [2]
