"""Placement staff on the desk: their placements, the welcome booklet editor (text,
photos, order), preview as a young person sees it, publish, older versions, and the
questions young people moving there have asked.

Every placement id goes through ``domain.placements.placement_for``: a placement this
staff member does not look after is a 404, like anything else not on their desk.
Photos come in through a streaming multipart reader (``upload_photo``), not the
application's 2 MB form body.
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING

from aiohttp import BodyPartReader, web

from core.i18n import _
from cards.photos import BOOKLET_MAX_BYTES, PhotoError, clean_booklet_photo
from domain import booklets, buddies
from domain.desk import service_timezone, when_text
from domain.moves import answer_question, questions_for_staff
from domain.placements import (
    PlacementError,
    create_placement as new_placement,
    placement_for,
    placements_of,
    update_profile,
)
from web.csrf import csrf_token
from web.keys import DB, RUNTIME
from web.staff.pages import desk_page, not_found, page
from web.templating import render, see_other

if TYPE_CHECKING:  # types only: channels never touch storage
    from storage.models import Placement, Staff

PLACEMENT = ("placement",)
CHUNK = 64 * 1024
TEXT_FIELD_LIMIT = 2000


def _flash(request: web.Request) -> str | None:
    return {
        "saved": _("Saved in the draft."),
        "photo": _("Photo added. Where and when it was taken has been removed."),
        "published": _("Published. Young people moving here now see this version."),
        "restored": _("That version is now the draft. Publish it to show it again."),
        "answered": _("Answer sent."),
        "created": _("Placement added."),
        "buddy-asked": _("Asked. They will answer in their own time."),
        "buddy-chosen": _("Buddy chosen. They can send each other messages now; both have "
                          "been told."),
    }.get(request.query.get("m", ""))


async def _placement(request: web.Request, staff: Staff) -> Placement | None:
    return await placement_for(request[DB], staff, request.match_info["placement_id"])


@desk_page(*PLACEMENT)
async def placements_home(request: web.Request, staff: Staff) -> web.Response:
    return await _home(request, staff, flash=_flash(request))


async def _home(request: web.Request, staff: Staff, *, flash: str | None = None,
                problem: str | None = None, status: int = 200) -> web.Response:
    """Each placement with its questions, the young people living there (would they be
    a buddy?) and those moving in (their buddy)."""
    runtime = request.app[RUNTIME]
    tz = await service_timezone(request[DB], staff)
    now = runtime.clock.now()
    rows = []
    for placement in await placements_of(request[DB], staff):
        questions = await questions_for_staff(request[DB], runtime.vault, staff, placement, now)
        residents, arrivals = await buddies.desk_view(request[DB], runtime.vault, staff,
                                                      placement, now)
        rows.append((placement, [(q, when_text(q.asked_at, tz)) for q in questions],
                     residents, [(a, when_text(a.closes_at, tz) if a.closes_at else "")
                                 for a in arrivals]))
    return await page(request, "staff/placements.html", status=status, rows=rows, flash=flash,
                      problem=problem)


@desk_page(*PLACEMENT)
async def ask_buddy(request: web.Request, staff: Staff) -> web.Response:
    """"Ask": would this young person living here like to be a buddy?"""
    runtime = request.app[RUNTIME]
    form = await request.post()
    try:
        await buddies.ask(request[DB], runtime.vault, by=staff,
                          placement_id=request.match_info["placement_id"],
                          young_person_id=str(form.get("young_person", ""))[:32],
                          now=runtime.clock.now())
    except buddies.BuddyError as exc:
        return await _home(request, staff, problem=str(exc), status=400)
    return see_other("/staff/placements?m=buddy-asked")


@desk_page(*PLACEMENT)
async def choose_buddy(request: web.Request, staff: Staff) -> web.Response:
    """A buddy (who said yes) for a young person moving in; the relay opens now."""
    runtime = request.app[RUNTIME]
    form = await request.post()
    try:
        await buddies.choose(request[DB], runtime.vault, by=staff,
                             placement_id=request.match_info["placement_id"],
                             move_id=str(form.get("move", ""))[:32],
                             buddy_id=str(form.get("buddy", ""))[:32],
                             now=runtime.clock.now(), days=runtime.settings.buddy_days)
    except buddies.BuddyError as exc:
        return await _home(request, staff, problem=str(exc), status=400)
    return see_other("/staff/placements?m=buddy-chosen")


@desk_page(*PLACEMENT)
async def create_placement(request: web.Request, staff: Staff) -> web.Response:
    form = await request.post()
    name = str(form.get("name", "")).strip()[:200]
    kind = str(form.get("kind", "")).strip()[:100]
    description = str(form.get("description", "")).strip()[:TEXT_FIELD_LIMIT]
    if not name or not kind:
        return see_other("/staff/placements")
    now = request.app[RUNTIME].clock.now()
    placement = await new_placement(request[DB], staff, name=name, kind=kind,
                                    description=description, now=now)
    await booklets.ensure_draft(request[DB], placement, staff, now)
    return see_other(f"/staff/placements/{placement.id}?m=created")


async def _editor(request: web.Request, staff: Staff, placement: Placement, *,
                  problem: str | None = None, status: int = 200) -> web.Response:
    runtime = request.app[RUNTIME]
    now = runtime.clock.now()
    tz = await service_timezone(request[DB], staff)
    draft = await booklets.ensure_draft(request[DB], placement, staff, now)
    sections = await booklets.sections(request[DB], draft.id)
    versions = [(v, when_text(v.published_at, tz) if v.published_at else "")
                for v in await booklets.versions(request[DB], placement.id) if v.state != "draft"]
    return await page(request, "staff/booklet_editor.html", status=status, placement=placement,
                      draft=draft, sections=sections, versions=versions, problem=problem,
                      flash=_flash(request), upload_csrf=csrf_token(request),
                      max_mb=BOOKLET_MAX_BYTES // (1024 * 1024), body_limit=booklets.BODY_LIMIT)


@desk_page(*PLACEMENT)
async def editor(request: web.Request, staff: Staff) -> web.Response:
    placement = await _placement(request, staff)
    if placement is None:
        return not_found(request)
    return await _editor(request, staff, placement)


@desk_page(*PLACEMENT)
async def save_profile(request: web.Request, staff: Staff) -> web.Response:
    placement = await _placement(request, staff)
    if placement is None:
        return not_found(request)
    form = await request.post()
    name = str(form.get("name", "")).strip()[:200]
    kind = str(form.get("kind", "")).strip()[:100]
    if name and kind:
        update_profile(placement, name=name, kind=kind,
                       description=str(form.get("description", "")).strip()[:TEXT_FIELD_LIMIT],
                       now=request.app[RUNTIME].clock.now())
    return see_other(f"/staff/placements/{placement.id}?m=saved")


@desk_page(*PLACEMENT)
async def save_section(request: web.Request, staff: Staff) -> web.Response:
    placement = await _placement(request, staff)
    if placement is None:
        return not_found(request)
    form = await request.post()
    section_id = request.match_info["section_id"]
    try:
        if form.get("move") in ("up", "down"):
            await booklets.move_section(request[DB], placement, section_id,
                                        -1 if form.get("move") == "up" else 1)
        else:
            await booklets.save_section(request[DB], placement, section_id,
                                        str(form.get("body", "")), request.app[RUNTIME].clock.now())
    except PlacementError as exc:
        return await _editor(request, staff, placement, problem=str(exc), status=400)
    return see_other(f"/staff/placements/{placement.id}?m=saved#section-{section_id}")


async def _read_upload(request: web.Request) -> tuple[dict[str, str], tempfile.SpooledTemporaryFile | None, bool]:
    """Read the multipart body part by part: small text fields into memory (capped),
    the photo in 64 KB chunks to a temporary file, stopping at 15 MB."""
    fields: dict[str, str] = {}
    photo = None
    too_big = False
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue  # a nested multipart: not ours
        if part.name == "photo" and part.filename is not None and photo is None:
            photo = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
            size = 0
            while chunk := await part.read_chunk(CHUNK):
                size += len(chunk)
                if size > BOOKLET_MAX_BYTES:
                    too_big = True
                    break
                photo.write(chunk)
            if too_big:
                break
        else:
            value = bytearray()
            while chunk := await part.read_chunk(CHUNK):
                value += chunk
                if len(value) > TEXT_FIELD_LIMIT * 4:
                    break
            fields[part.name or ""] = value.decode("utf-8", "replace")[:TEXT_FIELD_LIMIT]
    return fields, photo, too_big


@desk_page(*PLACEMENT)
async def upload_photo(request: web.Request, staff: Staff) -> web.Response:
    placement = await _placement(request, staff)
    if placement is None:
        return not_found(request)
    section_id = request.match_info["section_id"]
    try:
        fields, photo, too_big = await _read_upload(request)
    except (ValueError, LookupError, AssertionError):
        return await _editor(request, staff, placement, status=400, problem=_(
            "Something went wrong sending that. Please try again."))
    try:
        if too_big:
            return await _editor(request, staff, placement, status=413, problem=_(
                "That photo is too big. Please choose one up to {mb} MB. Nothing was added.")
                .format(mb=BOOKLET_MAX_BYTES // (1024 * 1024)))
        if photo is None or photo.tell() == 0:
            return await _editor(request, staff, placement, status=400,
                                 problem=_("Please choose a photo."))
        alt, caption = fields.get("alt", "").strip(), fields.get("caption", "").strip()
        try:
            booklets.check_alt(alt, caption)
            photo.seek(0)
            cleaned = clean_booklet_photo(photo)
            await booklets.add_photo(request[DB], placement, section_id, cleaned, alt=alt,
                                     caption=caption, by=staff,
                                     now=request.app[RUNTIME].clock.now())
        except PhotoError as exc:
            return await _editor(request, staff, placement, status=400,
                                 problem=_(str(exc)) + " " + _("Nothing was added."))
        except PlacementError as exc:
            return await _editor(request, staff, placement, status=400, problem=str(exc))
    finally:
        if photo is not None:
            photo.close()
    return see_other(f"/staff/placements/{placement.id}?m=photo#section-{section_id}")


@desk_page(*PLACEMENT)
async def remove_photo(request: web.Request, staff: Staff) -> web.Response:
    placement = await _placement(request, staff)
    if placement is None:
        return not_found(request)
    try:
        await booklets.remove_photo(request[DB], placement, request.match_info["item_id"])
    except PlacementError as exc:
        return await _editor(request, staff, placement, problem=str(exc), status=400)
    return see_other(f"/staff/placements/{placement.id}?m=saved")


@desk_page(*PLACEMENT)
async def preview(request: web.Request, staff: Staff) -> web.Response:
    """The draft exactly as a young person would see it (same template, all pages)."""
    placement = await _placement(request, staff)
    if placement is None:
        return not_found(request)
    draft = await booklets.ensure_draft(request[DB], placement, staff,
                                        request.app[RUNTIME].clock.now())
    pages = booklets.young_person_order(await booklets.sections(request[DB], draft.id))
    return render(request, "booklet_all.html", placement=placement, pages=pages,
                  photo_base=f"/staff/placements/{placement.id}/photos/", preview=True,
                  for_pdf=False)


@desk_page(*PLACEMENT)
async def publish(request: web.Request, staff: Staff) -> web.Response:
    placement = await _placement(request, staff)
    if placement is None:
        return not_found(request)
    try:
        await booklets.publish(request[DB], placement, staff, request.app[RUNTIME].clock.now())
    except PlacementError as exc:
        return await _editor(request, staff, placement, problem=str(exc), status=400)
    return see_other(f"/staff/placements/{placement.id}?m=published")


@desk_page(*PLACEMENT)
async def restore(request: web.Request, staff: Staff) -> web.Response:
    placement = await _placement(request, staff)
    if placement is None:
        return not_found(request)
    try:
        await booklets.restore(request[DB], placement, request.match_info["version_id"], staff,
                               request.app[RUNTIME].clock.now())
    except PlacementError as exc:
        return await _editor(request, staff, placement, problem=str(exc), status=400)
    return see_other(f"/staff/placements/{placement.id}?m=restored")


@desk_page(*PLACEMENT)
async def photo(request: web.Request, staff: Staff) -> web.Response:
    placement = await _placement(request, staff)
    if placement is None:
        return not_found(request)
    jpeg = await booklets.photo_of(request[DB], placement.id, request.match_info["photo_id"])
    if jpeg is None:
        return not_found(request)
    return web.Response(body=jpeg, content_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=3600"})


@desk_page(*PLACEMENT)
async def answer(request: web.Request, staff: Staff) -> web.Response:
    runtime = request.app[RUNTIME]
    form = await request.post()
    try:
        await answer_question(request[DB], runtime.vault, staff, request.match_info["question_id"],
                              str(form.get("answer", "")), runtime.clock.now())
    except PlacementError as exc:
        return await _home(request, staff, problem=str(exc), status=400)
    return see_other("/staff/placements?m=answered")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff/placements", placements_home)
    app.router.add_post("/staff/placements", create_placement)
    app.router.add_post("/staff/placements/questions/{question_id}/answer", answer)
    app.router.add_get("/staff/placements/{placement_id}", editor)
    app.router.add_post("/staff/placements/{placement_id}/buddies/ask", ask_buddy)
    app.router.add_post("/staff/placements/{placement_id}/buddies/choose", choose_buddy)
    app.router.add_post("/staff/placements/{placement_id}/profile", save_profile)
    app.router.add_post("/staff/placements/{placement_id}/sections/{section_id}", save_section)
    app.router.add_post("/staff/placements/{placement_id}/sections/{section_id}/photos",
                        upload_photo)
    app.router.add_post("/staff/placements/{placement_id}/items/{item_id}/remove", remove_photo)
    app.router.add_get("/staff/placements/{placement_id}/preview", preview)
    app.router.add_post("/staff/placements/{placement_id}/publish", publish)
    app.router.add_post("/staff/placements/{placement_id}/versions/{version_id}/restore",
                        restore)
    app.router.add_get("/staff/placements/{placement_id}/photos/{photo_id}", photo)
