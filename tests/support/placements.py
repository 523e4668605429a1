"""Placement staff signed in over HTTP, a placement with a booklet, and uploads."""

from __future__ import annotations

import io
import re
from html import unescape

import aiohttp
from aiohttp.test_utils import TestClient

from domain.runtime import Runtime
from tests.support.desk import StaffAtDesk, first_password, make_staff
from tests.support.people import Cast

SECTION = re.compile(r'<section class="panel" id="section-([0-9a-f]{32})" aria-labelledby="t-[0-9a-f]+">\s*'
                     r'<h2 id="t-[0-9a-f]+">\d+\. ([^<]+)</h2>')


async def placement_staff_at_desk(client: TestClient, runtime: Runtime, cast: Cast,
                                  email: str = "pat@north.example") -> StaffAtDesk:
    member = await make_staff(runtime, service=cast.service_name, name="Pat Lee", email=email,
                              role="placement")
    pat = StaffAtDesk(client)
    await pat.first_sign_in(member.email, await first_password(runtime, member.email))
    assert pat.url.endswith("/staff/placements"), pat.url
    return pat


async def new_placement(pat: StaffAtDesk, name: str = "Oak House") -> str:
    await pat.post("/staff/placements", {"name": name, "kind": "Children's home",
                                         "description": "A calm house with a big garden."})
    assert "Welcome booklet: " + name in unescape(pat.html), pat.text
    return pat.url.split("/staff/placements/", 1)[1].split("?", 1)[0]


def sections(pat: StaffAtDesk) -> dict[str, str]:
    """Section title -> id, from the editor page."""
    return {unescape(title): sid for sid, title in SECTION.findall(pat.html)}


async def write(pat: StaffAtDesk, placement_id: str, section: str, body: str) -> None:
    sid = sections(pat)[section]
    await pat.post(f"/staff/placements/{placement_id}/sections/{sid}", {"body": body})
    assert pat.status == 200, pat.text


async def upload(pat: StaffAtDesk, placement_id: str, section: str, data: bytes, *,
                 filename: str = "photo.jpg", alt: str = "A bed with a blue cover",
                 caption: str = "") -> None:
    """Post the editor's upload form as a browser would (multipart, token in the URL)."""
    sid = sections(pat)[section]
    action = re.search(rf'action="(/staff/placements/{placement_id}/sections/{sid}/photos\?[^"]+)"',
                       pat.html)
    assert action is not None
    form = aiohttp.FormData()
    form.add_field("alt", alt)
    form.add_field("caption", caption)
    form.add_field("photo", io.BytesIO(data), filename=filename, content_type="image/jpeg")
    async with pat.client.post(unescape(action.group(1)), data=form) as resp:
        pat.html, pat.url, pat.status = await resp.text(), str(resp.url), resp.status
