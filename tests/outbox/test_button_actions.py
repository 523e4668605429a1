"""Buttons say what they do; only the Telegram channel knows its payload format."""

from __future__ import annotations

from bot.callbacks import SeenCheckIn, TakeAlert, button_data
from bot.keyboards import message_keyboard
from outbox.message import Button, Message


def test_staff_buttons_pack_as_they_always_have() -> None:
    message = Message(text="x", buttons=((Button("Seen", "seen", "c1"), Button("On it", "take", "a1")),))
    keyboard = message_keyboard(message)
    assert keyboard is not None
    assert [b.callback_data for b in keyboard.inline_keyboard[0]] == ["seen:c1", "take:a1"]
    assert SeenCheckIn.unpack("seen:c1").checkin == "c1"
    assert TakeAlert.unpack("take:a1").alert == "a1"


def test_a_message_queued_in_the_old_format_still_gets_its_buttons() -> None:
    raw = {"text": "New check-in", "buttons": [[{"text": "Seen", "data": "seen:c9"}],
                                              [{"text": "Go", "data": "tok|c:happy"}]]}
    message = Message.from_json(raw)
    assert message.buttons[0][0] == Button("Seen", "seen", "c9")
    assert message.buttons[1][0] == Button("Go", "tap", "tok|c:happy")
    assert [button_data(row[0]) for row in message.buttons] == ["seen:c9", "tok|c:happy"]
    # And round-trips in the new format.
    assert Message.from_json(message.to_json()) == message
