"""When a message cannot be delivered: admins are told, by every route they have
(``outbox.routes.tell_staff``), through the outbox itself, in the same transaction
that marks the message undelivered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, use_locale
from outbox.email import chat_key
from outbox.message import Message
from outbox.queue import NORMAL, URGENT, Claimed
from outbox.routes import EMAIL, Email, tell_staff
from storage.models import Staff, YoungPerson
from storage.repositories import audit
from storage.vault import Vault

# A notice about a notice that failed would only fail the same way.
_NOT_REPORTED = {"undelivered_notice"}


async def _service_of_chat(session: AsyncSession, item: Claimed) -> str | None:
    chat_id = item.chat_id
    if item.channel == EMAIL:
        # An email's chat id is a key made from the address: find whose it is.
        for service_id, email in (await session.execute(
                select(Staff.service_id, Staff.email))).all():
            if chat_key(email) == chat_id:
                return str(service_id)
        return None
    for model in (Staff, YoungPerson):
        found = await session.scalar(
            select(model.service_id).where(model.telegram_chat_id == chat_id).limit(1)
        )
        if found:
            return str(found)
    return None


async def tell_admins(
    session: AsyncSession, vault: Vault, item: Claimed, error: str, now: datetime
) -> None:
    audit(session, at=now, actor_kind="system", actor_id=None, action="outbox.undelivered",
          detail=f"{item.id} kind={item.kind}")
    if item.kind in _NOT_REPORTED:
        return
    service_id = await _service_of_chat(session, item)
    stmt = select(Staff).where(Staff.role == "admin", Staff.active.is_(True))
    if service_id:
        stmt = stmt.where(Staff.service_id == service_id)
    for admin in (await session.scalars(stmt)).all():
        with use_locale(admin.locale):
            text = _("A message from Heard ({kind}) could not be delivered and has stopped "
                     "trying. See it with: python run.py admin outbox").format(kind=item.kind)
            email = Email(subject=_("A message from Heard could not be delivered"), text=text)
        await tell_staff(session, vault, admin, telegram=Message(text=text), email=email,
                         kind="undelivered_notice", now=now,
                         priority=URGENT if item.priority == URGENT else NORMAL,
                         dedupe_key=f"undelivered:{item.id}:{admin.id}",
                         skip=(item.channel, item.chat_id))
