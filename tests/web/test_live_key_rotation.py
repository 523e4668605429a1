"""Rotating and retiring the master key from another process while Heard serves:
the running app follows the key file without a restart."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from core.config import Settings
from domain.runtime import Runtime
from storage.crypto import Keyring
from storage.models import CheckIn
from tests.support.people import Cast
from tests.support.web_client import WebPerson, choices
from web.app import init_app

ROOT = Path(__file__).resolve().parents[2]
PIN = "3972"


async def cli(settings: Settings, *args: str) -> str:
    """``python run.py ...`` as a separate process, on the same database and key file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARD_")}
    env.update(HEARD_DATABASE_URL=settings.database_url,
               HEARD_MASTER_KEY_FILE=str(settings.master_key_file))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "run.py"), *args, cwd=settings.master_key_file.parent,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def sign_in_and_check_in(person: WebPerson, personal: str, words: str) -> None:
    await person.get(personal)
    await person.post(personal, {"pin": PIN})
    assert person.status == 200, person.text
    assert "Hi Sam!" in person.text or "What would you like to do?" in person.text, person.text
    if "OK, let's go" in choices(person.html).values():
        await person.tap("OK, let's go")
    await person.tap("Show how I feel")
    await person.tap("Calm")
    await person.tap("Done")
    await person.tap("A little")
    await person.tap("Just sit with me")
    await person.words(words)
    assert person.status == 200 and "Thank you. Alex will see this." in person.text, person.text
    await person.post("/leave", {})


async def test_pin_sign_in_and_check_in_work_right_after_rotation_and_retirement(
    settings: Settings, runtime: Runtime, cast: Cast
) -> None:
    async with TestClient(TestServer(init_app(runtime))) as client:
        person = WebPerson(client)
        await person.set_pin(str(cast.young_person_codes["web_link"]), PIN)
        link = person.html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
        personal = "/p/" + link.rsplit("/", 1)[1]
        await person.post("/leave", {})
        await sign_in_and_check_in(person, personal, "before")

        await cli(settings, "admin", "rotate-key")
        assert Keyring.load(settings.master_key_file).key_ids == ["k1", "k2"]
        await sign_in_and_check_in(person, personal, "after a rotation")

        await cli(settings, "admin", "rotate-key", "--retire")
        assert Keyring.load(settings.master_key_file).key_ids == ["k3"]
        await sign_in_and_check_in(person, personal, "after a retirement")

    assert runtime.vault.keyring.key_ids == ["k3"]  # the old keys left this process too
    async with runtime.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 3
