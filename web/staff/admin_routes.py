"""The lead's page (service totals, who needs a keyworker), the handover form, and the
admin's pages (accounts, on-call, password resets, the audit log). None of them shows
anything a young person said; every decision is a domain function in ``flows/``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from aiohttp import web

from core.i18n import _
from cards.photos import MAX_UPLOAD_BYTES
from domain import admin as setup
from domain import audit_log, desk, desk_accounts, handover, languages, my_data
from domain.admin import AdminError
from domain.audit_log import staff_action
from domain.staff import KEYWORKING_ROLES
from web.keys import DB, RUNTIME
from web.staff.pages import desk_page, not_found, page, source
from web.templating import see_other

if TYPE_CHECKING:  # types only: channels never touch storage
    from storage.models import Staff, YoungPerson

ROLE_LABELS = {
    "keyworker": lambda: _("Keyworker"),
    "placement": lambda: _("Placement staff"),
    "lead": lambda: _("Lead"),
    "commissioner": lambda: _("Commissioner"),
    "admin": lambda: _("Admin"),
}
AUDIT_PER_PAGE = 50


async def _staff_list(request: web.Request, actor: Staff) -> list[Staff]:
    return await desk_accounts.members(request[DB], actor)


def _keyworkers(staff: list[Staff]) -> list[Staff]:
    return [s for s in staff if s.active and s.role in KEYWORKING_ROLES]


async def _people(request: web.Request, actor: Staff) -> list[tuple[str, str, str | None]]:
    """(id, nickname, keyworker id) of the service's young people, for assigning."""
    return await desk_accounts.people_to_assign(request[DB], request.app[RUNTIME].vault, actor)


def _flash(request: web.Request) -> str | None:
    return {
        "assigned": _("Keyworker changed. The new keyworker sees the whole history now, and "
                      "the young person has been told."),
        "deactivated": _("Account deactivated. They are signed out everywhere."),
        "on": _("They are on call now."),
        "off": _("They are no longer on call."),
    }.get(request.query.get("m", ""))


def _why(exc: AdminError) -> str:
    return _("That didn't work: {why}").format(why=str(exc))


async def _admin_page(request: web.Request, actor: Staff, *, status: int = 200,
                      created: dict | None = None, reset: dict | None = None,
                      problem: str | None = None) -> web.Response:
    staff = await _staff_list(request, actor)
    staff_action(request[DB], actor, "desk.admin_viewed", request.app[RUNTIME].clock.now(),
                 detail=f"from={source(request)}")
    return await page(request, "staff/admin.html", status=status, members=staff,
                      keyworkers=_keyworkers(staff), people=await _people(request, actor),
                      roles=ROLE_LABELS, created=created, reset=reset, problem=problem,
                      flash=_flash(request),
                      data_requests=await my_data.waiting_for(request[DB], actor,
                                                              request.app[RUNTIME].clock.now()))


@desk_page("admin")
async def admin_home(request: web.Request, actor: Staff) -> web.Response:
    return await _admin_page(request, actor)


@desk_page("admin")
async def create_staff(request: web.Request, actor: Staff) -> web.Response:
    runtime = request.app[RUNTIME]
    form = await request.post()
    try:
        made = await desk_accounts.create_staff(
            request[DB], actor, name=str(form.get("name", ""))[:200],
            email=str(form.get("email", ""))[:320], role=str(form.get("role", "")),
            now=runtime.clock.now())
    except AdminError as exc:
        return await _admin_page(request, actor, status=400, problem=_why(exc))
    return await _admin_page(request, actor, created=made)


@desk_page("admin")
async def deactivate(request: web.Request, actor: Staff) -> web.Response:
    try:
        await desk_accounts.deactivate_staff(request[DB], actor, request.match_info["staff_id"],
                                             request.app[RUNTIME].clock.now())
    except desk_accounts.NotInService:
        return _refused(request, actor, "deactivate")
    except AdminError as exc:
        return await _admin_page(request, actor, status=400, problem=_why(exc))
    return see_other("/staff/admin?m=deactivated")


@desk_page("admin")
async def reset_password(request: web.Request, actor: Staff) -> web.Response:
    """A new one-time password, shown on this page once and never again."""
    try:
        result = await desk_accounts.reset_password(
            request[DB], actor, request.match_info["staff_id"], request.app[RUNTIME].clock.now())
    except desk_accounts.NotInService:
        return _refused(request, actor, "reset_password")
    except AdminError as exc:
        return await _admin_page(request, actor, status=400, problem=_why(exc))
    return await _admin_page(request, actor, reset=result)


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


# -- handover ------------------------------------------------------------------------------


async def _handover_page(request: web.Request, actor: Staff, person: YoungPerson, *,
                         status: int = 200, problem: str | None = None,
                         form: dict[str, str] | None = None) -> web.Response:
    runtime = request.app[RUNTIME]
    tz = await desk.service_timezone(request[DB], actor)
    history = await desk.keyworker_history(request[DB], person, tz)
    staff_action(request[DB], actor, "desk.handover_viewed", runtime.clock.now(),
                 young_person_id=person.id, detail=f"from={source(request)}")
    return await page(request, "staff/handover.html", status=status, person=person,
                      nickname=await desk.nickname_of(request[DB], runtime.vault, person) or "?",
                      keyworkers=_keyworkers(await _staff_list(request, actor)),
                      history=history, problem=problem, form=form or {},
                      note_limit=handover.NOTE_LIMIT, hello_limit=handover.HELLO_LIMIT,
                      photo_mb=MAX_UPLOAD_BYTES // (1024 * 1024))


@desk_page("admin", "lead")
async def handover_form(request: web.Request, actor: Staff) -> web.Response:
    try:
        person = await desk_accounts.person_of(request[DB], actor, request.match_info["person_id"])
    except desk_accounts.NotInService:
        return _refused(request, actor, "handover")
    return await _handover_page(request, actor, person)


@desk_page("admin", "lead")
async def assign(request: web.Request, actor: Staff) -> web.Response:
    """Hand a young person over: new keyworker, a note for them, a hello and a photo for
    the young person. Anything wrong comes back to the form with the words kept."""
    form = await request.post()
    person_id = request.match_info["person_id"]
    typed = {key: str(form.get(key, ""))[:8000] for key in ("keyworker", "note", "hello")}
    upload = form.get("photo")
    photo = None
    if isinstance(upload, web.FileField) and upload.filename:
        photo = upload.file.read(MAX_UPLOAD_BYTES + 1)
    try:
        person = await desk_accounts.person_of(request[DB], actor, person_id)
    except desk_accounts.NotInService:
        return _refused(request, actor, "assign")
    if not typed["keyworker"]:
        return await _handover_page(request, actor, person, status=400, form=typed,
                                    problem=_("Please choose the new keyworker."))
    try:
        await desk_accounts.assign_keyworker(
            request[DB], request.app[RUNTIME].vault, actor, person.id, typed["keyworker"],
            note=typed["note"], hello=typed["hello"] or None, photo=photo or None,
            now=request.app[RUNTIME].clock.now())
    except desk_accounts.NotInService:
        return _refused(request, actor, "assign")
    except AdminError as exc:
        # Nothing was changed (the domain checks everything before it writes).
        return await _handover_page(request, actor, person, status=400, form=typed,
                                    problem=_why(exc))
    return see_other(f"/staff/{'admin' if actor.role == 'admin' else 'lead'}?m=assigned")


def _refused(request: web.Request, actor: Staff, what: str) -> web.Response:
    staff_action(request[DB], actor, "desk.refused", request.app[RUNTIME].clock.now(),
                 detail=f"{what} {request.path[:120]} from={source(request)}")
    return not_found(request)


@desk_page("lead")
async def lead_home(request: web.Request, actor: Staff) -> web.Response:
    runtime = request.app[RUNTIME]
    tz = await desk.service_timezone(request[DB], actor)
    totals = await desk.service_totals(request[DB], runtime.vault, actor, tz, runtime.clock.now())
    staff_action(request[DB], actor, "desk.lead_viewed", runtime.clock.now(),
                 detail=f"from={source(request)}")
    return await page(request, "staff/lead.html", totals=totals, flash=_flash(request),
                      data_requests=await my_data.waiting_for(request[DB], actor,
                                                              runtime.clock.now()))


# -- languages -----------------------------------------------------------------------------


@desk_page("lead", "admin")
async def languages_page(request: web.Request, actor: Staff) -> web.Response:
    rows = await languages.languages_for_service(request[DB], actor.service_id)
    flash = {"on": _("Language switched on."), "off": _("Language switched off.")}.get(
        request.query.get("m", ""))
    return await page(request, "staff/languages.html", languages=rows, flash=flash)


@desk_page("lead", "admin")
async def language_switch(request: web.Request, actor: Staff) -> web.Response:
    runtime = request.app[RUNTIME]
    locale = request.match_info["locale"]
    on = (await request.post()).get("on") == "1"
    try:
        await languages.set_language(request[DB], actor.service_id, locale, on,
                                     runtime.clock.now())
    except AdminError:
        return not_found(request)
    staff_action(request[DB], actor, "desk.language_switched", runtime.clock.now(),
                 detail=f"{locale} {'on' if on else 'off'} from={source(request)}")
    return see_other(f"/staff/languages?m={'on' if on else 'off'}")


# -- the audit log -------------------------------------------------------------------------


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise AdminError(_("a date looks like 2026-11-23")) from None


async def _audit_filter(request: web.Request, actor: Staff) -> tuple[dict[str, str],
                                                                    audit_log.AuditFilter]:
    q = {key: request.query.get(key, "").strip()[:320]
         for key in ("staff", "young_person", "action", "from", "to")}
    flt = await audit_log.make_filter(
        request[DB], staff_email=q["staff"] or None, young_person_id=q["young_person"] or None,
        action=q["action"] or None, date_from=_day(q["from"]), date_to=_day(q["to"]), by=actor)
    return q, flt


@desk_page("admin")
async def audit_page(request: web.Request, actor: Staff) -> web.Response:
    """Who did what, when, from where: filtered, newest first, a page at a time."""
    runtime = request.app[RUNTIME]
    try:
        number = max(1, min(int(request.query.get("page", "1")), 1_000_000))
    except ValueError:
        number = 1
    q = _q_of(request)
    try:
        q, flt = await _audit_filter(request, actor)
        found = await audit_log.query_audit(request[DB], flt, page=number,
                                            per_page=AUDIT_PER_PAGE, now=runtime.clock.now(),
                                            by=actor)
    except AdminError as exc:
        return await page(request, "staff/audit.html", status=400, q=q, found=None,
                          problem=_why(exc), staff_list=await _staff_list(request, actor),
                          query_for=_query_for)
    return await page(request, "staff/audit.html", q=q, found=found, problem=None,
                      staff_list=await _staff_list(request, actor), query_for=_query_for)


def _query_for(q: dict[str, str], page_no: int) -> str:
    from urllib.parse import urlencode

    return urlencode({**{k: v for k, v in q.items() if v}, "page": page_no})


@desk_page("admin")
async def audit_csv(request: web.Request, actor: Staff) -> web.Response:
    try:
        _q, flt = await _audit_filter(request, actor)
    except AdminError as exc:
        return await page(request, "staff/audit.html", status=400, q=_q_of(request), found=None,
                          problem=_why(exc), staff_list=await _staff_list(request, actor),
                          query_for=_query_for)
    data, _count = await audit_log.export_audit_csv(request[DB], flt,
                                                    now=request.app[RUNTIME].clock.now(), by=actor)
    return web.Response(body=data, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": 'attachment; filename="heard-audit.csv"',
        "Cache-Control": "no-store"})


def _q_of(request: web.Request) -> dict[str, str]:
    return {key: request.query.get(key, "")[:320]
            for key in ("staff", "young_person", "action", "from", "to")}


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff/admin", admin_home)
    app.router.add_post("/staff/admin/staff", create_staff)
    app.router.add_post("/staff/admin/staff/{staff_id}/deactivate", deactivate)
    app.router.add_post("/staff/admin/staff/{staff_id}/reset-password", reset_password)
    app.router.add_post("/staff/admin/staff/{staff_id}/on-call", on_call)
    app.router.add_get("/staff/admin/audit", audit_page)
    app.router.add_get("/staff/admin/audit.csv", audit_csv)
    app.router.add_get("/staff/young-people/{person_id}/handover", handover_form)
    app.router.add_post("/staff/young-people/{person_id}/keyworker", assign)
    app.router.add_get("/staff/lead", lead_home)
    app.router.add_get("/staff/languages", languages_page)
    app.router.add_post("/staff/languages/{locale}", language_switch)
