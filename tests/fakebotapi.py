"""A small fake Telegram Bot API server for end-to-end tests, on 127.0.0.1.

The real bot process talks to it through ``TELEGRAM_API_BASE_URL``. Tests play the people: they queue
updates (texts, button presses, locations, photos, coach messages in forum topics) that the bot fetches
with ``getUpdates``, and read what the bot sent. Faults can be injected: 429s, a blocked user, a deleted
forum topic, a request that never gets an answer.

It is as strict as Telegram where a bot can get it wrong: parameters are read the way the Bot API reads
them (form values are strings; only parameters the API declares as integers, booleans or JSON-serialized
objects are converted, by name), texts are measured after HTML parsing, and Telegram's limits give
Telegram's 400 answers (the constants below), so a reply the real API would refuse fails the test.
Every call is recorded when it arrives (a long poll is visible while it waits) and marked when answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 123456
TOKEN = f"{BOT_ID}:TEST-TOKEN-abcdefghijklmnopqrstuvwx"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Ausbildungsbot", "username": "ausbildungs_test_bot"}
SENDING = {
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "copyMessage",
    "sendPhoto",
    "sendDocument",
}

# ---------------------------------------------------------------- Telegram's limits and answers
#: Bot API documentation (core.telegram.org/bots/api): text 1-4096 characters and captions 0-1024 characters
#: after entities parsing, callback_data 1-64 bytes, callback query answers 0-200 characters, bot commands
#: 1-32 characters of a-z, 0-9 and _ with descriptions of 1-256 characters, at most 100 commands.
#: Keyboard sizes are not documented; as observed (github.com/tginfo/Telegram-Limits), Telegram refuses more
#: than 100 inline buttons or 8 in a row, and more than 300 reply keyboard buttons or 12 in a row, with
#: "reply markup is too long".
#: Lengths are counted in UTF-16 code units, as Telegram counts entity offsets: never less than the number
#: of characters, so a text accepted here is accepted by Telegram.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
INLINE_BUTTONS, INLINE_ROW = 100, 8
REPLY_BUTTONS, REPLY_ROW = 300, 12
COMMANDS_LIMIT, COMMAND_DESCRIPTION_LIMIT = 100, 256
COMMAND = re.compile(r"[a-z0-9_]{1,32}")

TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
TEXT_EMPTY = "Bad Request: message text is empty"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
MARKUP_TOO_LONG = "Bad Request: reply markup is too long"
TEXT_BUTTONS = "Bad Request: text buttons are unallowed in the inline keyboard"
ANSWER_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"

#: Telegram's flood limit in a group: about 20 messages a minute (core.telegram.org/bots/faq); beyond it a
#: 429 with ``retry_after``. These methods put a message into the chat (a new forum topic shows one too).
GROUP_LIMIT, GROUP_WINDOW = 20, 60.0
GROUP_COUNTED = frozenset(
    {"sendMessage", "copyMessage", "sendPhoto", "sendDocument", "editMessageText", "createForumTopic"}
)

#: Methods with a ``text`` to show and methods whose ``caption`` is shown under media.
TEXT_METHODS = {"sendMessage", "editMessageText"}
CAPTION_METHODS = {"sendPhoto", "sendDocument", "sendVoice", "sendVideo", "copyMessage", "editMessageCaption"}

# ---------------------------------------------------------------- parameters, read as the Bot API reads them
#: Parameters the Bot API documents as JSON-serialized objects or arrays.
JSON_PARAMS = frozenset({
    "reply_markup", "allowed_updates", "commands", "scope", "entities", "caption_entities",
    "reply_parameters", "link_preview_options", "media", "results", "permissions",
})  # fmt: skip
#: Parameters the Bot API documents as Integer (``chat_id`` may also be "@channelusername").
INT_PARAMS = frozenset({
    "chat_id", "from_chat_id", "message_id", "message_thread_id", "reply_to_message_id", "user_id",
    "offset", "limit", "timeout", "cache_time", "icon_color", "max_connections", "until_date",
    "duration", "width", "height",
})  # fmt: skip
#: Parameters the Bot API documents as Boolean.
BOOL_PARAMS = frozenset({
    "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
    "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
    "disable_content_type_detection", "show_caption_above_media", "revoke_messages", "only_if_banned",
})  # fmt: skip
FLOAT_PARAMS = frozenset({"latitude", "longitude", "horizontal_accuracy"})


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def parse_param(name: str, value: Any) -> Any:
    """One request parameter as the Bot API reads it: by its declared type, never by guessing from the value.

    Form values arrive as strings; JSON bodies already carry typed values (then only JSON-serialized objects
    sent as strings are decoded). Uploaded files become their file name."""
    if not isinstance(value, str):
        return getattr(value, "filename", None) or value
    if name in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            what = "reply keyboard markup" if name == "reply_markup" else name
            raise ApiError(400, f"Bad Request: can't parse {what} JSON object") from None
    if name in INT_PARAMS:
        with contextlib.suppress(ValueError):
            return int(value)
        return value  # "@channelusername"; a bad number fails where it is used, as "chat not found" would
    if name in BOOL_PARAMS:
        return value.strip().lower() in ("true", "1")
    if name in FLOAT_PARAMS:
        with contextlib.suppress(ValueError):
            return float(value)
    return value


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


HTML_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "tg-emoji"}
    | {"code", "pre", "blockquote"}
)
_HTML_TOKEN = re.compile(r"<|&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|(?:lt|gt|amp|quot)(?![A-Za-z]));?")


def visible_html(text: str) -> str:
    """The text Telegram shows for ``parse_mode=HTML``, or its "can't parse entities" 400.

    Supported tags, properly nested; the entities &lt; &gt; &amp; &quot; and numeric ones (another ``&`` is
    kept as it is). A ``<`` that does not start a supported tag is refused, as Telegram does."""
    out: list[str] = []
    open_tags: list[str] = []
    pos = 0

    def fail(reason: str) -> ApiError:
        return ApiError(400, f"Bad Request: can't parse entities: {reason}")

    def offset(index: int) -> int:
        return len(text[:index].encode())

    for token in _HTML_TOKEN.finditer(text):
        if token.start() < pos:
            continue
        out.append(text[pos : token.start()])
        pos = token.end()
        if token.group() != "<":
            entity = token.group(1)
            code = {"lt": 60, "gt": 62, "amp": 38, "quot": 34}.get(entity)
            if code is None:
                code = int(entity[2:], 16) if entity[1] in "xX" else int(entity[1:])
            out.append(chr(code) if 0 < code < 0x110000 else token.group())
            continue
        end = text.find(">", token.start())
        if end < 0:
            raise fail(f"Unclosed start tag at byte offset {offset(token.start())}")
        inside = text[token.start() + 1 : end]
        pos = end + 1
        if inside.startswith("/"):
            name = inside[1:].strip().lower()
            if not open_tags:
                raise fail(f"Unexpected end tag at byte offset {offset(token.start())}")
            if name and name != open_tags[-1]:
                raise fail(
                    f'Unmatched end tag at byte offset {offset(token.start())}, expected "</{open_tags[-1]}>", '
                    f'found "</{name}>"'
                )
            open_tags.pop()
            continue
        name = re.split(r"\s", inside, maxsplit=1)[0].lower()
        if name not in HTML_TAGS:
            raise fail(f'Unsupported start tag "{name}" at byte offset {offset(token.start())}')
        open_tags.append(name)
    out.append(text[pos:])
    if open_tags:
        raise fail(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(out)


def shown_text(params: dict[str, Any], name: str) -> str:
    """The text or caption as people will read it: HTML parsed, surrounding white space stripped."""
    raw = str(params.get(name) or "")
    mode = str(params.get("parse_mode") or "")
    if mode.upper() == "HTML":
        raw = visible_html(raw)
    elif mode and mode not in ("Markdown", "MarkdownV2"):
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    return raw.strip()


def check_keyboard(markup: Any) -> None:
    """Telegram's refusals for an inline or reply keyboard that is too big or has invalid buttons."""
    if not isinstance(markup, dict):
        return
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if sum(len(row) for row in rows) > INLINE_BUTTONS or any(len(row) > INLINE_ROW for row in rows):
            raise ApiError(400, MARKUP_TOO_LONG)
        for button in (b for row in rows for b in row):
            if "callback_data" in button:
                if not 1 <= len(str(button["callback_data"]).encode()) <= CALLBACK_DATA_LIMIT:
                    raise ApiError(400, BUTTON_DATA_INVALID)
            elif (
                not {"url", "switch_inline_query", "web_app", "login_url", "pay", "copy_text"} & button.keys()
            ):
                raise ApiError(400, TEXT_BUTTONS)
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if sum(len(row) for row in rows) > REPLY_BUTTONS or any(len(row) > REPLY_ROW for row in rows):
            raise ApiError(400, MARKUP_TOO_LONG)


def check_limits(method: str, params: dict[str, Any]) -> None:
    """Raise the 400 Telegram gives for a call that breaks its limits."""
    if method in TEXT_METHODS:
        text = shown_text(params, "text")
        if not text:
            raise ApiError(400, TEXT_EMPTY)
        if utf16_len(text) > TEXT_LIMIT:
            raise ApiError(400, TOO_LONG)
    if method in CAPTION_METHODS and utf16_len(shown_text(params, "caption")) > CAPTION_LIMIT:
        raise ApiError(400, CAPTION_TOO_LONG)
    if method == "answerCallbackQuery" and utf16_len(str(params.get("text") or "")) > CALLBACK_ANSWER_LIMIT:
        raise ApiError(400, ANSWER_TOO_LONG)
    if method == "setMyCommands":
        commands = params.get("commands") or []
        if len(commands) > COMMANDS_LIMIT:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not COMMAND.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = str(command.get("description", "")).strip()
            if not description:
                raise ApiError(400, "Bad Request: command description must be non-empty")
            if utf16_len(description) > COMMAND_DESCRIPTION_LIMIT:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    check_keyboard(params.get("reply_markup"))


@dataclass
class Call:
    """One request to the fake, recorded when it arrives; ``status`` is set when it has been answered."""

    method: str
    params: dict[str, Any]
    time: float
    chat_id: int | None = None
    message_id: int | None = None
    status: int | None = None
    description: str | None = None
    #: Held without an answer by ``stall_next_send``.
    stalled: bool = False

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def refused(self) -> bool:
        return self.status is not None and self.status != 200


@dataclass
class Fault:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | None


@dataclass
class FakeTelegram:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    #: Messages a group chat (negative id) takes per ``group_window`` seconds; tests shorten the window to
    #: run in seconds.
    group_limit: int = GROUP_LIMIT
    group_window: float = GROUP_WINDOW

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._threads = itertools.count(100)
        self.messages: dict[int, dict[int, dict[str, Any]]] = {}
        self.reply_keyboards: dict[int, dict[str, Any]] = {}
        self.members: dict[tuple[int, int], str] = {}
        self.blocked: set[int] = set()
        self.deleted_topics: set[tuple[int, int]] = set()
        self.topics: dict[tuple[int, int], str] = {}
        self.faults: list[Fault] = []
        self.stalls: dict[int, asyncio.Event] = {}
        self._closing = asyncio.Event()
        self.languages: dict[int, str] = {}
        self.confirmed_offset = 0
        self._changed = asyncio.Condition()
        #: Arrival times of the messages each group accepted, for its flood limit.
        self.group_sends: dict[int, list[float]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------ server

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._closing.set()  # long polls and stalled requests end now, not after their timeouts
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        call = Call(method, {}, time.monotonic())
        try:
            raw: dict[str, Any] = {}
            if request.content_type == "application/json":
                raw = await request.json()
            elif request.can_read_body:
                raw = dict(await request.post())
            raw.update(request.query)
            call.params = {name: parse_param(name, value) for name, value in raw.items()}
        except ApiError as error:
            await self._record(call)
            return await self._answer(call, error)
        await self._record(call)  # on arrival: a waiting long poll or a stalled request is visible
        params = call.params
        stall = self.stalls.pop(params.get("chat_id"), None) if method in SENDING else None  # type: ignore[arg-type]
        if stall is not None:
            call.stalled = True
            stall.set()
            await self._closing.wait()  # no answer while the fake runs: the bot is stuck mid-update
        try:
            self._inject(method, params)
            check_limits(method, params)
            self._flood_limit(method, params, call.time)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = (
                await handler(params, call) if asyncio.iscoroutinefunction(handler) else handler(params, call)
            )
        except ApiError as error:
            return await self._answer(call, error)
        return await self._answer(call, result=result)

    async def _answer(self, call: Call, error: ApiError | None = None, result: Any = None) -> web.Response:
        body: dict[str, Any] = {"ok": True, "result": result}
        if error is not None:
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
        async with self._changed:
            call.status = 200 if error is None else error.code
            call.description = None if error is None else error.description
            self._changed.notify_all()
        return web.json_response(body, status=call.status)

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _inject(self, method: str, params: dict[str, Any]) -> None:
        chat = params.get("chat_id")
        for fault in self.faults:
            if (
                fault.method == method
                and fault.times > 0
                and (fault.chat_id is None or fault.chat_id == chat)
            ):
                fault.times -= 1
                raise ApiError(fault.error_code, fault.description, fault.retry_after)
        if method in SENDING and chat in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        thread = params.get("message_thread_id")
        if thread is not None and (chat, thread) in self.deleted_topics:
            raise ApiError(400, "Bad Request: message thread not found")

    def _flood_limit(self, method: str, params: dict[str, Any], now: float) -> None:
        """A group's messages beyond ``group_limit`` in any ``group_window``: 429 until the oldest one ages out."""
        chat = params.get("chat_id")
        if method not in GROUP_COUNTED or not isinstance(chat, int) or chat >= 0:
            return
        sent = self.group_sends.setdefault(chat, [])
        recent = [t for t in sent if now - t < self.group_window]
        if len(recent) >= self.group_limit:
            wait = recent[0] + self.group_window - now
            raise ApiError(429, f"Too Many Requests: retry after {math.ceil(wait)}", max(1, math.ceil(wait)))
        sent.append(now)

    # ------------------------------------------------------------ Bot API methods

    def _api_getMe(self, params: dict[str, Any], call: Call) -> Any:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _true(self, params: dict[str, Any], call: Call) -> Any:
        return True

    _api_deleteWebhook = _api_setWebhook = _api_setMyCommands = _api_deleteMyCommands = _true
    _api_answerCallbackQuery = _api_sendChatAction = _api_logOut = _api_close = _true
    _api_editForumTopic = _api_closeForumTopic = _api_deleteForumTopic = _true

    def _api_getWebhookInfo(self, params: dict[str, Any], call: Call) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _api_getMyCommands(self, params: dict[str, Any], call: Call) -> Any:
        return []

    def _api_reopenForumTopic(self, params: dict[str, Any], call: Call) -> Any:
        if (params["chat_id"], params["message_thread_id"]) in self.deleted_topics:
            raise ApiError(400, "Bad Request: message thread not found")
        return True

    async def _api_getUpdates(self, params: dict[str, Any], call: Call) -> Any:
        offset = int(params.get("offset") or 0)
        if offset:
            async with self._changed:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self._changed.notify_all()
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        async with self._changed:
            while not self._updates and time.monotonic() < deadline and not self._closing.is_set():
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            return self._updates[: int(params.get("limit") or 100)]

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Lea"}
        return {"id": chat_id, "type": "supergroup", "title": "Coaches", "is_forum": True}

    def _new_message(self, chat_id: int, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        message_id = next(self._message_ids.setdefault(chat_id, itertools.count(1)))
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": sender,
        }
        thread = content.pop("message_thread_id", None)
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        message.update({k: v for k, v in content.items() if v is not None})
        self.messages.setdefault(chat_id, {})[message_id] = message
        return message

    def _bot_message(self, params: dict[str, Any], call: Call, **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "keyboard" in markup:
            self.reply_keyboards[chat_id] = markup
        inline = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        message = self._new_message(
            chat_id,
            BOT_USER,
            message_thread_id=params.get("message_thread_id"),
            reply_markup=inline,
            **content,
        )
        call.chat_id, call.message_id = chat_id, message["message_id"]
        return message

    def _api_sendMessage(self, params: dict[str, Any], call: Call) -> Any:
        return self._bot_message(params, call, text=shown_text(params, "text"))

    def _api_sendPhoto(self, params: dict[str, Any], call: Call) -> Any:
        photo = [{"file_id": "photo1", "file_unique_id": "p1", "width": 10, "height": 10}]
        return self._bot_message(params, call, photo=photo, caption=shown_text(params, "caption") or None)

    def _api_sendDocument(self, params: dict[str, Any], call: Call) -> Any:
        name = params.get("document") if isinstance(params.get("document"), str) else "file"
        return self._bot_message(
            params, call, document={"file_id": "doc1", "file_unique_id": "d1", "file_name": name}
        )

    def _api_copyMessage(self, params: dict[str, Any], call: Call) -> Any:
        source = self.messages.get(int(params["from_chat_id"]), {}).get(int(params["message_id"]))
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        content = {
            k: source[k] for k in ("text", "photo", "document", "voice", "sticker", "caption") if k in source
        }
        if params.get("caption") is not None:
            content["caption"] = shown_text(params, "caption")
        return {"message_id": self._bot_message(params, call, **content)["message_id"]}

    def _edit(self, params: dict[str, Any], call: Call, text: str | None) -> Any:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        if text is not None:
            message["text"] = text
        message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        call.chat_id, call.message_id = chat_id, message_id
        return message

    def _api_editMessageText(self, params: dict[str, Any], call: Call) -> Any:
        return self._edit(params, call, shown_text(params, "text"))

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], call: Call) -> Any:
        return self._edit(params, call, None)

    def _api_deleteMessage(self, params: dict[str, Any], call: Call) -> Any:
        self.messages.get(int(params["chat_id"]), {}).get(int(params["message_id"]), {})["deleted"] = True
        return True

    def _api_createForumTopic(self, params: dict[str, Any], call: Call) -> Any:
        thread = next(self._threads)
        self.topics[(int(params["chat_id"]), thread)] = str(params["name"])
        return {"message_thread_id": thread, "name": params["name"], "icon_color": 7322096}

    def _api_getChatMember(self, params: dict[str, Any], call: Call) -> Any:
        user_id = int(params["user_id"])
        status = self.members.get((int(params["chat_id"]), user_id), "left")
        member: dict[str, Any] = {
            "status": status,
            "user": {"id": user_id, "is_bot": False, "first_name": "X"},
        }
        if status == "restricted":
            member.update(is_member=True, until_date=0)
        return member

    def _api_getChat(self, params: dict[str, Any], call: Call) -> Any:
        return self._chat(int(params["chat_id"]))

    # ------------------------------------------------------------ people

    def _queue(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def person(
        self, user_id: int, first_name: str = "Lea", language_code: str | None = None
    ) -> dict[str, Any]:
        """A Telegram user; the language given once is kept for that user, as the app would send it."""
        if language_code is not None:
            self.languages[user_id] = language_code
        code = self.languages.get(user_id, "de")
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": code}

    def _user_message(
        self, user_id: int, chat_id: int | None = None, sender: dict[str, Any] | None = None, **content: Any
    ) -> dict[str, Any]:
        chat = chat_id if chat_id is not None else user_id
        return self._new_message(chat, sender or self.person(user_id), **content)

    def send_text(
        self, user_id: int, text: str, *, first_name: str = "Lea", language_code: str | None = None
    ) -> dict[str, Any]:
        entities = (
            [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            if text.startswith("/")
            else None
        )
        message = self._user_message(
            user_id, sender=self.person(user_id, first_name, language_code), text=text, entities=entities
        )
        return self._queue({"message": message})

    send_command = send_text

    def send_location(self, user_id: int, lat: float, lon: float) -> dict[str, Any]:
        return self._queue(
            {"message": self._user_message(user_id, location={"latitude": lat, "longitude": lon})}
        )

    def send_sticker(self, user_id: int) -> dict[str, Any]:
        sticker = {
            "file_id": "s1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self._queue({"message": self._user_message(user_id, sticker=sticker)})

    def send_photo(self, user_id: int, caption: str | None = None) -> dict[str, Any]:
        photo = [{"file_id": "ph1", "file_unique_id": "ph1", "width": 90, "height": 90}]
        return self._queue({"message": self._user_message(user_id, photo=photo, caption=caption)})

    def send_voice(self, user_id: int) -> dict[str, Any]:
        return self._queue(
            {
                "message": self._user_message(
                    user_id, voice={"file_id": "v1", "file_unique_id": "v1", "duration": 3}
                )
            }
        )

    def edit_text(self, user_id: int, message_id: int, text: str) -> dict[str, Any]:
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": self._chat(user_id),
            "from": self.person(user_id),
            "text": text,
        }
        return self._queue({"edited_message": message})

    def send_in_group(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        message_thread_id: int | None = None,
        is_forum: bool = True,
    ) -> dict[str, Any]:
        sender = self.person(user_id, first_name="Coach")
        entities = (
            [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            if text.startswith("/")
            else None
        )
        message = self._user_message(
            user_id,
            chat_id=chat_id,
            sender=sender,
            text=text,
            entities=entities,
            message_thread_id=message_thread_id,
        )
        message["chat"]["is_forum"] = is_forum
        return self._queue({"message": message})

    def press_button(
        self, user_id: int, message: dict[str, Any], text: str | None = None, data: str | None = None
    ) -> dict[str, Any]:
        current = self.messages.get(message["chat"]["id"], {}).get(message["message_id"], message)
        buttons = [b for row in (current.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        chosen = next(
            (
                b
                for b in buttons
                if (data is not None and b.get("callback_data") == data)
                or (text is not None and b["text"] == text)
            ),
            None,
        )
        if chosen is None:
            raise AssertionError(
                f"no button {text or data!r} on {current.get('text', '')[:80]!r}: {[b['text'] for b in buttons]}"
            )
        query = {
            "id": str(next(self._update_ids) * 7),
            "from": self.person(user_id),
            "chat_instance": "ci",
            "data": chosen["callback_data"],
            "message": current,
        }
        return self._queue({"callback_query": query})

    def send_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        return self._queue(update)

    # ------------------------------------------------------------ faults and membership

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = 1,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        text = description or (
            f"Too Many Requests: retry after {retry_after}" if error_code == 429 else "Internal Server Error"
        )
        self.faults.append(
            Fault(method, error_code, text, retry_after if error_code == 429 else None, times, chat_id)
        )

    def stall_next_send(self, chat_id: int) -> asyncio.Event:
        """The next message to ``chat_id`` hangs without an answer; the event is set when it arrives."""
        arrived = asyncio.Event()
        self.stalls[chat_id] = arrived
        return arrived

    def block_user(self, user_id: int) -> None:
        self.blocked.add(user_id)

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        self.deleted_topics.add((chat_id, thread_id))

    def set_member(self, chat_id: int, user_id: int, status: str = "member") -> None:
        self.members[(chat_id, user_id)] = status

    # ------------------------------------------------------------ reading what the bot did

    def mark(self) -> int:
        return len(self.calls)

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages.get(chat_id, {}).values() if m["from"].get("id") == BOT_ID]

    def reply_keyboard(self, chat_id: int) -> dict[str, Any]:
        return self.reply_keyboards.get(chat_id, {})

    def _describe(self, chat_id: int) -> str:
        return "\n---\n".join(
            str(m.get("text") or m.get("caption") or m)[:300] for m in self.bot_messages(chat_id)[-5:]
        )

    async def _wait(self, find: Callable[[], Any], timeout: float, what: Callable[[], str]) -> Any:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                found = find()
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(what())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_for_call(
        self,
        method: str,
        *,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
        after: int = 0,
        answered: bool = False,
    ) -> Call:
        """The first ``method`` call since ``after``, as soon as it arrives (with ``answered``: once answered)."""

        def find() -> Call | None:
            return next(
                (
                    c
                    for c in self.calls[after:]
                    if c.method == method
                    and (predicate is None or predicate(c))
                    and (c.answered or not answered)
                ),
                None,
            )

        return await self._wait(  # type: ignore[no-any-return]
            find, timeout, lambda: f"no {method} call; last calls: {[c.method for c in self.calls[-10:]]}"
        )

    async def wait_for_message(
        self,
        chat_id: int,
        *,
        contains: str | None = None,
        predicate: Any = None,
        timeout: float = 10.0,
        after: int = 0,
    ) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            for call in self.calls[after:]:
                if call.method in SENDING and call.chat_id == chat_id and call.message_id is not None:
                    message = self.messages[chat_id][call.message_id]
                    body = str(message.get("text") or message.get("caption") or "")
                    if (contains is None or contains in body) and (predicate is None or predicate(message)):
                        return message
            return None

        return await self._wait(  # type: ignore[no-any-return]
            find,
            timeout,
            lambda: f"no message with {contains!r} to {chat_id}; last:\n{self._describe(chat_id)}",
        )

    async def wait_until_confirmed(self, update: dict[str, Any], timeout: float = 10.0) -> None:
        """Until the bot confirmed ``update`` with a later ``getUpdates`` offset: it has been applied, and
        whatever the bot sent for it has arrived here (quicker and surer than waiting for quiet)."""
        await self._wait(
            lambda: True if self.confirmed_offset > update["update_id"] else None,
            timeout,
            lambda: f"update {update['update_id']} not confirmed (offset {self.confirmed_offset})",
        )

    async def wait_until_idle(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        """Wait until every update was confirmed and, for ``quiet`` seconds, no call came or was pending."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = len(self.calls)
            await asyncio.sleep(quiet)
            pending = [c for c in self.calls if not (c.answered or c.stalled or c.method == "getUpdates")]
            if len(self.calls) == seen and not self._updates and not pending:
                return
        raise AssertionError("the bot did not become idle")
