"""A real ``python run.py`` server keeps serving while the master key is rotated and
retired by ``admin rotate-key`` in other processes, and re-reads the key file on SIGHUP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from storage.crypto import Keyring
from tests.test_cli import json_out, run
from tests.support.web_client import WebPerson
from tests.web.test_live_key_rotation import PIN, sign_in_and_check_in

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARD_")}
    env.update(extra)
    return env


async def wait_for_line(stream: asyncio.StreamReader, needle: str, seen: list[str]) -> str:
    while True:
        raw = await stream.readline()
        assert raw, "the server stopped:\n" + "".join(seen)
        line = raw.decode()
        seen.append(line)
        if needle in line:
            return line


async def cli(tmp_path: Path, *args: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "run.py"), *args, cwd=tmp_path, env=environ(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()


async def test_a_running_server_follows_rotation_retirement_and_sighup(tmp_path: Path) -> None:
    json_out(run(tmp_path, "admin", "create-service", "--name", "North", "--json"))
    json_out(run(tmp_path, "admin", "create-staff", "--service", "North", "--name", "Alex",
                 "--email", "alex@north.example", "--role", "keyworker", "--json"))
    person = json_out(run(tmp_path, "admin", "create-young-person", "--service", "North",
                          "--keyworker", "alex@north.example", "--nickname", "Sam", "--json"))
    port = free_port()
    # The scheduler's own pass would also re-read a changed file; keep it out of the way
    # so the SIGHUP below is what does it.
    server = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "run.py"), cwd=tmp_path,
        env=environ(HEARD_WEB_PORT=str(port), HEARD_SCHEDULE_POLL_SECONDS="3600"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert server.stderr is not None
    log: list[str] = []
    try:
        await asyncio.wait_for(wait_for_line(server.stderr, "web app on http://", log), 60)
        # unsafe=True: accept cookies from an IP address such as 127.0.0.1.
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}",
                                         cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            web = WebPerson(http)  # type: ignore[arg-type]
            await web.set_pin(str(person["web_link"]), PIN)
            link = web.html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
            personal = "/p/" + link.rsplit("/", 1)[1]
            await web.post("/leave", {})

            await cli(tmp_path, "admin", "rotate-key")
            await sign_in_and_check_in(web, personal, "after a rotation")
            await cli(tmp_path, "admin", "rotate-key", "--retire")
            await sign_in_and_check_in(web, personal, "after a retirement")

        key_file = tmp_path / "data" / "master.key"
        ring = Keyring.load(key_file)
        assert ring.key_ids == ["k3"]
        ring.add_key(activate=False)
        ring.save()
        server.send_signal(signal.SIGHUP)
        await asyncio.wait_for(
            wait_for_line(server.stderr, "master key file re-read: keys ['k3', 'k4']", log), 30)
    finally:
        if server.returncode is None:
            server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), 60)
    assert server.returncode == 0, "".join(log)
    assert not any("Traceback" in line or "500" in line for line in log), "".join(log)
