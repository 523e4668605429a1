"""Outbox throughput: the sender against raw aiogram calls, on one local stand-in.

    python bench/outbox.py [--messages 10000] [--chats 2000]

1. Enqueue N messages to C chats, drain them through the sender (rate limits off)
   to a local instant-answering Bot API stand-in; report messages/s and p99
   enqueue-to-send latency.
2. Send N raw ``bot.send_message`` calls to the same stand-in, with the same
   concurrency, in the same run; report messages/s and the ratio (wall time and
   CPU time of this process, which also runs the stand-in).
3. With limits on (25/s overall, 1/s per chat), a short bounded run, and the
   busiest one-second window overall and per chat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import select  # noqa: E402

from core.clock import Clock  # noqa: E402
from core.config import Settings  # noqa: E402
from domain.runtime import Runtime  # noqa: E402
from bot.transport import TelegramTransport  # noqa: E402
from outbox.message import Message  # noqa: E402
from outbox.queue import enqueue  # noqa: E402
from outbox.sender import Sender, SenderSettings  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402

TOKEN = "123456:BENCH"
CONCURRENCY = 16


class StandIn:
    """Answers sendMessage at once and notes when each arrived."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, int]] = []
        self._n = 0

    async def handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        chat_id = int(str(form.get("chat_id", "0")))
        self.arrivals.append((time.monotonic(), chat_id))
        self._n += 1
        return web.Response(
            text=json.dumps({"ok": True, "result": {
                "message_id": self._n, "date": 0, "chat": {"id": chat_id, "type": "private"},
                "text": str(form.get("text", ""))}}),
            content_type="application/json")

    async def start(self) -> tuple[web.AppRunner, str]:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return runner, f"http://127.0.0.1:{port}"


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def fill(runtime: Runtime, n: int, chats: int) -> None:
    per_tx = 500
    for start in range(0, n, per_tx):
        async with runtime.db.transaction() as session:
            for i in range(start, min(n, start + per_tx)):
                await enqueue(session, runtime.vault, chat_id=1_000_000 + i % chats,
                              message=Message(text=f"message {i}"), kind="bench",
                              now=runtime.clock.now())


async def drain(sender: Sender, runtime: Runtime, n: int) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    sent = 0
    while sent < n:
        got = await sender.run_once()
        if got == 0:
            async with runtime.db.transaction() as session:
                left = await session.scalar(select(OutboxMessage.id).where(
                    OutboxMessage.status == "pending").limit(1))
            if left is None:
                break
            await asyncio.sleep(0.001)
        sent += got
    await sender.flush()  # the last batch's "sent" is committed inside the timing
    return time.perf_counter() - start, time.process_time() - cpu


async def raw(bot: Bot, n: int, chats: int) -> tuple[float, float]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with gate:
            await bot.send_message(1_000_000 + i % chats, f"message {i}")

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - start, time.process_time() - cpu


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=2_000)
    parser.add_argument("--limited-seconds", type=float, default=6.0)
    args = parser.parse_args()

    stand_in = StandIn()
    runner, url = await stand_in.start()
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
                            master_key_file=Path(tmp) / "master.key", _env_file=None)  # type: ignore[call-arg]
        runtime = await Runtime.open(settings, clock=Clock())
        try:
            # -- 1. the outbox, limits off
            t0 = time.perf_counter()
            await fill(runtime, args.messages, args.chats)
            enqueue_s = time.perf_counter() - t0
            sender = Sender(runtime.db, runtime.vault, TelegramTransport(bot), runtime.clock,
                            SenderSettings(rate_global=1e9, rate_per_chat=1e9, batch=200,
                                           concurrency=CONCURRENCY))
            drain_s, drain_cpu = await drain(sender, runtime, args.messages)
            async with runtime.db.transaction() as session:
                rows = (await session.execute(select(OutboxMessage.created_at,
                                                     OutboxMessage.sent_at))).all()
            latencies = [(s - c).total_seconds() for c, s in rows if s is not None]
            assert len(latencies) == args.messages, f"only {len(latencies)} sent"
            outbox_rate = args.messages / drain_s

            # -- 2. raw aiogram, same server, same concurrency
            raw_s, raw_cpu = await raw(bot, args.messages, args.chats)
            raw_rate = args.messages / raw_s

            # -- 3. limits on, a short bounded run
            stand_in.arrivals.clear()
            limited_n = int(30 * args.limited_seconds)  # more than 25/s can take
            await fill(runtime, limited_n, 60)
            paced = Sender(runtime.db, runtime.vault, TelegramTransport(bot), runtime.clock,
                           SenderSettings(rate_global=25, rate_per_chat=1,
                                          concurrency=CONCURRENCY, idle_poll=0.05,
                                          lease=timedelta(seconds=60)))
            stop = asyncio.Event()
            task = asyncio.create_task(paced.run_forever(stop))
            await asyncio.sleep(args.limited_seconds)
            stop.set()
            await task
            arrivals = list(stand_in.arrivals)

            overall = busiest_second([t for t, _ in arrivals])
            per_chat = max(busiest_second([t for t, c in arrivals if c == chat])
                           for chat in {c for _, c in arrivals}) if arrivals else 0
        finally:
            await runtime.close()
            await bot.session.close()
            await runner.cleanup()

    print(f"messages: {args.messages} to {args.chats} chats (SQLite, one sender, "
          f"concurrency {CONCURRENCY})")
    print(f"enqueue:            {args.messages / enqueue_s:10.0f} msg/s")
    print(f"outbox sender:      {outbox_rate:10.0f} msg/s   wall {drain_s:.2f} s, CPU {drain_cpu:.2f} s"
          f"   p99 enqueue-to-send {p99(latencies):.2f} s (all queued first)")
    print(f"raw aiogram:        {raw_rate:10.0f} msg/s   wall {raw_s:.2f} s, CPU {raw_cpu:.2f} s")
    print(f"ratio raw/outbox:   {raw_rate / outbox_rate:10.2f}x wall, "
          f"{drain_cpu / raw_cpu:.2f}x CPU   (target <= 1.5x)")
    print(f"limits on ({args.limited_seconds:.0f} s, {limited_n} queued to 60 chats): sent {len(arrivals)}, busiest "
          f"second overall {overall} (limit 25), busiest second per chat {per_chat} (limit 1)")


if __name__ == "__main__":
    asyncio.run(main())
