"""The lead's one-page PDF for a board pack: read back as text, drawn as a picture,
small numbers hidden; and a kind answer when the server cannot make PDFs."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from domain.runtime import Runtime
from tests.support.people import Cast
from tests.web.kpi_support import NATIONAL, add_counts, signed_in
from web import pdf

pytestmark = pytest.mark.skipif(pdf.missing() is not None,
                                reason=f"PDFs cannot be made here: {pdf.missing()}")


def pdf_text(data: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def to_png(data: bytes, out: Path) -> Path:
    """The first page as a PNG (poppler's pdftoppm), to look at."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = out.with_suffix(".pdf")
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(source),
                    str(out.with_suffix(""))], check=True, timeout=120)
    return out.with_suffix(".png")


async def test_the_lead_pdf_is_one_page_with_the_figures_and_no_small_numbers(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock, tmp_path: Path
) -> None:
    north = await add_counts(runtime, "North", "2026-10", "listened:keyworker", NATIONAL)
    await add_counts(runtime, "North", "2026-11", "listened:camhs", {"mostly": 3})
    await add_counts(runtime, "North", "2026-10", "satisfaction", {"good": 20, "bad": 10})
    lee = await signed_in(client, runtime, clock, service=cast.service_name,
                          email="lee@north.example", role="lead")
    await lee.get(f"/staff/services/{north}/kpi")
    assert f"/staff/services/{north}/kpi.pdf" in lee.html
    async with client.get(f"/staff/services/{north}/kpi.pdf") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/pdf"
        data = await resp.read()
    assert data.startswith(b"%PDF")
    if Path("/tmp/kpi").is_dir():
        Path("/tmp/kpi/kpi-lead.pdf").write_bytes(data)
    pages, text = pdf_text(data)
    assert pages == 1
    assert "Felt listened to: North" in text
    assert "85%" in text and "National: 84%" in text and "67%" in text
    assert "fewer than 5" in text and "Nov 2026" in text
    png = to_png(data, tmp_path / "kpi")
    assert png.stat().st_size > 10_000
    from PIL import Image

    with Image.open(png) as picture:
        assert picture.height > picture.width  # A4 portrait
        # Not blank: the chart's blue line is drawn.
        colours = picture.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert any(abs(r - 0x0b) < 30 and abs(g - 0x3d) < 30 and abs(b - 0x91) < 30
                   for _n, (r, g, b) in colours)


async def test_without_pango_staff_get_a_kind_page(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    north = await add_counts(runtime, "North", "2026-10", "listened:keyworker", NATIONAL)
    lee = await signed_in(client, runtime, clock, service=cast.service_name,
                          email="lee@north.example", role="lead")

    def no_pango() -> None:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "_import_weasyprint", no_pango)
    await lee.get(f"/staff/services/{north}/kpi.pdf")
    assert lee.status == 503
    assert "cannot make PDFs yet" in lee.text and "Pango" in lee.text
    assert "CSV" in lee.text
