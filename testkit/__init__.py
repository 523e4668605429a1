"""Test doubles shared by the tests and the benchmarks: an in-memory Telegram
(``testkit.telegram``), Heard wired to it (``testkit.heard``), the HTTP Bot API
stand-in (``testkit.bot_api``) and a sender on a simulated clock (``testkit.outbox``).
Nothing here is shipped or imported by Heard itself."""
