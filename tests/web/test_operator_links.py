"""The operator's new links and PIN resets, checked where they matter: in the
browser. A locked-out young person's keyworker is told the command that helps; the
command clears the PIN and lock-out; old links stop working and new ones work."""

from __future__ import annotations

import argparse

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from app import cli
from domain.runtime import Runtime
from domain.admin import AdminError
from outbox.message import Message
from storage.models import OutboxMessage, Staff
from tests.support.people import Cast
from tests.support.web_client import WebPerson
from tests.web.test_web_http import signed_up


def path_of(link: str) -> str:
    return link.split("8080", 1)[1]


async def lock_out(client: TestClient, person: WebPerson) -> str:
    link = person.html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
    path = "/p/" + link.rsplit("/", 1)[1]
    client.session.cookie_jar.clear()
    stranger = WebPerson(client)
    await stranger.get(path)
    for _ in range(5):
        await stranger.post(path, {"pin": "0000"})
    assert stranger.status == 429
    return path


async def test_lock_out_names_the_command_and_reset_pin_clears_it(
    client: TestClient, cast: Cast, runtime: Runtime
) -> None:
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        staff.telegram_chat_id = 4242
    personal = await lock_out(client, await signed_up(client, cast))
    async with runtime.db.transaction() as session:
        (row,) = (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "pin_locked"))).all()
        message = Message.from_json(await runtime.vault.open(
            session, row.key_owner, "outbox", row.id, row.payload_ct))
    command = f"python run.py admin reset-pin --young-person {cast.young_person_id}"
    assert command in message.text

    result = await cli.reset_pin(runtime, argparse.Namespace(young_person=cast.young_person_id))
    assert result["pin_cleared"] is True
    # The old personal link (and its lock-out) is gone; the new one-time link sets a new PIN.
    client.session.cookie_jar.clear()
    old = WebPerson(client)
    await old.get(personal)
    assert old.status == 404 and "This link isn't working" in old.text
    fresh = WebPerson(client)
    await fresh.set_pin(str(result["web_link"]), "1357")
    assert "Your PIN is saved" in fresh.text
    await fresh.get("/me")
    assert "Sam" in fresh.text


async def test_new_web_link_retires_the_old_one(
    client: TestClient, cast: Cast, runtime: Runtime
) -> None:
    old_link = str(cast.young_person_codes["web_link"])
    result = await cli.new_link(runtime, argparse.Namespace(
        young_person=cast.young_person_id, staff=None, channel="web"))
    old = WebPerson(client)
    await old.get(path_of(old_link))
    assert old.status == 404 and "This link isn't working" in old.text
    new = WebPerson(client)
    await new.set_pin(str(result["web_link"]), "1357")
    assert "Your PIN is saved" in new.text
    # A used link cannot be used again.
    again = WebPerson(client)
    await again.get(path_of(str(result["web_link"])))
    assert again.status == 404


async def test_new_staff_link_links_telegram_and_retires_the_old_code(
    cast: Cast, runtime: Runtime
) -> None:
    from domain.linking import link_telegram

    result = await cli.new_link(runtime, argparse.Namespace(
        young_person=None, staff=cast.keyworker_email, channel=None))
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        assert cast.staff_telegram_code
        stale = await link_telegram(session, cast.staff_telegram_code, user_id=11, chat_id=11,
                                    now=now)
        assert stale.problem == "invalid"
        linked = await link_telegram(session, str(result["invite_code"]), user_id=11,
                                     chat_id=11, now=now)
        assert linked.staff is not None and linked.staff.id == cast.keyworker_id


async def test_channel_must_fit_who(cast: Cast, runtime: Runtime) -> None:
    with pytest.raises(AdminError, match="Telegram only"):
        await cli.new_link(runtime, argparse.Namespace(
            young_person=None, staff=cast.keyworker_email, channel="web"))


async def test_lock_out_page_only_says_the_keyworker_was_told_when_they_were(
    client: TestClient, cast: Cast, runtime: Runtime
) -> None:
    # Alex has no route (no Telegram, no mail): nobody can be told of the lock-out.
    personal = await lock_out(client, await signed_up(client, cast))
    page = WebPerson(client)
    await page.get(personal)
    assert page.status == 429 and "resting for 15 minutes" in page.text
    assert "has been told" not in page.text and "ask an adult where you are" in page.text
    async with runtime.db.transaction() as session:
        sent = (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "pin_locked"))).all()
    assert sent == []
