"""Concurrent update processing that keeps each chat's updates in the order they arrived.

A bot that handles one update at a time waits for every Bot API round trip (20 ms and more on a real
network) before it looks at the next person's message. PTB's ``SimpleUpdateProcessor`` runs updates
concurrently but may apply two quick messages of one person in the wrong order. This processor runs
different chats concurrently and the updates of one chat one after another, in arrival order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_key(update: object) -> int | None:
    """The chat whose updates must not overtake each other (the user for chat-less updates)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates at once; one chat's updates strictly one after another.

    PTB hands updates to :meth:`do_process_update` in the order they were fetched (its semaphore is
    first come, first served), so chaining each chat's updates on the previous one's completion keeps
    their order. Updates waiting for their chat count against ``max_concurrent_updates``.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        #: The completion of the last update handed over for each chat that has one in progress.
        self._last: dict[int, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        previous = self._last.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[key] = done
        try:
            if previous is not None:
                await asyncio.shield(previous)  # this update's cancellation must not cancel the earlier one
            await coroutine
        finally:
            done.set_result(None)
            if self._last.get(key) is done:
                del self._last[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
