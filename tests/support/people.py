"""A small cast of people for tests, made through the same admin actions as the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from domain.runtime import Runtime
from domain import admin
from storage.models import Staff, YoungPerson


@dataclass
class Cast:
    service_name: str
    keyworker_email: str
    keyworker_id: str
    young_person_id: str
    staff_telegram_code: str | None
    young_person_codes: dict[str, object]


async def make_cast(
    runtime: Runtime, *, service: str = "North", nickname: str = "Sam",
    bot_username: str | None = "heard_test_bot",
) -> Cast:
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        await admin.create_service(session, name=service, timezone="Europe/London", now=now)
        staff = await admin.create_staff(
            session, service_name=service, name="Alex Morgan", email=f"alex@{service.lower()}.example",
            role="keyworker", now=now, bot_username=bot_username,
        )
        person = await admin.create_young_person(
            session, runtime.vault, service_name=service, keyworker_email=str(staff["email"]),
            nickname=nickname, now=now, bot_username=bot_username,
            public_url=runtime.settings.public_url,
        )
    link = staff["telegram_link"]
    return Cast(
        service_name=service,
        keyworker_email=str(staff["email"]),
        keyworker_id=str(staff["staff_id"]),
        young_person_id=str(person["young_person_id"]),
        staff_telegram_code=str(link).rsplit("=", 1)[1] if link else None,
        young_person_codes=person,
    )


async def load_person(runtime: Runtime, person_id: str) -> YoungPerson:
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, person_id)
        assert person is not None
        return person


async def load_staff(runtime: Runtime, staff_id: str) -> Staff:
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, staff_id)
        assert staff is not None
        return staff
