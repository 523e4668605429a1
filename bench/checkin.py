"""Benchmark: full Telegram check-ins through the dispatcher, against a bare echo bot.

Each check-in is a linked young person's /checkin → two cards → Done → "a lot" →
a help choice → a few words, with the keyworker's notification delivered by the
outbox sender running alongside. Updates are fed through aiogram's Dispatcher
(``feed_update``); the Bot API is a local stand-in in another process answering at
once, so the figures are Heard's own cost over the same HTTP client an echo bot pays.

    python bench/checkin.py [--checkins 10000] [--people 200]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.types import Message as TgMessage  # noqa: E402
from aiogram.types import Update  # noqa: E402

from app.config import Settings  # noqa: E402
from app.runtime import Runtime  # noqa: E402
from bot.factory import make_dispatcher  # noqa: E402
from bot.transport import TelegramTransport  # noqa: E402
from flows import admin  # noqa: E402
from outbox.sender import Sender, SenderSettings  # noqa: E402
from storage.models import OutboxMessage, Staff, YoungPerson  # noqa: E402

TOKEN = "42:BENCH"
CARDS = [("Worried", "Tired"), ("Happy", "Calm"), ("Sad", "Lonely"), ("Angry", "Frustrated")]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Keyboards:
    """Remembers the last inline keyboard the bot showed in each chat (from the Bot
    API's answers), so the bench can tap buttons the way a person would."""

    def __init__(self) -> None:
        self.last: dict[int, dict[str, str]] = {}
        self.message_id: dict[int, int] = {}

    async def __call__(self, make_request, bot, method):  # type: ignore[no-untyped-def]
        result = await make_request(bot, method)
        if isinstance(result, TgMessage) and result.reply_markup is not None:
            self.message_id[result.chat.id] = result.message_id
            self.last[result.chat.id] = {
                b.text: b.callback_data or ""
                for row in result.reply_markup.inline_keyboard for b in row
            }
        return result

    def data(self, chat_id: int, label: str) -> str:
        buttons = self.last[chat_id]
        if label in buttons:
            return buttons[label]
        return next(v for k, v in buttons.items() if k.endswith(label))


class Updates:
    def __init__(self) -> None:
        self.next_id = 1
        self.message_id = 10_000

    def _base(self) -> dict[str, Any]:
        self.next_id += 1
        return {"update_id": self.next_id}

    def text(self, user_id: int, text: str) -> Update:
        self.message_id += 1
        raw = self._base() | {"message": {
            "message_id": self.message_id, "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Y"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Y", "language_code": "en"},
            "text": text,
        }}
        if text.startswith("/"):
            raw["message"]["entities"] = [{"type": "bot_command", "offset": 0,
                                           "length": len(text.split()[0])}]
        return Update.model_validate(raw)

    def tap(self, user_id: int, data: str, message_id: int = 1) -> Update:
        raw = self._base() | {"callback_query": {
            "id": str(self.next_id), "chat_instance": "1",
            "from": {"id": user_id, "is_bot": False, "first_name": "Y"},
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": {"id": user_id, "type": "private", "first_name": "Y"},
                        "from": {"id": 42, "is_bot": True, "first_name": "Heard"},
                        "text": "…"},
            "data": data,
        }}
        return Update.model_validate(raw)


async def timed(dp: Dispatcher, bot: Bot, update: Update, samples: list[float]) -> None:
    t0 = time.perf_counter()
    await dp.feed_update(bot, update)
    samples.append(time.perf_counter() - t0)


async def set_up(runtime: Runtime, people: int) -> list[int]:
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        await admin.create_service(session, name="Bench", timezone="Europe/London", now=now)
        keyworkers = []
        for k in range(max(1, people // 20)):
            made = await admin.create_staff(session, service_name="Bench", name=f"Key Worker{k}",
                                            email=f"k{k}@bench.example", role="keyworker",
                                            now=now, bot_username="bench_bot")
            keyworkers.append(made["email"])
            staff = await session.get(Staff, made["staff_id"])
            staff.telegram_user_id = staff.telegram_chat_id = 900_000 + k
        users = []
        for i in range(people):
            made = await admin.create_young_person(
                session, runtime.vault, service_name="Bench",
                keyworker_email=keyworkers[i % len(keyworkers)], nickname=f"YP{i}", now=now,
                bot_username="bench_bot", public_url="http://127.0.0.1")
            person = await session.get(YoungPerson, made["young_person_id"])
            person.telegram_user_id = person.telegram_chat_id = 100_000 + i
            person.consented_at = now
            users.append(100_000 + i)
    return users


DATABASE_URL = "sqlite+aiosqlite:///{workdir}/bench.db"


def bench_settings(workdir: Path) -> Settings:
    return Settings(database_url=DATABASE_URL.format(workdir=workdir),
                    master_key_file=workdir / "master.key", _env_file=None)


async def prepare(workdir: Path, people: int) -> None:
    """Set up the service in the parent process: staff passwords are hashed with
    argon2 (64 MiB each, by design), which is set-up cost, not check-in cost."""
    if DATABASE_URL.startswith("postgresql"):
        from tests.conftest import _reset_postgres

        await _reset_postgres(DATABASE_URL)  # a benchmark database starts empty
    runtime = await Runtime.open(bench_settings(workdir))
    try:
        await set_up(runtime, people)
    finally:
        await runtime.close()


async def heard_run(base_url: str, checkins: int, people: int, workdir: Path) -> dict[str, Any]:
    runtime = await Runtime.open(bench_settings(workdir))
    users = [100_000 + i for i in range(people)]
    keyboards = Keyboards()
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    session.middleware(keyboards)
    bot = Bot(TOKEN, session=session)
    sender = Sender(runtime.db, runtime.vault, TelegramTransport(bot), runtime.clock,
                    SenderSettings(rate_global=1e9, rate_per_chat=1e9, idle_poll=0.05))
    dp = make_dispatcher(runtime.db, runtime.services, on_commit=sender.kick)
    stop = asyncio.Event()
    sender_task = asyncio.create_task(sender.run_forever(stop))
    updates, samples = Updates(), []
    started = time.perf_counter()
    rss_at: dict[int, float] = {}
    for n in range(checkins):
        uid = users[n % len(users)]
        first, second = CARDS[n % len(CARDS)]
        await timed(dp, bot, updates.text(uid, "/checkin"), samples)
        for label in (first, second, "Done", "A lot", "Just sit with me"):
            tap = updates.tap(uid, keyboards.data(uid, label), keyboards.message_id[uid])
            await timed(dp, bot, tap, samples)
        await timed(dp, bot, updates.text(uid, "a hard day at school"), samples)
        if (n + 1) % 1000 == 0 or n + 1 == checkins:
            rss_at[n + 1] = peak_rss_mb()
        if (n + 1) % 1000 == 0:
            print(f"  … {n + 1} check-ins", file=sys.stderr, flush=True)
    # Wait for the keyworkers' notifications to drain: they are part of a check-in.
    from sqlalchemy import func, select

    while True:
        async with runtime.db.transaction() as s:
            pending = await s.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.status == "pending"))
            sent = await s.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.status == "sent"))
        if not pending:
            break
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    stop.set()
    await sender_task
    await bot.session.close()
    await runtime.close()
    return {"elapsed": elapsed, "samples": samples, "sent": sent, "rss_at": rss_at}


async def echo_run(base_url: str, updates_n: int, users: int) -> dict[str, Any]:
    """The reference: an aiogram bot that answers every message with one sendMessage."""
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: TgMessage) -> None:
        await message.answer(message.text or "…")

    updates, samples = Updates(), []
    started = time.perf_counter()
    for n in range(updates_n):
        await timed(dp, bot, updates.text(100_000 + n % users, "hello"), samples)
    elapsed = time.perf_counter() - started
    await bot.session.close()
    return {"elapsed": elapsed, "samples": samples}


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def rss_now_mb() -> float:
    with open("/proc/self/status") as fh:
        fields = dict(line.split(":", 1) for line in fh)
    return int(fields["VmRSS"].split()[0]) / 1024


async def child(role: str, base_url: str, checkins: int, people: int,
                workdir: Path) -> dict[str, Any]:
    """One measured run in its own process, so each has its own peak RSS."""
    baseline = rss_now_mb()
    if role == "heard":
        result = await heard_run(base_url, checkins, people, workdir)
    else:
        result = await echo_run(base_url, checkins * 7, people)
    result["rss_after_imports"] = baseline
    result["peak_rss"] = peak_rss_mb()
    return result


def run_child(role: str, base_url: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    import json

    out = subprocess.run(
        [sys.executable, __file__, "--role", role, "--base-url", base_url,
         "--checkins", str(args.checkins), "--people", str(args.people),
         "--workdir", str(workdir), "--database-url", DATABASE_URL],
        check=True, stdout=subprocess.PIPE, text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    global DATABASE_URL
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkins", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--database-url", default=DATABASE_URL,
                        help="SQLAlchemy URL (default: a fresh SQLite file); a PostgreSQL "
                        "database given here is emptied first")
    parser.add_argument("--role", choices=["heard", "echo"], help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    DATABASE_URL = args.database_url
    if args.role:
        import json

        result = asyncio.run(
            child(args.role, args.base_url, args.checkins, args.people, args.workdir))
        print(json.dumps(result))
        return

    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bot_api_process.py"))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        base_url = server.stdout.readline().strip()  # type: ignore[union-attr]
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(prepare(Path(tmp), args.people))
            heard = run_child("heard", base_url, args, Path(tmp))
            echo = run_child("echo", base_url, args, Path(tmp))
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(10)

    h, e = heard["samples"], echo["samples"]
    h_mean, e_mean = statistics.fmean(h) * 1000, statistics.fmean(e) * 1000
    print(f"database: {DATABASE_URL.split(':', 1)[0]}; check-ins: {args.checkins} "
          f"({len(h)} updates, {heard['sent']} keyworker notifications sent)")
    print(f"heard: {args.checkins / heard['elapsed']:.1f} check-ins/s, "
          f"{len(h) / heard['elapsed']:.0f} updates/s, per update mean {h_mean:.2f} ms, "
          f"p50 {pct(h, 0.5):.2f} ms, p99 {pct(h, 0.99):.2f} ms")
    print(f"echo bot: {len(e) / echo['elapsed']:.0f} updates/s, per update mean {e_mean:.2f} ms, "
          f"p50 {pct(e, 0.5):.2f} ms, p99 {pct(e, 0.99):.2f} ms")
    print(f"ratio heard/echo per update: mean {h_mean / e_mean:.2f}x, "
          f"p50 {pct(h, 0.5) / pct(e, 0.5):.2f}x (target within 3x)")
    for n, mb in sorted(heard["rss_at"].items(), key=lambda kv: int(kv[0])):
        print(f"heard peak RSS after {n} check-ins: {mb:.0f} MB")
    print(f"peak RSS: heard {heard['peak_rss']:.0f} MB, echo bot {echo['peak_rss']:.0f} MB "
          f"(after imports alone: {heard['rss_after_imports']:.0f} MB and "
          f"{echo['rss_after_imports']:.0f} MB); target under 150 MB after 10,000 check-ins")


if __name__ == "__main__":
    main()
