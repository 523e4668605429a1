"""Data keys in the database, wrapped by the master keyring.

A young person's data key exists only wrapped; the vault unwraps on use (cached per
process by the wrapped bytes, so a deleted key is gone for every process at once:
each use still reads the row, and a missing row means the data is erased).

Which KEK wraps new data keys is decided by the database (meta ``kek.active``), read
under a lock that a retirement takes exclusively: a data key can never be wrapped
with a KEK that a retirement in another process is about to destroy.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.owners import SYSTEM_OWNER
from storage.crypto import DataCipher, Keyring, MasterKeyError, aad, new_data_key
from storage.crypto.keyfile import KeyFile
from storage.models import DataKey, KekCheck, Meta
from storage.repositories import insert_meta_once
from storage.db import dialect_of

ACTIVE_KEK = "kek.active"


class KeyErased(Exception):
    """The owner's data key was deleted: what they said can no longer be read."""


async def lock_active_kek(session: AsyncSession, *, exclusive: bool = False) -> str | None:
    """The KEK that wraps new data keys, locked until this transaction ends.

    Shared for creating and erasing keys, exclusive for a rotation. On SQLite a write
    comes first: it takes the database's single write lock, so the value read next
    cannot change before this transaction commits.
    """
    if dialect_of(session) == "sqlite":
        await session.execute(update(Meta).where(Meta.key == ACTIVE_KEK).values(value=Meta.value))
        return await session.scalar(select(Meta.value).where(Meta.key == ACTIVE_KEK))
    stmt = select(Meta.value).where(Meta.key == ACTIVE_KEK).with_for_update(read=not exclusive)
    return await session.scalar(stmt)


class Vault:
    def __init__(self, keys: KeyFile | Keyring, cache_size: int = 4096) -> None:
        self.keys = keys if isinstance(keys, KeyFile) else KeyFile(keys)
        self._cache: OrderedDict[bytes, DataCipher] = OrderedDict()
        self._cache_size = cache_size

    @property
    def keyring(self) -> Keyring:
        """The keys as last read from the master key file."""
        return self.keys.ring

    async def verify(self, session: AsyncSession) -> None:
        """Refuse to run with a master key file that does not fit this database."""
        ring = self.keyring
        checks = {c.kek_id: c.check_ct for c in (await session.scalars(select(KekCheck)))}
        for kid, blob in checks.items():
            if ring.has(kid):
                ring.verify_check(kid, blob)
        if checks and not any(ring.has(kid) for kid in checks):
            raise MasterKeyError(
                f"{ring.path or 'the master key file'} does not match this database: it holds "
                f"none of the master keys this database is locked with ({', '.join(checks)}). "
                "Use the master key file this database was created with; a backup taken "
                "before the keys were retired can no longer be opened. Nothing was changed."
            )
        for kid in ring.key_ids:
            if kid not in checks:
                _, blob = ring.make_check(kid)
                session.add(KekCheck(kek_id=kid, check_ct=blob))
        active = await session.scalar(select(Meta.value).where(Meta.key == ACTIVE_KEK))
        if active is None:

            await insert_meta_once(session, ACTIVE_KEK, ring.active_id)
        elif not ring.has(active):
            raise MasterKeyError(
                f"this database's data keys are locked with master key {active!r}, which is "
                f"not in {ring.path or 'the master key file'} (an older copy of the file?). "
                "Use the current master key file; nothing was changed."
            )

    async def _wrap(self, session: AsyncSession, key: bytes, owner: str) -> tuple[str, bytes]:
        kid = await lock_active_kek(session) or self.keyring.active_id
        ring = self.keys.with_key(kid)
        if not ring.has(kid):
            self.keys.refresh(force=True)
            ring = self.keyring
        return ring.wrap(key, owner, kid)

    async def create(self, session: AsyncSession, owner: str) -> DataCipher:
        key = new_data_key()
        kid, wrapped = await self._wrap(session, key, owner)
        session.add(DataKey(owner=owner, kek_id=kid, wrapped=wrapped, created_at=datetime.now(UTC)))
        cipher = DataCipher(key)
        self._remember(wrapped, cipher)
        session.info.setdefault("heard_ciphers", {})[owner] = cipher
        return cipher

    async def cipher(self, session: AsyncSession, owner: str) -> DataCipher:
        # Within one unit of work a key is read once; across units it is read again,
        # so an erased key stops working everywhere at the next transaction.
        per_session: dict[str, DataCipher] = session.info.setdefault("heard_ciphers", {})
        if owner in per_session:
            return per_session[owner]
        per_session[owner] = cipher = await self._cipher(session, owner)
        return cipher

    async def _cipher(self, session: AsyncSession, owner: str) -> DataCipher:
        row = await session.get(DataKey, owner)
        if row is None:
            if owner == SYSTEM_OWNER:
                return await self.create(session, owner)
            raise KeyErased(owner)
        cached = self._cache.get(row.wrapped)
        if cached is not None:
            self._cache.move_to_end(row.wrapped)
            return cached
        # Another process may have rotated the key file: an unknown id re-reads it.
        ring = self.keys.with_key(row.kek_id)
        cipher = DataCipher(ring.unwrap(row.kek_id, row.wrapped, owner))
        self._remember(row.wrapped, cipher)
        return cipher

    async def erase(self, session: AsyncSession, owner: str) -> None:
        """Crypto-shred: without the key, every ciphertext of this owner is noise.

        The row's bytes still sit in the database files until they are scrubbed
        (``Database.scrub_deleted_keys``, after the commit), and in backups until the
        KEKs that wrapped it are retired (``storage.rotation``).
        """
        await lock_active_kek(session)  # same lock order as a rotation: no deadlock
        await session.execute(delete(DataKey).where(DataKey.owner == owner))
        session.info.get("heard_ciphers", {}).pop(owner, None)
        self._cache.clear()

    async def rewrap_all(self, session: AsyncSession, kid: str | None = None) -> int:
        """Re-wrap every data key with ``kid`` (default: the file's active KEK).
        Call with the active KEK locked exclusively (``lock_active_kek``)."""
        ring = self.keyring
        kid = kid or ring.active_id
        count = 0
        stmt = select(DataKey).where(DataKey.kek_id != kid)
        if dialect_of(session) == "postgresql":
            stmt = stmt.with_for_update()
        for row in (await session.scalars(stmt)).all():
            key = self.keys.with_key(row.kek_id).unwrap(row.kek_id, row.wrapped, row.owner)
            row.kek_id, row.wrapped = ring.wrap(key, row.owner, kid)
            count += 1
        return count

    def _remember(self, wrapped: bytes, cipher: DataCipher) -> None:
        self._cache[wrapped] = cipher
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    # -- sealing rows -----------------------------------------------------------------

    async def seal(
        self, session: AsyncSession, owner: str, table: str, row_id: str, value: Any
    ) -> bytes:
        cipher = await self.cipher(session, owner)
        return cipher.encrypt(_dumps(value), aad(table, row_id, owner))

    async def open(
        self, session: AsyncSession, owner: str, table: str, row_id: str, blob: bytes
    ) -> Any:
        cipher = await self.cipher(session, owner)
        return json.loads(cipher.decrypt(blob, aad(table, row_id, owner)))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
