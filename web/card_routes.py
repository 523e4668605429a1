"""GET /cards/{size}/{card_id}.png: card pictures, cacheable by any browser.

Pictures carry no label (the page writes the label, translated), so one URL
serves every language and can be cached for a long time.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from aiohttp import web

from web.card_images import card_png


@lru_cache(maxsize=128)
def _picture(card_id: str, size: int) -> tuple[bytes, str]:
    data = card_png(card_id, size)
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


async def card_image(request: web.Request) -> web.Response:
    try:
        size = int(request.match_info["size"])
        data, etag = _picture(request.match_info["card_id"], size)
    except (KeyError, ValueError):
        raise web.HTTPNotFound() from None
    headers = {"ETag": etag, "Cache-Control": "public, max-age=604800"}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    return web.Response(body=data, content_type="image/png", headers=headers)


def add_routes(app: web.Application) -> None:
    app.router.add_get(r"/cards/{size:\d+}/{card_id:[a-z_]+}.png", card_image)
