"""The in-memory Telegram (testkit.telegram) answers like the Bot API does, so tests
that use it can trust what they read: refusals become aiogram's own exceptions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from storage.models import OutboxMessage
from testkit.heard import HeardOnTelegram
from testkit.outbox import queue
from testkit.telegram import InProcessTelegram, MemoryBotAPI

TOKEN = "42:TEST"


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=f"say:{label}")] for label in labels])


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    b = Bot(TOKEN, session=MemoryBotAPI())
    yield b
    await b.session.close()


def api_of(bot: Bot) -> MemoryBotAPI:
    assert isinstance(bot.session, MemoryBotAPI)
    return bot.session


async def test_messages_photos_and_edits_are_kept_as_a_person_sees_them(bot: Bot) -> None:
    api = api_of(bot)
    sent = await bot.send_message(5, "Hello", reply_markup=keyboard("A", "B"))
    assert isinstance(sent, Message) and sent.text == "Hello" and sent.chat.id == 5
    await bot.edit_message_reply_markup(chat_id=5, message_id=sent.message_id,
                                        reply_markup=keyboard("A"))
    assert [b["text"] for row in api.messages(5)[0]["reply_markup"]["inline_keyboard"]
            for b in row] == ["A"]
    with pytest.raises(TelegramBadRequest, match="not modified"):
        await bot.edit_message_reply_markup(chat_id=5, message_id=sent.message_id,
                                            reply_markup=keyboard("A"))
    photo = await bot.send_photo(5, BufferedInputFile(b"\x89PNG-1", "a.png"), caption="c")
    assert photo.photo and api.calls_to("sendPhoto")[0].files["photo"] == b"\x89PNG-1"
    again = await bot.send_photo(5, photo.photo[-1].file_id)
    assert again.photo and again.photo[-1].file_id == photo.photo[-1].file_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(5, "no-such-file")
    assert [c.status for c in api.calls_to("sendPhoto", chat_id=5)] == [200, 200, 400]


async def test_refusals_are_aiogram_exceptions(bot: Bot) -> None:
    api = api_of(bot)
    api.fail("sendMessage", 429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(1, "x")
    assert caught.value.retry_after == 3
    api.fail("*", 502, times=None)
    with pytest.raises(TelegramServerError):
        await bot.send_message(1, "x")
    with pytest.raises(TelegramServerError):
        await bot.get_me()
    api.clear_faults()
    assert (await bot.send_message(1, "x")).text == "x"
    api.blocked.add(7)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(7, "x")
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(1, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="t", callback_data="d" * 65)]]))
    with pytest.raises(TelegramNotFound):
        await bot.set_chat_title(chat_id=1, title="nope")  # not a method this Bot API knows


async def test_people_tap_and_get_answers_through_the_dispatcher(bot: Bot) -> None:
    api = api_of(bot)
    dp = Dispatcher()

    @dp.message(F.text == "/start")
    async def start(message: Message) -> None:
        await message.answer("Pick one", reply_markup=keyboard("Red", "Blue"))

    @dp.callback_query(F.data.startswith("say:"))
    async def say(query: CallbackQuery) -> None:
        await query.answer("Noted")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"You picked {query.data[4:]}")  # type: ignore[index]

    @dp.message()
    async def webhook_style(message: Message) -> TelegramMethod[Message]:
        return SendMessage(chat_id=message.chat.id, text="answered by returning a method")

    telegram = InProcessTelegram(dp, bot, api)
    sam = telegram.user(9, first_name="Sam")
    await sam.send("/start")
    assert sam.expect("Pick one")["reply_markup"]
    with pytest.raises(AssertionError, match="'Red', 'Blue'"):
        await sam.tap("Green")
    query = await sam.tap("Blue")
    assert sam.expect("You picked Blue")
    assert api.callback_answer(query) == {"callback_query_id": query, "text": "Noted"}
    with pytest.raises(AssertionError, match="You picked Blue"):
        sam.expect("never shown", after=0)
    await sam.send("anything")
    sam.expect("answered by returning a method")
    # A redelivered update keeps its id; the Dispatcher sees it twice.
    first_id = telegram.last_update["update_id"]  # type: ignore[index]
    await telegram.redeliver_last()
    assert telegram.last_update["update_id"] == first_id  # type: ignore[index]
    assert len(api.calls_to("sendMessage", chat_id=9)) == 3


async def test_deliver_runs_heards_sender_through_a_429_on_the_simulated_clock(
    runtime: Runtime, clock: FrozenClock
) -> None:
    heard = await HeardOnTelegram.start(runtime)
    try:
        heard.api.fail("sendMessage", 429, retry_after=30)
        start = clock.now()
        await queue(runtime, 77, "hello")
        assert await heard.deliver() == 2  # refused once, then sent
        assert [c.status for c in heard.api.calls_to("sendMessage", chat_id=77)] == [429, 200]
        assert heard.api.messages(77)[0]["text"] == "hello"
        async with runtime.db.transaction() as session:
            row = (await session.scalars(select(OutboxMessage))).one()
        assert row.status == "sent" and row.sent_at is not None
        assert row.sent_at - start >= timedelta(seconds=30)
    finally:
        await heard.close()
