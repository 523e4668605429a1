"""The desk's lead and admin pages call the same domain functions as the command
line: the handover form (note, hello, photo), password resets, deactivation, the
audit log page and its CSV; and a young person's page shows who key-worked them and,
to their keyworker only, the handover notes written for them."""

from __future__ import annotations

import csv
import io
import re

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain import audit_log
from domain.handover import assignment_history, hello_photo
from storage.models import AuditEntry, KeyworkerAssignment, OutboxMessage, Staff, StaffSession
from tests.support.desk import NEW_PASSWORD, StaffAtDesk, first_password, make_staff, totp_now
from tests.support.people import Cast
from tests.support.photos import SECRET_PLACE, assert_bare_jpeg, photo_with_everything
from tests.support.web_client import hidden_fields

NOTE = "Sam likes football. Mondays are hard after contact visits."


async def _signed_in_with_totp(client: TestClient, runtime: Runtime, member) -> StaffAtDesk:  # type: ignore[no-untyped-def]
    browser = StaffAtDesk(client)
    await browser.first_sign_in(member.email, member.password)
    await browser.post("/staff/totp", {"code": await totp_now(runtime, member.staff_id)})
    return browser


async def _post_handover(browser: StaffAtDesk, person_id: str, *, keyworker: str, note: str,
                         hello: str = "", photo: bytes | None = None,
                         filename: str = "me.jpg") -> None:
    """Post the handover form as a browser does (multipart, with the CSRF token)."""
    form = FormData()
    for key, value in hidden_fields(browser.html).items():
        form.add_field(key, value)
    form.add_field("keyworker", keyworker)
    form.add_field("note", note)
    form.add_field("hello", hello)
    if photo is not None:
        form.add_field("photo", io.BytesIO(photo), filename=filename,
                       content_type="image/jpeg")
    async with browser.client.post(f"/staff/young-people/{person_id}/keyworker",
                                   data=form) as resp:
        browser.html, browser.url, browser.status = await resp.text(), str(resp.url), resp.status


async def _actions(runtime: Runtime, action: str) -> list[AuditEntry]:
    async with runtime.db.transaction() as session:
        return list((await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action))).all())


async def test_lead_hands_over_with_note_hello_and_photo(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    jo = await make_staff(runtime, service=cast.service_name, name="Jo Patel",
                          email="jo@north.example")
    alex = StaffAtDesk(client)
    await alex.first_sign_in(cast.keyworker_email,
                             await first_password(runtime, cast.keyworker_email))
    alex_cookie = client.session.cookie_jar.filter_cookies(
        client.make_url("/staff"))["heard_staff"].value
    client.session.cookie_jar.clear()

    lee = await _signed_in_with_totp(client, runtime, lead)
    await lee.get(f"/staff/young-people/{cast.young_person_id}/handover")
    assert lee.status == 200 and "A new keyworker for Sam" in lee.text
    assert "Alex Morgan" in lee.text  # the history so far
    # No note: refused kindly, the hello kept, nothing changed.
    await _post_handover(lee, cast.young_person_id, keyworker=jo.staff_id, note="  ",
                         hello="Hi Sam, I'm Jo")
    assert lee.status == 400 and "handover note is needed" in lee.text
    assert "Hi Sam, I&#39;m Jo" in lee.html or "Hi Sam, I'm Jo" in lee.html
    # Not a picture: refused kindly, the note kept, nothing changed.
    await _post_handover(lee, cast.young_person_id, keyworker=jo.staff_id, note=NOTE,
                         photo=b"this is not a picture", filename="notes.txt")
    assert lee.status == 400 and "That didn't work" in lee.text
    assert NOTE in lee.text
    async with runtime.db.transaction() as session:
        assert len(await assignment_history(session, cast.young_person_id)) == 1

    await _post_handover(lee, cast.young_person_id, keyworker=jo.staff_id, note=NOTE,
                         hello="Hi Sam, I'm Jo. Hot chocolate on Friday?",
                         photo=photo_with_everything())
    assert lee.status == 200 and lee.url.endswith("/staff/lead?m=assigned")
    assert "Keyworker changed" in lee.text
    async with runtime.db.transaction() as session:
        history = await assignment_history(session, cast.young_person_id)
        row = await session.get(KeyworkerAssignment, str(history[0]["assignment_id"]))
        assert row is not None
        photo = await hello_photo(session, runtime.vault, row.id)
    assert [(h["email"], h["current"]) for h in history] == [
        (jo.email, True), (cast.keyworker_email, False)]
    assert history[0]["assigned_by"] == lead.email
    assert photo is not None
    assert_bare_jpeg(photo)
    assert SECRET_PLACE.encode() not in photo
    # The lead never sees the note (nor Sam's page).
    assert NOTE not in lee.html
    await lee.get(f"/staff/young-people/{cast.young_person_id}")
    assert lee.status == 404

    # Alex loses access at once.
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({"heard_staff": alex_cookie},
                                             client.make_url("/staff"))
    await alex.get(f"/staff/young-people/{cast.young_person_id}")
    assert alex.status == 404

    # Jo sees the history and the note written for them; reading it is audited.
    client.session.cookie_jar.clear()
    jo_desk = StaffAtDesk(client)
    await jo_desk.first_sign_in(jo.email, jo.password)
    await jo_desk.get(f"/staff/young-people/{cast.young_person_id}")
    assert jo_desk.status == 200
    assert "Handover notes for you" in jo_desk.text and NOTE in jo_desk.text
    assert "Handover from Alex Morgan" in jo_desk.text
    keyworkers = jo_desk.html.split('id="history-title"', 1)[1].split("</section>", 1)[0]
    assert "Jo Patel" in keyworkers and "Alex Morgan" in keyworkers and "now" in keyworkers
    viewed = await _actions(runtime, "handover_note.viewed")
    assert [(v.actor_id, v.young_person_id) for v in viewed] == [
        (jo.staff_id, cast.young_person_id)]
    # An older page of the timeline does not read the notes again.
    await jo_desk.get(f"/staff/young-people/{cast.young_person_id}?page=1")
    assert NOTE not in jo_desk.text
    assert len(await _actions(runtime, "handover_note.viewed")) == 1


async def test_handover_form_ids_outside_the_service_are_404_and_audited(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    from domain import admin

    async with runtime.db.transaction() as session:
        await admin.create_service(session, name="South", timezone="Europe/London",
                                   now=runtime.clock.now())
    south_keyworker = await make_staff(runtime, service="South", name="Sid",
                                       email="sid@south.example")
    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    lee = await _signed_in_with_totp(client, runtime, lead)
    await lee.get(f"/staff/young-people/{cast.young_person_id}/handover")
    # Another service's keyworker in the form.
    await _post_handover(lee, cast.young_person_id, keyworker=south_keyworker.staff_id,
                         note=NOTE)
    assert lee.status == 404
    # A young person who does not exist, in the URL.
    await lee.get("/staff/young-people/nobody/handover")
    assert lee.status == 404
    await lee.get(f"/staff/young-people/{cast.young_person_id}/handover")
    await _post_handover(lee, "nobody", keyworker=south_keyworker.staff_id, note=NOTE)
    assert lee.status == 404
    assert len(await _actions(runtime, "desk.refused")) == 3
    async with runtime.db.transaction() as session:
        assert len(await assignment_history(session, cast.young_person_id)) == 1
    # A keyworker cannot open the form at all.
    client.session.cookie_jar.clear()
    alex = StaffAtDesk(client)
    await alex.first_sign_in(cast.keyworker_email,
                             await first_password(runtime, cast.keyworker_email))
    await alex.get(f"/staff/young-people/{cast.young_person_id}/handover")
    assert alex.status == 404


async def test_a_photo_too_big_to_send_is_answered_kindly(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    jo = await make_staff(runtime, service=cast.service_name, name="Jo Patel",
                          email="jo@north.example")
    lee = await _signed_in_with_totp(client, runtime, lead)
    await lee.get(f"/staff/young-people/{cast.young_person_id}/handover")
    await _post_handover(lee, cast.young_person_id, keyworker=jo.staff_id, note=NOTE,
                         photo=b"\xff" * (12 * 1024 * 1024))
    assert lee.status == 413 and "That photo is too big" in lee.text
    async with runtime.db.transaction() as session:
        assert len(await assignment_history(session, cast.young_person_id)) == 1
    # A photo just over the domain's 10 MB (but within what the form may carry) is
    # refused by the photo rule, with the words kept.
    await lee.get(f"/staff/young-people/{cast.young_person_id}/handover")
    await _post_handover(lee, cast.young_person_id, keyworker=jo.staff_id, note=NOTE,
                         photo=b"\xff" * (10 * 1024 * 1024 + 10))
    assert lee.status == 400 and "too big" in lee.text and NOTE in lee.text


async def test_admin_resets_a_password_shown_once(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    admin_member = await make_staff(runtime, service=cast.service_name, name="Ada Admin",
                                    email="ada@north.example", role="admin")
    alex = StaffAtDesk(client)
    await alex.first_sign_in(cast.keyworker_email,
                             await first_password(runtime, cast.keyworker_email))
    client.session.cookie_jar.clear()
    ada = await _signed_in_with_totp(client, runtime, admin_member)
    await ada.post(f"/staff/admin/staff/{cast.keyworker_id}/reset-password", {})
    assert ada.status == 200 and "New password made" in ada.text
    password = ada.html.split('<code class="secret">', 1)[1].split("<", 1)[0]
    assert len(password) >= 16
    await ada.get("/staff/admin")
    assert password not in ada.html  # shown once only
    async with runtime.db.transaction() as session:
        assert (await session.scalars(select(StaffSession).where(
            StaffSession.staff_id == cast.keyworker_id))).all() == []
        entry = await session.scalar(select(AuditEntry).where(
            AuditEntry.action == "staff.password_reset"))
    assert entry is not None and entry.actor_id == admin_member.staff_id
    assert password not in (entry.detail or "")
    # The old password no longer works; the new one must be changed at once.
    client.session.cookie_jar.clear()
    await alex.sign_in(cast.keyworker_email, NEW_PASSWORD)
    assert alex.status == 401
    clock.advance(seconds=5)  # past the wait a wrong password brings
    await alex.sign_in(cast.keyworker_email, password)
    assert "Choose your own password" in alex.text
    await alex.get("/staff/desk")
    assert alex.url.endswith("/staff/password")
    # Another service's staff id, and one that does not exist: 404.
    client.session.cookie_jar.clear()
    clock.advance(seconds=60)  # a second-step code works once: the next one
    ada = await _signed_in_with_totp_again(client, runtime, admin_member)
    assert ada.url.endswith("/staff/admin")
    await ada.post("/staff/admin/staff/nobody/reset-password", {})
    assert ada.status == 404


async def _signed_in_with_totp_again(client: TestClient, runtime: Runtime,
                                     member) -> StaffAtDesk:  # type: ignore[no-untyped-def]
    browser = StaffAtDesk(client)
    await browser.sign_in(member.email, NEW_PASSWORD)
    await browser.post("/staff/totp", {"code": await totp_now(runtime, member.staff_id)})
    return browser


async def test_deactivating_on_the_web_is_the_command_lines_deactivation(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    from tests.support.safeguarding import KEYWORKER_CHAT, check_in, consented, make_team

    team = await make_team(runtime, cast)
    sam = await consented(runtime, cast)
    await check_in(sam, ["Happy"])  # waits in the outbox for Alex
    admin_member = await make_staff(runtime, service=cast.service_name, name="Ada Admin",
                                    email="ada@north.example", role="admin")
    ada = await _signed_in_with_totp(client, runtime, admin_member)
    await ada.post(f"/staff/admin/staff/{cast.keyworker_id}/deactivate", {})
    assert "Account deactivated" in ada.text
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None and not alex.active and alex.deactivated_at is not None
        waiting = (await session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.chat_id == KEYWORKER_CHAT))).all()
        history = await assignment_history(session, cast.young_person_id)
    assert waiting and set(waiting) == {"cancelled"}
    assert history[0]["ended_because"] == "deactivated"
    unassigned = await _actions(runtime, "keyworker.unassigned")
    assert [u.actor_id for u in unassigned] == [admin_member.staff_id]
    # Twice: told kindly, not a 500.
    await ada.post(f"/staff/admin/staff/{cast.keyworker_id}/deactivate", {})
    assert ada.status == 400 and "already deactivated" in ada.text
    # The lead's page lists Sam as needing a keyworker, with who key-worked them last.
    client.session.cookie_jar.clear()
    lead = await session_for_lead(client, runtime, team.lead_id)
    await lead.get("/staff/lead")
    assert "Needs a keyworker" in lead.text and "last keyworker: Alex Morgan" in lead.text
    assert f"/staff/young-people/{cast.young_person_id}/handover" in lead.html


async def session_for_lead(client: TestClient, runtime: Runtime, lead_id: str) -> StaffAtDesk:
    async with runtime.db.transaction() as session:
        lead = await session.get(Staff, lead_id)
        assert lead is not None
        email = lead.email
    password = await first_password(runtime, email)
    browser = StaffAtDesk(client)
    await browser.first_sign_in(email, password)
    await browser.post("/staff/totp", {"code": await totp_now(runtime, lead_id)})
    return browser


async def test_audit_log_page_filters_pages_and_downloads(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    from datetime import timedelta

    from tests.support.safeguarding import check_in, consented

    sam = await consented(runtime, cast)
    await check_in(sam, ["Worried"], "secret words")
    admin_member = await make_staff(runtime, service=cast.service_name, name="Ada Admin",
                                    email="ada@north.example", role="admin")
    alex = StaffAtDesk(client)
    await alex.first_sign_in(cast.keyworker_email,
                             await first_password(runtime, cast.keyworker_email))
    for _ in range(55):  # more than a page of views
        await alex.get(f"/staff/young-people/{cast.young_person_id}")
    clock.advance(days=3)
    client.session.cookie_jar.clear()
    ada = await _signed_in_with_totp(client, runtime, admin_member)

    await ada.get(f"/staff/admin/audit?staff={cast.keyworker_email}&action=desk.viewed")
    assert ada.status == 200
    assert "55 entries" in ada.text and "Page 1 of 2" in ada.text
    assert ada.html.count("<code>desk.viewed</code>") == 50
    assert "secret words" not in ada.html and "Worried" not in ada.html
    older = re.search(r'href="\?([^"]+page=2)"', ada.html)
    assert older is not None
    await ada.get("/staff/admin/audit?" + older.group(1).replace("&amp;", "&"))
    assert "Page 2 of 2" in ada.text and ada.html.count("<code>desk.viewed</code>") == 5
    # By young person and a prefix.
    await ada.get(f"/staff/admin/audit?young_person={cast.young_person_id}&action=desk.*")
    assert "desk.viewed" in ada.text and "staff.signed_in" not in ada.text
    # By date: the views were three days ago; today has only the admin's own entries.
    today = clock.now().date().isoformat()
    earlier = (clock.now() - timedelta(days=3)).date().isoformat()
    await ada.get(f"/staff/admin/audit?action=desk.viewed&from={today}&to={today}")
    assert "0 entries" in ada.text and "Nothing matches" in ada.text
    await ada.get(f"/staff/admin/audit?action=desk.viewed&from={earlier}&to={earlier}")
    assert "55 entries" in ada.text
    # Bad input: a kind message, never a 500.
    await ada.get("/staff/admin/audit?from=yesterday")
    assert ada.status == 400 and "2026-11-23" in ada.text
    await ada.get(f"/staff/admin/audit?from={today}&to={earlier}")
    assert ada.status == 400 and "after" in ada.text
    await ada.get("/staff/admin/audit?staff=nobody@north.example")
    assert ada.status == 400 and "no staff member" in ada.text

    # The CSV is the domain's CSV for the same filter.
    async with client.get(f"/staff/admin/audit.csv?staff={cast.keyworker_email}"
                          "&action=desk.viewed") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in resp.headers["Content-Disposition"]
        body = await resp.read()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 55 and {r["action"] for r in rows} == {"desk.viewed"}
    assert {r["actor"] for r in rows} == {cast.keyworker_email}
    async with runtime.db.transaction() as session:
        flt = await audit_log.make_filter(session, staff_email=cast.keyworker_email,
                                          action="desk.viewed")
        expected, count = await audit_log.export_audit_csv(session, flt, now=clock.now())
    assert body == expected and count == 55
    exported = await _actions(runtime, "audit.exported")
    assert exported[0].actor_id == admin_member.staff_id


async def test_only_admins_read_the_audit_log(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    alex = StaffAtDesk(client)
    await alex.first_sign_in(cast.keyworker_email,
                             await first_password(runtime, cast.keyworker_email))
    for path in ("/staff/admin/audit", "/staff/admin/audit.csv"):
        await alex.get(path)
        assert alex.status == 404, path
    client.session.cookie_jar.clear()
    lee = await _signed_in_with_totp(client, runtime, lead)
    for path in ("/staff/admin/audit", "/staff/admin/audit.csv"):
        await lee.get(path)
        assert lee.status == 404, path
    assert await _actions(runtime, "audit.searched") == []
