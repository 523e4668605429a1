"""Telegram webhook route (webhook mode), checked with the secret token."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiogram.webhook.aiohttp_server import SimpleRequestHandler

from app.config import Settings
from web.keys import BOT, DISPATCHER


def webhook_path(settings: Settings) -> str:
    assert settings.webhook_url
    return urlsplit(settings.webhook_url).path or "/telegram/webhook"


def add_webhook_route(app, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    SimpleRequestHandler(
        dispatcher=app[DISPATCHER], bot=app[BOT], secret_token=settings.webhook_secret,
        handle_in_background=False,
    ).register(app, path=webhook_path(settings))
