"""The database fault watch: one log line per fault episode (not one per tap), a
reminder every ten minutes while it lasts, and the end of an episode told once.
Driven by a simulated clock."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import OperationalError

from storage.faults import FaultWatch, is_connection_lost, is_database_fault


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _full() -> OperationalError:
    return OperationalError("INSERT ...", {"secret": "x"}, Exception("database or disk is full"))


def _gone() -> OperationalError:
    return OperationalError("SELECT 1", None, ConnectionRefusedError("connection refused"))


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "storage.faults"]


def test_a_hundred_failures_are_one_line_then_a_reminder_then_one_all_clear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    ticks = Ticks()
    watch = FaultWatch(ticks)
    for _ in range(111):
        watch.failed(_full())
        ticks.now += 0.5
    assert len(_lines(caplog)) == 1
    assert "database or disk is full" in _lines(caplog)[0]
    assert "secret" not in caplog.text and "INSERT" not in caplog.text  # no statement, no data
    ticks.now += 600
    watch.failed(_full())
    assert len(_lines(caplog)) == 2 and "still failing" in _lines(caplog)[1]
    watch.answered()  # a full disk still answers a SELECT: not over
    assert watch.current is not None
    watch.wrote()
    assert watch.current is None
    assert len(_lines(caplog)) == 3 and "working again" in _lines(caplog)[2]


def test_flapping_episodes_within_a_minute_are_counted_not_told(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    ticks = Ticks()
    watch = FaultWatch(ticks)
    for _ in range(5):
        watch.failed(_full())
        ticks.now += 5
        watch.wrote()
    assert [line.split(":")[0] for line in _lines(caplog)] == [
        "database fault", "database working again after 5 s (1 failed units of work)"]
    ticks.now += 61
    watch.failed(_full())
    assert len(_lines(caplog)) == 3


def test_an_unreachable_database_is_over_when_it_answers_after_a_quiet_spell() -> None:
    ticks = Ticks()
    watch = FaultWatch(ticks)
    watch.failed(_gone())
    assert watch.current is not None and watch.current.kind == "unreachable"
    ticks.now += 5
    watch.answered()  # failures a moment ago: a SELECT alone does not prove it
    assert watch.current is not None
    ticks.now += 30
    watch.answered()
    assert watch.current is None


def test_what_counts_as_a_database_fault() -> None:
    from sqlalchemy.exc import IntegrityError

    assert is_database_fault(_full()) and not is_connection_lost(_full())
    assert is_database_fault(_gone()) and is_connection_lost(_gone())
    assert not is_database_fault(IntegrityError("INSERT", None, Exception("UNIQUE")))
    assert not is_database_fault(ValueError("a bug"))
