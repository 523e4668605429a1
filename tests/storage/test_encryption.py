"""What is encrypted, what a wrong key does, and what erasing a young person leaves."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.config import Settings
from domain.runtime import Runtime
from domain.admin import erase_young_person
from domain.kpi import kpi_report
from storage.crypto import DecryptError, Keyring, MasterKeyError
from storage.models import CheckIn, YoungPerson
from storage.vault import KeyErased
from tests.support.flow_client import FlowClient
from tests.support.people import Cast, make_cast

SECRET_NOTE = "my secret is marmalade-7731"
NICKNAME = "Zebedee-4410"


async def full_checkin(runtime: Runtime, person_id: str, note: str) -> None:
    client = FlowClient(runtime, person_id)
    await client.command("checkin")
    if client.screen.name == "welcome":
        await client.tap("OK, let's go")
    await client.tap("Scared")
    await client.tap("Done")
    await client.tap("A lot")
    await client.tap("Talk to my keyworker")
    await client.send(note)


async def listened(runtime: Runtime, person_id: str, answer: str) -> None:
    client = FlowClient(runtime, person_id)
    await client.command("listened")
    await client.tap("My keyworker")
    await client.tap(answer)


async def test_database_file_holds_no_plaintext(settings: Settings, clock) -> None:  # type: ignore[no-untyped-def]
    runtime = await Runtime.open(settings, clock=clock)
    cast = await make_cast(runtime, nickname=NICKNAME)
    await full_checkin(runtime, cast.young_person_id, SECRET_NOTE)
    await runtime.close()  # checkpoint the WAL into the main file
    db_file = Path(settings.database_url.split("///", 1)[1])
    everything = b"".join(
        p.read_bytes() for p in db_file.parent.glob(db_file.name + "*") if p.is_file()
    )
    assert b"marmalade" not in everything
    assert NICKNAME.encode() not in everything
    assert b"Talk to my keyworker" not in everything and b"scared" not in everything


def test_master_key_file_is_created_private(settings: Settings) -> None:
    ring = Keyring.load_or_create(settings.master_key_file)
    mode = stat.S_IMODE(os.stat(settings.master_key_file).st_mode)
    assert mode == 0o600
    assert Keyring.load(settings.master_key_file).key_ids == ring.key_ids


async def test_ciphertext_moved_to_another_row_does_not_open(runtime: Runtime, cast: Cast) -> None:
    await full_checkin(runtime, cast.young_person_id, "first")
    await full_checkin(runtime, cast.young_person_id, "second")
    async with runtime.db.transaction() as session:
        first, second = (await session.scalars(select(CheckIn).order_by(CheckIn.created_at))).all()
        await session.execute(
            update(CheckIn).where(CheckIn.id == second.id).values(payload_ct=first.payload_ct))
    async with runtime.db.transaction() as session:
        moved = await session.get(CheckIn, second.id)
        assert moved is not None
        with pytest.raises(DecryptError):
            await runtime.vault.open(session, cast.young_person_id, "checkins", moved.id,
                                     moved.payload_ct)


async def test_another_young_persons_key_does_not_open_it(runtime: Runtime, cast: Cast) -> None:
    other = await make_cast(runtime, service="South", nickname="Kai")
    await full_checkin(runtime, cast.young_person_id, "mine")
    async with runtime.db.transaction() as session:
        row = await session.scalar(select(CheckIn))
        assert row is not None
        with pytest.raises(DecryptError):
            await runtime.vault.open(session, other.young_person_id, "checkins", row.id,
                                     row.payload_ct)


async def test_wrong_master_key_stops_start_up_clearly(
    settings: Settings, runtime: Runtime, cast: Cast
) -> None:
    await runtime.close()
    key_file = settings.master_key_file
    original = key_file.read_text()
    key_file.unlink()
    Keyring.load_or_create(key_file)  # a different key, same file name
    with pytest.raises(MasterKeyError, match="does not match this database"):
        await Runtime.open(settings)
    key_file.write_text("not json")
    with pytest.raises(MasterKeyError, match="not a valid Heard key file"):
        await Runtime.open(settings)
    key_file.write_text(original)
    again = await Runtime.open(settings)  # the right key works again: nothing was harmed
    await again.close()


async def test_erasing_a_young_person_shreds_history_but_keeps_kpi_totals(
    runtime: Runtime, cast: Cast
) -> None:
    await full_checkin(runtime, cast.young_person_id, SECRET_NOTE)
    for _ in range(5):
        await listened(runtime, cast.young_person_id, "Yes, totally")
    async with runtime.db.transaction() as session:
        before = await kpi_report(session, service_name="North", month_from=None, month_to=None)
        await erase_young_person(session, runtime.vault, cast.young_person_id, runtime.clock.now())
    async with runtime.db.transaction() as session:
        row = await session.scalar(select(CheckIn))
        assert row is not None
        with pytest.raises(KeyErased):
            await runtime.vault.open(session, cast.young_person_id, "checkins", row.id,
                                     row.payload_ct)
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        with pytest.raises(KeyErased):
            await runtime.vault.open(session, person.id, "young_people", person.id,
                                     person.nickname_ct)
        after = await kpi_report(session, service_name="North", month_from=None, month_to=None)
    assert after == before
    assert after["listened_to"]["total"] == 5


async def test_key_rotation_rewraps_and_old_data_still_opens(
    settings: Settings, runtime: Runtime, cast: Cast
) -> None:
    await full_checkin(runtime, cast.young_person_id, "before rotation")
    ring = runtime.vault.keyring
    ring.add_key()
    ring.save()
    async with runtime.db.transaction() as session:
        await runtime.vault.verify(session)
        assert await runtime.vault.rewrap_all(session) >= 1
    await runtime.close()
    saved = json.loads(settings.master_key_file.read_text())
    assert saved["active"] == "k2" and set(saved["keys"]) == {"k1", "k2"}
    reopened = await Runtime.open(settings)
    try:
        async with reopened.db.transaction() as session:
            row = await session.scalar(select(CheckIn))
            assert row is not None
            payload = await reopened.vault.open(session, cast.young_person_id, "checkins", row.id,
                                                row.payload_ct)
            assert payload["words"] == "before rotation"
    finally:
        await reopened.close()
