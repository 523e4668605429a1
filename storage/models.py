"""Database tables.

Columns ending in ``_ct`` hold ciphertext (see ``storage.crypto``); nothing a young
person says is stored in the clear. Ids are random, so they reveal neither order nor
count.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


When = UTCDateTime()


class Service(Base):
    __tablename__ = "services"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    created_at: Mapped[datetime] = mapped_column(When)
    # Minutes an urgent alert waits for "I'm on it" before it goes to on-call staff,
    # then to the service lead(s).
    escalate_on_call_minutes: Mapped[int] = mapped_column(Integer, default=15)
    escalate_lead_minutes: Mapped[int] = mapped_column(Integer, default=30)
    # Minutes of silence after which a check-in left half-way is recorded as it
    # stands (marked unfinished) and the keyworker is told.
    unfinished_checkin_minutes: Mapped[int] = mapped_column(Integer, default=30)
    # "My data": whether a young person sees the names of staff who looked at their
    # data (False: only their role and when), and who is told of a request to delete it.
    audit_names_shown: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    data_protection_email: Mapped[str | None] = mapped_column(String(320))


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(When)
    on_call: Mapped[bool] = mapped_column(Boolean, default=False)
    # Chosen at creation (``create-staff --no-email``): never send this person email.
    no_email: Mapped[bool] = mapped_column(Boolean, default=False)
    # A password someone else chose (the first one, or a reset) must be replaced at
    # the next sign-in to the staff desk (web/staff).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    deactivated_at: Mapped[datetime | None] = mapped_column(When)
    # Failed sign-ins in a row; five lock the account until ``locked_until``.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_sign_in_at: Mapped[datetime | None] = mapped_column(When)
    locked_until: Mapped[datetime | None] = mapped_column(When)
    # The TOTP secret, sealed with the system key; confirmed once a code from it worked.
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(When)
    # The last 30-second step whose code was used, so a code works only once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    last_desk_sign_in_at: Mapped[datetime | None] = mapped_column(When)


class YoungPerson(Base):
    __tablename__ = "young_people"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    keyworker_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    nickname_ct: Mapped[bytes] = mapped_column(LargeBinary)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    consented_at: Mapped[datetime | None] = mapped_column(When)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(When)
    # Where they live within the service, for the unit tablet's list of faces.
    unit: Mapped[str | None] = mapped_column(String(100), index=True)
    # The month (YYYY-MM) the satisfaction question was last asked, so it comes at
    # most once a month. Only that it was asked: the answer is counted in kpi_counts.
    satisfaction_asked_month: Mapped[str | None] = mapped_column(String(7))


class DataKey(Base):
    """One wrapped AES-256 key per owner (a young person's id, or "system")."""

    __tablename__ = "data_keys"
    owner: Mapped[str] = mapped_column(String(40), primary_key=True)
    kek_id: Mapped[str] = mapped_column(String(20))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(When)


class KekCheck(Base):
    __tablename__ = "kek_checks"
    kek_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    check_ct: Mapped[bytes] = mapped_column(LargeBinary)


class InviteCode(Base):
    """One-time codes behind telegram_link / web_link. Only a hash is kept."""

    __tablename__ = "invite_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))  # telegram | web
    subject_kind: Mapped[str] = mapped_column(String(20))  # staff | young_person
    subject_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(When)
    expires_at: Mapped[datetime | None] = mapped_column(When)
    used_at: Mapped[datetime | None] = mapped_column(When)


class _SaidByAYoungPerson:
    """Columns of anything a young person tells us: whose, when, where, and what
    (sealed with their own data key)."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(When)
    payload_ct: Mapped[bytes] = mapped_column(LargeBinary)


class CheckIn(_SaidByAYoungPerson, Base):
    __tablename__ = "checkins"
    # Recorded after a silence, as far as it got; finishing later completes this row.
    unfinished: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(When)
    acknowledged_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_checkins_person_time", "young_person_id", "created_at"),)


class ListenedAnswer(_SaidByAYoungPerson, Base):
    __tablename__ = "listened_answers"

    __table_args__ = (Index("ix_listened_person_time", "young_person_id", "created_at"),)


class KpiCount(Base):
    """De-identified KPI totals: service, month, question, answer and how many.

    Answers are counted, not stored one by one, so nothing here (not even the order
    rows were written in) can be matched back to a young person's history.
    """

    __tablename__ = "kpi_counts"
    service_id: Mapped[str] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    question: Mapped[str] = mapped_column(String(40), primary_key=True)
    answer: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class StaffService(Base):
    """The services a commissioner sees totals for (their own ``service_id`` is one)."""

    __tablename__ = "staff_services"
    staff_id: Mapped[str] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[str] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )


class ServiceLanguageOff(Base):
    """A language a service has switched off: not offered to its young people."""

    __tablename__ = "service_languages_off"
    service_id: Mapped[str] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(16), primary_key=True)
    switched_off_at: Mapped[datetime] = mapped_column(When)


class FlowState(Base):
    """Where a person is in a conversation, so a restart or a new device carries on."""

    __tablename__ = "flow_states"
    owner: Mapped[str] = mapped_column(String(40), primary_key=True)
    state_ct: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(When)
    # Set while a check-in with cards chosen is open: when it comes due the scheduler
    # records what was chosen so far, so nothing a young person started is lost.
    unfinished_due_at: Mapped[datetime | None] = mapped_column(When, index=True)


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update is handled once."""

    __tablename__ = "processed_updates"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(When, index=True)


class AuditEntry(Base):
    """Who did or saw what. Never holds what a young person said."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(When, index=True)
    actor_kind: Mapped[str] = mapped_column(String(20))  # staff | young_person | system | operator
    actor_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(60))
    young_person_id: Mapped[str | None] = mapped_column(String(32), index=True)
    detail: Mapped[str | None] = mapped_column(Text)


class KeyworkerAssignment(Base):
    """Who was a young person's keyworker, from when to when, and who decided.

    The open row (``ended_at`` is NULL) matches ``young_people.keyworker_id``. The
    handover note (for the new keyworker only) and the hello message (for the young
    person, with an optional photo) are sealed with the young person's data key, so
    erasing them erases these too; the facts of who key-worked whom stay.
    """

    __tablename__ = "keyworker_assignments"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE")
    )
    staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(When)
    ended_at: Mapped[datetime | None] = mapped_column(When)
    assigned_by_kind: Mapped[str] = mapped_column(String(20))  # operator | staff | system
    assigned_by_id: Mapped[str | None] = mapped_column(String(32))
    ended_reason: Mapped[str | None] = mapped_column(String(20))  # handover | deactivated
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    hello_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # When the young person saw the hello on the web (Telegram is told through the outbox).
    hello_shown_at: Mapped[datetime | None] = mapped_column(When)

    __table_args__ = (
        Index("ix_keyworker_assignments_person_time", "young_person_id", "started_at"),
    )


class OutboxMessage(Base):
    """Everything that leaves Heard is a row here first, written in the same
    transaction as the event that caused it, then delivered by the sender."""

    __tablename__ = "outbox"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(When)
    due_at: Mapped[datetime] = mapped_column(When)
    priority: Mapped[int] = mapped_column(Integer, default=5)  # 0 = urgent
    channel: Mapped[str] = mapped_column(String(20), default="telegram")
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # Whose data key encrypts the payload ("system" when it is about nobody).
    key_owner: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    payload_ct: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(When)
    sent_at: Mapped[datetime | None] = mapped_column(When)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    __table_args__ = (
        Index("ix_outbox_due", "status", "priority", "due_at"),
        # The sender takes due messages oldest first within a priority.
        Index("ix_outbox_order", "status", "priority", "created_at"),
    )


class Meta(Base):
    """Small process-wide facts, e.g. the bot's username."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Alert(Base):
    """An urgent signal from a young person, and how far it has been passed on.

    The escalation is durable: ``next_step_at`` is when the scheduler passes it on
    to the next circle of staff unless someone has said "I'm on it" first. What
    fired it (cards, words, matched phrases) is sealed with the young person's key.
    """

    __tablename__ = "alerts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    checkin_id: Mapped[str | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(When)
    certainty: Mapped[str] = mapped_column(String(20))  # certain (a card) | possible (words)
    detail_ct: Mapped[bytes] = mapped_column(LargeBinary)
    stage: Mapped[int] = mapped_column(Integer, default=0)  # 0 keyworker, 1 on-call, 2 lead
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | taken | exhausted
    next_step_at: Mapped[datetime | None] = mapped_column(When)
    taken_at: Mapped[datetime | None] = mapped_column(When)
    taken_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_alerts_due", "status", "next_step_at"),)


class AlertRecipient(Base):
    """Who has been told about an alert, so they can be told who took it."""

    __tablename__ = "alert_recipients"
    alert_id: Mapped[str] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[str] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[int] = mapped_column(Integer)
    told_at: Mapped[datetime] = mapped_column(When)


class LexiconPhrase(Base):
    """A service's own additions to the risk-phrase lexicon (or reviewed exceptions)."""

    __tablename__ = "lexicon_phrases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str] = mapped_column(String(16), default="en")
    category: Mapped[str] = mapped_column(String(40))  # a category, or "exception"
    phrase: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(When)


class Reminder(Base):
    """One reminder a young person asked for: a weekday and a local time.

    ``next_due_at`` is the next moment (UTC) it should go out, worked out in the
    service's timezone, so clock changes move it with local time.
    """

    __tablename__ = "reminders"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE")
    )
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    local_time: Mapped[str] = mapped_column(String(5))  # HH:MM
    next_due_at: Mapped[datetime] = mapped_column(When)
    created_at: Mapped[datetime] = mapped_column(When)

    __table_args__ = (
        Index("uq_reminders_person_day", "young_person_id", "weekday", unique=True),
        Index("ix_reminders_due", "next_due_at"),
    )


class WebLogin(Base):
    """How a young person signs in on the web: their short personal link and PIN.

    Only hashes are kept: SHA-256 of the link code (looked up), argon2 of the PIN.
    """

    __tablename__ = "web_logins"
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), primary_key=True
    )
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The link itself, sealed with their key, so they can see it again once signed in.
    link_ct: Mapped[bytes] = mapped_column(LargeBinary)
    pin_hash: Mapped[str] = mapped_column(String(200))
    pin_kind: Mapped[str] = mapped_column(String(10))  # digits | pictures
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(When)
    # Acknowledgements made after this were not yet shown on the web.
    acks_seen_at: Mapped[datetime | None] = mapped_column(When)
    created_at: Mapped[datetime] = mapped_column(When)
    updated_at: Mapped[datetime] = mapped_column(When)


class Tablet(Base):
    """A shared tablet enrolled for one unit. The device keeps a random token in a
    cookie; only its hash is here, and revoking the row turns the device off."""

    __tablename__ = "tablets"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str] = mapped_column(String(100))
    device_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(When)
    enrolled_at: Mapped[datetime | None] = mapped_column(When)
    revoked_at: Mapped[datetime | None] = mapped_column(When)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime | None] = mapped_column(When)
    locked_until: Mapped[datetime | None] = mapped_column(When)


class WebSession(Base):
    """A browser session, shared by every worker. The key is a hash of the cookie,
    so a copy of the database cannot be used to sign in."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    young_person_id: Mapped[str | None] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), index=True
    )
    tablet_id: Mapped[str | None] = mapped_column(ForeignKey("tablets.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(When)
    last_seen_at: Mapped[datetime] = mapped_column(When)
    idle_seconds: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(When, index=True)
    # The last reply shown, sealed with the young person's key (it names feelings).
    view_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Set when the session was ended for its young person ("erased": their data was
    # deleted at their request); the browser is then told so once, plainly.
    ended_reason: Mapped[str | None] = mapped_column(String(20))


class StaffSession(Base):
    """A staff member's browser session on the desk, apart from young people's
    sessions. Keyed by a hash of the cookie, like ``web_sessions``."""

    __tablename__ = "staff_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # None until the password is accepted (the sign-in form still needs a CSRF token).
    staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    # The second factor was given in this session.
    second_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where to go after signing in (e.g. an alert link from an email).
    next_path: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(When)
    last_seen_at: Mapped[datetime] = mapped_column(When)
    expires_at: Mapped[datetime] = mapped_column(When, index=True)


class SignInThrottle(Base):
    """Failed staff sign-ins from one source address (a hash of it), to slow guessing
    from one place across many accounts."""

    __tablename__ = "sign_in_throttle"
    source_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(When)


class _WrittenToAYoungPerson:
    """Columns of words a member of staff writes to one young person (about one
    check-in, or none), sealed with that young person's key (``domain.staff_words``)."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE")
    )
    checkin_id: Mapped[str | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(When)
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    # When the young person was shown it (Telegram: when queued; web: next visit).
    shown_at: Mapped[datetime | None] = mapped_column(When)


class StaffReply(_WrittenToAYoungPerson, Base):
    """A keyworker's short reply to a young person, sealed with the young person's key."""

    __tablename__ = "staff_replies"

    __table_args__ = (Index("ix_staff_replies_person_time", "young_person_id", "created_at"),)


# -- placements: the next home, its welcome booklet, and moves to it -----------------


class Placement(Base):
    """A home a young person may move to, within a service. Its address is never kept
    here: nothing a young person sees may carry it."""

    __tablename__ = "placements"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(100))  # e.g. "children's home", "foster family"
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(When)
    updated_at: Mapped[datetime] = mapped_column(When)


class PlacementStaff(Base):
    """Which placement staff (role ``placement``) look after which placement."""

    __tablename__ = "placement_staff"
    placement_id: Mapped[str] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[str] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PlacementPhoto(Base):
    """A cleaned photo (re-encoded JPEG, no metadata at all). Shared by every booklet
    version that shows it, so publishing or restoring never copies pictures."""

    __tablename__ = "placement_photos"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    placement_id: Mapped[str] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(When)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class BookletVersion(Base):
    """One version of a placement's welcome booklet: at most one ``draft`` (being
    edited) and at most one ``published`` (what young people see); earlier published
    versions become ``archived`` and can be restored into the draft."""

    __tablename__ = "booklet_versions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    placement_id: Mapped[str] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 ... per placement
    state: Mapped[str] = mapped_column(String(20))  # draft | published | archived
    created_at: Mapped[datetime] = mapped_column(When)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(When)
    published_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    restored_from: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_booklet_versions_placement_state", "placement_id", "state"),)


class BookletSection(Base):
    """A section of one booklet version (``kind`` is one of ``domain.placements.SECTIONS``),
    in the order staff chose (``position``)."""

    __tablename__ = "booklet_sections"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    version_id: Mapped[str] = mapped_column(
        ForeignKey("booklet_versions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")


class BookletSectionPhoto(Base):
    """A photo in a section, with its alt text (required) and an optional caption
    (for "the people who work here": a first name and one line)."""

    __tablename__ = "booklet_section_photos"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    section_id: Mapped[str] = mapped_column(
        ForeignKey("booklet_sections.id", ondelete="CASCADE"), index=True
    )
    photo_id: Mapped[str] = mapped_column(ForeignKey("placement_photos.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    alt_text: Mapped[str] = mapped_column(String(300))
    caption: Mapped[str] = mapped_column(String(300), default="")


class PlacementMove(Base):
    """A planned move of a young person to a placement.

    ``state``: planned -> moved (on the move date, with the handover) or cancelled.
    The keyworker's personal note ("We'll visit on Tuesday") is sealed with the young
    person's key. While a move is planned the young person sees the published booklet.
    """

    __tablename__ = "placement_moves"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE")
    )
    placement_id: Mapped[str] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    from_keyworker_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    # Who key-works them after the move (the handover on the move date), if chosen.
    to_keyworker_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    move_date: Mapped[date] = mapped_column(Date)
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(20), default="planned")  # planned | moved | cancelled
    created_at: Mapped[datetime] = mapped_column(When)
    moved_at: Mapped[datetime | None] = mapped_column(When)
    cancelled_at: Mapped[datetime | None] = mapped_column(When)

    __table_args__ = (
        Index("ix_placement_moves_person_state", "young_person_id", "state"),
        Index("ix_placement_moves_due", "state", "move_date"),
    )


class PlacementQuestion(Base):
    """A young person's question to the placement's staff, and the answer; both sealed
    with the young person's key (reading one is audited)."""

    __tablename__ = "placement_questions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    move_id: Mapped[str] = mapped_column(ForeignKey("placement_moves.id", ondelete="CASCADE"))
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), index=True
    )
    placement_id: Mapped[str] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    asked_at: Mapped[datetime] = mapped_column(When)
    question_ct: Mapped[bytes] = mapped_column(LargeBinary)
    answered_at: Mapped[datetime | None] = mapped_column(When)
    answered_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    answer_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class DataRequest(Base):
    """A young person's request about their data (today: "delete my data").

    ``state``: requested -> approved -> done, or refused, or withdrawn (by the young
    person, while requested). The service decides by ``due_at``; past it, the lead and
    admins are reminded and the desk shows it as overdue (never decided by itself).
    The reason for a decision is sealed with the young person's key. Erasing the young
    person deletes these rows (``domain.admin.erase_young_person``); the audit log keeps
    the facts.
    """

    __tablename__ = "data_requests"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default="erase")
    state: Mapped[str] = mapped_column(String(20), default="requested")
    channel: Mapped[str] = mapped_column(String(20))  # where they asked: telegram | web
    requested_at: Mapped[datetime] = mapped_column(When)
    due_at: Mapped[datetime] = mapped_column(When)
    decided_at: Mapped[datetime | None] = mapped_column(When)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The last time the lead and admins were reminded of an overdue request.
    reminded_at: Mapped[datetime | None] = mapped_column(When)
    # When the young person was told the decision (Telegram: queued; web: next visit).
    told_at: Mapped[datetime | None] = mapped_column(When)

    # The scheduler looks for waiting requests past their due time.
    __table_args__ = (
        Index("ix_data_requests_state_due", "state", "due_at"),
        # One waiting request per young person, even when two taps race.
        Index("uq_data_requests_one_waiting", "young_person_id", unique=True,
              sqlite_where=text("state = 'requested'"),
              postgresql_where=text("state = 'requested'")),
    )


class BuddyConsent(Base):
    """Whether a young person would like to be a buddy for someone new moving to where
    they live: ``asked`` (placement staff asked; not answered yet), ``yes`` or ``no``.
    "No" is final until they change their mind themselves (``/buddy``)."""

    __tablename__ = "buddy_consents"
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(10))  # asked | yes | no
    asked_at: Mapped[datetime | None] = mapped_column(When)
    asked_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(When)


class BuddyMatch(Base):
    """A buddy chosen for a young person moving in (``arrival_id``), for one planned
    move, and the relay of short messages between them: open from when the buddy is
    chosen until ``closes_at`` (at least 7 days after the move date), or until either
    side stops it. The buddy's hello is sealed with the buddy's key."""

    __tablename__ = "buddy_matches"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    move_id: Mapped[str] = mapped_column(
        ForeignKey("placement_moves.id", ondelete="CASCADE"), index=True
    )
    placement_id: Mapped[str] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), index=True
    )
    arrival_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), index=True
    )
    buddy_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), index=True
    )
    chosen_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    chosen_at: Mapped[datetime] = mapped_column(When)
    hello_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    closes_at: Mapped[datetime] = mapped_column(When)
    closed_at: Mapped[datetime | None] = mapped_column(When)
    # ended (the week is over) | stopped (either side) | cancelled (the move was)
    closed_reason: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_buddy_matches_open", "closed_at", "closes_at"),
        # One open relay per move, even when two staff choose at once.
        Index("uq_buddy_matches_one_open", "move_id", unique=True,
              sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL")),
    )


class BuddyMessage(Base):
    """One relayed message, sealed with the SENDER's key (phone numbers, usernames,
    links and e-mail addresses already taken out)."""

    __tablename__ = "buddy_messages"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    match_id: Mapped[str] = mapped_column(
        ForeignKey("buddy_matches.id", ondelete="CASCADE"), index=True
    )
    sender_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[datetime] = mapped_column(When)
    text_ct: Mapped[bytes] = mapped_column(LargeBinary)
    # False when it raised a safeguarding alert: kept for the keyworkers, not passed on.
    relayed: Mapped[bool] = mapped_column(Boolean, default=True)


__all__ = [
    "Alert", "AlertRecipient", "AuditEntry", "Base", "CheckIn", "DataKey", "FlowState",
    "InviteCode", "KekCheck", "KeyworkerAssignment", "KpiCount", "StaffService", "LexiconPhrase",
    "ListenedAnswer", "Meta", "OutboxMessage", "ProcessedUpdate", "Reminder", "Service",
    "ServiceLanguageOff", "SignInThrottle", "Staff", "StaffReply", "StaffSession", "Tablet", "WebLogin",
    "WebSession", "YoungPerson", "new_id",
    "BookletSection", "BookletSectionPhoto", "BookletVersion", "Placement", "PlacementMove",
    "PlacementPhoto", "PlacementQuestion", "PlacementStaff", "DataRequest",
    "BuddyConsent", "BuddyMatch", "BuddyMessage", "Change", "UnitNote", "ReviewPrep", "Goal",
    "GoalRating",
]


# -- My Heard: what came of what they said, getting ready for a review, goals -------------


class Change(_WrittenToAYoungPerson, Base):
    """"You said, we did": what changed because of one check-in, written by their
    keyworker and sealed with the young person's key."""

    __tablename__ = "changes"

    __table_args__ = (Index("ix_changes_person_time", "young_person_id", "created_at"),)


class UnitNote(Base):
    """A unit-wide "You said, we did" note from a lead, made from themes and naming no
    one, so it is kept in the clear. ``unit`` None: every unit of the service."""

    __tablename__ = "unit_notes"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"),
                                            index=True)
    unit: Mapped[str | None] = mapped_column(String(100))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(When)
    body: Mapped[str] = mapped_column(Text)
    removed_at: Mapped[datetime | None] = mapped_column(When)


class ReviewPrep(Base):
    """What a young person wants the people at their review to know: sealed with their
    key, and seen by anyone else only while ``shared_at`` is set."""

    __tablename__ = "review_preps"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(When)
    updated_at: Mapped[datetime] = mapped_column(When)
    payload_ct: Mapped[bytes] = mapped_column(LargeBinary)
    shared_at: Mapped[datetime | None] = mapped_column(When)


class Goal(Base):
    """A goal a keyworker and young person agreed, in the young person's words (sealed)."""

    __tablename__ = "goals"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(When)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    text_ct: Mapped[bytes] = mapped_column(LargeBinary)
    ended_at: Mapped[datetime | None] = mapped_column(When)


class GoalRating(Base):
    """How a goal is going, 0 to 10, as the young person rated it (the number sealed)."""

    __tablename__ = "goal_ratings"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    goal_id: Mapped[str] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    young_person_id: Mapped[str] = mapped_column(
        ForeignKey("young_people.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(When)
    payload_ct: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_goal_ratings_goal_time", "goal_id", "created_at"),)
