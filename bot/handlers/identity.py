"""Who is writing: a linked young person, a linked staff member, or nobody we know."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Staff, YoungPerson
from storage.repositories import staff_by_telegram, young_person_with_context


@dataclass
class Identity:
    young_person: YoungPerson | None = None
    staff: Staff | None = None


async def identify(session: AsyncSession, user_id: int) -> Identity:
    person = await young_person_with_context(session, user_id)
    if person is not None:
        return Identity(young_person=person)
    staff = await staff_by_telegram(session, user_id)
    # A deactivated account is nobody we know: no check-ins, buttons or strips.
    return Identity(staff=staff if staff is not None and staff.active else None)
