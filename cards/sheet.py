"""Placeholder card sheet until the illustrated deck lands."""
from __future__ import annotations
import io
from PIL import Image, ImageDraw
def sheet_png(card_ids, selected=()):
    img = Image.new("RGB", (400, 300), "white"); d = ImageDraw.Draw(img)
    for i, c in enumerate(card_ids): d.text((10 + (i % 4) * 95, 10 + (i // 4) * 55), f"{i+1} {c}", fill="black")
    buf = io.BytesIO(); img.save(buf, "PNG"); return buf.getvalue()
