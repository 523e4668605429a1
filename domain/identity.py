"""Who is writing to the bot: a linked young person, a linked staff member, or nobody
we know -- found once per update, in one query for a young person."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Staff, YoungPerson
from storage.repositories import claim_update, staff_by_telegram, young_person_with_context


@dataclass
class Identity:
    young_person: YoungPerson | None = None
    staff: Staff | None = None
    # The young person's service has switched their language off (known from the
    # same query, so the conversation need not ask again).
    language_off: bool = False


async def identify(session: AsyncSession, user_id: int) -> Identity:
    found = await young_person_with_context(session, user_id)
    if found is not None:
        person, language_off = found
        return Identity(young_person=person, language_off=language_off)
    staff = await staff_by_telegram(session, user_id)
    # A deactivated account is nobody we know: no check-ins, buttons or strips.
    return Identity(staff=staff if staff is not None and staff.active else None)


# Note an incoming update's id; False when it came before (a redelivery, handled once
# only). The storage function itself, under the name the channel knows it by.
first_delivery = claim_update
