"""A tablet keeps the crisis contacts up long enough, and erasing one young person
leaves the unit's tablet working for everyone else."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from domain.runtime import Runtime
from domain import admin
from tests.support.people import Cast
from tests.support.web_client import WebPerson
from tests.web.test_tablet_and_parity import add_person, enrolled_tablet, signed_in_on_tablet


async def test_crisis_screen_is_not_whisked_away_on_a_tablet(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    tablet = await signed_in_on_tablet(client, runtime, cast)
    for label in ("OK, let's go", "Show how I feel", "I need help now", "Done", "A lot",
                  "Just sit with me", "Skip"):
        await tablet.tap(label)
    # A tablet cannot call: the numbers are there to read out, not as dead links.
    assert "Childline" in tablet.text and "Call 0800 1111" in tablet.text
    assert "tel:" not in tablet.html and "sms:" not in tablet.html
    assert "Ask a member of staff to call for you" in tablet.text
    assert 'data-idle-seconds="15"' not in tablet.html
    assert 'data-idle-seconds="600"' in tablet.html


async def test_erasing_one_young_person_keeps_the_tablet_working(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    await add_person(runtime, cast, "Jo", "Oak")
    lee = await add_person(runtime, cast, "Lee", "Oak")
    await WebPerson(client).set_pin(str(lee["web_link"]), "2222")
    client.session.cookie_jar.clear()
    async with runtime.db.transaction() as session:
        await admin.erase_young_person(session, runtime.vault, str(lee["young_person_id"]),
                                       runtime.clock.now())
    tablet, _ = await enrolled_tablet(client, runtime, cast)
    assert tablet.status == 200
    assert "Jo" in tablet.text and "Lee" not in tablet.text
    # Lee's old face link leads back to the start screen, not to an error.
    await tablet.get(f"/t/who/{lee['young_person_id']}")
    assert tablet.status == 200 and "Who is checking in?" in tablet.text
    assert "Lee" not in tablet.text and "Jo" in tablet.text
