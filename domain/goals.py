"""Goals we agreed: up to three goals a keyworker and young person agree, in the young
person's words, which the young person rates from 0 to 10 whenever they like.

The words and every rating are sealed with the young person's key. The young person
sees their own line; their keyworker sees it on the desk (a staff view, audited by
the page that shows it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, use_locale
from domain import staff_words
from domain.staff_words import Outcome
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from storage.models import Goal, GoalRating, Staff, YoungPerson, new_id
from storage.repositories import audit
from storage.vault import Vault

MAX_GOALS = 3
GOAL_LIMIT = 200
SCALE = range(0, 11)


@dataclass
class GoalView:
    id: str
    text: str
    ratings: list[tuple[datetime, int]] = field(default_factory=list)  # oldest first

    @property
    def latest(self) -> int | None:
        return self.ratings[-1][1] if self.ratings else None


async def has_goals(session: AsyncSession, person_id: str) -> bool:
    """Whether they have an open goal: the home screen asks on every render, so no
    decryption here."""
    return await session.scalar(select(Goal.id).where(
        Goal.young_person_id == person_id, Goal.ended_at.is_(None)).limit(1)) is not None


async def goals_of(session: AsyncSession, vault: Vault, person: YoungPerson) -> list[GoalView]:
    """Their goals still open, in the order agreed, each with its ratings oldest first."""
    goals = (await session.scalars(
        select(Goal).where(Goal.young_person_id == person.id, Goal.ended_at.is_(None))
        .order_by(Goal.created_at, Goal.id))).all()
    out = []
    for goal in goals:
        view = GoalView(goal.id, await vault.open(session, person.id, "goals", goal.id, goal.text_ct))
        for rating in (await session.scalars(
                select(GoalRating).where(GoalRating.goal_id == goal.id)
                .order_by(GoalRating.created_at, GoalRating.id))).all():
            value = await vault.open(session, person.id, "goal_ratings", rating.id,
                                     rating.payload_ct)
            view.ratings.append((rating.created_at, int(value["rating"])))
        out.append(view)
    return out


async def add_goal(session: AsyncSession, vault: Vault, staff: Staff, person: YoungPerson,
                   text: str, now: datetime) -> Outcome:
    """A goal agreed with the young person, written in their words by their keyworker
    (the caller has checked the young person is on this staff member's desk)."""
    text = staff_words.clean(text)
    problem = staff_words.problem_with(text, GOAL_LIMIT,
                                       _("Please write the goal first, in their words."))
    if problem:
        return Outcome(False, problem)
    open_goals = (await session.scalars(select(Goal.id).where(
        Goal.young_person_id == person.id, Goal.ended_at.is_(None)))).all()
    if len(open_goals) >= MAX_GOALS:
        return Outcome(False, _("They already have 3 goals. Finish one before adding another."))
    goal_id = new_id()
    session.add(Goal(id=goal_id, young_person_id=person.id, created_at=now, created_by=staff.id,
                     text_ct=await vault.seal(session, person.id, "goals", goal_id, text)))
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="goal.added",
          young_person_id=person.id, detail=goal_id)
    if person.telegram_chat_id is not None:
        with use_locale(person.locale):
            message = _("A new goal you agreed: \u201c{goal}\u201d. Send /goals to say how it "
                        "is going, any time you like.").format(goal=text)
        await enqueue(session, vault, chat_id=person.telegram_chat_id,
                      message=Message(text=message), kind="goal_added", now=now,
                      key_owner=person.id, priority=NORMAL, dedupe_key=f"goal:{goal_id}")
    return Outcome(True)


async def end_goal(session: AsyncSession, staff: Staff, person: YoungPerson, goal_id: str,
                   now: datetime) -> bool:
    goal = await session.get(Goal, goal_id) if 0 < len(goal_id) <= 32 else None
    if goal is None or goal.young_person_id != person.id or goal.ended_at is not None:
        return False
    goal.ended_at = now
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="goal.ended",
          young_person_id=person.id, detail=goal_id)
    return True


async def rate_goal(session: AsyncSession, vault: Vault, person: YoungPerson, goal_id: str,
                    value: int, channel: str, now: datetime) -> bool:
    """The young person's own rating of one of their open goals."""
    goal = await session.get(Goal, goal_id) if 0 < len(goal_id) <= 32 else None
    if goal is None or goal.young_person_id != person.id or goal.ended_at is not None \
            or value not in SCALE:
        return False
    rating_id = new_id()
    session.add(GoalRating(
        id=rating_id, goal_id=goal.id, young_person_id=person.id, channel=channel,
        created_at=now, payload_ct=await vault.seal(session, person.id, "goal_ratings", rating_id,
                                                    {"rating": value})))
    return True
