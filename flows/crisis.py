"""What a young person sees the moment they tell us they may not be safe.

This screen is returned by the flow itself, never sent through the outbox: it is
shown even if Telegram is down or no adult can be reached. Its words depend on who
could be reached (``telling_words``), because a young person must never be told
that adults are being told when nobody can be.
"""

from __future__ import annotations

from core.i18n import _, current_locale
from domain.records import Crisis
from flows.home import crisis_links, interpreter_line
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


def crisis_screen(told: str | None, *, reached: bool = True, mid_checkin: bool = False) -> Screen:
    """What the crisis screen says — the one place its words are decided.

    ``told``: the first name of the adult being told now, if we know who.
    ``reached``: whether anyone in the alert chain could be told by any route.
    ``mid_checkin``: shown at the tap of an urgent card, with the check-in still open.

    Channels decide how it looks: the contacts (``links``, under ``links_title``)
    come first and clearest, then ``text``.
    """
    thanks = _("Thank you for telling us. You did the right thing.")
    if reached:
        lines = [thanks, telling_words(told, reached)]
    else:
        # Nobody can be told through Heard: the adult in the room comes first.
        lines = [telling_words(told, reached), thanks]
    if current_locale() != "en":
        # The numbers are UK ones, the same in every language.
        lines.append(interpreter_line())
    if mid_checkin:
        lines.append(_("You can carry on with your check-in, or stop here. Both are OK."))
    return Screen(
        name="flows.crisis",
        text="\n\n".join(lines),
        links=crisis_links(),
        links_title=_("You can talk to someone right now. It's free:"),
        urgent=True,
    )


def crisis_screens(crisis: Crisis | None) -> list[Screen]:
    """The crisis screen for an urgent signal the domain raised (none when it raised none)."""
    if crisis is None:
        return []
    return [crisis_screen(crisis.told, reached=crisis.reached, mid_checkin=crisis.mid_checkin)]
