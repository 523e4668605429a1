"""What a young person sees the moment they tell us they may not be safe.

This screen is returned by the flow itself, never sent through the outbox: it is
shown even if Telegram is down or no adult can be reached.
"""

from __future__ import annotations

from app.i18n import _
from flows.home import crisis_links
from flows.screen import Screen


def crisis_screen(told: str | None) -> Screen:
    """``told``: the first name of the adult being told now, if we know who."""
    if told:
        telling = _("We are telling {name} now, so they can help you.").format(name=told)
    else:
        telling = _("We are telling the adults who look after you now, so they can help you.")
    lines = [
        _("Thank you for telling us. You did the right thing."),
        telling,
        _("If you want to talk to someone right now, you can call or text for free:"),
    ]
    return Screen(
        name="safeguarding.crisis",
        text="\n\n".join(lines),
        links=crisis_links(),
        urgent=True,
    )
