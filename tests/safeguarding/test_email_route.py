"""Email as a route for alerts, through the outbox, to a real SMTP server started
by the test: the keyworker at once, on-call at 15 minutes, the lead at 30 (on a
simulated clock); no email names the young person or quotes them; a mail server
that refuses or is down gets the email later, once, and nothing is lost."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from core.clock import FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from app.scheduler import run_due
from domain import admin
from outbox.email import SmtpTransport
from outbox.sender import Sender, SenderSettings
from storage.models import Alert, OutboxMessage, Staff
from tests.support.outbox_driver import drain
from tests.support.people import Cast
from tests.support.smtp import MailServer
from tests.web.test_tablet_and_parity import signed_in_on_tablet
from web.app import init_app

NICKNAME = "Zephyrine"
WORDS = "the purple lighthouse at grandmas"


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings(tmp_path: Path, mail: MailServer) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/heard.db",
        master_key_file=tmp_path / "master.key", bot_token=None,
        public_url="http://127.0.0.1:8080", smtp_url=mail.url,
        mail_from="heard@north.example", _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(init_app(runtime))) as c:
        yield c


def email_sender(runtime: Runtime, clock: FrozenClock, **settings: object) -> Sender:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    s = runtime.settings
    assert s.smtp_url and s.mail_from
    return Sender(runtime.db, runtime.vault, None, clock,
                  SenderSettings(**settings), sleep=sleep,  # type: ignore[arg-type]
                  routes={"email": SmtpTransport(s.smtp_url, s.mail_from)})


async def add_staff(runtime: Runtime, cast: Cast, name: str, email: str, role: str, *,
                    on_call: bool = False, no_email: bool = False) -> None:
    async with runtime.db.transaction() as session:
        made = await admin.create_staff(session, service_name=cast.service_name, name=name,
                                        email=email, role=role, now=runtime.clock.now(),
                                        bot_username=None, no_email=no_email)
        staff = await session.get(Staff, made["staff_id"])
        assert staff is not None and staff.telegram_chat_id is None
        staff.on_call = on_call


async def urgent_card_on_tablet(client: TestClient, runtime: Runtime, cast: Cast) -> str:
    tablet = await signed_in_on_tablet(client, runtime, cast, nickname=NICKNAME)
    for label in ("OK, let's go", "Show how I feel", "I need help now", "Done"):
        await tablet.tap(label)
    # Carry on to the end, with words, so there is something that must not leak.
    for label in ("A lot", "Talk to my keyworker"):
        if label in tablet.text:
            await tablet.tap(label)
    if "Send" in tablet.html:
        await tablet.words(WORDS)
    assert "Childline" in tablet.text
    assert "telling Alex" in tablet.text  # true: Alex is told, by email
    async with runtime.db.transaction() as session:
        (alert,) = (await session.scalars(select(Alert))).all()
        return alert.id


async def test_alert_climbs_by_email_and_names_nobody(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock, mail: MailServer
) -> None:
    await add_staff(runtime, cast, "Jo Patel", "jo@north.example", "keyworker", on_call=True)
    await add_staff(runtime, cast, "Lee Smith", "lee@north.example", "lead")
    await add_staff(runtime, cast, "Kit Quiet", "kit@north.example", "lead", no_email=True)
    alert_id = await urgent_card_on_tablet(client, runtime, cast)
    sender = email_sender(runtime, clock)
    start = clock.now()

    await drain(runtime, clock, sender)
    assert [r.to for r in mail.handler.received] == [[cast.keyworker_email]]

    clock.set(start + timedelta(minutes=15))
    await run_due(runtime.db, runtime.vault, clock)
    await drain(runtime, clock, sender)
    assert [r.to for r in mail.handler.received][1:] == [["jo@north.example"]]

    clock.set(start + timedelta(minutes=30))
    await run_due(runtime.db, runtime.vault, clock)
    await drain(runtime, clock, sender)
    assert [r.to for r in mail.handler.received][2:] == [["lee@north.example"]]
    assert mail.handler.to("kit@north.example") == []  # --no-email is kept

    clock.advance(hours=2)
    await run_due(runtime.db, runtime.vault, clock)
    await drain(runtime, clock, sender)
    assert len(mail.handler.received) == 3  # each told once

    for received in mail.handler.received:
        assert NICKNAME not in received.whole and "purple" not in received.whole
        assert "I need help now" not in received.whole  # not even the card
        assert f"http://127.0.0.1:8080/staff/alerts/{alert_id}" in received.text
        assert received.mail["From"] == "heard@north.example"
        assert "URGENT" in received.mail["Subject"]


async def _outbox_emails(runtime: Runtime) -> list[OutboxMessage]:
    async with runtime.db.transaction() as session:
        return list((await session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "email"))).all())


async def test_refusing_mail_server_is_retried_and_each_email_arrives_once(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock, mail: MailServer
) -> None:
    mail.handler.refuse = ["451 4.3.0 try again later", "550 5.7.1 not now",
                           "451 4.3.0 try again later"]
    await urgent_card_on_tablet(client, runtime, cast)
    await drain(runtime, clock, email_sender(runtime, clock))
    assert mail.handler.refused == 3
    assert [r.to for r in mail.handler.received] == [[cast.keyworker_email]]
    (row,) = await _outbox_emails(runtime)
    assert row.status == "sent" and row.attempts == 4 and row.kind == "alert"


async def test_mail_server_down_then_back_gets_the_email_once(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock, mail: MailServer
) -> None:
    mail.stop()  # the port is closed: connections are refused
    await urgent_card_on_tablet(client, runtime, cast)
    sender = email_sender(runtime, clock)
    for _ in range(3):
        assert await sender.run_once() == 1
        (row,) = await _outbox_emails(runtime)
        assert row.status == "pending" and row.last_error
        clock.set(row.due_at)
    (row,) = await _outbox_emails(runtime)
    assert row.attempts == 3
    mail.start()
    await drain(runtime, clock, sender)
    assert [r.to for r in mail.handler.received] == [[cast.keyworker_email]]
    (row,) = await _outbox_emails(runtime)
    assert row.status == "sent" and row.attempts == 4
    clock.advance(hours=1)
    await drain(runtime, clock, sender)
    assert len(mail.handler.received) == 1


async def test_every_route_once_and_im_on_it_by_email_names_nobody(
    runtime: Runtime, cast: Cast, clock: FrozenClock, mail: MailServer
) -> None:
    from safeguarding.taking import take_alert
    from tests.support.outbox_driver import ScriptedTransport
    from tests.support.safeguarding import check_in, consented

    await add_staff(runtime, cast, "Jo Patel", "jo@north.example", "keyworker", on_call=True)
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        alex.telegram_chat_id = 1001  # Alex has both routes
    client = await consented(runtime, cast)
    await check_in(client, ["I don't feel safe"], "the purple lighthouse")
    clock.advance(minutes=15)
    await run_due(runtime.db, runtime.vault, clock)  # Jo (email only) is told too
    async with runtime.db.transaction() as session:
        (alert,) = (await session.scalars(select(Alert))).all()
        jo = await session.scalar(select(Staff).where(Staff.email == "jo@north.example"))
        assert jo is not None
        assert (await take_alert(session, runtime.vault, jo, alert.id, clock.now())).ok
    telegram = ScriptedTransport(clock)
    sender = email_sender(runtime, clock)
    sender.transports["telegram"] = telegram
    await drain(runtime, clock, sender)
    # Alex: the alert by Telegram (with the name, in Alex's own chat) and by email;
    # the finished check-in joins the alert as a follow-up on Telegram only (it
    # carries what was said); then "Jo is on it" by both. Jo: the alert by email only.
    assert [(chat, "URGENT" in text) for _, chat, text in telegram.delivered] == [
        (1001, True), (1001, False), (1001, False)]
    later = [text for _, _, text in telegram.delivered[1:]]
    assert sum("Jo is on it" in t for t in later) == 1
    assert sum("finished the check-in" in t for t in later) == 1
    alex_mail = mail.handler.to(cast.keyworker_email)
    assert len(alex_mail) == 2 and "Jo is on it" in alex_mail[1].text
    assert len(mail.handler.to("jo@north.example")) == 1
    for received in mail.handler.received:
        assert "Sam" not in received.whole and "purple" not in received.whole


async def test_a_sender_without_email_leaves_email_rows_queued(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    from tests.support.outbox_driver import ScriptedTransport, simulated_sender
    from tests.support.safeguarding import check_in, consented

    client = await consented(runtime, cast)
    await check_in(client, ["I don't feel safe"])
    transport = ScriptedTransport(clock)
    assert await simulated_sender(runtime, clock, transport).run_once() == 0
    (row,) = await _outbox_emails(runtime)
    assert row.status == "pending" and row.attempts == 0 and transport.attempts == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"smtp_url": "smtp://mail.example.org:587"}, "HEARD_MAIL_FROM must be set"),
        ({"smtp_url": "http://mail.example.org", "mail_from": "a@b.org"}, "smtp://"),
        ({"smtp_url": "smtp://mail.example.org:port", "mail_from": "a@b.org"}, "port"),
    ],
)
def test_mail_settings_are_checked(tmp_path: Path, values: dict, message: str) -> None:  # type: ignore[type-arg]
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        Settings(master_key_file=tmp_path / "k", _env_file=None, **values)  # type: ignore[call-arg]


async def test_an_email_that_never_goes_is_reported_to_admins_by_their_routes(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock, mail: MailServer
) -> None:
    from tests.support.outbox_driver import ScriptedTransport

    await add_staff(runtime, cast, "Ada Admin", "ada@north.example", "admin")
    async with runtime.db.transaction() as session:
        ada = await session.scalar(select(Staff).where(Staff.email == "ada@north.example"))
        assert ada is not None
        ada.telegram_chat_id = 4004
    mail.handler.refuse = ["451 4.3.0 try again later"] * 1000  # refuses for good
    await urgent_card_on_tablet(client, runtime, cast)
    sender = email_sender(runtime, clock, give_up_after=timedelta(minutes=5))
    telegram = ScriptedTransport(clock)
    sender.transports["telegram"] = telegram
    await drain(runtime, clock, sender)
    (alert_row,) = [r for r in await _outbox_emails(runtime) if r.kind == "alert"]
    assert alert_row.status == "undelivered" and alert_row.attempts > 1
    # Ada hears of it on Telegram; her email notice fails like everything else, and
    # a notice about a notice is not sent again.
    assert any("could not be delivered" in text for _, chat, text in telegram.delivered
               if chat == 4004)
    notices = [r for r in await _outbox_emails(runtime) if r.kind == "undelivered_notice"]
    assert len(notices) == 1 and notices[0].status == "undelivered"
