"""The aiohttp application factory. Tests, the benchmark and ``run.py`` build the
app the same way.

Middlewares, outermost first: security headers on every response; kind pages for
unknown addresses and faults; a form post's body read (a broken one is a 400); one
database transaction per request; the browser session; CSRF on every form post.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from domain.runtime import Runtime
from web import (
    app_icon,
    card_routes,
    checkin_routes,
    handover_routes,
    my_heard_routes,
    my_data_routes,
    next_home_routes,
    phone_routes,
    tablet_routes,
)
from web.csrf import csrf_middleware
from web.error_pages import error_pages
from web.form_body import form_body
from web.health import healthz
from web.keys import BOT, DISPATCHER, PLAIN_PATHS, RUNTIME, TEMPLATES
from web.security_headers import security_headers
from web.sessions import session_middleware
from web.staff import admin_routes as staff_admin_routes
from web.staff import auth_routes as staff_auth_routes
from web.staff import data_request_routes as staff_data_request_routes
from web.staff import desk_routes as staff_desk_routes
from web.staff import events as staff_events
from web.staff import kpi_routes as staff_kpi_routes
from web.staff import placement_routes as staff_placement_routes
from web.staff import review_routes as staff_review_routes
from web.staff import you_said_routes as staff_you_said_routes
from web.staff.session import staff_session_middleware
from web.templating import make_environment
from web.unit_of_work import unit_of_work
from web.webhook import add_webhook_route, webhook_path

STATIC_DIR = Path(__file__).resolve().parent / "static"


def init_app(runtime: Runtime, *, bot=None, dispatcher=None) -> web.Application:
    app = web.Application(
        client_max_size=2 * 1024 * 1024,
        middlewares=[security_headers, error_pages, form_body, unit_of_work, session_middleware,
                     staff_session_middleware, csrf_middleware],
    )
    app[RUNTIME] = runtime
    app[BOT] = bot
    app[DISPATCHER] = dispatcher
    # The live desk's event stream opens its own short transactions between waits.
    app[PLAIN_PATHS] = frozenset({staff_events.PATH})
    app.router.add_get("/healthz", healthz)
    app.router.add_static("/static/", STATIC_DIR, append_version=True, name="static")
    app[TEMPLATES] = make_environment(app)
    app_icon.add_routes(app)
    card_routes.add_routes(app)
    handover_routes.add_routes(app)
    phone_routes.add_routes(app)
    tablet_routes.add_routes(app)
    checkin_routes.add_routes(app)
    staff_auth_routes.add_routes(app)
    staff_desk_routes.add_routes(app)
    staff_admin_routes.add_routes(app)
    staff_kpi_routes.add_routes(app)
    staff_review_routes.add_routes(app)
    staff_events.add_routes(app)
    staff_placement_routes.add_routes(app)
    staff_data_request_routes.add_routes(app)
    next_home_routes.add_routes(app)
    my_heard_routes.add_routes(app)
    staff_you_said_routes.add_routes(app)
    my_data_routes.add_routes(app)
    if bot is not None and dispatcher is not None and runtime.settings.webhook_url:

        add_webhook_route(app, runtime.settings)
        # Telegram posts here with its secret token: no browser session, no CSRF.
        app[PLAIN_PATHS] = app[PLAIN_PATHS] | {webhook_path(runtime.settings)}
    return app
