"""Searching the audit log (staff member, young person, action, dates, service,
pages) and exporting it as a CSV a spreadsheet cannot be tricked by."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain import admin
from domain.admin import AdminError
from domain.audit_log import (
    AuditFilter,
    audit_csv,
    export_audit_csv,
    make_filter,
    query_audit,
    safe_cell,
)
from storage.models import Staff
from storage.repositories import audit
from tests.support.people import Cast, make_cast


async def _log(runtime: Runtime, clock: FrozenClock, when: datetime, **fields: object) -> None:
    clock.set(when)
    async with runtime.db.transaction() as session:
        audit(session, at=when, **fields)  # type: ignore[arg-type]


async def _seed(runtime: Runtime, clock: FrozenClock, cast: Cast) -> dict[str, str]:
    """A second service with its own people, and a spread of entries over three days."""
    other = await make_cast(runtime, service="South", nickname="Rae")
    alex, rae_worker = cast.keyworker_id, other.keyworker_id
    sam, rae = cast.young_person_id, other.young_person_id
    await _log(runtime, clock, datetime(2026, 11, 24, 9, tzinfo=UTC), actor_kind="staff",
               actor_id=alex, action="checkin.acknowledged", young_person_id=sam)
    await _log(runtime, clock, datetime(2026, 11, 24, 23, 59, tzinfo=UTC), actor_kind="staff",
               actor_id=alex, action="alert.taken", young_person_id=sam)
    await _log(runtime, clock, datetime(2026, 11, 25, 0, 0, tzinfo=UTC), actor_kind="staff",
               actor_id=rae_worker, action="alert.taken", young_person_id=rae)
    await _log(runtime, clock, datetime(2026, 11, 26, 12, tzinfo=UTC), actor_kind="system",
               actor_id=None, action="alert_escalated", young_person_id=sam)
    return {"alex": alex, "rae_worker": rae_worker, "sam": sam, "rae": rae}


async def _search(  # type: ignore[no-untyped-def]
    runtime: Runtime, page: int = 1, per_page: int = 50, **typed: object
):
    async with runtime.db.transaction() as session:
        flt = await make_filter(session, **typed)  # type: ignore[arg-type]
        return flt, await query_audit(session, flt, page=page, per_page=per_page,
                                      now=runtime.clock.now())


async def test_filters_and_pages(any_runtime: Runtime, clock: FrozenClock) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    ids = await _seed(runtime, clock, cast)

    _, by_alex = await _search(runtime, staff_email=cast.keyworker_email.upper())
    assert [e["action"] for e in by_alex.entries] == ["alert.taken", "checkin.acknowledged"]
    assert {e["actor"] for e in by_alex.entries} == {cast.keyworker_email}

    _, about_sam = await _search(runtime, young_person_id=ids["sam"])
    assert [e["action"] for e in about_sam.entries][:3] == [
        "alert_escalated", "alert.taken", "checkin.acknowledged"]

    _, taken = await _search(runtime, action="alert.taken")
    assert [e["young_person_id"] for e in taken.entries] == [ids["rae"], ids["sam"]]
    # A prefix: "alert.*" — and "_" in it is a letter, not a wildcard.
    _, prefixed = await _search(runtime, action="alert.*")
    assert {e["action"] for e in prefixed.entries} == {"alert.taken"}

    # Whole days in UTC, both ends included.
    _, day = await _search(runtime, date_from=date(2026, 11, 24), date_to=date(2026, 11, 24))
    assert [e["at"] for e in day.entries] == [
        "2026-11-24T23:59:00+00:00", "2026-11-24T09:00:00+00:00"]
    _, since = await _search(runtime, date_from=date(2026, 11, 25))
    assert {e["action"] for e in since.entries} >= {"alert.taken", "alert_escalated"}
    assert all(str(e["at"]) >= "2026-11-25" for e in since.entries)

    _, south = await _search(runtime, service_name="South", action="alert.taken")
    assert [e["young_person_id"] for e in south.entries] == [ids["rae"]]

    # Pages: newest first, counted, no entry twice and none missed. (Each search is
    # itself audited; from tomorrow on, those entries fall outside the range.)
    clock.set(datetime(2026, 11, 27, 8, tzinfo=UTC))
    upto = {"date_to": date(2026, 11, 26)}
    _, first = await _search(runtime, per_page=3, **upto)
    _, second = await _search(runtime, page=2, per_page=3, **upto)
    assert first.total == second.total >= 8 and first.pages == -(-first.total // 3)
    assert len(first.entries) == len(second.entries) == 3
    assert not {e["id"] for e in first.entries} & {e["id"] for e in second.entries}
    everything = [e["id"] for e in (await _search(runtime, per_page=500, **upto))[1].entries]
    assert len(everything) == first.total
    assert everything[:6] == [e["id"] for e in first.entries + second.entries]


async def test_searching_refuses_what_cannot_be_right(runtime: Runtime, cast: Cast) -> None:
    await make_cast(runtime, service="South", nickname="Rae")
    bad = [
        ({"staff_email": "nobody@north.example"}, "no staff member"),
        ({"date_from": date(2026, 12, 2), "date_to": date(2026, 12, 1)}, "after"),
        ({"young_person_id": "x" * 33}, "not a young person"),
        ({"action": " "}, "an action is"),
        ({"service_name": "Nowhere"}, "no service"),
    ]
    for typed, message in bad:
        with pytest.raises(AdminError, match=message):
            await _search(runtime, **typed)
    for page, per_page, message in ((0, 10, "pages start"), (1, 501, "a page holds")):
        with pytest.raises(AdminError, match=message):
            async with runtime.db.transaction() as session:
                await query_audit(session, AuditFilter(), page=page, per_page=per_page,
                                  now=runtime.clock.now())
    # On the web only an admin reads it, and only for their own service.
    async with runtime.db.transaction() as session:
        made = await admin.create_staff(session, service_name="North", name="Ada Admin",
                                        email="ada@north.example", role="admin",
                                        now=runtime.clock.now(), bot_username=None)
        ada = await session.get(Staff, made["staff_id"])
        alex = await session.get(Staff, cast.keyworker_id)
        assert ada is not None and alex is not None
        with pytest.raises(AdminError, match="only an admin"):
            await make_filter(session, by=alex)
        flt = await make_filter(session, service_name=None, by=ada)
        assert flt.service_id == ada.service_id
        page = await query_audit(session, flt, now=runtime.clock.now(), by=ada)
    # The service, Alex, Sam and Ada were created: North's entries only, none of South's.
    assert [e["action"] for e in page.entries if e["action"].endswith(".created")] == [
        "staff.created", "young_person.created", "staff.created", "service.created"]


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)",
                                       "\tcmd", "\rcmd"])
def test_a_cell_never_starts_a_formula(dangerous: str) -> None:
    assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("alert.taken") == "alert.taken"
    assert safe_cell(None) == ""


async def test_csv_export_is_utf8_with_bom_and_formula_safe(runtime: Runtime, cast: Cast) -> None:
    nasty = ["=cmd|' /C calc'!A0", "+SUM(1)", "-1", "@x", "\tx", "\rx",
             "caf\u00e9 \u00fcber, \"quoted\""]
    async with runtime.db.transaction() as session:
        for detail in nasty:
            audit(session, at=runtime.clock.now(), actor_kind="staff", actor_id=cast.keyworker_id,
                  action="test.detail", detail=detail)
    async with runtime.db.transaction() as session:
        flt = await make_filter(session, action="test.detail")
        data, count = await export_audit_csv(session, flt, now=runtime.clock.now())
    assert count == len(nasty)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["id", "at", "actor_kind", "actor_id", "actor", "action",
                       "young_person_id", "detail"]
    details = sorted(r[7] for r in rows[1:])
    assert details == sorted(safe_cell(d) for d in nasty)
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert {r[4] for r in rows[1:]} == {cast.keyworker_email}
    # The export itself is written down.
    _, page = await _search(runtime, action="audit.exported")
    assert page.total == 1 and "7 rows" in str(page.entries[0]["detail"])


def test_csv_of_nothing_is_just_the_header() -> None:
    header = "id,at,actor_kind,actor_id,actor,action,young_person_id,detail\r\n"
    assert audit_csv([]) == ("\ufeff" + header).encode()
