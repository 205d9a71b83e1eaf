"""Telegram transport: updates become dialog events, replies become messages and keyboards."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import warnings
from typing import Any

from telegram import (
    BotCommand,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.coach.desk import CoachDesk
from bot.coach.sender import CoachRateLimiter
from bot.coach.verification import Verification
from bot.companies.service import CompanyResult
from bot.config import Settings
from bot.places.alerts import schedule
from bot.runtime import Runtime, open_runtime
from bot.telegram.intake import Poller, Webhook
from bot.telegram.ordering import ChatOrderedUpdateProcessor
from bot.telegram.render import markup_json
from bot.telegram.request import RetryingRequest
from dialogs.i18n import LANGUAGES, N_, negotiate, translator
from dialogs.model import Event, Reply

log = logging.getLogger(__name__)
WEBHOOK_PATH = "telegram"
#: Where the application keeps its coach desk (``bot_data``), to start and stop the groups' senders.
DESK = "coach_desk"

COMMANDS = (
    ("start", N_("Start or go on")),
    ("menu", N_("Main menu")),
    ("profile", N_("Your profile")),
    ("coach", N_("Talk to a coach")),
    ("language", N_("Change the language")),
    ("privacy", N_("Your data")),
    ("cancel", N_("Stop the current question")),
    ("help", N_("Help")),
)


def event_of(update: Update) -> Event:
    query = update.callback_query
    if query is not None:
        return Event.pressed(query.data or "")
    message = update.message
    if message is None:
        return Event("unsupported")
    if message.location is not None:
        return Event("location", lat=message.location.latitude, lon=message.location.longitude)
    if message.text is not None:
        return Event.typed(message.text)
    return Event("unsupported")


class TelegramBot:
    def __init__(
        self, runtime: Runtime, desk: CoachDesk | None = None, verification: Verification | None = None
    ) -> None:
        self.runtime = runtime
        self.desk = desk
        #: Company places in the coach group (``bot/coach/verification.py``).
        self.verification = verification

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        private = filters.ChatType.PRIVATE
        app.add_handler(TypeHandler(Update, self.drop_foreign_chats), group=-1)
        app.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self.on_edited))
        app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, self.on_message))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)

    async def drop_foreign_chats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Only private chats talk to the dialog; groups, channels and unknown update kinds are ignored."""
        chat = update.effective_chat
        if chat is not None and self.desk is not None and chat.id in self.desk.groups:
            return
        if chat is None or chat.type != ChatType.PRIVATE or update.effective_user is None:
            raise ApplicationHandlerStop

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._apply(update, context, event_of(update))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        with contextlib.suppress(TelegramError):  # answering an old button can fail; the reply still comes
            await query.answer()
        await self._apply(update, context, event_of(update))

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        assert user is not None and update.effective_chat is not None
        state = await self.runtime.dialogs.state(user.id)
        t = translator(state.lang if state else negotiate(user.language_code))
        text = t.gettext(
            N_("I can't see changes to messages you already sent. Please send your answer again.")
        )
        await context.bot.send_message(update.effective_chat.id, text)

    async def _apply(self, update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event) -> None:
        user, chat = update.effective_user, update.effective_chat
        assert user is not None and chat is not None
        result = await self.runtime.dialogs.handle(
            user.id,
            event,
            negotiate(user.language_code),
            update_id=update.update_id,
            first_name=user.first_name,
        )
        query = update.callback_query
        for reply in result.replies:
            await self._send(context, chat.id, reply, result.state.lang, query.message if query else None)
        if result.attachment is not None:
            name, content = result.attachment
            await context.bot.send_document(chat.id, InputFile(content, filename=name))
        if self.verification is not None and isinstance(result, CompanyResult):
            await self.verification.after(context.bot, result, update.message)
        if self.desk is None:
            return
        # Nothing here waits for a coach group: a new request's card was queued with the request, and a
        # message for the coach is queued now; the group's sender posts them (bot/coach/sender.py).
        if result.handoff_id is not None and "relay" in result.actions and update.message is not None:
            await self.desk.relay_from_user(result.handoff_id, update.message)
        if result.deleted_topic is not None:
            await self.desk.data_deleted(*result.deleted_topic)

    async def _send(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply, lang: str, pressed: object
    ) -> None:
        """Send a reply; a multi-select toggle edits the message whose button was pressed instead."""
        # The keyboard goes as its ready JSON text, which the Bot API takes like the serialised object.
        markup = markup_json(reply, lang)
        extra = {"reply_markup": markup} if markup is not None else None
        inline_only = not (reply.ask_location or reply.remove_keyboard)
        if reply.replace_previous and isinstance(pressed, Message) and inline_only:
            try:
                await context.bot.edit_message_text(
                    reply.text, chat_id=chat_id, message_id=pressed.message_id, api_kwargs=extra
                )
                return
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return
        # The raw call: PTB would build a Message object from the answer, which the bot never reads.
        await context.bot.do_api_request(
            "sendMessage", {"chat_id": chat_id, "text": reply.text, **(extra or {})}
        )

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        # Never log message texts or names: the type and the update id are enough to find the cause.
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("update %s failed: %s", update_id, type(error).__name__, exc_info=error)
        if isinstance(error, Forbidden) or not isinstance(update, Update):
            return
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        user = update.effective_user
        lang = negotiate(user.language_code if user else None)
        if user is not None:
            try:  # the language the person chose; the database may be what just failed
                state = await self.runtime.dialogs.state(user.id)
            except Exception as exc:
                log.warning("update %s: no stored language (%s)", update_id, type(exc).__name__)
            else:
                lang = state.lang if state is not None else lang
        t = translator(lang)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                chat.id,
                t.gettext(N_("Sorry, something went wrong on my side. Please try again in a moment.")),
            )


async def set_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start: the command menu in every language, and the coach groups' senders."""
    desk = app.bot_data.get(DESK)
    if isinstance(desk, CoachDesk):
        desk.start(app.bot)
    for lang in LANGUAGES:
        t = translator(lang)
        commands = [BotCommand(name, t.gettext(description)) for name, description in COMMANDS]
        await app.bot.set_my_commands(commands, language_code=None if lang == "de" else lang)


def build_application(
    settings: Settings, runtime: Runtime, request: BaseRequest | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The PTB application. A ``request`` replaces the HTTP layer and Telegram's flood limits with it:
    benchmarks measure the bot's own cost without a network."""
    assert settings.token is not None
    # Replies go out through ``Bot.do_api_request`` (see ``TelegramBot._send``), on which PTB warns every time.
    warnings.filterwarnings("ignore", r"Please use 'Bot\.sendMessage'", PTBUserWarning)
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.telegram_api_base_url)
        .post_init(set_commands)
        .concurrent_updates(ChatOrderedUpdateProcessor(settings.concurrent_updates))
        # bot/telegram/intake.py fetches updates and confirms each only once it has been applied
        .updater(None)
    )
    routing = runtime.dialogs.coach.routing
    desk = CoachDesk(settings, runtime.dialogs, runtime.places_store, routing) if routing else None
    app: Application[Any, Any, Any, Any, Any, Any] = (
        builder.request(RetryingRequest())
        .get_updates_request(RetryingRequest(connection_pool_size=1))
        .rate_limiter(CoachRateLimiter(desk.budgets if desk else {}, max_retries=3))
        .build()
        if request is None
        else builder.request(request).get_updates_request(request).build()
    )
    if desk is not None:
        desk.register(app)
        app.bot_data[DESK] = desk
    companies = runtime.dialogs.companies
    verification = None
    if routing is not None and companies is not None:
        verification = Verification(
            routing, companies, runtime.dialogs.handoffs.outbox, runtime.dialogs.engine, runtime.dialogs.state, runtime.catalogue,
            settings.coach_language, float(settings.coach_membership_cache_seconds),
        )  # fmt: skip
        verification.register(app)
    TelegramBot(runtime, desk, verification).register(app)
    schedule(app, runtime, settings)
    return app


async def run(settings: Settings, webhook: bool = False) -> None:
    """Serve Telegram until SIGINT/SIGTERM: long polling, or a webhook that checks the secret token.

    Either way an update is confirmed to Telegram only after it has been applied (``bot/telegram/intake.py``)."""
    runtime = await open_runtime(settings)
    app = build_application(settings, runtime)
    stop = asyncio.Event()
    try:
        async with app:
            if app.post_init:
                await app.post_init(app)
            await app.start()
            _stop_on_signal(stop)
            if webhook:
                assert settings.webhook_secret is not None
                endpoint = Webhook(app, settings.webhook_secret.get_secret_value(), WEBHOOK_PATH)
                await endpoint.start(
                    settings.webhook_listen,
                    settings.webhook_port,
                    settings.webhook_url.rstrip("/") + "/" + WEBHOOK_PATH,
                )
                log.info("bot is running (webhook on %s:%s)", settings.webhook_listen, settings.webhook_port)
                await stop.wait()
                await endpoint.stop()
            else:
                await app.bot.delete_webhook()
                log.info("bot is running (long polling)")
                await Poller(app).run(stop)
            desk = app.bot_data.get(DESK)
            if isinstance(desk, CoachDesk):
                await desk.stop()
            await app.stop()
    finally:
        await runtime.close()


def _stop_on_signal(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
