"""Screens and outbox messages as Telegram inline keyboards."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from flows.screen import Screen
from bot.callbacks import button_data
from outbox.message import Button, Message

# Telegram allows 64 bytes of callback data: "<token>|<choice>".
SEPARATOR = "|"
MAX_CALLBACK = 64


def callback_data(token: str, choice_id: str) -> str:
    data = f"{token}{SEPARATOR}{choice_id}"
    if len(data.encode()) > MAX_CALLBACK:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def parse_callback(data: str | None) -> tuple[str, str] | None:
    if not data or SEPARATOR not in data or len(data) > MAX_CALLBACK:
        return None
    token, choice = data.split(SEPARATOR, 1)
    return (token, choice) if token and choice else None


def screen_keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    if not screen.choices:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    for choice in screen.choices:
        label = f"\u2705 {choice.label}" if choice.selected else choice.label
        button = InlineKeyboardButton(text=label, callback_data=callback_data(screen.token, choice.id))
        if choice.primary or screen.columns <= 1:
            if row:
                rows.append(row)
                row = []
            rows.append([button])
            continue
        row.append(button)
        if len(row) == screen.columns:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(inline_keyboard=rows)


# A symbol beside each contact, so "call" and "text" can be told apart at a glance.
LINK_SYMBOLS = {"call": "\U0001f4de", "text": "\U0001f4ac"}


def screen_text(screen: Screen) -> str:
    if not screen.links:
        return screen.text
    contacts = "\n".join(f"{LINK_SYMBOLS.get(link.kind, '')} {link.label}".strip()
                         for link in screen.links)
    if screen.urgent:
        # The crisis leads: who to contact now comes before anything else.
        head = f"{screen.links_title}\n{contacts}" if screen.links_title else contacts
        return head + "\n\n" + screen.text
    return screen.text + "\n\n" + contacts


def message_keyboard(message: Message) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=button_data(b)) for b in row]
            for row in message.buttons
        ]
    )


def screen_message(screen: Screen, locale: str) -> Message:
    """A screen as an outbox message (the same text, buttons and card picture), for
    when it cannot be shown straight away."""
    keyboard = screen_keyboard(screen)
    rows = tuple(
        tuple(Button(text=b.text, action="tap", ref=b.callback_data) for b in row if b.callback_data)
        for row in (keyboard.inline_keyboard if keyboard else ())
    )
    return Message(text=screen_text(screen), buttons=rows, card_ids=screen.sheet, locale=locale)
