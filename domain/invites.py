"""One-time codes behind every invitation link (Telegram, web, tablet enrolment):
whether a code still opens its door, and using one up.

Validity is decided here and only here (``is_open``), so every door agrees on the
same expiry boundary: a code works strictly before ``expires_at``.

One invitation, two doors: a young person's invitation carries a Telegram link and
a web link. Whoever uses one of them first is the young person; the other link must
not stay open for whoever else holds it. So using any of a young person's codes
closes every other code of theirs that is still open. A second channel then needs a
fresh link made for them afterwards (``admin new-link``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InviteCode
from storage.repositories import audit, claim_code, close_other_codes, hash_code

# Codes are 22 characters; anything much longer is not one of ours (and is not hashed).
MAX_CODE_LENGTH = 64


def is_open(row: InviteCode | None, purpose: str, now: datetime) -> bool:
    """The one rule: the code exists, is for this door, is unused and has not expired."""
    return (
        row is not None
        and row.purpose == purpose
        and row.used_at is None
        and (row.expires_at is None or now < row.expires_at)
    )


async def peek(
    session: AsyncSession, code: str, *, purpose: str, now: datetime
) -> InviteCode | None:
    """The code's row if it could be used now, without using it up."""
    code = code.strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    row = await session.get(InviteCode, hash_code(code))
    return row if is_open(row, purpose, now) else None


async def redeem(
    session: AsyncSession, code: str, *, purpose: str, now: datetime
) -> InviteCode | None:
    """Use a code up and return it; None when it does not open this door now.

    Claiming is atomic (two people racing with one code cannot both win). For a
    young person, their other open codes close in the same transaction.
    """
    row = await peek(session, code, purpose=purpose, now=now)
    if row is None or not await claim_code(session, row.code_hash, now):
        return None
    if row.subject_kind == "young_person":
        closed = await close_other_codes(session, row.subject_id, keep=row.code_hash, now=now)
        if closed:
            audit(session, at=now, actor_kind="system", actor_id=None,
                  action="invite.others_closed", young_person_id=row.subject_id,
                  detail=f"{purpose}:{closed}")
    return row
