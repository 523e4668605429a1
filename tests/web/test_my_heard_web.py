"""My Heard on the web: "What I've said" for the young person signed in (and nobody
else on the same tablet), what changed reaching them from the desk, the unit's notes
on the home page, goals set on the desk and rated on the web, and a shared review
preparation on the desk page."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from storage.models import CheckIn, Goal, WebLogin, YoungPerson
from tests.support.people import Cast
from tests.support.web_client import WebPerson
from tests.web.kpi_support import signed_in
from tests.web.test_staff_desk import keyworker_at_desk
from tests.web.test_tablet_and_parity import signed_in_on_tablet

CHECK_IN = ("Show how I feel", "Worried", "Done", "A lot", "Just sit with me")


async def _check_in(person: WebPerson, words: str) -> None:
    for label in CHECK_IN:
        await person.tap(label)
    await person.words(words)


async def _sam_on_phone(client: TestClient, cast: Cast) -> WebPerson:
    sam = WebPerson(client)
    await sam.set_pin(str(cast.young_person_codes["web_link"]), "2468")
    await sam.get("/me")
    await sam.tap("OK, let's go")
    return sam


async def _sams_link(runtime: Runtime, cast: Cast) -> str:
    async with runtime.db.transaction() as session:
        login = await session.get(WebLogin, cast.young_person_id)
        assert login is not None
        code = await runtime.vault.open(session, cast.young_person_id, "web_logins",
                                        cast.young_person_id, login.link_ct)
    return f"/p/{code}"


async def test_what_i_said_on_a_shared_tablet_shows_only_whoever_is_signed_in(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    jo = await signed_in_on_tablet(client, runtime, cast, "Jo")
    await jo.tap("OK, let's go")
    await _check_in(jo, "jo's private words")
    await jo.get("/me/said")
    assert jo.status == 200
    assert "jo's private words" in jo.text and "Worried" in jo.text
    assert "November 2026" in jo.text
    await jo.post("/t/leave", {})
    # Leaving ends it: the page is gone for whoever picks the tablet up next.
    await jo.get("/me/said")
    assert "jo's private words" not in jo.html

    client.session.cookie_jar.clear()
    kim = await signed_in_on_tablet(client, runtime, cast, "Kim")
    await kim.get("/me/said")
    assert kim.status == 200
    assert "jo's private words" not in kim.html
    assert "haven't sent a check-in yet" in kim.text
    async with client.get("/me/said") as resp:
        assert resp.headers["Cache-Control"] == "no-store"


async def test_a_change_from_the_desk_reaches_the_web_and_the_history(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    sam = await _sam_on_phone(client, cast)
    await _check_in(sam, "bedtime is too early")
    await sam.post("/leave", {})
    async with runtime.db.transaction() as session:
        checkin_id = (await session.scalars(select(CheckIn.id))).one()
    alex = await keyworker_at_desk(client, runtime, cast)
    await alex.post(f"/staff/young-people/{cast.young_person_id}/change",
                    {"checkin": checkin_id, "change": ""})
    assert alex.status == 400 and "Please write what changed first." in alex.text
    await alex.post(f"/staff/young-people/{cast.young_person_id}/change",
                    {"checkin": checkin_id, "change": "Fridays are 10pm from this week"})
    assert "They have been told what changed." in alex.text
    assert "Fridays are 10pm from this week" in alex.text  # in the desk's timeline
    # A check-in id that is not this young person's is a 404, not a 500.
    await alex.post(f"/staff/young-people/{cast.young_person_id}/change",
                    {"checkin": "f" * 32, "change": "anything"})
    assert alex.status == 404

    client.session.cookie_jar.clear()
    link = await _sams_link(runtime, cast)
    await sam.get(link)
    await sam.post(link, {"pin": "2468"})
    assert "You said, we did. Alex wrote: \u201cFridays are 10pm from this week\u201d" in sam.text
    await sam.get("/me/said")
    assert "You said, we did: Fridays are 10pm from this week" in sam.text

    # The lead sees it counted, as a total held back below 5 like every count there.
    lee = await signed_in(client, runtime, clock, service=cast.service_name,
                          email="lee@north.example", role="lead")
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        service_id = person.service_id
    await lee.get(f"/staff/services/{service_id}/kpi?from=2026-11&to=2026-11")
    assert lee.status == 200
    assert 'data-kpi="changed">fewer than 5<' in lee.html
    await lee.get(f"/staff/services/{service_id}/kpi?from=2026-09&to=2026-10")
    assert 'data-kpi="changed">0<' in lee.html


async def test_unit_notes_on_the_web_home_and_a_named_note_refused(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        person.unit = "Oak"
    lee = await signed_in(client, runtime, clock, service=cast.service_name,
                          email="lee@north.example", role="lead")
    await lee.get("/staff/you-said")
    assert lee.status == 200 and "Check-ins that led to a recorded change" in lee.text
    await lee.post("/staff/you-said", {"note": "Sam wanted pizza so we have pizza", "unit": "Oak"})
    assert lee.status == 400 and "names a young person" in lee.text
    assert "Sam wanted pizza" in lee.html  # the words come back, nothing lost
    await lee.post("/staff/you-said", {"note": "Pizza night is every Friday now", "unit": "Oak"})
    assert "Posted." in lee.text
    await lee.post("/staff/you-said", {"note": "x", "unit": "Nowhere"})
    assert lee.status == 400

    client.session.cookie_jar.clear()
    sam = await _sam_on_phone(client, cast)
    assert "You said, we did" in sam.text and "Pizza night is every Friday now" in sam.text


async def test_goals_set_on_the_desk_and_rated_on_the_web(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    alex = await keyworker_at_desk(client, runtime, cast)
    base = f"/staff/young-people/{cast.young_person_id}"
    for goal in ("Go to bed by 10", "See my brother", "Join the football club"):
        await alex.post(f"{base}/goals", {"goal": goal})
        assert alex.status == 200 and "The goal is added." in alex.text
    assert "Add the goal" not in alex.text  # three is the most
    await alex.post(f"{base}/goals", {"goal": "A fourth"})
    assert alex.status == 400 and "already have 3 goals" in alex.text

    client.session.cookie_jar.clear()
    sam = await _sam_on_phone(client, cast)
    await sam.tap("My goals")
    await sam.tap("Go to bed by 10")
    await sam.tap("r:8")
    assert "Your numbers so far: 8" in sam.text
    picture = sam.html.split('src="/me/screen-photo/', 1)[1].split('"', 1)[0]
    async with client.get("/me/screen-photo/" + picture) as resp:
        assert resp.status == 200 and (await resp.read()).startswith(b"\x89PNG")
        assert resp.headers["Cache-Control"] == "no-store"
    async with client.get("/me/screen-photo/9/9") as resp:
        assert resp.status == 404

    client.session.cookie_jar.clear()
    alex = await keyworker_at_desk_again(client, runtime, cast)
    await alex.get(base)
    assert "Their numbers (0 to 10), oldest first: 8" in alex.text
    async with runtime.db.transaction() as session:
        goal_id = (await session.scalars(select(Goal.id).where(Goal.ended_at.is_(None))
                                         .order_by(Goal.created_at))).first()
    await alex.post(f"{base}/goals/{goal_id}/end", {})
    assert "The goal is finished." in alex.text
    await alex.post(f"{base}/goals/{goal_id}/end", {})
    assert alex.status == 404


async def keyworker_at_desk_again(client: TestClient, runtime: Runtime, cast: Cast) -> WebPerson:
    from tests.support.desk import NEW_PASSWORD, StaffAtDesk

    alex = StaffAtDesk(client)
    await alex.sign_in(cast.keyworker_email, NEW_PASSWORD)
    return alex


async def test_review_prep_on_the_web_shows_on_the_desk_only_once_shared(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    sam = await _sam_on_phone(client, cast)
    await sam.tap("Getting ready for my review")
    await sam.tap("Let's start")
    await sam.tap("Happy")
    await sam.tap("Done")
    await sam.words("my new school is good")
    for _skip in range(3):
        await sam.tap("Skip")
    assert "Here is what you want your review to know" in sam.text
    await sam.tap("Keep it to myself")
    await sam.post("/leave", {})

    alex = await keyworker_at_desk(client, runtime, cast)
    base = f"/staff/young-people/{cast.young_person_id}"
    await alex.get(base)
    assert "my new school is good" not in alex.html

    client.session.cookie_jar.clear()
    link = await _sams_link(runtime, cast)
    await sam.get(link)
    await sam.post(link, {"pin": "2468"})
    await sam.tap("Getting ready for my review")
    await sam.tap("Share it with Alex")
    await sam.post("/leave", {})

    alex = await keyworker_at_desk_again(client, runtime, cast)
    await alex.get(base)
    assert "What they want their review to know (shared by them)" in alex.text
    assert "my new school is good" in alex.text


async def test_odd_addresses_get_a_page_not_an_error(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    sam = await _sam_on_phone(client, cast)
    for query in ("?month=2026-13", "?month=0-1", "?month=-5-1", "?month=2026-11-05",
                  "?month=9999-01", "?page=-3", "?page=abc", "?page=99999999999999999999"):
        await sam.get("/me/said" + query)
        assert sam.status == 200, query
        assert "What I've said" in sam.text
    await sam.get("/me/said?month=9999-01")
    assert "November 2026" in sam.text  # a month to come shows this month
    async with client.get("/me/screen-photo/0/99999999999999999999") as resp:
        assert resp.status == 404
    client.session.cookie_jar.clear()
    async with client.get("/me/said", allow_redirects=False) as resp:
        assert resp.status in (302, 303)  # signed out: back to the start, nothing shown
    lee = await signed_in(client, runtime, clock, service=cast.service_name,
                          email="lee@north.example", role="lead")
    await lee.get("/staff/you-said")
    await lee.post("/staff/you-said/" + "x" * 300 + "/remove", {})
    assert lee.status == 404
    await lee.post("/staff/you-said", {"note": "\u200b \u200b", "unit": ""})
    assert lee.status == 400 and "Please write what changed first." in lee.text
