"""A 15 MB photo streams through the upload without the process growing by more than
a few times its size (peak resident memory, reset just before the upload)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from PIL import Image

from domain.runtime import Runtime
from tests.support.people import Cast
from tests.support.placements import new_placement, placement_staff_at_desk, upload

LIMIT = 15 * 1024 * 1024
CLEAR_REFS = Path("/proc/self/clear_refs")


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    assert found is not None
    return int(found.group(1)) * 1024


def big_camera_photo() -> bytes:
    """A 12-megapixel JPEG of noise (hard to compress), padded to just under 15 MB."""
    noise = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=90)
    data = out.getvalue()[:LIMIT - 1024]
    return data + b"\0" * (LIMIT - 1024 - len(data))  # after the end marker: ignored


@pytest.mark.skipif(not CLEAR_REFS.exists(), reason="needs Linux /proc to reset peak memory")
async def test_a_15_mb_photo_streams_in_bounded_memory(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    pat = await placement_staff_at_desk(client, runtime, cast)
    pid = await new_placement(pat)
    await pat.get(f"/staff/placements/{pid}")
    photo = big_camera_photo()
    assert LIMIT - 2048 < len(photo) < LIMIT
    before = _status("VmRSS")
    CLEAR_REFS.write_text("5")  # the peak (VmHWM) starts again from now
    await upload(pat, pid, "Your bedroom", photo)
    peak = _status("VmHWM")
    assert pat.status == 200 and "Photo added" in pat.text, pat.text[:300]
    growth = peak - before
    print(f"peak grew {growth / 2**20:.0f} MB for a {len(photo) / 2**20:.1f} MB photo")
    # The file itself is held once by the test's client; the server side streams it.
    assert growth < 4 * len(photo), f"grew {growth / 2**20:.0f} MB for a {len(photo) / 2**20:.0f} MB photo"
