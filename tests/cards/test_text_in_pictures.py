"""Words drawn into pictures (card labels, card sheets, mood strips) have a glyph for
every character in every shipped language, and right-to-left words are joined."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from cards import text
from cards.deck import DECK
from cards.sheet import render_sheet
from cards.strip import StripCheckIn, render_week_strip
from core.i18n import _, available_locales, use_locale

SAMPLES = {
    "cy": "Mae\u2019n ŵyl, dw i\u2019n hapus; ŷd",
    "pl": "Zażółć gęślą jaźń",
    "sq": "Jam i mërzitur, çfarë",
    "ar": "أشعر بالقلق اليوم",
    "fa_AF": "امروز پریشان هستم",
    "ps": "زه نن ډېر خپه یم ړ ښ ږ",
    "ckb": "ئەمڕۆ خەمبارم ۆ ێ ڵ ڕ",
    "ti": "ሎሚ ደስ ኢሉኒ ኣሎ",
}
needs_fonts = pytest.mark.skipif(
    bool(text.problems()), reason="; ".join(text.problems()) or "fonts present")


def _uncovered(line: str) -> list[str]:
    """Characters that the font chosen for them cannot draw (they would be boxes)."""
    missing = []
    for run in text.runs(line):
        for ch in run.text:
            if ch.isspace() or unicodedata.category(ch) == "Cf":
                continue
            if ord(ch) not in text._cmap(run.script):
                missing.append(f"{ch!r} U+{ord(ch):04X} in {run.script}")
    return missing


@needs_fonts
@pytest.mark.parametrize("locale", available_locales())
def test_every_card_label_has_every_glyph(locale: str) -> None:
    with use_locale(locale):
        labels = [_(card.label) for card in DECK]
    missing = {label: _uncovered(label) for label in labels if _uncovered(label)}
    assert not missing, missing


@needs_fonts
@pytest.mark.parametrize("locale", sorted(SAMPLES))
def test_every_script_we_speak_has_every_glyph(locale: str) -> None:
    assert not _uncovered(SAMPLES[locale])
    # A Latin nickname inside an Arabic-script sentence draws in both fonts.
    mixed = text.runs(SAMPLES["ar"] + " Sam")
    assert {r.script for r in mixed} == {"arabic", "latin"}


@needs_fonts
def test_arabic_script_is_joined_not_drawn_letter_by_letter() -> None:
    path = text.font_file("arabic")
    assert path is not None
    word = "سلام"
    shaped = ImageFont.truetype(str(path), 48, layout_engine=ImageFont.Layout.RAQM)
    unshaped = ImageFont.truetype(str(path), 48, layout_engine=ImageFont.Layout.BASIC)
    # Joined letters take their connected forms, which are narrower than isolated ones.
    assert shaped.getlength(word, direction="rtl") < unshaped.getlength(word)

    def draw(font: ImageFont.FreeTypeFont, **kw: str) -> Image.Image:
        im = Image.new("L", (300, 90), 0)
        ImageDraw.Draw(im).text((10, 10), word, font=font, fill=255, **kw)
        return im

    assert ImageChops.difference(draw(shaped, direction="rtl"), draw(unshaped)).getbbox()
    # Our own drawing goes through the shaping engine.
    im = Image.new("L", (300, 90), 0)
    text.draw_text(im, (150, 45), word, 48, fill=255, anchor="mm")
    ours = im.crop(im.getbbox())
    theirs = draw(shaped, direction="rtl")
    assert abs(ours.width - theirs.crop(theirs.getbbox()).width) <= 2


@needs_fonts
@pytest.mark.parametrize("locale", available_locales())
def test_sheet_and_strip_draw_in_every_language(locale: str, tmp_path: Path) -> None:
    ids = [card.id for card in DECK][:6]
    with use_locale(locale):
        sheet = Image.open(io.BytesIO(render_sheet(ids)))
        strip = Image.open(io.BytesIO(render_week_strip(
            week_start=date(2026, 11, 23),
            checkins=[StripCheckIn(datetime(2026, 11, 24, 9, tzinfo=UTC), tuple(ids[:2]), "a_lot")],
            listened=[], tz=ZoneInfo("Europe/London"), locale=locale, title="Sam")))
    assert sheet.width > 100 and strip.width > 100


@needs_fonts
def test_english_dates_are_a_uk_services() -> None:
    from cards.strip import _day_heading, _week_label

    # CLDR sets thin spaces around the dash (drawn as such where Noto is installed,
    # plain spaces otherwise): the words and their order are what a UK reader expects.
    assert _week_label(date(2026, 11, 23), "en").replace("\u2009", "").replace(" \u2013 ", "\u2013") \
        == "23\u201329 Nov 2026"
    assert _day_heading(date(2026, 11, 23), "en") == ("Mon", "23 Nov")
    assert not _uncovered(_week_label(date(2026, 11, 23), "en"))
    # Other languages keep their own CLDR patterns.
    assert _week_label(date(2026, 11, 23), "pl") != _week_label(date(2026, 11, 23), "en")


def test_pictures_are_drawn_without_the_fonts(tmp_path: Path) -> None:
    """A machine without the Noto fonts draws Latin words with Pillow's own font (and
    says what is missing) instead of failing: that font refuses RAQM's direction and
    language. Words it has no glyphs for are left out, not drawn as empty boxes."""
    text.configure(tmp_path)
    try:
        assert any("no font for arabic" in p for p in text.problems())
        with use_locale("ar"):
            im = Image.new("RGB", (300, 60), "white")
            text.draw_text(im, (10, 30), SAMPLES["ar"] + " Heard", 20, "black", anchor="lm")
            assert text.text_length(SAMPLES["ar"], 20) == 0
            assert text.text_length("Heard", 20) > 0
        assert ImageChops.difference(im, Image.new("RGB", im.size, "white")).getbbox()
        assert render_sheet(tuple(c.id for c in DECK[:4]))[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        text.configure(None)
