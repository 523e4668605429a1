"""One invitation, two doors (issue 11, item 4): using a young person's Telegram
link closes their web link from the same invitation, and the reverse; a fresh link
made afterwards works. And one rule for every code's expiry: all doors agree."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain.admin import LINK_LIFETIME
from domain.linking import link_telegram
from storage.models import AuditEntry, WebLogin
from storage.repositories import issue_code
from tests.support.people import Cast
from tests.support.web_client import WebPerson
from domain.tablets import ENROL_LIFETIME, create_enrolment


def web_path(cast: Cast) -> str:
    return "/" + str(cast.young_person_codes["web_link"]).split("/", 3)[3]


async def link_on_telegram(runtime: Runtime, cast: Cast, user_id: int = 501):  # type: ignore[no-untyped-def]
    async with runtime.db.transaction() as session:
        return await link_telegram(session, str(cast.young_person_codes["invite_code"]),
                                   user_id=user_id, chat_id=user_id, now=runtime.clock.now())


async def test_linking_on_telegram_closes_the_web_link(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    assert (await link_on_telegram(runtime, cast)).young_person is not None
    someone = WebPerson(client)
    await someone.get(web_path(cast))
    assert someone.status == 404 and "isn't working" in someone.text
    # Posting a PIN straight at it does nothing either.
    await someone.post(web_path(cast), {"pin": "2468", "pin2": "2468"})
    assert someone.status in (403, 404)
    async with runtime.db.transaction() as session:
        assert await session.get(WebLogin, cast.young_person_id) is None
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "invite.others_closed" in actions


async def test_setting_a_pin_on_the_web_closes_the_telegram_link(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    await WebPerson(client).set_pin(str(cast.young_person_codes["web_link"]))
    result = await link_on_telegram(runtime, cast)
    assert result.young_person is None and result.problem == "invalid"


async def test_a_fresh_web_link_made_after_linking_works(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    await link_on_telegram(runtime, cast)
    async with runtime.db.transaction() as session:
        fresh = await issue_code(session, purpose="web", subject_kind="young_person",
                                 subject_id=cast.young_person_id, now=runtime.clock.now(),
                                 expires_at=runtime.clock.now() + LINK_LIFETIME)
    person = WebPerson(client)
    await person.set_pin(f"http://127.0.0.1:8080/j/{fresh}")
    assert "Your PIN is saved" in person.text
    # Linked on both now: the young person's Telegram stays linked.
    async with runtime.db.transaction() as session:
        assert await session.get(WebLogin, cast.young_person_id) is not None


async def test_every_door_closes_at_the_same_moment(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    """Web link, Telegram link and tablet enrolment all stop working exactly at their
    expiry time (the web link used to work for that last instant)."""
    async with runtime.db.transaction() as session:
        made = await create_enrolment(session, service_name=cast.service_name, unit="Oak",
                                      now=clock.now(), public_url=runtime.settings.public_url)
    enrol_path = "/" + str(made["enrol_url"]).split("/", 3)[3]
    start, instant = clock.now(), timedelta(microseconds=1)
    # Enrolment links last 2 days, invitations 14: check each at its own last instant.
    clock.set(start + ENROL_LIFETIME - instant)
    tablet = WebPerson(client)
    await tablet.get(enrol_path)
    assert tablet.status == 200
    clock.set(start + ENROL_LIFETIME)
    await tablet.get(enrol_path)
    assert tablet.status == 404

    clock.set(start + LINK_LIFETIME - instant)
    person = WebPerson(client)
    await person.get(web_path(cast))
    assert person.status == 200 and "Make your PIN" in person.text
    clock.set(start + LINK_LIFETIME)
    await person.get(web_path(cast))
    assert person.status == 404
    result = await link_on_telegram(runtime, cast)
    assert result.problem == "invalid"
