"""Rotating the master key, and retiring (destroying) the old ones.

A rotation adds a new KEK and re-wraps every data key with it. A retirement is a
rotation that then destroys every other KEK in the master key file. Backups taken
before it hold data keys wrapped only by destroyed KEKs, so once it has run (and old
copies of the key file are gone) an erased young person cannot be read from them.

The steps keep the file and the database in step through any crash:

1. the file gains the new KEK (atomic replace) — every key in use is still there;
2. one transaction makes it the database's active KEK and re-wraps every data key
   (the active KEK is locked exclusively, so nothing is wrapped with an old KEK
   after this commits); ``kek.retiring`` records that old KEKs are to go;
3. the file is replaced by one holding only the new KEK;
4. the old KEKs' check rows and ``kek.retiring`` are removed.

A crash after 1 leaves an unused new key (harmless); after 2 or 3, ``kek.retiring``
makes the scheduler run a retirement again. The key file's lock (and an advisory
lock on PostgreSQL) means one retirement at a time, however many processes run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto.keyfile import exclusive
from storage.db import Database
from storage.models import KekCheck
from storage.repositories import delete_meta, get_meta, set_meta
from storage.vault import ACTIVE_KEK, Vault, lock_active_kek

log = logging.getLogger(__name__)

RETIRE_DUE = "kek.retire_due"  # when a retirement asked for by an erasure is due
RETIRING = "kek.retiring"  # a retirement re-wrapped but has not yet destroyed old keys


@dataclass
class Rotation:
    active_key: str
    rewrapped_data_keys: int
    destroyed_keys: list[str]

    def as_dict(self) -> dict[str, object]:
        return {"active_key": self.active_key, "rewrapped_data_keys": self.rewrapped_data_keys,
                "destroyed_keys": self.destroyed_keys}


async def schedule_retirement(session: AsyncSession, now: datetime, within: timedelta) -> None:
    """Ask for a retirement no later than ``within`` from now (an earlier ask stands)."""
    due = now + within
    current = await get_meta(session, RETIRE_DUE)
    if current is None or datetime.fromisoformat(current) > due:
        await set_meta(session, RETIRE_DUE, due.isoformat())


async def retirement_due(session: AsyncSession, now: datetime) -> bool:
    if await get_meta(session, RETIRING) is not None:
        return True  # an earlier retirement stopped half-way
    due = await get_meta(session, RETIRE_DUE)
    return due is not None and datetime.fromisoformat(due) <= now


async def rotate(db: Database, vault: Vault, *, retire: bool, wait: bool = True,
                 only_if_due: datetime | None = None) -> Rotation | None:
    """Add a KEK, re-wrap every data key with it and, with ``retire``, destroy the
    others. Returns None when another process holds the lock (``wait`` off) or, with
    ``only_if_due``, when nothing is due at that time (someone else just did it)."""
    with exclusive(vault.keys.path, wait=wait) as mine:
        if not mine:
            return None
        async with db.key_rotation_lock() as ours:
            if not ours:
                return None
            if only_if_due is not None:
                async with db.transaction(read_only=True) as session:
                    if not await retirement_due(session, only_if_due):
                        return None
            return await _rotate_locked(db, vault, retire=retire)


async def _rotate_locked(db: Database, vault: Vault, *, retire: bool) -> Rotation:
    vault.keys.refresh(force=True)
    ring = vault.keyring
    new_id = ring.add_key()
    ring.save()  # step 1
    vault.keys.refresh(force=True)
    async with db.transaction() as session:  # step 2
        await lock_active_kek(session, exclusive=True)
        await vault.verify(session)  # adds the new KEK's check row
        await set_meta(session, ACTIVE_KEK, new_id)
        count = await vault.rewrap_all(session, new_id)
        if retire:
            # Erasures committed before this point are covered; later ones ask again.
            await delete_meta(session, RETIRE_DUE)
            await set_meta(session, RETIRING, new_id)
    destroyed: list[str] = []
    if retire:
        ring = vault.keyring
        destroyed = ring.retain_only(new_id)
        ring.save()  # step 3: the old KEKs exist nowhere in this file any more
        vault.keys.refresh(force=True)
        async with db.transaction() as session:  # step 4
            await session.execute(delete(KekCheck).where(KekCheck.kek_id != new_id))
            await delete_meta(session, RETIRING)
        log.info("master key retired: %s destroyed, %s active, %d data keys re-wrapped",
                 destroyed, new_id, count)
    return Rotation(new_id, count, destroyed)


async def retire_if_due(db: Database, vault: Vault, now: datetime) -> bool:
    """The scheduler's job: run a retirement an erasure asked for, once, in one process."""
    async with db.transaction(read_only=True) as session:
        if not await retirement_due(session, now):
            return False
    return await rotate(db, vault, retire=True, wait=False, only_if_due=now) is not None
