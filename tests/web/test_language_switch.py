"""A young person changes language in the middle of a check-in, on each channel, and
carries on from the same question with the cards they had picked; a language their
service switched off is not offered, and they fall back to English kindly."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from core import i18n
from domain.runtime import Runtime
from domain.languages import set_language
from storage.models import YoungPerson
from tests.support.catalogs import SMALL, shipped_catalogs  # noqa: F401
from tests.telegram.conftest import Heard, heard  # noqa: F401
from tests.support.people import Cast
from tests.web.test_web_http import signed_up

CARDS_AR = SMALL["ar"]["How are you feeling? Tap up to 3 cards, then tap Done."]


def ar(text: str) -> str:
    return i18n.translations("ar").gettext(text)


async def test_telegram_switch_mid_checkin_carries_on(
    shipped_catalogs: Path, heard: Heard  # noqa: F811
) -> None:
    _alex, sam = await heard.link_everyone()
    await sam.send("/checkin")
    await sam.tap("Worried")
    sam.expect(lambda m: "\u2705 Worried" in str(m.get("reply_markup")))
    await sam.send("/language")
    sam.expect("Which language would you like?")
    await sam.tap("العربية")
    # Back at the cards, in Arabic, with Worried still picked.
    shown = sam.expect(lambda m: "\u2705" in str(m.get("reply_markup")))
    assert ar("How are you feeling? Tap up to 3 cards, then tap Done.") in str(
        shown.get("caption") or shown.get("text"))
    async with heard.runtime.db.transaction() as session:
        person = await session.get(YoungPerson, heard.cast.young_person_id)
        assert person is not None and person.locale == "ar"


async def test_web_switch_mid_checkin_carries_on(
    shipped_catalogs: Path, client: TestClient, cast: Cast, runtime: Runtime  # noqa: F811
) -> None:
    person = await signed_up(client, cast)
    await person.get("/me")
    await person.tap("OK, let's go")
    await person.tap("Show how I feel")
    await person.tap("Worried")
    assert person.html.count("card picked") == 1
    await person.post("/me", {"command": "language"})
    assert "Which language would you like?" in person.text
    await person.tap("کوردی (سۆرانی)")
    assert '<html lang="ckb" dir="rtl">' in person.html
    assert i18n.translations("ckb").gettext(
        "How are you feeling? Tap up to 3 cards, then tap Done.") in person.text
    assert person.html.count("card picked") == 1  # Worried is still picked
    await person.tap(i18n.translations("ckb").gettext("Done"))  # the button in Sorani now
    assert person.status == 200


async def test_switched_off_language_is_not_offered_and_falls_back_kindly(
    shipped_catalogs: Path, client: TestClient, cast: Cast, runtime: Runtime  # noqa: F811
) -> None:
    person = await signed_up(client, cast)
    await person.get("/me")
    await person.tap("OK, let's go")
    async with runtime.db.transaction() as session:
        row = await session.get(YoungPerson, cast.young_person_id)
        assert row is not None
        row.locale = "ti"
        await set_language(session, row.service_id, "ti", False, runtime.clock.now())
    await person.post("/me", {"command": "language"})
    assert '<html lang="en"' in person.html
    assert "Heard is in English now" in person.text
    assert "ትግርኛ" not in person.text and "العربية" in person.text
    async with runtime.db.transaction() as session:
        row = await session.get(YoungPerson, cast.young_person_id)
        assert row is not None and row.locale == "en"
        await set_language(session, row.service_id, "ti", True, runtime.clock.now())
    await person.post("/me", {"command": "language"})
    assert "ትግርኛ" in person.text


async def test_language_button_is_named_in_english_too(
    shipped_catalogs: Path, client: TestClient, cast: Cast, runtime: Runtime  # noqa: F811
) -> None:
    person = await signed_up(client, cast)
    await person.get("/me")
    assert "Language / Language" not in person.text and "Language" in person.text
    async with runtime.db.transaction() as session:
        row = await session.get(YoungPerson, cast.young_person_id)
        assert row is not None
        row.locale = "ti"
    await person.get("/me")
    assert '/ <span lang="en">Language</span>' in person.html
