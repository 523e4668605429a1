"""A local stand-in for the Telegram Bot API, good enough for the real aiogram client.

The server speaks HTTP on 127.0.0.1 with the same URL layout as api.telegram.org
(``/bot{token}/{method}`` and ``/file/bot{token}/{path}``), accepts JSON,
urlencoded and multipart bodies, and answers in Telegram's own response shapes.
Point a bot at it with::

    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    bot = Bot(token, session=session)

Simulated people (:class:`FakeUser`) produce updates that the bot receives
through ``getUpdates`` (or through its webhook, once ``setWebhook`` was called).
Everything the bot asks of the server is recorded as :class:`Call` objects.

See tests/support/README.md for a walk-through.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import inspect
import io
import json
import mimetypes
import re
import secrets
import time
from bisect import bisect_right
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable

import aiohttp
from aiohttp import web

__all__ = ["Call", "FakeBotAPI", "FakeUser", "TelegramError", "WebhookResult"]

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "media",
        "commands",
        "entities",
        "caption_entities",
        "allowed_updates",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
        "results",
        "options",
        "explanation_entities",
        "reaction",
        "permissions",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "max_connections",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
        "duration",
        "width",
        "height",
    }
)
BOOL_PREFIXES = ("disable_", "is_", "has_", "protect_", "show_", "drop_", "allow_", "can_")

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

PHOTO_SIDES = (90, 320, 800, 1280)


class TelegramError(Exception):
    """Raised inside the server to produce a Telegram-shaped error response."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {text}")


@dataclass(slots=True)
class Call:
    """One request the bot made. ``status`` is the HTTP status the server answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    at: float
    status: int = 200
    token: str = ""
    via_webhook_reply: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(slots=True)
class WebhookResult:
    status: int
    body: bytes
    # The API call the bot made in its webhook reply, if any (already processed).
    reply_call: Call | None = None


@dataclass(slots=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    kind: str
    # For photos: the whole PhotoSize list this file belongs to.
    group: list[dict[str, Any]] | None = None
    meta: dict[str, Any] | None = None


@dataclass(slots=True)
class _Fault:
    method: str
    status: int
    times: int | None
    retry_after: int | None = None
    chat_id: int | None = None
    predicate: Callable[[], bool] | None = None
    description: str | None = None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method != "*" and self.method.lower() != method.lower():
            return False
        if self.chat_id is not None and params.get("chat_id") != self.chat_id:
            return False
        if self.predicate is not None and not self.predicate():
            return False
        return True

    def error(self) -> TelegramError:
        if self.description is not None:
            return TelegramError(self.status, self.description, self.retry_after)
        if self.status == 429:
            retry = self.retry_after if self.retry_after is not None else 3
            return TelegramError(429, f"Too Many Requests: retry after {retry}", retry)
        return TelegramError(self.status, _DEFAULT_DESCRIPTIONS.get(self.status, "Error"))


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}


@dataclass(slots=True)
class _Chat:
    id: int
    first_name: str = "User"
    username: str | None = None
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1
    last_bot_message_id: int | None = None
    started: bool = False
    reply_keyboard: dict[str, Any] | None = None
    # (sequence number, message as it was after the send/edit)
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _new_file_id(prefix: str) -> tuple[str, str]:
    return prefix + secrets.token_urlsafe(36), "AQAD" + secrets.token_urlsafe(9)


def _message_text(message: dict[str, Any]) -> str | None:
    return message.get("text", message.get("caption"))


# --------------------------------------------------------------------------- HTML parse mode

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _TelegramHTML(HTMLParser):
    """Turns Telegram-flavoured HTML into plain text plus entities, like the real API."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0  # in UTF-16 code units
        self.stack: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.error:
            return
        kind = _HTML_TAGS.get(tag)
        attributes = dict(attrs)
        if kind is None or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            self.error = f'Unsupported start tag "{tag}" at byte offset {self.getpos()[1]}'
            return
        extra: dict[str, Any] = {}
        if kind == "text_link":
            href = attributes.get("href") or ""
            if href.startswith("tg://user?id="):
                kind = "text_mention"
            extra["url"] = href
        elif kind == "custom_emoji":
            extra["custom_emoji_id"] = attributes.get("emoji-id", "")
        elif kind == "code" and self.stack and self.stack[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self.stack[-1][2]["language"] = language
        elif kind == "blockquote" and "expandable" in attributes:
            kind = "expandable_blockquote"
        extra["type"] = kind
        self.stack.append((tag, self.length, extra))

    def handle_endtag(self, tag: str) -> None:
        if self.error:
            return
        if not self.stack:
            self.error = f'Unexpected end tag at byte offset {self.getpos()[1]}'
            return
        open_tag, start, extra = self.stack.pop()
        if open_tag != tag:
            self.error = (
                f"Unmatched end tag at byte offset {self.getpos()[1]}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
            return
        if self.length > start and not (
            extra["type"] == "code" and self.entities and self._inside_pre(start)
        ):
            entity = {"type": extra.pop("type"), "offset": start, "length": self.length - start}
            entity.update(extra)
            self.entities.append(entity)

    def _inside_pre(self, start: int) -> bool:
        return any(tag == "pre" for tag, _, _ in self.stack)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += _utf16_len(data)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.error is None and parser.stack:
        parser.error = (
            f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"'
        )
    if parser.error is not None:
        raise bad_request(f"can't parse entities: {parser.error}")
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


# --------------------------------------------------------------------------- simulated users


class FakeUser:
    """A person talking to the bot in a private chat (chat id == user id)."""

    def __init__(
        self,
        server: FakeBotAPI,
        user_id: int,
        first_name: str = "Sam",
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> None:
        self.server = server
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self.last_name = last_name
        self._last_action_seq = server.mark()

    @property
    def chat_id(self) -> int:
        return self.id

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    # -- actions -------------------------------------------------------------------------

    async def _send_message(self, content: dict[str, Any]) -> dict[str, Any]:
        chat = self.server._chat(self.id)
        chat.started = True
        message = self.server._store_message(chat, content, sender=self.as_user())
        self._last_action_seq = self.server.mark()
        await self.server.emit({"message": message})
        return message

    async def send(self, text: str) -> dict[str, Any]:
        """Send a text message; a leading /command gets a bot_command entity."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return await self._send_message(content)

    async def send_sticker(self, emoji: str = "🙂") -> dict[str, Any]:
        stored = self.server._store_file(b"RIFF-sticker", kind="sticker", prefix="CAACAgIAAxkBAA")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.data),
        }
        return await self._send_message({"sticker": sticker})

    async def send_photo(
        self, data: bytes | None = None, caption: str | None = None
    ) -> dict[str, Any]:
        photo = self.server._store_photo(data if data is not None else _tiny_png())
        content: dict[str, Any] = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return await self._send_message(content)

    async def send_voice(self, duration: int = 3, data: bytes | None = None) -> dict[str, Any]:
        stored = self.server._store_file(
            data if data is not None else b"OggS-voice", kind="voice", prefix="AwACAgIAAxkBAA"
        )
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(stored.data),
        }
        return await self._send_message({"voice": voice})

    def buttons(self, message: Any = None) -> list[dict[str, Any]]:
        """Inline buttons of ``message`` (default: the latest message with a keyboard)."""
        target = self._keyboard_message(message)
        if target is None:
            return []
        return [b for row in target["reply_markup"]["inline_keyboard"] for b in row]

    def _keyboard_message(self, message: Any) -> dict[str, Any] | None:
        chat = self.server._chat(self.id)
        if message is not None:
            message_id = _message_id_of(message)
            found = chat.messages.get(message_id)
            if found is None:
                raise AssertionError(f"message {message_id} is not in chat {self.id}")
            return found if found.get("reply_markup") else None
        for candidate in reversed(chat.messages.values()):
            if candidate.get("reply_markup", {}).get("inline_keyboard"):
                return candidate
        return None

    async def click(self, button: str, message: Any = None) -> str:
        """Press an inline button chosen by its text or callback_data.

        Returns the callback query id (see ``FakeBotAPI.callback_answer``).
        """
        target = self._keyboard_message(message)
        if target is None:
            where = f"message {_message_id_of(message)}" if message is not None else "this chat"
            raise AssertionError(f"no inline keyboard in {where} (chat {self.id})")
        available = [b for row in target["reply_markup"]["inline_keyboard"] for b in row]
        chosen = next((b for b in available if b.get("text") == button), None)
        if chosen is None:
            chosen = next((b for b in available if b.get("callback_data") == button), None)
        if chosen is None:
            listing = ", ".join(
                f"{b.get('text')!r} -> {b.get('callback_data', b.get('url'))!r}" for b in available
            )
            raise AssertionError(
                f"no button {button!r} in message {target['message_id']}; available: {listing}"
            )
        if "callback_data" not in chosen:
            raise AssertionError(f"button {chosen.get('text')!r} has no callback_data: {chosen}")
        return await self.click_raw(chosen["callback_data"], target["message_id"])

    async def click_raw(self, callback_data: str, message_id: int) -> str:
        """Send a callback query with any payload, as a forged or stale client could."""
        chat = self.server._chat(self.id)
        message = chat.messages.get(message_id)
        if message is None:
            # Telegram sends an InaccessibleMessage (date == 0) for messages it can't show.
            message = {"message_id": message_id, "chat": chat.as_chat(), "date": 0}
        query_id = self.server._new_callback_query_id()
        self._last_action_seq = self.server.mark()
        await self.server.emit(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.as_user(),
                    "message": message,
                    "chat_instance": str(-abs(hash((self.id, "chat")))),
                    "data": callback_data,
                }
            }
        )
        return query_id

    # -- what the user sees -----------------------------------------------------------------

    def last_message(self) -> dict[str, Any] | None:
        return self.server.last_message(self.id)

    def last_text(self) -> str | None:
        message = self.server.last_message(self.id)
        return None if message is None else _message_text(message)

    def messages(self) -> list[dict[str, Any]]:
        return self.server.messages(self.id)

    async def wait_for_message(
        self,
        predicate: str | re.Pattern[str] | Callable[[dict[str, Any]], Any] | None = None,
        timeout: float = 5.0,
        after: int | None = None,
    ) -> dict[str, Any]:
        """Wait until the bot sends or edits a message here that matches ``predicate``.

        ``after`` is a sequence number from ``server.mark()``; by default only
        messages sent or edited after this user's latest action count.
        """
        return await self.server.wait_for_message(
            self.id,
            predicate,
            timeout=timeout,
            after=self._last_action_seq if after is None else after,
        )


def _message_id_of(message: Any) -> int:
    if isinstance(message, int):
        return message
    if isinstance(message, dict):
        return int(message["message_id"])
    return int(message.message_id)


def _matches(predicate: Any, message: dict[str, Any]) -> bool:
    if predicate is None:
        return True
    if isinstance(predicate, str):
        return predicate in (_message_text(message) or "")
    if isinstance(predicate, re.Pattern):
        return predicate.search(_message_text(message) or "") is not None
    return bool(predicate(message))


_TINY_PNG: bytes | None = None


def _tiny_png() -> bytes:
    global _TINY_PNG
    if _TINY_PNG is None:
        import base64

        _TINY_PNG = base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
        )
    return _TINY_PNG


def _image_size(data: bytes) -> tuple[int, int]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # noqa: BLE001 - not an image we can read; pick a plausible size
        return 512, 512


# --------------------------------------------------------------------------- the server


class FakeBotAPI:
    """Imitation of the Bot API over real HTTP. Use as ``async with FakeBotAPI() as server``."""

    def __init__(
        self,
        bot_username: str = "heard_test_bot",
        bot_id: int | None = None,
        token: str | None = None,
        *,
        bot_first_name: str = "Heard",
        record: bool = True,
        latency: float = 0.0,
        require_start: bool = False,
        accept_any_callback: bool = False,
    ) -> None:
        if bot_id is None:
            prefix = (token or "").split(":", 1)[0]
            bot_id = int(prefix) if prefix.isdigit() else 7000000001
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.token = token or f"{bot_id}:TEST-{secrets.token_urlsafe(12)}"
        self.record = record
        self.latency = latency
        # When true, sending to a chat whose user never wrote to the bot gives 403.
        self.require_start = require_start
        # Benchmarks feed updates straight into a dispatcher, so the server never saw
        # those callback queries; let it answer them instead of refusing.
        self.accept_any_callback = accept_any_callback

        self.calls: list[Call] = []
        self.counts: Counter[str] = Counter()
        self.tokens_seen: set[str] = set()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_allowed_updates: list[str] | None = None
        self.last_update: dict[str, Any] | None = None

        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, FakeUser] = {}
        self._blocked: set[int] = set()
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._faults: list[_Fault] = []
        self._callback_queries: dict[str, dict[str, Any] | None] = {}
        self._extra_handlers: dict[str, Callable[..., Any]] = {}

        self._updates: deque[dict[str, Any]] = deque()
        self._redelivered: list[dict[str, Any]] = []
        self._next_update_id = 100000001
        self._update_event: asyncio.Event | None = None
        # Set whenever a getUpdates long poll starts waiting: a test awaits it (and
        # clears it) instead of sleeping until a poll is probably there.
        self.poll_waiting = asyncio.Event()
        self._poll_generation = 0
        self._polls_waiting = 0

        self._seq = 0
        self._message_cond: asyncio.Condition | None = None
        self._message_waiters = 0

        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._closing = False
        self.port: int | None = None

        self._handlers: dict[str, Callable[..., Any]] = {
            name.lower(): getattr(self, "_m_" + name)
            for name in (
                "getMe",
                "getUpdates",
                "deleteWebhook",
                "setWebhook",
                "getWebhookInfo",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "sendMessage",
                "sendPhoto",
                "sendDocument",
                "editMessageText",
                "editMessageReplyMarkup",
                "editMessageCaption",
                "editMessageMedia",
                "deleteMessage",
                "answerCallbackQuery",
                "sendChatAction",
                "getFile",
                "getChat",
                "close",
                "logOut",
            )
        }
        self._canonical = {name.lower(): name for name in (
            "getMe getUpdates deleteWebhook setWebhook getWebhookInfo setMyCommands "
            "getMyCommands deleteMyCommands sendMessage sendPhoto sendDocument editMessageText "
            "editMessageReplyMarkup editMessageCaption editMessageMedia deleteMessage "
            "answerCallbackQuery sendChatAction getFile getChat close logOut"
        ).split()}

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> FakeBotAPI:
        self._update_event = asyncio.Event()
        self._message_cond = asyncio.Condition()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._closing = True
        if self._update_event is not None:
            self._update_event.set()  # release pending long polls
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return f"http://127.0.0.1:{self.port}"

    # -- people and chats ---------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Sam",
        language_code: str | None = "en",
        **kwargs: Any,
    ) -> FakeUser:
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        user = FakeUser(self, user_id, first_name=first_name, language_code=language_code, **kwargs)
        self._users[user_id] = user
        chat = self._chat(user_id)
        chat.first_name = first_name
        chat.username = user.username
        return user

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(id=chat_id)
        return chat

    def block_chat(self, chat_id: int) -> None:
        """From now on, sending to this chat answers 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def messages(self, chat_id: int, *, include_user: bool = False) -> list[dict[str, Any]]:
        """The chat's current bot messages (after edits and deletions), oldest first."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        if include_user:
            return list(chat.messages.values())
        return [m for m in chat.messages.values() if m["from"]["id"] == self.bot_id]

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        chat = self._chats.get(chat_id)
        if chat is None or chat.last_bot_message_id is None:
            return None
        return chat.messages.get(chat.last_bot_message_id)

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The custom reply keyboard the user currently sees, if any."""
        chat = self._chats.get(chat_id)
        return None if chat is None else chat.reply_keyboard

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        name = method.lower()
        return [
            c
            for c in self.calls
            if c.method.lower() == name and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """Params of answerCallbackQuery for this query, or None if not answered."""
        return self._callback_queries.get(query_id)

    def file_bytes(self, file_id: str) -> bytes:
        return self._files[file_id].data

    def on(self, method: str, handler: Callable[[dict[str, Any]], Any]) -> None:
        """Serve an extra method: ``handler(params)`` returns the result (may be async)."""
        self._extra_handlers[method.lower()] = handler

    # -- updates --------------------------------------------------------------------------

    def mark(self) -> int:
        """A position in the stream of bot sends/edits, for ``wait_for_message(after=...)``."""
        return self._seq

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates. An update_id is assigned when missing."""
        if "update_id" not in raw:
            raw = {"update_id": self._next_update_id, **raw}
            self._next_update_id += 1
        else:
            self._next_update_id = max(self._next_update_id, raw["update_id"] + 1)
        self._updates.append(raw)
        self.last_update = raw
        self._wake_pollers()
        return raw

    def duplicate_last_update(self) -> dict[str, Any]:
        """Deliver the latest update again with the same update_id (Telegram may do this)."""
        if self.last_update is None:
            raise AssertionError("no update has been pushed yet")
        self._redelivered.append(self.last_update)
        self._wake_pollers()
        return self.last_update

    async def emit(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Queue an update, or POST it to the webhook when one is set."""
        if self.webhook_url is None:
            return self.push_update(raw)
        update = {"update_id": self._next_update_id, **raw}
        self._next_update_id += 1
        self.last_update = update
        await self.deliver_webhook(update)
        return update

    @property
    def pending_updates(self) -> int:
        return len(self._updates) + len(self._redelivered)

    def _wake_pollers(self) -> None:
        if self._update_event is not None:
            self._update_event.set()
            self._update_event = asyncio.Event()

    async def deliver_webhook(self, update: dict[str, Any]) -> WebhookResult:
        """POST ``update`` to the URL given in setWebhook, as Telegram would."""
        if self.webhook_url is None:
            raise AssertionError("no webhook is set (call setWebhook first)")
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
        if self._client is None:
            self._client = aiohttp.ClientSession()
        headers = {}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        async with self._client.post(self.webhook_url, json=update, headers=headers) as resp:
            body = await resp.read()
            result = WebhookResult(status=resp.status, body=body)
            content_type = resp.headers.get("Content-Type", "")
        if resp.status == 200 and content_type.startswith("multipart/"):
            result.reply_call = await self._process_webhook_reply(content_type, body)
        return result

    async def _process_webhook_reply(self, content_type: str, body: bytes) -> Call | None:
        parsed = email.message_from_bytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body,
            policy=email.policy.HTTP,
        )
        fields: dict[str, str] = {}
        files: dict[str, tuple[bytes, str | None]] = {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition") or ""
            data = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = (data, filename)
            else:
                fields[name] = data.decode()
        method = fields.pop("method", None)
        if method is None:
            return None
        params = _decode_fields(fields)
        call, _, _ = await self._process(method, params, files, token=self.token, via_webhook=True)
        return call

    # -- waiting for the bot ----------------------------------------------------------------

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Any = None,
        timeout: float = 5.0,
        after: int | None = None,
    ) -> dict[str, Any]:
        assert self._message_cond is not None, "server not started"
        after = self.mark() if after is None else after
        chat = self._chat(chat_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        position = bisect_right(chat.events, after, key=lambda e: e[0])
        async with self._message_cond:
            self._message_waiters += 1
            try:
                while True:
                    while position < len(chat.events):
                        message = chat.events[position][1]
                        position += 1
                        if _matches(predicate, message):
                            return message
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    try:
                        await asyncio.wait_for(self._message_cond.wait(), remaining)
                    except TimeoutError:
                        pass
            finally:
                self._message_waiters -= 1
        seen = [
            _message_text(m) for s, m in chat.events[bisect_right(chat.events, after, key=lambda e: e[0]):]
        ]
        raise AssertionError(
            f"no bot message matching {predicate!r} in chat {chat_id} within {timeout}s; "
            f"sent/edited since: {seen!r}"
        )

    async def _notify(self, chat: _Chat, message: dict[str, Any]) -> None:
        self._seq += 1
        chat.events.append((self._seq, message))
        if self._message_waiters:
            assert self._message_cond is not None
            async with self._message_cond:
                self._message_cond.notify_all()

    # -- faults ---------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 3,
        times: int | None = 1,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> _Fault:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail (None = until cleared)."""
        fault = _Fault(
            method=method,
            status=status,
            times=times,
            retry_after=retry_after if status == 429 else None,
            chat_id=chat_id,
            description=description,
        )
        self._faults.append(fault)
        return fault

    def fail_while(
        self,
        method: str,
        status: int,
        predicate: Callable[[], bool],
        retry_after: int | None = 3,
        description: str | None = None,
    ) -> _Fault:
        """Fail calls of ``method`` for as long as ``predicate()`` is true."""
        fault = _Fault(
            method=method,
            status=status,
            times=None,
            retry_after=retry_after if status == 429 else None,
            predicate=predicate,
            description=description,
        )
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

    def _check_faults(self, method: str, params: dict[str, Any]) -> None:
        for fault in self._faults:
            if fault.matches(method, params):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                raise fault.error()

    # -- HTTP -----------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        fields: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[bytes, str | None]] = {}
        if request.method == "POST" and request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                fields.update(await request.json())
                params = fields
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = (value.file.read(), value.filename)
                    else:
                        fields[key] = value
                params = _decode_fields(fields)
        else:
            params = _decode_fields(fields)
        _, status, payload = await self._process(method, params, files, token=token)
        return web.Response(
            status=status, body=json.dumps(payload).encode(), content_type="application/json"
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _process(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, tuple[bytes, str | None]],
        token: str,
        via_webhook: bool = False,
    ) -> tuple[Call | None, int, dict[str, Any]]:
        if self.latency:
            await asyncio.sleep(self.latency)
        name = method.lower()
        method = self._canonical.get(name, method)
        self.tokens_seen.add(token)
        self.counts[method] += 1
        call: Call | None = None
        if self.record:
            call = Call(
                method=method,
                params=params,
                files={},
                at=time.time(),
                token=token,
                via_webhook_reply=via_webhook,
            )
            self.calls.append(call)
        try:
            self._check_faults(method, params)
            handler = self._handlers.get(name)
            if handler is not None:
                result = handler(params, _Uploads(files, call))
            elif name in self._extra_handlers:
                result = self._extra_handlers[name](params)
            else:
                raise TelegramError(404, "Not Found: method not found")
            if inspect.isawaitable(result):
                result = await result
        except TelegramError as error:
            if call is not None:
                call.status = error.status
            return call, error.status, error.payload()
        return call, 200, {"ok": True, "result": result}

    # -- storage helpers ------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _store_message(
        self, chat: _Chat, content: dict[str, Any], sender: dict[str, Any]
    ) -> dict[str, Any]:
        message = {
            "message_id": chat.next_message_id,
            "from": sender,
            "chat": chat.as_chat(),
            "date": int(time.time()),
            **content,
        }
        chat.next_message_id += 1
        chat.messages[message["message_id"]] = message
        return message

    def _store_file(
        self, data: bytes, kind: str, prefix: str, filename: str | None = None
    ) -> _StoredFile:
        file_id, unique_id = _new_file_id(prefix)
        folder = {"photo": "photos", "document": "documents", "voice": "voice"}.get(kind, kind + "s")
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        elif kind == "photo":
            suffix = ".jpg"
        path = f"{folder}/file_{len(self._files)}{suffix}"
        stored = _StoredFile(file_id, unique_id, data, path, kind)
        self._files[file_id] = stored
        self._files_by_path[path] = stored
        return stored

    def _store_photo(self, data: bytes) -> list[dict[str, Any]]:
        width, height = _image_size(data)
        longest = max(width, height, 1)
        sizes: list[dict[str, Any]] = []
        for side in PHOTO_SIDES:
            scale = min(1.0, side / longest)
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            if sizes and (w, h) == (sizes[-1]["width"], sizes[-1]["height"]):
                break
            stored = self._store_file(data, kind="photo", prefix="AgACAgIAAxkBAA")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": len(data),
                    "width": w,
                    "height": h,
                }
            )
        for size in sizes:
            self._files[size["file_id"]].group = sizes
        return sizes

    def _resolve_input_file(
        self, value: Any, param: str, uploads: _Uploads
    ) -> tuple[_StoredFile | None, bytes | None, str | None]:
        """Returns (existing stored file, new upload bytes, filename)."""
        if isinstance(value, str) and value.startswith("attach://"):
            key = value[len("attach://"):]
            upload = uploads.take(key, param)
            if upload is None:
                raise bad_request(f"file not found for attach://{key}")
            return None, upload[0], upload[1]
        if value is None:
            upload = uploads.take(param, param)
            if upload is None:
                raise bad_request(f"there is no {param} in the request")
            return None, upload[0], upload[1]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return None, b"", value.rsplit("/", 1)[-1] or None
        stored = self._files.get(value) if isinstance(value, str) else None
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored, None, None

    def _target_chat(self, params: dict[str, Any]) -> _Chat:
        chat_id = params.get("chat_id")
        if chat_id is None:
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        if chat_id in self._blocked:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        chat = self._chat(chat_id)
        if self.require_start and not chat.started:
            raise TelegramError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _formatted(
        self, params: dict[str, Any], key: str, limit: int, empty_error: str | None
    ) -> dict[str, Any]:
        text = params.get(key)
        if text is None or text == "":
            if empty_error:
                raise bad_request(empty_error)
            return {}
        text = str(text)
        entities = params.get("entities" if key == "text" else "caption_entities")
        parse_mode = params.get("parse_mode")
        if not entities and parse_mode and str(parse_mode).upper() == "HTML":
            text, entities = parse_html(text)
        if not text.strip():
            if empty_error:
                raise bad_request(empty_error)
            return {}
        if _utf16_len(text) > limit:
            raise bad_request("message is too long" if key == "text" else "message caption is too long")
        out: dict[str, Any] = {key: text}
        if entities:
            out["entities" if key == "text" else "caption_entities"] = entities
        return out

    def _inline_markup(self, chat: _Chat, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if not markup:
            return None
        if "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                        raise bad_request("BUTTON_DATA_INVALID")
                    if "text" not in button:
                        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            return markup
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        return None

    async def _send(self, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(params)
        markup = self._inline_markup(chat, params)
        if markup is not None:
            content["reply_markup"] = markup
        reply_to = params.get("reply_to_message_id") or (params.get("reply_parameters") or {}).get(
            "message_id"
        )
        if reply_to and reply_to in chat.messages:
            content["reply_to_message"] = chat.messages[reply_to]
        message = self._store_message(chat, content, sender=self._bot_user())
        chat.last_bot_message_id = message["message_id"]
        await self._notify(chat, message)
        return message

    def _editable(self, params: dict[str, Any]) -> tuple[_Chat, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by this test server")
        chat = self._target_chat(params)
        message = chat.messages.get(params.get("message_id"))  # type: ignore[arg-type]
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return chat, message

    async def _apply_edit(
        self,
        chat: _Chat,
        base: dict[str, Any],
        changes: dict[str, Any],
        params: dict[str, Any],
        old: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        old = base if old is None else old
        new = {k: v for k, v in base.items() if k not in ("reply_markup", "edit_date")}
        new.update(changes)
        # As in Telegram, an edit without reply_markup removes the inline keyboard.
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            self._inline_markup(chat, params)
            new["reply_markup"] = markup
        compare = {k: v for k, v in new.items() if k != "edit_date"}
        previous = {k: v for k, v in old.items() if k != "edit_date"}
        if compare == previous:
            raise bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        new["edit_date"] = int(time.time())
        chat.messages[new["message_id"]] = new
        await self._notify(chat, new)
        return new

    # -- methods --------------------------------------------------------------------------

    def _m_getMe(self, params: dict[str, Any], uploads: _Uploads) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any], uploads: _Uploads) -> list[Any]:
        if self.webhook_url is not None:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset") or 0
        limit = max(1, min(int(params.get("limit") or 100), 100))
        timeout = float(params.get("timeout") or 0)
        updates = self._updates
        if offset > 0:
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        elif offset < 0:
            while len(updates) > -offset:
                updates.popleft()
        # Like Telegram, a newer getUpdates ends an older one still waiting with 409.
        self._poll_generation += 1
        generation = self._poll_generation
        if self._polls_waiting:
            self._wake_pollers()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not updates and not self._redelivered and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            event = self._update_event
            assert event is not None
            self._polls_waiting += 1
            self.poll_waiting.set()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return []
            finally:
                self._polls_waiting -= 1
            if generation != self._poll_generation:
                raise TelegramError(409, _DEFAULT_DESCRIPTIONS[409])
        result = []
        if self._redelivered:
            result.extend(self._redelivered[:limit])
            del self._redelivered[:limit]
        for update in updates:
            if len(result) >= limit:
                break
            result.append(update)
        return result

    def _m_deleteWebhook(self, params: dict[str, Any], uploads: _Uploads) -> bool:
        self.webhook_url = None
        self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self._redelivered.clear()
        return True

    def _m_setWebhook(self, params: dict[str, Any], uploads: _Uploads) -> bool:
        url = params.get("url") or ""
        if not url:
            return self._m_deleteWebhook(params, uploads)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        self.webhook_url = url
        self.webhook_secret = secret
        self.webhook_allowed_updates = params.get("allowed_updates")
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self._redelivered.clear()
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any], uploads: _Uploads) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending_updates,
        }
        if self.webhook_allowed_updates is not None:
            info["allowed_updates"] = self.webhook_allowed_updates
        return info

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _m_setMyCommands(self, params: dict[str, Any], uploads: _Uploads) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("commands must be a list")
        for command in commands:
            name = command.get("command", "")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    def _m_getMyCommands(self, params: dict[str, Any], uploads: _Uploads) -> list[Any]:
        return self.commands.get(self._commands_key(params), [])

    def _m_deleteMyCommands(self, params: dict[str, Any], uploads: _Uploads) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _m_sendMessage(self, params: dict[str, Any], uploads: _Uploads) -> dict[str, Any]:
        content = self._formatted(params, "text", MAX_TEXT, "message text is empty")
        return await self._send(params, content)

    async def _m_sendPhoto(self, params: dict[str, Any], uploads: _Uploads) -> dict[str, Any]:
        stored, data, _ = self._resolve_input_file(params.get("photo"), "photo", uploads)
        if stored is not None:
            if stored.group is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            photo = stored.group
        else:
            photo = self._store_photo(data or b"")
        content: dict[str, Any] = {"photo": photo}
        content.update(self._formatted(params, "caption", MAX_CAPTION, None))
        return await self._send(params, content)

    def _document(self, stored: _StoredFile | None, data: bytes | None, filename: str | None) -> dict[str, Any]:
        if stored is None:
            stored = self._store_file(data or b"", kind="document", prefix="BQACAgIAAxkBAA", filename=filename)
            stored.meta = {
                "file_name": filename or "document",
                "mime_type": mimetypes.guess_type(filename or "")[0] or "application/octet-stream",
            }
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        document.update(stored.meta or {})
        return document

    async def _m_sendDocument(self, params: dict[str, Any], uploads: _Uploads) -> dict[str, Any]:
        stored, data, filename = self._resolve_input_file(params.get("document"), "document", uploads)
        content: dict[str, Any] = {"document": self._document(stored, data, filename)}
        content.update(self._formatted(params, "caption", MAX_CAPTION, None))
        return await self._send(params, content)

    async def _m_editMessageText(self, params: dict[str, Any], uploads: _Uploads) -> dict[str, Any]:
        chat, message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        content = self._formatted(params, "text", MAX_TEXT, "message text is empty")
        base = _without(_without(message, "text"), "entities")
        return await self._apply_edit(chat, base, content, params, old=message)

    async def _m_editMessageReplyMarkup(
        self, params: dict[str, Any], uploads: _Uploads
    ) -> dict[str, Any]:
        chat, message = self._editable(params)
        return await self._apply_edit(chat, message, {}, params)

    async def _m_editMessageCaption(
        self, params: dict[str, Any], uploads: _Uploads
    ) -> dict[str, Any]:
        chat, message = self._editable(params)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        base = _without(_without(message, "caption"), "caption_entities")
        changes = self._formatted(params, "caption", MAX_CAPTION, None)
        return await self._apply_edit(chat, base, changes, params, old=message)

    async def _m_editMessageMedia(self, params: dict[str, Any], uploads: _Uploads) -> dict[str, Any]:
        chat, message = self._editable(params)
        if "text" in message:
            raise bad_request("there is no media in the message to edit")
        media = params.get("media")
        if not isinstance(media, dict) or "media" not in media:
            raise bad_request("media is invalid")
        kind = media.get("type")
        stored, data, filename = self._resolve_input_file(media["media"], "media", uploads)
        changes: dict[str, Any] = {}
        if kind == "photo":
            if stored is not None:
                if stored.group is None:
                    raise bad_request("wrong file identifier/HTTP URL specified")
                changes["photo"] = stored.group
            else:
                changes["photo"] = self._store_photo(data or b"")
        elif kind == "document":
            changes["document"] = self._document(stored, data, filename)
        else:
            raise bad_request(f"unsupported media type {kind!r} in this test server")
        changes.update(self._formatted(media, "caption", MAX_CAPTION, None))
        base = {
            k: v
            for k, v in message.items()
            if k not in ("photo", "document", "caption", "caption_entities")
        }
        return await self._apply_edit(chat, base, changes, params, old=message)

    def _m_deleteMessage(self, params: dict[str, Any], uploads: _Uploads) -> bool:
        chat = self._target_chat(params)
        message_id = params.get("message_id")
        if chat.messages.pop(message_id, None) is None:  # type: ignore[arg-type]
            raise bad_request("message to delete not found")
        if chat.last_bot_message_id == message_id:
            chat.last_bot_message_id = next(
                (m["message_id"] for m in reversed(chat.messages.values())
                 if m["from"]["id"] == self.bot_id),
                None,
            )
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any], uploads: _Uploads) -> bool:
        query_id = params.get("callback_query_id")
        if self.accept_any_callback and query_id not in self._callback_queries:
            self._callback_queries[query_id] = None
        if query_id not in self._callback_queries or self._callback_queries[query_id] is not None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = params
        return True

    def _new_callback_query_id(self) -> str:
        query_id = str(secrets.randbits(63))
        self._callback_queries[query_id] = None
        return query_id

    def _m_sendChatAction(self, params: dict[str, Any], uploads: _Uploads) -> bool:
        self._target_chat(params)
        if params.get("action") not in {
            "typing", "upload_photo", "record_video", "upload_video", "record_voice",
            "upload_voice", "upload_document", "choose_sticker", "find_location",
            "record_video_note", "upload_video_note",
        }:
            raise bad_request("wrong parameter action in request")
        return True

    def _m_getFile(self, params: dict[str, Any], uploads: _Uploads) -> dict[str, Any]:
        stored = self._files.get(params.get("file_id") or "")
        if stored is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _m_getChat(self, params: dict[str, Any], uploads: _Uploads) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise bad_request("chat not found")
        return {**self._chats[chat_id].as_chat(), "accent_color_id": 0, "max_reaction_count": 11}

    def _m_close(self, params: dict[str, Any], uploads: _Uploads) -> bool:
        return True

    def _m_logOut(self, params: dict[str, Any], uploads: _Uploads) -> bool:
        return True


def _without(message: dict[str, Any], key: str) -> dict[str, Any]:
    if key not in message:
        return message
    return {k: v for k, v in message.items() if k != key}


class _Uploads:
    """Multipart file parts of one request; records what was used on the Call."""

    __slots__ = ("files", "call")

    def __init__(self, files: dict[str, tuple[bytes, str | None]], call: Call | None):
        self.files = files
        self.call = call
        if call is not None:
            for key, (data, _) in files.items():
                call.files[key] = data

    def take(self, key: str, param: str) -> tuple[bytes, str | None] | None:
        upload = self.files.get(key)
        if upload is not None and self.call is not None and param != "media":
            # Name the upload after the parameter it fills ("photo"), as tests expect.
            self.call.files[param] = upload[0]
        return upload


def _decode_fields(fields: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, str):
            if key in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            elif key in INT_FIELDS:
                try:
                    value = int(value)
                except ValueError:
                    pass
            elif value in ("true", "false") and key.startswith(BOOL_PREFIXES):
                value = value == "true"
        params[key] = value
    return params

