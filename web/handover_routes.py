"""The photo a new keyworker sent with their hello, for the young person it was sent to.

Only the signed-in young person of that handover gets it; anyone else (another young
person, a guessed id, nobody signed in) gets a 404, so an id reveals nothing.
"""

from __future__ import annotations

from aiohttp import web

from domain.handover import hello_photo
from storage.models import KeyworkerAssignment
from web.keys import DB, RUNTIME
from web.people import current_person
from web.unit_of_work import read_only


@read_only
async def keyworker_photo(request: web.Request) -> web.Response:
    person = await current_person(request)
    assignment_id = request.match_info["id"]
    row = await request[DB].get(KeyworkerAssignment, assignment_id) if (
        person is not None and len(assignment_id) <= 32) else None
    if person is None or row is None or row.young_person_id != person.id:
        raise web.HTTPNotFound()
    photo = await hello_photo(request[DB], request.app[RUNTIME].vault, assignment_id)
    if photo is None:
        raise web.HTTPNotFound()
    return web.Response(body=photo, content_type="image/jpeg")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/me/keyworker-photo/{id}.jpg", keyworker_photo)
