"""The lead's page (service totals, who needs a keyworker) and the admin's page
(accounts, assignments, on-call). Neither shows anything a young person said."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from app.i18n import _
from flows import admin as setup
from flows import desk, desk_accounts
from storage.models import Service, Staff, YoungPerson
from storage.repositories import audit
from web.keys import DB, RUNTIME
from web.staff.pages import desk_page, not_found, page, source
from web.templating import see_other

ROLE_LABELS = {
    "keyworker": lambda: _("Keyworker"),
    "placement": lambda: _("Placement staff"),
    "lead": lambda: _("Lead"),
    "commissioner": lambda: _("Commissioner"),
    "admin": lambda: _("Admin"),
}


async def _staff_list(request: web.Request, actor: Staff) -> list[Staff]:
    return list((await request[DB].scalars(
        select(Staff).where(Staff.service_id == actor.service_id).order_by(Staff.name))).all())


async def _people(request: web.Request, actor: Staff) -> list[tuple[str, str, str | None]]:
    """(id, nickname, keyworker id) of the service's young people, for assigning."""
    rows = (await request[DB].scalars(
        select(YoungPerson).where(YoungPerson.service_id == actor.service_id))).all()
    out = []
    for person in rows:
        nickname = await desk.nickname_of(request[DB], request.app[RUNTIME].vault, person)
        if nickname is not None:
            out.append((person.id, nickname, person.keyworker_id))
    return sorted(out, key=lambda p: p[1].lower())


def _flash(request: web.Request) -> str | None:
    return {
        "assigned": _("Keyworker changed. The new keyworker sees the whole history now."),
        "deactivated": _("Account deactivated. They are signed out everywhere."),
        "on": _("They are on call now."),
        "off": _("They are no longer on call."),
    }.get(request.query.get("m", ""))


async def _admin_page(request: web.Request, actor: Staff, *, status: int = 200,
                      created: dict | None = None, problem: str | None = None) -> web.Response:
    staff = await _staff_list(request, actor)
    keyworkers = [s for s in staff if s.active and s.role in desk.KEYWORKING_ROLES]
    audit(request[DB], at=request.app[RUNTIME].clock.now(), actor_kind="staff",
          actor_id=actor.id, action="desk.admin_viewed", detail=f"from={source(request)}")
    return await page(request, "staff/admin.html", status=status, members=staff,
                      keyworkers=keyworkers, people=await _people(request, actor),
                      roles=ROLE_LABELS, created=created, problem=problem,
                      flash=_flash(request))


@desk_page("admin")
async def admin_home(request: web.Request, actor: Staff) -> web.Response:
    return await _admin_page(request, actor)


@desk_page("admin")
async def create_staff(request: web.Request, actor: Staff) -> web.Response:
    runtime = request.app[RUNTIME]
    form = await request.post()
    service = await request[DB].get(Service, actor.service_id)
    assert service is not None
    try:
        made = await setup.create_staff(
            request[DB], service_name=service.name, name=str(form.get("name", ""))[:200],
            email=str(form.get("email", ""))[:320], role=str(form.get("role", "")),
            now=runtime.clock.now(), bot_username=None)
    except setup.AdminError as exc:
        return await _admin_page(request, actor, status=400,
                                 problem=_("That didn't work: {why}").format(why=str(exc)))
    audit(request[DB], at=runtime.clock.now(), actor_kind="staff", actor_id=actor.id,
          action="staff.created_on_desk", detail=str(made["staff_id"]))
    return await _admin_page(request, actor, created=made)


@desk_page("admin")
async def deactivate(request: web.Request, actor: Staff) -> web.Response:
    try:
        await desk_accounts.deactivate_staff(request[DB], actor, request.match_info["staff_id"],
                                             request.app[RUNTIME].clock.now())
    except desk_accounts.NotInService:
        return _refused(request, actor, "deactivate")
    return see_other("/staff/admin?m=deactivated")


@desk_page("admin")
async def on_call(request: web.Request, actor: Staff) -> web.Response:
    on = (await request.post()).get("on") == "1"
    try:
        await desk_accounts.set_on_call(request[DB], actor, request.match_info["staff_id"], on,
                                        request.app[RUNTIME].clock.now())
    except desk_accounts.NotInService:
        return _refused(request, actor, "on_call")
    except setup.AdminError as exc:  # e.g. a commissioner: totals only, never alerts
        return await _admin_page(request, actor, status=400,
                                 problem=_("That didn't work: {why}").format(why=str(exc)))
    return see_other(f"/staff/admin?m={'on' if on else 'off'}")


@desk_page("admin", "lead")
async def assign(request: web.Request, actor: Staff) -> web.Response:
    form = await request.post()
    try:
        await desk_accounts.assign_keyworker(
            request[DB], actor, request.match_info["person_id"], str(form.get("keyworker", "")),
            request.app[RUNTIME].clock.now())
    except desk_accounts.NotInService:
        return _refused(request, actor, "assign")
    return see_other(f"/staff/{'admin' if actor.role == 'admin' else 'lead'}?m=assigned")


def _refused(request: web.Request, actor: Staff, what: str) -> web.Response:
    audit(request[DB], at=request.app[RUNTIME].clock.now(), actor_kind="staff",
          actor_id=actor.id, action="desk.refused",
          detail=f"{what} {request.path[:120]} from={source(request)}")
    return not_found(request)


@desk_page("lead")
async def lead_home(request: web.Request, actor: Staff) -> web.Response:
    runtime = request.app[RUNTIME]
    tz = await desk.service_timezone(request[DB], actor)
    totals = await desk.service_totals(request[DB], runtime.vault, actor, tz, runtime.clock.now())
    staff = await _staff_list(request, actor)
    keyworkers = [s for s in staff if s.active and s.role in desk.KEYWORKING_ROLES]
    audit(request[DB], at=runtime.clock.now(), actor_kind="staff", actor_id=actor.id,
          action="desk.lead_viewed", detail=f"from={source(request)}")
    return await page(request, "staff/lead.html", totals=totals, keyworkers=keyworkers,
                      flash=_flash(request))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff/admin", admin_home)
    app.router.add_post("/staff/admin/staff", create_staff)
    app.router.add_post("/staff/admin/staff/{staff_id}/deactivate", deactivate)
    app.router.add_post("/staff/admin/staff/{staff_id}/on-call", on_call)
    app.router.add_post("/staff/young-people/{person_id}/keyworker", assign)
    app.router.add_get("/staff/lead", lead_home)
