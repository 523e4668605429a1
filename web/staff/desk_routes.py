"""A keyworker's desk: my young people, one young person's page (timeline, mood
strip, 12-week overview), Seen with a reply, and alerts with "I'm on it".

Every id in a URL or a form goes through ``domain.desk.person_for`` (or
``alert_for``): anything not on this staff member's desk is a 404, audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from datetime import date
from zoneinfo import ZoneInfo

from aiohttp import web

from core.i18n import _, current_locale
from cards.deck import card_label
from domain import buddies, desk, goals, placements, review_prep, you_said
from domain.moves import tell_planned
from domain.placements import PlacementError, current_move, service_placements
from domain.records import amount_label, help_label
from domain.handover import handover_notes_for
from domain.records import LISTENED_ANSWERS, LISTENED_FACES, LISTENED_WHO
from domain.staff import acknowledge_checkin
from domain.strips import overview_png, week_strip_png
from safeguarding.taking import take_alert
from web.keys import DB, RUNTIME
from web.staff.pages import desk_page, not_found, page, source
from web.templating import see_other

if TYPE_CHECKING:  # types only: channels never touch storage
    from storage.models import Staff, YoungPerson

KEYWORKERS = desk.DESK_ROLES
LABELS: dict[str, Any] = {
    "card_label": card_label,
    "amount_label": amount_label,
    "help_label": help_label,
    "listened_who": lambda key: _(LISTENED_WHO.get(key) or key),
    "listened_answer": lambda key: _(LISTENED_ANSWERS.get(key) or key),
    "listened_face": lambda key: LISTENED_FACES.get(key, ""),
}


@desk_page(*KEYWORKERS)
async def my_young_people(request: web.Request, staff: Staff) -> web.Response:
    runtime = request.app[RUNTIME]
    tz = await desk.service_timezone(request[DB], staff)
    rows = await desk.my_young_people(request[DB], runtime.vault, staff, tz,
                                      source=source(request), now=runtime.clock.now())
    return await page(request, "staff/desk.html", people=rows, flash=_flash(request), **LABELS)


def _flash(request: web.Request) -> str | None:
    return {
        "seen": _("Marked as seen. They will be told."),
        "replied": _("Marked as seen, and your reply is on its way."),
        "taken": _("You are on it. Everyone else who was told now knows."),
        "already": _("Someone else is already on it."),
        "change": _("Recorded. They have been told what changed."),
        "goal": _("The goal is added. They can rate it any time."),
        "goal-ended": _("The goal is finished."),
        "move": _("The move is planned. They have been told, and can see their next home now."),
        "move-cancelled": _("The move is cancelled. They no longer see that booklet."),
        "refused": _("Only their keyworker, on-call staff or a lead can take this alert. "
                     "Please find one of them now."),
    }.get(request.query.get("m", ""))


async def _person(request: web.Request, staff: Staff, what: str) -> YoungPerson | None:
    runtime = request.app[RUNTIME]
    return await desk.person_for(request[DB], staff, request.match_info["person_id"], what=what,
                                 source=source(request), now=runtime.clock.now())


@desk_page(*KEYWORKERS)
async def young_person(request: web.Request, staff: Staff) -> web.Response:
    person = await _person(request, staff, "timeline")
    if person is None:
        return not_found(request)
    runtime = request.app[RUNTIME]
    tz = await desk.service_timezone(request[DB], staff)
    try:
        page_no = max(0, int(request.query.get("page", "0")))
    except ValueError:
        page_no = 0
    entries, older = await desk.timeline(request[DB], runtime.vault, person, tz, page_no)
    nickname = await desk.nickname_of(request[DB], runtime.vault, person) or "?"
    return await page(request, "staff/person.html", person=person, nickname=nickname,
                      entries=entries, page_no=page_no, older=older, flash=_flash(request),
                      problem=None, reply_limit=desk.REPLY_LIMIT,
                      **await _history_and_notes(request, staff, person, tz, page_no),
                      **LABELS)


async def _history_and_notes(request: web.Request, staff: Staff, person: YoungPerson,
                             tz: ZoneInfo, page_no: int) -> dict[str, Any]:
    """Who key-worked them, and the handover notes written for this keyworker (read,
    and so audited, only on the first page)."""
    if page_no:
        return {"history": None, "notes": [], "relays": [],
                "change_limit": you_said.CHANGE_LIMIT}
    runtime = request.app[RUNTIME]
    keyworkers = await desk.active_keyworkers(request[DB], person.service_id)
    notes = await handover_notes_for(request[DB], runtime.vault, staff, person,
                                     runtime.clock.now())
    prep = await review_prep.shared_for_review(request[DB], runtime.vault, person)
    relays = await buddies.relay_for_keyworker(request[DB], runtime.vault, staff, person.id,
                                               runtime.clock.now())
    return {"relays": [(r, desk.when_text(r.closes_at, tz),
                        [(m, desk.when_text(m.sent_at, tz)) for m in r.messages])
                       for r in relays],
            "placements": await service_placements(request[DB], person.service_id),
            "planned": await current_move(request[DB], person.id), "keyworkers": keyworkers,
            "history": await desk.keyworker_history(request[DB], person, tz),
            "goals": await goals.goals_of(request[DB], runtime.vault, person),
            "prep_lines": (prep or ([], None))[0],
            "change_limit": you_said.CHANGE_LIMIT,
            "notes": [(n, desk.when_text(n.written_at, tz)) for n in notes]}


async def _png(request: web.Request, staff: Staff, kind: str) -> web.Response:
    person = await _person(request, staff, kind)
    if person is None:
        return not_found(request)
    runtime = request.app[RUNTIME]
    tz = await desk.service_timezone(request[DB], staff)
    monday = desk.this_monday(runtime.clock.now(), tz)
    locale = current_locale()
    if kind == "overview":
        png = await overview_png(request[DB], runtime.vault, person, monday, locale)
    else:
        png, _count = await week_strip_png(request[DB], runtime.vault, person, monday, locale)
    return web.Response(body=png, content_type="image/png",
                        headers={"Cache-Control": "no-store"})


@desk_page(*KEYWORKERS)
async def week_strip(request: web.Request, staff: Staff) -> web.Response:
    return await _png(request, staff, "week_strip")


@desk_page(*KEYWORKERS)
async def overview(request: web.Request, staff: Staff) -> web.Response:
    return await _png(request, staff, "overview")


@desk_page(*KEYWORKERS)
async def seen(request: web.Request, staff: Staff) -> web.Response:
    """Seen ✔ (the same function as the Telegram button), with an optional reply."""
    person = await _person(request, staff, "seen")
    if person is None:
        return not_found(request)
    runtime = request.app[RUNTIME]
    now = runtime.clock.now()
    form = await request.post()
    checkin_id = str(form.get("checkin", ""))[:64]
    checkin = await desk.checkin_for(request[DB], staff, person, checkin_id, what="seen", now=now)
    if checkin is None:
        return not_found(request)
    base = f"/staff/young-people/{person.id}"
    reply = str(form.get("reply", ""))
    if desk.clean_reply(reply):
        result = await desk.send_reply(request[DB], runtime.vault, staff, person, checkin.id,
                                       reply, now)
        if not result.ok:
            # Nothing is lost: the check-in is not marked, the words come back to the form.
            return await _person_with_problem(request, staff, person, result.problem or "")
    ack = await acknowledge_checkin(request[DB], runtime.vault, staff, checkin.id, now)
    if not ack.ok:
        return not_found(request)
    return see_other(f"{base}?m={'replied' if desk.clean_reply(reply) else 'seen'}"
                     f"#checkin-{checkin.id}")


@desk_page(*KEYWORKERS)
async def record_change(request: web.Request, staff: Staff) -> web.Response:
    """"You said, we did" for one check-in: sealed, told to the young person."""
    person = await _person(request, staff, "change")
    if person is None:
        return not_found(request)
    runtime = request.app[RUNTIME]
    form = await request.post()
    checkin_id = str(form.get("checkin", ""))[:64]
    text = str(form.get("change", ""))[:4000]
    result = await you_said.record_change(request[DB], runtime.vault, staff, person, checkin_id,
                                          text, runtime.clock.now())
    if not result.ok:
        if result.problem is None:
            return not_found(request)
        return await _person_with_problem(request, staff, person, result.problem,
                                          change_for=checkin_id, change_draft=text[:2000])
    return see_other(f"/staff/young-people/{person.id}?m=change#checkin-{checkin_id}")


@desk_page(*KEYWORKERS)
async def add_goal(request: web.Request, staff: Staff) -> web.Response:
    person = await _person(request, staff, "goals")
    if person is None:
        return not_found(request)
    runtime = request.app[RUNTIME]
    form = await request.post()
    result = await goals.add_goal(request[DB], runtime.vault, staff, person,
                                  str(form.get("goal", ""))[:2000], runtime.clock.now())
    if not result.ok:
        return await _person_with_problem(request, staff, person, result.problem or "")
    return see_other(f"/staff/young-people/{person.id}?m=goal#goals")


@desk_page(*KEYWORKERS)
async def end_goal(request: web.Request, staff: Staff) -> web.Response:
    person = await _person(request, staff, "goals")
    if person is None:
        return not_found(request)
    ended = await goals.end_goal(request[DB], staff, person, request.match_info["goal_id"],
                                 request.app[RUNTIME].clock.now())
    if not ended:
        return not_found(request)
    return see_other(f"/staff/young-people/{person.id}?m=goal-ended#goals")


async def _person_with_problem(request: web.Request, staff: Staff, person: YoungPerson,
                               problem: str, **extra: Any) -> web.Response:
    runtime = request.app[RUNTIME]
    tz = await desk.service_timezone(request[DB], staff)
    entries, older = await desk.timeline(request[DB], runtime.vault, person, tz, 0)
    nickname = await desk.nickname_of(request[DB], runtime.vault, person) or "?"
    form = await request.post()
    return await page(request, "staff/person.html", status=400, person=person,
                      nickname=nickname, entries=entries, page_no=0, older=older, flash=None,
                      problem=problem, draft=str(form.get("reply", ""))[:2000],
                      draft_for=str(form.get("checkin", "")), reply_limit=desk.REPLY_LIMIT,
                      **await _history_and_notes(request, staff, person, tz, 0),
                      **extra, **LABELS)


@desk_page(*KEYWORKERS)
async def plan_move(request: web.Request, staff: Staff) -> web.Response:
    """The keyworker plans the move; the young person is told gently, in their channel."""
    person = await _person(request, staff, "plan_move")
    if person is None:
        return not_found(request)
    runtime = request.app[RUNTIME]
    now = runtime.clock.now()
    form = await request.post()
    try:
        try:
            day = date.fromisoformat(str(form.get("date", ""))[:10])
        except ValueError:
            raise PlacementError(_("Please choose a move date.")) from None
        move = await placements.plan_move(
            request[DB], runtime.vault, by=staff, young_person_id=person.id,
            placement_id=str(form.get("placement", ""))[:32], move_date=day,
            note=str(form.get("note", ""))[:2000], now=now,
            to_keyworker_id=str(form.get("to_keyworker", ""))[:32] or None)
    except PlacementError as exc:
        return await _person_with_problem(request, staff, person, str(exc))
    await tell_planned(request[DB], runtime.vault, move, now)
    return see_other(f"/staff/young-people/{person.id}?m=move#move")


@desk_page(*KEYWORKERS)
async def cancel_move(request: web.Request, staff: Staff) -> web.Response:
    person = await _person(request, staff, "cancel_move")
    if person is None:
        return not_found(request)
    try:
        await placements.cancel_move(request[DB], by=staff, young_person_id=person.id,
                                     now=request.app[RUNTIME].clock.now())
    except PlacementError as exc:
        return await _person_with_problem(request, staff, person, str(exc))
    return see_other(f"/staff/young-people/{person.id}?m=move-cancelled#move")


@desk_page()
async def alert_page(request: web.Request, staff: Staff) -> web.Response:
    runtime = request.app[RUNTIME]
    tz = await desk.service_timezone(request[DB], staff)
    view = await desk.alert_for(request[DB], runtime.vault, staff, request.match_info["alert_id"],
                                tz, source=source(request), now=runtime.clock.now())
    if view is None:
        return not_found(request)
    return await page(request, "staff/alert.html", view=view, flash=_flash(request),
                      keyworks=view.is_keyworker, **LABELS)


@desk_page()
async def take(request: web.Request, staff: Staff) -> web.Response:
    """I'm on it: the same function as Telegram's button."""
    runtime = request.app[RUNTIME]
    alert_id = request.match_info["alert_id"]
    tz = await desk.service_timezone(request[DB], staff)
    now = runtime.clock.now()
    view = await desk.alert_for(request[DB], runtime.vault, staff, alert_id, tz,
                                source=source(request), now=now)
    if view is None:
        return not_found(request)
    result = await take_alert(request[DB], runtime.vault, staff, alert_id, now)
    flag = "refused" if not result.ok else "already" if result.already else "taken"
    return see_other(f"/staff/alerts/{alert_id}?m={flag}")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff/desk", my_young_people)
    app.router.add_get("/staff/young-people/{person_id}", young_person)
    app.router.add_get("/staff/young-people/{person_id}/week.png", week_strip)
    app.router.add_get("/staff/young-people/{person_id}/overview.png", overview)
    app.router.add_post("/staff/young-people/{person_id}/seen", seen)
    app.router.add_post("/staff/young-people/{person_id}/move", plan_move)
    app.router.add_post("/staff/young-people/{person_id}/change", record_change)
    app.router.add_post("/staff/young-people/{person_id}/goals", add_goal)
    app.router.add_post("/staff/young-people/{person_id}/goals/{goal_id}/end", end_goal)
    app.router.add_post("/staff/young-people/{person_id}/move/cancel", cancel_move)
    app.router.add_get("/staff/alerts/{alert_id}", alert_page)
    app.router.add_post("/staff/alerts/{alert_id}/take", take)
