"""Getting ready for my review: what a young person wants the people at their
looked-after review to know, in their own words.

Kept sealed with their key. Nobody else sees it until they tap "Share": then their
keyworker is told and it goes into the care-review summary (domain/review.py); when
they stop sharing, later summaries leave it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards.deck import get_card
from core.i18n import N_, _, use_locale
from core.names import first_name
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from storage.models import ReviewPrep, Staff, YoungPerson, new_id
from storage.repositories import audit
from storage.vault import Vault

# The questions, in the order asked; each answer is optional.
QUESTIONS = {
    "well": N_("What's going well?"),
    "change": N_("What would you like to change?"),
    "who": N_("Who would you like to be at your review?"),
    "avoid": N_("Is there anything you don't want talked about?"),
}
# How each answer reads in the summary.
HEADINGS = {
    "well": N_("Going well"),
    "change": N_("I'd like to change"),
    "who": N_("I'd like these people there"),
    "avoid": N_("Please don't talk about"),
}
WORDS_LIMIT = 500


@dataclass
class Prep:
    id: str
    payload: dict
    shared: bool
    updated_at: datetime


def summary_lines(payload: dict) -> list[str]:
    """The summary in the current locale, the same for the young person and the review."""
    lines = []
    if payload.get("cards"):
        lines.append(_("How things are: {feelings}").format(
            feelings=", ".join(_(get_card(c).label) for c in payload["cards"])))
    for key, heading in HEADINGS.items():
        if payload.get(key):
            lines.append(f"{_(heading)}: {payload[key]}")
    return lines


async def latest(session: AsyncSession, vault: Vault, person: YoungPerson) -> Prep | None:
    row = await session.scalar(
        select(ReviewPrep).where(ReviewPrep.young_person_id == person.id)
        .order_by(ReviewPrep.updated_at.desc()).limit(1))
    if row is None:
        return None
    payload = await vault.open(session, person.id, "review_preps", row.id, row.payload_ct)
    return Prep(row.id, payload, row.shared_at is not None, row.updated_at)


async def save(session: AsyncSession, vault: Vault, person: YoungPerson, payload: dict,
               now: datetime, *, share: bool) -> None:
    """Keep this as their one summary (a new one replaces the old), shared or not."""
    row = await session.scalar(
        select(ReviewPrep).where(ReviewPrep.young_person_id == person.id).limit(1))
    if row is None:
        row = ReviewPrep(id=new_id(), young_person_id=person.id, created_at=now)
        session.add(row)
    row.updated_at = now
    row.payload_ct = await vault.seal(session, person.id, "review_preps", row.id, payload)
    await set_shared(session, vault, person, row, share, now)


async def set_shared(session: AsyncSession, vault: Vault, person: YoungPerson,
                     row: ReviewPrep | str, share: bool, now: datetime) -> bool:
    if isinstance(row, str):
        found = await session.get(ReviewPrep, row)
        if found is None or found.young_person_id != person.id:
            return False
        row = found
    row.shared_at = now if share else None
    audit(session, at=now, actor_kind="young_person", actor_id=person.id,
          action="review_prep.shared" if share else "review_prep.kept",
          young_person_id=person.id, detail=row.id)
    if share and person.keyworker_id:
        keyworker = await session.get(Staff, person.keyworker_id)
        if keyworker is not None and keyworker.telegram_chat_id is not None:
            with use_locale(keyworker.locale):
                text = _("A young person you key-work has shared what they want their review to "
                         "know. You can read it on the staff desk.")
            await enqueue(session, vault, chat_id=keyworker.telegram_chat_id,
                          message=Message(text=text), kind="review_prep_shared", now=now,
                          priority=NORMAL, dedupe_key=f"prep:{row.id}:{now.isoformat()}")
    return True


async def shared_for_review(session: AsyncSession, vault: Vault,
                            person: YoungPerson) -> tuple[list[str], datetime] | None:
    """What the young person shared for their review (in the current locale), or None
    when they have not shared it (or stopped sharing it)."""
    prep = await latest(session, vault, person)
    if prep is None or not prep.shared:
        return None
    return summary_lines(prep.payload), prep.updated_at


def keyworker_name(staff: Staff | None) -> str:
    return first_name(staff.name) if staff else _("your keyworker")
