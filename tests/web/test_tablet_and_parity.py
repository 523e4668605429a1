"""Unit tablets over HTTP, the acknowledgement on the web, and the same check-in on
the web and on Telegram giving the same records."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain import admin
from domain.staff import acknowledge_checkin
from storage.models import CheckIn, OutboxMessage, Staff, YoungPerson
from tests.support.flow_client import FlowClient
from tests.support.people import Cast
from tests.support.web_client import WebPerson
from domain.tablets import create_enrolment, revoke


def path_of(url: object) -> str:
    return "/" + str(url).split("/", 3)[3]


async def add_person(runtime: Runtime, cast: Cast, nickname: str, unit: str | None) -> dict:
    async with runtime.db.transaction() as session:
        return await admin.create_young_person(
            session, runtime.vault, service_name=cast.service_name,
            keyworker_email=cast.keyworker_email, nickname=nickname, now=runtime.clock.now(),
            bot_username=None, public_url=runtime.settings.public_url, unit=unit)


async def enrolled_tablet(client: TestClient, runtime: Runtime, cast: Cast) -> tuple[WebPerson, str]:
    async with runtime.db.transaction() as session:
        made = await create_enrolment(session, service_name=cast.service_name, unit="Oak",
                                      now=runtime.clock.now(),
                                      public_url=runtime.settings.public_url)
    tablet = WebPerson(client)
    await tablet.get(path_of(made["enrol_url"]))
    await tablet.post(path_of(made["enrol_url"]), {})
    return tablet, str(made["tablet_id"])


async def test_tablet_shows_only_its_unit_and_signs_people_out(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    jo = await add_person(runtime, cast, "Jo", "Oak")
    await add_person(runtime, cast, "Lee", "Elm")
    await WebPerson(client).set_pin(str(jo["web_link"]), "1471")
    client.session.cookie_jar.clear()
    tablet, _ = await enrolled_tablet(client, runtime, cast)
    assert "Who is checking in?" in tablet.text
    assert "Jo" in tablet.text and "Lee" not in tablet.text and "Sam" not in tablet.text
    await tablet.get(f"/t/who/{jo['young_person_id']}")
    await tablet.post(f"/t/who/{jo['young_person_id']}", {"pin": "1471"})
    assert "Hi Jo!" in tablet.text
    assert 'data-idle-url="/t/leave"' in tablet.html and 'data-idle-seconds="60"' in tablet.html
    assert 'http-equiv="refresh" content="60; url=/t/leave"' in tablet.html  # without JS too
    # Someone from another unit cannot be picked on this tablet.
    lee_id = (await _ids(runtime))["Lee"]
    await tablet.get(f"/t/who/{lee_id}")
    assert "Who is checking in?" in tablet.text
    # After 90 quiet seconds the server has forgotten Jo on this tablet.
    await tablet.get(f"/t/who/{jo['young_person_id']}")
    await tablet.post(f"/t/who/{jo['young_person_id']}", {"pin": "1471"})
    clock.advance(seconds=91)
    await tablet.get("/me")
    assert "Who is checking in?" in tablet.text


async def _ids(runtime: Runtime) -> dict[str, str]:
    async with runtime.db.transaction() as session:
        people = (await session.scalars(select(YoungPerson))).all()
        return {await runtime.vault.open(session, p.id, "young_people", p.id, p.nickname_ct): p.id
                for p in people}


async def signed_in_on_tablet(
    client: TestClient, runtime: Runtime, cast: Cast, nickname: str = "Jo"
) -> WebPerson:
    """A young person of unit Oak, signed in with their PIN on the unit's tablet."""
    person = await add_person(runtime, cast, nickname, "Oak")
    await WebPerson(client).set_pin(str(person["web_link"]), "1471")
    client.session.cookie_jar.clear()
    tablet, _ = await enrolled_tablet(client, runtime, cast)
    await tablet.get(f"/t/who/{person['young_person_id']}")
    await tablet.post(f"/t/who/{person['young_person_id']}", {"pin": "1471"})
    return tablet


async def test_tablet_finish_returns_to_start_soon(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    tablet = await signed_in_on_tablet(client, runtime, cast)
    for label in ("OK, let's go", "Show how I feel", "Calm", "Done", "A little", "Some space",
                  "Skip"):
        await tablet.tap(label)
    assert "Thank you" in tablet.text
    assert 'data-idle-seconds="15"' in tablet.html


async def test_revoked_tablet_is_turned_off(client: TestClient, runtime: Runtime, cast: Cast) -> None:
    tablet, tablet_id = await enrolled_tablet(client, runtime, cast)
    assert "Who is checking in?" in tablet.text
    async with runtime.db.transaction() as session:
        await revoke(session, tablet_id, runtime.clock.now())
    await tablet.get("/t")
    assert tablet.status == 403 and "isn't set up" in tablet.text


async def test_tablet_limits_pin_guessing(client: TestClient, runtime: Runtime, cast: Cast) -> None:
    people = [await add_person(runtime, cast, f"P{i}", "Oak") for i in range(5)]
    for person in people:
        await WebPerson(client).set_pin(str(person["web_link"]), "1471")
    client.session.cookie_jar.clear()
    tablet, _ = await enrolled_tablet(client, runtime, cast)
    # 4 wrong PINs each for 5 people = 20 on one tablet: the tablet rests.
    for person in people:
        page = f"/t/who/{person['young_person_id']}"
        form = await tablet.get(page)
        for _ in range(4):
            tablet.html = form
            await tablet.post(page, {"pin": "9999"})
    await tablet.get(f"/t/who/{people[0]['young_person_id']}")
    assert tablet.status == 429 and "this tablet" in tablet.text


async def test_acknowledgement_is_shown_on_the_next_visit(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    person = WebPerson(client)
    await person.set_pin(str(cast.young_person_codes["web_link"]), "1357")
    link = person.html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
    await person.get("/me")
    for label in ("OK, let's go", "Show how I feel", "Sad", "Done", "A lot", "Talk to my", "Skip"):
        await person.tap(label)
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        checkin = (await session.scalars(select(CheckIn))).one()
        assert staff is not None
        result = await acknowledge_checkin(session, runtime.vault, staff, checkin.id,
                                           runtime.clock.now())
        assert result.ok
        # Not Telegram-linked: nothing queued for the young person.
        assert (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "ack"))).all() == []
    await person.post("/leave", {})
    personal = "/p/" + link.rsplit("/", 1)[1]
    await person.get(personal)
    await person.post(personal, {"pin": "1357"})
    assert "Alex has seen your check-in." in person.text
    # Once only.
    await person.post("/leave", {})
    await person.get(personal)
    await person.post(personal, {"pin": "1357"})
    assert "has seen your check-in" not in person.text


async def test_web_and_telegram_store_the_same_checkin(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        staff.telegram_chat_id = 777  # so both channels notify the keyworker
    twin = await add_person(runtime, cast, "Sam", None)

    web_person = WebPerson(client)
    await web_person.set_pin(str(cast.young_person_codes["web_link"]))
    await web_person.get("/me")
    for label in ("OK, let's go", "Show how I feel", "Worried", "Tired", "Done", "A lot",
                  "Just sit with me"):
        await web_person.tap(label)
    await web_person.words("school was hard")
    await web_person.tap("Did I feel listened to?")
    await web_person.tap("My keyworker")
    await web_person.tap("Mostly")
    assert "how good is the help you get here" in web_person.text
    await web_person.tap("Good")

    tg = FlowClient(runtime, str(twin["young_person_id"]), channel="telegram")
    await tg.command("start")
    for label in ("OK, let's go", "Show how I feel", "Worried", "Tired", "Done", "A lot",
                  "Just sit with me"):
        await tg.tap(label)
    await tg.send("school was hard")
    await tg.tap("Did I feel listened to?")
    await tg.tap("My keyworker")
    await tg.tap("Mostly")
    await tg.tap("Good")

    web_rows = await _records(runtime, cast.young_person_id)
    tg_rows = await _records(runtime, str(twin["young_person_id"]))
    assert web_rows.pop("channels") == {"web"}
    assert tg_rows.pop("channels") == {"telegram"}
    assert web_rows == tg_rows
    assert web_rows["checkins"] == [{"cards": ["worried", "tired"], "amount": "a_lot",
                                     "help": "sit", "words": "school was hard"}]
    # The satisfaction answer is only counted, the same way from both channels.
    from storage.models import KpiCount

    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(KpiCount).where(
            KpiCount.question == "satisfaction"))).all()
        assert [(r.answer, r.count) for r in rows] == [("good", 2)]


async def _records(runtime: Runtime, person_id: str) -> dict[str, object]:
    from storage.models import ListenedAnswer

    async with runtime.db.transaction() as session:
        vault = runtime.vault
        checkins = (await session.scalars(select(CheckIn).where(CheckIn.young_person_id == person_id))).all()
        listened = (await session.scalars(
            select(ListenedAnswer).where(ListenedAnswer.young_person_id == person_id))).all()
        outbox = (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.key_owner == person_id))).all()
        return {
            "channels": {r.channel for r in checkins} | {r.channel for r in listened},
            "checkins": [await vault.open(session, person_id, "checkins", r.id, r.payload_ct)
                         for r in checkins],
            "listened": [await vault.open(session, person_id, "listened_answers", r.id, r.payload_ct)
                         for r in listened],
            "notifications": [
                {k: v for k, v in (await vault.open(session, person_id, "outbox", r.id,
                                                    r.payload_ct)).items() if k != "buttons"}
                | {"chat_id": r.chat_id, "kind": r.kind}
                for r in outbox
            ],
        }
