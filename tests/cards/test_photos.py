"""Uploaded photos are re-encoded with every piece of metadata removed."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from cards.photos import PhotoError, clean_photo
from tests.support.photos import SECRET_PLACE, XMP, assert_bare_jpeg, photo_with_everything


def test_the_test_photo_really_carries_metadata() -> None:
    # Otherwise the tests below would prove nothing.
    raw = photo_with_everything()
    with Image.open(io.BytesIO(raw)) as image:
        exif = image.getexif()
        assert exif[ExifTags.Base.Make] == "SpyPhone"
        assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
        assert image.info["comment"] == SECRET_PLACE.encode()
        assert "icc_profile" in image.info
    assert XMP in raw


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_every_piece_of_metadata_is_gone(fmt: str) -> None:
    cleaned = clean_photo(photo_with_everything(fmt))
    assert_bare_jpeg(cleaned)


def test_the_photo_is_turned_the_way_the_camera_meant_and_kept_small() -> None:
    cleaned = clean_photo(photo_with_everything(size=(400, 300)))
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (300, 400)  # orientation 6 applied before EXIF went
    big = clean_photo(photo_with_everything(size=(3000, 2000)), max_side=1280)
    with Image.open(io.BytesIO(big)) as image:
        assert max(image.size) == 1280


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 not a photo", "not a photo"),
        (photo_with_everything()[:200], "not a photo"),  # cut off half-way
        (b"\0" * (10 * 1024 * 1024 + 1), "too big"),
    ],
)
def test_what_is_not_a_usable_photo_is_refused_plainly(data: bytes, message: str) -> None:
    with pytest.raises(PhotoError, match=message):
        clean_photo(data)


def test_a_decompression_bomb_is_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # tiny file, 400 million pixels
    with pytest.raises(PhotoError):
        clean_photo(out.getvalue())
