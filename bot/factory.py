"""Building the Telegram bot and its dispatcher, routers assembled in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import BotCommand

from core.config import TELEGRAM_PUBLIC_API, Settings
from core.i18n import N_, _, available_locales, use_locale
from bot.errors import say_sorry
from bot.handlers import conversation, staff
from bot.handlers.identity import IdentityMiddleware
from bot.unit_of_work import UnitOfWorkMiddleware
from domain.context import Services

if TYPE_CHECKING:
    from storage.db import Database

COMMANDS = (
    ("checkin", N_("Show how I feel")),
    ("listened", N_("Did I feel listened to?")),
    ("reminders", N_("Choose a gentle reminder, or turn it off")),
    ("next", N_("Your next home, if you are moving")),
    ("said", N_("What I've said, and what came back")),
    ("yousaid", N_("You said, we did")),
    ("review", N_("Getting ready for my review")),
    ("goals", N_("My goals")),
    ("mydata", N_("See my data, or ask to delete it")),
    ("buddy", N_("Being a buddy, or messages with your buddy")),
    ("help", N_("What Heard does, and who to contact")),
    ("language", N_("Change language")),
    ("pause", N_("Pause reminders")),
)


def make_bot(settings: Settings) -> Bot:
    if settings.bot_token is None:
        raise ValueError("HEARD_BOT_TOKEN is not set")
    session = None
    if settings.telegram_api_url != TELEGRAM_PUBLIC_API:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(settings.bot_token, session=session)


# The Bot API methods Heard calls (polling included).
_METHODS_USED: tuple[type[TelegramMethod[Any]], ...] = (
    methods.SendMessage, methods.SendPhoto, methods.SendDocument,
    methods.AnswerCallbackQuery, methods.EditMessageReplyMarkup, methods.SetMyCommands,
    methods.GetMe, methods.GetUpdates, methods.SetWebhook, methods.DeleteWebhook,
)
_kept_response_models: list[type] = []


def keep_response_models() -> None:
    """aiogram parses each Bot API answer into ``Response[T]``, a pydantic generic
    model that pydantic keeps only while something else holds it: after a garbage
    collection it is built again, at milliseconds a time. Holding the ones Heard uses
    makes each answer cost a parse, not a class (docs/performance.md)."""
    if not _kept_response_models:
        _kept_response_models.extend(
            Response[method.__returning__]  # type: ignore[name-defined]
            for method in _METHODS_USED)


def make_dispatcher(db: Database, services: Services) -> Dispatcher:
    keep_response_models()
    dp = Dispatcher(services=services)
    dp.update.outer_middleware(UnitOfWorkMiddleware(db, services.clock))
    dp.update.outer_middleware(IdentityMiddleware())
    dp.errors.register(say_sorry)
    # Staff commands first: the conversation router answers everything else.
    dp.include_router(staff.make_router())
    dp.include_router(conversation.make_router())
    return dp


def commands_in(locale: str) -> list[BotCommand]:
    with use_locale(locale):
        return [BotCommand(command=name, description=_(desc)) for name, desc in COMMANDS]


def telegram_language_code(locale: str) -> str:
    """Telegram takes a two-letter ISO 639-1 code, or none; "fa_AF" -> "fa".
    Languages with no two-letter code (Sorani "ckb") get the default list."""
    base = locale.split("_", 1)[0]
    return base if len(base) == 2 else ""


async def register_commands(bot: Bot) -> None:
    """The command menu in English for everyone, then once per shipped language, so a
    phone set to that language shows the descriptions in it."""
    await bot.set_my_commands(commands_in("en"))
    for locale in available_locales():
        code = telegram_language_code(locale)
        if locale != "en" and code:
            await bot.set_my_commands(commands_in(locale), language_code=code)
