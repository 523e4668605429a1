"""The check-in spine end to end, through the real aiogram client and a local Bot API."""

from __future__ import annotations

from sqlalchemy import func, select

from flows.kpi import kpi_report
from storage.models import CheckIn, YoungPerson
from tests.telegram.conftest import Service

KEYWORKER, SAM, STRANGER = 2001, 1001, 3003


def code_of(link: object) -> str:
    return str(link).rsplit("=", 1)[1]


async def link_everyone(service: Service):  # type: ignore[no-untyped-def]
    api, cast = service.api, service.cast
    alex = api.user(KEYWORKER, first_name="Alex")
    await alex.send(f"/start {cast.staff_telegram_code}")
    await alex.wait_for_message("Hello Alex")
    sam = api.user(SAM, first_name="Sam")
    await sam.send(f"/start {code_of(cast.young_person_codes['telegram_link'])}")
    await sam.wait_for_message("This is Heard")
    await sam.click("OK, let's go")
    await sam.wait_for_message("What would you like to do?")
    return alex, sam


async def test_checkin_reaches_keyworker_and_the_seen_comes_back(service: Service) -> None:
    api = service.api
    assert service.cast.young_person_codes["telegram_link"].startswith(  # type: ignore[union-attr]
        "https://t.me/heard_test_bot?start="
    )
    alex, sam = await link_everyone(service)
    commands = api.calls_to("setMyCommands")
    assert {c["command"] for c in commands[-1].params["commands"]} >= {
        "checkin", "listened", "help", "language", "pause"
    }

    await sam.send("/checkin")
    sheet = await sam.wait_for_message(lambda m: "photo" in m)
    assert "How are you feeling" in sheet["caption"]
    assert api.calls_to("sendPhoto", chat_id=SAM)[0].files["photo"].startswith(b"\x89PNG")
    await sam.click("Worried")
    await sam.wait_for_message(lambda m: "\u2705 Worried" in str(m.get("reply_markup")))
    await sam.click("Tired")
    await sam.wait_for_message(lambda m: "\u2705 Tired" in str(m.get("reply_markup")))
    await sam.click("Done")
    await sam.wait_for_message("How much")
    await sam.click("A lot")
    await sam.wait_for_message("What would help")
    await sam.click("Just sit with me")
    await sam.wait_for_message("a few words")
    await sam.send("school was hard")
    await sam.wait_for_message("Alex will see this")

    note = await alex.wait_for_message(lambda m: "New check-in from Sam" in (m.get("caption") or ""))
    caption = note["caption"]
    assert "Worried, Tired (a lot)" in caption
    assert "Just sit with me" in caption
    assert "school was hard" in caption
    await alex.click("Seen \u2714")
    await sam.wait_for_message("Alex has seen your check-in")
    await alex.wait_for_message(lambda m: "Seen by Alex" in str(m.get("reply_markup")))

    runtime = await service.runtime()
    try:
        async with runtime.db.transaction() as session:
            checkin = await session.scalar(select(CheckIn))
            assert checkin is not None and checkin.acknowledged_at is not None
            assert checkin.channel == "telegram"
    finally:
        await runtime.close()


async def test_listened_answers_show_in_the_kpi_report(service: Service) -> None:
    _, sam = await link_everyone(service)
    for _round in range(5):
        mark = service.api.mark()
        await sam.send("/listened")
        await sam.wait_for_message("Who are you thinking about", after=mark)
        await sam.click("My keyworker")
        await sam.wait_for_message("did you feel listened to", after=mark)
        await sam.click("\U0001f642 Mostly")
        await sam.wait_for_message("Thank you for telling us", after=mark)
    runtime = await service.runtime()
    try:
        async with runtime.db.transaction() as session:
            report = await kpi_report(session, service_name="North", month_from=None, month_to=None)
    finally:
        await runtime.close()
    assert report["listened_to"]["total"] == 5
    assert report["listened_to"]["counts"]["mostly"] == 5
    assert report["listened_to"]["percent_at_least_a_little"] == 100.0


async def test_strangers_and_used_links_get_a_kind_refusal(service: Service) -> None:
    api, cast = service.api, service.cast
    alex, _ = await link_everyone(service)
    stranger = api.user(STRANGER, first_name="Jo")
    await stranger.send("hello?")
    await stranger.wait_for_message("private service")
    await stranger.send(f"/start {cast.staff_telegram_code}")
    await stranger.wait_for_message("already been used or is not valid")
    await stranger.send("/start not-a-real-code")
    await stranger.wait_for_message("already been used or is not valid")
    runtime = await service.runtime()
    try:
        async with runtime.db.transaction() as session:
            linked = await session.scalar(
                select(func.count()).select_from(YoungPerson).where(
                    YoungPerson.telegram_user_id == STRANGER)
            )
            assert linked == 0
    finally:
        await runtime.close()


async def test_bad_input_keeps_the_step_and_duplicates_are_ignored(service: Service) -> None:
    api = service.api
    _, sam = await link_everyone(service)
    await sam.send("/checkin")
    await sam.wait_for_message(lambda m: "photo" in m)
    for send_unusable in (sam.send_sticker, sam.send_voice):
        mark = api.mark()
        await send_unusable()
        await sam.wait_for_message("can't use that", after=mark)
    mark = api.mark()
    forged = await sam.click_raw("forged|c:happy", message_id=1)
    # Refused with a kind word, and the cards are shown again: nothing ticked.
    await sam.wait_for_message(lambda m: "photo" in m, after=mark)
    assert "from before" in (api.callback_answer(forged) or {}).get("text", "")
    mark = api.mark()
    await sam.click("Sad")
    await sam.wait_for_message(lambda m: "\u2705 Sad" in str(m.get("reply_markup")), after=mark)

    sends_before = len(api.calls_to("sendMessage", chat_id=SAM))
    edits_before = len(api.calls_to("editMessageReplyMarkup", chat_id=SAM))
    api.duplicate_last_update()  # the "Sad" tap, delivered again
    mark = api.mark()
    await sam.send("x" * 5000)
    await sam.wait_for_message("Please tap one of the buttons", after=mark)
    # The redelivered tap changed nothing (Sad is still ticked, no second toggle);
    # the long text got exactly one kind answer.
    assert len(api.calls_to("editMessageReplyMarkup", chat_id=SAM)) == edits_before
    assert len(api.calls_to("sendMessage", chat_id=SAM)) == sends_before + 1


async def test_urgent_card_reaches_keyworker_who_takes_it(service: Service) -> None:
    api = service.api
    alex, sam = await link_everyone(service)
    mark = api.mark()
    await sam.send("/checkin")
    await sam.wait_for_message(lambda m: "photo" in m, after=mark)
    await sam.click("I don't feel safe")
    await sam.wait_for_message(lambda m: "\u2705 I don't feel safe" in str(m.get("reply_markup")))
    await sam.click("Done")
    await sam.wait_for_message("How much")
    await sam.click("A lot")
    await sam.wait_for_message("What would help")
    await sam.click("Talk to my keyworker")
    await sam.wait_for_message("a few words")
    await sam.click("Skip")
    # Who to contact right now, straight away, whatever happens to the alert.
    crisis = await sam.wait_for_message("Childline")
    assert "0800 1111" in crisis["text"] and "116 123" in crisis["text"]
    alert = await alex.wait_for_message(
        lambda m: "I'm on it" in str(m.get("reply_markup")), timeout=10)
    assert api.calls_to("sendPhoto", chat_id=KEYWORKER) or api.calls_to("sendMessage",
                                                                         chat_id=KEYWORKER)
    await alex.click("I'm on it", message=alert)
    await sam.wait_for_message("Alex knows, and is going to help you", timeout=10)
    await alex.wait_for_message(lambda m: "is on it" in str(m.get("reply_markup")))
