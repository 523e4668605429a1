"""Helpers for safeguarding tests: staff on Telegram, an on-call member and a lead,
and reading what the outbox holds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from domain.runtime import Runtime
from domain import admin
from outbox.message import Message
from storage.models import OutboxMessage, Staff, YoungPerson
from tests.support.flow_client import FlowClient
from tests.support.people import Cast

KEYWORKER_CHAT = 1001
ON_CALL_CHAT = 2002
LEAD_CHAT = 3003
ADMIN_CHAT = 4004
YP_CHAT = 5005


@dataclass
class Team:
    keyworker_id: str
    on_call_id: str
    lead_id: str


async def make_team(runtime: Runtime, cast: Cast, *, keyworker_on_telegram: bool = True) -> Team:
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        ids = {}
        for name, email, role, chat in (
            ("Jo Patel", "jo@north.example", "keyworker", ON_CALL_CHAT),
            ("Lee Smith", "lee@north.example", "lead", LEAD_CHAT),
        ):
            made = await admin.create_staff(session, service_name=cast.service_name, name=name,
                                            email=email, role=role, now=now, bot_username=None)
            staff = await session.get(Staff, made["staff_id"])
            assert staff is not None
            staff.telegram_chat_id = chat
            ids[role] = staff.id
        on_call = await session.get(Staff, ids["keyworker"])
        assert on_call is not None
        on_call.on_call = True
        keyworker = await session.get(Staff, cast.keyworker_id)
        assert keyworker is not None
        keyworker.telegram_chat_id = KEYWORKER_CHAT if keyworker_on_telegram else None
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        person.telegram_chat_id = YP_CHAT
    return Team(cast.keyworker_id, ids["keyworker"], ids["lead"])


async def outbox(runtime: Runtime, **where: object) -> list[tuple[OutboxMessage, Message]]:
    async with runtime.db.transaction() as session:
        stmt = select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, key) == value)
        rows = (await session.scalars(stmt)).all()
        return [
            (row, Message.from_json(await runtime.vault.open(
                session, row.key_owner, "outbox", row.id, row.payload_ct)))
            for row in rows
        ]


async def consented(runtime: Runtime, cast: Cast) -> FlowClient:
    client = FlowClient(runtime, cast.young_person_id)
    await client.command("start")
    await client.tap("OK, let's go")
    return client


async def check_in(client: FlowClient, cards: list[str], words: str | None = None) -> None:
    await client.command("checkin")
    for label in cards:
        await client.tap(label)
    await client.tap("Done")
    await client.tap("A lot")
    await client.tap("Talk to my keyworker")
    if words is None:
        await client.tap("Skip")
    else:
        await client.send(words)
