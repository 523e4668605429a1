"""The real app on 127.0.0.1 with a free port, inside the test's event loop."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from domain.runtime import Runtime
from web.app import init_app

STOP_WAIT_SECONDS = 1.0


@contextlib.asynccontextmanager
async def live_server(runtime: Runtime) -> AsyncIterator[str]:
    # An open desk's event stream notices a closed browser only at its next keep-alive
    # (up to 20 s later); the test is over by then, so stopping does not wait for it.
    runner = web.AppRunner(init_app(runtime), shutdown_timeout=STOP_WAIT_SECONDS)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
