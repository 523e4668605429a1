"""How fast the KPI pages' queries are, against a bare ``SELECT count(*)`` of the same
table in the same run.

    python bench/kpi.py [--answers 1000000] [--services 50] [--months 36] [--repeat 30]

KPI answers are stored as counts (service, month, question, answer, how many), never
one row per answer, so the benchmark generates the counts that ``--answers`` answers
give: spread at random over the services, the months, the questions ("felt listened
to" by who, and satisfaction) and their answers. Then it times, on SQLite always and
on PostgreSQL too when ``HEARD_TEST_POSTGRES_URL`` is set (in a database of its own):

- lead: one service, 12 months — ``domain.kpi.service_kpis``, the query and every
  published figure the page shows;
- commissioner: all the services side by side and in total, 12 months —
  ``domain.kpi.services_kpis``;
- count: ``SELECT count(*) FROM kpi_counts``, the floor.

Wall time and CPU time (``time.process_time``: this process, every thread) are
printed as medians, with the ratio of each to the count.
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
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from core.clock import FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from domain.kpi import service_kpis, services_kpis
from domain.kpi_views import add_months
from domain.records import LISTENED_ANSWERS, LISTENED_WHO, SATISFACTION_ANSWERS
from storage.models import KpiCount, Service, new_id

LAST_MONTH = "2026-11"
QUESTIONS = [(f"listened:{who}", list(LISTENED_ANSWERS)) for who in LISTENED_WHO] + [
    ("satisfaction", list(SATISFACTION_ANSWERS))]


def counts(answers: int, services: list[str], months: list[str],
           rng: random.Random) -> dict[tuple[str, str, str, str], int]:
    """The counts ``answers`` answers give, with uneven services and questions."""
    weight = {s: rng.uniform(0.3, 1.7) for s in services}
    cells = [(s, m, q, a) for s in services for m in months for q, options in QUESTIONS
             for a in options]
    weights = [weight[s] * (3.0 if q == "listened:keyworker" else 1.0)
               * (2.0 if a in ("mostly", "totally", "good") else 1.0)
               for s, _m, q, a in cells]
    out: dict[tuple[str, str, str, str], int] = {}
    for cell in rng.choices(cells, weights=weights, k=answers):
        out[cell] = out.get(cell, 0) + 1
    return out


async def seed(runtime: Runtime, args: argparse.Namespace) -> tuple[list[Service], int, int]:
    rng = random.Random(args.seed)
    months = [add_months(LAST_MONTH, -i) for i in range(args.months)]
    now = runtime.clock.now()
    services = [Service(id=new_id(), name=f"Service {i:02d}", timezone="Europe/London",
                        created_at=now) for i in range(args.services)]
    table = counts(args.answers, [s.id for s in services], months, rng)
    rows = [{"service_id": s, "month": m, "question": q, "answer": a, "count": n}
            for (s, m, q, a), n in table.items()]
    async with runtime.db.transaction() as session:
        session.add_all(services)
        await session.flush()
        for i in range(0, len(rows), 5000):
            await session.execute(insert(KpiCount), rows[i:i + 5000])
    return services, len(rows), sum(table.values())


async def timed(label: str, repeat: int, work: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    await work()  # warm: statement caches, pages in memory
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        await work()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return {"wall": statistics.median(walls) * 1000, "cpu": statistics.median(cpus) * 1000,
            "p90": sorted(walls)[int(0.9 * (len(walls) - 1))] * 1000}


async def run(url: str, label: str, args: argparse.Namespace, workdir: Path) -> None:
    settings = Settings(database_url=url, master_key_file=workdir / "master.key", bot_token=None,
                        _env_file=None)  # type: ignore[call-arg]
    runtime = await Runtime.open(settings, clock=FrozenClock(datetime(2026, 11, 23, 12, tzinfo=UTC)))
    try:
        started = time.perf_counter()
        services, rows, total = await seed(runtime, args)
        print(f"\n[{label}] seeded {total:,} answers as {rows:,} count rows "
              f"({args.services} services, {args.months} months) in "
              f"{time.perf_counter() - started:.1f} s")
        first = add_months(LAST_MONTH, -11)
        one = services[0]

        async def lead() -> Any:
            async with runtime.db.transaction() as session:
                return await service_kpis(session, one, first, LAST_MONTH)

        async def commissioner() -> Any:
            async with runtime.db.transaction() as session:
                return await services_kpis(session, services, first, LAST_MONTH)

        async def count() -> Any:
            async with runtime.db.transaction() as session:
                return await session.scalar(select(func.count()).select_from(KpiCount))

        figures = {name: await timed(name, args.repeat, work) for name, work in
                   (("count", count), ("lead", lead), ("commissioner", commissioner))}
        floor = figures["count"]
        print(f"{'':<34}{'wall p50':>10}{'wall p90':>10}{'CPU p50':>10}{'wall/count':>12}"
              f"{'CPU/count':>11}")
        for name, title in (("count", "SELECT count(*) of kpi_counts"),
                            ("lead", "lead: 1 service, 12 months"),
                            ("commissioner", f"commissioner: {args.services} services, 12 months")):
            f = figures[name]
            print(f"{title:<34}{f['wall']:>8.2f}ms{f['p90']:>8.2f}ms{f['cpu']:>8.2f}ms"
                  f"{f['wall'] / floor['wall']:>11.2f}×{f['cpu'] / max(floor['cpu'], 1e-9):>10.2f}×")
        verdict = "met" if figures["lead"]["wall"] < 100 else "NOT met"
        print(f"target: one service-year under 100 ms: {verdict} "
              f"({figures['lead']['wall']:.2f} ms)")
    finally:
        await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="heard-kpi-bench-") as tmp:
        work = Path(tmp)
        asyncio.run(run(f"sqlite+aiosqlite:///{work}/heard.db", "SQLite", args, work))
        base = os.environ.get("HEARD_TEST_POSTGRES_URL")
        if base:
            from testkit.databases import create_database, drop_database

            url = create_database(base)
            try:
                asyncio.run(run(url, "PostgreSQL", args, work))
            finally:
                drop_database(url, base)
        else:
            print("\n[PostgreSQL] skipped: HEARD_TEST_POSTGRES_URL is not set")


if __name__ == "__main__":
    main()
