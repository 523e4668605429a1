"""Opening Heard's state: the database (migrated), the master key, the vault.

Every entry point (serve, admin, report, tests) goes through ``Runtime.open`` so a
fresh data directory just works and a wrong master key stops everything early.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from app.clock import Clock
from app.config import Settings
from flows.context import Services
from storage.crypto import Keyring, MasterKeyError
from storage.db import Database
from storage.vault import Vault

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
        )

    @classmethod
    async def open(cls, settings: Settings, *, clock: Clock | None = None) -> Runtime:
        keyring = Keyring.load_or_create(settings.master_key_file, on_create=_announce_new_key)
        db = Database.from_url(settings.database_url)
        try:
            await db.migrate()
            vault = Vault(keyring)
            async with db.transaction() as session:
                await vault.verify(session)
        except BaseException:
            await db.close()
            raise
        from outbox.routes import Routes, configure

        configure(Routes(mail=settings.mail_enabled, public_url=settings.public_url))
        return cls(settings=settings, db=db, vault=vault, clock=clock or Clock())

    async def close(self) -> None:
        await self.db.close()


__all__ = ["MasterKeyError", "Runtime"]
