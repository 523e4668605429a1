"""The web channel over plain HTTP (no JavaScript): security, sessions, lock-out,
the no-JS check-in and stale pages."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from core.clock import FrozenClock
from domain.runtime import Runtime
from storage.models import AuditEntry, CheckIn, OutboxMessage, Staff, WebSession
from tests.support.people import Cast
from tests.support.web_client import WebPerson, choices


async def signed_up(client: TestClient, cast: Cast, pin: str = "2468") -> WebPerson:
    person = WebPerson(client)
    await person.set_pin(str(cast.young_person_codes["web_link"]), pin)
    assert "Your PIN is saved" in person.text
    return person


async def test_no_js_checkin_end_to_end(client: TestClient, cast: Cast, runtime: Runtime) -> None:
    person = await signed_up(client, cast)
    await person.get("/me")
    assert "Hi Sam! This is Heard." in person.text
    await person.tap("OK, let's go")
    await person.tap("Show how I feel")
    await person.tap("Worried")
    await person.tap("Tired")
    assert 'class="card picked"' in person.html and person.html.count("card picked") == 2
    await person.tap("Done")
    assert "Worried, Tired. How much do you feel this?" in person.text
    await person.tap("A lot")
    await person.tap("Just sit with me")
    await person.words("school was hard")
    assert "Thank you. Alex will see this." in person.text
    async with runtime.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 1


async def test_every_post_redirects_and_pages_are_not_cached(client: TestClient, cast: Cast) -> None:
    person = await signed_up(client, cast)
    await person.get("/me")
    fields = {"csrf": "", "token": "", "choice": "ok"}
    from tests.support.web_client import hidden_fields

    fields.update(hidden_fields(person.html))
    async with client.post("/me", data=fields, allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/me"
    async with client.get("/me") as resp:
        assert resp.headers["Cache-Control"] == "no-store"


async def test_security_headers(client: TestClient) -> None:
    async with client.get("/") as resp:
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        html = await resp.text()
    assert "<script>" not in html and "style=" not in html  # nothing inline


async def test_session_cookie_flags(client: TestClient, cast: Cast, runtime: Runtime) -> None:
    path = "/" + str(cast.young_person_codes["web_link"]).split("/", 3)[3]
    async with client.get(path) as resp:
        cookie = resp.headers["Set-Cookie"]
    assert "heard_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # served over plain http here
    raw = cookie.split("heard_session=", 1)[1].split(";", 1)[0]
    async with runtime.db.transaction() as session:
        ids = (await session.scalars(select(WebSession.id_hash))).all()
    assert raw not in ids and len(ids) == 1  # only a hash is stored


async def test_secure_cookie_when_public_url_is_https(runtime: Runtime, cast: Cast) -> None:
    from aiohttp.test_utils import TestServer

    from web.app import init_app

    runtime.settings.public_url = "https://heard.example"
    async with TestClient(TestServer(init_app(runtime))) as client:
        path = "/j/" + str(cast.young_person_codes["web_link"]).rsplit("/", 1)[1]
        async with client.get(path) as resp:
            assert "Secure" in resp.headers["Set-Cookie"]


async def test_csrf_is_required(client: TestClient, cast: Cast, runtime: Runtime) -> None:
    person = await signed_up(client, cast)
    await person.get("/me")
    await person.post("/me", {"choice": "ok", "csrf": "forged"})
    assert person.status == 403 and "please start again" in person.text.lower()
    # A post with no session at all is refused too.
    async with TestClient(client.server) as other:
        async with other.post("/me", data={"choice": "ok"}) as resp:
            assert resp.status in (303, 403)
    async with runtime.db.transaction() as session:
        assert (await session.get(type(await _person(runtime, cast)), cast.young_person_id))


async def _person(runtime: Runtime, cast: Cast):  # type: ignore[no-untyped-def]
    from storage.models import YoungPerson

    async with runtime.db.transaction() as session:
        return await session.get(YoungPerson, cast.young_person_id)


async def test_csrf_on_pin_forms(client: TestClient, cast: Cast) -> None:
    path = "/" + str(cast.young_person_codes["web_link"]).split("/", 3)[3]
    person = WebPerson(client)
    await person.get(path)
    await person.post(path, {"pin": "2468", "pin2": "2468", "csrf": "nope"})
    assert person.status == 403
    # The link was not used up by the refused post.
    await person.get(path)
    assert "Make your PIN" in person.text


async def test_stale_tap_is_refused_kindly(client: TestClient, cast: Cast) -> None:
    person = await signed_up(client, cast)
    await person.get("/me")
    await person.tap("OK, let's go")
    old_page = person.html
    await person.tap("Show how I feel")
    person.html = old_page  # the Back button, or a second tab
    await person.tap("Did I feel listened to?")
    assert "That button is from before" in person.text
    assert "How are you feeling?" in person.text


async def test_stale_words_are_refused(client: TestClient, cast: Cast, runtime: Runtime) -> None:
    person = await signed_up(client, cast)
    await person.get("/me")
    for label in ("OK, let's go", "Show how I feel", "Happy", "Done", "A little", "Talk to my"):
        await person.tap(label)
    words_page = person.html
    await person.tap("Skip")
    person.html = words_page
    await person.words("sent twice")
    assert "That page is from before" in person.text
    async with runtime.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 1


async def test_five_wrong_pins_lock_for_15_minutes_and_tell_keyworker(
    client: TestClient, cast: Cast, runtime: Runtime, clock: FrozenClock
) -> None:
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        staff.telegram_chat_id = 4242
    person = await signed_up(client, cast)
    link = person.html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
    path = "/p/" + link.rsplit("/", 1)[1]
    client.session.cookie_jar.clear()
    stranger = WebPerson(client)
    form_page = await stranger.get(path)
    for attempt in range(5):
        await stranger.post(path, {"pin": "0000"})
        if attempt < 4:
            assert "That PIN isn't right" in stranger.text
    assert stranger.status == 429 and "15 minutes" in stranger.text
    await stranger.get(path)
    assert "pin" not in {k for k in choices(stranger.html)}
    # The right PIN does not work while the link rests.
    stranger.html = form_page
    await stranger.post(path, {"pin": "2468"})
    assert stranger.status == 429
    async with runtime.db.transaction() as session:
        sent = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "pin_locked"))).all()
        actions = set((await session.scalars(select(AuditEntry.action))).all())
        message = await runtime.vault.open(session, sent[0].key_owner, "outbox", sent[0].id,
                                           sent[0].payload_ct)
    assert len(sent) == 1 and sent[0].chat_id == 4242
    assert "Sam typed a wrong PIN 5 times" in message["text"]
    assert {"web.pin_locked", "web.pin_locked.sent_to_keyworker"} <= actions
    clock.advance(minutes=15, seconds=1)
    await stranger.get(path)
    await stranger.post(path, {"pin": "2468"})
    assert "Hi Sam!" in stranger.text or "What would you like to do?" in stranger.text


async def test_personal_link_and_pin_sign_in(client: TestClient, cast: Cast) -> None:
    person = await signed_up(client, cast, pin="1357")
    link = person.html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
    await person.get("/me")
    await person.post("/leave", {})
    assert "See you next time" in person.text
    await person.get("/me")
    assert "open your own link" in person.text
    path = "/p/" + link.rsplit("/", 1)[1]
    await person.get(path)
    await person.post(path, {"pin": "1357"})
    assert "Hi Sam! This is Heard." in person.text


async def test_web_link_is_one_time(client: TestClient, cast: Cast) -> None:
    await signed_up(client, cast)
    again = WebPerson(client)
    await again.get("/" + str(cast.young_person_codes["web_link"]).split("/", 3)[3])
    assert again.status == 404 and "isn't working" in again.text


async def test_pin_rules(client: TestClient, cast: Cast) -> None:
    path = "/" + str(cast.young_person_codes["web_link"]).split("/", 3)[3]
    person = WebPerson(client)
    await person.get(path)
    await person.post(path, {"pin": "12", "pin2": "12"})
    assert "Please choose 4 numbers" in person.text
    await person.post(path, {"pin": "1234", "pin2": "1243"})
    assert "were not the same" in person.text


async def test_picture_pin(client: TestClient, cast: Cast) -> None:
    path = "/" + str(cast.young_person_codes["web_link"]).split("/", 3)[3]
    person = WebPerson(client)
    await person.get(path + "?kind=pictures")
    assert person.html.count('type="radio"') == 72  # 9 pictures x 4 places, twice
    pictures = {"p1": "3", "p2": "9", "p3": "1", "p4": "3"}
    await person.post(path, {"kind": "pictures", **pictures,
                             **{k.replace("p", "q"): v for k, v in pictures.items()}})
    link = person.html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
    client.session.cookie_jar.clear()
    back = WebPerson(client)
    personal = "/p/" + link.rsplit("/", 1)[1]
    await back.get(personal)
    assert "Tap your 4 pictures" in back.text
    await back.post(personal, {"kind": "pictures", "p1": "3", "p2": "9", "p3": "1", "p4": "2"})
    assert "That PIN isn't right" in back.text
    await back.post(personal, {"kind": "pictures", **pictures})
    assert "Hi Sam!" in back.text


async def test_card_pictures_are_cacheable(client: TestClient) -> None:
    async with client.get("/cards/512/happy.png") as resp:
        assert resp.status == 200 and resp.content_type == "image/png"
        etag = resp.headers["ETag"]
        assert "max-age" in resp.headers["Cache-Control"]
    async with client.get("/cards/512/happy.png", headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
    async with client.get("/cards/512/nope.png") as resp:
        assert resp.status == 404
    async with client.get("/static/heard.js") as resp:
        assert resp.status == 200 and "max-age" in resp.headers["Cache-Control"]
