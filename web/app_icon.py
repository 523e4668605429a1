"""Heard's icon and web app manifest, so "add to home screen" shows Heard's own
picture. The icon is our own "happy" feelings card, drawn by the card code
(cards/render.py) on first request and kept in memory: no icon files to ship and
nothing from anyone else."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from aiohttp import web

from core.i18n import N_, gettext
from cards.render import card_png

ICON_CARD = "happy"
ICON_SIZES = (32, 180, 192, 512)
THEME_COLOUR = "#0b3d91"  # --go in heard.css
BACKGROUND_COLOUR = "#f3f1ec"  # --soft in heard.css
_NAME = N_("Heard")
_DESCRIPTION = N_("Show how you feel by tapping picture cards.")


@lru_cache(maxsize=len(ICON_SIZES))
def icon_png(size: int) -> tuple[bytes, str]:
    if size not in ICON_SIZES:
        raise KeyError(size)
    data = card_png(ICON_CARD, size, with_label=False)
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


async def icon(request: web.Request) -> web.Response:
    try:
        data, etag = icon_png(int(request.match_info.get("size", "32")))
    except (KeyError, ValueError):
        raise web.HTTPNotFound() from None
    headers = {"ETag": etag, "Cache-Control": "public, max-age=604800"}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    return web.Response(body=data, content_type="image/png", headers=headers)


def manifest() -> dict[str, object]:
    return {
        "name": gettext(_NAME),
        "short_name": gettext(_NAME),
        "description": gettext(_DESCRIPTION),
        # A young person's own link opens their check-in; /me sends anyone
        # signed out to the right door.
        "start_url": "/me",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{"src": f"/icons/{size}.png", "sizes": f"{size}x{size}", "type": "image/png",
                   "purpose": "any"} for size in ICON_SIZES if size >= 180],
    }


async def manifest_route(request: web.Request) -> web.Response:
    return web.Response(text=json.dumps(manifest()), content_type="application/manifest+json",
                        headers={"Cache-Control": "public, max-age=86400"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(r"/icons/{size:\d+}.png", icon)
    # Browsers ask for /favicon.ico on their own; a PNG served there is understood.
    app.router.add_get("/favicon.ico", icon)
    app.router.add_get("/manifest.webmanifest", manifest_route)
