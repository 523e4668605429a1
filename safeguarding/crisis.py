"""What a young person sees the moment they tell us they may not be safe.

This screen is returned by the flow itself, never sent through the outbox: it is
shown even if Telegram is down or no adult can be reached. Its words depend on who
could be reached (``telling_words``), because a young person must never be told
that adults are being told when nobody can be.
"""

from __future__ import annotations

from app.i18n import _
from flows.home import crisis_links
from flows.screen import Screen


def telling_words(told: str | None, reached: bool) -> str:
    """The one place that says who is being told, chosen by reachability.

    ``told``: the first name of the adult being told now, if we know who;
    ``reached``: whether anyone at all in their alert chain could be told."""
    if not reached:
        return _("Please find an adult where you are right now and show them this screen.")
    if told:
        return _("We are telling {name} now, so they can help you.").format(name=told)
    return _("We are telling the adults who look after you now, so they can help you.")


def crisis_screen(told: str | None, *, reached: bool = True) -> Screen:
    if reached:
        lines = [
            _("Thank you for telling us. You did the right thing."),
            telling_words(told, reached),
            _("If you want to talk to someone right now, you can call or text for free:"),
        ]
    else:
        # Nobody can be told through Heard: the adult in the room and the numbers
        # below are what helps now, so they come first.
        lines = [
            telling_words(told, reached),
            _("Thank you for telling us. You did the right thing."),
            _("You can also call or text for free, right now:"),
        ]
    return Screen(
        name="safeguarding.crisis",
        text="\n\n".join(lines),
        links=crisis_links(),
        urgent=True,
    )
