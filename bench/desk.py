#!/usr/bin/env python3
"""Staff desk benchmark: "My young people" and a young person's page over HTTP.

    python bench/desk.py [--people 40] [--weeks 12] [--requests 200]

A keyworker with 40 young people, each with 12 weeks of check-ins (0 to 4 a day,
random), on the default SQLite store. The real app serves on loopback; one signed-in
client asks for each page ``--requests`` times, one after another, and each request
is timed. The reference, in the same run and the same process: a bare aiohttp handler
rendering a Jinja2 template that produces a page of the same size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

PASSWORD = "a long bench password"


async def seed(runtime, people: int, weeks: int) -> tuple[str, list[str], int]:  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    from domain import admin
    from storage.models import CheckIn, Staff, new_id

    rng = random.Random(10)
    now = runtime.clock.now()
    cards = ["happy", "calm", "worried", "tired", "sad", "angry", "proud", "bored"]
    amounts = ["a_little", "a_lot"]
    helps = ["talk", "sit", "space", "nothing"]
    async with runtime.db.transaction() as session:
        await admin.create_service(session, name="Bench", timezone="Europe/London", now=now)
        made = await admin.create_staff(session, service_name="Bench", name="Alex Bench",
                                        email="alex@bench.example", role="keyworker", now=now,
                                        bot_username=None)
        staff = await session.get(Staff, made["staff_id"])
        assert staff is not None
        staff.password_hash = PasswordHasher().hash(PASSWORD)
        staff.must_change_password = False
    ids, total = [], 0
    for n in range(people):
        async with runtime.db.transaction() as session:
            person = await admin.create_young_person(
                session, runtime.vault, service_name="Bench", keyworker_email="alex@bench.example",
                nickname=f"Young person {n}", now=now, bot_username=None,
                public_url=runtime.settings.public_url)
            pid = str(person["young_person_id"])
            ids.append(pid)
            await session.flush()  # the young person's row before their check-ins
            for day in range(weeks * 7):
                for _ in range(rng.randint(0, 4)):
                    at = now - timedelta(days=day, minutes=rng.randint(0, 600))
                    row_id = new_id()
                    payload = {"cards": rng.sample(cards, rng.randint(1, 3)),
                               "amount": rng.choice(amounts), "help": rng.choice(helps),
                               "words": rng.choice([None, "school was ok", "tired today"])}
                    session.add(CheckIn(
                        id=row_id, young_person_id=pid, channel="web", created_at=at,
                        acknowledged_at=at if day > 2 else None,
                        payload_ct=await runtime.vault.seal(session, pid, "checkins", row_id,
                                                            payload)))
                    total += 1
    return "alex@bench.example", ids, total


async def timed(session: aiohttp.ClientSession, url: str, count: int) -> tuple[list[float], int]:
    """Wall-clock ms of each request, and the page size. The process's CPU ms per request
    (client, server and the SQLite thread together) is kept in CPU_MS[url]: on a busy
    shared machine, wall time measures the queue for a CPU as much as the work."""
    times, size = [], 0
    cpu = time.process_time()
    for _ in range(count):
        start = time.perf_counter()
        async with session.get(url) as resp:
            body = await resp.read()
            assert resp.status == 200, (url, resp.status)
        times.append((time.perf_counter() - start) * 1000)
        size = len(body)
    CPU_MS[url] = (time.process_time() - cpu) * 1000 / count
    return times, size


CPU_MS: dict[str, float] = {}


def reference_app(size: int) -> web.Application:
    from jinja2 import Environment

    env = Environment(autoescape=True)
    template = env.from_string(
        "<!doctype html><html><head><title>{{ title }}</title></head><body><main><ul>"
        "{% for row in rows %}<li class=\"person\"><a href=\"/p/{{ row.id }}\">{{ row.name }}"
        "</a> <span>{{ row.text }}</span></li>{% endfor %}</ul></main></body></html>")
    def row(n: int) -> dict[str, str]:
        return {"id": f"{n:032d}", "name": f"Young person {n:02d}",
                "text": "Happy, Calm - A lot - Mon 23 Nov, 10:00 - 2 not seen yet"}

    empty = len(template.render(title="Reference", rows=[]))
    each = len(template.render(title="Reference", rows=[row(0)])) - empty
    rows = [row(n) for n in range(max(1, (size - empty) // each))]

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=template.render(title="Reference", rows=rows),
                            content_type="text/html")

    app = web.Application()
    app.router.add_get("/", handler)
    return app


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    import logging

    from core.clock import FrozenClock
    from core.config import Settings
    from domain.runtime import Runtime
    from web.app import init_app

    logging.basicConfig(level=logging.ERROR)
    data = Path(tempfile.mkdtemp(prefix="heard-desk-bench-"))
    settings = Settings(database_url=f"sqlite+aiosqlite:///{data}/heard.db",
                        master_key_file=data / "master.key", bot_token=None,
                        _env_file=None)  # type: ignore[call-arg]
    runtime = await Runtime.open(settings, clock=FrozenClock(datetime(2026, 11, 23, 18, tzinfo=UTC)))
    started = time.perf_counter()
    email, people, total = await seed(runtime, args.people, args.weeks)
    print(f"seeded {args.people} young people, {total} check-ins "
          f"in {time.perf_counter() - started:.1f} s")
    heard, heard_url = await serve(init_app(runtime))
    results = {}
    cpu: dict[str, float] = {}
    # unsafe=True: keep cookies set by an IP address (the loopback server).
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        async with client.get(heard_url + "/staff/sign-in") as resp:
            html = await resp.text()
        csrf = html.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        async with client.post(heard_url + "/staff/sign-in",
                               data={"csrf": csrf, "email": email, "password": PASSWORD}) as resp:
            assert resp.url.path == "/staff/desk", resp.url
        for name, path in (("My young people", "/staff/desk"),
                           ("A young person's page", f"/staff/young-people/{people[0]}")):
            await timed(client, heard_url + path, 5)  # warm up
            results[name] = await timed(client, heard_url + path, args.requests)
            cpu[name] = CPU_MS[heard_url + path]
    await heard.cleanup()
    print(f"\nload average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    print(f"{'page':<24} {'bytes':>7} {'p50 ms':>8} {'p99 ms':>8} {'ref p50':>8} "
          f"{'ref p99':>8} {'ratio':>6} {'CPU ms':>7} {'ref CPU':>7} {'ratio':>6}")
    for name, (times, size) in results.items():
        ref, ref_url = await serve(reference_app(size))
        async with aiohttp.ClientSession() as client:
            await timed(client, ref_url + "/", 5)
            ref_times, ref_size = await timed(client, ref_url + "/", args.requests)
        await ref.cleanup()
        p50, p99 = summary(times)
        r50, r99 = summary(ref_times)
        ref_cpu = CPU_MS[ref_url + "/"]
        print(f"{name:<24} {size:>7} {p50:>8.2f} {p99:>8.2f} {r50:>8.2f} {r99:>8.2f} "
              f"{p50 / r50:>5.1f}x {cpu[name]:>7.2f} {ref_cpu:>7.2f} {cpu[name] / ref_cpu:>5.1f}x"
              f"   (reference {ref_size} bytes; target p50 < 50 ms: "
              f"{'met' if p50 < 50 else 'NOT met'})")
    await runtime.close()


if __name__ == "__main__":
    asyncio.run(main())
