"""Who is writing -- a linked young person, a linked staff member, or nobody we know --
found once per update, with the language their replies are in.

``IdentityMiddleware`` runs inside the update's unit of work: it loads the person (the
young person's flow state and data key come in the same query) and sets the locale,
so handlers receive ``who`` and never look people up or pick a language themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import set_locale
from storage.models import Staff, YoungPerson
from storage.repositories import staff_by_telegram, young_person_with_context


@dataclass
class Identity:
    young_person: YoungPerson | None = None
    staff: Staff | None = None
    # The young person's service has switched their language off (known from the
    # same query, so the conversation need not ask again).
    language_off: bool = False


async def identify(session: AsyncSession, user_id: int) -> Identity:
    found = await young_person_with_context(session, user_id)
    if found is not None:
        person, language_off = found
        return Identity(young_person=person, language_off=language_off)
    staff = await staff_by_telegram(session, user_id)
    # A deactivated account is nobody we know: no check-ins, buttons or strips.
    return Identity(staff=staff if staff is not None and staff.active else None)


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
