"""Buddies for the first week: another young person living at the new placement who
says hello and answers questions, through Heard.

- **Who lives there** (``residents``): young people whose latest move made
  ("moved") is to that placement.
- **Agreeing** (``ask`` / ``answer``): placement staff ask a resident; the young
  person answers in their own channel (the ``buddy`` flow). "No" is final until they
  change their mind themselves: staff cannot ask again.
- **Choosing** (``choose``): for a planned move, staff choose one resident who said
  yes. That opens the relay; it closes by itself at ``closes_at`` (the move date plus
  ``HEARD_BUDDY_DAYS``, at least 7, at 6 pm where the service is), when either side
  stops it, or when the move is cancelled (``close_due``).
- **The relay** (``send``): short messages passed on to the other side's channel,
  with phone numbers, @usernames, links and e-mail addresses taken out
  (``strip_contacts``), read for risk like any words, and sealed with the sender's
  key. Neither side is ever given the other's Telegram id, username or number: only
  the nickname Heard knows them by.
- **Both keyworkers** read the relay on the desk (``relay_for_keyworker``, audited).
- **Settling in** (``settling_in_due``): the morning after the move and at the end
  of the first week, "How is it going?" with a way into a check-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import MIN_BUDDY_DAYS
from core.i18n import _, current_locale, dates_locale, use_locale
from domain.context import FlowContext
from domain.nicknames import nickname_of, preload_keys
from domain.placements import CANCELLED, MOVED, PLANNED, placement_for
from domain.records import Crisis, safeguard_words
from domain.staff import keyworker_of
from domain.staff_words import clean
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from storage.db import insert_once
from storage.models import (
    BuddyConsent,
    BuddyMatch,
    BuddyMessage,
    DataKey,
    OutboxMessage,
    Placement,
    PlacementMove,
    Service,
    Staff,
    YoungPerson,
)
from storage.repositories import audit
from storage.vault import KeyErased, Vault

ASKED, YES, NO = "asked", "yes", "no"
MATCHES, MESSAGES = "buddy_matches", "buddy_messages"
RELAY_LIMIT = 300
HELLO_LIMIT = 300
# The relay closes at this local hour on its last day (not at midnight: nobody is
# woken by "messages have closed").
CLOSE_HOUR = 18
# "How is it going?" comes at this local hour, the morning after the move and a week on.
SETTLING_HOUR = 10
SETTLING_DAYS = (1, 7)
# A "how is it going" more than this late (the server was down) is not sent.
SETTLING_STALE = timedelta(hours=12)
REMOVED = "[removed]"


class BuddyError(ValueError):
    """Something asked for cannot be done; the message says why, plainly."""


# -- Taking out what would let two young people reach each other outside Heard ------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_TLDS = ("com|co|uk|org|net|io|me|ly|gg|tv|app|xyz|info|biz|to|link|ru|de|fr|ie|eu|us|"
         "ca|au|in|site|online|live|chat|page|dev|club|fun|im|be|cc|ws|tk|ml|ga|cf|gq")
# No spaces around the dots: "Hi. Im Sam" and "soon. Me and Jo" are sentences.
_DOMAIN = re.compile(rf"(?i)\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/\S*)?")
# "sam at gmail dot com"
_SPELT_EMAIL = re.compile(r"(?i)\b[\w.+-]+\s+at\s+[\w-]+\s+dot\s+[a-z]{2,}\b")
# The name after an app: "snap: sam_22", "my insta is sam.22", "discord sam#1234".
_APP_NAME = re.compile(r"(?i)\b(snap(?:chat)?|insta(?:gram)?|ig|tik\s?tok|discord|whats\s?app|"
                       r"telegram|kik|facebook|fb|twitter|x\.com)\b(\s*(?:is|=|:|-)?\s*)"
                       r"([@\w.#-]*\d[@\w.#-]*|@[@\w.#-]+|[\w]+[_.#][@\w.#-]+)")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{1,64}")
# Seven or more digits, however spaced or punctuated (+44 7700 900123, 07700-900-123,
# (0161) 496 0000); a Telegram user id is a long number too.
_NUMBER = re.compile(r"(?:\+|\b)\d(?:[\s().\-/]*\d){6,}")
_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")


def _number(match: re.Match[str]) -> str:
    # A date ("12/03/2009") is not a way to reach anyone.
    return match.group(0) if _DATE.match(match.group(0)) else REMOVED


def strip_contacts(text: str) -> tuple[str, bool]:
    """The text with phone numbers, @usernames, links and e-mail addresses replaced by
    "[removed]", and whether anything was taken out."""
    original = text
    for pattern in (_EMAIL, _SPELT_EMAIL, _URL, _DOMAIN, _HANDLE):
        text = pattern.sub(REMOVED, text)
    text = _APP_NAME.sub(lambda m: m.group(1) + m.group(2) + REMOVED, text)
    text = _NUMBER.sub(_number, text)
    return text, text != original


def removed_notice() -> str:
    return _("We took out a phone number or link. Buddies chat here, so everyone stays safe.")


# -- Who lives where, and who said yes ------------------------------------------------

async def residents(session: AsyncSession, placement_id: str) -> list[YoungPerson]:
    """Young people whose latest move made is to this placement (whose data is not
    erased)."""
    latest = (
        select(PlacementMove.young_person_id, func.max(PlacementMove.moved_at).label("at"))
        .where(PlacementMove.state == MOVED)
        .group_by(PlacementMove.young_person_id)
        .subquery()
    )
    rows = (await session.scalars(
        select(YoungPerson)
        .join(PlacementMove, PlacementMove.young_person_id == YoungPerson.id)
        .join(latest, (latest.c.young_person_id == PlacementMove.young_person_id)
              & (latest.c.at == PlacementMove.moved_at))
        .join(DataKey, DataKey.owner == YoungPerson.id)
        .where(PlacementMove.state == MOVED, PlacementMove.placement_id == placement_id)
        .order_by(YoungPerson.created_at)
    )).unique().all()
    return list(rows)


async def lives_at(session: AsyncSession, young_person_id: str) -> str | None:
    """The placement a young person lives at now (their latest move made), if any."""
    return await session.scalar(
        select(PlacementMove.placement_id)
        .where(PlacementMove.young_person_id == young_person_id, PlacementMove.state == MOVED)
        .order_by(PlacementMove.moved_at.desc()).limit(1)
    )


async def consent_of(session: AsyncSession, young_person_id: str) -> BuddyConsent | None:
    return await session.get(BuddyConsent, young_person_id)


async def _tell(session: AsyncSession, vault: Vault, person: YoungPerson, text: str, *,
                kind: str, now: datetime, dedupe_key: str, key_owner: str | None = None) -> bool:
    """A message to a young person's Telegram chat (the web shows the same on its
    pages). ``key_owner``: whose words it carries (the sender's, for relayed words)."""
    if person.telegram_chat_id is None:
        return False
    await enqueue(session, vault, chat_id=person.telegram_chat_id,
                  message=Message(text=text, locale=person.locale), kind=kind, now=now,
                  key_owner=key_owner or person.id, priority=NORMAL, dedupe_key=dedupe_key)
    return True


async def ask(session: AsyncSession, vault: Vault, *, by: Staff, placement_id: str,
              young_person_id: str, now: datetime) -> None:
    """Placement staff ask a resident whether they would like to be a buddy. Asked
    once, never again: after a yes or a no, only the young person can change it."""
    placement = await placement_for(session, by, placement_id)
    if placement is None:
        raise BuddyError(_("That placement is not one you look after."))
    person = next((p for p in await residents(session, placement.id)
                   if p.id == young_person_id), None)
    if person is None:
        raise BuddyError(_("Only a young person living at {place} can be asked.")
                         .format(place=placement.name))
    consent = await consent_of(session, person.id)
    if consent is not None and consent.state == ASKED:
        raise BuddyError(_("They have been asked already. They will answer in their own time."))
    if consent is not None:
        raise BuddyError(_("They have answered already. Only they can change their answer."))
    consent = BuddyConsent(young_person_id=person.id, state=ASKED, asked_at=now, asked_by=by.id)
    session.add(consent)
    audit(session, at=now, actor_kind="staff", actor_id=by.id, action="buddy.asked",
          young_person_id=person.id, detail=placement.id)
    with use_locale(person.locale):
        text = "\n\n".join([
            _("Would you like to be a buddy for someone new?"),
            _("A buddy says hello to a young person who is moving to {place}, and "
              "answers their questions in their first week, through Heard. It is fine "
              "to say no.").format(place=placement.name),
            _("Send /buddy to answer."),
        ])
    await _tell(session, vault, person, text, kind="buddy_asked", now=now,
                dedupe_key=f"buddy-asked:{person.id}:{now.isoformat()}")


async def answer(session: AsyncSession, person: YoungPerson, *, yes: bool,
                 now: datetime) -> BuddyConsent:
    """The young person's own answer (or a change of mind, either way)."""
    consent = await consent_of(session, person.id)
    if consent is None:
        consent = BuddyConsent(young_person_id=person.id, state=ASKED)
        session.add(consent)
    consent.state, consent.answered_at = (YES if yes else NO), now
    audit(session, at=now, actor_kind="young_person", actor_id=person.id,
          action="buddy.answered", young_person_id=person.id, detail=consent.state)
    return consent


# -- Choosing a buddy for someone moving in -------------------------------------------

def _day(day: date) -> str:
    return format_date(day, "EEEE d MMMM", locale=dates_locale(current_locale()))


async def closing_time(session: AsyncSession, move: PlacementMove, service_id: str,
                       days: int) -> datetime:
    """When the relay for this move closes: 6 pm where the service is, ``days`` (at
    least 7) after the move date."""
    service = await session.get(Service, service_id)
    tz = ZoneInfo(service.timezone if service else "Europe/London")
    last = move.move_date + timedelta(days=max(MIN_BUDDY_DAYS, days))
    return datetime.combine(last, time(CLOSE_HOUR), tzinfo=tz).astimezone(UTC)


async def open_match(session: AsyncSession, young_person_id: str,
                     now: datetime) -> BuddyMatch | None:
    """The open relay this young person is in (as the one moving in, or the buddy)."""
    return await session.scalar(
        select(BuddyMatch)
        .join(PlacementMove, PlacementMove.id == BuddyMatch.move_id)
        .where(or_(BuddyMatch.arrival_id == young_person_id,
                   BuddyMatch.buddy_id == young_person_id),
               BuddyMatch.closed_at.is_(None), BuddyMatch.closes_at > now,
               # A cancelled move passes nothing more, before the scheduler closes it.
               PlacementMove.state != CANCELLED)
        .order_by(BuddyMatch.chosen_at.desc()).limit(1)
    )


async def match_of_move(session: AsyncSession, move_id: str) -> BuddyMatch | None:
    return await session.scalar(
        select(BuddyMatch).where(BuddyMatch.move_id == move_id)
        .order_by(BuddyMatch.chosen_at.desc()).limit(1))


async def choose(session: AsyncSession, vault: Vault, *, by: Staff, placement_id: str,
                 move_id: str, buddy_id: str, now: datetime, days: int) -> BuddyMatch:
    """Placement staff choose a buddy (a resident who said yes) for a planned move to
    their placement. The relay opens now and both are told."""
    placement = await placement_for(session, by, placement_id)
    if placement is None:
        raise BuddyError(_("That placement is not one you look after."))
    move = await session.get(PlacementMove, move_id) if len(move_id or "") <= 32 else None
    if move is None or move.placement_id != placement.id or move.state != PLANNED:
        raise BuddyError(_("That move is not planned any more."))
    earlier = await match_of_move(session, move.id)
    if earlier is not None and earlier.closed_at is None:
        raise BuddyError(_("This young person has a buddy already."))
    buddy = next((p for p in await residents(session, placement.id) if p.id == buddy_id), None)
    consent = await consent_of(session, buddy_id) if buddy else None
    if buddy is None or consent is None or consent.state != YES:
        raise BuddyError(_("Please choose a young person living here who said yes to being "
                           "a buddy."))
    if buddy.id == move.young_person_id:
        raise BuddyError(_("Please choose someone else."))
    if await open_match(session, buddy.id, now) is not None:
        raise BuddyError(_("They are already a buddy for someone right now."))
    planned_elsewhere = await session.scalar(
        select(PlacementMove.id).where(PlacementMove.young_person_id == buddy.id,
                                       PlacementMove.state == PLANNED).limit(1))
    if planned_elsewhere is not None:
        raise BuddyError(_("They are moving themselves soon, so they cannot be a buddy now."))
    arrival = await session.get(YoungPerson, move.young_person_id)
    assert arrival is not None
    match = BuddyMatch(move_id=move.id, placement_id=placement.id, arrival_id=arrival.id,
                       buddy_id=buddy.id, chosen_by=by.id, chosen_at=now,
                       closes_at=await closing_time(session, move, placement.service_id, days))
    if not await insert_once(session, match):  # someone else chose at the same moment
        raise BuddyError(_("This young person has a buddy already."))
    audit(session, at=now, actor_kind="staff", actor_id=by.id, action="buddy.chosen",
          young_person_id=arrival.id, detail=f"{match.id} buddy={buddy.id}")
    audit(session, at=now, actor_kind="staff", actor_id=by.id, action="buddy.chosen",
          young_person_id=buddy.id, detail=f"{match.id} for={arrival.id}")
    arrival_name = await nickname_of(session, vault, arrival) or ""
    buddy_name = await nickname_of(session, vault, buddy) or ""
    with use_locale(buddy.locale):
        text = "\n\n".join([
            _("Thank you for being a buddy! {name} is moving to {place} on {day}.").format(
                name=arrival_name, place=placement.name, day=_day(move.move_date)),
            _("Send /buddy to write them a short hello. You can send each other messages "
              "through Heard for their first week."),
        ])
    await _tell(session, vault, buddy, text, kind="buddy_chosen", now=now,
                dedupe_key=f"buddy-chosen:{match.id}:buddy")
    with use_locale(arrival.locale):
        text = "\n\n".join([
            _("You have a buddy at {place}: {name}. {name} lives there and can answer your "
              "questions.").format(place=placement.name, name=buddy_name),
            _("Send /buddy to send {name} a message.").format(name=buddy_name),
        ])
    await _tell(session, vault, arrival, text, kind="buddy_chosen", now=now,
                dedupe_key=f"buddy-chosen:{match.id}:arrival")
    return match


# -- What each side sees ---------------------------------------------------------------

@dataclass(frozen=True)
class MessageView:
    mine: bool
    name: str
    text: str
    sent_at: datetime
    passed_on: bool = True  # False: it raised an alert and was kept for the adults


@dataclass(frozen=True)
class MatchView:
    match: BuddyMatch
    i_am_buddy: bool
    other_id: str
    other_name: str
    place: str
    move_date: date
    hello: str | None  # None: the buddy has not written one yet
    messages: list[MessageView]
    open: bool


def default_hello(place: str) -> str:
    return _("Hi! I live at {place}. I'm looking forward to meeting you. Ask me anything "
             "about living here.").format(place=place)


async def _hello(session: AsyncSession, vault: Vault, match: BuddyMatch) -> str | None:
    if match.hello_ct is None:
        return None
    try:
        return str(await vault.open(session, match.buddy_id, MATCHES, match.id, match.hello_ct))
    except KeyErased:
        return ""


async def _messages(session: AsyncSession, vault: Vault, match: BuddyMatch, me: str | None,
                    names: dict[str, str], *, relayed_only: bool,
                    held_of: str | None = None) -> list[MessageView]:
    """The relay's messages; one held back for risk words only when ``relayed_only`` is
    False and it is ``held_of``'s own (their keyworker's view, never the other side's)."""
    stmt = select(BuddyMessage).where(BuddyMessage.match_id == match.id)
    if relayed_only:
        stmt = stmt.where(BuddyMessage.relayed.is_(True))
    elif held_of is not None:
        stmt = stmt.where(or_(BuddyMessage.relayed.is_(True),
                              BuddyMessage.sender_id == held_of))
    out = []
    for row in (await session.scalars(stmt.order_by(BuddyMessage.sent_at))).all():
        try:
            text = str(await vault.open(session, row.sender_id, MESSAGES, row.id, row.text_ct))
        except KeyErased:
            continue
        out.append(MessageView(row.sender_id == me, names.get(row.sender_id, "?"), text,
                               row.sent_at, row.relayed))
    return out


async def view_for(session: AsyncSession, vault: Vault, person: YoungPerson, now: datetime,
                   match: BuddyMatch | None = None) -> MatchView | None:
    """What a young person sees of their open relay (or of ``match``, e.g. one just
    closed): the other's nickname, the hello, the messages passed on."""
    match = match or await open_match(session, person.id, now)
    if match is None or person.id not in (match.arrival_id, match.buddy_id):
        return None
    i_am_buddy = match.buddy_id == person.id
    other = await session.get(YoungPerson, match.arrival_id if i_am_buddy else match.buddy_id)
    placement = await session.get(Placement, match.placement_id)
    move = await session.get(PlacementMove, match.move_id)
    if other is None or placement is None or move is None:
        return None
    other_name = await nickname_of(session, vault, other) or _("your buddy")
    mine = await nickname_of(session, vault, person) or ""
    names = {person.id: mine, other.id: other_name}
    return MatchView(match, i_am_buddy, other.id, other_name, placement.name, move.move_date,
                     await _hello(session, vault, match),
                     await _messages(session, vault, match, person.id, names, relayed_only=True),
                     match.closed_at is None and match.closes_at > now)


async def other_name(session: AsyncSession, vault: Vault, person: YoungPerson,
                     now: datetime) -> str | None:
    """The nickname of the other side of this young person's open relay, if any."""
    match = await open_match(session, person.id, now)
    if match is None:
        return None
    other = await session.get(YoungPerson, match.arrival_id if match.buddy_id == person.id
                              else match.buddy_id)
    return (await nickname_of(session, vault, other) if other else None) or _("your buddy")


# -- The relay --------------------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    """What happened to a message: ``sent`` (passed on), ``removed`` (a number or
    link was taken out), ``crisis`` (risk words: an alert was raised and the message
    kept for the keyworkers, not passed on), ``closed`` (nothing passes any more)."""

    sent: bool
    removed: bool = False
    crisis: Crisis | None = None
    closed: bool = False
    too_long: bool = False


async def write_hello(ctx: FlowContext, text: str | None) -> Sent:
    """The buddy's hello for the young person moving in (None: the kind default)."""
    now = ctx.clock.now()
    match = await open_match(ctx.session, ctx.person.id, now)
    if match is None or match.buddy_id != ctx.person.id:
        return Sent(False, closed=True)
    words = clean(text or "")
    if len(words) > HELLO_LIMIT:
        return Sent(False, too_long=True)
    crisis = await safeguard_words(ctx, words) if words else None
    cleaned, removed = strip_contacts(words)
    if crisis is not None:
        cleaned = ""  # the kind default goes instead; the keyworker has the words
    match.hello_ct = await ctx.vault.seal(ctx.session, ctx.person.id, MATCHES, match.id, cleaned)
    audit(ctx.session, at=now, actor_kind="young_person", actor_id=ctx.person.id,
          action="buddy.hello_written", young_person_id=ctx.person.id, detail=match.id)
    arrival = await ctx.session.get(YoungPerson, match.arrival_id)
    placement = await ctx.session.get(Placement, match.placement_id)
    if arrival is not None and placement is not None:
        name = await ctx.nickname()
        with use_locale(arrival.locale):
            hello = cleaned or default_hello(placement.name)
            text_out = "\n\n".join([
                _("Your buddy {name} says hello: \u201c{hello}\u201d").format(name=name,
                                                                            hello=hello),
                _("Send /buddy to answer."),
            ])
        await _tell(ctx.session, ctx.vault, arrival, text_out, kind="buddy_hello", now=now,
                    key_owner=ctx.person.id, dedupe_key=f"buddy-hello:{match.id}")
    return Sent(crisis is None, removed=removed, crisis=crisis)


async def send(ctx: FlowContext, text: str) -> Sent:
    """A message from one side of an open relay to the other."""
    now = ctx.clock.now()
    match = await open_match(ctx.session, ctx.person.id, now)
    if match is None:
        return Sent(False, closed=True)
    words = clean(text)
    if not words:
        return Sent(False)
    if len(words) > RELAY_LIMIT:
        return Sent(False, too_long=True)
    # Read for risk as typed, before anything is taken out.
    crisis = await safeguard_words(ctx, words)
    cleaned, removed = strip_contacts(words)
    row = BuddyMessage(match_id=match.id, sender_id=ctx.person.id, sent_at=now, text_ct=b"",
                       relayed=crisis is None)
    ctx.session.add(row)
    await ctx.session.flush()
    row.text_ct = await ctx.vault.seal(ctx.session, ctx.person.id, MESSAGES, row.id, cleaned)
    audit(ctx.session, at=now, actor_kind="young_person", actor_id=ctx.person.id,
          action="buddy.message_sent", young_person_id=ctx.person.id,
          detail=f"{match.id} {row.id}" + ("" if row.relayed else " held"))
    if crisis is None:
        other = await ctx.session.get(YoungPerson, match.buddy_id if match.arrival_id ==
                                      ctx.person.id else match.arrival_id)
        if other is not None:
            name = await ctx.nickname()
            with use_locale(other.locale):
                out = "\n\n".join([
                    _("{name} says: \u201c{text}\u201d").format(name=name, text=cleaned),
                    _("Send /buddy to answer."),
                ])
            await _tell(ctx.session, ctx.vault, other, out, kind="buddy_message", now=now,
                        key_owner=ctx.person.id, dedupe_key=f"buddy-message:{row.id}")
    return Sent(crisis is None, removed=removed, crisis=crisis)


async def _close(session: AsyncSession, vault: Vault, match: BuddyMatch, reason: str,
                 now: datetime, *, stopped_by: str | None = None) -> bool:
    """Close the relay and tell both (but whoever stopped it); whether the other was
    told on their channel now (a web-only young person sees it on their buddy page)."""
    told = False
    match.closed_at, match.closed_reason = now, reason
    audit(session, at=now, actor_kind="young_person" if stopped_by else "system",
          actor_id=stopped_by, action=f"buddy.relay_{reason}", young_person_id=match.arrival_id,
          detail=match.id)
    people = [await session.get(YoungPerson, pid) for pid in (match.arrival_id, match.buddy_id)]
    for me, other in ((people[0], people[1]), (people[1], people[0])):
        if me is None or other is None or me.id == stopped_by:
            continue  # whoever stopped it sees that on their own screen
        name = await nickname_of(session, vault, other) or ""
        with use_locale(me.locale):
            if reason == "stopped":
                text = _("{name} has stopped buddy messages. That is OK. Nothing more can be "
                         "sent. If you want to talk, the adults who look after you are there "
                         "for you.").format(name=name)
            elif reason == "cancelled":
                text = _("The move has changed, so buddy messages with {name} have closed.") \
                    .format(name=name)
            else:
                text = _("Buddy messages with {name} have closed now that the first week is "
                         "over. We hope it went well. The adults who look after you are "
                         "always there to talk.").format(name=name)
        told = await _tell(session, vault, me, text, kind="buddy_closed", now=now,
                           dedupe_key=f"buddy-closed:{match.id}:{me.id}") or told
    return told


async def stop(session: AsyncSession, vault: Vault, person: YoungPerson,
               now: datetime) -> bool | None:
    """"Stop messages": closed for good, at once. None when nothing was open; else
    whether the other young person was told on Telegram now."""
    match = await open_match(session, person.id, now)
    if match is None:
        return None
    return await _close(session, vault, match, "stopped", now, stopped_by=person.id)


async def close_due(session: AsyncSession, vault: Vault, now: datetime, limit: int = 100) -> int:
    """Close relays whose time is up (both told), and those whose move was cancelled."""
    rows = (await session.execute(
        select(BuddyMatch, PlacementMove.state)
        .join(PlacementMove, PlacementMove.id == BuddyMatch.move_id)
        .where(BuddyMatch.closed_at.is_(None),
               or_(BuddyMatch.closes_at <= now, PlacementMove.state == CANCELLED))
        .limit(limit)
    )).all()
    for match, move_state in rows:
        await _close(session, vault, match, "cancelled" if move_state == CANCELLED
                     and match.closes_at > now else "ended", now)
    return len(rows)


# -- Keyworkers read the relay ---------------------------------------------------------

@dataclass(frozen=True)
class RelayView:
    match_id: str
    role: str  # "buddy" (this young person is the buddy) | "arrival"
    other_name: str
    place: str
    hello: str | None
    messages: list[MessageView]
    open: bool
    closes_at: datetime
    closed_reason: str | None


async def relay_for_keyworker(session: AsyncSession, vault: Vault, staff: Staff,
                              young_person_id: str, now: datetime) -> list[RelayView]:
    """Every buddy relay this young person is in, for their keyworker only (both
    sides' keyworkers can read it). Each one read is audited, under both young people."""
    person = await keyworker_of(session, staff, young_person_id)
    if person is None:
        return []
    matches = (await session.scalars(
        select(BuddyMatch).where(or_(BuddyMatch.arrival_id == person.id,
                                     BuddyMatch.buddy_id == person.id))
        .order_by(BuddyMatch.chosen_at.desc())
    )).all()
    views = []
    for match in matches:
        other = await session.get(YoungPerson, match.arrival_id if match.buddy_id == person.id
                                  else match.buddy_id)
        placement = await session.get(Placement, match.placement_id)
        if other is None or placement is None:
            continue
        names = {person.id: await nickname_of(session, vault, person) or "?",
                 other.id: await nickname_of(session, vault, other) or "?"}
        views.append(RelayView(
            match.id, "buddy" if match.buddy_id == person.id else "arrival", names[other.id],
            placement.name, await _hello(session, vault, match),
            await _messages(session, vault, match, None, names, relayed_only=False,
                            held_of=person.id),
            match.closed_at is None and match.closes_at > now, match.closes_at,
            match.closed_reason))
        for pid in (person.id, other.id):
            audit(session, at=now, actor_kind="staff", actor_id=staff.id,
                  action="buddy.relay_viewed", young_person_id=pid, detail=match.id)
    return views


# -- What placement staff see -----------------------------------------------------------

@dataclass(frozen=True)
class ResidentView:
    id: str
    nickname: str
    answer: str  # "" (not asked) | asked | yes | no
    busy: bool  # a buddy for someone now, or moving themselves


@dataclass(frozen=True)
class ArrivalView:
    move_id: str
    nickname: str
    move_date: date
    buddy_name: str | None
    relay_open: bool
    closes_at: datetime | None


async def desk_view(session: AsyncSession, vault: Vault, staff: Staff, placement: Placement,
                    now: datetime) -> tuple[list[ResidentView], list[ArrivalView]]:
    """Residents with their answer, and planned arrivals with their buddy; the
    nicknames read are audited."""
    if await placement_for(session, staff, placement.id) is None:
        return [], []
    # A few queries for the whole page, not several per young person on it.
    living = await residents(session, placement.id)
    moves = (await session.scalars(
        select(PlacementMove).where(PlacementMove.placement_id == placement.id,
                                    PlacementMove.state == PLANNED)
        .order_by(PlacementMove.move_date))).all()
    matches = {m.move_id: m for m in (await session.scalars(
        select(BuddyMatch).where(BuddyMatch.move_id.in_([m.id for m in moves]))
        .order_by(BuddyMatch.chosen_at))).all()}  # the latest choice per move wins
    ids = {p.id for p in living} | {m.young_person_id for m in moves} | {
        m.buddy_id for m in matches.values()}
    people_by_id = {p.id: p for p in (await session.scalars(
        select(YoungPerson).where(YoungPerson.id.in_(ids)))).all()}
    await preload_keys(session, list(ids))
    resident_ids = [p.id for p in living]
    consents = {c.young_person_id: c for c in (await session.scalars(
        select(BuddyConsent).where(BuddyConsent.young_person_id.in_(resident_ids)))).all()}
    moving = set((await session.scalars(select(PlacementMove.young_person_id).where(
        PlacementMove.young_person_id.in_(resident_ids), PlacementMove.state == PLANNED))).all())
    o = BuddyMatch
    relaying = set()
    for arrival_id, buddy_id in (await session.execute(
            select(o.arrival_id, o.buddy_id)
            .join(PlacementMove, PlacementMove.id == o.move_id)
            .where(or_(o.arrival_id.in_(resident_ids), o.buddy_id.in_(resident_ids)),
                   o.closed_at.is_(None), o.closes_at > now,
                   PlacementMove.state != CANCELLED))).all():
        relaying |= {arrival_id, buddy_id}
    people = []
    for person in living:
        name = await nickname_of(session, vault, person)
        if name is None:
            continue
        consent = consents.get(person.id)
        busy = person.id in moving or person.id in relaying
        people.append(ResidentView(person.id, name, consent.state if consent else "", busy))
        audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="buddy.listed",
              young_person_id=person.id, detail=placement.id)
    arrivals = []
    for move in moves:
        arriving = people_by_id.get(move.young_person_id)
        name = await nickname_of(session, vault, arriving) if arriving else None
        if name is None:
            continue
        match = matches.get(move.id)
        buddy = people_by_id.get(match.buddy_id) if match else None
        arrivals.append(ArrivalView(
            move.id, name, move.move_date,
            await nickname_of(session, vault, buddy) if buddy else None,
            match is not None and match.closed_at is None and match.closes_at > now,
            match.closes_at if match else None))
        audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="buddy.listed",
              young_person_id=move.young_person_id, detail=placement.id)
    return people, arrivals


# -- "How is it going?" after the first night and the first week ------------------------

def _settling_times(move_date: date, tz: ZoneInfo) -> list[tuple[int, datetime]]:
    return [(n, datetime.combine(move_date + timedelta(days=n), time(SETTLING_HOUR),
                                 tzinfo=tz).astimezone(UTC)) for n in SETTLING_DAYS]


async def settling_in_due(session: AsyncSession, vault: Vault, now: datetime) -> int:
    """The morning after the move and a week on: "How is it going?", with the way
    into a check-in (Telegram; the web says it on the home screen). Every move of the
    last nine days is looked at, each time: a few per service, and none may be left
    out because others came first."""
    rows = (await session.execute(
        select(PlacementMove, Service.timezone, Placement.name)
        .join(YoungPerson, YoungPerson.id == PlacementMove.young_person_id)
        .join(Service, Service.id == YoungPerson.service_id)
        .join(Placement, Placement.id == PlacementMove.placement_id)
        .where(PlacementMove.state == MOVED,
               PlacementMove.move_date >= now.date() - timedelta(days=max(SETTLING_DAYS) + 2))
        .order_by(PlacementMove.move_date, PlacementMove.id)
    )).all()
    queued = 0
    for move, tz, place in rows:
        for n, due in _settling_times(move.move_date, ZoneInfo(tz)):
            if not (due <= now < due + SETTLING_STALE):
                continue
            key = f"settling-in:{move.id}:{n}"
            if await session.scalar(select(OutboxMessage.id)
                                    .where(OutboxMessage.dedupe_key == key)) is not None:
                continue
            person = await session.get(YoungPerson, move.young_person_id)
            if person is None or person.paused or person.telegram_chat_id is None:
                continue
            with use_locale(person.locale):
                text = "\n\n".join([settling_in_question(place, n),
                                    _("If you like, show how you feel: /checkin"),
                                    _("You can also tell us if you felt listened to: /listened")])
            await _tell(session, vault, person, text, kind="settling_in", now=now,
                        dedupe_key=key)
            queued += 1
    return queued


def settling_in_question(place: str, day: int) -> str:
    if day == 1:
        return _("How was your first night at {place}? How is it going?").format(place=place)
    return _("You have been at {place} for a week now. How is it going?").format(place=place)


async def settling_in_line(session: AsyncSession, person: YoungPerson, now: datetime) -> str | None:
    """For the web home screen: the same question, for a day after it is due."""
    row = (await session.execute(
        select(PlacementMove, Placement.name, Service.timezone)
        .join(Placement, Placement.id == PlacementMove.placement_id)
        .join(Service, Service.id == Placement.service_id)
        .where(PlacementMove.young_person_id == person.id, PlacementMove.state == MOVED)
        .order_by(PlacementMove.moved_at.desc()).limit(1)
    )).first()
    if row is None:
        return None
    move, place, tz = row
    for n, due in _settling_times(move.move_date, ZoneInfo(tz)):
        if due <= now < due + timedelta(days=1):
            return settling_in_question(place, n) + " " + _(
                "If you like, tap \u201cShow how I feel\u201d.")
    return None


# -- Erasure --------------------------------------------------------------------------

async def erase(session: AsyncSession, young_person_id: str) -> None:
    """Everything about buddies for an erased young person: their answer, every relay
    they were in (both sides' messages, the hello) — a relay is about two people, and
    half of one means nothing to the other."""
    ids = (await session.scalars(
        select(BuddyMatch.id).where(or_(BuddyMatch.arrival_id == young_person_id,
                                        BuddyMatch.buddy_id == young_person_id)))).all()
    if ids:
        await session.execute(delete(BuddyMessage).where(BuddyMessage.match_id.in_(ids)))
        await session.execute(delete(BuddyMatch).where(BuddyMatch.id.in_(ids)))
    await session.execute(delete(BuddyMessage).where(BuddyMessage.sender_id == young_person_id))
    await session.execute(delete(BuddyConsent).where(BuddyConsent.young_person_id ==
                                                     young_person_id))
