"""The conversations a young person walks through, independent of any channel.

A flow step takes a person's input and returns *screens* (what to show next) — the
Telegram channel (``bot/``) renders a screen as a message with buttons, the web
channel (``web/``) as a page with big tap targets. Both run exactly this code. What
Heard *does* (recording, acknowledging, linking, KPIs…) lives in ``domain/``; flows
call it and turn its facts into screens — the crisis screen included (``crisis.py``).
"""
