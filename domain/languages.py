"""Which languages a service offers its young people.

Every shipped language is on by default, reviewed or not: a child who reads only
Tigrinya is better served by a plain translation that has not yet been checked than
by English they cannot read (the cards carry pictures, and the crisis numbers are the
same in every language). A lead or admin can switch a language off for their service
(on the desk or with ``run.py admin language off``); it is then not offered, and a
young person using it is moved to English with a kind word.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import DEFAULT_LOCALE, available_locales
from core.languages import all_languages
from domain.admin import AdminError, require_service
from storage.models import ServiceLanguageOff


# Asked on every update a young person sends: built once.
_SWITCHED_OFF = select(ServiceLanguageOff.locale).where(
    ServiceLanguageOff.service_id == bindparam("service_id"))


async def switched_off(session: AsyncSession, service_id: str) -> set[str]:
    return set(await session.scalars(_SWITCHED_OFF, {"service_id": service_id}))


async def offered_locales(session: AsyncSession, service_id: str) -> list[str]:
    """The languages this service's young people can choose, English first (never off)."""
    off = await switched_off(session, service_id)
    return [code for code in available_locales() if code == DEFAULT_LOCALE or code not in off]


async def still_offered(session: AsyncSession, service_id: str, locale: str,
                        known_off: bool | None = None) -> bool:
    """Whether ``locale`` is still one this service offers. ``known_off``: whether the
    service switched it off, when the caller read that already (None: look)."""
    if known_off is None:
        return locale in await offered_locales(session, service_id)
    return locale in available_locales() and (locale == DEFAULT_LOCALE or not known_off)


async def set_language(session: AsyncSession, service_id: str, locale: str, on: bool,
                       now: datetime) -> None:
    if locale not in available_locales():
        raise AdminError(f"no catalog for {locale!r}; shipped: {', '.join(available_locales())}")
    if locale == DEFAULT_LOCALE:
        raise AdminError("English is always on: it is what everyone falls back to")
    await session.execute(delete(ServiceLanguageOff).where(
        ServiceLanguageOff.service_id == service_id, ServiceLanguageOff.locale == locale))
    if not on:
        session.add(ServiceLanguageOff(service_id=service_id, locale=locale, switched_off_at=now))


async def languages_for_service(session: AsyncSession, service_id: str) -> list[dict[str, Any]]:
    """Every shipped language, its review state and counts, and whether it is on here."""
    off = await switched_off(session, service_id)
    return [{**lang.as_dict(), "on": lang.code not in off} for lang in all_languages()]


async def admin_set_language(session: AsyncSession, service_name: str, locale: str, on: bool,
                             now: datetime) -> dict[str, Any]:
    service = await require_service(session, service_name)
    await set_language(session, service.id, locale, on, now)
    return {"service": service.name, "locale": locale, "on": on}


async def admin_languages(session: AsyncSession, service_name: str | None) -> dict[str, Any]:
    if service_name is None:
        return {"languages": [lang.as_dict() for lang in all_languages()]}
    service = await require_service(session, service_name)
    return {"service": service.name, "languages": await languages_for_service(session, service.id)}
