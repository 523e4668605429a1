"""The photo a new keyworker sent with their hello, for the young person it was sent to.

Only the signed-in young person of that handover gets it; anyone else (another young
person, a guessed id, nobody signed in) gets a 404, so an id reveals nothing.
"""

from __future__ import annotations

from aiohttp import web

from domain.handover import hello_photo_for
from web.keys import DB, RUNTIME
from web.people import current_person
from web.unit_of_work import read_only


@read_only
async def keyworker_photo(request: web.Request) -> web.Response:
    person = await current_person(request)
    photo = await hello_photo_for(request[DB], request.app[RUNTIME].vault, person.id,
                                  request.match_info["id"]) if person is not None else None
    if photo is None:
        raise web.HTTPNotFound()
    return web.Response(body=photo, content_type="image/jpeg")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/me/keyworker-photo/{id}.jpg", keyworker_photo)
