"""Erasure that really erases: no copy of the database files taken after an erase,
and no backup taken before it once the retirement has run, can give back what the
erased young person said — while everyone else's data still opens."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.clock import FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from app.scheduler import retire_keys
from domain.admin import erase_and_scrub
from outbox.message import Message
from outbox.queue import enqueue, mark_sent_many
from storage.crypto import Keyring, MasterKeyError
from storage.models import (
    AuditEntry,
    CheckIn,
    DataKey,
    InviteCode,
    OutboxMessage,
    Reminder,
    YoungPerson,
)
from storage.rotation import RETIRE_DUE, RETIRING, retire_if_due
from storage.repositories import get_meta
from storage.vault import KeyErased
from tests.storage.test_encryption import full_checkin
from tests.support.people import Cast, make_cast

VICTIM_WORDS = "the fox under the stairs 5521"
OTHER_WORDS = "pancakes on friday 8830"
WRAPPED_LEN = 1 + 12 + 32 + 16  # version, nonce, key, tag


def unwrappable(blob: bytes, ring: Keyring, owner: str) -> list[str]:
    """Every key id in ``ring`` that opens some 61-byte window of ``blob`` as this
    owner's wrapped data key: an attacker's search through raw database bytes."""
    found = []
    start = blob.find(b"\x01")
    while start != -1 and start + WRAPPED_LEN <= len(blob):
        window = blob[start : start + WRAPPED_LEN]
        for kid in ring.key_ids:
            try:
                ring.unwrap(kid, window, owner)
            except MasterKeyError:
                continue
            found.append(kid)
        start = blob.find(b"\x01", start + 1)
    return found


def sqlite_files(settings: Settings) -> list[Path]:
    db = Path(settings.database_url.split("///", 1)[1])
    return [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]


def copy_files(files: list[Path], into: Path) -> Path:
    into.mkdir()
    for f in files:
        shutil.copy2(f, into / f.name)
    return into / files[0].name


async def two_people(runtime: Runtime) -> tuple[Cast, Cast]:
    """Someone else first, the young person to erase last (their key row is then the
    last one in its page, where a plain VACUUM would leave its bytes behind)."""
    other = await make_cast(runtime, service="South", nickname="Kai")
    victim = await make_cast(runtime, service="North", nickname="Sam")
    await full_checkin(runtime, other.young_person_id, OTHER_WORDS)
    await full_checkin(runtime, victim.young_person_id, VICTIM_WORDS)
    return other, victim


async def wrapped_key(runtime: Runtime, owner: str) -> bytes:
    async with runtime.db.transaction() as session:
        row = await session.get(DataKey, owner)
        assert row is not None
        return row.wrapped


async def words_of(runtime: Runtime, owner: str) -> str:
    async with runtime.db.transaction() as session:
        row = await session.scalar(select(CheckIn).where(CheckIn.young_person_id == owner))
        assert row is not None
        payload = await runtime.vault.open(session, owner, "checkins", row.id, row.payload_ct)
        return str(payload["words"])


async def test_sqlite_files_copied_right_after_erase_hold_no_key(
    settings: Settings, clock: FrozenClock, tmp_path: Path
) -> None:
    runtime = await Runtime.open(settings, clock=clock)
    try:
        other, victim = await two_people(runtime)
        wrapped = await wrapped_key(runtime, victim.young_person_id)
        ring = runtime.vault.keyring
        # The search finds the key in the live files before the erase: it can fail.
        before = b"".join(f.read_bytes() for f in sqlite_files(settings))
        assert wrapped in before and unwrappable(before, ring, victim.young_person_id)

        await erase_and_scrub(runtime.db, runtime.vault, victim.young_person_id, clock.now())
        # Right after it returns, with the service still running: main file, WAL, shm.
        files = sqlite_files(settings)
        copy = copy_files(files, tmp_path / "copy")
        for f in files:
            data = f.read_bytes()
            assert wrapped not in data, f.name
            assert unwrappable(data, ring, victim.young_person_id) == [], f.name
    finally:
        await runtime.close()

    shutil.copy2(settings.master_key_file, tmp_path / "copy" / "master.key")
    stolen = await Runtime.open(Settings(database_url=f"sqlite+aiosqlite:///{copy}",
                                         master_key_file=tmp_path / "copy" / "master.key",
                                         _env_file=None), clock=clock)  # type: ignore[call-arg]
    try:
        with pytest.raises(KeyErased):
            await words_of(stolen, victim.young_person_id)
        assert await words_of(stolen, other.young_person_id) == OTHER_WORDS
    finally:
        await stolen.close()


async def test_postgres_heap_after_erase_holds_no_key(tmp_path: Path, clock: FrozenClock) -> None:
    """The strongest check this machine allows: read the key table's heap files from
    PostgreSQL's data directory after a CHECKPOINT (the files as on disk)."""
    from tests.conftest import POSTGRES_URL, _reset_postgres

    if not POSTGRES_URL:
        pytest.skip("HEARD_TEST_POSTGRES_URL is not set (CI sets it to the local PostgreSQL)")
    await _reset_postgres(POSTGRES_URL)
    settings = Settings(database_url=POSTGRES_URL, master_key_file=tmp_path / "master.key",
                        _env_file=None)  # type: ignore[call-arg]
    runtime = await Runtime.open(settings, clock=clock)
    try:
        async with runtime.db.engine.connect() as conn:
            data_dir = Path(await conn.scalar(text("SHOW data_directory")))
        if not data_dir.is_dir() or not (data_dir / "PG_VERSION").exists():
            pytest.skip(f"PostgreSQL's data directory {data_dir} is not readable here")

        async def heap_path() -> Path:
            async with runtime.db.engine.connect() as conn:
                await conn.execute(text("CHECKPOINT"))
                return data_dir / await conn.scalar(text("SELECT pg_relation_filepath('data_keys')"))

        other, victim = await two_people(runtime)
        wrapped = await wrapped_key(runtime, victim.young_person_id)
        ring = runtime.vault.keyring
        old_heap = await heap_path()
        assert wrapped in old_heap.read_bytes()  # the check can fail

        await erase_and_scrub(runtime.db, runtime.vault, victim.young_person_id, clock.now())
        new_heap = await heap_path()
        for heap in {old_heap, new_heap}:
            data = heap.read_bytes() if heap.exists() else b""
            assert wrapped not in data, heap
            assert unwrappable(data, ring, victim.young_person_id) == [], heap
        with pytest.raises(KeyErased):
            await words_of(runtime, victim.young_person_id)
        assert await words_of(runtime, other.young_person_id) == OTHER_WORDS
    finally:
        await runtime.close()


async def test_postgres_erase_waits_for_an_older_snapshot_and_says_so_if_it_stays(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """A transaction that began before the delete still sees the row, so VACUUM must
    keep it; the erase tries again and, if it stays, says to run again."""
    from storage.db import ScrubError
    from tests.conftest import POSTGRES_URL, _reset_postgres

    if not POSTGRES_URL:
        pytest.skip("HEARD_TEST_POSTGRES_URL is not set (CI sets it to the local PostgreSQL)")
    await _reset_postgres(POSTGRES_URL)
    settings = Settings(database_url=POSTGRES_URL, master_key_file=tmp_path / "master.key",
                        _env_file=None)  # type: ignore[call-arg]
    runtime = await Runtime.open(settings, clock=clock)
    try:
        other, victim = await two_people(runtime)
        async with runtime.db.engine.connect() as old_reader:
            await old_reader.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            await old_reader.execute(text("SELECT count(*) FROM services"))  # takes a snapshot
            with pytest.raises(ScrubError, match="still visible to an older transaction"):
                await erase_and_scrub(runtime.db, runtime.vault, victim.young_person_id,
                                      clock.now())
            with pytest.raises(KeyErased):  # the key itself is deleted all the same
                await words_of(runtime, victim.young_person_id)
        await erase_and_scrub(runtime.db, runtime.vault, victim.young_person_id, clock.now())
        async with runtime.db.engine.connect() as conn:
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
            await conn.commit()
            # Every tuple left in the key table's pages is a live one: no dead copy.
            rows = (await conn.execute(text(
                "SELECT count(*), count(*) FILTER (WHERE t_data IS NULL) "
                "FROM generate_series(0, pg_relation_size('data_keys') / 8192 - 1) AS b, "
                "LATERAL heap_page_items(get_raw_page('data_keys', b::int))"))).one()
            live = await conn.scalar(text("SELECT count(*) FROM data_keys"))
        assert rows == (live, 0)
        assert await words_of(runtime, other.young_person_id) == OTHER_WORDS
    finally:
        await runtime.close()


async def test_backup_from_before_erase_is_unreadable_once_keys_are_retired(
    settings: Settings, clock: FrozenClock, tmp_path: Path
) -> None:
    runtime = await Runtime.open(settings, clock=clock)
    try:
        other, victim = await two_people(runtime)
        backup = copy_files(sqlite_files(settings), tmp_path / "backup")
        key_file_then = Keyring.load(settings.master_key_file)  # only to show what changed

        await erase_and_scrub(runtime.db, runtime.vault, victim.young_person_id, clock.now())
        await retire_keys(runtime.db, runtime.vault, clock)
        assert Keyring.load(settings.master_key_file).key_ids == ["k1"]  # not due yet
        clock.advance(hours=24)
        await retire_keys(runtime.db, runtime.vault, clock)
        current = Keyring.load(settings.master_key_file)
        assert current.key_ids == ["k2"]  # k1, which wrapped the erased key, is destroyed

        # Everyone else's words still open, in this process and in a new one.
        assert await words_of(runtime, other.young_person_id) == OTHER_WORDS
        async with runtime.db.transaction() as session:
            assert await get_meta(session, RETIRE_DUE) is None
            assert await get_meta(session, RETIRING) is None
    finally:
        await runtime.close()
    again = await Runtime.open(settings, clock=clock)
    try:
        assert await words_of(again, other.young_person_id) == OTHER_WORDS
    finally:
        await again.close()

    # The backup with the key file as it is now: the erased key opens with no key.
    with sqlite3.connect(backup) as conn:
        kid, blob = conn.execute("SELECT kek_id, wrapped FROM data_keys WHERE owner = ?",
                                 (victim.young_person_id,)).fetchone()
    assert kid == "k1"
    for candidate in current.key_ids:
        with pytest.raises(MasterKeyError):
            current.unwrap(candidate, blob, victim.young_person_id)
    everything = b"".join(f.read_bytes() for f in backup.parent.iterdir())
    assert unwrappable(everything, current, victim.young_person_id) == []
    # ... while the key file from before the retirement would still have opened it:
    assert unwrappable(everything, key_file_then, victim.young_person_id) == ["k1"]
    shutil.copy2(settings.master_key_file, tmp_path / "backup" / "master.key")
    with pytest.raises(MasterKeyError, match="does not match this database"):
        await Runtime.open(Settings(database_url=f"sqlite+aiosqlite:///{backup}",
                                    master_key_file=tmp_path / "backup" / "master.key",
                                    _env_file=None))  # type: ignore[call-arg]


async def test_retirement_runs_once_however_many_processes_ask(
    any_runtime: Runtime, clock: FrozenClock
) -> None:
    other, victim = await two_people(any_runtime)
    second = await Runtime.open(any_runtime.settings, clock=clock)  # another process
    try:
        await erase_and_scrub(any_runtime.db, any_runtime.vault, victim.young_person_id,
                              clock.now(), timedelta(hours=1))
        clock.advance(hours=1)
        ran = await asyncio.gather(retire_if_due(any_runtime.db, any_runtime.vault, clock.now()),
                                   retire_if_due(second.db, second.vault, clock.now()))
        assert sorted(ran) == [False, True]
        assert Keyring.load(any_runtime.settings.master_key_file).key_ids == ["k2"]
        assert not await retire_if_due(second.db, second.vault, clock.now())  # nothing left
        for rt in (any_runtime, second):
            assert await words_of(rt, other.young_person_id) == OTHER_WORDS
    finally:
        await second.close()


async def test_a_retirement_stopped_half_way_is_finished_by_the_scheduler(
    runtime: Runtime, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    other, victim = await two_people(runtime)
    await erase_and_scrub(runtime.db, runtime.vault, victim.young_person_id, clock.now())
    clock.advance(hours=25)

    def crash(self: Keyring, kid: str) -> list[str]:
        raise OSError("power cut")

    monkeypatch.setattr(Keyring, "retain_only", crash)
    with pytest.raises(OSError):
        await retire_if_due(runtime.db, runtime.vault, clock.now())
    # Re-wrapped under k2, k1 not yet destroyed: the file still opens everything.
    assert Keyring.load(runtime.settings.master_key_file).key_ids == ["k1", "k2"]
    assert await words_of(runtime, other.young_person_id) == OTHER_WORDS
    monkeypatch.undo()

    await retire_keys(runtime.db, runtime.vault, clock)
    assert Keyring.load(runtime.settings.master_key_file).key_ids == ["k3"]
    assert await words_of(runtime, other.young_person_id) == OTHER_WORDS


async def test_erasure_drops_what_identifies_the_young_person(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    person_id = cast.young_person_id
    await full_checkin(runtime, person_id, "something")
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, person_id)
        assert person is not None
        person.telegram_user_id = person.telegram_chat_id = 777001
        for kind in ("ack", "reminder"):
            row = await enqueue(session, runtime.vault, chat_id=777001, key_owner=person_id,
                                message=Message(text="hello"), kind=kind, now=clock.now())
            row.locked_by = "w"
        session.add(Reminder(young_person_id=person_id, weekday=0, local_time="09:00",
                             next_due_at=clock.now(), created_at=clock.now()))
    async with runtime.db.transaction() as session:
        ids = list(await session.scalars(select(OutboxMessage.id).where(OutboxMessage.chat_id == 777001)))
        await mark_sent_many(session, ids, "w", clock.now())
        audits_before = await session.scalar(select(func.count()).select_from(AuditEntry)
                                             .where(AuditEntry.young_person_id == person_id))

    await erase_and_scrub(runtime.db, runtime.vault, person_id, clock.now())

    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, person_id)
        assert person is not None
        assert (person.telegram_user_id, person.telegram_chat_id, person.keyworker_id,
                person.unit) == (None, None, None, None)
        sent = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.key_owner == person_id, OutboxMessage.status == "sent"))).all()
        assert len(sent) == 2 and {m.chat_id for m in sent} == {0}
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.chat_id == 777001)) == 0
        assert await session.scalar(select(func.count()).select_from(Reminder)) == 0
        assert await session.scalar(select(func.count()).select_from(InviteCode).where(
            InviteCode.subject_id == person_id)) == 0
        # The audit keeps its facts: every earlier row, and the erasure itself.
        actions = list(await session.scalars(select(AuditEntry.action).where(
            AuditEntry.young_person_id == person_id)))
        assert len(actions) == audits_before + 1 and actions[-1] == "young_person.erased"
