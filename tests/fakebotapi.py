"""A small fake Telegram Bot API server for end-to-end tests, on 127.0.0.1.

The real bot process talks to it through ``TELEGRAM_API_BASE_URL``. Tests play the people: they queue
updates (texts, button presses, locations, photos, coach messages in forum topics) that the bot fetches
with ``getUpdates``, and read what the bot sent. Faults can be injected: 429s, a blocked user, a deleted
forum topic, a request that never gets an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
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


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    time: float
    chat_id: int | None = None
    message_id: int | None = None


@dataclass
class Fault:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | None


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def _decode(value: Any) -> Any:
    if not isinstance(value, str):
        return getattr(value, "filename", None) or value
    text = value.strip()
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            return value
    if text.lstrip("-").isdigit():
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    return value


@dataclass
class FakeTelegram:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)

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
        params: dict[str, Any] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            params = {k: _decode(v) for k, v in (await request.post()).items()}
        params.update({k: _decode(v) for k, v in request.query.items()})
        call = Call(method, params, time.monotonic())
        stall = self.stalls.pop(params.get("chat_id"), None) if method in SENDING else None
        if stall is not None:
            stall.set()
            await self._closing.wait()  # no answer while the fake runs: the bot is stuck mid-update
        try:
            self._inject(method, params)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = (
                await handler(params, call) if asyncio.iscoroutinefunction(handler) else handler(params, call)
            )
        except ApiError as error:
            await self._record(call)
            body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return web.json_response(body, status=error.code)
        await self._record(call)
        return web.json_response({"ok": True, "result": result})

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
        ids = self._message_ids.setdefault(chat_id, itertools.count(1))
        message = {
            "message_id": next(ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": sender,
        }
        thread = content.pop("message_thread_id", None)
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        message.update({k: v for k, v in content.items() if v is not None})
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message
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
        return self._bot_message(params, call, text=str(params["text"]))

    def _api_sendPhoto(self, params: dict[str, Any], call: Call) -> Any:
        photo = [{"file_id": "photo1", "file_unique_id": "p1", "width": 10, "height": 10}]
        return self._bot_message(params, call, photo=photo, caption=params.get("caption"))

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
            content["caption"] = params["caption"]
        return {"message_id": self._bot_message(params, call, **content)["message_id"]}

    def _edit(self, params: dict[str, Any], call: Call, text: str | None) -> Any:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        if text is not None:
            message["text"] = text
        message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        call.chat_id, call.message_id = chat_id, message_id
        return message

    def _api_editMessageText(self, params: dict[str, Any], call: Call) -> Any:
        return self._edit(params, call, str(params["text"]))

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

    async def _wait(self, find: Any, timeout: float, what: str) -> Any:
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
        self, method: str, *, predicate: Any = None, timeout: float = 10.0, after: int = 0
    ) -> Call:
        def find() -> Call | None:
            return next(
                (c for c in self.calls[after:] if c.method == method and (predicate is None or predicate(c))),
                None,
            )

        return await self._wait(
            find, timeout, lambda: f"no {method} call; last calls: {[c.method for c in self.calls[-10:]]}"
        )  # type: ignore[no-any-return]

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

        return await self._wait(
            find,
            timeout,
            lambda: f"no message with {contains!r} to {chat_id}; last:\n{self._describe(chat_id)}",
        )  # type: ignore[no-any-return]

    async def wait_until_idle(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = len(self.calls)
            await asyncio.sleep(quiet)
            if len(self.calls) == seen and not self._updates:
                return
        raise AssertionError("the bot did not become idle")
