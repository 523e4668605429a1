"""GET /healthz: 200 when the database answers, 503 when it does not.

"degraded" (still 200, so the service is not taken out of a load balancer) says a
person must act: an open urgent alert has reached nobody. Any monitor can page on it.
"""

from __future__ import annotations

from aiohttp import web

from web.keys import BOT, RUNTIME


async def healthz(request: web.Request) -> web.Response:
    from safeguarding.reach import count_unreached_alerts

    runtime = request.app[RUNTIME]
    db_ok = await runtime.db.ping()
    body: dict[str, object] = {
        "status": "ok" if db_ok else "unavailable",
        "database": runtime.db.dialect if db_ok else "not answering",
        "telegram": "on" if request.app.get(BOT) is not None else "off",
        "email": "on" if runtime.settings.mail_enabled else "off",
    }
    if db_ok:
        async with runtime.db.transaction(read_only=True) as session:
            unreached = await count_unreached_alerts(session)
        body["unreached_alerts"] = unreached
        if unreached:
            body["status"] = "degraded"
            body["reason"] = (f"{unreached} open urgent alert(s) reached nobody: no one in "
                              "their alert chain has Telegram linked or email on "
                              "(see: python run.py admin check)")
    return web.json_response(body, status=200 if db_ok else 503)
