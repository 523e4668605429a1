"""The aiohttp application factory. Tests and ``run.py`` build the app the same way."""

from __future__ import annotations

from aiohttp import web

from app.runtime import Runtime
from web.health import healthz
from web.keys import BOT, DISPATCHER, RUNTIME


def init_app(runtime: Runtime, *, bot=None, dispatcher=None) -> web.Application:  # type: ignore[no-untyped-def]
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[RUNTIME] = runtime
    app[BOT] = bot
    app[DISPATCHER] = dispatcher
    app.router.add_get("/healthz", healthz)
    if bot is not None and dispatcher is not None and runtime.settings.webhook_url:
        from web.webhook import add_webhook_route

        add_webhook_route(app, runtime.settings)
    return app
