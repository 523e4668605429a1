"""Reliable delivery: every message that leaves Heard is first a row in the outbox,
written in the same transaction as the event that caused it, then sent by the
sender (``outbox.sender``) with retries, rate limits and priorities."""
