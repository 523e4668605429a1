"""Handover: a young person gets a new keyworker without losing anything.

The new keyworker sees the whole history at once, because every check on a staff
member reads ``young_people.keyworker_id`` (see ``domain.staff.keyworker_of``) and
nothing is copied or moved. The old keyworker loses access in the same transaction.
Each change is a row in ``keyworker_assignments`` (who, from when to when, who
decided). The handover note is sealed with the young person's key and shown only to
the keyworker it was written for; the hello message (and photo) goes to the young
person on Telegram now, and on the web at their next visit.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, use_locale
from cards.photos import PhotoError, clean_photo
from domain.admin import AdminError
from domain.assignments import actor_of, end_assignment, open_assignment, start_assignment
from core.names import first_name
from domain.staff import KEYWORKING_ROLES, keyworker_of
from outbox.message import Message
from outbox.queue import NORMAL, URGENT, enqueue
from storage.models import KeyworkerAssignment, OutboxMessage, Staff, YoungPerson
from storage.repositories import audit, staff_by_email
from storage.vault import KeyErased, Vault

TABLE = "keyworker_assignments"
NOTE_LIMIT = 4000
HELLO_LIMIT = 600
MANAGER_ROLES = ("lead", "admin")


@dataclass(frozen=True)
class HandoverNote:
    assignment_id: str
    written_at: datetime
    previous_keyworker: str | None  # their name, when there was one
    note: str


def require_manager(by: Staff | None, service_id: str) -> None:
    """A staff member acting on the web must be an active lead or admin of this service;
    None is the operator at the command line."""
    if by is None:
        return
    if not by.active or by.role not in MANAGER_ROLES or by.service_id != service_id:
        raise AdminError("only a lead or admin of this service can do that")


async def assign_keyworker(
    session: AsyncSession,
    vault: Vault,
    *,
    young_person_id: str,
    keyworker_email: str,
    note: str,
    now: datetime,
    hello: str | None = None,
    photo: bytes | None = None,
    by: Staff | None = None,
) -> dict[str, object]:
    person = await session.get(YoungPerson, young_person_id) if len(young_person_id) <= 32 else None
    if person is None:
        raise AdminError(f"no young person {young_person_id!r}")
    require_manager(by, person.service_id)
    keyworker = await staff_by_email(session, keyworker_email)
    if keyworker is None or keyworker.service_id != person.service_id:
        raise AdminError(f"no staff member {keyworker_email!r} in this young person's service")
    if not keyworker.active:
        raise AdminError(f"{keyworker.email} is deactivated and cannot be a keyworker")
    if keyworker.role not in KEYWORKING_ROLES:
        raise AdminError(f"{keyworker.email} is a {keyworker.role}; only keyworkers can key-work")
    if person.keyworker_id == keyworker.id:
        raise AdminError(f"{keyworker.email} is already this young person's keyworker")
    note = (note or "").strip()
    if not note:
        raise AdminError("a handover note is needed: what should the new keyworker know?")
    if len(note) > NOTE_LIMIT:
        raise AdminError(f"the handover note is too long (at most {NOTE_LIMIT} characters)")
    hello = (hello or "").strip() or None
    if hello is not None and len(hello) > HELLO_LIMIT:
        raise AdminError(f"the hello message is too long (at most {HELLO_LIMIT} characters)")
    try:
        cleaned = clean_photo(photo) if photo is not None else None
    except PhotoError as exc:
        raise AdminError(str(exc)) from None
    try:
        await vault.cipher(session, person.id)  # sealing the note needs their key
    except KeyErased:
        raise AdminError("this young person's data was erased; they cannot be assigned") from None

    previous = await session.get(Staff, person.keyworker_id) if person.keyworker_id else None
    if previous is not None and previous.telegram_chat_id is not None:
        # Not yet sent to the old keyworker about this young person: no longer theirs to
        # read. Urgent alerts still go: whoever gets one may act on it.
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == previous.telegram_chat_id,
                   OutboxMessage.key_owner == person.id, OutboxMessage.status == "pending",
                   OutboxMessage.priority != URGENT)
            .values(status="cancelled", last_error="handed over to a new keyworker")
        )
    await end_assignment(session, person, now, "handover")
    row = await start_assignment(session, person, keyworker, now, by)
    row.note_ct = await vault.seal(session, person.id, TABLE, row.id, note)
    hello_payload: dict[str, object] = {"text": hello}
    if cleaned is not None:
        hello_payload["photo_jpeg"] = base64.b64encode(cleaned).decode("ascii")
    row.hello_ct = await vault.seal(session, person.id, TABLE + ".hello", row.id, hello_payload)
    kind, actor_id = actor_of(by)
    audit(session, at=now, actor_kind=kind, actor_id=actor_id, action="keyworker.assigned",
          young_person_id=person.id,
          detail=f"{row.id} from={previous.id if previous else '-'} to={keyworker.id}")

    told_on_telegram = False
    if person.telegram_chat_id is not None:
        with use_locale(person.locale):
            text = hello_text(keyworker, hello)
        picture = {"kind": "handover_photo", "assignment_id": row.id} if cleaned else {}
        await enqueue(session, vault, chat_id=person.telegram_chat_id,
                      message=Message(text=text, picture=picture, locale=person.locale),
                      kind="handover_hello", now=now, key_owner=person.id, priority=NORMAL,
                      dedupe_key=f"handover:{row.id}")
        told_on_telegram = True
    return {
        "young_person_id": person.id,
        "assignment_id": row.id,
        "keyworker": keyworker.email,
        "previous_keyworker": previous.email if previous else None,
        "photo": cleaned is not None,
        "told_on_telegram": told_on_telegram,
        "shown_on_web_next_visit": True,
    }


def hello_text(keyworker: Staff, hello: str | None) -> str:
    """What the young person reads, in the current locale: plain, kind and true."""
    name = first_name(keyworker.name)
    lines = [_("You have a new keyworker: {name}.").format(name=name)]
    if hello:
        lines.append(_("{name} says: \u201c{hello}\u201d").format(name=name, hello=hello))
    lines.append(_("{name} can see the check-ins you sent before, so you don't have to "
                   "explain everything again.").format(name=name))
    return "\n\n".join(lines)


async def assignment_history(
    session: AsyncSession, young_person_id: str
) -> list[dict[str, object]]:
    """Every keyworker a young person has had, newest first: who, from when to when,
    who decided and why it ended. Holds nothing the young person said."""
    person = await session.get(YoungPerson, young_person_id) if len(young_person_id) <= 32 else None
    if person is None:
        raise AdminError(f"no young person {young_person_id!r}")
    rows = (await session.scalars(
        select(KeyworkerAssignment)
        .where(KeyworkerAssignment.young_person_id == person.id)
        # Newest first; on the day of a handover the current row before the one it ended.
        .order_by(KeyworkerAssignment.started_at.desc(),
                  KeyworkerAssignment.ended_at.is_(None).desc())
    )).all()
    ids = {r.staff_id for r in rows}
    ids |= {r.assigned_by_id for r in rows if r.assigned_by_kind == "staff"}
    ids.discard(None)
    people = {s.id: s for s in (await session.scalars(select(Staff).where(Staff.id.in_(ids))))}
    history: list[dict[str, object]] = []
    for row in rows:
        staff = people.get(row.staff_id or "")
        by = people.get(row.assigned_by_id or "") if row.assigned_by_kind == "staff" else None
        history.append({
            "assignment_id": row.id,
            "staff_id": row.staff_id,
            "name": staff.name if staff else None,
            "email": staff.email if staff else None,
            "from": row.started_at.isoformat(),
            "to": row.ended_at.isoformat() if row.ended_at else None,
            "current": row.ended_at is None,
            "ended_because": row.ended_reason,
            "assigned_by": by.email if by else row.assigned_by_kind,
        })
    return history


async def handover_notes_for(
    session: AsyncSession, vault: Vault, staff: Staff, young_person: YoungPerson, now: datetime,
) -> list[HandoverNote]:
    """The handover notes written for ``staff`` about this young person, newest first.

    Only their current keyworker sees them, and only the notes written for them: an
    earlier or later keyworker, a lead or an admin gets nothing. Reading is audited.
    """
    if await keyworker_of(session, staff, young_person.id) is None:
        audit(session, at=now, actor_kind="staff", actor_id=staff.id,
              action="handover_note.refused", young_person_id=young_person.id)
        return []
    rows = (await session.scalars(
        select(KeyworkerAssignment)
        .where(KeyworkerAssignment.young_person_id == young_person.id,
               KeyworkerAssignment.staff_id == staff.id,
               KeyworkerAssignment.note_ct.is_not(None))
        .order_by(KeyworkerAssignment.started_at.desc())
    )).all()
    notes: list[HandoverNote] = []
    for row in rows:
        assert row.note_ct is not None
        text = await vault.open(session, young_person.id, TABLE, row.id, row.note_ct)
        before = await session.scalar(
            select(Staff).join(KeyworkerAssignment, KeyworkerAssignment.staff_id == Staff.id)
            .where(KeyworkerAssignment.young_person_id == young_person.id,
                   KeyworkerAssignment.ended_at == row.started_at)
            .limit(1)
        )
        notes.append(HandoverNote(row.id, row.started_at, before.name if before else None, text))
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="handover_note.viewed",
          young_person_id=young_person.id, detail=str(len(notes)))
    return notes


async def _hello(session: AsyncSession, vault: Vault, row: KeyworkerAssignment) -> dict:
    assert row.hello_ct is not None
    return await vault.open(session, row.young_person_id, TABLE + ".hello", row.id, row.hello_ct)


async def hello_photo(session: AsyncSession, vault: Vault, assignment_id: str) -> bytes | None:
    """The cleaned photo sent with a hello (for the sender and the web), or None."""
    if not assignment_id or len(assignment_id) > 32:
        return None
    row = await session.get(KeyworkerAssignment, assignment_id)
    if row is None or row.hello_ct is None:
        return None
    try:
        payload = await _hello(session, vault, row)
    except KeyErased:
        return None
    photo = payload.get("photo_jpeg")
    return base64.b64decode(photo) if photo else None


async def hello_photo_for(session: AsyncSession, vault: Vault, young_person_id: str,
                          assignment_id: str) -> bytes | None:
    """The photo of a hello sent to this young person; None for anyone else's."""
    row = await session.get(KeyworkerAssignment, assignment_id) if (
        len(assignment_id) <= 32) else None
    if row is None or row.young_person_id != young_person_id:
        return None
    return await hello_photo(session, vault, assignment_id)


@dataclass(frozen=True)
class Hello:
    text: str
    photo_id: str | None  # the assignment whose photo to show, when there is one


async def hello_notice(
    session: AsyncSession, vault: Vault, person: YoungPerson, now: datetime
) -> Hello | None:
    """The newest hello from their current keyworker not yet shown on the web, once."""
    row = await open_assignment(session, person.id)
    if row is None or row.hello_ct is None or row.hello_shown_at is not None:
        return None
    staff = await session.get(Staff, row.staff_id) if row.staff_id else None
    if staff is None:
        return None
    try:
        payload = await _hello(session, vault, row)
    except KeyErased:
        return None
    row.hello_shown_at = now
    return Hello(hello_text(staff, payload.get("text")),
                 row.id if payload.get("photo_jpeg") else None)
