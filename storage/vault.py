"""Data keys in the database, wrapped by the master keyring.

A young person's data key exists only wrapped; the vault unwraps on use (cached per
process by the wrapped bytes, so a deleted key is gone for every process at once:
each use still reads the row, and a missing row means the data is erased).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import DataCipher, Keyring, aad, new_data_key
from storage.models import DataKey, KekCheck

SYSTEM_OWNER = "system"


class KeyErased(Exception):
    """The owner's data key was deleted: what they said can no longer be read."""


class Vault:
    def __init__(self, keyring: Keyring, cache_size: int = 4096) -> None:
        self.keyring = keyring
        self._cache: OrderedDict[bytes, DataCipher] = OrderedDict()
        self._cache_size = cache_size

    async def verify(self, session: AsyncSession) -> None:
        """Refuse to run with a master key file that does not fit this database."""
        checks = {c.kek_id: c.check_ct for c in (await session.scalars(select(KekCheck)))}
        for kid, blob in checks.items():
            if kid in self.keyring.key_ids:
                self.keyring.verify_check(kid, blob)
        if checks and not any(kid in self.keyring.key_ids for kid in checks):
            self.keyring.verify_check(next(iter(checks)), next(iter(checks.values())))
        for kid in self.keyring.key_ids:
            if kid not in checks:
                _, blob = self.keyring.make_check(kid)
                session.add(KekCheck(kek_id=kid, check_ct=blob))

    async def create(self, session: AsyncSession, owner: str) -> DataCipher:
        key = new_data_key()
        kid, wrapped = self.keyring.wrap(key, owner)
        row = DataKey(owner=owner, kek_id=kid, wrapped=wrapped, created_at=datetime.now(UTC))
        session.add(row)
        session.info.setdefault("vault_rows", {})[owner] = row
        cipher = DataCipher(key)
        self._remember(wrapped, cipher)
        return cipher

    async def cipher(self, session: AsyncSession, owner: str) -> DataCipher:
        # The row is read once per transaction, not once per value: the session's
        # identity map holds rows weakly, so without this every seal/open of a
        # batch would be another SELECT.
        held: dict[str, DataKey] = session.info.setdefault("vault_rows", {})
        row = held.get(owner)
        if row is None:
            row = await session.get(DataKey, owner)
            if row is not None:
                held[owner] = row
        if row is None:
            if owner == SYSTEM_OWNER:
                return await self.create(session, owner)
            raise KeyErased(owner)
        cached = self._cache.get(row.wrapped)
        if cached is not None:
            self._cache.move_to_end(row.wrapped)
            return cached
        cipher = DataCipher(self.keyring.unwrap(row.kek_id, row.wrapped, owner))
        self._remember(row.wrapped, cipher)
        return cipher

    async def erase(self, session: AsyncSession, owner: str) -> None:
        """Crypto-shred: without the key, every ciphertext of this owner is noise."""
        await session.execute(delete(DataKey).where(DataKey.owner == owner))
        session.info.get("vault_rows", {}).pop(owner, None)
        self._cache.clear()

    async def rewrap_all(self, session: AsyncSession) -> int:
        """Re-wrap every data key with the active KEK (the cheap half of a rotation)."""
        count = 0
        for row in (await session.scalars(select(DataKey))).all():
            if row.kek_id == self.keyring.active_id:
                continue
            key = self.keyring.unwrap(row.kek_id, row.wrapped, row.owner)
            row.kek_id, row.wrapped = self.keyring.wrap(key, row.owner)
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
