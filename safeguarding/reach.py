"""Can a young person's urgent alert reach a person? The one place that decides.

A young person's alert chain is their keyworker, the service's on-call staff, its
leads and its admins (active staff only). It can reach someone when at least one of
them has a route (``outbox.routes.routes_of``: Telegram linked, or email with mail
configured and not opted out). The staff desk is shown beside those routes when
someone signed in to it in the last 7 days, but never counts on its own: a desk
that nobody has open reaches nobody at 3am. Used by the operator's ``admin check``, the warning
at start-up, and ``/healthz``; raising an alert applies the same rule person by
person (``safeguarding.alerts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from outbox.routes import desk_route, routes_of, what_is_missing
from safeguarding.alerts import ADMINS, KEYWORKER, LEAD, ON_CALL, STAGE_NAMES, circle
from storage.models import Alert, AlertRecipient, YoungPerson
from storage.models import DataKey, Service

_EMPTY = {
    KEYWORKER: "no keyworker assigned",
    ON_CALL: "nobody is on call (admin set-on-call --email EMAIL)",
    LEAD: "no lead (admin create-staff --role lead)",
    ADMINS: "no admin (admin create-staff --role admin)",
}


@dataclass
class ChainReach:
    reachable: bool
    # circle -> [{"staff_id", "email", "routes"}]
    circles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"reachable": self.reachable, "circles": self.circles, "missing": self.missing}


async def chain_reach(session: AsyncSession, person: YoungPerson,
                      now: datetime | None = None) -> ChainReach:
    """Who in ``person``'s alert chain can be reached, by what, and what is missing.
    With ``now``, a desk signed in to in the last 7 days is listed beside the routes
    (it never makes anyone reachable by itself)."""
    result = ChainReach(reachable=False)
    for stage in (KEYWORKER, ON_CALL, LEAD, ADMINS):
        name = STAGE_NAMES[stage]
        members = await circle(session, person, stage)
        result.circles[name] = []
        if not members:
            result.missing.append(_EMPTY[stage])
        for staff in members:
            result.circles[name].append(
                {"staff_id": staff.id, "email": staff.email, "routes": routes_of(staff),
                 # Shown beside the routes; never a route on its own.
                 "desk": desk_route(staff, now)})
            if routes_of(staff):
                result.reachable = True
            else:
                result.missing.append(
                    f"{name} {staff.email}: {what_is_missing(staff, now=now)}")
    return result


class ChainCache:
    """Chains of many young people at once: everyone in a service shares its on-call
    staff, leads and admins, so a chain is worked out once per (service, keyworker)."""

    def __init__(self, session: AsyncSession, now: datetime | None = None) -> None:
        self.session = session
        self.now = now
        self._known: dict[tuple[str, str | None], ChainReach] = {}

    async def of(self, person: YoungPerson) -> ChainReach:
        key = (person.service_id, person.keyworker_id)
        if key not in self._known:
            self._known[key] = await chain_reach(self.session, person, self.now)
        return self._known[key]


def unreached_alerts():
    """Open alerts that have reached nobody yet (no one was told by any route)."""
    told = exists().where(AlertRecipient.alert_id == Alert.id)
    return select(Alert).where(Alert.status == "open", ~told)


async def count_unreached_alerts(session: AsyncSession) -> int:
    stmt = unreached_alerts().with_only_columns(func.count()).order_by(None)
    return int(await session.scalar(stmt) or 0)


async def services_without_reach(session: AsyncSession) -> dict[str, list[str]]:
    """Service name -> ids of its young people whose chain can reach nobody."""

    found: dict[str, list[str]] = {}
    chains = ChainCache(session)
    rows = await session.execute(
        select(YoungPerson, Service.name).join(Service, Service.id == YoungPerson.service_id)
        .join(DataKey, DataKey.owner == YoungPerson.id)  # erased people raise no alerts
        .order_by(Service.name, YoungPerson.created_at)
    )
    for person, service_name in rows.all():
        if not (await chains.of(person)).reachable:
            found.setdefault(service_name, []).append(person.id)
    return found
