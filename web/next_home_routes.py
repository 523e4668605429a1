"""A young person's "My next home" on the web: the welcome booklet of the place they
are moving to, one page at a time (Next / Back, photos with alt text, "Read it to
me"), the PDF, "Ask a question" with the answers, and "I'd like to visit".

Only for a signed-in young person with a planned move, and only the published
version; anything else is a 404 (or, for the page, a kind "nothing planned").
"""

from __future__ import annotations

from aiohttp import web

from core.i18n import _, set_locale
from domain.booklets import booklet_photos, photo_of, published_photo_ids, young_person_pages
from domain.buddies import default_hello, view_for
from domain.moves import QUESTION_LIMIT, ask_question, planned_news, questions_of, want_to_visit
from domain.placements import PlacementError, current_move
from web.keys import DB, RUNTIME
from web.pdf import IMAGE_SCHEME, PdfUnavailable, render_pdf
from web.people import current_person
from web.templating import render, see_other
from web.unit_of_work import read_only

PATH = "/me/next-home"


async def _page(request: web.Request, *, problem: str | None = None,
                status: int = 200) -> web.Response:
    person = await current_person(request)
    if person is None:
        return see_other("/")
    set_locale(person.locale)
    planned = await current_move(request[DB], person.id)
    if planned is None:
        return render(request, "message.html", title=_("My next home"),
                      text=_("There is no move planned for you right now. If you have questions "
                             "about moving, your keyworker can help."),
                      link=("/me", _("Back")))
    pages = await young_person_pages(request[DB], planned.placement.id)
    try:
        i = int(request.query.get("p", "0"))
    except ValueError:
        i = 0
    i = min(max(i, 0), max(len(pages) - 1, 0))
    questions = await questions_of(request[DB], request.app[RUNTIME].vault, person)
    news = (await planned_news(request[DB], request.app[RUNTIME].vault, planned.placement,
                               planned.move)).split("\n\n")[1:-1]  # the move and the note
    buddy = await view_for(request[DB], request.app[RUNTIME].vault, person,
                           request.app[RUNTIME].clock.now())
    if buddy is not None and buddy.i_am_buddy:
        # They are someone else's buddy where they live now; this page is about the
        # place they are moving to, where nobody is their buddy (yet).
        buddy = None
    return render(request, "next_home.html", status=status, placement=planned.placement,
                  news=news, buddy=buddy,
                  buddy_hello=(buddy.hello or default_hello(buddy.place)) if buddy else None,
                  pages=pages, i=i, page=pages[i] if pages else None, questions=questions,
                  problem=problem, flash=_flash(request), question_limit=QUESTION_LIMIT,
                  photo_base=PATH + "/photos/")


def _flash(request: web.Request) -> str | None:
    return {
        "asked": _("Thank you. Your question has been sent. The answer will come here."),
        "visit": _("Thank you. We told your keyworker you'd like to visit."),
        "no-visit": _("Sorry, we couldn't tell your keyworker just now. Please ask them when "
                      "you see them."),
    }.get(request.query.get("m", ""))


@read_only
async def next_home(request: web.Request) -> web.Response:
    return await _page(request)


@read_only
async def photo(request: web.Request) -> web.Response:
    person = await current_person(request)
    planned = await current_move(request[DB], person.id) if person else None
    photo_id = request.match_info["photo_id"]
    if planned is None or photo_id not in await published_photo_ids(request[DB],
                                                                    planned.placement.id):
        raise web.HTTPNotFound()
    jpeg = await photo_of(request[DB], planned.placement.id, photo_id)
    assert jpeg is not None
    return web.Response(body=jpeg, content_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=3600"})


async def ask(request: web.Request) -> web.Response:
    person = await current_person(request)
    if person is None:
        return see_other("/")
    set_locale(person.locale)
    form = await request.post()
    try:
        await ask_question(request[DB], request.app[RUNTIME].vault, person,
                           str(form.get("question", ""))[:QUESTION_LIMIT * 4],
                           request.app[RUNTIME].clock.now())
    except PlacementError as exc:
        return await _page(request, problem=str(exc), status=400)
    return see_other(f"{PATH}?m=asked#questions")


async def visit(request: web.Request) -> web.Response:
    person = await current_person(request)
    if person is None:
        return see_other("/")
    told = await want_to_visit(request[DB], request.app[RUNTIME].vault, person,
                               request.app[RUNTIME].clock.now())
    return see_other(f"{PATH}?m={'visit' if told else 'no-visit'}")


async def booklet_pdf(placement_name: str, pages: list, jpegs: dict[str, bytes]) -> bytes:
    """The booklet as a PDF, from the same page template; the photos handed over in
    memory (``web.pdf.IMAGE_SCHEME``), never fetched."""
    sources = {pid: IMAGE_SCHEME + pid for pid in jpegs}
    return await render_pdf("booklet_all.html", images=jpegs, placement_name=placement_name,
                            pages=pages, photo_src=sources, for_pdf=True, preview=False)


async def booklet_pdf_or_none(placement_name: str, pages: list, jpegs: dict[str, bytes],
                              ) -> bytes | None:
    """The booklet's PDF for the outbox, or None where PDFs cannot be made here."""
    try:
        return await booklet_pdf(placement_name, pages, jpegs)
    except PdfUnavailable:
        return None


@read_only
async def pdf(request: web.Request) -> web.Response:
    person = await current_person(request)
    if person is None:
        return see_other("/")
    set_locale(person.locale)
    planned = await current_move(request[DB], person.id)
    if planned is None:
        raise web.HTTPNotFound()
    pages = await young_person_pages(request[DB], planned.placement.id)
    jpegs = await booklet_photos(request[DB], pages)
    try:
        data = await booklet_pdf(planned.placement.name, pages, jpegs)
    except PdfUnavailable:
        return render(request, "message.html", status=503, title=_("My next home"),
                      text=_("Something went wrong, try again."), link=(PATH, _("Back")))
    return web.Response(body=data, content_type="application/pdf", headers={
        "Content-Disposition": 'inline; filename="next-home.pdf"', "Cache-Control": "no-store"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, next_home)
    app.router.add_get(PATH + ".pdf", pdf)
    app.router.add_get(PATH + "/photos/{photo_id}", photo)
    app.router.add_post(PATH + "/ask", ask)
    app.router.add_post(PATH + "/visit", visit)
