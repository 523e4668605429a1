#!/usr/bin/env python3
"""Web check-in benchmark: complete check-ins over HTTP against the real app on SQLite.

    python bench/web_checkin.py [--people 50] [--checkins 200] [--seconds 40] [--think 1.0]

The app runs in its own process (as in production); this process is the load
generator on loopback: one aiohttp ClientSession (one cookie jar) per young person,
all of them at once. Each check-in is 7 form posts (cards x2, Done, amount, help,
words, plus opening it), each followed by the GET it redirects to, timed one by one.
PINs (argon2, slow on purpose) are checked once per person before the timed part
and reported separately. A bare aiohttp "hello" handler, in its own process, is
measured at the same concurrency as the reference.

Two runs: at a young person's pace (a pause of about --think seconds between taps,
which is still quicker than anyone reads and chooses a card), and flat out (no pause
at all: every one of the young people taps again the instant a page arrives), which
shows the most the app can take.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import re
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
CHECKIN = [("choice", "go:checkin"), ("choice", "c:happy"), ("choice", "c:calm"),
           ("choice", "done"), ("choice", "a:a_lot"), ("choice", "h:talk"),
           ("words", "a good day at school")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_for(data: Path, port: int):  # type: ignore[no-untyped-def]
    from core.config import Settings

    return Settings(database_url=f"sqlite+aiosqlite:///{data}/heard.db",
                    master_key_file=data / "master.key", bot_token=None,
                    public_url=f"http://127.0.0.1:{port}", web_port=port,
                    _env_file=None)  # type: ignore[call-arg]


def serve_heard(data: str, port: int, ready: mp.Event) -> None:  # type: ignore[type-arg]
    import logging

    from aiohttp import web

    from domain.runtime import Runtime
    from web.app import init_app

    logging.basicConfig(level=logging.ERROR)  # only failures, not every request

    async def main() -> None:
        runtime = await Runtime.open(settings_for(Path(data), port))
        runner = web.AppRunner(init_app(runtime), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def serve_hello(port: int, ready: mp.Event) -> None:  # type: ignore[type-arg]
    from aiohttp import web

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/", hello)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


async def make_people(data: Path, port: int, count: int) -> list[str]:
    """Young people with a PIN set (made directly, as setting one is not what is timed)."""
    from domain.runtime import Runtime
    from domain import admin
    from storage.models import YoungPerson
    from domain.pins import set_pin

    runtime = await Runtime.open(settings_for(data, port))
    now = runtime.clock.now()
    codes = []
    try:
        async with runtime.db.transaction() as session:
            await admin.create_service(session, name="Bench", timezone="Europe/London", now=now)
            await admin.create_staff(session, service_name="Bench", name="Alex Morgan",
                                     email="alex@bench.example", role="keyworker", now=now,
                                     bot_username=None)
        for i in range(count):
            async with runtime.db.transaction() as session:
                made = await admin.create_young_person(
                    session, runtime.vault, service_name="Bench",
                    keyworker_email="alex@bench.example", nickname=f"YP{i}", now=now,
                    bot_username=None, public_url=runtime.settings.public_url)
                person = await session.get(YoungPerson, str(made["young_person_id"]))
                assert person is not None
                codes.append(await set_pin(session, runtime.vault, person, "digits", "2468", now))
    finally:
        await runtime.close()
    return codes


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.fields: dict[str, str] = {}
        self.times: list[float] = []
        self.post_times: list[float] = []

    async def get(self, path: str, timed: bool = True) -> str:
        start = time.perf_counter()
        async with self.http.get(self.base + path, allow_redirects=False) as resp:
            html = await resp.text()
            assert resp.status == 200, (path, resp.status)
        if timed:
            self.times.append(time.perf_counter() - start)
        self.fields = dict(_HIDDEN.findall(html))
        return html

    async def post(self, path: str, data: dict[str, str], timed: bool = True) -> str:
        body = {**self.fields, **data}
        start = time.perf_counter()
        async with self.http.post(self.base + path, data=body, allow_redirects=False) as resp:
            await resp.read()
            assert resp.status == 303, (path, resp.status)
            location = resp.headers["Location"]
        if timed:
            self.times.append(time.perf_counter() - start)
            self.post_times.append(self.times[-1])
        return await self.get(location, timed)

    async def close(self) -> None:
        await self.http.close()


async def log_in(base: str, code: str) -> tuple[Browser, float]:
    browser = Browser(base)
    await browser.get(f"/p/{code}", timed=False)
    start = time.perf_counter()
    await browser.post(f"/p/{code}", {"pin": "2468"}, timed=False)
    took = time.perf_counter() - start
    html = await browser.post("/me", {"choice": "ok"}, timed=False)  # the welcome, once
    assert "What would you like to do?" in html
    return browser, took


async def run_checkins(
    browsers: list[Browser], total: int, seconds: float, think: float
) -> tuple[int, float]:
    import random

    for b in browsers:
        b.times.clear()
        b.post_times.clear()
    done = 0
    deadline = time.perf_counter() + seconds

    async def one(browser: Browser) -> None:
        nonlocal done
        while done < total and time.perf_counter() < deadline:
            done += 1
            for name, value in CHECKIN:
                data = {name: value}
                if name == "words":
                    data["send"] = "1"
                if think:
                    await asyncio.sleep(random.uniform(0.5, 1.5) * think)
                html = await browser.post("/me", data)
            assert "Thank you" in html

    start = time.perf_counter()
    await asyncio.gather(*(one(b) for b in browsers))
    return done, time.perf_counter() - start


async def run_hello(base: str, concurrency: int, requests: int) -> tuple[list[float], float]:
    times: list[float] = []
    left = requests

    async def one(http: aiohttp.ClientSession) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            start = time.perf_counter()
            async with http.get(base + "/") as resp:
                await resp.read()
            times.append(time.perf_counter() - start)

    start = time.perf_counter()
    sessions = [aiohttp.ClientSession() for _ in range(concurrency)]
    try:
        await asyncio.gather(*(one(s) for s in sessions))
    finally:
        for s in sessions:
            await s.close()
    return times, time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main(args: argparse.Namespace) -> None:
    data = Path(tempfile.mkdtemp(prefix="heard-bench-"))
    port, hello_port = free_port(), free_port()
    print(f"making {args.people} young people with PINs ...", file=sys.stderr)
    codes = await make_people(data, port, args.people)
    ctx = mp.get_context("spawn")
    ready_a, ready_b = ctx.Event(), ctx.Event()
    procs = [ctx.Process(target=serve_heard, args=(str(data), port, ready_a), daemon=True),
             ctx.Process(target=serve_hello, args=(hello_port, ready_b), daemon=True)]
    for p in procs:
        p.start()
    try:
        assert ready_a.wait(60) and ready_b.wait(60), "servers did not start"
        base = f"http://127.0.0.1:{port}"
        logins = await asyncio.gather(*(log_in(base, c) for c in codes))
        browsers = [b for b, _ in logins]
        login_times = [t for _, t in logins]
        runs = []
        for think in (args.think, 0.0):
            done, took = await run_checkins(browsers, args.checkins, args.seconds, think)
            runs.append((think, done, took, [t for b in browsers for t in b.times],
                         [t for b in browsers for t in b.post_times]))
        for b in browsers:
            await b.close()
        times = runs[-1][3]  # the hello run makes as many requests as the last run
        hello_times, hello_took = await run_hello(f"http://127.0.0.1:{hello_port}",
                                                  args.people, len(times))
    finally:
        for p in procs:
            p.terminate()
            p.join(5)

    hello_p50, hello_p99 = pct(hello_times, 0.50), pct(hello_times, 0.99)
    print(f"web check-in benchmark: {args.people} young people at once, SQLite, loopback")
    print(f"log-in (argon2 PIN check, once per person, not in the timed part): "
          f"p50 {pct(login_times, 0.5):.0f} ms, max {max(login_times) * 1000:.0f} ms")
    print(f"{'':34} {'check-ins/s':>11} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for think, done, took, times, _posts in runs:
        name = f"heard, pause ~{think:g} s between taps" if think else "heard, flat out (no pause)"
        print(f"{name:34} {done / took:11.1f} {len(times) / took:7.0f} {pct(times, 0.5):7.1f} "
              f"{pct(times, 0.99):7.1f} {max(times) * 1000:7.1f}")
    print(f"{'bare aiohttp hello, flat out':34} {'':11} {len(hello_times) / hello_took:7.0f} "
          f"{hello_p50:7.1f} {hello_p99:7.1f} {max(hello_times) * 1000:7.1f}")
    for think, done, took, times, posts in runs:
        label = f"pause ~{think:g} s" if think else "flat out"
        print(f"ratio heard/hello ({label}): p50 {pct(times, 0.5) / hello_p50:.1f}x, "
              f"p99 {pct(times, 0.99) / hello_p99:.1f}x; {done} check-ins, {len(times)} requests, "
              f"mean {statistics.mean(times) * 1000:.1f} ms; "
              f"p99 < 50 ms: {'met' if pct(times, 0.99) < 50 else 'NOT met'}; "
              f"form posts alone p50 {pct(posts, 0.5):.1f} / p99 {pct(posts, 0.99):.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--checkins", type=int, default=200, help="stop each run after this many")
    parser.add_argument("--seconds", type=float, default=40, help="or after this long")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between taps (s)")
    asyncio.run(main(parser.parse_args()))
