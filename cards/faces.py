"""Draws a card's picture: a round face and the small prop that goes with the feeling.

Everything is drawn in unit coordinates (0..1 across the picture's square) with one
line weight, so every card belongs to the same family at any size. Call it on a large
canvas and downsample: Pillow's primitives are not anti-aliased.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import ImageDraw

from cards.colour import RGB
from cards.deck import Face

INK: RGB = (38, 34, 56)
SKIN: RGB = (255, 242, 212)
WHITE: RGB = (255, 255, 255)
WATER: RGB = (96, 178, 244)
BLUSH: RGB = (255, 140, 150)
MOUTH: RGB = (140, 36, 64)
GOLD: RGB = (255, 200, 48)
HEART: RGB = (232, 56, 80)
CLOUD: RGB = (236, 240, 246)

LINE = 0.026  # line weight as a fraction of the picture; the family's one pen
HEAD_R = 0.32
Point = tuple[float, float]


def bezier(p0: Point, c: Point, p1: Point, n: int = 24) -> list[Point]:
    """Points along a quadratic curve: smooth mouths, brows and arcs."""
    out = []
    for i in range(n + 1):
        t = i / n
        a, b, d = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        out.append((a * p0[0] + b * c[0] + d * p1[0], a * p0[1] + b * c[1] + d * p1[1]))
    return out


def arc_points(
    cx: float, cy: float, r: float, start: float, end: float, n: int = 32
) -> list[Point]:
    """Points on a circle, angles in degrees, 0 = east, counter-clockwise (maths, not screen)."""
    return [
        (cx + r * math.cos(math.radians(a)), cy - r * math.sin(math.radians(a)))
        for a in (start + (end - start) * i / n for i in range(n + 1))
    ]


def star_points(
    cx: float, cy: float, r: float, points: int = 5, inner: float = 0.45, turn: float = 90
) -> list[Point]:
    out = []
    for i in range(points * 2):
        rr = r if i % 2 == 0 else r * inner
        a = math.radians(turn + i * 180 / points)
        out.append((cx + rr * math.cos(a), cy - rr * math.sin(a)))
    return out


class Pen:
    """Maps unit coordinates onto a square of the canvas and draws with the family's pen."""

    def __init__(self, draw: ImageDraw.ImageDraw, x0: float, y0: float, side: float):
        self.d, self.x0, self.y0, self.s = draw, x0, y0, side

    def px(self, width: float) -> int:
        return max(1, round(width * self.s))

    def pt(self, p: Point) -> Point:
        return (self.x0 + p[0] * self.s, self.y0 + p[1] * self.s)

    def dot(self, p: Point, r: float, fill: RGB) -> None:
        x, y = self.pt(p)
        rr = r * self.s
        self.d.ellipse((x - rr, y - rr, x + rr, y + rr), fill=fill)

    def line(self, pts: Sequence[Point], width: float = LINE, fill: RGB = INK) -> None:
        """A stroke with round caps and joints, like a felt-tip."""
        xy = [self.pt(p) for p in pts]
        w = self.px(width)
        self.d.line(xy, fill=fill, width=w, joint="curve")
        for p in (pts[0], pts[-1]):
            self.dot(p, width / 2, fill)

    def shape(self, pts: Sequence[Point], fill: RGB | None, width: float = LINE) -> None:
        """A filled outline; the outline is stroked so corners stay round."""
        if fill is not None:
            self.d.polygon([self.pt(p) for p in pts], fill=fill)
        if width:
            self.line([*pts, pts[0], pts[1]], width)

    def ellipse(
        self,
        c: Point,
        rx: float,
        ry: float,
        fill: RGB | None,
        width: float = LINE,
        outline: RGB = INK,
    ) -> None:
        x, y = self.pt(c)
        box = (x - rx * self.s, y - ry * self.s, x + rx * self.s, y + ry * self.s)
        self.d.ellipse(
            box, fill=fill, outline=outline if width else None, width=self.px(width) if width else 0
        )

    def rounded(
        self,
        box: tuple[float, float, float, float],
        radius: float,
        fill: RGB | None,
        width: float = LINE,
    ) -> None:
        a, b = self.pt(box[:2]), self.pt(box[2:])
        self.d.rounded_rectangle(
            (*a, *b),
            radius=radius * self.s,
            fill=fill,
            outline=INK if width else None,
            width=self.px(width) if width else 0,
        )


def draw_picture(pen: Pen, face: Face) -> None:
    """The whole picture: prop behind, then head, features and marks."""
    cx, cy, r = 0.5 + face.head_shift, 0.54, HEAD_R
    if face.prop in _BEHIND:
        _PROPS[face.prop](pen, cx, cy, r)
    pen.ellipse((cx, cy), r, r, SKIN)
    if face.blush:
        for side in (-1, 1):
            bx, by = cx + side * 0.56 * r, cy + 0.2 * r
            pen.ellipse((bx, by), 0.15 * r, 0.09 * r, BLUSH, width=0)
            if face.eyes != "happy":  # hatched cheeks: a blush you can see without colour
                for t in (-0.08, 0.0, 0.08):
                    pen.line(
                        [
                            (bx + t * r + 0.03 * r, by - 0.05 * r),
                            (bx + t * r - 0.03 * r, by + 0.05 * r),
                        ],
                        LINE * 0.5,
                        fill=(214, 70, 96),
                    )
    _eyes(pen, face, cx, cy, r)
    _brows(pen, face, cx, cy, r)
    _mouth(pen, face, cx, cy, r)
    for i in range(face.tears):
        side = -1 if i == 0 else 1
        _drop(pen, (cx + side * 0.36 * r, cy + 0.2 * r), 0.07 * r * 1.3)
    if face.sweat:
        _drop(pen, (cx + 0.72 * r, cy - 0.5 * r), 0.1 * r)
    if face.shake:
        for side in (-1, 1):
            for k in (0, 1):
                x = cx + side * (r + 0.05 + 0.045 * k)
                pen.line(
                    bezier(
                        (x, cy - 0.35 * r + k * 0.05),
                        (x + side * 0.03, cy),
                        (x, cy + 0.35 * r - k * 0.05),
                    ),
                    LINE * 0.8,
                )
    if face.prop not in _BEHIND and face.prop != "none":
        _PROPS[face.prop](pen, cx, cy, r)


def _eye_centres(cx: float, cy: float, r: float) -> list[Point]:
    return [(cx - 0.36 * r, cy - 0.08 * r), (cx + 0.36 * r, cy - 0.08 * r)]


def _eyes(pen: Pen, face: Face, cx: float, cy: float, r: float) -> None:
    e = 0.1 * r
    lx, ly = face.look
    for i, (ex, ey) in enumerate(_eye_centres(cx, cy, r)):
        kind = face.eyes
        if kind == "dot":
            c = (ex + lx * e * 0.6, ey + ly * e * 0.6)
            pen.ellipse(c, 0.85 * e, 1.15 * e, INK, width=0)
            pen.dot((c[0] - 0.3 * e, c[1] - 0.4 * e), 0.3 * e, WHITE)
        elif kind == "happy":
            pen.line(
                bezier(
                    (ex - 1.1 * e, ey + 0.4 * e), (ex, ey - 1.5 * e), (ex + 1.1 * e, ey + 0.4 * e)
                )
            )
        elif kind == "closed":
            pen.line(
                bezier(
                    (ex - 1.1 * e, ey - 0.3 * e), (ex, ey + 1.3 * e), (ex + 1.1 * e, ey - 0.3 * e)
                )
            )
        elif kind == "wide":
            pen.ellipse((ex, ey), 1.45 * e, 1.6 * e, WHITE)
            c = (ex + lx * e * 0.6, ey + ly * e * 0.6)
            pen.ellipse(c, 0.55 * e, 0.55 * e, INK, width=0)
        elif kind == "half":
            x, y = pen.pt((ex + lx * e * 0.6, ey + 0.1 * e))
            rx, ry = 0.95 * e * pen.s, 1.0 * e * pen.s
            pen.d.chord((x - rx, y - ry, x + rx, y + ry), 0, 180, fill=INK)
            pen.line([(ex - 1.25 * e, ey + 0.1 * e), (ex + 1.25 * e, ey + 0.1 * e)])
        elif kind == "star":
            pen.shape(star_points(ex, ey, 1.75 * e), GOLD, LINE * 0.7)
        elif kind == "squint":
            d = 1 if i == 0 else -1  # ">" on the left, "<" on the right
            pen.line(
                [
                    (ex - d * 0.9 * e, ey - 0.9 * e),
                    (ex + d * 0.8 * e, ey),
                    (ex - d * 0.9 * e, ey + 0.9 * e),
                ]
            )
        else:
            raise ValueError(f"unknown eyes {kind!r}")


def _brows(pen: Pen, face: Face, cx: float, cy: float, r: float) -> None:
    if face.brow_lift is None:
        return
    e = 0.1 * r
    for i, (ex, ey) in enumerate(_eye_centres(cx, cy, r)):
        inward = 1 if i == 0 else -1
        base = ey - 2.4 * e - face.brow_lift * r - (face.brow_uneven * r if i == 0 else 0)
        outer = (ex - inward * 1.2 * e, base + face.brow_tilt * r)
        inner = (ex + inward * 1.0 * e, base - face.brow_tilt * r)
        mid = ((outer[0] + inner[0]) / 2, (outer[1] + inner[1]) / 2 - 0.35 * e)
        pen.line(bezier(outer, mid, inner))


def _mouth(pen: Pen, face: Face, cx: float, cy: float, r: float) -> None:
    mx, my = cx, cy + 0.4 * r
    w = face.mouth_width * r / 2
    k = face.mouth_curve
    if face.mouth == "curve":
        lift = k * 0.12 * r  # keep the mouth's middle in place whichever way it bends
        pen.line(bezier((mx - w, my - lift), (mx, my + k * 0.4 * r - lift), (mx + w, my - lift)))
    elif face.mouth == "grin":
        top = my - 0.1 * r
        bottom = bezier((mx + w, top), (mx, top + k * 0.7 * r), (mx - w, top))
        pen.d.polygon([pen.pt(p) for p in bottom], fill=MOUTH)
        teeth = bezier((mx + w * 0.92, top), (mx, top + k * 0.16 * r), (mx - w * 0.92, top))
        pen.d.polygon([pen.pt(p) for p in teeth], fill=WHITE)
        tongue_c = (mx, top + k * 0.3 * r)
        pen.ellipse(tongue_c, 0.45 * w, 0.12 * r * k, BLUSH, width=0)
        pen.shape(bottom, None)
    elif face.mouth == "o":
        pen.ellipse(
            (mx, my + 0.02 * r), 0.13 * r * (0.6 + 0.4 * k), 0.18 * r * (0.5 + 0.5 * k), MOUTH
        )
    elif face.mouth == "slant":
        pen.line([(mx - w, my + k * 0.12 * r), (mx + w, my - k * 0.12 * r)])
    elif face.mouth == "wobble":
        amp = 0.05 * r * k
        pts = [
            (mx - w + 2 * w * i / 32, my + amp * math.sin(i / 32 * math.pi * 3)) for i in range(33)
        ]
        pen.line(pts)
    elif face.mouth == "teeth":
        h = 0.17 * r
        pen.rounded((mx - w, my - h, mx + w, my + h), 0.08 * r, WHITE)
        pen.line([(mx - w, my), (mx + w, my)], LINE * 0.6)
        for t in (-0.34, 0.34):
            pen.line([(mx + t * w, my - h), (mx + t * w, my + h)], LINE * 0.6)
    else:
        raise ValueError(f"unknown mouth {face.mouth!r}")


def _drop(pen: Pen, c: Point, rad: float) -> None:
    """A water drop, point up: tears and sweat."""
    x, y = c
    pts = arc_points(x, y, rad, 150, 390, 24) + [(x, y - rad * 2.1)]
    pen.shape(pts, WATER, LINE * 0.6)
    pen.dot((x - rad * 0.35, y - rad * 0.2), rad * 0.25, WHITE)


# Props: each draws in the free corner of the square, clear of the head.


def _waves(pen: Pen, cx: float, cy: float, r: float) -> None:
    for k in range(3):
        y = 0.1 + k * 0.065
        x0 = 0.62 + k * 0.03
        pts = [(x0 + 0.28 * i / 24, y + 0.018 * math.sin(i / 24 * math.pi * 4)) for i in range(25)]
        pen.line(pts, LINE * 0.8, fill=WHITE)


def _sparkles(pen: Pen, cx: float, cy: float, r: float) -> None:
    for x, y, s in ((0.84, 0.14, 0.075), (0.14, 0.18, 0.055), (0.9, 0.42, 0.045), (0.1, 0.5, 0.04)):
        pen.shape(star_points(x, y, s, 4, 0.35), GOLD, LINE * 0.6)


def _star(pen: Pen, cx: float, cy: float, r: float) -> None:
    pen.shape(star_points(0.82, 0.17, 0.11), GOLD, LINE * 0.8)
    for a in (20, 60, 100):
        p = arc_points(0.82, 0.17, 0.145, a - 60, a - 60, 1)[0]
        q = arc_points(0.82, 0.17, 0.175, a - 60, a - 60, 1)[0]
        pen.line([p, q], LINE * 0.6, fill=WHITE)


def _rainbow(pen: Pen, cx: float, cy: float, r: float) -> None:
    for rad, col in ((0.15, (238, 70, 70)), (0.12, (255, 200, 48)), (0.09, (60, 150, 235))):
        pen.line(arc_points(0.8, 0.27, rad, 0, 180), 0.028, fill=col)
    for x in (0.65, 0.95):
        pen.ellipse((x, 0.27), 0.05, 0.03, WHITE, LINE * 0.5)


def _shield(pen: Pen, cx: float, cy: float, r: float) -> None:
    x, y, s = 0.8, 0.66, 0.15
    pts = (
        [(x - s, y - s), (x, y - s * 1.2), (x + s, y - s)]
        + bezier((x + s, y - s), (x + s, y + s * 0.7), (x, y + s * 1.3))[1:]
        + bezier((x, y + s * 1.3), (x - s, y + s * 0.7), (x - s, y - s))[1:-1]
    )
    pen.shape(pts, WHITE)
    _heart(pen, (x, y), s * 0.55)


def _heart(pen: Pen, c: Point, s: float) -> None:
    x, y = c
    pts = (
        arc_points(x - s * 0.5, y - s * 0.2, s * 0.5, 0, 200, 16)
        + [(x, y + s * 0.95)]
        + arc_points(x + s * 0.5, y - s * 0.2, s * 0.5, -20, 180, 16)
    )
    pen.shape(pts, HEART, LINE * 0.6)


def _thumb(pen: Pen, cx: float, cy: float, r: float) -> None:
    x, y = 0.8, 0.7
    pen.rounded((x - 0.03, y - 0.21, x + 0.06, y + 0.02), 0.045, SKIN)  # thumb up
    pen.rounded((x - 0.1, y - 0.06, x + 0.1, y + 0.16), 0.05, SKIN)  # fist
    for k in range(3):
        fy = y - 0.005 + k * 0.05
        pen.line([(x + 0.03, fy), (x + 0.1, fy)], LINE * 0.7)


def _zzz(pen: Pen, cx: float, cy: float, r: float) -> None:
    for x, y, s in ((0.72, 0.22, 0.05), (0.82, 0.14, 0.065), (0.93, 0.05, 0.04)):
        pen.line(
            [(x - s, y - s), (x + s, y - s), (x - s, y + s), (x + s, y + s)], LINE * 0.9, fill=WHITE
        )


def _clock(pen: Pen, cx: float, cy: float, r: float) -> None:
    c = (0.84, 0.17)
    pen.ellipse(c, 0.12, 0.12, WHITE)
    for a in range(0, 360, 90):
        p, q = arc_points(*c, 0.095, a, a, 1)[0], arc_points(*c, 0.075, a, a, 1)[0]
        pen.line([p, q], LINE * 0.5)
    pen.line([c, (c[0], c[1] - 0.07)], LINE * 0.8)
    pen.line([c, (c[0] + 0.05, c[1] + 0.02)], LINE * 0.8)


def _question(pen: Pen, cx: float, cy: float, r: float) -> None:
    x, y = 0.84, 0.16
    hook = arc_points(x, y, 0.065, 160, -60, 20)
    end = hook[-1]
    pen.line(
        hook + [(end[0] - 0.035, end[1] + 0.035), (x, y + 0.1), (x, y + 0.13)], 0.045, fill=WHITE
    )
    pen.line(hook + [(end[0] - 0.035, end[1] + 0.035), (x, y + 0.1), (x, y + 0.13)], 0.022)
    pen.dot((x, y + 0.205), 0.03, WHITE)
    pen.dot((x, y + 0.205), 0.017, INK)


def _puffs(
    pen: Pen, circles: Sequence[tuple[float, float, float]], fill: RGB, width: float
) -> None:
    """Overlapping circles with one outline round the lot: clouds and steam."""
    for x, y, r in circles:
        pen.dot((x, y), r + width / 2, INK)
    for x, y, r in circles:
        pen.dot((x, y), r - width / 2, fill)


def _rain(pen: Pen, cx: float, cy: float, r: float) -> None:
    x, y = 0.8, 0.14
    for k, dx in enumerate((-0.06, 0.0, 0.06)):
        d = 0.025 * (k % 2)
        pen.line([(x + dx, y + 0.1 + d), (x + dx - 0.018, y + 0.15 + d)], LINE * 0.9, fill=WHITE)
    _puffs(
        pen,
        (
            (x - 0.07, y + 0.02, 0.045),
            (x, y - 0.015, 0.065),
            (x + 0.07, y + 0.02, 0.045),
            (x - 0.03, y + 0.035, 0.04),
            (x + 0.03, y + 0.035, 0.04),
        ),
        CLOUD,
        LINE * 0.8,
    )


def _friend(pen: Pen, cx: float, cy: float, r: float) -> None:
    """An empty, dashed outline where a friend could be."""
    fx, fy, fr = 0.84, 0.46, 0.1
    for a in range(0, 360, 30):
        pen.line(arc_points(fx, fy, fr, a, a + 15, 4), LINE * 0.7, fill=WHITE)
    body = bezier((fx - 0.13, 0.82), (fx, 0.44), (fx + 0.13, 0.82), 24)
    for i in range(0, 24, 4):
        pen.line(body[i : i + 3], LINE * 0.7, fill=WHITE)


def _steam(pen: Pen, cx: float, cy: float, r: float) -> None:
    for side in (-1, 1):
        x, y = cx + side * (r + 0.02), cy - r * 0.9
        _puffs(
            pen,
            (
                (x, y, 0.035),
                (x + side * 0.05, y - 0.045, 0.045),
                (x + side * 0.11, y - 0.09, 0.055),
            ),
            WHITE,
            LINE * 0.6,
        )


def _scribble(pen: Pen, cx: float, cy: float, r: float) -> None:
    x, y = 0.8, 0.16
    pts = [
        (
            x + 0.1 * math.cos(t * 0.5) + 0.04 * math.cos(t * 3.1),
            y + 0.055 * math.sin(t * 0.5) + 0.04 * math.sin(t * 3.1),
        )
        for t in (i * 0.1 for i in range(126))
    ]
    pen.line(pts, LINE * 0.7)


def _warning(pen: Pen, cx: float, cy: float, r: float) -> None:
    x, y, s = 0.82, 0.19, 0.15
    pen.shape([(x, y - s), (x + s * 1.05, y + s * 0.8), (x - s * 1.05, y + s * 0.8)], GOLD)
    pen.line([(x, y - s * 0.4), (x, y + s * 0.25)], 0.032)
    pen.dot((x, y + s * 0.55), 0.02, INK)


def _hand(pen: Pen, cx: float, cy: float, r: float) -> None:
    """A hand held high, with movement lines: "over here, now"."""
    x, y = 0.83, 0.36
    for k, (dx, h) in enumerate(((-0.06, 0.15), (-0.02, 0.19), (0.02, 0.2), (0.06, 0.16))):
        pen.rounded((x + dx - 0.022, y - h, x + dx + 0.022, y), 0.022, SKIN, LINE * 0.7)
    pen.rounded((x - 0.085, y - 0.06, x + 0.085, y + 0.12), 0.06, SKIN, LINE * 0.7)
    pen.rounded((x - 0.13, y - 0.02, x - 0.06, y + 0.04), 0.03, SKIN, LINE * 0.7)  # thumb
    pen.d.rectangle((*pen.pt((x - 0.07, y - 0.04)), *pen.pt((x + 0.07, y + 0.03))), fill=SKIN)
    pen.line([(x - 0.03, y + 0.12), (x - 0.04, y + 0.25)], LINE * 0.8)  # arm
    pen.line([(x + 0.04, y + 0.12), (x + 0.03, y + 0.25)], LINE * 0.8)
    pen.d.rectangle((*pen.pt((x - 0.025, y + 0.1)), *pen.pt((x + 0.025, y + 0.24))), fill=SKIN)
    for a in (0, 1):
        pen.line(arc_points(x, y - 0.08, 0.2 + a * 0.04, 30, 60, 8), LINE * 0.7, fill=WHITE)
        pen.line(arc_points(x, y - 0.08, 0.2 + a * 0.04, 120, 150, 8), LINE * 0.7, fill=WHITE)


def _dots(pen: Pen, cx: float, cy: float, r: float) -> None:
    pen.ellipse((0.8, 0.17), 0.14, 0.1, WHITE)
    pen.ellipse((0.68, 0.32), 0.028, 0.028, WHITE, LINE * 0.6)
    pen.ellipse((0.645, 0.37), 0.016, 0.016, WHITE, LINE * 0.5)
    for dx in (-0.06, 0.0, 0.06):
        pen.dot((0.8 + dx, 0.17), 0.018, INK)


_PROPS = {
    "waves": _waves,
    "sparkles": _sparkles,
    "star": _star,
    "rainbow": _rainbow,
    "shield": _shield,
    "thumb": _thumb,
    "zzz": _zzz,
    "clock": _clock,
    "question": _question,
    "rain": _rain,
    "friend": _friend,
    "steam": _steam,
    "scribble": _scribble,
    "warning": _warning,
    "hand": _hand,
    "dots": _dots,
}
_BEHIND = {"friend", "hand"}  # drawn before the head, so the head overlaps them
PROPS = frozenset(_PROPS) | {"none"}
