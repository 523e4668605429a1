"""What a young person sees the moment they tell us they may not be safe.

This screen is returned by the flow itself, never sent through the outbox: it is
shown even if Telegram is down or no adult can be reached.
"""

from __future__ import annotations

from app.i18n import _
from flows.home import crisis_links
from flows.screen import Screen


def crisis_screen(told: str | None, *, mid_checkin: bool = False) -> Screen:
    """What the crisis screen says — the one place its words are decided.

    ``told``: the first name of the adult being told now, if we know who.
    ``mid_checkin``: shown at the tap of an urgent card, with the check-in still open.

    Channels decide how it looks: the contacts (``links``, under ``links_title``)
    come first and clearest, then ``text``.
    """
    if told:
        telling = _("We are telling {name} now, so they can help you.").format(name=told)
    else:
        telling = _("We are telling the adults who look after you now, so they can help you.")
    lines = [
        _("Thank you for telling us. You did the right thing."),
        telling,
    ]
    if mid_checkin:
        lines.append(_("You can carry on with your check-in, or stop here. Both are OK."))
    return Screen(
        name="safeguarding.crisis",
        text="\n\n".join(lines),
        links=crisis_links(),
        links_title=_("You can talk to someone right now. It's free:"),
        urgent=True,
    )
