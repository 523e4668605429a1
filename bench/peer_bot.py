"""The reference for bench/checkin.py: a check-in bot written the way most open-source
aiogram projects are. FSM state in aiogram's MemoryStorage, plain string callback data,
the finished check-in stored with one ORM insert (SQLAlchemy async session, commit),
then a direct ``send_message`` to the keyworker. It makes the same 13 Bot API calls a
Heard check-in makes: the card sheet photo, five taps each answered with an edit or a
next question, the thank-you, the keyworker's message.

It keeps nothing durable until the end (a restart loses a half-done check-in), does
not encrypt, and watches for no urgent signal: it is the cost floor of the feature,
not an equal.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


# Its own list of feelings (the same twenty as Heard's deck, so keyboards are the same size).
FEELINGS = [("happy", "Happy"), ("calm", "Calm"), ("excited", "Excited"), ("proud", "Proud"),
            ("hopeful", "Hopeful"), ("safe", "Safe"), ("ok", "OK"), ("tired", "Tired"),
            ("bored", "Bored"), ("confused", "Confused"), ("worried", "Worried"),
            ("embarrassed", "Embarrassed"), ("sad", "Sad"), ("lonely", "Lonely"),
            ("scared", "Scared"), ("frustrated", "Frustrated"), ("angry", "Angry"),
            ("unsafe", "I don't feel safe"), ("help_now", "I need help now"),
            ("dont_know", "I don't know")]
AMOUNTS = {"a_little": "A little", "a_lot": "A lot"}
HELPS = {"talk": "Talk to my keyworker", "sit": "Just sit with me", "space": "Some space",
         "nothing": "Nothing right now"}


class Base(DeclarativeBase):
    pass


class CheckIn(Base):
    __tablename__ = "checkins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    cards: Mapped[str] = mapped_column(String(200))
    amount: Mapped[str] = mapped_column(String(20))
    help: Mapped[str] = mapped_column(String(20))
    words: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Steps(StatesGroup):
    cards = State()
    amount = State()
    help = State()
    words = State()


def cards_keyboard(picked: list[str]) -> InlineKeyboardMarkup:
    rows, row = [], []
    for card_id, name in FEELINGS:
        label = f"\u2705 {name}" if card_id in picked else name
        row.append(InlineKeyboardButton(text=label, callback_data=f"card:{card_id}"))
        if len(row) == 3:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    rows.append([InlineKeyboardButton(text="Done", callback_data="done")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def choices(prefix: str, options: dict[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=f"{prefix}:{key}")]
        for key, label in options.items()])


class PeerBot:
    def __init__(self, database_url: str, sheet_png: bytes, keyworker_of: dict[int, int]) -> None:
        self.engine: AsyncEngine = create_async_engine(database_url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.sheet_png = sheet_png
        self.sheet_file_id: str | None = None
        self.keyworker_of = keyworker_of
        self.dispatcher = Dispatcher(storage=MemoryStorage())
        self.dispatcher.include_router(self._router())

    async def create_tables(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

    async def close(self) -> None:
        await self.engine.dispose()

    def _router(self) -> Router:
        router = Router()
        router.message(Command("checkin"))(self.start)
        router.callback_query(StateFilter(Steps.cards), F.data.startswith("card:"))(self.card)
        router.callback_query(StateFilter(Steps.cards), F.data == "done")(self.done)
        router.callback_query(StateFilter(Steps.amount), F.data.startswith("amount:"))(self.amount)
        router.callback_query(StateFilter(Steps.help), F.data.startswith("help:"))(self.help)
        router.message(StateFilter(Steps.words), F.text)(self.words)
        return router

    async def start(self, message: Message, state: FSMContext, bot: Bot) -> None:
        await state.set_state(Steps.cards)
        await state.set_data({"cards": []})
        photo = self.sheet_file_id or BufferedInputFile(self.sheet_png, filename="cards.png")
        sent = await message.answer_photo(photo, caption="How are you feeling? Tap the cards.",
                                          reply_markup=cards_keyboard([]))
        if sent.photo:
            self.sheet_file_id = sent.photo[-1].file_id

    async def card(self, query: CallbackQuery, state: FSMContext) -> None:
        card_id = (query.data or "").split(":", 1)[1]
        picked: list[str] = (await state.get_data())["cards"]
        picked = [c for c in picked if c != card_id] if card_id in picked else [*picked, card_id]
        await state.update_data(cards=picked)
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.edit_reply_markup(reply_markup=cards_keyboard(picked))

    async def done(self, query: CallbackQuery, state: FSMContext) -> None:
        await state.set_state(Steps.amount)
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer("How much do you feel it?", reply_markup=choices("amount", AMOUNTS))

    async def amount(self, query: CallbackQuery, state: FSMContext) -> None:
        await state.update_data(amount=(query.data or "").split(":", 1)[1])
        await state.set_state(Steps.help)
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer("What would help?", reply_markup=choices("help", HELPS))

    async def help(self, query: CallbackQuery, state: FSMContext) -> None:
        await state.update_data(help=(query.data or "").split(":", 1)[1])
        await state.set_state(Steps.words)
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer("Want to add a few words?",
                                   reply_markup=choices("words", {"skip": "Skip"}))

    async def words(self, message: Message, state: FSMContext, bot: Bot) -> None:
        data = await state.get_data()
        await state.clear()
        assert message.from_user is not None
        async with self.sessions() as session:
            session.add(CheckIn(user_id=message.from_user.id, cards=",".join(data["cards"]),
                                amount=data["amount"], help=data["help"], words=message.text,
                                created_at=datetime.now(UTC)))
            await session.commit()
        await message.answer("Thank you. Your keyworker will see this.")
        await bot.send_message(
            self.keyworker_of[message.from_user.id],
            f"New check-in from {message.from_user.first_name}: {', '.join(data['cards'])} "
            f"({AMOUNTS[data['amount']]}). Would help: {HELPS[data['help']]}. \u201c{message.text}\u201d")
