"""KPI counts for tests, and leads and commissioners signed in with their second step."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain import admin
from storage.models import KpiCount
from storage.repositories import service_by_name
from tests.support.desk import StaffAtDesk, totp_now

ROOT = Path(__file__).resolve().parent.parent.parent
# The national evaluation: 156 answers, 132 at least "a little" (84.6%).
NATIONAL = {"not_at_all": 24, "a_little": 50, "mostly": 50, "totally": 32}


async def add_counts(runtime: Runtime, service: str, month: str, question: str,
                     counts: dict[str, int]) -> str:
    async with runtime.db.transaction() as session:
        row = await service_by_name(session, service)
        assert row is not None
        for answer, n in counts.items():
            session.add(KpiCount(service_id=row.id, month=month, question=question,
                                 answer=answer, count=n))
        return row.id


async def service_id(runtime: Runtime, name: str) -> str:
    async with runtime.db.transaction() as session:
        row = await service_by_name(session, name)
        assert row is not None
        return row.id


async def make_service(runtime: Runtime, name: str) -> str:
    async with runtime.db.transaction() as session:
        return (await admin.create_service(session, name=name, timezone="Europe/London",
                                           now=runtime.clock.now())).id


async def signed_in(client, runtime: Runtime, clock: FrozenClock, *, service: str | None,  # type: ignore[no-untyped-def]
                    email: str, role: str, services: tuple[str, ...] = ()) -> StaffAtDesk:
    """A lead or commissioner made as ``admin create-staff`` does, signed in with TOTP."""
    async with runtime.db.transaction() as session:
        made = await admin.create_staff(session, service_name=service, name="Lee Lead",
                                        email=email, role=role, now=runtime.clock.now(),
                                        bot_username=None, services=services)
    desk = StaffAtDesk(client)
    client.session.cookie_jar.clear()
    await desk.first_sign_in(email, str(made["password"]))
    assert desk.url.endswith("/staff/totp"), desk.url
    clock.advance(seconds=31)
    await desk.post("/staff/totp", {"code": await totp_now(runtime, str(made["staff_id"]))})
    assert desk.status == 200 and not desk.url.endswith("/staff/totp"), desk.text
    return desk


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark first"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))


def cli_report(runtime: Runtime, cwd: Path, *args: str) -> dict:  # type: ignore[type-arg]
    """``python run.py report kpi ... --json`` on the same database, as an operator would."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HEARD_")}
    environ["HEARD_DATABASE_URL"] = runtime.settings.database_url
    environ["HEARD_MASTER_KEY_FILE"] = str(runtime.settings.master_key_file)
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "report", "kpi", *args, "--json"],
                          cwd=cwd, env=environ, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
