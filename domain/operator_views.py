"""What an operator can see from the command line: services, staff, young people,
alerts and whether each alert chain can reach a person.

Operators must not read what young people said, and a nickname is the young
person's own: young people appear by id, service, unit, keyworker and the
channels they have linked, never by name or words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.admin import require_service
from outbox.routes import routes_of
from safeguarding.alerts import STAGE_NAMES
from safeguarding.reach import ChainCache
from storage.models import (
    Alert,
    AlertRecipient,
    DataKey,
    OutboxMessage,
    Service,
    Staff,
    WebLogin,
    YoungPerson,
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def _service_filter(session: AsyncSession, service_name: str | None) -> Service | None:
    return await require_service(session, service_name) if service_name else None


async def list_services(session: AsyncSession) -> dict[str, Any]:
    services = (await session.scalars(select(Service).order_by(Service.name))).all()
    return {"services": [
        {"service_id": s.id, "name": s.name, "timezone": s.timezone,
         "created_at": _iso(s.created_at), "on_call_minutes": s.escalate_on_call_minutes,
         "lead_minutes": s.escalate_lead_minutes}
        for s in services]}


async def list_staff(session: AsyncSession, service_name: str | None) -> dict[str, Any]:
    service = await _service_filter(session, service_name)
    stmt = select(Staff, Service.name).join(Service, Service.id == Staff.service_id).order_by(
        Service.name, Staff.email)
    if service is not None:
        stmt = stmt.where(Staff.service_id == service.id)
    return {"staff": [
        {"staff_id": s.id, "service": name, "name": s.name, "email": s.email, "role": s.role,
         "active": s.active, "on_call": s.on_call,
         "telegram_linked": s.telegram_chat_id is not None,
         "email_allowed": not s.no_email, "routes": routes_of(s), "created_at": _iso(s.created_at)}
        for s, name in (await session.execute(stmt)).all()]}


async def list_young_people(session: AsyncSession, service_name: str | None) -> dict[str, Any]:
    service = await _service_filter(session, service_name)
    stmt = (
        select(YoungPerson, Service.name, Staff.email, WebLogin.young_person_id, DataKey.owner)
        .join(Service, Service.id == YoungPerson.service_id)
        .outerjoin(Staff, Staff.id == YoungPerson.keyworker_id)
        .outerjoin(WebLogin, WebLogin.young_person_id == YoungPerson.id)
        .outerjoin(DataKey, DataKey.owner == YoungPerson.id)
        .order_by(Service.name, YoungPerson.created_at)
    )
    if service is not None:
        stmt = stmt.where(YoungPerson.service_id == service.id)
    people = []
    for person, name, keyworker, web_login, key in (await session.execute(stmt)).all():
        channels = [c for c, on in (("telegram", person.telegram_chat_id is not None),
                                    ("web", web_login is not None)) if on]
        people.append({
            "young_person_id": person.id, "service": name, "unit": person.unit,
            "keyworker": keyworker, "channels": channels, "erased": key is None,
            "created_at": _iso(person.created_at)})
    return {"young_people": people}


async def alerts_report(session: AsyncSession, *, open_only: bool) -> dict[str, Any]:
    """Each alert: its stage, who was told by which route and when, who took it."""
    stmt = select(Alert, Service.name).join(Service, Service.id == Alert.service_id).order_by(
        Alert.created_at.desc()).limit(500)
    if open_only:
        stmt = stmt.where(Alert.status == "open")
    alerts = []
    for alert, service_name in (await session.execute(stmt)).all():
        told = []
        rows = await session.execute(
            select(AlertRecipient, Staff).join(Staff, Staff.id == AlertRecipient.staff_id)
            .where(AlertRecipient.alert_id == alert.id).order_by(AlertRecipient.told_at))
        for recipient, staff in rows.all():
            told.append({
                "staff_id": staff.id, "email": staff.email,
                "circle": STAGE_NAMES.get(recipient.stage, str(recipient.stage)),
                "told_at": _iso(recipient.told_at),
                "routes": await _routes_used(session, alert, staff),
            })
        taker = await session.get(Staff, alert.taken_by) if alert.taken_by else None
        alerts.append({
            "alert_id": alert.id, "service": service_name, "young_person_id": alert.young_person_id,
            "created_at": _iso(alert.created_at), "certainty": alert.certainty,
            "status": alert.status, "stage": STAGE_NAMES.get(alert.stage, str(alert.stage)),
            "next_step_at": _iso(alert.next_step_at),
            "reached_nobody": alert.status == "open" and not told,
            "taken_by": taker.email if taker else None, "taken_at": _iso(alert.taken_at),
            "told": told,
        })
    return {"alerts": alerts}


async def _routes_used(session: AsyncSession, alert: Alert, staff: Staff) -> list[dict[str, Any]]:
    """The outbox rows that carried this alert to this person, by route."""
    keys = [f"{prefix}:{alert.id}:{staff.id}{suffix}"
            for prefix in ("alert", "alert-unreachable") for suffix in ("", ":email")]
    rows = (await session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.in_(keys)))).all()
    return [{"route": m.channel, "status": m.status, "queued_at": _iso(m.created_at),
             "sent_at": _iso(m.sent_at), "attempts": m.attempts, "last_error": m.last_error}
            for m in sorted(rows, key=lambda m: m.channel)]


async def check_report(session: AsyncSession, service_name: str | None,
                       now: datetime | None = None) -> dict[str, Any]:
    """For every young person: can their alert chain reach a person, and what is missing.
    With ``now``, a staff desk signed in to in the last 7 days is shown beside the
    routes ("desk (signed in <date>)"), but never counts alone."""
    service = await _service_filter(session, service_name)
    stmt = (select(YoungPerson, Service.name).join(Service, Service.id == YoungPerson.service_id)
            .join(DataKey, DataKey.owner == YoungPerson.id)  # erased people raise no alerts
            .order_by(Service.name, YoungPerson.created_at))
    if service is not None:
        stmt = stmt.where(YoungPerson.service_id == service.id)
    people = []
    chains = ChainCache(session, now)
    for person, name in (await session.execute(stmt)).all():
        reach = await chains.of(person)
        people.append({"young_person_id": person.id, "service": name, **reach.to_json()})
    unreachable = [p["young_person_id"] for p in people if not p["reachable"]]
    return {"ok": not unreachable, "unreachable": unreachable, "young_people": people}


def check_text(result: dict[str, Any]) -> str:
    """``admin check`` for a person to read."""
    lines = []
    for p in result["young_people"]:
        mark = "ok     " if p["reachable"] else "NOBODY "
        who = ", ".join(f"{circle}: {m['email']} ({_routes_text(m)})"
                        for circle, members in p["circles"].items() for m in members)
        lines.append(f"{mark} {p['service']} {p['young_person_id']}  {who or 'no staff at all'}")
        if not p["reachable"]:
            lines.extend(f"        missing: {m}" for m in p["missing"])
    if not result["young_people"]:
        lines.append("no young people")
    lines.append("every alert chain can reach someone" if result["ok"] else
                 f"{len(result['unreachable'])} young person(s) whose urgent alerts could reach "
                 "nobody: link someone's Telegram (admin new-link --staff EMAIL) or set "
                 "HEARD_SMTP_URL and HEARD_MAIL_FROM")
    return "\n".join(lines)


def _routes_text(member: dict[str, Any]) -> str:
    """"telegram+email", with "desk (signed in <date>)" beside them when there is one."""
    shown = "+".join(member["routes"]) or "no route"
    return f"{shown}, {member['desk']}" if member.get("desk") else shown


def alerts_text(result: dict[str, Any]) -> str:
    """``admin alerts`` for a person to read."""
    lines = []
    for a in result["alerts"]:
        state = "REACHED NOBODY" if a["reached_nobody"] else a["status"]
        lines.append(f"{a['created_at']}  {a['alert_id']}  {a['service']}  {a['certainty']}  "
                     f"{state}  stage: {a['stage']}")
        for t in a["told"]:
            routes = ", ".join(f"{r['route']} {r['status']}"
                               + (f" {r['sent_at']}" if r["sent_at"] else "") for r in t["routes"])
            lines.append(f"    told {t['circle']} {t['email']} at {t['told_at']}: {routes}")
        if a["taken_by"]:
            lines.append(f"    taken by {a['taken_by']} at {a['taken_at']}")
    return "\n".join(lines) or "no alerts"


def table_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain table for ``admin list``."""
    if not rows:
        return "none"
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    out = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    out += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "+".join(str(v) for v in value) or "-"
    return "-" if value is None else str(value)
