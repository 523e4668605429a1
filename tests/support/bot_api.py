"""Moved to ``testkit.bot_api`` (shared with the benchmarks); this name still works."""

from testkit.bot_api import Call, FakeBotAPI, FakeUser

__all__ = ["Call", "FakeBotAPI", "FakeUser"]
