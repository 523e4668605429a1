"""Heard's real Telegram channel, wired to the in-memory Bot API.

The same pieces ``serve`` starts (``bot.factory.make_dispatcher``, the outbox sender
from ``app.serve.make_sender``, the bot's username and command list), with no
polling loop and no background sender: ``send``/``tap`` run one update to the end,
and ``await heard.deliver()`` runs the sender until what is due has gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot

from core.clock import FrozenClock
from domain.runtime import Runtime
from app.serve import make_sender, remember_bot_username
from bot.factory import make_dispatcher, register_commands
from outbox.sender import Sender
from testkit.outbox import drain
from testkit.telegram import InProcessTelegram, MemoryBotAPI, TelegramUser

TOKEN = "123456:TEST-token"


@dataclass
class HeardOnTelegram:
    runtime: Runtime
    api: MemoryBotAPI
    bot: Bot
    telegram: InProcessTelegram
    sender: Sender

    @classmethod
    async def start(cls, runtime: Runtime, *, token: str = TOKEN,
                    bot_username: str = "heard_test_bot", record: bool = True) -> HeardOnTelegram:
        api = MemoryBotAPI(bot_username=bot_username, record=record)
        bot = Bot(token, session=api)
        sender = make_sender(runtime, bot)
        if isinstance(runtime.clock, FrozenClock):
            # Pacing waits move the simulated clock instead of sleeping.
            clock = runtime.clock

            async def advance(seconds: float) -> None:
                clock.advance(seconds=seconds)

            sender = Sender(sender.db, sender.vault, None, sender.clock,
                            sender.settings, sleep=advance, routes=sender.transports)
        dispatcher = make_dispatcher(runtime.db, runtime.services)
        await remember_bot_username(runtime, bot)
        await register_commands(bot)
        return cls(runtime, api, bot, InProcessTelegram(dispatcher, bot, api), sender)

    def user(self, user_id: int, first_name: str = "Sam",
             language_code: str | None = "en") -> TelegramUser:
        return self.telegram.user(user_id, first_name, language_code)

    async def deliver(self, within: timedelta = timedelta(minutes=1)) -> int:
        """Run the outbox sender until nothing due within ``within`` is left (the
        simulated clock moves on through pacing and retries). Returns sends tried."""
        clock = self.runtime.clock
        if not isinstance(clock, FrozenClock):
            tried = 0
            while sent := await self.sender.run_once():
                tried += sent
            await self.sender.flush()
            return tried
        return await drain(self.runtime, clock, self.sender, within, must_empty=False)

    async def close(self) -> None:
        await self.bot.session.close()
