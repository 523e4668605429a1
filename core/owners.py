"""Whose data key seals a piece of data: a young person's id, or ``SYSTEM_OWNER`` for
what belongs to no young person (staff secrets, messages to staff, replies that are
not a young person's own). A plain name, so every layer may say it."""

from __future__ import annotations

SYSTEM_OWNER = "system"
