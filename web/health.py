"""GET /healthz: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

from aiohttp import web

from web.keys import BOT, RUNTIME


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    db_ok = await runtime.db.ping()
    body = {
        "status": "ok" if db_ok else "unavailable",
        "database": runtime.db.dialect if db_ok else "not answering",
        "telegram": "on" if request.app.get(BOT) is not None else "off",
    }
    return web.json_response(body, status=200 if db_ok else 503)
