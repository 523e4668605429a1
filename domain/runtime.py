"""Opening Heard's state: the database (migrated), the master key, the vault.

Every entry point (serve, admin, report, tests) goes through ``Runtime.open`` so a
fresh data directory just works and a wrong master key stops everything early.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from core.clock import Clock
from core.config import Settings
from domain.context import Services
from storage.crypto import Keyring, MasterKeyError
from storage.crypto.keyfile import KeyFile
from storage.db import Database
from storage.vault import Vault
from outbox.routes import Routes, configure

log = logging.getLogger(__name__)


def _announce_new_key(path: Path) -> None:
    bar = "!" * 72
    print(
        f"\n{bar}\n"
        f"  A NEW MASTER KEY was created at {path} (readable by this user only).\n"
        "  Everything young people say is encrypted with keys locked by it.\n"
        "  BACK IT UP somewhere safe and separate from the database backups:\n"
        "  without it, the data cannot be read by anyone.\n"
        f"{bar}\n",
        file=sys.stderr,
    )


@dataclass
class Runtime:
    settings: Settings
    db: Database
    vault: Vault
    clock: Clock

    @property
    def services(self) -> Services:
        return Services(
            vault=self.vault,
            clock=self.clock,
            public_url=self.settings.public_url,
            erase_decision_days=self.settings.erase_decision_days,
            buddy_days=self.settings.buddy_days,
        )

    @classmethod
    async def open(cls, settings: Settings, *, clock: Clock | None = None) -> Runtime:
        db = Database.from_url(settings.database_url)
        try:
            keyring = await _open_keyring(db, settings.master_key_file)
            await db.migrate()
            vault = Vault(KeyFile(keyring))
            async with db.transaction() as session:
                await vault.verify(session)
        except BaseException:
            await db.close()
            raise

        configure(Routes(mail=settings.mail_enabled, public_url=settings.public_url))
        return cls(settings=settings, db=db, vault=vault, clock=clock or Clock())

    async def close(self) -> None:
        await self.db.close()


async def _open_keyring(db: Database, path: Path) -> Keyring:
    """The master keys; a new file only for a database that has nothing locked yet.

    With data already in the database, a missing key file is a mistake to fix (a
    moved file, a wrong HEARD_MASTER_KEY_FILE), never a reason to make a new key.
    """
    if not path.exists() and await db.holds_encrypted_data():
        raise MasterKeyError(
            f"the master key file {path} is missing, but this database already holds data "
            "locked with a master key. Put the key file back (from your key backup) or set "
            "HEARD_MASTER_KEY_FILE to where it is. No new key was made; nothing was changed."
        )
    return Keyring.load_or_create(path, on_create=_announce_new_key)


__all__ = ["MasterKeyError", "Runtime"]
