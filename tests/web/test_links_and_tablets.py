"""Sign-in under attack, over HTTP (issue 11, items 5, 7, 8 and 13): common PINs
refused, personal links rotated, revoked tablets and links opened on tablets,
HSTS, and form bodies that cannot be read."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from core.clock import FrozenClock
from domain.runtime import Runtime
from storage.models import CheckIn, WebLogin, WebSession
from tests.support.people import Cast
from tests.support.web_client import WebPerson, hidden_fields
from tests.web.test_tablet_and_parity import add_person, enrolled_tablet, signed_in_on_tablet
from domain import pins
from web.app import init_app
from domain.tablets import revoke


def web_path(cast: Cast) -> str:
    return "/" + str(cast.young_person_codes["web_link"]).split("/", 3)[3]


def personal_path(html: str) -> str:
    link = html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
    return "/p/" + link.rsplit("/", 1)[1]


# -- item 5: common PINs, rests shown truly, new links --------------------------------


async def test_common_pins_are_refused_kindly(client: TestClient, cast: Cast) -> None:
    person = WebPerson(client)
    await person.get(web_path(cast))
    for pin in ("1234", "0000", "2580", "8901", "1122"):
        await person.post(web_path(cast), {"pin": pin, "pin2": pin})
        assert person.status == 200 and "easy for someone else to guess" in person.text, pin
    await person.get(web_path(cast) + "?kind=pictures")
    same = {f"p{i}": "4" for i in range(1, 5)} | {f"q{i}": "4" for i in range(1, 5)}
    await person.post(web_path(cast), {"kind": "pictures", **same})
    assert "easy for someone else to guess" in person.text
    line = {"p1": "1", "p2": "5", "p3": "9", "p4": "5", "q1": "1", "q2": "5", "q3": "9", "q4": "5"}
    await person.post(web_path(cast), {"kind": "pictures", **line})
    assert "easy for someone else to guess" in person.text
    # The link still works for a good PIN.
    await person.get(web_path(cast))
    await person.post(web_path(cast), {"pin": "4826", "pin2": "4826"})
    assert "Your PIN is saved" in person.text


async def test_the_resting_page_says_how_long_is_left(
    client: TestClient, cast: Cast, clock: FrozenClock
) -> None:
    person = WebPerson(client)
    await person.set_pin(str(cast.young_person_codes["web_link"]), "4826")
    path = personal_path(person.html)
    client.session.cookie_jar.clear()
    stranger = WebPerson(client)
    for round_ in range(2):
        form = await stranger.get(path)
        for _ in range(5):
            stranger.html = form
            await stranger.post(path, {"pin": "3817"})
        assert stranger.status == 429
        assert ("15 minutes" if round_ == 0 else "1 hour") in stranger.text
        clock.advance(minutes=10)
        await stranger.get(path)
        assert ("5 minutes" if round_ == 0 else "50 minutes") in stranger.text
        clock.advance(minutes=50)


async def test_a_young_person_can_get_a_new_link(
    client: TestClient, cast: Cast, runtime: Runtime
) -> None:
    person = WebPerson(client)
    await person.set_pin(str(cast.young_person_codes["web_link"]), "4826")
    old = personal_path(person.html)
    # Someone else has the old link and the PIN, and is signed in with it (on another
    # worker of the same service: the database is what they share).
    async with TestClient(TestServer(init_app(runtime))) as other_client:
        thief = WebPerson(other_client)
        await thief.get(old)
        await thief.post(old, {"pin": "4826"})
        assert "Hi Sam!" in thief.text
        await person.get("/me/link")
        assert "Get a new link" in person.text
        await person.post("/me/link/new", {})
        assert "Here is your new link" in person.text and "old link doesn't work" in person.text
        new = personal_path(person.html)
        assert new != old
        # The thief is signed out and the old link is dead.
        await thief.get("/me")
        assert "open your own link" in thief.text
        await thief.get(old)
        assert thief.status == 404
    # The young person is still signed in, and the new link works with the same PIN.
    await person.get("/me")
    assert "I've finished" in person.text
    client.session.cookie_jar.clear()
    again = WebPerson(client)
    await again.get(new)
    await again.post(new, {"pin": "4826"})
    assert "Hi Sam!" in again.text


async def test_staff_can_rotate_a_link_for_a_young_person(
    client: TestClient, cast: Cast, runtime: Runtime
) -> None:
    person = WebPerson(client)
    await person.set_pin(str(cast.young_person_codes["web_link"]), "4826")
    old = personal_path(person.html)
    async with runtime.db.transaction() as session:
        code = await pins.rotate_personal_link(session, runtime.vault, cast.young_person_id,
                                               runtime.clock.now(), actor_kind="staff",
                                               actor_id=cast.keyworker_id)
        sessions_left = await session.scalar(select(func.count()).select_from(WebSession)
                                             .where(WebSession.young_person_id.is_not(None)))
    assert code and sessions_left == 0
    await person.get("/me")
    assert "open your own link" in person.text
    await person.get(old)
    assert person.status == 404
    await person.get(f"/p/{code}")
    await person.post(f"/p/{code}", {"pin": "4826"})
    assert "Hi Sam!" in person.text


# -- item 7: tablets --------------------------------------------------------------------


async def _checkins(runtime: Runtime) -> int:
    async with runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(CheckIn)) or 0)


async def test_revoking_a_tablet_ends_its_session_at_once(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    tablet = await signed_in_on_tablet(client, runtime, cast)
    for label in ("OK, let's go", "Show how I feel", "Calm", "Done", "A little", "Some space"):
        await tablet.tap(label)
    words_page = tablet.html
    async with runtime.db.transaction() as session:
        tablet_id = (await session.scalars(select(WebSession.tablet_id)
                                           .where(WebSession.tablet_id.is_not(None)))).one()
        result = await revoke(session, str(tablet_id), runtime.clock.now())
    # The last tap (finishing the check-in) stores nothing and shows a kind page.
    await tablet.post("/me", {"choice": "skip"} | {k: v for k, v in hidden_fields(words_page).items()
                                                   if k != "choice"})
    assert tablet.status == 403
    assert "isn't set up" in tablet.text or "please start again" in tablet.text.lower()
    assert await _checkins(runtime) == 0
    await tablet.get("/me")
    assert tablet.status == 403 and "isn't set up" in tablet.text
    assert result["sessions_ended"] == 1


async def test_personal_link_on_a_tablet_behaves_as_the_tablet(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    jo = await add_person(runtime, cast, "Jo", "Oak")
    phone = WebPerson(client)
    await phone.set_pin(str(jo["web_link"]), "4826")
    personal = personal_path(phone.html)
    client.session.cookie_jar.clear()
    tablet, _ = await enrolled_tablet(client, runtime, cast)
    await tablet.get(personal)
    assert 'data-idle-url="/t"' in tablet.html  # the PIN page goes back to the faces too
    await tablet.post(personal, {"pin": "4826"})
    assert "Hi Jo!" in tablet.text
    assert 'data-idle-url="/t/leave"' in tablet.html and "My link" not in tablet.text
    async with runtime.db.transaction() as session:
        row = (await session.scalars(
            select(WebSession).where(WebSession.young_person_id == jo["young_person_id"],
                                     WebSession.tablet_id.is_not(None)))).one()
    assert row.idle_seconds <= 90
    # A minute and a half of quiet and the next person finds the faces, not Jo.
    clock.advance(seconds=91)
    await tablet.get("/me")
    assert "Who is checking in?" in tablet.text
    # The personal link is never shown on the tablet.
    await tablet.get(personal)
    await tablet.post(personal, {"pin": "4826"})
    await tablet.get("/me/link")
    assert personal not in tablet.html and "link-box" not in tablet.html


async def test_set_up_link_on_a_tablet_does_not_show_the_personal_link(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    tablet, _ = await enrolled_tablet(client, runtime, cast)
    await tablet.set_pin(str(cast.young_person_codes["web_link"]), "4826")
    assert "link-box" not in tablet.html and "Hi Sam!" in tablet.text
    async with runtime.db.transaction() as session:
        row = (await session.scalars(select(WebSession)
                                     .where(WebSession.young_person_id == cast.young_person_id))).one()
        assert row.tablet_id is not None and row.idle_seconds <= 90
        assert await session.get(WebLogin, cast.young_person_id) is not None


async def test_wrong_pins_through_a_personal_link_count_on_the_tablet(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    from storage.models import Tablet

    phone = WebPerson(client)
    await phone.set_pin(str(cast.young_person_codes["web_link"]), "4826")
    personal = personal_path(phone.html)
    client.session.cookie_jar.clear()
    tablet, tablet_id = await enrolled_tablet(client, runtime, cast)
    form = await tablet.get(personal)
    for _ in range(3):
        tablet.html = form
        await tablet.post(personal, {"pin": "3817"})
    async with runtime.db.transaction() as session:
        row = await session.get(Tablet, tablet_id)
        assert row is not None and row.failed_attempts == 3


# -- item 8: HSTS -------------------------------------------------------------------------


async def test_hsts_only_when_published_over_https(client: TestClient, runtime: Runtime) -> None:
    async with client.get("/") as resp:
        assert "Strict-Transport-Security" not in resp.headers
    runtime.settings.public_url = "https://heard.example"
    async with TestClient(TestServer(init_app(runtime))) as https_client:
        for path in ("/", "/healthz", "/static/heard.js", "/no-such-page"):
            async with https_client.get(path) as resp:
                assert resp.headers["Strict-Transport-Security"].startswith("max-age="), path
                assert int(resp.headers["Strict-Transport-Security"].split("=")[1]) >= 31536000


# -- item 13: a form body that cannot be read ------------------------------------------------


async def test_a_cut_off_form_post_is_a_400_and_nothing_breaks(
    client: TestClient, cast: Cast, runtime: Runtime
) -> None:
    person = WebPerson(client)
    await person.set_pin(str(cast.young_person_codes["web_link"]), "4826")
    await person.get("/me")
    fields = hidden_fields(person.html)
    body = ("--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + fields["csrf"]
            + "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n"
            + fields["token"] + "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"choice\""
            "\r\n\r\nok").encode()  # no closing boundary: the upload was cut off
    async with client.post("/me", data=body,
                           headers={"Content-Type": "multipart/form-data; boundary=XyZ"}) as resp:
        assert resp.status == 400
        text = await resp.text()
    assert "Something went wrong sending that. Please try again." in text
    assert "Traceback" not in text
    # Carry on: the same person's next tap works.
    await person.get("/me")
    await person.tap("OK, let's go")
    await person.tap("Show how I feel")
    assert person.status == 200 and "How are you feeling?" in person.text
