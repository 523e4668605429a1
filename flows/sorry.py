"""What a young person (or anyone) is told when Heard itself failed -- the database
did not answer, the disk is full, a bug: never silence, never a traceback, and
nothing that blames them. Both channels say the same words."""

from __future__ import annotations

from core.i18n import _


def sorry_title() -> str:
    return _("Something went wrong")


def sorry_text() -> str:
    return _("Something went wrong on our side \u2014 please try again in a minute.")
