"""The real app on 127.0.0.1 with a free port, inside the test's event loop."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from domain.runtime import Runtime
from web.app import init_app


@contextlib.asynccontextmanager
async def live_server(runtime: Runtime) -> AsyncIterator[str]:
    runner = web.AppRunner(init_app(runtime))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
