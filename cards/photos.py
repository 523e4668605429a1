"""Photos people upload, made safe to keep and to show.

A photo from a phone carries more than pixels: EXIF (camera, time, often GPS — where
a placement is), XMP, ICC profiles, comments, thumbnails. We decode it, turn it the
way the camera meant (EXIF orientation), copy the pixels alone into a brand-new image
and encode that as a JPEG. Nothing from the original file but the picture survives.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

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
