"""Bot API requests that try again when Telegram or the network fails for a moment.

PTB's ``AIORateLimiter`` waits out 429s (it knows ``retry_after``); anything else would reach the handler
as an error and the person's reply would be lost. Here server errors (5xx), timeouts and network errors
are tried again with exponential backoff. Other answers (400, 403 for a blocked bot, ...) are final and
returned at once, so a person who blocked the bot causes no retry loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram._utils.types import ODVInput
from telegram.error import NetworkError, RetryAfter
from telegram.request import BaseRequest, HTTPXRequest, RequestData

#: Tries of one request in all; the waits between them are 0.5 s, 1 s, 2 s.
ATTEMPTS = 4
FIRST_WAIT = 0.5


class RetryingRequest(HTTPXRequest):
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        wait = FIRST_WAIT
        for _ in range(ATTEMPTS - 1):
            try:
                code, payload = await super().do_request(url, method, request_data, *timeouts)
                if code < 500:
                    return code, payload
            except NetworkError:  # timeouts (TimedOut) and connection errors
                pass
            await asyncio.sleep(wait)
            wait *= 2
        return await super().do_request(url, method, request_data, *timeouts)  # the last answer is final


def retry_seconds(error: RetryAfter) -> float:
    """How long Telegram asks to wait after a 429 (PTB gives seconds or a timedelta)."""
    wait: float | dt.timedelta = error.retry_after
    return wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
