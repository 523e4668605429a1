"""A language written right to left turns the pages around, and translations reach
the young person's screens (checked with a small catalog made for the test)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n
from domain.runtime import Runtime
from storage.models import YoungPerson
from tests.support.people import Cast
from tests.web.test_web_http import signed_up


@pytest.fixture
def arabic_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR / "en", locales / "en")
    catalog = Catalog(locale="ar")
    catalog.add("What would you like to do?", "ماذا تريد أن تفعل؟")
    (locales / "ar" / "LC_MESSAGES").mkdir(parents=True)
    with (locales / "ar" / "LC_MESSAGES" / "messages.po").open("wb") as fh:
        write_po(fh, catalog)
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales)
    i18n._catalogs.cache_clear()
    i18n.translations.cache_clear()
    yield
    i18n._catalogs.cache_clear()
    i18n.translations.cache_clear()


async def test_arabic_pages_are_right_to_left(
    arabic_catalog: None, client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    assert "ar" in i18n.available_locales()
    person = await signed_up(client, cast)
    async with runtime.db.transaction() as session:
        row = await session.get(YoungPerson, cast.young_person_id)
        assert row is not None
        row.locale = "ar"
    await person.get("/me")
    assert '<html lang="ar" dir="rtl">' in person.html
    await person.tap("OK, let's go")
    assert "ماذا تريد أن تفعل؟" in person.text
    # Strings without a translation fall back to English rather than vanish.
    assert "Help" in person.text
