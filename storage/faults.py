"""Database faults: told once per episode, not once per tap.

An episode starts with the first unit of work that fails because the database
could not be reached or could not write (a lost connection, a full disk). It ends
when the database works again: a unit of work that wrote something commits, or a
health check reaches it after a quiet half minute with no failures (a full disk
still answers a SELECT, so for that only a write counts). While it lasts
every further failure is only counted, with a reminder in the log every ten
minutes, so an operator reads one line instead of a hundred a minute; /healthz
reports it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)

REMIND_EVERY = 600.0  # seconds between "still failing" lines
# A nearly full disk lets some writes through and not others, so episodes can flap:
# an episode starting this soon after the last one was told is counted, not told.
TELL_AGAIN_AFTER = 60.0
QUIET = 30.0  # seconds without a failure before an answered health check ends it


def is_database_fault(error: BaseException) -> bool:
    """The database could not do what was asked -- not a mistake in what was asked."""
    if isinstance(error, (sa_exc.IntegrityError, sa_exc.DataError, sa_exc.ProgrammingError)):
        return bool(getattr(error, "connection_invalidated", False))
    # A refused or dropped connection may surface as the socket's own error.
    return isinstance(error, (sa_exc.DBAPIError, sa_exc.TimeoutError, ConnectionError))


def is_connection_lost(error: BaseException) -> bool:
    """The connection went away under us: a fresh one may well work."""
    return bool(getattr(error, "connection_invalidated", False)) or (
        is_database_fault(error) and _kind(error) == "unreachable")


def _kind(error: BaseException) -> str:
    text = describe(error).lower()
    if "full" in text:
        return "full"
    if any(word in text for word in ("connect", "closed", "terminat", "shutdown", "refused")):
        return "unreachable"
    return "other"


def describe(error: BaseException) -> str:
    """A short reason an operator can act on. The driver's own message, never the
    statement or its parameters (they may hold ids or ciphertext)."""
    orig = getattr(error, "orig", None) or error
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return f"{type(orig).__name__}: {first}"[:200]


@dataclass
class Fault:
    reason: str
    kind: str  # full | unreachable | other
    started: float
    failures: int = 1
    told_at: float = 0.0
    last: float = 0.0
    told: bool = True


class FaultWatch:
    """One per process (on the Database): the open fault episode, if any."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.current: Fault | None = None
        self._last_told = float("-inf")

    def failed(self, error: BaseException) -> None:
        now = self._clock()
        fault = self.current
        if fault is None:
            told = now - self._last_told >= TELL_AGAIN_AFTER
            self.current = Fault(describe(error), _kind(error), now, told_at=now, last=now,
                                 told=told)
            if told:
                self._last_told = now
                log.error("database fault: %s -- taps get a kind 'try again'; said once "
                          "until it works again", self.current.reason)
            return
        fault.failures += 1
        fault.last = now
        if now - fault.told_at >= REMIND_EVERY:
            fault.told_at = now
            log.error("database still failing after %.0f s (%d units of work): %s",
                      now - fault.started, fault.failures, describe(error))

    def wrote(self) -> None:
        """A unit of work that wrote something committed: the database works."""
        self._end()

    def answered(self) -> None:
        """The database answered a query: over, unless units of work failed lately
        (it may answer a SELECT and still refuse every write) or the disk is full."""
        fault = self.current
        if fault is not None and fault.kind != "full" and self._clock() - fault.last >= QUIET:
            self._end()

    def _end(self) -> None:
        fault, self.current = self.current, None
        if fault is not None and fault.told:
            log.warning("database working again after %.0f s (%d failed units of work)",
                        self._clock() - fault.started, fault.failures)
