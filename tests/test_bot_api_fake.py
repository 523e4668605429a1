"""The local Bot API stand-in, driven by the real aiogram client over HTTP."""

from __future__ import annotations

import asyncio
import io

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import CommandStart
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from PIL import Image

from testkit.bot_api import FakeBotAPI

TOKEN = "123456:TEST-token"


@pytest.fixture
async def server():
    async with FakeBotAPI(token=TOKEN) as api:
        yield api


@pytest.fixture
async def bot(server: FakeBotAPI):
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    bot = Bot(TOKEN, session=session)
    try:
        yield bot
    finally:
        await bot.session.close()


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in pairs]
    )


def png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_get_me(server: FakeBotAPI, bot: Bot):
    me = await bot.get_me()
    assert me.username == "heard_test_bot"
    assert me.id == 123456
    assert me.is_bot
    assert server.calls[0].method == "getMe"
    assert server.calls[0].token == TOKEN


async def test_send_message_with_keyboard_is_stored(server: FakeBotAPI, bot: Bot):
    server.user(42, first_name="Robin")
    sent = await bot.send_message(42, "How are you?", reply_markup=keyboard(("Good", "mood:good")))
    again = await bot.send_message(42, "Still there?")

    assert isinstance(sent, Message)
    assert sent.chat.id == 42 and sent.chat.first_name == "Robin"
    assert sent.from_user is not None and sent.from_user.id == server.bot_id
    assert again.message_id == sent.message_id + 1
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "mood:good"

    stored = server.messages(42)
    assert [m["text"] for m in stored] == ["How are you?", "Still there?"]
    assert stored[0]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Good"
    assert server.last_message(42)["text"] == "Still there?"
    (call,) = server.calls_to("sendMessage", chat_id=42)[:1]
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Good", "callback_data": "mood:good"}]]
    }


async def test_html_is_parsed_like_telegram(server: FakeBotAPI, bot: Bot):
    sent = await bot.send_message(7, "<b>Hi</b> there", parse_mode="HTML")
    assert sent.text == "Hi there"
    assert sent.entities is not None and sent.entities[0].type == "bold"
    assert (sent.entities[0].offset, sent.entities[0].length) == (0, 2)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(7, "<b>open", parse_mode="HTML")


async def test_send_photo_upload_then_resend_by_file_id(server: FakeBotAPI, bot: Bot):
    data = png_bytes(1600, 900)
    first = await bot.send_photo(9, BufferedInputFile(data, "card.png"), caption="Your card")

    (upload,) = server.calls_to("sendPhoto")
    assert upload.files["photo"] == data
    assert first.caption == "Your card"
    assert first.photo is not None and len(first.photo) >= 2
    biggest = first.photo[-1]
    assert (biggest.width, biggest.height) == (1280, 720)
    assert first.photo[0].width == 90
    assert server.file_bytes(biggest.file_id) == data

    again = await bot.send_photo(9, biggest.file_id)
    assert again.photo is not None
    assert [p.file_id for p in again.photo] == [p.file_id for p in first.photo]
    assert server.calls_to("sendPhoto")[1].files == {}

    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(9, "no-such-file-id")

    # The stored bytes come back through getFile and the file download URL.
    downloaded = await bot.download(biggest.file_id)
    assert downloaded is not None and downloaded.read() == data


async def test_edit_reply_markup_changes_stored_message(server: FakeBotAPI, bot: Bot):
    sent = await bot.send_message(5, "Pick one", reply_markup=keyboard(("A", "a"), ("B", "b")))
    edited = await bot.edit_message_reply_markup(
        chat_id=5, message_id=sent.message_id, reply_markup=keyboard(("C", "c"))
    )
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    buttons = server.last_message(5)["reply_markup"]["inline_keyboard"]
    assert buttons == [[{"text": "C", "callback_data": "c"}]]

    # Same markup again is refused the way Telegram refuses it.
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=5, message_id=sent.message_id, reply_markup=keyboard(("C", "c"))
        )

    # Editing the text without reply_markup drops the keyboard, as in Telegram.
    await bot.edit_message_text("Done", chat_id=5, message_id=sent.message_id)
    (only,) = server.messages(5)
    assert only["text"] == "Done" and "reply_markup" not in only

    assert await bot.delete_message(5, sent.message_id) is True
    assert server.messages(5) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(5, sent.message_id)


async def test_get_updates_long_poll_wakes_on_new_update(server: FakeBotAPI, bot: Bot):
    user = server.user(11)
    server.poll_waiting.clear()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await server.poll_waiting.wait()
    assert not poll.done()
    await user.send("hello")
    updates = await poll  # not woken, it would end empty after its 30 s
    assert len(updates) == 1
    assert updates[0].message is not None and updates[0].message.text == "hello"
    assert updates[0].message.from_user is not None and updates[0].message.from_user.id == 11

    # Not confirmed yet: delivered again. Confirmed with offset: gone.
    assert [u.update_id for u in await bot.get_updates()] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []


async def test_get_updates_times_out_empty(server: FakeBotAPI, bot: Bot):
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == []
    assert loop.time() - started >= 0.9  # it waited out its timeout


def make_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(
            "Welcome! How do you feel?",
            reply_markup=keyboard(("Happy", "feel:happy"), ("Sad", "feel:sad")),
        )

    @router.callback_query(F.data.startswith("feel:"))
    async def feel(query: CallbackQuery) -> None:
        assert query.data is not None and isinstance(query.message, Message)
        await query.answer("Saved")
        await query.message.edit_text(f"You feel {query.data.split(':')[1]}.")

    return router


async def test_dispatcher_polling_with_fake_user(server: FakeBotAPI, bot: Bot):
    dp = Dispatcher()
    dp.include_router(make_router())
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=1)
    )
    try:
        user = server.user(501, first_name="Alex")
        await user.send("/start")
        welcome = await user.wait_for_message("How do you feel", timeout=5)
        assert welcome["reply_markup"]["inline_keyboard"][1][0]["text"] == "Sad"

        query_id = await user.click("Sad")
        edited = await user.wait_for_message("You feel", timeout=5)
        assert edited["text"] == "You feel sad."
        assert edited["message_id"] == welcome["message_id"]
        assert user.last_text() == "You feel sad."
        # The handler answers the query before editing, so the answer is already recorded.
        assert server.callback_answer(query_id)["text"] == "Saved"

        # The edit dropped the keyboard; a fresh /start brings one back.
        with pytest.raises(AssertionError, match="no inline keyboard"):
            await user.click("Happy")
        await user.send("/start")
        await user.wait_for_message("Welcome")
        with pytest.raises(AssertionError, match="available: 'Happy'"):
            await user.click("Angry")
    finally:
        await dp.stop_polling()
        await polling
    assert len(server.calls_to("sendMessage", chat_id=501)) == 2
    assert len(server.calls_to("editMessageText", chat_id=501)) == 1


async def test_dispatcher_feed_update_and_duplicate(server: FakeBotAPI, bot: Bot):
    dp = Dispatcher()
    dp.include_router(make_router())
    user = server.user(77)
    await user.send("/start")
    (update,) = await bot.get_updates()
    await dp.feed_update(bot, update)
    assert server.last_message(77)["text"].startswith("Welcome")

    server.duplicate_last_update()
    again = await bot.get_updates(offset=update.update_id + 1)
    assert [u.update_id for u in again] == [update.update_id]


async def test_wait_for_message_times_out_with_context(server: FakeBotAPI, bot: Bot):
    user = server.user(3)
    await bot.send_message(3, "first")
    with pytest.raises(AssertionError, match="first"):
        await user.wait_for_message("never", timeout=0.2, after=0)


async def test_retry_after(server: FakeBotAPI, bot: Bot):
    server.fail("sendMessage", status=429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(1, "hi")
    assert caught.value.retry_after == 3
    # Only once: the next call goes through.
    assert (await bot.send_message(1, "hi")).text == "hi"
    assert [c.status for c in server.calls_to("sendMessage")] == [429, 200]


async def test_server_error_and_fail_while(server: FakeBotAPI, bot: Bot):
    server.fail("sendMessage", status=500, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(1, "hi")
    await bot.send_message(1, "hi")

    outage = {"on": True}
    server.fail_while("*", 502, lambda: outage["on"])
    with pytest.raises(TelegramServerError):
        await bot.get_me()
    outage["on"] = False
    assert (await bot.get_me()).id == server.bot_id


async def test_fault_for_one_chat_and_blocked_chat(server: FakeBotAPI, bot: Bot):
    server.fail("sendMessage", status=429, retry_after=5, chat_id=2)
    await bot.send_message(1, "unaffected")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(2, "limited")

    server.block_chat(8)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(8, "hello?")


class NoSuchMethod(TelegramMethod[bool]):
    __returning__ = bool
    __api_method__ = "noSuchMethod"


async def test_unknown_method(server: FakeBotAPI, bot: Bot):
    with pytest.raises(TelegramNotFound, match="method not found"):
        await bot(NoSuchMethod())
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.base_url}/bot{TOKEN}/nope") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }


async def test_commands_and_webhook_info(server: FakeBotAPI, bot: Bot):
    from aiogram.types import BotCommand

    await bot.set_my_commands([BotCommand(command="start", description="Begin")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    await bot.set_webhook("https://example.test/hook", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://example.test/hook"
    from aiogram.exceptions import TelegramConflictError

    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


async def test_second_poller_ends_the_first_with_conflict(server: FakeBotAPI, bot: Bot):
    from aiogram.exceptions import TelegramConflictError

    server.poll_waiting.clear()
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await server.poll_waiting.wait()
    second = asyncio.create_task(bot.get_updates(timeout=10))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)
    await server.user(4).send("hi")
    (update,) = await asyncio.wait_for(second, 2)
    assert update.message is not None and update.message.text == "hi"


async def test_user_media_and_forged_callbacks_parse_as_aiogram_types(
    server: FakeBotAPI, bot: Bot
):
    user = server.user(21, first_name="Kim", language_code="de")
    await user.send_sticker()
    await user.send_voice(duration=4)
    photo_message = await user.send_photo(png_bytes(40, 30), caption="me")
    await user.click_raw("feel:forged", message_id=999)

    updates = await bot.get_updates()
    sticker, voice, photo, query = updates
    assert [u.update_id for u in updates] == sorted({u.update_id for u in updates})
    assert sticker.message is not None and sticker.message.sticker is not None
    assert voice.message is not None and voice.message.voice is not None
    assert voice.message.voice.duration == 4
    assert photo.message is not None and photo.message.photo is not None
    assert photo.message.caption == "me"
    assert photo.message.from_user is not None
    assert photo.message.from_user.language_code == "de"
    assert query.callback_query is not None
    assert query.callback_query.data == "feel:forged"
    # An unknown message arrives as an inaccessible one, as Telegram sends it.
    assert query.callback_query.message is not None
    assert isinstance(query.callback_query.message, InaccessibleMessage)

    # The bot can fetch what the user sent.
    file_id = photo_message["photo"][-1]["file_id"]
    downloaded = await bot.download(file_id)
    assert downloaded is not None and downloaded.read() == png_bytes(40, 30)
    assert [m["message_id"] for m in server.messages(21, include_user=True)] == [1, 2, 3]


async def test_webhook_delivery_with_secret_and_reply_call(server: FakeBotAPI, bot: Bot):
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    dp = Dispatcher()
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message):
        # Returning the method makes aiogram answer inside the webhook response.
        return message.answer("Hello from the webhook reply")

    dp.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token="s3cret", handle_in_background=False).register(
        app, path="/hook"
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        user = server.user(31)
        await user.send("/start")
        assert user.last_text() == "Hello from the webhook reply"
        (call,) = server.calls_to("sendMessage", chat_id=31)
        assert call.via_webhook_reply

        # A wrong secret is refused by aiogram's handler.
        server.webhook_secret = "wrong"
        result = await server.deliver_webhook({"message": server.messages(31)[0]})
        assert result.status == 401
    finally:
        await runner.cleanup()


async def test_documents_captions_media_and_actions(server: FakeBotAPI, bot: Bot):
    from aiogram.types import InputMediaPhoto

    doc = await bot.send_document(6, BufferedInputFile(b"a,b\n1,2\n", "export.csv"), caption="CSV")
    assert doc.document is not None
    assert doc.document.file_name == "export.csv"
    assert doc.document.mime_type == "text/csv"
    assert server.calls_to("sendDocument")[0].files["document"] == b"a,b\n1,2\n"

    photo = await bot.send_photo(6, BufferedInputFile(png_bytes(10, 10), "a.png"), caption="old")
    recaptioned = await bot.edit_message_caption(
        chat_id=6, message_id=photo.message_id, caption="new"
    )
    assert isinstance(recaptioned, Message) and recaptioned.caption == "new"

    replacement = png_bytes(20, 10)
    swapped = await bot.edit_message_media(
        media=InputMediaPhoto(media=BufferedInputFile(replacement, "b.png"), caption="swapped"),
        chat_id=6,
        message_id=photo.message_id,
    )
    assert isinstance(swapped, Message) and swapped.photo is not None
    assert (swapped.photo[-1].width, swapped.photo[-1].height) == (20, 10)
    assert server.file_bytes(swapped.photo[-1].file_id) == replacement
    assert server.last_message(6)["caption"] == "swapped"

    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=6, message_id=photo.message_id)
    assert await bot.send_chat_action(6, "typing") is True


async def test_require_start():
    async with FakeBotAPI(require_start=True) as server:
        session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
        bot = Bot(server.token, session=session)
        try:
            with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
                await bot.send_message(99, "hello")
            await server.user(99).send("hi")
            assert (await bot.send_message(99, "hello")).message_id == 2
        finally:
            await session.close()
