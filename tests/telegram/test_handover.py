"""A handover seen from Telegram: the young person gets the new keyworker's hello and
photo (with no metadata left in what Telegram receives), and the old keyworker's
/strip no longer lists them."""

from __future__ import annotations

from core.clock import FrozenClock
from domain import admin
from domain.handover import assign_keyworker
from tests.support.photos import assert_bare_jpeg, photo_with_everything
from tests.telegram.conftest import SAM, Service, link_everyone


async def sam_checks_in(service: Service, sam) -> None:  # type: ignore[no-untyped-def]
    mark = service.api.mark()
    await sam.send("/checkin")
    await sam.wait_for_message(lambda m: "photo" in m, after=mark)
    await sam.click("Proud")
    await sam.wait_for_message(lambda m: "\u2705 Proud" in str(m.get("reply_markup")), after=mark)
    await sam.click("Done")
    await sam.wait_for_message("How much", after=mark)
    await sam.click("A lot")
    await sam.wait_for_message("What would help", after=mark)
    await sam.click("Nothing right now")
    await sam.wait_for_message("a few words", after=mark)
    await sam.click("Skip")
    await sam.wait_for_message("will see this", after=mark)


async def test_young_person_meets_the_new_keyworker_on_telegram(
    service: Service, clock: FrozenClock
) -> None:
    api = service.api
    alex, sam = await link_everyone(service)
    await sam_checks_in(service, sam)
    await alex.wait_for_message(lambda m: "New check-in" in (m.get("caption") or ""))
    mark = api.mark()
    runtime = await service.runtime()
    runtime.clock = clock  # the service runs on the frozen clock: be due on it too
    try:
        async with runtime.db.transaction() as session:
            await admin.create_staff(session, service_name=service.cast.service_name,
                                     name="Kim Osei", email="kim@north.example",
                                     role="keyworker", now=runtime.clock.now(), bot_username=None)
            await assign_keyworker(session, runtime.vault,
                                   young_person_id=service.cast.young_person_id,
                                   keyworker_email="kim@north.example", note="Mornings are hard.",
                                   hello="Hi Sam, I'm Kim. I like football too.",
                                   photo=photo_with_everything(), now=runtime.clock.now())
    finally:
        await runtime.close()

    hello = await sam.wait_for_message(
        lambda m: "You have a new keyworker: Kim." in (m.get("caption") or ""), after=mark,
        timeout=10)
    assert "I like football too" in hello["caption"]
    (call,) = [c for c in api.calls_to("sendPhoto", chat_id=SAM)
               if "new keyworker" in (c.params.get("caption") or "")]
    assert_bare_jpeg(call.files["photo"])
    assert "Mornings are hard" not in str(api.calls_to("sendPhoto", chat_id=SAM))

    mark = api.mark()
    await alex.send("/strip")
    await alex.wait_for_message("You don't key-work anyone yet", after=mark)
