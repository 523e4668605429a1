"""A placement with two young people living there (Robin and Kim, key-worked by Jo),
Sam (key-worked by Alex) moving in five days from now, and Pat, its placement staff."""

from __future__ import annotations

from dataclasses import dataclass

from datetime import date, timedelta

from core.clock import FrozenClock
from domain import admin
from domain.moves import moves_due
from domain.placements import plan_move
from domain.runtime import Runtime
from storage.models import Placement, PlacementMove, PlacementStaff, Staff, YoungPerson
from tests.support.desk import make_staff
from tests.support.flow_client import FlowClient
from tests.support.people import Cast, make_cast

SAM_TG, ROBIN_TG, KIM_TG = 730_111_222, 730_333_444, 730_555_666
JO_CHAT, ALEX_CHAT = 9101, 9202


@dataclass
class World:
    cast: Cast
    sam: str
    robin: str
    kim: str
    alex: str  # Sam's keyworker
    jo: str  # Robin's and Kim's keyworker
    pat: str  # placement staff at Oak House
    lee: str  # another keyworker, of nobody here
    placement_id: str
    move_id: str  # Sam's planned move
    move_date: date
    links: dict[str, str]  # nickname -> web link


async def make_world(runtime: Runtime, *, days_ahead: int = 5) -> World:
    cast = await make_cast(runtime)
    service = cast.service_name
    jo = await make_staff(runtime, service=service, name="Jo Patel", email="jo@north.example")
    lee = await make_staff(runtime, service=service, name="Lee Ward", email="lee@north.example")
    pat = await make_staff(runtime, service=service, name="Pat Lee", email="pat@north.example",
                           role="placement")
    now = runtime.clock.now()
    ids = {}
    links = {"Sam": str(cast.young_person_codes["web_link"])}
    async with runtime.db.transaction() as session:
        for nickname in ("Robin", "Kim"):
            made = await admin.create_young_person(
                session, runtime.vault, service_name=service, keyworker_email=jo.email,
                nickname=nickname, now=now, bot_username="heard_test_bot",
                public_url=runtime.settings.public_url)
            ids[nickname] = str(made["young_person_id"])
            links[nickname] = str(made["web_link"])
        staff = await session.get(Staff, pat.staff_id)
        assert staff is not None
        placement = Placement(service_id=staff.service_id, name="Oak House", kind="Home",
                              description="", created_at=now, updated_at=now)
        session.add(placement)
        await session.flush()
        session.add(PlacementStaff(placement_id=placement.id, staff_id=staff.id))
        jo_row = await session.get(Staff, jo.staff_id)
        alex = await session.get(Staff, cast.keyworker_id)
        assert jo_row is not None and alex is not None
        jo_row.telegram_chat_id, alex.telegram_chat_id = JO_CHAT, ALEX_CHAT
        for nickname in ("Robin", "Kim"):
            await plan_move(session, runtime.vault, by=jo_row, young_person_id=ids[nickname],
                            placement_id=placement.id, move_date=now.date(), note="", now=now)
        for pid, tg in ((cast.young_person_id, SAM_TG), (ids["Robin"], ROBIN_TG),
                        (ids["Kim"], KIM_TG)):
            person = await session.get(YoungPerson, pid)
            assert person is not None
            person.telegram_user_id = person.telegram_chat_id = tg
        placement_id = placement.id
    async with runtime.db.transaction() as session:
        assert await moves_due(session, runtime.vault, now) == 2  # Robin and Kim live there
    move_date = now.date() + timedelta(days=days_ahead)
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        move: PlacementMove = await plan_move(
            session, runtime.vault, by=alex, young_person_id=cast.young_person_id,
            placement_id=placement_id, move_date=move_date, note="", now=now)
        move_id = move.id
    for pid in (cast.young_person_id, ids["Robin"], ids["Kim"]):
        client = FlowClient(runtime, pid)
        await client.command("start")
        await client.tap("OK, let's go")
    return World(cast, cast.young_person_id, ids["Robin"], ids["Kim"], cast.keyworker_id,
                 jo.staff_id, pat.staff_id, lee.staff_id, placement_id, move_id, move_date, links)


class Client(FlowClient):
    """A young person whose every action happens a second after the one before, so
    the outbox's order is the order things were said in."""

    async def _handle(self, event):  # type: ignore[no-untyped-def]
        clock = self.runtime.clock
        assert isinstance(clock, FrozenClock)
        clock.advance(seconds=1)
        return await super()._handle(event)
