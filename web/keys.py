"""Typed keys for what the web app shares between handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

    from app.runtime import Runtime

RUNTIME = web.AppKey["Runtime"]("runtime")
BOT = web.AppKey["Bot | None"]("bot")
DISPATCHER = web.AppKey["Dispatcher | None"]("dispatcher")
