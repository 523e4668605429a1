"""Alerts that reached nobody, and the operator's views of them, on SQLite and (when
configured) PostgreSQL: the queries behind /healthz, the scheduler and admin alerts."""

from __future__ import annotations

from domain.runtime import Runtime
from domain.operator_views import alerts_report, check_report, list_young_people
from safeguarding.escalation import deliver_unreached
from safeguarding.reach import count_unreached_alerts, services_without_reach
from storage.models import Staff
from tests.support.people import make_cast
from tests.support.safeguarding import check_in, consented


async def test_unreached_alert_is_counted_then_delivered(any_runtime: Runtime) -> None:
    rt = any_runtime
    cast = await make_cast(rt)
    client = await consented(rt, cast)
    await check_in(client, ["I need help now"])
    async with rt.db.transaction() as session:
        assert await count_unreached_alerts(session) == 1
        assert await services_without_reach(session) == {"North": [cast.young_person_id]}
        assert (await check_report(session, "North"))["unreachable"] == [cast.young_person_id]
        (alert,) = (await alerts_report(session, open_only=True))["alerts"]
        assert alert["reached_nobody"] and alert["stage"] == "lead"
        assert await deliver_unreached(session, rt.vault, rt.clock.now()) == 0
    async with rt.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        alex.telegram_chat_id = 99
    async with rt.db.transaction() as session:
        assert await deliver_unreached(session, rt.vault, rt.clock.now()) == 1
    async with rt.db.transaction() as session:
        assert await count_unreached_alerts(session) == 0
        assert await services_without_reach(session) == {}
        (alert,) = (await alerts_report(session, open_only=True))["alerts"]
        assert alert["stage"] == "keyworker" and not alert["reached_nobody"]
        (told,) = alert["told"]
        assert told["routes"][0]["route"] == "telegram"
        (person,) = (await list_young_people(session, None))["young_people"]
        assert person["keyworker"] == cast.keyworker_email and person["channels"] == []
