"""Every dead end keeps the crisis contacts in sight (a lock-out, a used or unknown
link, an unknown page, a fault on our side), as numbers to read out on a tablet; a
web-only young person is not offered reminders; and "Alex has seen your check-in"
never sits above a question still open."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from domain.runtime import Runtime
from domain.staff import acknowledge_checkin
from storage.models import CheckIn, Staff
from tests.support.people import Cast
from tests.support.web_client import WebPerson, choices
from tests.web.test_tablet_and_parity import enrolled_tablet
from web.app import init_app

CONTACT_LINKS = ('href="tel:08001111"', 'href="sms:85258?body=SHOUT"', 'href="tel:116123"',
                 'href="tel:999"')
NUMBERS = ("Call 0800 1111", "Text SHOUT to 85258", "Call 116 123", "Call 999")


def assert_contacts(person: WebPerson, *, tablet: bool = False) -> None:
    assert "If you need to talk to someone now" in person.text
    for number in NUMBERS:
        assert number in person.text
    for link in CONTACT_LINKS:
        assert (link in person.html) is not tablet
    if tablet:
        assert "This tablet can't make calls" in person.text


async def _personal_link(client: TestClient, cast: Cast) -> tuple[WebPerson, str]:
    person = WebPerson(client)
    await person.set_pin(str(cast.young_person_codes["web_link"]), "2468")
    link = person.html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
    return person, "/p/" + link.rsplit("/", 1)[1]


async def test_lock_out_and_links_that_do_not_work_show_the_contacts(
    client: TestClient, cast: Cast
) -> None:
    person, path = await _personal_link(client, cast)
    # The one-time link, now used.
    await person.get("/" + str(cast.young_person_codes["web_link"]).split("/", 3)[3])
    assert person.status == 404 and "This link isn't working" in person.text
    assert_contacts(person)
    # A link that never existed.
    await person.get("/p/not-a-real-link")
    assert person.status == 404
    assert_contacts(person)
    # Five wrong PINs: the resting page.
    client.session.cookie_jar.clear()
    stranger = WebPerson(client)
    await stranger.get(path)
    for _ in range(5):
        await stranger.post(path, {"pin": "0000"})
    assert stranger.status == 429 and "Let's take a break" in stranger.text
    assert_contacts(stranger)


async def test_unknown_pages_and_faults_are_kind_and_show_the_contacts(runtime: Runtime) -> None:
    app = init_app(runtime)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a fault on our side")

    app.router.add_get("/broken", broken)
    async with TestClient(TestServer(app)) as client:
        person = WebPerson(client)
        await person.get("/no/such/page")
        assert person.status == 404 and "This page isn't here" in person.text
        assert_contacts(person)
        await person.get("/broken")
        assert person.status == 500 and "something went wrong" in person.text.lower()
        assert "please try again" in person.text.lower()
        assert "a fault on our side" not in person.html
        assert_contacts(person)
        async with client.get("/healthz") as resp:
            assert resp.status == 200  # machines' endpoints are left as they are


async def test_on_a_tablet_dead_ends_show_numbers_not_links(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    tablet, _ = await enrolled_tablet(client, runtime, cast)
    await tablet.get("/tablet/enrol/not-a-real-code")
    assert tablet.status == 404
    assert_contacts(tablet, tablet=True)
    await tablet.get("/no/such/page")
    assert_contacts(tablet, tablet=True)


async def test_a_web_only_young_person_is_not_offered_reminders(
    client: TestClient, cast: Cast
) -> None:
    person, _ = await _personal_link(client, cast)
    await person.get("/me")
    await person.tap("OK, let's go")
    assert "Show how I feel" in choices(person.html).values()
    assert "go:reminders" not in choices(person.html)
    # A forged tap on it is refused, and nothing about reminders is shown.
    await person.post("/me", {"choice": "go:reminders"})
    assert "That button doesn't work here" in person.text
    assert "Which day?" not in person.text and "Reminders are off" not in person.text


async def test_seen_banner_waits_while_an_urgent_question_is_open(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    person, path = await _personal_link(client, cast)
    await person.get("/me")
    for label in ("OK, let's go", "Show how I feel", "Happy", "Done", "A little",
                  "Some space", "Skip"):
        await person.tap(label)
    async with runtime.db.transaction() as session:
        checkin = (await session.scalars(select(CheckIn))).one()
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        await acknowledge_checkin(session, runtime.vault, staff, checkin.id, runtime.clock.now())
    # A new check-in, urgent card tapped, then the browser closes.
    await person.tap("Show how I feel")
    await person.tap("I need help now")
    await person.post("/leave", {})
    await person.get(path)
    await person.post(path, {"pin": "2468"})
    assert "How are you feeling?" in person.text  # carried on where they were
    assert "has seen your check-in" not in person.text
    # Once they are back at home, the news is given.
    await person.tap("Done")
    for label in ("A lot", "Talk to my keyworker", "Skip"):
        await person.tap(label)
    await person.post("/leave", {})
    await person.get(path)
    await person.post(path, {"pin": "2468"})
    assert "Alex has seen your check-in." in person.text
