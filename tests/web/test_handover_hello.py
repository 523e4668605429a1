"""On the web, a young person meets their new keyworker at their next visit, once."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestClient

from domain.runtime import Runtime
from domain import admin
from domain.handover import assign_keyworker
from tests.support.people import Cast, make_cast
from tests.support.photos import assert_bare_jpeg, photo_with_everything
from tests.support.web_client import WebPerson


async def _sign_in(person: WebPerson, path: str) -> None:
    await person.get(path)
    await person.post(path, {"pin": "1357"})


async def test_the_hello_is_shown_at_the_next_visit_once(
    client: TestClient, cast: Cast, runtime: Runtime
) -> None:
    person = WebPerson(client)
    await person.set_pin(str(cast.young_person_codes["web_link"]), "1357")
    link = person.html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
    path = "/p/" + link.rsplit("/", 1)[1]
    await person.get("/me")
    await person.post("/leave", {})

    async with runtime.db.transaction() as session:
        await admin.create_staff(session, service_name=cast.service_name, name="Kim Osei",
                                 email="kim@north.example", role="keyworker",
                                 now=runtime.clock.now(), bot_username=None)
        await assign_keyworker(session, runtime.vault, young_person_id=cast.young_person_id,
                               keyworker_email="kim@north.example", note="Private: mum's visits.",
                               hello="Hi Sam, I'm Kim. See you on Tuesday!",
                               photo=photo_with_everything(), now=runtime.clock.now())

    await _sign_in(person, path)
    assert "You have a new keyworker: Kim." in person.text
    assert "\u201cHi Sam, I'm Kim. See you on Tuesday!\u201d" in person.text
    assert "mum's visits" not in person.html  # the note is for Kim only
    photo_path = person.html.split('class="notice-photo" src="', 1)[1].split('"', 1)[0]
    async with client.get(photo_path) as resp:
        assert resp.status == 200 and resp.content_type == "image/jpeg"
        assert resp.headers["Cache-Control"] == "no-store"
        assert_bare_jpeg(await resp.read())

    # Nobody else can fetch it: another young person, nobody, or a guessed id.
    other_cast = await make_cast(runtime, service="South", nickname="Rae")
    base = str(client.make_url("/"))
    async with aiohttp.ClientSession(base_url=base,
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        other = WebPerson(browser)  # type: ignore[arg-type]
        await other.set_pin(str(other_cast.young_person_codes["web_link"]), "1357")
        assert "Your PIN is saved" in other.text  # Rae is signed in
        async with browser.get(photo_path) as resp:
            assert resp.status == 404
    async with aiohttp.ClientSession(base_url=base) as nobody, nobody.get(photo_path) as resp:
        assert resp.status == 404
    async with client.get("/me/keyworker-photo/" + "0" * 32 + ".jpg") as resp:
        assert resp.status == 404
    await person.post("/leave", {})
    await _sign_in(person, path)
    assert "Hi Sam! This is Heard." in person.text or "What would you like" in person.text
    assert "new keyworker" not in person.text
