"""Key file care: a key file others can read is refused, new data is private, and a
missing key file next to an existing database never becomes a new key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from storage.crypto import MasterKeyError
from storage.crypto.keyfile import KeyFile
from storage.crypto.keyring import Keyring
from tests.storage.test_encryption import full_checkin
from tests.support.people import make_cast
from tests.test_cli import run


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o620])
async def test_a_key_file_others_can_read_or_change_is_refused(
    settings: Settings, loose: int
) -> None:
    Keyring.load_or_create(settings.master_key_file)
    os.chmod(settings.master_key_file, loose)
    with pytest.raises(MasterKeyError, match=f"other users \\(mode {loose:04o}\\).*chmod 600"):
        await Runtime.open(settings)
    os.chmod(settings.master_key_file, 0o600)
    runtime = await Runtime.open(settings)  # nothing else was wrong
    await runtime.close()


def test_the_command_line_refuses_a_shared_key_file(tmp_path: Path) -> None:
    assert run(tmp_path, "admin", "create-service", "--name", "North").returncode == 0
    key = tmp_path / "data" / "master.key"
    os.chmod(key, 0o644)
    result = run(tmp_path, "report", "kpi", "--service", "North")
    assert result.returncode == 3
    assert f"chmod 600 {Path('data/master.key')}" in result.stderr


async def test_a_new_data_directory_and_database_are_private(
    tmp_path: Path, clock: FrozenClock
) -> None:
    data = tmp_path / "data"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{data}/heard.db",
                        master_key_file=data / "master.key", _env_file=None)  # type: ignore[call-arg]
    runtime = await Runtime.open(settings, clock=clock)
    try:
        cast = await make_cast(runtime)
        await full_checkin(runtime, cast.young_person_id, "private")
        assert mode(data) == 0o700
        assert mode(data / "master.key") == 0o600
        files = [p for p in data.iterdir() if p.name.startswith("heard.db")]
        assert {p.name for p in files} >= {"heard.db", "heard.db-wal", "heard.db-shm"}
        for f in files:
            assert mode(f) == 0o600, f.name
    finally:
        await runtime.close()


async def test_an_existing_database_without_its_key_file_stops_and_makes_no_key(
    settings: Settings, clock: FrozenClock
) -> None:
    runtime = await Runtime.open(settings, clock=clock)
    await make_cast(runtime)
    await runtime.close()
    settings.master_key_file.unlink()
    with pytest.raises(MasterKeyError, match=f"master key file {settings.master_key_file} is missing"):
        await Runtime.open(settings)
    assert not settings.master_key_file.exists()


def test_the_command_line_names_the_missing_key_file_and_stops(tmp_path: Path) -> None:
    assert run(tmp_path, "admin", "create-service", "--name", "North").returncode == 0
    (tmp_path / "data" / "master.key").unlink()
    result = run(tmp_path, "report", "kpi", "--service", "North")
    assert result.returncode == 3
    assert "master key file data/master.key is missing" in result.stderr
    assert "A NEW MASTER KEY" not in result.stderr
    assert not (tmp_path / "data" / "master.key").exists()


def test_a_changed_key_file_is_read_once_and_a_broken_one_never_replaces_good_keys(
    tmp_path: Path,
) -> None:
    path = tmp_path / "master.key"
    live = KeyFile(Keyring.load_or_create(path))
    assert live.with_key("k2").key_ids == ["k1"] and live.reloads == 0  # unchanged: not read
    other = Keyring.load(path)  # another process rotates
    other.add_key()
    other.save()
    for _ in range(50):
        assert live.with_key("k2").key_ids == ["k1", "k2"]
    assert live.reloads == 1
    path.write_text("half a file")
    assert not live.refresh() and live.ring.key_ids == ["k1", "k2"]
    assert not live.refresh()  # the broken file is not read again until it changes
