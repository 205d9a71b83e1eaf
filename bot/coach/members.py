"""Who is a coach: a member of the coach group, as Telegram says, remembered for a while."""

from __future__ import annotations

import time

from telegram import Bot
from telegram.error import TelegramError

MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})


class CoachMembers:
    """Group membership checks (``getChatMember``), each confirmed one trusted for ``ttl`` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._confirmed: dict[tuple[int, int], float] = {}

    async def is_coach(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        checked = self._confirmed.get((chat_id, user_id))
        if checked is not None and time.monotonic() - checked < self.ttl:
            return True
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError:
            return False
        if member.status in MEMBER_STATUSES:
            self._confirmed[(chat_id, user_id)] = time.monotonic()
            return True
        return False
