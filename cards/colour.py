"""Colour arithmetic for the cards: WCAG contrast and the tints used for "a little"."""

from __future__ import annotations

RGB = tuple[int, int, int]

# Label inks. Near-black rather than pure black: softer on a bright ground, still >= 4.5:1.
DARK_INK: RGB = (31, 28, 46)
LIGHT_INK: RGB = (255, 255, 255)


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: RGB) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    r, g, b = (_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(rgb1: RGB, rgb2: RGB) -> float:
    """WCAG 2 contrast ratio, 1.0 (same) to 21.0 (black on white); order does not matter."""
    l1, l2 = sorted((relative_luminance(rgb1), relative_luminance(rgb2)), reverse=True)
    return (l1 + 0.05) / (l2 + 0.05)


def label_ink(ground: RGB) -> RGB:
    """Whichever of the two inks reads better on this ground."""
    return max((DARK_INK, LIGHT_INK), key=lambda ink: contrast_ratio(ink, ground))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """Blend from a (t=0) to b (t=1)."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def tint(rgb: RGB, amount: float = 0.55) -> RGB:
    """A paler version of a colour, toward white."""
    return mix(rgb, (255, 255, 255), amount)
