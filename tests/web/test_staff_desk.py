"""The staff desk over HTTP: signing in, who may see whom, Seen and replies,
alerts and "I'm on it", and the lead's and admin's pages."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from app.clock import FrozenClock
from app.runtime import Runtime
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
