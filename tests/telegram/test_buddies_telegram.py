"""Buddies on Telegram through the real Dispatcher and outbox sender: asked, saying
yes, the hello, and messages both ways. Nothing either side's chat receives carries
the other's Telegram id, username, Telegram name or a phone number they typed."""

from __future__ import annotations

from typing import Any

from domain import buddies
from domain.runtime import Runtime
from storage.models import Staff
from testkit.heard import HeardOnTelegram
from testkit.telegram import TelegramUser, text_of
from tests.support.buddies import ROBIN_TG, SAM_TG, World, make_world


def with_username(user: TelegramUser, username: str) -> TelegramUser:
    plain = user.as_user

    def as_user() -> dict[str, Any]:
        return {**plain(), "username": username}

    user.as_user = as_user  # type: ignore[method-assign]
    return user


async def _pat(session, w: World) -> Staff:  # type: ignore[no-untyped-def]
    staff = await session.get(Staff, w.pat)
    assert staff is not None
    return staff


async def test_buddy_messages_on_telegram(runtime: Runtime) -> None:
    w = await make_world(runtime)
    tg = await HeardOnTelegram.start(runtime)
    try:
        sam = with_username(tg.user(SAM_TG, "Samuel"), "sam_secret_handle")
        robin = with_username(tg.user(ROBIN_TG, "Robina"), "robin_secret_handle")
        async with runtime.db.transaction() as session:
            await buddies.ask(session, runtime.vault, by=await _pat(session, w),
                              placement_id=w.placement_id, young_person_id=w.robin,
                              now=runtime.clock.now())
        await tg.deliver()
        robin.expect("Would you like to be a buddy for someone new?", after=0)
        await robin.send("/buddy")
        await robin.tap("Yes")
        robin.expect("Thank you!")

        async with runtime.db.transaction() as session:
            await buddies.choose(session, runtime.vault, by=await _pat(session, w),
                                 placement_id=w.placement_id, move_id=w.move_id,
                                 buddy_id=w.robin, now=runtime.clock.now(), days=7)
        mark = tg.api.mark()
        await tg.deliver()
        robin.expect("Thank you for being a buddy! Sam is moving to Oak House", after=mark)
        sam.expect("You have a buddy at Oak House: Robin", after=mark)

        await robin.send("/buddy")
        robin.expect("Write a short hello")
        await robin.send("Hi Sam! I'm @robin_secret_handle, or 07700 900123")
        robin.expect("We took out a phone number or link")
        mark = tg.api.mark()
        await tg.deliver()
        sam.expect("Your buddy Robin says hello", after=mark)

        await sam.send("/buddy")
        sam.expect("Your buddy: Robin")
        await sam.send("Thanks! Find me at @sam_secret_handle or sam@example.org")
        sam.expect("We took out a phone number or link")
        mark = tg.api.mark()
        await tg.deliver()
        said = robin.expect("Sam says:", after=mark)
        assert "[removed]" in text_of(said)

        await robin.send("See you soon!")
        mark = tg.api.mark()
        await tg.deliver()
        sam.expect("Robin says: \u201cSee you soon!\u201d", after=mark)

        for chat, other in ((ROBIN_TG, sam), (SAM_TG, robin)):
            everything = " ".join(text_of(m) + repr(m) for m in tg.api.events(chat, 0))
            for secret in (str(other.id), other.as_user()["username"], other.first_name,
                           "07700", "example.org"):
                assert secret not in everything, (chat, secret)
    finally:
        await tg.close()
