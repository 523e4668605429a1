"""Who is writing -- a linked young person, a linked staff member, or nobody we know --
found once per update, with the language their replies are in.

``IdentityMiddleware`` runs inside the update's unit of work: it loads the person (the
young person's flow state and data key come in the same query) and sets the locale,
so handlers receive ``who`` and never look people up or pick a language themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from core.i18n import set_locale
from domain.identity import Identity, identify


class IdentityMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        who = await identify(data["session"], user.id) if user is not None else Identity()
        data["who"] = who
        known = who.young_person or who.staff
        # Someone we do not know yet hears us in their Telegram language.
        set_locale(known.locale if known is not None else user.language_code if user else None)
        return await handler(event, data)
