"""Text in pictures, in every script Heard speaks.

Fonts come from Debian's ``fonts-noto-core`` (never committed): Noto Sans for Latin
(Welsh ŵ ŷ, Polish ę ś, Albanian ë ç), Noto Sans Arabic for Arabic, Dari, Pashto and
Sorani, Noto Sans Ethiopic for Tigrinya. The directory is ``HEARD_FONT_DIR``.

A line of text is split into runs by script, each run drawn in its own font (a Latin
nickname inside an Arabic sentence draws in both), and the runs put in visual order
for the line's direction. Within a run, Pillow's RAQM layout shapes and joins the
letters (HarfBuzz) and orders digits and marks (FriBiDi). Without RAQM, or without a
font, Heard still draws (Pillow's own font, unjoined) and says so once in the log and
in ``heard admin check``.
"""

from __future__ import annotations

import logging
import os
import unicodedata
from dataclasses import dataclass
from typing import Any
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from core.i18n import current_locale, is_rtl

log = logging.getLogger(__name__)

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/noto"
FONT_PACKAGE = "fonts-noto-core"
FONT_FILES = {
    "latin": "NotoSans-Regular.ttf",
    "arabic": "NotoSansArabic-Regular.ttf",
    "ethiopic": "NotoSansEthiopic-Regular.ttf",
}
FALLBACK_ORDER = ("latin", "arabic", "ethiopic")
RTL_SCRIPTS = frozenset({"arabic"})

_ARABIC = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_ETHIOPIC = ((0x1200, 0x139F), (0x2D80, 0x2DDF), (0xAB00, 0xAB2F))
_STRONG_MARKS = {"\u200e": "ltr", "\u200f": "rtl", "\u061c": "rtl"}

_font_dir: Path | None = None


def configure(font_dir: str | Path | None) -> None:
    """Use fonts from this directory (``HEARD_FONT_DIR``); None: the environment or Debian's."""
    global _font_dir
    _font_dir = Path(font_dir) if font_dir else None
    _font.cache_clear()
    _font_path.cache_clear()
    layout.cache_clear()


def font_dir() -> Path:
    return _font_dir or Path(os.environ.get("HEARD_FONT_DIR") or DEFAULT_FONT_DIR)


def shaping_available() -> bool:
    return bool(features.check("raqm"))


@lru_cache(maxsize=8)
def _font_path(script: str) -> Path | None:
    path = font_dir() / FONT_FILES[script]
    if path.is_file():
        return path
    log.warning("%s", missing_font_message(script))
    return None


def missing_font_message(script: str) -> str:
    return (
        f"no font for {script} text in pictures: {FONT_FILES[script]} is not in {font_dir()} "
        f"(install the Debian package {FONT_PACKAGE}, or set HEARD_FONT_DIR); "
        "drawing it with Pillow's built-in font, which shows empty boxes for most scripts"
    )


def problems() -> list[str]:
    """What is missing for text in pictures to draw right, in plain words (empty: all well)."""
    found = [missing_font_message(s) for s in FONT_FILES if not (font_dir() / FONT_FILES[s]).is_file()]
    if not shaping_available():
        found.append(
            "Pillow has no RAQM text layout (libraqm, libfribidi): Arabic-script words in "
            "pictures are drawn unjoined and in the wrong order (install libraqm0 and libfribidi0)"
        )
    return found


@lru_cache(maxsize=128)
def _font(script: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path(script)
    if path is None:
        return ImageFont.load_default(size=size)
    engine = ImageFont.Layout.RAQM if shaping_available() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size=size, layout_engine=engine)


@lru_cache(maxsize=8)
def _cmap(script: str) -> frozenset[int]:
    path = _font_path(script)
    if path is None:
        return frozenset(range(0x20, 0x7F))
    with TTFont(str(path), lazy=True) as f:
        return frozenset(f.getBestCmap())


def script_of(ch: str) -> str | None:
    """The script a character is written in, or None for spaces, digits, punctuation."""
    cp = ord(ch)
    if any(a <= cp <= b for a, b in _ARABIC):
        return "arabic" if unicodedata.category(ch)[0] in "LM" else None
    if any(a <= cp <= b for a, b in _ETHIOPIC):
        return "ethiopic" if unicodedata.category(ch)[0] in "LM" else None
    if unicodedata.category(ch)[0] == "L":
        return "latin"
    return None


def _direction(script: str) -> str:
    return "rtl" if script in RTL_SCRIPTS else "ltr"


def paragraph_direction(text: str, default: str = "ltr") -> str:
    """The first strong character decides (direction marks count), as in Unicode's
    bidi algorithm; text with none (a time, a number) takes ``default``."""
    for ch in text:
        if ch in _STRONG_MARKS:
            return _STRONG_MARKS[ch]
        script = script_of(ch)
        if script:
            return _direction(script)
    return default


@dataclass(frozen=True)
class Run:
    text: str
    script: str  # whose font draws it
    direction: str  # "ltr" | "rtl"
    level: int


def _covered(ch: str, script: str) -> bool:
    # Format characters (direction marks, joiners) are never drawn as glyphs.
    return unicodedata.category(ch) == "Cf" or ord(ch) in _cmap(script)


def runs(text: str, default_direction: str = "ltr") -> list[Run]:
    """The line split into runs of one font and one direction, in visual order."""
    if not text:
        return []
    para = paragraph_direction(text, default_direction)
    # 1. Each character's script; neutrals and marks take one from their neighbours.
    scripts: list[str | None] = [script_of(ch) for ch in text]
    for i, ch in enumerate(text):  # combining marks stay with their letter
        if scripts[i] is None and unicodedata.category(ch).startswith("M") and i and scripts[i - 1]:
            scripts[i] = scripts[i - 1]
    owner: list[tuple[str, str]] = [("latin", para)] * len(text)
    i = 0
    while i < len(text):
        if scripts[i] is not None:
            script = scripts[i]
            assert script is not None
            owner[i] = (script, _direction(script))
            i += 1
            continue
        j = i
        while j < len(text) and scripts[j] is None:
            j += 1
        prev = scripts[i - 1] if i > 0 else None
        nxt = scripts[j] if j < len(text) else None
        prev_dir = _direction(prev) if prev else para
        next_dir = _direction(nxt) if nxt else para
        resolved = prev_dir if prev_dir == next_dir else para
        if prev and prev_dir == resolved:
            script = prev
        elif nxt and next_dir == resolved:
            script = nxt
        else:
            script = prev or nxt or "latin"
        for k in range(i, j):
            owner[k] = (script, resolved)
        i = j
    # 2. A character the run's font lacks goes to a font that has it.
    for k, ch in enumerate(text):
        script, direction = owner[k]
        if not _covered(ch, script):
            for other in FALLBACK_ORDER:
                if _covered(ch, other):
                    owner[k] = (other, direction)
                    break
    # 3. Runs, their bidi levels, and Unicode's rule L2 for the visual order.
    logical: list[Run] = []
    start = 0
    for k in range(1, len(text) + 1):
        if k == len(text) or owner[k] != owner[start]:
            script, direction = owner[start]
            if para == "ltr":
                level = 0 if direction == "ltr" else 1
            else:
                level = 1 if direction == "rtl" else 2
            logical.append(Run(text[start:k], script, direction, level))
            start = k
    top = max(r.level for r in logical)
    lowest_odd = 1
    for level in range(top, lowest_odd - 1, -1):
        out: list[Run] = []
        k = 0
        while k < len(logical):
            if logical[k].level >= level:
                m = k
                while m < len(logical) and logical[m].level >= level:
                    m += 1
                out.extend(reversed(logical[k:m]))
                k = m
            else:
                out.append(logical[k])
                k += 1
        logical = out
    return logical


def _language() -> str | None:
    return current_locale().split("_", 1)[0] or None


def _run_kwargs(run: Run, language: str | None,
                font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> dict[str, Any]:
    # Pillow's built-in font (used when a Noto font is missing) lays out without RAQM
    # even where RAQM is installed, and refuses direction and language then.
    if getattr(font, "layout_engine", None) != ImageFont.Layout.RAQM:
        return {}
    kwargs = {"direction": run.direction}
    if language and run.script != "latin":
        kwargs["language"] = language
    return kwargs


@dataclass(frozen=True)
class Laid:
    runs: tuple[tuple[Run, float, float], ...]  # run, x offset, width (visual order)
    width: float
    ascent: int
    descent: int


@lru_cache(maxsize=8192)
def layout(text: str, size: int, default_direction: str = "ltr", language: str | None = None) -> Laid:
    placed: list[tuple[Run, float, float]] = []
    x = 0.0
    ascent = descent = 0
    for run in runs(text, default_direction):
        if run.script != "latin" and _font_path(run.script) is None:
            # Pillow's own font would draw empty boxes: leave those words out (the
            # buttons and captions carry them; the start-up warning names the font).
            continue
        f = _font(run.script, size)
        w = f.getlength(run.text, **_run_kwargs(run, language, f))
        placed.append((run, x, w))
        x += w
        if isinstance(f, ImageFont.FreeTypeFont):
            a, d = f.getmetrics()
            ascent, descent = max(ascent, a), max(descent, d)
    if not placed:
        latin = _font("latin", size)
        a, d = latin.getmetrics() if isinstance(latin, ImageFont.FreeTypeFont) else (size, 0)
        ascent, descent = a, d
    return Laid(tuple(placed), x, ascent, descent)


def _laid(text: str, size: int) -> Laid:
    try:
        default = "rtl" if is_rtl() else "ltr"
    except Exception:  # an unknown locale code: the text itself decides
        default = "ltr"
    return layout(text, size, default, _language())


def text_length(text: str, size: int) -> float:
    """How wide the text draws at this size."""
    return _laid(text, size).width


def _origin(laid: Laid, xy: tuple[float, float], anchor: str) -> tuple[float, float]:
    """Left end of the baseline for an anchor ("la", "lm", "mm", "rm", "ls", ...)."""
    h, v = anchor[0], anchor[1]
    x, y = xy
    if h == "m":
        x -= laid.width / 2
    elif h == "r":
        x -= laid.width
    if v == "a":
        y += laid.ascent
    elif v == "m":
        y += (laid.ascent - laid.descent) / 2
    elif v == "d":
        y -= laid.descent
    return x, y


def text_bbox(text: str, size: int, anchor: str = "la") -> tuple[int, int, int, int]:
    laid = _laid(text, size)
    ox, oy = _origin(laid, (0, 0), anchor)
    return (
        int(ox) - 1,
        int(oy - laid.ascent) - 1,
        int(ox + laid.width) + 2,
        int(oy + laid.descent) + 2,
    )


def draw_text(
    im: Image.Image | ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    fill: object,
    anchor: str = "la",
) -> None:
    """Draw one line of text, run by run, each in the font for its script."""
    d = im if isinstance(im, ImageDraw.ImageDraw) else ImageDraw.Draw(im)
    laid = _laid(text, size)
    x, y = _origin(laid, xy, anchor)
    language = _language()
    for run, dx, _w in laid.runs:
        font = _font(run.script, size)
        d.text(
            (x + dx, y),
            run.text,
            font=font,
            fill=fill,  # type: ignore[arg-type]
            anchor="ls",
            **_run_kwargs(run, language, font),
        )


def font_file(script: str) -> Path | None:
    """The font file that draws this script (None: missing, Pillow's own is used)."""
    return _font_path(script)
