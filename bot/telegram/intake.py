"""Updates in from Telegram, confirmed only once they have been applied.

PTB's ``Updater`` confirms an update to Telegram (the next ``getUpdates`` offset, or the webhook's 200) as
soon as it is queued, so a crash while the update is processed loses it: the person's answer is gone. Here
the polling offset only moves past updates whose processing has finished, and the webhook answers after
processing. After a crash Telegram delivers the unconfirmed updates again; the state store recognises those
that were applied already (``bot/chat/state_store.py``), so each is applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot.telegram.request import retry_seconds

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

#: While updates are being processed, how long to wait for one to finish before polling again for new ones.
BUSY_POLL_INTERVAL = 0.5
MAX_BACKOFF = 30.0
#: How much longer than a long poll's timeout its answer may take.
POLL_READ_MARGIN = 5.0
#: Telegram's updates are a few kilobytes; larger webhook requests are refused unread.
MAX_BODY = 1024 * 1024


async def process(app: AnyApplication, update: Update) -> None:
    """Apply one update through the application's update processor (concurrency limit, per-chat order)."""
    await app.update_processor.process_update(update, app.process_update(update))


class Poller:
    """Long polling whose offset never passes an update that is still being processed.

    Updates run concurrently as tasks. Telegram returns unconfirmed updates again on every poll, always in
    ascending id order; those below the highest id seen so far were started already and are skipped, so none
    is started twice by one process.
    """

    def __init__(self, app: AnyApplication, timeout: int = 10) -> None:
        self.app = app
        self.timeout = timeout
        self._running: dict[int, asyncio.Task[None]] = {}
        self._next = 0  # one past the highest update id seen

    @property
    def offset(self) -> int:
        """The first update id Telegram must keep: every update before it has been applied."""
        return min(self._running) if self._running else self._next

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set, then let running updates finish and confirm them."""
        failures = 0
        while not stop.is_set():
            try:
                fresh = await self._poll(stop)
                failures = 0
            except RetryAfter as error:
                await self._pause(stop, retry_seconds(error))
                continue
            except InvalidToken:
                raise
            except TelegramError as error:  # network trouble, 5xx, another process polling (Conflict)
                failures += 1
                wait = min(MAX_BACKOFF, 0.5 * 2**failures)
                log.warning("getUpdates failed (%s); next try in %.1f s", type(error).__name__, wait)
                await self._pause(stop, wait)
                continue
            for update in fresh:
                self._start(update)
            if not fresh and self._running:
                # Telegram returned only updates in progress: wait for one to finish instead of spinning.
                await asyncio.wait(
                    self._running.values(), timeout=BUSY_POLL_INTERVAL, return_when=asyncio.FIRST_COMPLETED
                )
        await self._finish()

    async def _poll(self, stop: asyncio.Event) -> list[Update]:
        """The updates not started yet. Telegram also returns those still in progress (up to 100 each
        time, while many run): they stay unparsed, which keeps polling cheap under load."""
        timeout = 0 if self._running else self.timeout  # do not wait for new ones while some are running
        parameters = {"offset": self.offset or None, "timeout": timeout, "allowed_updates": Update.ALL_TYPES}
        request = asyncio.ensure_future(
            self.app.bot.do_api_request(
                "getUpdates", api_kwargs=parameters, read_timeout=timeout + POLL_READ_MARGIN
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait((request, stopping), return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not request.done():
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await request
            return []
        fresh = [
            Update.de_json(raw, self.app.bot) for raw in request.result() if raw["update_id"] >= self._next
        ]
        for update in fresh:
            self.app.bot.insert_callback_data(update)
        return fresh

    def _start(self, update: Update) -> None:
        update_id = update.update_id
        self._next = max(self._next, update_id + 1)
        task = asyncio.create_task(process(self.app, update), name=f"update {update_id}")
        self._running[update_id] = task
        task.add_done_callback(lambda _task: self._done(update_id, _task))

    def _done(self, update_id: int, task: asyncio.Task[None]) -> None:
        del self._running[update_id]
        if not task.cancelled() and task.exception() is not None:  # PTB reports handler errors itself
            log.error("update %s failed", update_id, exc_info=task.exception())

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    async def _finish(self) -> None:
        if self._running:
            await asyncio.wait(self._running.values())
        if self._next:
            with contextlib.suppress(TelegramError):
                await self.app.bot.get_updates(offset=self.offset, timeout=0, limit=1)


class _WebhookHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, app: AnyApplication, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def post(self) -> None:
        token = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(token.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(403)
        try:
            update = Update.de_json(json.loads(self.request.body), self.app.bot)
        except (ValueError, TypeError, KeyError) as error:
            raise tornado.web.HTTPError(400) from error
        await process(self.app, update)  # answered only now: until then Telegram keeps the update

    def log_exception(self, *args: Any) -> None:  # refused requests are not errors of the bot
        if not isinstance(args[1], tornado.web.HTTPError):
            super().log_exception(*args)


class Webhook:
    """An HTTP endpoint for Telegram's webhook that checks the secret token and answers after processing."""

    def __init__(self, app: AnyApplication, secret: str, path: str) -> None:
        self.app = app
        self.secret = secret
        routes = [(f"/{path}", _WebhookHandler, {"app": app, "secret": secret})]
        self._server = tornado.httpserver.HTTPServer(
            tornado.web.Application(routes, log_function=_quiet), max_body_size=MAX_BODY
        )

    async def start(self, listen: str, port: int, url: str) -> None:
        self._server.listen(port, listen)
        await self.app.bot.set_webhook(url, secret_token=self.secret, allowed_updates=Update.ALL_TYPES)

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """No access log: request lines could carry personal data into the logs."""
