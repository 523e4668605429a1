"""The desk's language page: a lead sees every language with its review state and
counts and switches one off for their service; a keyworker cannot; the CLI does the
same."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain.languages import offered_locales
from storage.models import AuditEntry, YoungPerson
from tests.support.catalogs import SHIPPED, shipped_catalogs  # noqa: F401
from tests.support.people import Cast
from tests.test_cli import run
from tests.web.test_kpi_pages import lead_of


async def test_lead_sees_review_state_and_switches_a_language_off(
    shipped_catalogs: Path, client: TestClient, runtime: Runtime, cast: Cast,  # noqa: F811
    clock: FrozenClock,
) -> None:
    lee = await lead_of(client, runtime, clock, cast)
    await lee.get("/staff/languages")
    assert lee.status == 200
    for name in ("Cymraeg", "العربية", "دری", "پښتو", "ትግርኛ", "کوردی (سۆرانی)", "Polski", "Shqip"):
        assert name in lee.html
    assert "Not yet reviewed by a native speaker" in lee.text
    assert 'data-locale="ti"' in lee.html
    await lee.post("/staff/languages/ti", {"on": "0"})
    assert lee.url.endswith("/staff/languages?m=off") and "Language switched off." in lee.text
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        offered = await offered_locales(session, person.service_id)
        assert "ti" not in offered and set(offered) == {"en", *SHIPPED} - {"ti"}
        entry = await session.scalar(select(AuditEntry).where(
            AuditEntry.action == "desk.language_switched"))
        assert entry is not None and "ti off" in entry.detail
    await lee.post("/staff/languages/ti", {"on": "1"})
    await lee.post("/staff/languages/en", {"on": "0"})  # English cannot be switched off
    assert lee.status == 404
    async with runtime.db.transaction() as session:
        assert "ti" in await offered_locales(session, person.service_id)


def test_cli_switches_a_language_off_and_lists_it(
    shipped_catalogs: Path, tmp_path: Path  # noqa: F811
) -> None:
    env = {"HEARD_LOCALES_DIR": str(shipped_catalogs),
           "HEARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/heard.db",
           "HEARD_MASTER_KEY_FILE": str(tmp_path / "master.key")}
    assert run(tmp_path, "admin", "create-service", "--name", "North", env=env).returncode == 0
    done = run(tmp_path, "admin", "language", "off", "--service", "North", "--locale", "ps",
               env=env)
    assert done.returncode == 0, done.stderr
    out = run(tmp_path, "admin", "languages", "--service", "North", env=env).stdout
    assert "OFF  ps" in out and "on   ar" in out and "پښتو" in out
    refused = run(tmp_path, "admin", "language", "off", "--service", "North", "--locale", "xx",
                  env=env)
    assert refused.returncode == 2 and "no catalog" in refused.stderr
