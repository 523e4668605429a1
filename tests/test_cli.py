"""The command-line contract operators script against (run as a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HEARD_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], cwd=tmp_path, env=environ,
        capture_output=True, text=True, timeout=120,
    )


def json_out(result: subprocess.CompletedProcess[str]) -> dict:  # type: ignore[type-arg]
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_fresh_directory_setup_and_report(tmp_path: Path) -> None:
    first = run(tmp_path, "admin", "create-service", "--name", "North", "--json")
    assert "A NEW MASTER KEY" in first.stderr  # loud, once
    assert json_out(first)["name"] == "North"
    assert (tmp_path / "data" / "heard.db").exists()
    assert oct((tmp_path / "data" / "master.key").stat().st_mode & 0o777) == "0o600"

    staff = json_out(run(tmp_path, "--json", "admin", "create-staff", "--service", "North",
                         "--name", "Alex Morgan", "--email", "Alex@North.example",
                         "--role", "keyworker"))
    assert set(staff) == {"staff_id", "email", "password", "telegram_link"}
    assert staff["email"] == "alex@north.example" and len(staff["password"]) >= 12
    assert staff["telegram_link"] is None  # no bot token: no Telegram link to give

    person = json_out(run(tmp_path, "admin", "create-young-person", "--service", "North",
                          "--keyworker", "alex@north.example", "--nickname", "Sam", "--json"))
    assert set(person) == {"young_person_id", "invite_code", "telegram_link", "web_link"}
    assert person["web_link"].startswith("http://127.0.0.1:8080/j/")

    again = run(tmp_path, "admin", "create-service", "--name", "North", "--json")
    assert "A NEW MASTER KEY" not in again.stderr
    assert again.returncode == 2 and "already exists" in again.stderr

    report = json_out(run(tmp_path, "report", "kpi", "--service", "North", "--from", "2026-01",
                          "--json"))
    assert report["service"] == "North" and report["suppressed_below"] == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["admin", "create-staff", "--service", "Nowhere", "--name", "A", "--email", "a@b.co",
          "--role", "keyworker"], "no service called 'Nowhere'"),
        (["report", "kpi", "--service", "North", "--from", "2026-13"], "not a month"),
        (["admin", "create-staff", "--service", "North", "--name", "A", "--email", "a@b.co",
          "--role", "boss"], "invalid choice"),
    ],
)
def test_bad_input_gets_a_clear_message(tmp_path: Path, args: list[str], message: str) -> None:
    run(tmp_path, "admin", "create-service", "--name", "North")
    result = run(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_wrong_master_key_refuses_to_start(tmp_path: Path) -> None:
    run(tmp_path, "admin", "create-service", "--name", "North")
    (tmp_path / "other").mkdir()
    run(tmp_path / "other", "admin", "create-service", "--name", "X")
    env = {"HEARD_MASTER_KEY_FILE": str(tmp_path / "other" / "data" / "master.key")}
    result = run(tmp_path, "report", "kpi", "--service", "North", env=env)
    assert result.returncode == 3
    assert "does not match this database" in result.stderr


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = run(tmp_path, "--help").stdout
    for word in ("admin", "report", "cards", "serve"):
        assert word in out
    admin = run(tmp_path, "admin", "--help").stdout
    for word in ("create-service", "create-staff", "create-young-person", "erase-young-person"):
        assert word in admin
