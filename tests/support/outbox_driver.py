"""Moved to ``testkit.outbox`` (shared with the benchmarks); this name still works."""

from testkit.outbox import ScriptedTransport, drain, pending, queue, simulated_sender

__all__ = ["ScriptedTransport", "drain", "pending", "queue", "simulated_sender"]
