"""Telegram webhook route (webhook mode), checked with the secret token.

A body that is not a Telegram update (not JSON, or JSON of the wrong shape) is
answered 400 with one log line, never a 500 with a traceback; the next update is
handled as usual.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from core.config import Settings
from web.keys import BOT, DISPATCHER

log = logging.getLogger(__name__)


def webhook_path(settings: Settings) -> str:
    assert settings.webhook_url
    return urlsplit(settings.webhook_url).path or "/telegram/webhook"


class _CheckedRequestHandler(SimpleRequestHandler):
    """aiogram's handler, with the body read and checked before it is dispatched."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        update = await _update_from(bot, request)
        if update is None:
            return web.json_response({"ok": False, "error": "not a Telegram update"}, status=400)
        result: Any = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


async def _update_from(bot: Bot, request: web.Request) -> Update | None:
    try:
        raw: Any = await request.json(loads=bot.session.json_loads)
        return Update.model_validate(raw, context={"bot": bot})
    except (ValueError, ValidationError) as exc:  # JSONDecodeError and bad UTF-8 are ValueErrors
        log.warning("webhook: refused a body that is not a Telegram update (%s)",
                    type(exc).__name__)
        return None


def add_webhook_route(app, settings: Settings) -> None:
    _CheckedRequestHandler(
        dispatcher=app[DISPATCHER], bot=app[BOT], secret_token=settings.webhook_secret,
        handle_in_background=False,
    ).register(app, path=webhook_path(settings))
