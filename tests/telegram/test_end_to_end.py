"""The check-in spine end to end on Telegram, in process: the real Dispatcher Heard
builds, fed updates one at a time, an in-memory Bot API, the outbox sender run by hand."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.kpi import kpi_report
from storage.models import CheckIn, YoungPerson
from tests.telegram.conftest import KEYWORKER, SAM, STRANGER, Heard

PNG = b"\x89PNG"


async def test_checkin_reaches_keyworker_and_the_seen_comes_back(heard: Heard) -> None:
    api = heard.api
    assert str(heard.cast.young_person_codes["telegram_link"]).startswith(
        "https://t.me/heard_test_bot?start="
    )
    alex, sam = await heard.link_everyone()
    commands = api.calls_to("setMyCommands")
    assert {c["command"] for c in commands[-1].params["commands"]} >= {
        "checkin", "listened", "help", "language", "pause"
    }

    await sam.send("/checkin")
    sheet = sam.expect(lambda m: "photo" in m)
    assert "How are you feeling" in sheet["caption"]
    uploads = [c.files["photo"] for c in api.calls_to("sendPhoto", chat_id=SAM)
               if "photo" in c.files]
    assert uploads and uploads[0].startswith(PNG)
    await sam.tap("Worried")
    sam.expect(lambda m: "\u2705 Worried" in str(m.get("reply_markup")))
    await sam.tap("Tired")
    sam.expect(lambda m: "\u2705 Tired" in str(m.get("reply_markup")))
    await sam.tap("Done")
    sam.expect("How much")
    await sam.tap("A lot")
    sam.expect("What would help")
    await sam.tap("Just sit with me")
    sam.expect("a few words")
    await sam.send("school was hard")
    sam.expect("Alex will see this")

    assert await heard.deliver() >= 1
    note = alex.expect(lambda m: "New check-in from Sam" in (m.get("caption") or ""))
    caption = note["caption"]
    assert "Worried, Tired (a lot)" in caption
    assert "Just sit with me" in caption
    assert "school was hard" in caption
    await alex.tap("Seen \u2714")
    alex.expect(lambda m: "Seen by Alex" in str(m.get("reply_markup")))
    await heard.deliver()
    sam.expect("Alex has seen your check-in")

    async with heard.runtime.db.transaction() as session:
        checkin = await session.scalar(select(CheckIn))
        assert checkin is not None and checkin.acknowledged_at is not None
        assert checkin.channel == "telegram"


async def test_listened_answers_show_in_the_kpi_report(heard: Heard) -> None:
    _, sam = await heard.link_everyone()
    for _round in range(5):
        mark = heard.api.mark()
        await sam.send("/listened")
        sam.expect("Who are you thinking about", after=mark)
        await sam.tap("My keyworker")
        sam.expect("did you feel listened to", after=mark)
        await sam.tap("\U0001f642 Mostly")
        if _round == 0:
            # The satisfaction question comes once a month, after "felt listened to".
            sam.expect("how good is the help you get here", after=mark)
            await sam.tap("\U0001f604 Really good")
        sam.expect("Thank you for telling us", after=mark)
        if _round:
            assert not any("how good is the help" in str(m.get("text"))
                           for m in heard.api.events(SAM, after=mark))
    async with heard.runtime.db.transaction() as session:
        report = await kpi_report(session, service_name="North", month_from=None, month_to=None)
    assert report["listened_to"]["total"] == 5
    assert report["listened_to"]["counts"]["mostly"] == 5
    assert report["listened_to"]["percent_at_least_a_little"] == 100.0
    # One satisfaction answer: counted, but fewer than 5 is never shown.
    assert report["satisfaction"]["counts"]["very_good"] is None
    assert report["satisfaction"]["percent_satisfied"] is None


async def test_strangers_and_used_links_get_a_kind_refusal(heard: Heard) -> None:
    await heard.link_everyone()
    stranger = heard.user(STRANGER, first_name="Jo")
    await stranger.send("hello?")
    stranger.expect("private service")
    await stranger.send(f"/start {heard.cast.staff_telegram_code}")
    stranger.expect("already been used or is not valid")
    await stranger.send("/start not-a-real-code")
    stranger.expect("already been used or is not valid")
    async with heard.runtime.db.transaction() as session:
        linked = await session.scalar(
            select(func.count()).select_from(YoungPerson).where(
                YoungPerson.telegram_user_id == STRANGER)
        )
        assert linked == 0


async def test_bad_input_keeps_the_step_and_duplicates_are_ignored(heard: Heard) -> None:
    api = heard.api
    _, sam = await heard.link_everyone()
    await sam.send("/checkin")
    sam.expect(lambda m: "photo" in m)
    for send_unusable in (sam.send_sticker, sam.send_voice):
        await send_unusable()
        sam.expect("can't use that")
    mark = api.mark()
    forged = await sam.tap_raw("forged|c:happy", message_id=1)
    # Refused with a kind word, and the cards are shown again: nothing ticked.
    shown = sam.expect(lambda m: "photo" in m, after=mark)
    assert "\u2705" not in str(shown.get("reply_markup"))
    assert "from before" in (api.callback_answer(forged) or {}).get("text", "")
    await sam.tap("Sad")
    sam.expect(lambda m: "\u2705 Sad" in str(m.get("reply_markup")))

    sends_before = len(api.calls_to("sendMessage", chat_id=SAM))
    edits_before = len(api.calls_to("editMessageReplyMarkup", chat_id=SAM))
    answers_before = len(api.callback_answers)
    await heard.tg.telegram.redeliver_last()  # the "Sad" tap, delivered again
    await sam.send("x" * 5000)
    sam.expect("Please tap one of the buttons")
    # The redelivered tap changed nothing (Sad is still ticked, no second toggle, no
    # second answer); the long text got exactly one kind answer.
    assert len(api.calls_to("editMessageReplyMarkup", chat_id=SAM)) == edits_before
    assert len(api.callback_answers) == answers_before
    assert len(api.calls_to("sendMessage", chat_id=SAM)) == sends_before + 1
    assert "\u2705 Sad" in sam.buttons()


async def test_urgent_card_reaches_keyworker_who_takes_it(heard: Heard) -> None:
    api = heard.api
    alex, sam = await heard.link_everyone()
    await sam.send("/checkin")
    sam.expect(lambda m: "photo" in m)
    await sam.tap("I don't feel safe")
    sam.expect(lambda m: "\u2705 I don't feel safe" in str(m.get("reply_markup")))
    await sam.tap("Done")
    sam.expect("How much")
    await sam.tap("A lot")
    sam.expect("What would help")
    await sam.tap("Talk to my keyworker")
    sam.expect("a few words")
    await sam.tap("Skip")
    # Who to contact right now, straight away, before anything is delivered.
    crisis = sam.expect("Childline")
    assert "0800 1111" in crisis["text"] and "116 123" in crisis["text"]
    await heard.deliver()
    alert = alex.expect(lambda m: "I'm on it" in str(m.get("reply_markup")))
    assert api.calls_to("sendPhoto", chat_id=KEYWORKER) or api.calls_to("sendMessage",
                                                                        chat_id=KEYWORKER)
    await alex.tap("I'm on it", message=alert)
    alex.expect(lambda m: "is on it" in str(m.get("reply_markup")))
    await heard.deliver()
    sam.expect("Alex knows, and is going to help you")
