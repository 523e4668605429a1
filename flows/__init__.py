"""The conversations and domain actions of Heard, independent of any channel.

A flow step takes a person's input and returns *screens* (what to show next) — the
Telegram channel (``bot/``) renders a screen as a message with buttons, the web
channel (``web/``) as a page with big tap targets. Both run exactly this code.
"""
