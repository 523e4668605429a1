"""The staff desk over HTTP: signing in, who may see whom, Seen and replies,
alerts and "I'm on it", and the lead's and admin's pages."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from storage.models import AuditEntry, CheckIn, OutboxMessage, Staff, StaffReply, StaffSession
from tests.support.desk import NEW_PASSWORD, StaffAtDesk, first_password, make_staff, totp_now
from tests.support.people import Cast
from tests.support.web_client import WebPerson


async def audit_rows(runtime: Runtime, action: str) -> list[AuditEntry]:
    async with runtime.db.transaction() as session:
        return list((await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))).all())


async def keyworker_at_desk(client: TestClient, runtime: Runtime, cast: Cast) -> StaffAtDesk:
    alex = StaffAtDesk(client)
    await alex.first_sign_in(cast.keyworker_email, await first_password(runtime, cast.keyworker_email))
    assert alex.url.endswith("/staff/desk"), alex.url
    return alex


async def test_front_page_links_to_the_staff_desk(client: TestClient) -> None:
    async with client.get("/") as resp:
        assert 'href="/staff"' in await resp.text()
    async with client.get("/staff", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/staff/sign-in"


async def test_first_password_must_be_changed(client: TestClient, runtime: Runtime,
                                              cast: Cast) -> None:
    password = await first_password(runtime, cast.keyworker_email)
    alex = StaffAtDesk(client)
    await alex.sign_in(cast.keyworker_email, password)
    assert alex.url.endswith("/staff/password")
    # Nothing else opens until the password is changed.
    await alex.get("/staff/desk")
    assert alex.url.endswith("/staff/password")
    await alex.post("/staff/password", {"new": "short", "again": "short"})
    assert alex.status == 400 and "at least 10" in alex.text
    await alex.post("/staff/password", {"new": password, "again": password})
    assert alex.status == 400 and "not the one you were given" in alex.text
    await alex.post("/staff/password", {"new": NEW_PASSWORD, "again": NEW_PASSWORD + "x"})
    assert alex.status == 400 and "not the same" in alex.text
    await alex.post("/staff/password", {"new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert alex.url.endswith("/staff/desk") and "My young people" in alex.text
    # The first password no longer works; the new one does.
    client.session.cookie_jar.clear()
    await alex.sign_in(cast.keyworker_email, password)
    assert alex.status == 401
    runtime.clock.advance(seconds=5)  # type: ignore[attr-defined]
    await alex.sign_in(cast.keyworker_email, NEW_PASSWORD)
    assert alex.url.endswith("/staff/desk")


async def test_create_staff_marks_the_first_password(runtime: Runtime, cast: Cast) -> None:
    member = await make_staff(runtime, service=cast.service_name, name="Bo Lee",
                              email="bo@north.example")
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, member.staff_id)
        assert staff is not None and staff.must_change_password


@pytest.mark.argon2_cost
async def test_password_hash_is_argon2id_and_rehashed_when_weak(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        staff.password_hash = weak.hash(NEW_PASSWORD)
        staff.must_change_password = False
    alex = StaffAtDesk(client)
    await alex.sign_in(cast.keyworker_email, NEW_PASSWORD)
    assert alex.url.endswith("/staff/desk")
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        assert staff.password_hash.startswith("$argon2id$")
        assert not PasswordHasher().check_needs_rehash(staff.password_hash)


async def test_sign_in_cookie_is_separate_httponly_samesite(client: TestClient, runtime: Runtime,
                                                            cast: Cast) -> None:
    password = await first_password(runtime, cast.keyworker_email)
    async with client.get("/staff/sign-in") as resp:
        html = await resp.text()
        cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("heard_staff=") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Path=/staff" in cookie and "Secure" not in cookie
    from tests.support.web_client import hidden_fields

    fields = hidden_fields(html)
    fields.update(email=cast.keyworker_email, password=password)
    async with client.post("/staff/sign-in", data=fields, allow_redirects=False) as resp:
        new_cookie = resp.headers["Set-Cookie"]
    raw = new_cookie.split("heard_staff=", 1)[1].split(";", 1)[0]
    assert raw not in cookie  # a new session id at sign-in: no fixation
    async with runtime.db.transaction() as session:
        ids = (await session.scalars(select(StaffSession.id_hash))).all()
    assert raw not in ids and len(ids) == 1  # only a hash is kept, the visitor one is gone
    # A staff session is not a young person's session: /me does not open with it.
    async with client.get("/me", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/"


async def test_secure_staff_cookie_under_https(runtime: Runtime, cast: Cast) -> None:
    from aiohttp.test_utils import TestServer

    from web.app import init_app

    runtime.settings.public_url = "https://heard.example"
    async with TestClient(TestServer(init_app(runtime))) as c:
        async with c.get("/staff/sign-in") as resp:
            assert "Secure" in resp.headers["Set-Cookie"]


async def test_wrong_passwords_slow_down_then_lock_and_tell_the_lead(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    async with runtime.db.transaction() as session:
        row = await session.get(Staff, lead.staff_id)
        assert row is not None
        row.telegram_chat_id = 5150
    password = await first_password(runtime, cast.keyworker_email)
    alex = StaffAtDesk(client)
    waits = []
    for attempt in range(5):
        await alex.sign_in(cast.keyworker_email, "wrong password")
        assert alex.status == 401, alex.text
        # Straight away again: refused without even checking, and told to wait.
        await alex.sign_in(cast.keyworker_email, password)
        if attempt < 4:
            assert alex.status == 429 and "Please wait" in alex.text
            waits.append(int(alex.text.split("Please wait ")[1].split(" ")[0]))
            clock.advance(seconds=waits[-1])
    assert waits == [1, 2, 4, 8]  # growing delays
    # The fifth wrong one in a row locked the account: even the right password waits.
    assert alex.status == 429 and "locked for 15 minutes" in alex.text
    clock.advance(minutes=14)
    await alex.sign_in(cast.keyworker_email, password)
    assert "locked" in alex.text
    async with runtime.db.transaction() as session:
        told = (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "staff_locked"))).all()
    assert [m.chat_id for m in told] == [5150]
    assert len(await audit_rows(runtime, "staff.locked")) == 1
    clock.advance(minutes=2)
    await alex.sign_in(cast.keyworker_email, password)
    assert alex.url.endswith("/staff/password")


async def test_source_address_slows_down_across_accounts(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    for n in range(3):
        await StaffAtDesk(client).sign_in(f"nobody{n}@north.example", "guess")
        if n < 2:
            clock.advance(seconds=2 ** n)  # each wait served: the third failure asks for 4
    alex = StaffAtDesk(client)
    # Another (real) account from the same address must still wait its turn.
    await alex.sign_in(cast.keyworker_email, await first_password(runtime, cast.keyworker_email))
    assert alex.status == 429 and "Please wait 4 seconds" in alex.text


async def test_leads_must_set_up_totp_before_seeing_anything(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    lee = StaffAtDesk(client)
    await lee.first_sign_in(lead.email, lead.password)
    assert lee.url.endswith("/staff/totp") and "Set up your second step" in lee.text
    assert "<svg" in lee.html and "otpauth://totp/" in lee.html
    for path in ("/staff/lead", "/staff/desk", "/staff/admin"):
        await lee.get(path)
        assert lee.url.endswith("/staff/totp"), path
    await lee.post("/staff/totp", {"code": "000000"})
    assert lee.status == 401 and "didn't work" in lee.text
    clock.advance(seconds=1)
    await lee.post("/staff/totp", {"code": await totp_now(runtime, lead.staff_id)})
    assert lee.url.endswith("/staff/lead") and "Your service" in lee.text
    # Next time: the code is asked for, and a code is good only once.
    client.session.cookie_jar.clear()
    await lee.sign_in(lead.email, NEW_PASSWORD)
    assert lee.url.endswith("/staff/totp") and "Set up" not in lee.text
    await lee.post("/staff/totp", {"code": await totp_now(runtime, lead.staff_id)})
    assert lee.status == 401
    clock.advance(seconds=30)
    await lee.post("/staff/totp", {"code": await totp_now(runtime, lead.staff_id)})
    assert lee.url.endswith("/staff/lead")


async def test_csrf_on_every_staff_post(client: TestClient, runtime: Runtime, cast: Cast) -> None:
    alex = await keyworker_at_desk(client, runtime, cast)
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
    paths = [r.resource.canonical for r in client.app.router.routes()
             if r.method == "POST" and r.resource is not None
             and r.resource.canonical.startswith("/staff")]
    assert len(paths) >= 9
    for path in paths:
        url = (path.replace("{person_id}", cast.young_person_id)
               .replace("{staff_id}", cast.keyworker_id).replace("{alert_id}", "x"))
        async with client.post(url, data={"csrf": "forged", "reply": "hi", "checkin": "x"},
                               allow_redirects=False) as resp:
            assert resp.status == 403, url
    assert staff is not None and alex.url.endswith("/staff/desk")


# -- the keyworker's desk ------------------------------------------------------------------


async def sam_checks_in(runtime: Runtime, cast: Cast, cards: list[str],
                        words: str | None = None):  # type: ignore[no-untyped-def]
    from tests.support.safeguarding import check_in, consented

    sam = await consented(runtime, cast)
    await check_in(sam, cards, words)
    return sam


async def test_my_young_people_shows_only_mine_with_latest_and_not_seen(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    from domain import admin

    other = await make_staff(runtime, service=cast.service_name, name="Jo Patel",
                             email="jo@north.example")
    async with runtime.db.transaction() as session:
        await admin.create_young_person(
            session, runtime.vault, service_name=cast.service_name, keyworker_email=other.email,
            nickname="Kai", now=clock.now(), bot_username=None,
            public_url=runtime.settings.public_url)
    await sam_checks_in(runtime, cast, ["Worried", "Tired"], "school was hard")
    alex = await keyworker_at_desk(client, runtime, cast)
    await alex.get("/staff/desk")
    assert "Sam" in alex.text and "Kai" not in alex.text
    assert 'src="/cards/96/worried.png"' in alex.html and 'alt="Tired"' in alex.html
    assert "1 not seen yet" in alex.text and "A lot" in alex.text
    assert "Mon 23 Nov, 10:00" in alex.text  # 10:00 UTC is 10:00 in London in November
    assert "school was hard" not in alex.text  # words only on the young person's page
    assert len(await audit_rows(runtime, "desk.list_viewed")) >= 1


async def test_times_are_in_the_services_timezone(client: TestClient, runtime: Runtime,
                                                  cast: Cast, clock: FrozenClock) -> None:
    from storage.models import Service

    async with runtime.db.transaction() as session:
        service = (await session.scalars(select(Service))).one()
        service.timezone = "Asia/Tokyo"
    await sam_checks_in(runtime, cast, ["Happy"])
    alex = await keyworker_at_desk(client, runtime, cast)
    assert "Mon 23 Nov, 19:00" in alex.text


async def test_young_persons_page_timeline_and_strips_are_audited(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    sam = await sam_checks_in(runtime, cast, ["Worried"], "my words here")
    clock.advance(minutes=5)
    await sam.command("listened")
    await sam.tap("My keyworker")
    await sam.tap("Mostly")
    alex = await keyworker_at_desk(client, runtime, cast)
    await alex.get(f"/staff/young-people/{cast.young_person_id}")
    text = alex.text
    assert "my words here" in text and "Talk to my keyworker" in text and "Worried" in text
    assert "Felt listened to" in text and "Mostly" in text
    # Newest first: the "listened" answer (later) comes before the check-in.
    assert text.index("Felt listened to") < text.index("Check-in")
    for png in ("week.png", "overview.png"):
        async with client.get(f"/staff/young-people/{cast.young_person_id}/{png}") as resp:
            assert resp.status == 200 and resp.content_type == "image/png"
            assert (await resp.read()).startswith(b"\x89PNG")
    viewed = await audit_rows(runtime, "desk.viewed")
    assert [r.detail.split()[0] for r in viewed] == ["timeline", "week_strip", "overview"]
    assert all(r.actor_id == cast.keyworker_id and r.young_person_id == cast.young_person_id
               and "from=127.0.0.1" in (r.detail or "") for r in viewed)


async def test_timeline_is_paged(client: TestClient, runtime: Runtime, cast: Cast,
                                 clock: FrozenClock) -> None:
    from tests.support.safeguarding import check_in, consented

    sam = await consented(runtime, cast)
    for n in range(23):
        clock.advance(minutes=10)
        await check_in(sam, ["Happy"], f"number {n}")
    alex = await keyworker_at_desk(client, runtime, cast)
    await alex.get(f"/staff/young-people/{cast.young_person_id}")
    assert "number 22" in alex.text and "number 3" in alex.text and "number 2 " not in alex.text
    assert "Older" in alex.text
    await alex.get(f"/staff/young-people/{cast.young_person_id}?page=1")
    assert "number 2 " in alex.text + " " and "number 0" in alex.text
    assert "number 22" not in alex.text and "Newer" in alex.text


async def test_another_keyworkers_young_person_is_404_and_audited(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    other = await make_staff(runtime, service=cast.service_name, name="Jo Patel",
                             email="jo@north.example")
    await sam_checks_in(runtime, cast, ["Worried"], "private words")
    async with runtime.db.transaction() as session:
        checkin_id = (await session.scalars(select(CheckIn.id))).one()
    jo = StaffAtDesk(client)
    await jo.first_sign_in(other.email, other.password)
    pid = cast.young_person_id
    for path in (f"/staff/young-people/{pid}", f"/staff/young-people/{pid}/week.png",
                 f"/staff/young-people/{pid}/overview.png", "/staff/young-people/nope",
                 "/staff/young-people/" + "x" * 200):
        await jo.get(path)
        assert jo.status == 404 and "private words" not in jo.html, path
    await jo.get("/staff/desk")
    await jo.post(f"/staff/young-people/{pid}/seen", {"checkin": checkin_id, "reply": "hi"})
    assert jo.status == 404
    refused = await audit_rows(runtime, "desk.refused")
    assert len(refused) == 6 and all(r.actor_id == other.staff_id for r in refused)
    assert sum(r.young_person_id == pid for r in refused) == 4
    async with runtime.db.transaction() as session:
        row = await session.get(CheckIn, checkin_id)
        assert row is not None and row.acknowledged_at is None
        assert (await session.scalars(select(StaffReply))).all() == []


async def test_a_checkin_id_of_someone_else_in_the_form_is_404(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    from domain import admin
    from tests.support.safeguarding import check_in
    from tests.support.flow_client import FlowClient

    other = await make_staff(runtime, service=cast.service_name, name="Jo Patel",
                             email="jo@north.example")
    async with runtime.db.transaction() as session:
        made = await admin.create_young_person(
            session, runtime.vault, service_name=cast.service_name, keyworker_email=other.email,
            nickname="Kai", now=clock.now(), bot_username=None,
            public_url=runtime.settings.public_url)
    kai = FlowClient(runtime, str(made["young_person_id"]))
    await kai.command("start")
    await kai.tap("OK, let's go")
    await check_in(kai, ["Happy"])
    async with runtime.db.transaction() as session:
        kais = (await session.scalars(select(CheckIn.id))).one()
    alex = await keyworker_at_desk(client, runtime, cast)
    # Alex's own young person in the URL, Kai's check-in in the form.
    await alex.post(f"/staff/young-people/{cast.young_person_id}/seen", {"checkin": kais})
    assert alex.status == 404
    async with runtime.db.transaction() as session:
        row = await session.get(CheckIn, kais)
        assert row is not None and row.acknowledged_at is None
    assert any("seen checkin=" in (r.detail or "") for r in await audit_rows(runtime, "desk.refused"))


async def test_seen_with_a_reply_reaches_telegram_at_once(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    from tests.support.safeguarding import YP_CHAT, outbox

    from storage.models import YoungPerson

    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        person.telegram_chat_id = YP_CHAT
    await sam_checks_in(runtime, cast, ["Sad"])
    async with runtime.db.transaction() as session:
        checkin_id = (await session.scalars(select(CheckIn.id))).one()
    alex = await keyworker_at_desk(client, runtime, cast)
    await alex.get(f"/staff/young-people/{cast.young_person_id}")
    await alex.post(f"/staff/young-people/{cast.young_person_id}/seen",
                    {"checkin": checkin_id, "reply": "Let's have hot chocolate after school"})
    assert "your reply is on its way" in alex.text and "Seen by Alex Morgan" in alex.text
    sent = [(row.kind, m.text) for row, m in await outbox(runtime, chat_id=YP_CHAT)]
    assert ("ack", "Alex has seen your check-in.") in sent
    assert ("staff_reply", "Alex says: \u201cLet's have hot chocolate after school\u201d") in sent
    async with runtime.db.transaction() as session:
        reply = (await session.scalars(select(StaffReply))).one()
        assert b"chocolate" not in reply.body_ct  # sealed with Sam's key
        assert await runtime.vault.open(session, cast.young_person_id, "staff_replies",
                                        reply.id, reply.body_ct) == (
            "Let's have hot chocolate after school")
    # Seen again (a second tab): nothing new is sent.
    await alex.post(f"/staff/young-people/{cast.young_person_id}/seen", {"checkin": checkin_id})
    assert len(await outbox(runtime, chat_id=YP_CHAT, kind="ack")) == 1


async def test_an_empty_or_too_long_reply_is_refused_and_kept(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    await sam_checks_in(runtime, cast, ["Sad"])
    async with runtime.db.transaction() as session:
        checkin_id = (await session.scalars(select(CheckIn.id))).one()
    alex = await keyworker_at_desk(client, runtime, cast)
    long = "a" * 501
    await alex.post(f"/staff/young-people/{cast.young_person_id}/seen",
                    {"checkin": checkin_id, "reply": long})
    assert alex.status == 400 and "under 500" in alex.text and long in alex.html
    async with runtime.db.transaction() as session:
        row = await session.get(CheckIn, checkin_id)
        assert row is not None and row.acknowledged_at is None
    # Only invisible characters: no reply, just Seen.
    await alex.post(f"/staff/young-people/{cast.young_person_id}/seen",
                    {"checkin": checkin_id, "reply": "\u200b\u200b "})
    assert "Marked as seen. They will be told." in alex.text
    async with runtime.db.transaction() as session:
        assert (await session.scalars(select(StaffReply))).all() == []


async def test_web_young_person_sees_the_reply_on_their_next_visit(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    sam = WebPerson(client)
    await sam.set_pin(str(cast.young_person_codes["web_link"]), "2468")
    await sam.get("/me")
    await sam.tap("OK, let's go")
    await sam.tap("Show how I feel")
    await sam.tap("Worried")
    await sam.tap("Done")
    await sam.tap("A lot")
    await sam.tap("Just sit with me")
    await sam.words("school was hard")
    await sam.post("/leave", {})
    async with runtime.db.transaction() as session:
        checkin_id = (await session.scalars(select(CheckIn.id))).one()
    alex = await keyworker_at_desk(client, runtime, cast)
    await alex.post(f"/staff/young-people/{cast.young_person_id}/seen",
                    {"checkin": checkin_id, "reply": "Let's have hot chocolate"})
    from storage.models import WebLogin

    async with runtime.db.transaction() as session:
        login = await session.get(WebLogin, cast.young_person_id)
        assert login is not None
        code = await runtime.vault.open(session, cast.young_person_id, "web_logins",
                                        cast.young_person_id, login.link_ct)
    link = f"/p/{code}"  # their personal link
    await sam.get(link)
    await sam.post(link, {"pin": "2468"})
    assert "Alex has seen your check-in." in sam.text
    assert "Alex says: \u201cLet's have hot chocolate\u201d" in sam.text
    # Once: the next visit does not repeat it.
    await sam.post("/leave", {})
    await sam.get(link)
    await sam.post(link, {"pin": "2468"})
    assert "hot chocolate" not in sam.text


# -- alerts on the desk ------------------------------------------------------------------------


async def _alert_id(runtime: Runtime) -> str:
    from storage.models import Alert

    async with runtime.db.transaction() as session:
        return (await session.scalars(select(Alert.id))).one()


async def test_an_untaken_alert_is_on_top_of_every_desk_of_the_service_until_taken(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    other = await make_staff(runtime, service=cast.service_name, name="Jo Patel",
                             email="jo@north.example")
    await sam_checks_in(runtime, cast, ["I need help now"], "please come")
    alert_id = await _alert_id(runtime)
    jo = StaffAtDesk(client)
    await jo.first_sign_in(other.email, other.password)
    # Jo is not Sam's keyworker, but sees that an alert is open and can open it.
    assert "1 urgent alert: nobody has said they are on it" in jo.text and "Sam" in jo.text
    assert jo.text.index("urgent alert") < jo.text.index("My young people")
    # Not Jo's to take (not the keyworker, not on call): told kindly who can.
    await jo.post(f"/staff/alerts/{alert_id}/take", {})
    assert "Only their keyworker, on-call staff or a lead can take this alert" in jo.text
    assert "please come" not in jo.text  # and Jo does not read Sam's words
    client.session.cookie_jar.clear()
    alex = await keyworker_at_desk(client, runtime, cast)
    assert "URGENT alert open" in alex.text
    await alex.get(f"/staff/alerts/{alert_id}")
    assert "please come" in alex.text and "I need help now" in alex.text
    await alex.post(f"/staff/alerts/{alert_id}/take", {})
    assert "You are on it" in alex.text and "Alex Morgan is on it" in alex.text
    taken = await audit_rows(runtime, "alert.taken")
    assert len(taken) == 1 and taken[0].actor_id == cast.keyworker_id
    await alex.get("/staff/desk")
    assert "nobody has said they are on it" not in alex.text
    # The timeline says who took it.
    await alex.get(f"/staff/young-people/{cast.young_person_id}")
    assert "Alex Morgan was on it" in alex.text


async def test_alert_link_opens_after_sign_in(client: TestClient, runtime: Runtime,
                                              cast: Cast) -> None:
    await sam_checks_in(runtime, cast, ["I need help now"])
    alert_id = await _alert_id(runtime)
    password = await first_password(runtime, cast.keyworker_email)
    alex = StaffAtDesk(client)
    await alex.get(f"/staff/alerts/{alert_id}")
    assert alex.url.endswith(f"/staff/sign-in?next=/staff/alerts/{alert_id}")
    await alex.post("/staff/sign-in", {"email": cast.keyworker_email, "password": password})
    await alex.post("/staff/password", {"new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert alex.url.endswith(f"/staff/alerts/{alert_id}") and "I'm on it" in alex.text


async def test_sign_in_never_goes_back_to_another_site(client: TestClient, runtime: Runtime,
                                                       cast: Cast) -> None:
    alex = StaffAtDesk(client)
    await alex.sign_in(cast.keyworker_email, await first_password(runtime, cast.keyworker_email),
                       next_path="//evil.example/staff/x")
    await alex.post("/staff/password", {"new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert alex.url.endswith("/staff/desk")


async def test_an_alert_of_another_service_is_404_and_audited(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    from domain import admin

    await sam_checks_in(runtime, cast, ["I need help now"])
    alert_id = await _alert_id(runtime)
    async with runtime.db.transaction() as session:
        await admin.create_service(session, name="South", timezone="Europe/London",
                                   now=runtime.clock.now())
    stranger = await make_staff(runtime, service="South", name="Sol", email="sol@south.example",
                                role="keyworker")
    sol = StaffAtDesk(client)
    await sol.first_sign_in(stranger.email, stranger.password)
    assert "urgent alert" not in sol.text
    await sol.get(f"/staff/alerts/{alert_id}")
    assert sol.status == 404 and "Sam" not in sol.text
    await sol.get("/staff/desk")
    await sol.post(f"/staff/alerts/{alert_id}/take", {})
    assert sol.status == 404
    refused = await audit_rows(runtime, "desk.refused")
    assert len(refused) == 2 and {r.actor_id for r in refused} == {stranger.staff_id}
    assert await audit_rows(runtime, "alert.taken") == []


async def test_events_stream_tells_an_open_desk_of_a_new_alert(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    import asyncio

    await keyworker_at_desk(client, runtime, cast)
    async with client.get("/staff/events") as resp:
        assert resp.status == 200 and resp.content_type == "text/event-stream"
        assert "unsafe-inline" not in resp.headers["Content-Security-Policy"]
        assert (await resp.content.readline()).startswith(b"retry:")
        await sam_checks_in(runtime, cast, ["I need help now"])
        line = await asyncio.wait_for(resp.content.readline(), timeout=10)
        while line in (b"\n",):
            line = await asyncio.wait_for(resp.content.readline(), timeout=10)
        assert line == b"event: change\n"
    # Signed out: the stream refuses.
    client.session.cookie_jar.clear()
    async with client.get("/staff/events") as resp:
        assert resp.status == 401


async def test_events_stream_ends_when_the_server_shuts_down(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    """An open desk never holds up a restart: its stream ends at once (the browser's
    EventSource reconnects to the next server by itself)."""
    import asyncio

    await keyworker_at_desk(client, runtime, cast)
    async with client.get("/staff/events") as resp:
        assert (await resp.content.readline()).startswith(b"retry:")
        await asyncio.wait_for(client.server.app.shutdown(), timeout=5)
        # The stream ends (at most a blank line after "retry"), not at the next look.
        assert (await asyncio.wait_for(resp.content.read(), timeout=5)).strip() == b""


# -- lead and admin ------------------------------------------------------------------------------


async def signed_in_with_totp(client: TestClient, runtime: Runtime, member) -> StaffAtDesk:  # type: ignore[no-untyped-def]
    browser = StaffAtDesk(client)
    await browser.first_sign_in(member.email, member.password)
    await browser.post("/staff/totp", {"code": await totp_now(runtime, member.staff_id)})
    return browser


async def test_lead_sees_totals_and_who_needs_a_keyworker_not_words(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    other = await make_staff(runtime, service=cast.service_name, name="Jo Patel",
                             email="jo@north.example")
    await sam_checks_in(runtime, cast, ["Worried"], "secret words")
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        staff.active = False  # Alex has left
    lee = await signed_in_with_totp(client, runtime, lead)
    assert lee.url.endswith("/staff/lead")
    assert "Check-ins this month 1" in lee.text and "Needs a keyworker" in lee.text
    assert "Sam" in lee.text and "secret words" not in lee.text and "Worried" not in lee.text
    await lee.get(f"/staff/young-people/{cast.young_person_id}")
    assert lee.status == 404
    await lee.get("/staff/lead")
    await lee.get(f"/staff/young-people/{cast.young_person_id}/handover")
    await lee.post(f"/staff/young-people/{cast.young_person_id}/keyworker",
                   {"keyworker": other.staff_id, "note": "Sam likes football."})
    assert "Keyworker changed" in lee.text and "Everyone has a keyworker" in lee.text
    # Jo now sees Sam's whole history.
    client.session.cookie_jar.clear()
    jo = StaffAtDesk(client)
    await jo.first_sign_in(other.email, other.password)
    await jo.get(f"/staff/young-people/{cast.young_person_id}")
    assert jo.status == 200 and "secret words" in jo.text


async def test_the_old_keyworker_loses_access_at_once(client: TestClient, runtime: Runtime,
                                                      cast: Cast) -> None:
    admin_member = await make_staff(runtime, service=cast.service_name, name="Ada Admin",
                                    email="ada@north.example", role="admin")
    other = await make_staff(runtime, service=cast.service_name, name="Jo Patel",
                             email="jo@north.example")
    alex = await keyworker_at_desk(client, runtime, cast)
    await alex.get(f"/staff/young-people/{cast.young_person_id}")
    assert alex.status == 200
    alex_cookie = client.session.cookie_jar.filter_cookies(client.make_url("/staff"))["heard_staff"]
    client.session.cookie_jar.clear()
    ada = await signed_in_with_totp(client, runtime, admin_member)
    await ada.get(f"/staff/young-people/{cast.young_person_id}/handover")
    await ada.post(f"/staff/young-people/{cast.young_person_id}/keyworker",
                   {"keyworker": other.staff_id, "note": "Sam likes football."})
    assert "Keyworker changed" in ada.text
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({"heard_staff": alex_cookie.value},
                                             client.make_url("/staff"))
    await alex.get(f"/staff/young-people/{cast.young_person_id}")
    assert alex.status == 404


async def test_admin_manages_accounts_but_reads_no_words(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    admin_member = await make_staff(runtime, service=cast.service_name, name="Ada Admin",
                                    email="ada@north.example", role="admin")
    await sam_checks_in(runtime, cast, ["Worried"], "secret words")
    alex = await keyworker_at_desk(client, runtime, cast)
    alex_browser_cookie = client.session.cookie_jar.filter_cookies(
        client.make_url("/staff"))["heard_staff"].value
    client.session.cookie_jar.clear()
    ada = await signed_in_with_totp(client, runtime, admin_member)
    assert ada.url.endswith("/staff/admin") and "Alex Morgan" in ada.text
    assert "secret words" not in ada.html and "Worried" not in ada.html
    await ada.get(f"/staff/young-people/{cast.young_person_id}")
    assert ada.status == 404
    await ada.get("/staff/admin")
    # Create a staff member: the first password is shown once.
    await ada.post("/staff/admin/staff", {"name": "Bo Lee", "email": "bo@north.example",
                                           "role": "keyworker"})
    assert "Account made" in ada.text
    password = ada.html.split('<code class="secret">', 1)[1].split("<", 1)[0]
    assert len(password) >= 12
    await ada.post("/staff/admin/staff", {"name": "Bo Lee", "email": "bo@north.example",
                                           "role": "keyworker"})
    assert ada.status == 400 and "already registered" in ada.text
    # On call, then deactivate Alex: every session of theirs ends.
    await ada.post(f"/staff/admin/staff/{cast.keyworker_id}/on-call", {"on": "1"})
    assert "on call now" in ada.text
    await ada.post(f"/staff/admin/staff/{cast.keyworker_id}/deactivate", {})
    assert "Account deactivated" in ada.text
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None and not staff.active and not staff.on_call
        assert (await session.scalars(select(StaffSession).where(
            StaffSession.staff_id == cast.keyworker_id))).all() == []
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({"heard_staff": alex_browser_cookie},
                                             client.make_url("/staff"))
    await alex.get("/staff/desk")
    assert "/staff/sign-in" in alex.url
    await alex.sign_in(cast.keyworker_email, NEW_PASSWORD)
    assert alex.status == 401
    actions = {r.action for r in await audit_rows(runtime, "staff.deactivated")}
    assert actions == {"staff.deactivated"}


async def test_admin_cannot_touch_another_services_accounts(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    from domain import admin

    async with runtime.db.transaction() as session:
        await admin.create_service(session, name="South", timezone="Europe/London",
                                   now=runtime.clock.now())
    south_admin = await make_staff(runtime, service="South", name="Sid", email="sid@south.example",
                                   role="admin")
    sid = await signed_in_with_totp(client, runtime, south_admin)
    await sid.post(f"/staff/admin/staff/{cast.keyworker_id}/deactivate", {})
    assert sid.status == 404
    await sid.get("/staff/admin")
    await sid.post(f"/staff/young-people/{cast.young_person_id}/keyworker",
                   {"keyworker": south_admin.staff_id})
    assert sid.status == 404
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None and staff.active
    assert len(await audit_rows(runtime, "desk.refused")) == 2


async def test_keyworker_cannot_open_admin_or_lead_pages(client: TestClient, runtime: Runtime,
                                                         cast: Cast) -> None:
    alex = await keyworker_at_desk(client, runtime, cast)
    for path in ("/staff/admin", "/staff/lead"):
        await alex.get(path)
        assert alex.status == 404, path
    await alex.get("/staff/desk")
    await alex.post(f"/staff/young-people/{cast.young_person_id}/keyworker",
                    {"keyworker": cast.keyworker_id})
    assert alex.status == 404


async def test_keyworker_may_add_totp_and_is_then_asked_for_it(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    alex = await keyworker_at_desk(client, runtime, cast)
    assert "Add a second step" in alex.text
    await alex.get("/staff/totp")
    await alex.post("/staff/totp", {"code": await totp_now(runtime, cast.keyworker_id)})
    assert alex.url.endswith("/staff/desk") and "Add a second step" not in alex.text
    client.session.cookie_jar.clear()
    clock.advance(seconds=30)
    await alex.sign_in(cast.keyworker_email, NEW_PASSWORD)
    assert alex.url.endswith("/staff/totp")


async def test_passwords_codes_and_session_ids_never_reach_the_logs(
    client: TestClient, runtime: Runtime, cast: Cast, caplog
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    lee = StaffAtDesk(client)
    await lee.first_sign_in(lead.email, lead.password)
    code = await totp_now(runtime, lead.staff_id)
    await lee.post("/staff/totp", {"code": code})
    assert lee.url.endswith("/staff/lead")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/staff"))["heard_staff"]
    logged = caplog.text
    assert "/staff/totp" in logged  # the access log is being captured
    for secret in (lead.password, NEW_PASSWORD, code, cookie.value):
        assert secret not in logged


async def test_an_erased_young_person_is_not_found(client: TestClient, runtime: Runtime,
                                                   cast: Cast) -> None:
    from domain import admin

    await sam_checks_in(runtime, cast, ["Worried"], "soon gone")
    alex = await keyworker_at_desk(client, runtime, cast)
    async with runtime.db.transaction() as session:
        await admin.erase_young_person(session, runtime.vault, cast.young_person_id,
                                       runtime.clock.now())
    await alex.get("/staff/desk")
    assert alex.status == 200 and "Sam" not in alex.text
    for path in ("", "/week.png", "/overview.png"):
        await alex.get(f"/staff/young-people/{cast.young_person_id}{path}")
        assert alex.status == 404, path
