"""Reading the audit log: filters, pages, and a CSV a spreadsheet opens safely; and
recording what staff see and do on the desk.

The log is append-only (database triggers refuse UPDATE and DELETE, see
``docs/staff-desk.md``); here it is only read. Its rows never hold what a young
person said, so an admin may read them. Dates are whole days in UTC.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.admin import AdminError, require_service
from domain.assignments import actor_of
from storage.models import AuditEntry, Staff, YoungPerson
from storage.repositories import audit, staff_by_email

MAX_PER_PAGE = 500
CSV_COLUMNS = ("id", "at", "actor_kind", "actor_id", "actor", "action", "young_person_id",
               "detail")
# A spreadsheet treats a cell starting with one of these as a formula (or strips it).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def staff_action(session: AsyncSession, staff: Staff, action: str, now: datetime, *,
                 young_person_id: str | None = None, detail: str | None = None) -> None:
    """Record a page a member of staff saw, a thing they did, or one they were refused."""
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action=action,
          young_person_id=young_person_id, detail=detail)


@dataclass(frozen=True)
class AuditFilter:
    staff_id: str | None = None  # who did it
    young_person_id: str | None = None  # whom it was about
    action: str | None = None  # exact, or a prefix ending in "*" ("alert.*")
    start: datetime | None = None  # from, inclusive
    end: datetime | None = None  # to, exclusive
    service_id: str | None = None  # about its young people, or done by its staff

    def describe(self) -> str:
        parts = [f"{k}={v.isoformat() if isinstance(v, datetime) else v}"
                 for k, v in self.__dict__.items() if v is not None]
        return " ".join(parts) or "all"


@dataclass(frozen=True)
class AuditPage:
    entries: list[dict[str, object]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def to_json(self) -> dict[str, object]:
        return {"entries": self.entries, "total": self.total, "page": self.page,
                "per_page": self.per_page, "pages": self.pages}


def _require_auditor(by: Staff | None) -> None:
    if by is not None and (not by.active or by.role != "admin"):
        raise AdminError("only an admin can read the audit log")


async def make_filter(
    session: AsyncSession,
    *,
    staff_email: str | None = None,
    young_person_id: str | None = None,
    action: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    service_name: str | None = None,
    by: Staff | None = None,
) -> AuditFilter:
    """Turn what a person typed into a filter, refusing what cannot be right."""
    _require_auditor(by)
    staff_id = None
    if staff_email:
        staff = await staff_by_email(session, staff_email)
        if staff is None:
            raise AdminError(f"no staff member {staff_email.strip().lower()!r}")
        staff_id = staff.id
    if young_person_id is not None:
        young_person_id = young_person_id.strip()
        if not young_person_id or len(young_person_id) > 32:
            raise AdminError(f"{young_person_id!r} is not a young person's id")
    if action is not None:
        action = action.strip()
        if not action or len(action) > 60:
            raise AdminError("an action is a name like alert.taken, or a prefix like alert.*")
    if date_from and date_to and date_from > date_to:
        raise AdminError("the 'from' date is after the 'to' date")
    service_id = (await require_service(session, service_name)).id if service_name else None
    if by is not None:
        service_id = by.service_id  # an admin sees their own service only
    return AuditFilter(
        staff_id=staff_id,
        young_person_id=young_person_id,
        action=action,
        start=datetime.combine(date_from, time(), UTC) if date_from else None,
        end=datetime.combine(date_to + timedelta(days=1), time(), UTC) if date_to else None,
        service_id=service_id,
    )


def _where(stmt: Select, flt: AuditFilter) -> Select:
    if flt.staff_id is not None:
        stmt = stmt.where(AuditEntry.actor_kind == "staff", AuditEntry.actor_id == flt.staff_id)
    if flt.young_person_id is not None:
        stmt = stmt.where(AuditEntry.young_person_id == flt.young_person_id)
    if flt.action is not None:
        if flt.action.endswith("*"):
            prefix = flt.action[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(AuditEntry.action.like(prefix + "%", escape="\\"))
        else:
            stmt = stmt.where(AuditEntry.action == flt.action)
    if flt.start is not None:
        stmt = stmt.where(AuditEntry.at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(AuditEntry.at < flt.end)
    if flt.service_id is not None:
        # About its young people, done by its staff, or about its staff or itself
        # (account entries name the staff member, or the service, as their detail).
        its_staff = select(Staff.id).where(Staff.service_id == flt.service_id)
        stmt = stmt.where(or_(
            AuditEntry.young_person_id.in_(
                select(YoungPerson.id).where(YoungPerson.service_id == flt.service_id)),
            AuditEntry.actor_id.in_(its_staff),
            AuditEntry.detail.in_(its_staff),
            AuditEntry.detail == flt.service_id,
        ))
    return stmt


async def _entries(session: AsyncSession, rows: Sequence[AuditEntry]) -> list[dict[str, object]]:
    ids = {r.actor_id for r in rows if r.actor_kind == "staff" and r.actor_id}
    emails: dict[str, str] = {}
    if ids:
        rows_ = await session.execute(select(Staff.id, Staff.email).where(Staff.id.in_(ids)))
        emails = {staff_id: email for staff_id, email in rows_.all()}
    return [{
        "id": r.id,
        "at": r.at.isoformat(),
        "actor_kind": r.actor_kind,
        "actor_id": r.actor_id,
        "actor": emails.get(r.actor_id or "") if r.actor_kind == "staff" else None,
        "action": r.action,
        "young_person_id": r.young_person_id,
        "detail": r.detail,
    } for r in rows]


async def query_audit(
    session: AsyncSession, flt: AuditFilter, *, page: int = 1, per_page: int = 50,
    now: datetime, by: Staff | None = None,
) -> AuditPage:
    """One page of matching entries, newest first."""
    _require_auditor(by)
    if page < 1:
        raise AdminError("pages start at 1")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise AdminError(f"a page holds 1 to {MAX_PER_PAGE} entries")
    total = await session.scalar(_where(select(func.count()).select_from(AuditEntry), flt)) or 0
    rows = (await session.scalars(
        _where(select(AuditEntry), flt)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    )).all()
    result = AuditPage(await _entries(session, rows), total, page, per_page)
    kind, actor_id = actor_of(by)
    audit(session, at=now, actor_kind=kind, actor_id=actor_id, action="audit.searched",
          detail=flt.describe())
    return result


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: never a formula, whatever the data holds."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def audit_csv(entries: Iterable[dict[str, object]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads accents right), one row per entry."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([safe_cell(entry.get(column)) for column in CSV_COLUMNS])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


async def export_audit_csv(
    session: AsyncSession, flt: AuditFilter, *, now: datetime, by: Staff | None = None,
) -> tuple[bytes, int]:
    """Every matching entry as CSV (newest first) and how many; the export is audited."""
    _require_auditor(by)
    rows = (await session.scalars(
        _where(select(AuditEntry), flt).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )).all()
    data = audit_csv(await _entries(session, rows))
    kind, actor_id = actor_of(by)
    audit(session, at=now, actor_kind=kind, actor_id=actor_id, action="audit.exported",
          detail=f"{len(rows)} rows {flt.describe()}")
    return data, len(rows)
