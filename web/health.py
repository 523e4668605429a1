"""GET /healthz: 200 when the database answers and writes; 503 with the reason when
it does not answer, or when units of work are failing on it (a full disk still
answers a SELECT, but cannot save a tap).

"degraded" (still 200, so the service is not taken out of a load balancer) says a
person must act: an open urgent alert has reached nobody. Any monitor can page on it.
"""

from __future__ import annotations

from aiohttp import web

from web.keys import BOT, RUNTIME
from safeguarding.reach import count_unreached_alerts


async def healthz(request: web.Request) -> web.Response:

    runtime = request.app[RUNTIME]
    not_answering = await runtime.db.ping()
    fault = runtime.db.faults.current
    body: dict[str, object] = {
        "status": "ok",
        "database": runtime.db.dialect,
        "telegram": "on" if request.app.get(BOT) is not None else "off",
        "email": "on" if runtime.settings.mail_enabled else "off",
    }
    if not_answering is not None:
        body.update(status="unavailable", database="not answering", reason=not_answering)
    elif fault is not None:
        body.update(status="unavailable", database="failing", reason=fault.reason,
                    failures=fault.failures)
    else:
        async with runtime.db.transaction(read_only=True) as session:
            unreached = await count_unreached_alerts(session)
        body["unreached_alerts"] = unreached
        if unreached:
            body["status"] = "degraded"
            body["reason"] = (f"{unreached} open urgent alert(s) reached nobody: no one in "
                              "their alert chain has Telegram linked or email on "
                              "(see: python run.py admin check)")
    # "degraded" stays 200: the service still works; a person must act.
    return web.json_response(body, status=503 if body["status"] == "unavailable" else 200)
