"""My data, on SQLite and PostgreSQL: a young person sees only their own records and
who looked at them (role and when, names only when the service chooses); "delete my
data" follows its states on a simulated clock -- asked, reminded when overdue, then
approved (erased, as ``admin erase-young-person`` does) or refused (kept, with the
reason told); withdrawn while it waits; nobody else can see or act on it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.scheduler import run_due
from core.i18n import translations, use_locale
from domain import admin, desk, my_data, review
from domain.my_data import DataRequestError, NotYours
from domain.runtime import Runtime
from domain.staff import acknowledge_checkin
from outbox import routes
from outbox.queue import mark_sent_many
from storage.models import (
    AuditEntry,
    CheckIn,
    DataKey,
    DataRequest,
    Meta,
    OutboxMessage,
    Service,
    Staff,
    WebSession,
    YoungPerson,
)
from storage.vault import SYSTEM_OWNER, KeyErased
from tests.storage.test_encryption import full_checkin, listened
from tests.support.desk import make_staff
from tests.support.flow_client import FlowClient
from tests.conftest import _postgres_param
from tests.support.people import Cast, make_cast

SAM_WORDS = "the bus was late again 4417"
KAI_WORDS = "kai's private words 9902"
LEAD_CHAT = 7001
SAM_CHAT = 5001


async def second_person(runtime: Runtime, cast: Cast, nickname: str = "Kai") -> str:
    async with runtime.db.transaction() as session:
        made = await admin.create_young_person(
            session, runtime.vault, service_name=cast.service_name,
            keyworker_email=cast.keyworker_email, nickname=nickname,
            now=runtime.clock.now(), bot_username=None, public_url="http://x")
    return str(made["young_person_id"])


async def lead_of(runtime: Runtime, service: str, email: str, chat: int | None = LEAD_CHAT
                  ) -> str:
    member = await make_staff(runtime, service=service, name="Lee Lead", email=email,
                              role="lead")
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, member.staff_id)
        assert staff is not None
        staff.telegram_chat_id = chat
    return member.staff_id


async def see(runtime: Runtime, person_id: str) -> my_data.MyData:
    async with runtime.db.transaction(read_only=True) as session:
        person = await session.get(YoungPerson, person_id)
        assert person is not None
        with use_locale(person.locale):
            return await my_data.my_data(session, runtime.vault, person, runtime.clock.now(),
                                         channel="telegram", decision_days=30)


async def outbox_texts(runtime: Runtime, kind: str) -> list[tuple[int, str]]:
    async with runtime.db.transaction(read_only=True) as session:
        rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                      .order_by(OutboxMessage.created_at))).all()
        out = []
        for row in rows:
            raw = await runtime.vault.open(session, row.key_owner, "outbox", row.id,
                                           row.payload_ct)
            out.append((row.chat_id, raw["text"]))
    return out


async def test_my_data_is_only_theirs_and_shows_who_looked(any_runtime: Runtime) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    kai = await second_person(runtime, cast)
    await full_checkin(runtime, cast.young_person_id, SAM_WORDS)
    await full_checkin(runtime, kai, KAI_WORDS)
    await listened(runtime, cast.young_person_id, "Mostly")
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        sam = await desk.person_for(session, alex, cast.young_person_id, what="timeline",
                                    source="test", now=now)
        assert sam is not None
        checkin = await session.scalar(select(CheckIn).where(
            CheckIn.young_person_id == sam.id))
        assert checkin is not None
        assert (await acknowledge_checkin(session, runtime.vault, alex, checkin.id, now)).ok
        await desk.send_reply(session, runtime.vault, alex, sam, checkin.id,
                              "Thanks for telling me, Sam.", now)
        await desk.person_for(session, alex, kai, what="timeline", source="test", now=now)
        tz = await desk.service_timezone(session, alex)
        await review.record_export(session, runtime.vault, alex, sam,
                                   review.date_range(None, None, now.date()), now, tz)

    data = await see(runtime, cast.young_person_id)
    assert data.nickname == "Sam" and data.keyworker == "Alex" and data.language == "English"
    assert [c.words for c in data.checkins] == [SAM_WORDS]
    assert data.checkins[0].cards == ["Scared"] and data.checkins[0].amount == "A lot"
    assert data.checkins[0].help == "Talk to my keyworker" and data.checkins[0].seen_by == "Alex"
    assert [(a.who, a.answer) for a in data.listened] == [("My keyworker", "Mostly")]
    assert [r.text for r in data.replies] == ["Thanks for telling me, Sam."]
    assert len(data.summaries) == 1 and data.summaries[0].by == "Keyworker"
    assert data.summaries[0].dates.endswith("\u2013 23 November 2026")  # in words
    whats = [v.what for v in data.views]
    assert "Looked at your check-ins" in whats and "Marked your check-in as seen" in whats
    assert "Wrote you a reply" in whats
    assert "Made a summary of your check-ins for your review" in whats
    assert {v.who for v in data.views} == {"Keyworker"}  # the role, and no name
    everything = repr(data)
    assert KAI_WORDS not in everything and "Kai" not in everything
    assert "Alex Morgan" not in everything
    # Kai's view of their own data has one staff view (Alex looked once), none of Sam's.
    kai_data = await see(runtime, kai)
    assert [c.words for c in kai_data.checkins] == [KAI_WORDS]
    assert len(kai_data.views) == 1 and SAM_WORDS not in repr(kai_data)

    # The service chooses to show names.
    async with runtime.db.transaction() as session:
        service = await session.scalar(select(Service).where(Service.name == cast.service_name))
        assert service is not None
        service.audit_names_shown = True
    data = await see(runtime, cast.young_person_id)
    assert {v.who for v in data.views} == {"Keyworker: Alex Morgan"} and data.names_shown

    # In their language: Sam reads Heard in Tigrinya.
    async with runtime.db.transaction() as session:
        sam_row = await session.get(YoungPerson, cast.young_person_id)
        assert sam_row is not None
        sam_row.locale = "ti"
    data = await see(runtime, cast.young_person_id)
    tigrinya = translations("ti")
    assert data.language == "\u1275\u130d\u122d\u129b"
    assert data.checkins[0].cards == [tigrinya.gettext("Scared")] != ["Scared"]
    assert data.listened[0].answer == tigrinya.gettext("Mostly") != "Mostly"


async def _ask(runtime: Runtime, person_id: str, channel: str = "telegram") -> FlowClient:
    client = FlowClient(runtime, person_id, channel)
    await client.command("mydata")
    if client.screen.name == "welcome":
        await client.tap("OK, let's go")
    assert client.screen.name == "mydata.menu", client.screen
    await client.tap("Delete my data")
    assert "decides within 30 days" in client.screen.text
    await client.tap("Yes, ask to delete it")
    assert "We have asked your service" in client.screen.text
    return client


async def _request(runtime: Runtime, person_id: str) -> DataRequest:
    async with runtime.db.transaction(read_only=True) as session:
        row = await session.scalar(select(DataRequest).where(
            DataRequest.young_person_id == person_id))
        assert row is not None
        return row


async def test_delete_request_reminded_when_overdue_then_approved_and_erased(
    any_runtime: Runtime,
) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    kai = await second_person(runtime, cast)
    lead_id = await lead_of(runtime, cast.service_name, "lee@north.example")
    await full_checkin(runtime, cast.young_person_id, SAM_WORDS)
    await full_checkin(runtime, kai, KAI_WORDS)
    async with runtime.db.transaction() as session:
        sam = await session.get(YoungPerson, cast.young_person_id)
        assert sam is not None
        sam.telegram_chat_id = SAM_CHAT
        session.add(WebSession(id_hash="h" * 64, young_person_id=sam.id,
                               created_at=runtime.clock.now(), last_seen_at=runtime.clock.now(),
                               idle_seconds=600,
                               expires_at=runtime.clock.now() + timedelta(hours=1)))
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        alex.telegram_chat_id = 6001
    asked_at = runtime.clock.now()
    client = await _ask(runtime, cast.young_person_id)
    # Asking again while it waits makes no second request; the menu offers to stop it.
    await client.command("mydata")
    assert "Stop my delete request" in [c.label for c in client.screen.choices]
    row = await _request(runtime, cast.young_person_id)
    assert row.state == "requested" and row.due_at == asked_at + timedelta(days=30)
    told = await outbox_texts(runtime, "data_request")
    assert {chat for chat, _text in told} == {6001, LEAD_CHAT}  # keyworker and lead
    assert all("Sam has asked for their data in Heard to be deleted" in t for _c, t in told)

    # Not yet due: nobody is reminded. Past due: the lead is, once a week, and the
    # desk shows it overdue; it is never decided by itself.
    runtime.clock.advance(days=29)  # type: ignore[attr-defined]
    await run_due(runtime.db, runtime.vault, runtime.clock)
    assert await outbox_texts(runtime, "data_request_overdue") == []
    runtime.clock.advance(days=2)  # type: ignore[attr-defined]
    await run_due(runtime.db, runtime.vault, runtime.clock)
    await run_due(runtime.db, runtime.vault, runtime.clock)
    reminders = await outbox_texts(runtime, "data_request_overdue")
    assert [chat for chat, _t in reminders] == [LEAD_CHAT]
    assert "past the date" in reminders[0][1]
    async with runtime.db.transaction() as session:
        lead = await session.get(Staff, lead_id)
        assert lead is not None
        rows = await my_data.requests_for_desk(session, runtime.vault, lead,
                                               runtime.clock.now())
    assert [(r.nickname, r.state, r.overdue) for r in rows] == [("Sam", "requested", True)]
    runtime.clock.advance(days=7)  # type: ignore[attr-defined]
    await run_due(runtime.db, runtime.vault, runtime.clock)
    assert len(await outbox_texts(runtime, "data_request_overdue")) == 2
    assert (await _request(runtime, cast.young_person_id)).state == "requested"

    # Approved: the young person is told, then erased as erase-young-person does.
    async with runtime.db.transaction() as session:
        lead = await session.get(Staff, lead_id)
        assert lead is not None
        decision = await my_data.approve(session, runtime.vault, lead, row.id,
                                         runtime.clock.now())
    assert decision.approved and decision.young_person_told
    async with runtime.db.transaction() as session:
        assert await session.get(DataKey, cast.young_person_id) is None
        assert await session.get(DataKey, kai) is not None
        assert await session.scalar(select(func.count()).select_from(DataRequest)) == 0
        # Their browser session is ended: only "ended: erased" is left, naming nobody.
        (ended,) = (await session.scalars(select(WebSession))).all()
        assert ended.young_person_id is None and ended.ended_reason == "erased"
        assert ended.view_ct is None
        checkin = await session.scalar(select(CheckIn).where(
            CheckIn.young_person_id == cast.young_person_id))
        assert checkin is not None
        with pytest.raises(KeyErased):
            await runtime.vault.open(session, cast.young_person_id, "checkins", checkin.id,
                                     checkin.payload_ct)
        sam = await session.get(YoungPerson, cast.young_person_id)
        assert sam is not None and sam.telegram_chat_id is None and sam.keyworker_id is None
        actions = set((await session.scalars(select(AuditEntry.action).where(
            AuditEntry.young_person_id == cast.young_person_id))).all())
        assert {"data_request.asked", "data_request.overdue", "data_request.approved",
                "young_person.erased"} <= actions
        erased = await session.scalar(select(AuditEntry).where(
            AuditEntry.action == "young_person.erased"))
        assert erased is not None and (erased.actor_kind, erased.actor_id) == ("staff", lead_id)
        # Their keyworker hears the decision, in words that name nobody (it outlives
        # Sam's key, so it is sealed with the system's).
        decided = await session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "data_request_decided"))
        assert decided is not None and decided.status == "pending"
        assert decided.chat_id == 6001 and decided.key_owner == SYSTEM_OWNER
        assert await session.get(Meta, my_data.SCRUB_DUE) is not None
        goodbye = await session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == my_data.ERASED_KIND))
        assert goodbye is not None and goodbye.status == "pending"
        assert goodbye.chat_id == SAM_CHAT and goodbye.key_owner == SYSTEM_OWNER
    ((_chat, to_alex),) = await outbox_texts(runtime, "data_request_decided")
    assert "was agreed by Lee" in to_alex and "is deleted" in to_alex and "Sam" not in to_alex
    assert (await outbox_texts(runtime, my_data.ERASED_KIND))[0][1].startswith(
        "You asked for your data in Heard to be deleted. Your service said yes.")
    # Kai's data is untouched.
    assert [c.words for c in (await see(runtime, kai)).checkins] == [KAI_WORDS]

    # Once the goodbye has gone, its chat id goes too, and the deleted key is scrubbed.
    async with runtime.db.transaction() as session:
        goodbye.locked_by = "w"
        session.add(goodbye)
        await session.flush()
        await mark_sent_many(session, [goodbye.id], "w", runtime.clock.now())
    await run_due(runtime.db, runtime.vault, runtime.clock)
    async with runtime.db.transaction() as session:
        sent = await session.get(OutboxMessage, goodbye.id)
        assert sent is not None and sent.status == "sent" and sent.chat_id == 0
        assert await session.get(Meta, my_data.SCRUB_DUE) is None
        assert await session.get(Meta, my_data.GOODBYE_PREFIX + goodbye.id) is None


async def test_refused_keeps_the_data_and_tells_the_reason(any_runtime: Runtime) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    lead_id = await lead_of(runtime, cast.service_name, "lee@north.example")
    await full_checkin(runtime, cast.young_person_id, SAM_WORDS)
    async with runtime.db.transaction() as session:
        sam = await session.get(YoungPerson, cast.young_person_id)
        assert sam is not None
        sam.telegram_chat_id = SAM_CHAT
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        alex.telegram_chat_id = 6001
    await _ask(runtime, cast.young_person_id)
    row = await _request(runtime, cast.young_person_id)
    reason = "Your court case is still going on, so we must keep your record until it ends."
    async with runtime.db.transaction() as session:
        lead = await session.get(Staff, lead_id)
        assert lead is not None
        with pytest.raises(DataRequestError, match="Please write why"):
            await my_data.refuse(session, runtime.vault, lead, row.id, "  ",
                                 runtime.clock.now())
        with pytest.raises(DataRequestError, match="Please write why"):
            await my_data.refuse(session, runtime.vault, lead, row.id, "\u200b\u200b \u2060",
                                 runtime.clock.now())
    async with runtime.db.transaction() as session:
        lead = await session.get(Staff, lead_id)
        assert lead is not None
        decision = await my_data.refuse(session, runtime.vault, lead, row.id, reason,
                                        runtime.clock.now())
    assert not decision.approved and decision.young_person_told
    row = await _request(runtime, cast.young_person_id)
    assert row.state == "refused" and row.reason_ct and b"court" not in row.reason_ct  # sealed
    (told,) = await outbox_texts(runtime, "data_request_told")
    assert told[0] == SAM_CHAT and reason in told[1] and "decided to keep it" in told[1]
    assert await outbox_texts(runtime, "data_request_decided") == [
        (6001, "Lee decided to keep Sam's data in Heard for now. Sam has been told why.")]
    data = await see(runtime, cast.young_person_id)
    assert [c.words for c in data.checkins] == [SAM_WORDS]  # kept
    assert data.requests[0].state == "refused" and data.requests[0].reason == reason
    async with runtime.db.transaction() as session:
        lead = await session.get(Staff, lead_id)
        assert lead is not None
        with pytest.raises(DataRequestError, match="already been decided"):
            await my_data.approve(session, runtime.vault, lead, row.id, runtime.clock.now())
        sam = await session.get(YoungPerson, cast.young_person_id)
        assert sam is not None
        with pytest.raises(DataRequestError, match="already decided"):
            await my_data.withdraw(session, sam, row.id, runtime.clock.now())


async def test_withdraw_and_nobody_else_can_act(any_runtime: Runtime) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    kai = await second_person(runtime, cast)
    lead_id = await lead_of(runtime, cast.service_name, "lee@north.example")
    other = await make_cast(runtime, service="South", nickname="Mo")
    other_lead = await lead_of(runtime, other.service_name, "lou@south.example", chat=None)
    client = await _ask(runtime, cast.young_person_id, channel="web")
    row = await _request(runtime, cast.young_person_id)
    assert row.channel == "web"

    async with runtime.db.transaction() as session:
        stranger_lead = await session.get(Staff, other_lead)
        keyworker = await session.get(Staff, cast.keyworker_id)
        kai_row = await session.get(YoungPerson, kai)
        assert stranger_lead is not None and keyworker is not None and kai_row is not None
        for who in (stranger_lead, keyworker):
            with pytest.raises(NotYours):
                await my_data.approve(session, runtime.vault, who, row.id, runtime.clock.now())
            with pytest.raises(NotYours):
                await my_data.refuse(session, runtime.vault, who, row.id, "no",
                                     runtime.clock.now())
            assert await my_data.requests_for_desk(session, runtime.vault, who,
                                                   runtime.clock.now()) == []
        with pytest.raises(NotYours):
            await my_data.withdraw(session, kai_row, row.id, runtime.clock.now())
        assert "Sam" not in repr(await see_in(session, runtime, kai))
    assert (await _request(runtime, cast.young_person_id)).state == "requested"

    await client.command("mydata")
    await client.tap("Stop my delete request")
    assert client.last.notice == "OK. Your request is stopped. Your data stays."
    assert (await _request(runtime, cast.young_person_id)).state == "withdrawn"
    assert "Delete my data" in [c.label for c in client.screen.choices]
    async with runtime.db.transaction() as session:
        lead = await session.get(Staff, lead_id)
        assert lead is not None
        with pytest.raises(DataRequestError):
            await my_data.approve(session, runtime.vault, lead, row.id, runtime.clock.now())
    # The operator's erase removes the young person's requests too.
    async with runtime.db.transaction() as session:
        await admin.erase_young_person(session, runtime.vault, cast.young_person_id,
                                       runtime.clock.now())
        assert await session.scalar(select(func.count()).select_from(DataRequest).where(
            DataRequest.young_person_id == cast.young_person_id)) == 0


async def see_in(session, runtime: Runtime, person_id: str) -> my_data.MyData:  # type: ignore[no-untyped-def]
    person = await session.get(YoungPerson, person_id)
    assert person is not None
    return await my_data.my_data(session, runtime.vault, person, runtime.clock.now(),
                                 channel="web", decision_days=30)


async def test_the_data_protection_contact_is_emailed_naming_nobody(
    runtime: Runtime, cast: Cast
) -> None:
    async with runtime.db.transaction() as session:
        service = await session.scalar(select(Service).where(Service.name == cast.service_name))
        lead = await session.get(Staff, await lead_of(runtime, cast.service_name,
                                                      "lee@north.example", chat=None))
        assert service is not None and lead is not None
        await my_data.set_service_choices(session, lead, names_shown=False,
                                          data_protection_email=" DPO@North.example ",
                                          now=runtime.clock.now())
    routes.configure(routes.Routes(mail=True, public_url="https://heard.example"))
    try:
        await _ask(runtime, cast.young_person_id)
    finally:
        routes.configure(routes.Routes())
    async with runtime.db.transaction(read_only=True) as session:
        emails = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "email"))).all()
        sent = {}
        for row in emails:
            raw = await runtime.vault.open(session, row.key_owner, "outbox", row.id,
                                           row.payload_ct)
            sent[raw["address"]] = raw["text"]
    assert set(sent) == {"dpo@north.example", "lee@north.example", cast.keyworker_email}
    assert "https://heard.example/staff/data-requests" in sent["dpo@north.example"]
    assert all("Sam" not in text for text in sent.values())


async def test_a_stale_confirm_step_does_what_the_button_on_screen_says(runtime: Runtime,
                                                                       cast: Cast) -> None:
    """They open "Delete my data" on Telegram, then ask on the web; the Telegram screen
    now shows "Stop my delete request", and that button stops it (it used to say
    "OK. Your data stays." and do nothing)."""
    sam = FlowClient(runtime, cast.young_person_id)
    await sam.command("start")
    await sam.tap("OK, let's go")
    await sam.command("mydata")
    await sam.tap("Delete my data")
    assert sam.screen.name == "mydata.confirm"
    async with runtime.db.transaction() as session:  # asked on the web meanwhile
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        await my_data.ask_to_erase(session, runtime.vault, person, channel="web",
                                   now=runtime.clock.now(), decision_days=30)
    # The Telegram screen still shows Yes/No; tapped again, it shows the menu now.
    await sam.tap("Yes, ask to delete it")
    assert sam.screen.name == "mydata.menu"
    await sam.tap("Stop my delete request")
    assert "Your request is stopped" in (sam.last.notice or "")
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        assert await my_data.open_request(session, person) is None


def test_who_sees_what_without_a_keyworker_and_after_an_alert() -> None:
    with use_locale("en"):
        lines = " ".join(my_data.who_sees_lines(None, "web", 30))
        named = " ".join(my_data.who_sees_lines("Alex", "web", 30))
    assert "your keyworker, your keyworker" not in lines.lower()
    assert lines.startswith("Your keyworker sees") and named.startswith("Alex, your keyworker")
    # Leads do read what was said when a young person is not safe: the page says so.
    assert "read what you said then" in lines


# Two transactions writing at once: PostgreSQL only (SQLite has one writer).
@pytest.mark.parametrize("any_runtime", [p for p in _postgres_param() if p.id == "postgres"],
                         indirect=True)
async def test_two_asks_at_the_same_moment_make_one_request(any_runtime: Runtime) -> None:
    """Two workers taking the same "delete my data" at once (PostgreSQL): the second
    waits for the first, finds its request and returns it; no error, one request."""
    import asyncio

    runtime = any_runtime
    cast = await make_cast(runtime)
    asked, go = asyncio.Event(), asyncio.Event()

    async def ask(wait: bool) -> str:
        async with runtime.db.transaction() as session:
            person = await session.get(YoungPerson, cast.young_person_id)
            assert person is not None
            row = await my_data.ask_to_erase(session, runtime.vault, person, channel="web",
                                             now=runtime.clock.now(), decision_days=30)
            if wait:
                asked.set()
                await go.wait()
            return row.id

    first = asyncio.create_task(ask(wait=True))
    await asked.wait()
    second = asyncio.create_task(ask(wait=False))  # its insert waits for the first
    await asyncio.sleep(0.3)
    assert not second.done()
    go.set()
    ids = await asyncio.wait_for(asyncio.gather(first, second), timeout=10)
    assert ids[0] == ids[1]
    async with runtime.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(DataRequest)) == 1
