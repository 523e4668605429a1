"""GET /healthz: 200 when the database answers and writes; 503 with the reason when
it does not answer, or when units of work are failing on it (a full disk still
answers a SELECT, but cannot save a tap)."""

from __future__ import annotations

from aiohttp import web

from web.keys import BOT, RUNTIME


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    not_answering = await runtime.db.ping()
    fault = runtime.db.faults.current
    body: dict[str, object] = {
        "status": "ok",
        "database": runtime.db.dialect,
        "telegram": "on" if request.app.get(BOT) is not None else "off",
    }
    if not_answering is not None:
        body.update(status="unavailable", database="not answering", reason=not_answering)
    elif fault is not None:
        body.update(status="unavailable", database="failing", reason=fault.reason,
                    failures=fault.failures)
    return web.json_response(body, status=200 if body["status"] == "ok" else 503)
