"""Headers on every response: a strict Content-Security-Policy (our own scripts,
styles and pictures only - nothing from anyone else), no framing, no referrer, and
no caching of pages, so a shared tablet's Back button shows nobody's answers.

When Heard is published over https (HEARD_PUBLIC_URL), browsers are also told to
use https only (HSTS), so nobody on the same Wi-Fi can catch a link or a session
on a plain-http first visit."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from web.keys import RUNTIME

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STATIC_CACHE = "public, max-age=86400"
# Two years, the usual figure; not includeSubDomains, as the service may share its
# domain with sites that are not ours.
HSTS = "max-age=63072000"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _apply(request, response)
        raise
    _apply(request, response)
    return response


def _apply(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.app[RUNTIME].settings.public_url.startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", STATIC_CACHE)
    else:
        # Pages change with every tap and may show a young person's answers.
        response.headers.setdefault("Cache-Control", "no-store")
