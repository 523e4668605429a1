"""Building the Telegram bot and its dispatcher, routers assembled in one place."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand

from core.config import TELEGRAM_PUBLIC_API, Settings
from core.i18n import N_, _, use_locale
from bot.errors import say_sorry
from bot.handlers import conversation, staff
from bot.handlers.identity import IdentityMiddleware
from bot.unit_of_work import UnitOfWorkMiddleware
from domain.context import Services
from storage.db import Database

COMMANDS = (
    ("checkin", N_("Show how I feel")),
    ("listened", N_("Did I feel listened to?")),
    ("reminders", N_("Choose a gentle reminder, or turn it off")),
    ("next", N_("Your next home, if you are moving")),
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


def make_dispatcher(db: Database, services: Services) -> Dispatcher:
    dp = Dispatcher(services=services)
    dp.update.outer_middleware(UnitOfWorkMiddleware(db, services.clock))
    dp.update.outer_middleware(IdentityMiddleware())
    dp.errors.register(say_sorry)
    # Staff commands first: the conversation router answers everything else.
    dp.include_router(staff.make_router())
    dp.include_router(conversation.make_router())
    return dp


async def register_commands(bot: Bot) -> None:
    with use_locale("en"):
        commands = [BotCommand(command=name, description=_(desc)) for name, desc in COMMANDS]
    await bot.set_my_commands(commands)
