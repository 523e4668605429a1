"""Routers, assembled explicitly in bot.factory."""
