"""How a flow's screen reads as a web page: its title, its headings, and the anchor
each card carries so a tap brings the young person back to the same card."""

from __future__ import annotations

from core.i18n import N_, gettext
from web.view import View

# What each step is called in the browser tab and by screen readers. Short: the
# page's own heading asks the question in full.
_TITLES = {
    "welcome": N_("Welcome"),
    "home": N_("What would you like to do?"),
    "checkin.cards": N_("How are you feeling?"),
    "checkin.amount": N_("How much?"),
    "checkin.help": N_("What would help?"),
    "checkin.words": N_("A few words"),
    "listened.who": N_("Did you feel listened to?"),
    "listened.how": N_("Did you feel listened to?"),
    "language": N_("Language"),
    "reminders": N_("Reminders"),
    "reminders.day": N_("Reminders"),
    "reminders.time": N_("Reminders"),
    "buddy.ask": N_("Being a buddy"),
    "buddy.yes": N_("Being a buddy"),
    "buddy.no": N_("Being a buddy"),
    "buddy.waiting": N_("Your buddy"),
    "buddy.hello": N_("Say hello"),
    "buddy.chat": N_("Your buddy"),
    "buddy.closed": N_("Your buddy"),
}
_CRISIS_TITLE = N_("Talk to someone now")
_BULLET = "\u2022 "


def screen_title(view: View) -> str:
    """The page's title: who to contact when that is on the page, else the step."""
    if any(screen.urgent for screen in view.screens):
        return gettext(_CRISIS_TITLE)
    screen = view.screen
    if screen is None or screen.name not in _TITLES:
        return ""
    return gettext(_TITLES[screen.name])


def text_blocks(text: str) -> list[str | list[str]]:
    """A screen's paragraphs; a run of "• …" lines becomes one list of points."""
    blocks: list[str | list[str]] = []
    for para in text.split("\n\n"):
        if para.startswith(_BULLET):
            point = para[len(_BULLET):]
            if blocks and isinstance(blocks[-1], list):
                blocks[-1].append(point)
            else:
                blocks.append([point])
        else:
            blocks.append(para)
    return blocks


def card_anchor(choice_id: str) -> str:
    """The element id of a card's button ("c:worried" -> "card-worried")."""
    return "card-" + choice_id.split(":", 1)[-1]
