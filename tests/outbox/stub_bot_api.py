"""A minimal stand-in for the Telegram Bot API (sendMessage, sendPhoto and the few
calls around them), for driving the real aiogram client in delivery tests.

``fail(method, chat_id)`` may return ``(status, retry_after)`` to refuse a call;
``hold`` catches the next send "in flight": it waits until the event is set and is
then refused, never accepted.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

Refusal = tuple[int, int | None]


@dataclass
class StubBotAPI:
    fail: Callable[[str, int], Refusal | None] = lambda method, chat_id: None
    delay: float = 0.0
    hold: asyncio.Event | None = None
    accepted: list[tuple[str, int, str]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    refused: int = 0
    in_flight: int = 0
    _settled: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def texts(self) -> list[str]:
        return [text for _, _, text in self.accepted]

    async def settled(self) -> None:
        """Return once no request is being answered (a held one has been let go)."""
        while self.in_flight:
            self._settled.clear()
            await self._settled.wait()

    async def _handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        try:
            return await self._answer(request)
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self._settled.set()

    async def _answer(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        chat_id = int(str(form.get("chat_id", "0")))
        self.arrived.set()
        if self.hold is not None and method in ("sendMessage", "sendPhoto"):
            # A send caught in flight: it is never accepted (its sender is killed meanwhile).
            hold, self.hold = self.hold, None
            await hold.wait()
            return web.json_response({"ok": False, "error_code": 500,
                                      "description": "Internal Server Error"}, status=500)
        if self.delay:
            await asyncio.sleep(self.delay)
        refusal = self.fail(method, chat_id)
        if refusal is not None:
            self.refused += 1
            status, retry_after = refusal
            body: dict[str, object] = {"ok": False, "error_code": status,
                                       "description": "Too Many Requests" if status == 429
                                       else "Internal Server Error"}
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
                body["description"] = f"Too Many Requests: retry after {retry_after}"
            return web.json_response(body, status=status)
        text = str(form.get("text") or form.get("caption") or "")
        if method in ("sendMessage", "sendPhoto"):
            self.accepted.append((method, chat_id, text))
        result: object = True
        if method in ("sendMessage", "sendPhoto"):
            message: dict[str, object] = {
                "message_id": next(self._ids), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
            }
            if method == "sendPhoto":
                message["photo"] = [{"file_id": "f1", "file_unique_id": "u1", "width": 1,
                                     "height": 1}]
                message["caption"] = text
            else:
                message["text"] = text
            result = message
        elif method == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "Heard", "username": "heard_test_bot"}
        return web.Response(text=json.dumps({"ok": True, "result": result}),
                            content_type="application/json")
