"""Typed keys for what the web app shares between handlers, and per request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

# Named only inside the AppKey type strings below, which linters do not read
# (pyproject.toml lets this file import them for that).
if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from jinja2 import Environment
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.runtime import Runtime
    from storage.models import WebSession

RUNTIME = web.AppKey["Runtime"]("runtime")
BOT = web.AppKey["Bot | None"]("bot")
DISPATCHER = web.AppKey["Dispatcher | None"]("dispatcher")
TEMPLATES = web.AppKey["Environment"]("templates")
# Paths that are not pages (e.g. the Telegram webhook): no database session from
# the request scope, no browser session, no CSRF.
PLAIN_PATHS = web.AppKey["frozenset[str]"]("plain_paths")

# Per request: the unit of work's database session, and the browser session.
DB = web.RequestKey["AsyncSession"]("db")
SESSION = web.RequestKey["WebSession | None"]("session")
SESSION_ID = web.RequestKey["str | None"]("session_id")
READ_ONLY = web.RequestKey[bool]("read_only")
