"""Catalogs for tests of languages as a feature.

The eight shipped catalogs (cy, ar, fa_AF, ps, ti, ckb, pl, sq) are written by
translators in ``locales/``; where one is not there yet, a small catalog with a few
strings is made for the test in a temporary locales directory, so the same tests run
over the real catalogs once they are present.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core import i18n

SHIPPED = ("cy", "ar", "fa_AF", "ps", "ti", "ckb", "pl", "sq")

# A few strings per language, enough to see the pages and menus change language.
SMALL: dict[str, dict[str, str]] = {
    "ar": {"What would you like to do?": "ماذا تريد أن تفعل؟",
           "Which language would you like?": "أي لغة تريد؟",
           "Show how I feel": "أظهر كيف أشعر",
           "How are you feeling? Tap up to 3 cards, then tap Done.":
               "كيف تشعر؟ اضغط حتى 3 بطاقات، ثم اضغط تم."},
    "ckb": {"What would you like to do?": "دەتەوێت چی بکەیت؟",
            "Which language would you like?": "کام زمانت دەوێت؟",
            "Show how I feel": "پیشانی بدە چۆنم",
            "How are you feeling? Tap up to 3 cards, then tap Done.":
                "هەستت چۆنە؟ تا ٣ کارت هەڵبژێرە، پاشان تەواو دابگرە."},
    "ti": {"What would you like to do?": "እንታይ ክትገብር ትደሊ?",
           "Show how I feel": "ከመይ ከም ዝስምዓኒ ኣርኢ"},
    "cy": {"What would you like to do?": "Beth hoffet ti ei wneud?",
           "Show how I feel": "Dangos sut dw i'n teimlo"},
    "pl": {"What would you like to do?": "Co chcesz zrobić?",
           "Show how I feel": "Pokaż, jak się czuję"},
    "sq": {"What would you like to do?": "Çfarë do të bësh?",
           "Show how I feel": "Trego si ndihem"},
    "fa_AF": {"What would you like to do?": "چه کاری می‌خواهی بکنی؟",
              "Show how I feel": "نشان بده چطور احساس می‌کنم"},
    "ps": {"What would you like to do?": "ته څه کول غواړې؟",
           "Show how I feel": "وښیه چې څنګه احساس کوم"},
}


def write_small_catalog(locales: Path, code: str, review: str) -> None:
    catalog = Catalog(locale=code)
    for msgid, msgstr in SMALL.get(code, {}).items():
        catalog.add(msgid, msgstr)
    (locales / code / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    po = locales / code / "LC_MESSAGES" / "messages.po"
    with po.open("wb") as fh:
        write_po(fh, catalog)
    # The review header as translators write it (Babel drops headers it does not know).
    text = po.read_text(encoding="utf-8").replace(
        '"Generated-By:', f'"X-Heard-Review: {review}\\n"\n"Generated-By:', 1)
    po.write_text(text, encoding="utf-8")


def use_locales_dir(monkeypatch: pytest.MonkeyPatch, locales: Path) -> None:
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales)
    i18n._catalogs.cache_clear()
    i18n.translations.cache_clear()


@pytest.fixture
def shipped_catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every shipped language has a catalog: the real one, or a small one made here."""
    locales = tmp_path / "locales"
    # .po files only: .mo files are compiled next to them in the copy.
    shutil.copytree(i18n.LOCALES_DIR, locales, ignore=shutil.ignore_patterns("*.mo"))
    for code in SHIPPED:
        if not (locales / code / "LC_MESSAGES" / "messages.po").exists():
            write_small_catalog(locales, code, "not yet reviewed by a native speaker")
    use_locales_dir(monkeypatch, locales)
    yield locales
    i18n._catalogs.cache_clear()
    i18n.translations.cache_clear()
