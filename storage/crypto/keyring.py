"""The master key file: one or more key-encryption keys (KEKs), each with an id.

Holding several KEKs at once lets an operator rotate: add a new active KEK, re-wrap
the data keys (small), and retire (destroy) the old one, without touching any
ciphertext. Retiring is what makes an erased young person unreadable in old backups:
their data key was only ever wrapped by KEKs that no longer exist anywhere.

The file must be private to the user Heard runs as: one that others can read (or
change) is refused, because with it and any copy of the database everything opens.

File format (JSON, mode 0600)::

    {"active": "k2", "keys": {"k1": "<base64 32 bytes>", "k2": "<base64 32 bytes>"}}
"""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

from storage.crypto.cipher import DataCipher, DecryptError, new_data_key

# Known plaintext stored (encrypted) in the database per KEK, so start-up can tell
# a wrong master key file from a right one before anything is read or written.
CHECK_PLAINTEXT = b"heard master key check v1"


class MasterKeyError(Exception):
    """The master key file is missing, unreadable, or does not fit this database."""


class Keyring:
    def __init__(self, keys: dict[str, bytes], active: str, path: Path | None = None) -> None:
        if active not in keys:
            raise MasterKeyError(f"the active key id {active!r} is not in the master key file")
        self._keys = dict(keys)
        self.active_id = active
        self.path = path

    # -- file handling -------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> Keyring:
        check_private(path)
        try:
            raw = json.loads(path.read_text("utf-8"))
            keys = {kid: base64.b64decode(val, validate=True) for kid, val in raw["keys"].items()}
            active = raw["active"]
        except FileNotFoundError:
            raise MasterKeyError(f"master key file {path} does not exist") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MasterKeyError(f"master key file {path} is not a valid Heard key file") from exc
        if any(len(k) != 32 for k in keys.values()):
            raise MasterKeyError(f"master key file {path} holds a key that is not 32 bytes")
        return cls(keys, active, path)

    @classmethod
    def load_or_create(
        cls, path: Path, *, on_create: Callable[[Path], None] | None = None
    ) -> Keyring:
        if path.exists():
            return cls.load(path)
        ring = cls({"k1": new_data_key()}, "k1", path)
        ring.save()
        if on_create:
            on_create(path)
        return ring

    def save(self) -> None:
        """Replace the file atomically: a crash leaves the old file or the new one,
        never half of either (write a private temporary file, fsync, rename, fsync
        the directory so the rename itself survives a power cut)."""
        if self.path is None:
            raise MasterKeyError("this keyring has no file to save to")
        make_private_dir(self.path.parent)
        body = json.dumps(
            {
                "active": self.active_id,
                "keys": {kid: base64.b64encode(k).decode() for kid, k in self._keys.items()},
            },
            indent=2,
        )
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def add_key(self, *, activate: bool = True) -> str:
        """Add a fresh KEK (for rotation) and return its id.

        Ids only ever grow (one past the highest), so an id is never reused for
        different key material after older keys were retired.
        """
        numbers = [int(k[1:]) for k in self._keys if k[:1] == "k" and k[1:].isdigit()]
        kid = f"k{max(numbers, default=0) + 1}"
        self._keys[kid] = new_data_key()
        if activate:
            self.active_id = kid
        return kid

    def retain_only(self, kid: str) -> list[str]:
        """Destroy every KEK but ``kid`` (which becomes active); return the destroyed ids."""
        if kid not in self._keys:
            raise MasterKeyError(f"key {kid!r} is not in the master key file")
        gone = [k for k in self._keys if k != kid]
        self._keys = {kid: self._keys[kid]}
        self.active_id = kid
        return gone

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def has(self, kid: str) -> bool:
        return kid in self._keys

    # -- wrapping ----------------------------------------------------------------

    def _cipher(self, kid: str) -> DataCipher:
        try:
            return DataCipher(self._keys[kid])
        except KeyError:
            raise MasterKeyError(
                f"data is wrapped with key {kid!r}, which is not in the master key file"
            ) from None

    def wrap(self, data_key: bytes, owner: str, kid: str | None = None) -> tuple[str, bytes]:
        """Wrap a data key with a KEK (the active one unless named), bound to its owner."""
        kid = kid or self.active_id
        return kid, self._cipher(kid).encrypt(data_key, _owner_aad(owner))

    def unwrap(self, kid: str, wrapped: bytes, owner: str) -> bytes:
        try:
            return self._cipher(kid).decrypt(wrapped, _owner_aad(owner))
        except DecryptError as exc:
            raise MasterKeyError(
                f"a data key does not open with master key {kid!r}: wrong master key file?"
            ) from exc

    def make_check(self, kid: str | None = None) -> tuple[str, bytes]:
        kid = kid or self.active_id
        return kid, self._cipher(kid).encrypt(CHECK_PLAINTEXT, b"heard:kek-check:" + kid.encode())

    def verify_check(self, kid: str, blob: bytes) -> None:
        try:
            ok = self._cipher(kid).decrypt(blob, b"heard:kek-check:" + kid.encode()) == CHECK_PLAINTEXT
        except DecryptError:
            ok = False
        if not ok:
            where = self.path or "the master key file"
            raise MasterKeyError(
                f"{where} does not match this database (key {kid!r} fails its check). "
                "Use the master key file this database was created with; nothing was changed."
            )


def check_private(path: Path) -> None:
    """Refuse a key file that other users can read or change."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        raise MasterKeyError(f"master key file {path} does not exist") from None
    if mode & 0o077:
        raise MasterKeyError(
            f"master key file {path} can be read or changed by other users (mode {mode:04o}). "
            f"Anyone who can read it can read everything young people said. "
            f"Make it private with: chmod 600 {path}"
        )


def make_private_dir(path: Path) -> None:
    """Create a directory only this user can enter (an existing one is left as it is)."""
    if path.exists():
        return
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # mkdir's mode is reduced by the umask


def _owner_aad(owner: str) -> bytes:
    return b"heard:data-key:" + owner.encode()

