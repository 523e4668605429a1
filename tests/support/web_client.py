"""Drive the web channel over HTTP like a browser without JavaScript would:
read the page, post its forms (with their CSRF and screen tokens), follow redirects."""

from __future__ import annotations

import re
from html import unescape

from aiohttp.test_utils import TestClient

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_CHOICE = re.compile(r'<button type="submit" name="choice" value="([^"]+)"[^>]*>(.*?)</button>', re.S)
_TAGS = re.compile(r"<[^>]+>")


def hidden_fields(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in _HIDDEN.findall(html)}


def choices(html: str) -> dict[str, str]:
    """Choice id -> visible label, for the buttons on the page."""
    return {cid: " ".join(unescape(_TAGS.sub(" ", label)).split()) for cid, label in _CHOICE.findall(html)}


def text_of(html: str) -> str:
    body = html.split("<main", 1)[-1]
    return " ".join(unescape(_TAGS.sub(" ", body)).split())


class WebPerson:
    """One browser (one cookie jar) moving through the pages."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.html = ""
        self.url = ""

    async def get(self, path: str) -> str:
        async with self.client.get(path) as resp:
            self.html, self.url = await resp.text(), str(resp.url)
            self.status = resp.status
        return self.html

    async def post(self, path: str, data: dict[str, str]) -> str:
        fields = hidden_fields(self.html)
        fields.update(data)
        async with self.client.post(path, data=fields) as resp:
            self.html, self.url = await resp.text(), str(resp.url)
            self.status = resp.status
        return self.html

    async def set_pin(self, web_link: str, pin: str = "2468") -> str:
        path = web_link.split("8080", 1)[1]
        await self.get(path)
        return await self.post(path, {"pin": pin, "pin2": pin})

    async def tap(self, label_or_id: str) -> str:
        found = choices(self.html)
        cid = label_or_id if label_or_id in found else next(
            (c for c, label in found.items() if label_or_id in label), None)
        assert cid is not None, f"no choice {label_or_id!r}; have {found}"
        return await self.post("/me", {"choice": cid})

    async def words(self, text: str) -> str:
        return await self.post("/me", {"words": text, "send": "1"})

    @property
    def text(self) -> str:
        return text_of(self.html)
