"""Buddies on the web: placement staff ask and choose on their desk page, a young
person answers and writes on the web, the one moving in sees their buddy on My next
home, and only the keyworkers of the two read the messages on the desk."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from domain.runtime import Runtime
from tests.support.buddies import World, make_world
from tests.support.desk import StaffAtDesk, first_password
from tests.support.web_client import WebPerson


class Browsers:
    """Several people taking turns at one test client, each with their own cookies."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.jars: dict[str, dict[str, str]] = {}
        self.current: str | None = None

    def use(self, who: str) -> None:
        jar = self.client.session.cookie_jar
        if self.current is not None:
            self.jars[self.current] = {c.key: c.value for c in jar}
        jar.clear()
        jar.update_cookies(self.jars.get(who, {}))
        self.current = who


async def staff_member(client: TestClient, runtime: Runtime, email: str) -> StaffAtDesk:
    member = StaffAtDesk(client)
    await member.first_sign_in(email, await first_password(runtime, email))
    return member


async def young_person(client: TestClient, w: World, nickname: str) -> WebPerson:
    person = WebPerson(client)
    await person.set_pin(w.links[nickname], "1357")
    await person.get("/me")
    return person


async def test_buddies_on_the_desk_and_the_web(client: TestClient, runtime: Runtime) -> None:
    w = await make_world(runtime)
    b = Browsers(client)

    b.use("pat")
    pat = await staff_member(client, runtime, "pat@north.example")
    await pat.get("/staff/placements")
    assert "Living here" in pat.text and "Robin" in pat.text and "Kim" in pat.text
    assert "Sam , moving in on" in pat.text or "Sam, moving in on" in pat.text
    await pat.post(f"/staff/placements/{w.placement_id}/buddies/ask", {"young_person": w.robin})
    assert "Asked. They will answer" in pat.text
    assert "Asked, no answer yet" in pat.text
    # Sam does not live there yet: cannot be asked.
    await pat.post(f"/staff/placements/{w.placement_id}/buddies/ask", {"young_person": w.sam})
    assert pat.status == 400 and "Only a young person living at Oak House" in pat.text

    # Robin answers on the web: a line and a button on the home screen.
    b.use("robin")
    robin = await young_person(client, w, "Robin")
    assert "asked if you would like to be a buddy" in robin.text
    await robin.tap("Would you like to be a buddy?")
    assert "Would you like to be a buddy for someone new?" in robin.text
    await robin.tap("Yes")
    assert "Thank you!" in robin.text

    b.use("pat")
    await pat.get("/staff/placements")
    assert f'<option value="{w.robin}">Robin</option>' in pat.html
    await pat.post(f"/staff/placements/{w.placement_id}/buddies/choose",
                   {"move": w.move_id, "buddy": w.robin})
    assert "Buddy chosen" in pat.text and "Buddy: Robin. Messages are open until" in pat.text

    # Robin writes a hello; the @username in it never reaches Sam.
    b.use("robin")
    await robin.get("/me")
    await robin.tap("go:buddy")
    assert "Write a short hello" in robin.text
    await robin.words("Hi Sam! I'm @robin_r_2010 if you want. The garden is big.")
    assert "We took out a phone number or link" in robin.text

    b.use("sam")
    sam = await young_person(client, w, "Sam")
    await sam.get("/me/next-home")
    assert "Your buddy" in sam.text and "Robin lives at Oak House" in sam.text
    assert "The garden is big." in sam.text and "robin_r_2010" not in sam.text
    assert "Send a message to Robin" in sam.text
    await sam.post("/me", {"command": "buddy"})
    assert "Your buddy: Robin" in sam.text
    await sam.words("Do you have a dog? Call me 07700 900 123")
    assert "We took out a phone number or link" in sam.text
    assert "07700" not in sam.text

    b.use("robin")
    await robin.get("/me")
    await robin.tap("See new messages")
    assert "Sam: Do you have a dog? Call me [removed]" in robin.text
    await robin.words("Yes, Biscuit!")

    b.use("sam")
    await sam.get("/me/next-home")
    assert "Robin: Yes, Biscuit!" in sam.text

    # Keyworkers of both read the relay on the desk; another keyworker does not.
    b.use("alex")
    alex = await staff_member(client, runtime, w.cast.keyworker_email)
    await alex.get(f"/staff/young-people/{w.sam}")
    assert "Buddy messages" in alex.text and "Yes, Biscuit!" in alex.text
    assert "Do you have a dog? Call me [removed]" in alex.text
    b.use("jo")
    jo = await staff_member(client, runtime, "jo@north.example")
    await jo.get(f"/staff/young-people/{w.robin}")
    assert "Buddy messages" in jo.text and "Yes, Biscuit!" in jo.text
    b.use("lee")
    lee = await staff_member(client, runtime, "lee@north.example")
    for pid in (w.sam, w.robin):
        await lee.get(f"/staff/young-people/{pid}")
        assert lee.status == 404 and "Biscuit" not in lee.text
    b.use("pat")
    await pat.get(f"/staff/young-people/{w.sam}")
    assert "Biscuit" not in pat.text

    # Stop, on the web: at once, and Robin's page says so.
    b.use("sam")
    await sam.post("/me", {"command": "buddy"})
    await sam.tap("Stop messages")
    assert "are stopped" in sam.text
    b.use("robin")
    await robin.get("/me")
    await robin.words("Hello?")
    assert "closed, so this was not sent" in robin.text


async def test_a_buddy_moving_on_is_not_told_they_are_their_own_buddy(
    client: TestClient, runtime: Runtime
) -> None:
    """Robin is Sam's buddy at Oak House, then a move is planned for Robin too: Robin's
    My next home is about Robin's next place, with no "Sam lives at … and is your
    buddy" (nobody there is Robin's buddy)."""
    from datetime import timedelta

    from domain.placements import plan_move
    from storage.models import Staff
    from tests.flows.test_buddies import relay_open

    w = await make_world(runtime)
    await relay_open(runtime, w)
    async with runtime.db.transaction() as session:
        jo = await session.get(Staff, w.jo)
        assert jo is not None
        await plan_move(session, runtime.vault, by=jo, young_person_id=w.robin,
                        placement_id=w.placement_id,
                        move_date=runtime.clock.now().date() + timedelta(days=20),
                        note="", now=runtime.clock.now())
    robin = await young_person(client, w, "Robin")
    await robin.get("/me/next-home")
    assert robin.status == 200
    assert "is your buddy" not in robin.text
