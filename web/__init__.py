"""The web channel and staff pages (aiohttp)."""
