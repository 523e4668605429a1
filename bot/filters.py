"""Filters the bot's routers share.

Written as coroutines on purpose: aiogram runs a plain function or a magic filter
(``F.chat.type == "private"``) on a worker thread for every update, which costs more
than the check itself.
"""

from __future__ import annotations

from aiogram.types import Message


async def private_chat(message: Message) -> bool:
    """A one-to-one chat with the bot (never a group it was added to)."""
    return message.chat.type == "private"
