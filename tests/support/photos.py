"""Photos that carry everything a phone can put in one: EXIF (with GPS), XMP, an ICC
profile and a comment, and a way to list the segments a JPEG really holds."""

from __future__ import annotations

import io

from PIL import ExifTags, Image, ImageCms

SECRET_PLACE = "Secret Place Children's Home"
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
       b'02/22-rdf-syntax-ns#"><rdf:Description xmlns:photoshop="http://ns.adobe.com/'
       b'photoshop/1.0/" photoshop:City="Secretville"/></rdf:RDF></x:xmpmeta>')


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyPhone"
    exif[ExifTags.Base.ImageDescription] = SECRET_PLACE
    exif[ExifTags.Base.Orientation] = 6  # the camera was turned: rotate 90 degrees
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (0.0, 7.0, 40.0),
    }
    return exif


def photo_with_everything(fmt: str = "JPEG", size: tuple[int, int] = (400, 300)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 60))
    image.paste((20, 40, 200), (0, 0, size[0] // 2, size[1] // 4))  # to see the turn
    out = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    if fmt == "JPEG":
        image.save(out, "JPEG", exif=_exif().tobytes(), xmp=XMP, icc_profile=icc,
                   comment=SECRET_PLACE.encode())
    else:
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_text("Location", SECRET_PLACE)
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        image.save(out, "PNG", pnginfo=info, exif=_exif().tobytes(), icc_profile=icc)
    return out.getvalue()


def jpeg_segments(data: bytes) -> list[int]:
    """The marker of every segment before the image data (APPn, COM, DQT, SOF...)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: pixels follow
            break
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        markers.append(marker)
        pos += 2 + length
    return markers


def assert_bare_jpeg(data: bytes) -> None:
    """Nothing but pixels: no APP1 (EXIF/XMP), APP2 (ICC), APP13 (IPTC) or COM segment,
    and none of the secrets anywhere in the bytes."""
    segments = jpeg_segments(data)
    forbidden = {0xE1, 0xE2, 0xED, 0xFE} & set(segments)
    assert not forbidden, f"metadata segments left: {sorted(hex(m) for m in forbidden)}"
    for secret in (SECRET_PLACE.encode(), b"SpyPhone", b"Secretville", b"Exif",
                   b"http://ns.adobe.com", b"GPS"):
        assert secret not in data, secret
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
