"""Benchmark: a Telegram check-in in Heard against a bare echo bot and a typical aiogram
bot, all three in one process, taking turns (A B C A B C ...).

Each turn is one check-in's worth of updates for one bot: 7 updates (/checkin, two
cards, Done, "A lot", a help choice, a few words). The echo bot gets 7 text messages
and answers each with one sendMessage. The typical bot (bench/peer_bot.py) and Heard
walk the check-in and make the same 13 Bot API calls; Heard's turn includes its outbox
sender delivering the keyworker's message. Updates go to each bot's real Dispatcher
(``feed_update``) and every bot talks to the same in-memory Bot API (testkit.telegram:
aiogram's own request preparation and response parsing, no network), so what is
measured is each bot's own cost.

CPU time per update is the primary figure: ``time.process_time`` (all threads of this
process, so the typical bot's aiosqlite thread counts) around each update and each
delivery. Taking turns means a busy machine slows all three alike. Peak memory is measured apart: each
bot runs alone in a process of its own, which reads its own VmHWM from
/proc/self/status after 1,000 and 10,000 check-ins.

    python bench/checkin.py [--checkins 1000] [--people 200] [--memory 1000,10000]
    python bench/checkin.py --profile 300      # cProfile of Heard's turns only
    py-spy record -- python bench/checkin.py --alone heard --memory 400   # Heard alone
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Only what all three bots need is imported here. Each bot's own modules are imported
# where that bot is built, so a bot measured alone in its own process carries only
# its own imports in its peak memory (the echo bot never loads SQLAlchemy or Pillow).
from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.methods import TelegramMethod  # noqa: E402
from aiogram.types import Message as TgMessage  # noqa: E402
from aiogram.types import Update  # noqa: E402

from testkit.telegram import InProcessTelegram, MemoryBotAPI, TelegramUser  # noqa: E402

TOKEN = "42:BENCH"
CARDS = [("Worried", "Tired"), ("Happy", "Calm"), ("Sad", "Lonely"), ("Angry", "Frustrated")]
FIRST_USER, FIRST_KEYWORKER = 100_000, 900_000
UPDATES_PER_CHECKIN = 7


# -- measuring ---------------------------------------------------------------------------


@dataclass
class Figures:
    cpu: float = 0.0  # seconds of process CPU time
    main_cpu: float = 0.0  # of which on the event loop's own thread (the rest: other threads)
    wall: float = 0.0  # seconds of wall time in this bot's turns
    updates: int = 0
    samples: list[float] = field(default_factory=list)  # wall time of each update


class TimedTelegram(InProcessTelegram):
    """Feeds updates like InProcessTelegram, timing only the bot's part: parsing the
    update and the Dispatcher's work (building the update's JSON is the harness's)."""

    figures: Figures | None = None

    async def _feed(self, raw: dict[str, Any]) -> Any:
        cpu0, main0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
        update = Update.model_validate(raw, context={"bot": self.bot})
        result = await self.dispatcher.feed_update(self.bot, update)
        if isinstance(result, TelegramMethod):
            await self.bot(result)
        wall = time.perf_counter() - wall0
        if self.figures is not None:
            self.figures.cpu += time.process_time() - cpu0
            self.figures.main_cpu += time.thread_time() - main0
            self.figures.wall += wall
            self.figures.updates += 1
            self.figures.samples.append(wall)
        return result


async def timed(figures: Figures | None, work: Callable[[], Awaitable[Any]]) -> Any:
    """Time work that is part of a bot's turn but not an update (Heard's delivery)."""
    cpu0, main0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
    result = await work()
    if figures is not None:
        figures.cpu += time.process_time() - cpu0
        figures.main_cpu += time.thread_time() - main0
        figures.wall += time.perf_counter() - wall0
    return result


def memory_kb() -> dict[str, int]:
    """This process's own peak and current resident memory, from the kernel."""
    with open("/proc/self/status") as fh:
        fields = dict(line.split(":", 1) for line in fh if ":" in line)
    return {k: int(fields[k].split()[0]) for k in ("VmHWM", "VmRSS")}


# -- the three bots ------------------------------------------------------------------------


class EchoBot:
    name = "echo"

    def __init__(self, people: int) -> None:
        self.api = MemoryBotAPI(record=False)
        self.bot = Bot(TOKEN, session=self.api)
        dp = Dispatcher()

        @dp.message()
        async def echo(message: TgMessage) -> None:
            await message.answer(message.text or "\u2026")

        self.telegram = TimedTelegram(dp, self.bot, self.api)
        self.users = [self.telegram.user(FIRST_USER + i) for i in range(people)]

    async def checkin(self, n: int) -> None:
        user = self.users[n % len(self.users)]
        for _ in range(UPDATES_PER_CHECKIN):
            await user.send("hello")

    async def close(self) -> None:
        await self.bot.session.close()


async def walk_checkin(user: TelegramUser, n: int) -> None:
    first, second = CARDS[n % len(CARDS)]
    await user.send("/checkin")
    for label in (first, second, "Done", "A lot", "Just sit with me"):
        await user.tap(label)
    await user.send("a hard day at school")


class TypicalBot:
    name = "peer"

    def __init__(self, template: Path, workdir: Path, people: int, keyworkers: int) -> None:
        from bench.peer_bot import PeerBot

        self.api = MemoryBotAPI(record=False)
        self.bot = Bot(TOKEN, session=self.api)
        keyworker_of = {FIRST_USER + i: FIRST_KEYWORKER + i % keyworkers for i in range(people)}
        # Its card sheet is a ready-made picture file, as such a bot would ship one.
        self.peer = PeerBot(f"sqlite+aiosqlite:///{workdir}/peer.db",
                            (template / "cards.png").read_bytes(), keyworker_of)
        self.telegram = TimedTelegram(self.peer.dispatcher, self.bot, self.api)
        self.users = [self.telegram.user(FIRST_USER + i) for i in range(people)]

    async def start(self) -> None:
        await self.peer.create_tables()

    async def checkin(self, n: int) -> None:
        await walk_checkin(self.users[n % len(self.users)], n)

    async def close(self) -> None:
        await self.peer.close()
        await self.bot.session.close()


class HeardBot:
    name = "heard"

    def __init__(self, workdir: Path, people: int) -> None:
        self.workdir = workdir
        self.people = people

    async def start(self) -> None:
        from domain.runtime import Runtime
        from testkit.heard import HeardOnTelegram

        self.runtime = await Runtime.open(bench_settings(self.workdir))
        self.heard = await HeardOnTelegram.start(self.runtime, token=TOKEN,
                                                 bot_username="bench_bot", record=False)
        tg = self.heard.telegram
        self.telegram = TimedTelegram(tg.dispatcher, tg.bot, tg.api)
        self.api = tg.api
        self.users = [self.telegram.user(FIRST_USER + i) for i in range(self.people)]

    async def checkin(self, n: int) -> None:
        await walk_checkin(self.users[n % len(self.users)], n)
        # The keyworker's message is part of a check-in: deliver it in this turn.
        delivered = await timed(self.telegram.figures, self.heard.deliver)
        if delivered != 1:
            raise AssertionError(f"expected one keyworker message, sent {delivered}")

    async def close(self) -> None:
        await self.heard.close()
        await self.runtime.close()


# -- set-up -------------------------------------------------------------------------------


def bench_settings(workdir: Path):  # type: ignore[no-untyped-def]
    from core.config import Settings

    # Rate limits off: they pace Telegram traffic, which is not what is measured here.
    return Settings(database_url=f"sqlite+aiosqlite:///{workdir}/heard.db",
                    master_key_file=workdir / "master.key", send_rate_global=1e9,
                    send_rate_per_chat=1e9, _env_file=None)  # type: ignore[call-arg]


def keyworker_count(people: int) -> int:
    return max(1, people // 20)


async def prepare_heard(workdir: Path, people: int) -> None:
    """A service, keyworkers on Telegram and consented young people. Done once, apart:
    staff passwords are hashed with argon2 (64 MiB each, by design), which is set-up,
    not check-in, cost."""
    from domain.runtime import Runtime
    from domain import admin
    from storage.models import Staff, YoungPerson

    from cards.deck import DECK
    from cards.sheet import render_sheet

    (workdir / "cards.png").write_bytes(render_sheet(tuple(c.id for c in DECK)))
    runtime = await Runtime.open(bench_settings(workdir))
    now = runtime.clock.now()
    try:
        async with runtime.db.transaction() as session:
            await admin.create_service(session, name="Bench", timezone="Europe/London", now=now)
            emails = []
            for k in range(keyworker_count(people)):
                made = await admin.create_staff(
                    session, service_name="Bench", name=f"Key Worker{k}",
                    email=f"k{k}@bench.example", role="keyworker", now=now,
                    bot_username="bench_bot")
                emails.append(str(made["email"]))
                staff = await session.get(Staff, made["staff_id"])
                assert staff is not None
                staff.telegram_user_id = staff.telegram_chat_id = FIRST_KEYWORKER + k
            for i in range(people):
                made = await admin.create_young_person(
                    session, runtime.vault, service_name="Bench",
                    keyworker_email=emails[i % len(emails)], nickname=f"YP{i}", now=now,
                    bot_username="bench_bot", public_url="http://127.0.0.1")
                person = await session.get(YoungPerson, made["young_person_id"])
                assert person is not None
                person.telegram_user_id = person.telegram_chat_id = FIRST_USER + i
                person.consented_at = now
    finally:
        await runtime.close()


def fresh_copy(template: Path, into: Path) -> Path:
    shutil.copytree(template, into)
    return into


# -- runs ---------------------------------------------------------------------------------


async def turns(template: Path, workdir: Path, checkins: int, people: int,
                profile: cProfile.Profile | None = None) -> dict[str, Any]:
    echo = EchoBot(people)
    peer = TypicalBot(template, workdir, people, keyworker_count(people))
    heard = HeardBot(fresh_copy(template, workdir / "heard"), people)
    await peer.start()
    await heard.start()
    bots = [echo, peer, heard]
    # One check-in each first, not measured: pictures uploaded, caches warm.
    for bot in bots:
        await bot.checkin(-1 % people)
    calls_before = {bot.name: sum(bot.api.counts.values()) for bot in bots}
    figures = {bot.name: Figures() for bot in bots}
    for bot in bots:
        bot.telegram.figures = figures[bot.name]
    for n in range(checkins):
        for bot in bots:
            if profile is not None and bot is heard:
                profile.enable()
                await bot.checkin(n)
                profile.disable()
            else:
                await bot.checkin(n)
        if (n + 1) % 500 == 0:
            print(f"  \u2026 {n + 1} check-ins each", file=sys.stderr, flush=True)
    calls = {bot.name: (sum(bot.api.counts.values()) - calls_before[bot.name]) / checkins
             for bot in bots}
    for bot in bots:
        await bot.close()
    return {"figures": figures, "calls": calls}


async def alone(role: str, template: Path, workdir: Path, people: int,
                checkpoints: list[int]) -> list[dict[str, int]]:
    """One bot in this process and nothing else; its own VmHWM at each checkpoint."""
    bot: EchoBot | TypicalBot | HeardBot
    if role == "echo":
        bot = EchoBot(people)
    elif role == "peer":
        bot = TypicalBot(template, workdir, people, keyworker_count(people))
        await bot.start()
    else:
        bot = HeardBot(fresh_copy(template, workdir / "heard"), people)
        await bot.start()
    readings = [{"checkins": 0, **memory_kb()}]
    for n in range(max(checkpoints)):
        await bot.checkin(n)
        if n + 1 in checkpoints:
            readings.append({"checkins": n + 1, **memory_kb()})
    await bot.close()
    return readings


def run_alone(role: str, template: Path, people: int,
              checkpoints: list[int]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--alone", role, "--template", str(template),
         "--people", str(people), "--memory", ",".join(map(str, checkpoints))],
        stdout=subprocess.PIPE, text=True)


# -- report -------------------------------------------------------------------------------


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report_turns(result: dict[str, Any], checkins: int, people: int) -> None:
    figures: dict[str, Figures] = result["figures"]
    print(f"three bots in one process, taking turns; {checkins} check-ins each "
          f"({checkins * UPDATES_PER_CHECKIN} updates), {people} young people, SQLite")
    print("figures from this process: CPU = time.process_time() (all its threads) around "
          "each update and Heard's delivery, of which time.thread_time() on the event loop's "
          "thread (the rest: other threads, e.g. the typical bot's aiosqlite thread); "
          "wall = time.perf_counter() per update")
    print(f"{'bot':6} {'cpu/update':>11} {'(loop thread)':>13} {'p50 wall':>9} {'p99 wall':>9} "
          f"{'updates/s':>10} {'check-ins/s':>11} {'Bot API calls/check-in':>23}")
    for name, f in figures.items():
        print(f"{name:6} {f.cpu / f.updates * 1000:8.3f} ms {f.main_cpu / f.updates * 1000:10.3f} ms "
              f"{pct(f.samples, 0.5):6.2f} ms {pct(f.samples, 0.99):6.2f} ms "
              f"{f.updates / f.wall:10.0f} {checkins / f.wall:11.1f} {result['calls'][name]:23.1f}")
    heard, echo, peer = figures["heard"], figures["echo"], figures["peer"]
    per = {name: f.cpu / f.updates for name, f in figures.items()}
    print(f"ratio heard/echo cpu {per['heard'] / per['echo']:.2f} (target \u2264 3)")
    print(f"ratio heard/peer cpu {per['heard'] / per['peer']:.2f} (target \u2264 1.0)")
    print(f"ratio heard/echo p50 wall {pct(heard.samples, .5) / pct(echo.samples, .5):.2f}, "
          f"heard/peer p50 wall {pct(heard.samples, .5) / pct(peer.samples, .5):.2f}")


def report_memory(readings: dict[str, list[dict[str, int]]]) -> None:
    print("peak memory, each bot alone in a process of its own (its own VmHWM, read from "
          "/proc/self/status inside that process):")
    points = [r["checkins"] for r in next(iter(readings.values()))]
    labels = ["start" if p == 0 else "after " + format(p, ",") for p in points]
    print(f"{'bot':6} " + " ".join(f"{label:>14}" for label in labels))
    for name, rows in readings.items():
        print(f"{name:6} " + " ".join(f"{r['VmHWM'] / 1024:11.1f} MiB" for r in rows))
    last = {name: rows[-1]["VmHWM"] for name, rows in readings.items()}
    first = {name: rows[1]["VmHWM"] for name, rows in readings.items() if len(rows) > 2}
    if "heard" in last and "echo" in last:
        print(f"ratio heard/echo peak memory {last['heard'] / last['echo']:.2f} (target \u2264 1.25)")
    if "heard" in first:
        print(f"heard peak growth from {points[1]:,} to {points[-1]:,} check-ins: "
              f"{(last['heard'] - first['heard']) / 1024:+.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--checkins", type=int, default=1000, help="check-ins per bot, taking turns")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--memory", default="1000,10000",
                        help="check-in counts at which each bot's own peak memory is read; "
                        "'' to skip")
    parser.add_argument("--profile", type=int, metavar="N",
                        help="profile Heard's turns over N check-ins and print the top entries")
    parser.add_argument("--alone", choices=["echo", "peer", "heard"],
                        help="run one bot alone for the largest --memory count and print its "
                        "own memory readings (as the memory runs do; handy under a profiler)")
    parser.add_argument("--template", type=Path,
                        help="with --alone: a prepared data directory (made here if not given; its "
                        "set-up then counts in that process's peak memory)")
    args = parser.parse_args()
    checkpoints = [int(x) for x in args.memory.split(",") if x.strip()]

    if args.alone:
        with tempfile.TemporaryDirectory() as tmp:
            template = args.template
            if template is None:
                template = Path(tmp) / "template"
                template.mkdir()
                asyncio.run(prepare_heard(template, args.people))
            readings = asyncio.run(alone(args.alone, template, Path(tmp), args.people,
                                         checkpoints))
        print(json.dumps(readings))
        return

    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        asyncio.run(prepare_heard(template, args.people))
        if args.profile:
            profile = cProfile.Profile()
            asyncio.run(turns(template, Path(tmp) / "profile", args.profile, args.people,
                              profile))
            stats = pstats.Stats(profile).strip_dirs()
            print(f"Heard's turns, {args.profile} check-ins: top entries by own time")
            stats.sort_stats("tottime").print_stats(25)
            print("by cumulative time")
            stats.sort_stats("cumulative").print_stats(40)
            return
        result = asyncio.run(turns(template, Path(tmp) / "turns", args.checkins, args.people))
        report_turns(result, args.checkins, args.people)
        sys.stdout.flush()
        if checkpoints:
            children = {role: run_alone(role, template, args.people, checkpoints)
                        for role in ("echo", "peer", "heard")}
            readings = {}
            for role, child in children.items():
                out, _ = child.communicate()
                if child.returncode != 0:
                    raise SystemExit(f"the {role} memory run failed")
                readings[role] = json.loads(out.strip().splitlines()[-1])
            report_memory(readings)


if __name__ == "__main__":
    main()
