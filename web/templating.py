"""Jinja2 templates with gettext, shared by every web page.

Templates call ``_()`` / ``ngettext()`` (the i18n extension, new-style: values are
escaped), so pages speak the same catalog as the flows and the bot.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from core.i18n import current_locale, gettext, is_rtl, ngettext
from flows.home import crisis_links
from web.csrf import FIELD, csrf_token
from web.keys import SESSION, TEMPLATES
from web.pins import picture_name
from web.screen_page import card_anchor, text_blocks
from web.sessions import DEVICE_COOKIE


def make_environment(app: web.Application) -> Environment:
    env = Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]

    @lru_cache(maxsize=64)
    def static(filename: str) -> str:
        # ?v=<hash of the file>: cached for a day, refreshed as soon as it changes.
        return str(app.router["static"].url_for(filename=filename))

    env.globals["static"] = static
    # Called while rendering, so the contacts speak the page's language.
    env.globals["crisis_links"] = crisis_links
    env.globals["picture_name"] = picture_name
    env.globals["text_blocks"] = text_blocks
    env.globals["card_anchor"] = card_anchor
    return env


def render(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    locale = current_locale()
    context.setdefault("body_attrs", {})
    context.setdefault("on_tablet", on_a_tablet(request))
    html = request.app[TEMPLATES].get_template(template).render(
        lang=locale.replace("_", "-"),
        rtl=is_rtl(locale),
        csrf_field=FIELD,
        csrf=csrf_token(request),
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html")


def on_a_tablet(request: web.Request) -> bool:
    """A unit tablet cannot call or text: pages show numbers there, not tel: links."""

    row = request.get(SESSION)
    # Read without loading: an error page may be drawn after the request's unit of
    # work has closed, when the session row can no longer be refreshed.
    return bool(request.cookies.get(DEVICE_COOKIE)) or (
        row is not None and row.__dict__.get("tablet_id") is not None)


def see_other(location: str) -> web.Response:
    """POST-redirect-GET: a refresh or Back never re-sends a form."""
    return web.Response(status=303, headers={"Location": location})
