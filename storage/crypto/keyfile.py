"""The master key file as a running process sees it: re-read when it changes.

Another process (``admin rotate-key``, or a scheduled retirement) may replace the
file while Heard runs. A process that meets a key id it does not know looks at the
file's identity (inode, size, modification time: one ``stat``) and re-reads it only
if it changed, so however many unknown ids arrive the file is read once per change;
a file that failed to load is not read again until it changes. SIGHUP re-reads it
at once, and each scheduler pass re-reads it if it changed (so retired keys leave
memory). A file that cannot be read keeps the keys already loaded: a bad edit never
takes a running service down.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from storage.crypto.keyring import Keyring, MasterKeyError

log = logging.getLogger(__name__)

def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class KeyFile:
    """The current ``Keyring`` of one master key file."""

    def __init__(self, ring: Keyring) -> None:
        if ring.path is None:
            raise MasterKeyError("a live key file needs a path")
        self.path = ring.path
        self.ring = ring
        self._signature = _signature(self.path)
        self._failed: tuple[int, int, int] | None = None
        self.reloads = 0

    def refresh(self, *, force: bool = False) -> bool:
        """Re-read the file if it changed (or always, with ``force``). True if reloaded."""
        signature = _signature(self.path)
        if not force and signature in (self._signature, self._failed):
            return False
        try:
            ring = Keyring.load(self.path)
        except MasterKeyError as exc:
            self._failed = signature
            log.error("kept the master keys already loaded: %s", exc)
            return False
        self.reloads += 1
        before, self.ring, self._signature = self.ring.key_ids, ring, signature
        if before != ring.key_ids:
            log.info("master key file re-read: keys %s (were %s)", ring.key_ids, before)
        return True

    def with_key(self, kid: str) -> Keyring:
        """The keyring, re-read first if it does not hold ``kid`` and the file changed."""
        if not self.ring.has(kid):
            self.refresh()
        return self.ring


@contextlib.contextmanager
def exclusive(path: Path, *, wait: bool) -> Iterator[bool]:
    """Hold the key file's lock (``<file>.lock``) against other processes on this
    machine. Yields False when ``wait`` is off and another process holds it."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
