"""Card pictures for the web: the illustrated deck when it is there, else a simple
drawn stand-in, so the page never shows a broken image.

One function, so switching to the real renderer is one line.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw

from cards.deck import CARDS_BY_ID

SIZES = (96, 512)
# Stand-in faces: how much each card smiles (-1 frown .. 1 smile).
_MOOD = {
    "happy": 1.0, "calm": 0.5, "excited": 1.0, "proud": 0.8, "hopeful": 0.6, "safe": 0.6,
    "ok": 0.2, "tired": -0.2, "bored": -0.1, "confused": -0.2, "worried": -0.6,
    "embarrassed": -0.4, "sad": -1.0, "lonely": -0.8, "scared": -0.8, "frustrated": -0.7,
    "angry": -1.0, "unsafe": -1.0, "help_now": -1.0, "dont_know": 0.0,
}
_GROUND = {1: (255, 226, 140), 0: (214, 232, 250), -1: (205, 214, 240)}


def card_png(card_id: str, size: int) -> bytes:
    if card_id not in CARDS_BY_ID or size not in SIZES:
        raise KeyError(card_id)
    try:
        from cards.render import card_png as real  # the illustrated deck
    except ImportError:
        return _stand_in(card_id, size)
    return real(card_id, size, with_label=False)


@lru_cache(maxsize=64)
def _stand_in(card_id: str, size: int) -> bytes:
    mood = _MOOD.get(card_id, 0.0)
    urgent = CARDS_BY_ID[card_id].urgent
    ground = (255, 205, 200) if urgent else _GROUND[(mood > 0.3) - (mood < -0.3)]
    scale = 4  # draw big, shrink: smooth edges without anti-aliasing support
    s = size * scale
    img = Image.new("RGB", (s, s), ground)
    pen = ImageDraw.Draw(img)
    r = s * 0.34
    cx = cy = s / 2
    pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 200, 60) if not urgent else (255, 150, 120),
                outline=(40, 40, 40), width=max(2, s // 60))
    eye = s * 0.035
    for ex in (cx - r * 0.38, cx + r * 0.38):
        pen.ellipse((ex - eye, cy - r * 0.25 - eye, ex + eye, cy - r * 0.25 + eye), fill=(40, 40, 40))
    w = r * 0.55
    top = cy + r * 0.25
    bend = r * 0.35 * mood
    box = (cx - w, top - abs(bend), cx + w, top + abs(bend))
    line = max(2, s // 50)
    if abs(bend) < r * 0.05:
        pen.line((cx - w, top, cx + w, top), fill=(40, 40, 40), width=line)
    elif bend > 0:
        pen.arc(box, 0, 180, fill=(40, 40, 40), width=line)
    else:
        pen.arc((box[0], box[1] + abs(bend), box[2], box[3] + abs(bend)), 180, 360,
                fill=(40, 40, 40), width=line)
    img = img.resize((size, size), Image.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()
