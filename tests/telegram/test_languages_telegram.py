"""A language the service switches off, on Telegram: the young person using it is
moved to English with a kind word at their next message, and told in English."""

from __future__ import annotations

from domain.languages import set_language
from storage.models import YoungPerson
from tests.telegram.conftest import Heard


async def test_a_switched_off_language_falls_back_to_english_kindly(heard: Heard) -> None:
    _alex, sam = await heard.link_everyone()
    runtime = heard.runtime
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, heard.cast.young_person_id)
        assert person is not None
        person.locale = "pl"
    await sam.send("/help")
    assert not sam.sees("Heard is in English now")
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, heard.cast.young_person_id)
        assert person is not None
        await set_language(session, person.service_id, "pl", False, runtime.clock.now())
    await sam.send("/checkin")
    sam.expect("Heard is in English now")
    sam.expect("How are you feeling? Tap up to 3 cards, then tap Done.")
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, heard.cast.young_person_id)
        assert person is not None and person.locale == "en"
    await sam.send("/help")  # told once
    assert not sam.sees("Heard is in English now")
