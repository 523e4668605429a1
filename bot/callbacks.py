"""Telegram's payloads for staff buttons: one factory each (aiogram ``CallbackData``).

The domain says what a button does (``outbox.message.Button``: "seen" a check-in,
"take" an alert); only this module knows how Telegram carries it. The packed forms
("seen:<id>", "take:<id>", "strip:<id>") are those Heard has always sent, so buttons
already in staff chats keep working. A conversation's own buttons carry a screen
token instead (``bot/keyboards.py``).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from outbox.message import Button


class SeenCheckIn(CallbackData, prefix="seen"):
    checkin: str


class TakeAlert(CallbackData, prefix="take"):
    alert: str


class MoodStrip(CallbackData, prefix="strip"):
    person: str


class Overview(CallbackData, prefix="overview"):
    person: str


# After a staff tap its button becomes a plain record of who did it; tapping that
# again only answers.
DONE = "done"


def button_data(button: Button) -> str:
    """The callback payload of a button the domain queued."""
    if button.action == "seen":
        return SeenCheckIn(checkin=button.ref).pack()
    if button.action == "take":
        return TakeAlert(alert=button.ref).pack()
    if button.action == "tap":
        return button.ref
    raise ValueError(f"no Telegram button for action {button.action!r}")
