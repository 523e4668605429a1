"""Every route a member of staff can be reached by, and the one function that tells
them something by all of them.

Routes today: Telegram (when they have linked a chat) and email (when this
Heard has mail configured and they were not created with ``--no-email``). Each
route is its own outbox row, so one failing route never holds up another.

Whether mail is configured is a fact about this process (its settings), set once by
``domain.runtime.Runtime.open``; the domain asks ``current()`` rather than carrying
settings through every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from outbox.email import chat_key
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from storage.models import Staff
from storage.vault import SYSTEM_OWNER, Vault

TELEGRAM = "telegram"
EMAIL = "email"
# The staff desk shows alerts live, but only to someone who has it open: it counts
# beside another route, never alone (nobody has the desk open at 3am).
DESK_RECENT = timedelta(days=7)


@dataclass(frozen=True)
class Routes:
    """What this process can deliver besides Telegram, and where links point."""

    mail: bool = False
    public_url: str = "http://127.0.0.1:8080"


_current = Routes()


def configure(routes: Routes) -> None:
    global _current
    _current = routes


def current() -> Routes:
    return _current


def routes_of(staff: Staff, routes: Routes | None = None) -> list[str]:
    """How ``staff`` can be reached right now (empty: not at all). The one rule."""
    if not staff.active:
        return []
    found: list[str] = []
    if staff.telegram_chat_id is not None:
        found.append(TELEGRAM)
    if (routes or _current).mail and staff.email and not staff.no_email:
        found.append(EMAIL)
    return found


def desk_route(staff: Staff, now: datetime | None) -> str | None:
    """"desk (signed in <date>)" when ``staff`` signed in to the staff desk in the last
    7 days; else None. Shown beside the routes, never counted as one on its own."""
    at = staff.last_desk_sign_in_at
    if now is None or at is None or not staff.active or now - at > DESK_RECENT:
        return None
    return f"desk (signed in {at.date().isoformat()})"


def what_is_missing(staff: Staff, routes: Routes | None = None,
                    now: datetime | None = None) -> str:
    """Why ``staff`` cannot be reached, in words an operator can act on."""
    if not staff.active:
        return "deactivated"
    reasons = ["not linked to Telegram"]
    if staff.no_email:
        reasons.append("must not get email (--no-email)")
    elif not (routes or _current).mail:
        reasons.append("email is off (HEARD_SMTP_URL and HEARD_MAIL_FROM are not set)")
    if desk_route(staff, now):
        reasons.append("signed in to the desk lately, but a desk counts only beside "
                       "another route (nobody may have it open)")
    return "; ".join(reasons)


@dataclass(frozen=True)
class Email:
    """An email's subject and text. It names no young person and quotes nothing
    they said: mail passes through servers outside the service."""

    subject: str
    text: str


async def tell_staff(
    session: AsyncSession,
    vault: Vault,
    staff: Staff,
    *,
    telegram: Message,
    email: Email,
    kind: str,
    now: datetime,
    key_owner: str = SYSTEM_OWNER,
    priority: int = NORMAL,
    dedupe_key: str | None = None,
    skip: tuple[str, int] | None = None,
) -> list[str]:
    """Queue ``telegram`` and ``email`` on every route ``staff`` has; returns the
    routes used. Call inside the transaction that records the cause.

    ``skip``: a (channel, chat id) known not to work, e.g. the one a notice about an
    undelivered message would fail on in the same way."""
    used = routes_of(staff)
    if skip == (TELEGRAM, staff.telegram_chat_id):
        used = [r for r in used if r != TELEGRAM]
    if EMAIL in used and skip == (EMAIL, chat_key(staff.email)):
        used = [r for r in used if r != EMAIL]
    if TELEGRAM in used:
        assert staff.telegram_chat_id is not None
        await enqueue(session, vault, chat_id=staff.telegram_chat_id, message=telegram, kind=kind,
                      now=now, key_owner=key_owner, priority=priority, dedupe_key=dedupe_key)
    if EMAIL in used:
        message = Message(text=email.text, subject=email.subject, address=staff.email,
                          locale=staff.locale)
        await enqueue(session, vault, chat_id=chat_key(staff.email), message=message, kind=kind,
                      now=now, key_owner=key_owner, priority=priority, channel=EMAIL,
                      dedupe_key=f"{dedupe_key}:email" if dedupe_key else None)
    return used


def alert_url(alert_id: str) -> str:
    """Where a member of staff sees an alert: the staff desk's alert page."""
    return f"{_current.public_url}/staff/alerts/{alert_id}"


def desk_url(path: str) -> str:
    """A page of the staff desk, as a full address for a message or an email."""
    return f"{_current.public_url}{path}"
