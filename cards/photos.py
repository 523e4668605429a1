"""Photos people upload, made safe to keep and to show.

A photo from a phone carries more than pixels: EXIF (camera, time, often GPS — where
a placement is), XMP, ICC profiles, comments, thumbnails. We decode it, turn it the
way the camera meant (EXIF orientation), copy the pixels alone into a brand-new image
and encode that as a JPEG. Nothing from the original file but the picture survives.
"""

from __future__ import annotations

import io
import warnings
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from core.i18n import N_

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1280  # big enough for a face on a phone, small enough for Telegram and the web
# Refuse images that would decode to more pixels than a camera makes (decompression bombs).
MAX_PIXELS = 50_000_000


class PhotoError(ValueError):
    """The upload is not a photo we can use; the message says why, plainly."""


def clean_photo(data: bytes, *, max_side: int = MAX_SIDE) -> bytes:
    """A re-encoded JPEG of ``data`` with every piece of metadata gone."""
    if not data:
        raise PhotoError("the photo file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError("the photo is too big (at most 10 MB)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as original:
                if original.width * original.height > MAX_PIXELS:
                    raise PhotoError("the photo has too many pixels")
                original.load()
                upright = ImageOps.exif_transpose(original) or original
                rgb = upright.convert("RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, SyntaxError):
        raise PhotoError("that file is not a photo we can read (use a JPEG or PNG)") from None
    rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # A new image from raw pixels has an empty .info: no EXIF, XMP, ICC or comment can
    # ride along into the saved file.
    bare = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


# -- booklet photos: bigger uploads, streamed to a temporary file ----------------------

BOOKLET_MAX_BYTES = 15 * 1024 * 1024
BOOKLET_MAX_SIDE = 1600

try:  # HEIC (iPhone photos) when the well-kept decoder is installed.
    from pillow_heif import register_heif_opener

    register_heif_opener(thumbnails=False)
    HEIC = True
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    HEIC = False

BOOKLET_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF") if HEIC else ("JPEG", "PNG", "WEBP")


_SRGB = None


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """The colours in sRGB, so the ICC profile is not needed and can go too: a phone's
    wide-gamut (Display P3) photo keeps its colours without carrying a profile."""
    global _SRGB
    if not icc:
        return image
    from PIL import ImageCms

    try:
        if _SRGB is None:
            _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB") or image
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: the pixels as they are


class CleanPhoto:
    __slots__ = ("height", "jpeg", "width")

    def __init__(self, jpeg: bytes, width: int, height: int) -> None:
        self.jpeg, self.width, self.height = jpeg, width, height


def clean_booklet_photo(source: IO[bytes], *, max_side: int = BOOKLET_MAX_SIDE) -> CleanPhoto:
    """A re-encoded JPEG (at most ``max_side`` px, upright, no metadata at all) of the
    photo in ``source`` (a file, already size-checked by the caller's streaming reader).

    Refuses, with a plain message, what is not a JPEG/PNG/WebP/HEIC photo, a
    decompression bomb, and a broken or cut-off file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source, formats=BOOKLET_FORMATS) as original:
                if original.width * original.height > MAX_PIXELS:
                    raise PhotoError(_TOO_MANY)
                if original.format == "JPEG":
                    # Let the decoder scale down by 1/2, 1/4 or 1/8 while decoding (never
                    # below the final size): far less work and memory for a 12-megapixel
                    # photo, the same result.
                    scale = max_side / max(original.size)
                    if scale < 1:
                        original.draft("RGB", (int(original.width * scale),
                                               int(original.height * scale)))
                original.load()
                # Turned in place and converted only when needed: a 12-megapixel photo
                # is not copied whole again and again.
                ImageOps.exif_transpose(original, in_place=True)
                rgb = original if original.mode == "RGB" else original.convert("RGB")
                # Bicubic: as sharp as Lanczos to the eye for the small step left after
                # the decoder's scaling, at half the cost (bench/booklet.py).
                rgb.thumbnail((max_side, max_side), Image.Resampling.BICUBIC)
                rgb = _to_srgb(rgb, original.info.get("icc_profile"))
                # Pixels alone into a brand-new image: its .info is empty, so no EXIF,
                # GPS, XMP, IPTC, ICC profile or JPEG comment can ride along.
                bare = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_TOO_MANY) from None
    except UnidentifiedImageError:
        raise PhotoError(_NOT_A_PHOTO) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise PhotoError(_BROKEN) from None
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=85)
    return CleanPhoto(out.getvalue(), bare.width, bare.height)


_TOO_MANY = N_("That picture is far too large to open safely (too many pixels).")
_NOT_A_PHOTO = N_("That file is not a photo. Please use a JPEG, PNG, WebP or HEIC photo.")
_BROKEN = N_("That photo is broken or only partly there. Please try another copy.")
