"""Booklet photos: JPEG, PNG, WebP and HEIC come out upright, at most 1600 px, as a
JPEG with no metadata at all; anything else is refused with a plain message."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from cards.photos import PhotoError, clean_booklet_photo
from tests.support.photos import _exif, assert_bare_jpeg, photo_with_everything


def _saved(fmt: str, size: tuple[int, int] = (400, 300)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 60))
    image.paste((20, 40, 200), (0, 0, size[0] // 2, size[1] // 4))
    out = io.BytesIO()
    image.save(out, format=fmt, exif=_exif().tobytes())
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["WEBP", "HEIF"])
def test_webp_and_heic_are_cleaned_and_turned(fmt: str) -> None:
    raw = _saved(fmt)
    assert b"SpyPhone" in raw or fmt == "HEIF"  # the EXIF went in
    cleaned = clean_booklet_photo(io.BytesIO(raw))
    assert (cleaned.width, cleaned.height) == (300, 400)  # orientation 6 applied
    assert_bare_jpeg(cleaned.jpeg)


def test_a_big_photo_comes_out_at_most_1600_px() -> None:
    cleaned = clean_booklet_photo(io.BytesIO(photo_with_everything(size=(4000, 3000))))
    assert (cleaned.width, cleaned.height) == (1200, 1600)
    assert_bare_jpeg(cleaned.jpeg)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\0" * 100, "not a photo"),  # a format we do not take
        (b"plain text, not a photo\n" * 10, "not a photo"),
        (photo_with_everything()[:1500], "broken"),
    ],
)
def test_what_is_not_a_usable_photo_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(PhotoError, match=message):
        clean_booklet_photo(io.BytesIO(data))
