"""Telegram in memory: a Bot API that lives inside the bot's own session, and people
who write to the bot by feeding updates straight into the real Dispatcher.

No HTTP, no sockets, no timeouts. ``await user.send("hi")`` returns once the
Dispatcher has handled the update and every Bot API call it made has been answered,
so a test reads what happened right after, without waiting:

    api = MemoryBotAPI()
    bot = Bot("123:TOKEN", session=api)
    telegram = InProcessTelegram(dispatcher, bot, api)
    sam = telegram.user(1001, first_name="Sam")
    await sam.send("/checkin")
    sheet = sam.expect(lambda m: "photo" in m)
    await sam.tap("Worried")

Requests go through aiogram's own value preparation and answers through its own
response parsing (``check_response``), so a call the real Bot API would refuse for its
shape is refused here too, and handlers get the same typed objects.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections import Counter
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import BufferedInputFile, InputFile, Update

Predicate = str | re.Pattern[str] | Callable[[dict[str, Any]], Any] | None

# Telegram's own limits, refused the way Telegram refuses them.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64


@dataclass
class Call:
    """One Bot API call as Telegram would have received it."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    status: int = 200


@dataclass
class _Fault:
    method: str
    status: int
    description: str
    retry_after: int | None
    times: int | None
    chat_id: int | None


@dataclass
class _Chat:
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    # (sequence number, message as it was at that moment) for every send and edit.
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


class BotAPIError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


class MemoryBotAPI(BaseSession):
    """An aiogram session that answers Bot API calls itself.

    ``record=False`` keeps only ``counts`` and the last few messages of each chat
    (enough to tap their buttons), so a long benchmark does not grow with history.
    """

    KEEP_WITHOUT_RECORD = 4

    def __init__(self, *, bot_username: str = "heard_test_bot", record: bool = True) -> None:
        super().__init__()
        self.bot_username = bot_username
        self.record = record
        self.calls: list[Call] = []
        self.counts: Counter[str] = Counter()
        self.chats: dict[int, _Chat] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.blocked: set[int] = set()
        self._faults: list[_Fault] = []
        self._seq = 0
        self._message_ids = itertools.count(1)
        self.commands: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None

    # -- aiogram's session interface ---------------------------------------------------

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        name = method.__api_method__
        uploads: dict[str, InputFile] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=uploads, _dumps_json=False)
            if prepared is not None:
                params[key] = prepared
        # Uploads are known by the parameter that names them ("photo"), as Telegram reads them.
        files: dict[str, bytes] = {}
        for key, value in params.items():
            if isinstance(value, str) and value.startswith("attach://"):
                files[key] = await _read(uploads[value.removeprefix("attach://")], bot)
        self.counts[name] += 1
        try:
            result: Any = self._answer(bot, name, params, files)
            status, body = 200, {"ok": True, "result": result}
        except BotAPIError as exc:
            status = exc.status
            body = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
        if self.record:
            self.calls.append(Call(name, params, files, status))
        response = self.check_response(bot, method, status, json.dumps(body))
        return response.result  # type: ignore[return-value]

    async def close(self) -> None:
        return None

    async def stream_content(
        self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
        chunk_size: int = 65536, raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        data = self.files.get(url.rsplit("/", 1)[-1], b"")
        yield data

    # -- faults ---------------------------------------------------------------------------

    def fail(self, method: str, status: int = 500, *, retry_after: int | None = None,
             times: int | None = 1, chat_id: int | None = None,
             description: str | None = None) -> None:
        """Refuse the next ``times`` calls of ``method`` ("*" for any; None: until cleared)."""
        if description is None:
            description = {429: f"Too Many Requests: retry after {retry_after}",
                           403: "Forbidden: bot was blocked by the user",
                           400: "Bad Request"}.get(status, "Internal Server Error")
        self._faults.append(_Fault(method, status, description, retry_after, times, chat_id))

    def clear_faults(self) -> None:
        self._faults.clear()

    def _fault_for(self, name: str, chat_id: int | None) -> _Fault | None:
        for fault in self._faults:
            if fault.method not in ("*", name):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
            return fault
        return None

    # -- inspecting -------------------------------------------------------------------------

    def mark(self) -> int:
        """A position in the stream of sends and edits, for ``expect(after=...)``."""
        return self._seq

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        name = method.lower()
        return [c for c in self.calls if c.method.lower() == name
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        return self.callback_answers.get(query_id)

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat as the person now sees them (edits applied)."""
        chat = self.chats.get(chat_id)
        return [] if chat is None else list(chat.messages.values())

    def events(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        """Every send and edit in a chat after ``after``, each as it looked then."""
        chat = self.chats.get(chat_id)
        return [] if chat is None else [m for seq, m in chat.events if seq > after]

    # -- answering -------------------------------------------------------------------------

    def _chat(self, chat_id: int) -> _Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = _Chat()
        return chat

    def _bot_user(self, bot: Bot) -> dict[str, Any]:
        return {"id": bot.id, "is_bot": True, "first_name": "Heard", "username": self.bot_username}

    def _answer(self, bot: Bot, name: str, params: dict[str, Any],
                files: dict[str, bytes]) -> Any:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        fault = self._fault_for(name, chat_id)
        if fault is not None:
            raise BotAPIError(fault.status, fault.description, fault.retry_after)
        if chat_id in self.blocked:
            raise BotAPIError(403, "Forbidden: bot was blocked by the user")
        handler = getattr(self, f"_do_{name}", None)
        if handler is None:
            raise BotAPIError(404, "Not Found: method not found")
        return handler(bot, params, files)

    def _do_getMe(self, bot: Bot, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._bot_user(bot)

    def _do_setMyCommands(self, bot: Bot, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.commands = list(params.get("commands") or [])
        return True

    def _do_getMyCommands(self, bot: Bot, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.commands

    def _do_deleteMyCommands(self, bot: Bot, params: dict[str, Any],
                             files: dict[str, bytes]) -> Any:
        self.commands = []
        return True

    def _do_setWebhook(self, bot: Bot, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = params
        return True

    def _do_deleteWebhook(self, bot: Bot, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = None
        return True

    def _do_sendChatAction(self, bot: Bot, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    def _do_answerCallbackQuery(self, bot: Bot, params: dict[str, Any],
                                files: dict[str, bytes]) -> Any:
        query_id = str(params["callback_query_id"])
        if query_id in self.callback_answers:
            raise BotAPIError(400, "Bad Request: query is too old and response timeout expired "
                                   "or query ID is invalid")
        self.callback_answers[query_id] = params
        return True

    def _do_sendMessage(self, bot: Bot, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        text = str(params.get("text", ""))
        if not text.strip():
            raise BotAPIError(400, "Bad Request: message text is empty")
        if len(text) > TEXT_LIMIT:
            raise BotAPIError(400, "Bad Request: message is too long")
        message = self._new_message(bot, params)
        message["text"] = _strip_html(text) if params.get("parse_mode") == "HTML" else text
        return self._store(params["chat_id"], message)

    def _do_sendPhoto(self, bot: Bot, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._new_message(bot, params)
        message["photo"] = [self._file(params.get("photo"), files, "photo")]
        self._caption(message, params)
        return self._store(params["chat_id"], message)

    def _do_sendDocument(self, bot: Bot, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._new_message(bot, params)
        message["document"] = self._file(params.get("document"), files, "document")
        self._caption(message, params)
        return self._store(params["chat_id"], message)

    def _do_editMessageReplyMarkup(self, bot: Bot, params: dict[str, Any],
                                   files: dict[str, bytes]) -> Any:
        message = self._existing(params)
        markup = _inline(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise BotAPIError(400, "Bad Request: message is not modified: specified new message "
                                   "content and reply markup are exactly the same")
        return self._edit(params["chat_id"], message, {"reply_markup": markup})

    def _do_editMessageText(self, bot: Bot, params: dict[str, Any],
                            files: dict[str, bytes]) -> Any:
        message = self._existing(params)
        change = {"text": str(params.get("text", "")),
                  "reply_markup": _inline(params.get("reply_markup"))}
        if all(message.get(k) == v for k, v in change.items()):
            raise BotAPIError(400, "Bad Request: message is not modified")
        return self._edit(params["chat_id"], message, change)

    def _do_editMessageCaption(self, bot: Bot, params: dict[str, Any],
                               files: dict[str, bytes]) -> Any:
        message = self._existing(params)
        change = {"caption": str(params.get("caption", "")),
                  "reply_markup": _inline(params.get("reply_markup"))}
        return self._edit(params["chat_id"], message, change)

    def _do_deleteMessage(self, bot: Bot, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self._chat(int(params["chat_id"]))
        if chat.messages.pop(int(params["message_id"]), None) is None and self.record:
            raise BotAPIError(400, "Bad Request: message to delete not found")
        return True

    # -- messages -------------------------------------------------------------------------

    def _new_message(self, bot: Bot, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self._bot_user(bot),
        }
        markup = _inline(params.get("reply_markup"))
        if markup is not None:
            for row in markup["inline_keyboard"]:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and len(data.encode()) > CALLBACK_DATA_LIMIT:
                        raise BotAPIError(400, "Bad Request: BUTTON_DATA_INVALID")
            message["reply_markup"] = markup
        return message

    def _caption(self, message: dict[str, Any], params: dict[str, Any]) -> None:
        caption = params.get("caption")
        if caption is None:
            return
        if len(caption) > CAPTION_LIMIT:
            raise BotAPIError(400, "Bad Request: message caption is too long")
        message["caption"] = caption

    def _file(self, value: Any, files: dict[str, bytes], kind: str) -> dict[str, Any]:
        if isinstance(value, str) and value.startswith("attach://"):
            data = files[kind]
            # Unique across instances: a file id cached by one test must not name
            # another test's picture.
            file_id = f"{kind}-{uuid.uuid4().hex[:16]}"
            if self.record:
                self.files[file_id] = data
            else:
                self.files[file_id] = b""  # known, so it can be sent again by id
        elif isinstance(value, str) and value in self.files:
            file_id = value
        else:
            raise BotAPIError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        described = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": 1}
        if kind == "photo":
            described |= {"width": 1, "height": 1}
        return described

    def _existing(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(int(params["chat_id"]))
        message = chat.messages.get(int(params["message_id"]))
        if message is None:
            raise BotAPIError(400, "Bad Request: message to edit not found")
        return message

    def _store(self, chat_id: int, message: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(int(chat_id))
        chat.messages[message["message_id"]] = message
        self._seq += 1
        if self.record:
            chat.events.append((self._seq, dict(message)))
        elif len(chat.messages) > self.KEEP_WITHOUT_RECORD:
            del chat.messages[next(iter(chat.messages))]
        return message

    def _edit(self, chat_id: int, message: dict[str, Any], change: dict[str, Any]) -> Any:
        for key, value in change.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        self._seq += 1
        if self.record:
            self._chat(int(chat_id)).events.append((self._seq, dict(message)))
        return message


async def _read(upload: InputFile, bot: Bot) -> bytes:
    if isinstance(upload, BufferedInputFile):
        return upload.data
    return b"".join([chunk async for chunk in upload.read(bot)])


def _inline(markup: Any) -> dict[str, Any] | None:
    """Only inline keyboards come back on a Message; reply keyboards do not."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


def _strip_html(text: str) -> str:
    plain = re.sub(r"<[^>]+>", "", text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text", message.get("caption")) or "")


def matches(predicate: Predicate, message: dict[str, Any]) -> bool:
    if predicate is None:
        return True
    if isinstance(predicate, str):
        return predicate in text_of(message)
    if isinstance(predicate, re.Pattern):
        return predicate.search(text_of(message)) is not None
    return bool(predicate(message))


def buttons_of(message: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not message:
        return []
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


# -- updates and people ---------------------------------------------------------------------


class InProcessTelegram:
    """Feeds updates to a Dispatcher the way polling would, one at a time, in order.

    Whatever a handler returns as a Bot API method is carried out, as aiogram's
    polling does. Errors are not swallowed: a handler that raises fails the test.
    """

    def __init__(self, dispatcher: Dispatcher, bot: Bot, api: MemoryBotAPI) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.api = api
        self.users: dict[int, TelegramUser] = {}
        self.last_update: dict[str, Any] | None = None
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._message_ids = itertools.count(1_000_000)

    def user(self, user_id: int, first_name: str = "Sam",
             language_code: str | None = "en") -> TelegramUser:
        if user_id not in self.users:
            self.users[user_id] = TelegramUser(self, user_id, first_name, language_code)
        return self.users[user_id]

    async def feed(self, raw: dict[str, Any]) -> Any:
        """Hand one update (Telegram's JSON, ``update_id`` added) to the Dispatcher."""
        raw = {"update_id": next(self._update_ids), **raw}
        self.last_update = raw
        return await self._feed(raw)

    async def redeliver_last(self) -> Any:
        """Deliver the latest update again with the same id (Telegram may do this)."""
        if self.last_update is None:
            raise AssertionError("no update has been delivered yet")
        return await self._feed(self.last_update)

    async def _feed(self, raw: dict[str, Any]) -> Any:
        update = Update.model_validate(raw, context={"bot": self.bot})
        result = await self.dispatcher.feed_update(self.bot, update)
        if isinstance(result, TelegramMethod):
            await self.bot(result)
        return result

    def next_query_id(self) -> str:
        return f"q{next(self._query_ids)}"

    def next_message_id(self) -> int:
        return next(self._message_ids)


class TelegramUser:
    """One person in a private chat with the bot."""

    def __init__(self, telegram: InProcessTelegram, user_id: int, first_name: str,
                 language_code: str | None) -> None:
        self.telegram = telegram
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.last_action = 0

    @property
    def api(self) -> MemoryBotAPI:
        return self.telegram.api

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _message(self, **content: Any) -> dict[str, Any]:
        return {"message_id": self.telegram.next_message_id(), "date": 1_700_000_000,
                "chat": {"id": self.id, "type": "private", "first_name": self.first_name},
                "from": self.as_user(), **content}

    async def _act(self, raw: dict[str, Any]) -> Any:
        self.last_action = self.api.mark()
        return await self.telegram.feed(raw)

    # -- acting ---------------------------------------------------------------------------

    async def send(self, text: str) -> Any:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return await self._act({"message": self._message(**content)})

    async def send_sticker(self) -> Any:
        return await self._act({"message": self._message(sticker={
            "file_id": "sticker-1", "file_unique_id": "us1", "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False})})

    async def send_voice(self, duration: int = 3) -> Any:
        return await self._act({"message": self._message(voice={
            "file_id": "voice-1", "file_unique_id": "uv1", "duration": duration})})

    async def send_photo(self, caption: str | None = None) -> Any:
        content: dict[str, Any] = {"photo": [{"file_id": "user-photo-1", "file_unique_id": "up1",
                                              "width": 1, "height": 1}]}
        if caption is not None:
            content["caption"] = caption
        return await self._act({"message": self._message(**content)})

    async def tap(self, label: str, message: dict[str, Any] | int | None = None) -> str:
        """Press an inline button by its text (or callback data) on ``message`` (default:
        the latest message with buttons). Returns the callback query id."""
        target = self._keyboard_message(message)
        available = buttons_of(target)
        chosen = next((b for b in available if b.get("text") == label), None) or next(
            (b for b in available if b.get("callback_data") == label), None)
        if target is None or chosen is None:
            listing = ", ".join(f"{b.get('text')!r}" for b in available) or "none"
            raise AssertionError(f"no button {label!r} for {self.first_name}; buttons: {listing}")
        if "callback_data" not in chosen:
            raise AssertionError(f"button {label!r} has no callback data: {chosen}")
        return await self.tap_raw(chosen["callback_data"], target["message_id"])

    async def tap_raw(self, data: str, message_id: int) -> str:
        """A callback query with any payload, as a stale or forged client could send."""
        chat = self.api.chats.get(self.id)
        message = chat.messages.get(message_id) if chat else None
        if message is None:
            # Telegram sends an inaccessible message (date 0) for ones it cannot show.
            message = {"message_id": message_id, "date": 0,
                       "chat": {"id": self.id, "type": "private"}}
        query_id = self.telegram.next_query_id()
        await self._act({"callback_query": {
            "id": query_id, "from": self.as_user(), "message": message,
            "chat_instance": f"ci{self.id}", "data": data}})
        return query_id

    # -- seeing -------------------------------------------------------------------------------

    def _keyboard_message(self, message: dict[str, Any] | int | None) -> dict[str, Any] | None:
        if message is not None:
            message_id = message if isinstance(message, int) else int(message["message_id"])
            found = self.api.chats.get(self.id, _Chat()).messages.get(message_id)
            if found is None:
                raise AssertionError(f"message {message_id} is not in {self.first_name}'s chat")
            return found
        for candidate in reversed(self.messages()):
            if buttons_of(candidate):
                return candidate
        return None

    def messages(self) -> list[dict[str, Any]]:
        return self.api.messages(self.id)

    def last_message(self) -> dict[str, Any] | None:
        shown = self.messages()
        return shown[-1] if shown else None

    def buttons(self, message: dict[str, Any] | int | None = None) -> list[str]:
        return [str(b.get("text")) for b in buttons_of(self._keyboard_message(message))]

    def expect(self, predicate: Predicate = None, *, after: int | None = None) -> dict[str, Any]:
        """The first send or edit in this chat matching ``predicate`` (a substring of
        the text or caption, a regex, or a test on the message), counting only those
        after this person's latest action (or after ``after``, from ``api.mark()``)."""
        since = self.last_action if after is None else after
        seen = self.api.events(self.id, since)
        for message in seen:
            if matches(predicate, message):
                return message
        shown = "\n".join(f"  - {text_of(m)[:80]!r} buttons={[b.get('text') for b in buttons_of(m)]}"
                          for m in seen) or "  (nothing)"
        raise AssertionError(f"{self.first_name} was not shown {predicate!r}; saw:\n{shown}")

    def sees(self, predicate: Predicate = None, *, after: int | None = None) -> bool:
        try:
            self.expect(predicate, after=after)
        except AssertionError:
            return False
        return True
