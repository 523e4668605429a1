"""Benchmark: publish a 12-section welcome booklet with 30 photos (12-megapixel JPEGs
with EXIF and GPS, made here) and render its PDF, against the floor: Pillow alone
decoding and re-encoding the same 30 photos.

Heard's part runs what placement staff cause: each photo read from a file as the
streaming upload leaves it, cleaned (``cards.photos.clean_booklet_photo``: upright,
at most 1600 px, every piece of metadata gone) and stored, the text of 12 sections
(the ten sections and two more with the same kinds' text in another version),
publish, then the young person's PDF from the same templates (WeasyPrint).
The floor: ``Image.open``, ``load()`` (a full decode) and ``save`` as JPEG, for each
photo, nothing else. Each part runs in a process of its own, which reports its own
seconds and peak resident memory (VmHWM from /proc/self/status).

    python bench/booklet.py [--photos 30] [--megapixels 12]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECTION_TEXT = ("Your room has a big window and a desk. You can put up your own posters. "
                "There is a lamp, a wardrobe and a lock on the door.\n\n") * 3


def peak_mb() -> float:
    found = re.search(r"^VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(found.group(1)) / 1024 if found else float("nan")


def make_photos(folder: Path, count: int, megapixels: int) -> list[Path]:
    """Camera-like JPEGs: smooth gradients with sensor noise, EXIF with GPS, a comment."""
    from PIL import ExifTags, Image

    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    height = megapixels * 1_000_000 // width
    gradient = Image.linear_gradient("L").resize((width, height))
    paths = []
    for n in range(count):
        noise = Image.effect_noise((width, height), 12 + n % 7)
        image = Image.merge("RGB", (gradient, noise, gradient.rotate(180)))
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "BenchPhone"
        exif[ExifTags.Base.Orientation] = 6 if n % 3 == 0 else 1
        exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N",
                                      ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.5)}
        path = folder / f"photo-{n:02}.jpg"
        image.save(path, "JPEG", quality=92, exif=exif.tobytes(), comment=b"Bench House")
        paths.append(path)
    return paths


def floor(paths: list[Path]) -> dict[str, float]:
    from PIL import Image

    started, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        with Image.open(path) as image:
            image.load()
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "peak_mb": peak_mb()}


async def heard(paths: list[Path], workdir: Path) -> dict[str, float]:
    import logging

    from core.clock import FrozenClock
    from core.config import Settings
    from domain.runtime import Runtime
    from cards.photos import clean_booklet_photo
    from domain import admin
    from domain import booklets
    from storage.models import Placement, PlacementPhoto, PlacementStaff, Staff
    from web.next_home_routes import booklet_pdf

    logging.basicConfig(level=logging.ERROR)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{workdir}/heard.db",
                        master_key_file=workdir / "master.key", bot_token=None,
                        _env_file=None)  # type: ignore[call-arg]
    runtime = await Runtime.open(settings, clock=FrozenClock(datetime(2026, 11, 23, 12,
                                                                      tzinfo=UTC)))
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        await admin.create_service(session, name="Bench", timezone="Europe/London", now=now)
        made = await admin.create_staff(session, service_name="Bench", name="Pat Lee",
                                        email="pat@bench.example", role="placement", now=now,
                                        bot_username=None)
    started, cpu = time.perf_counter(), time.process_time()
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, str(made["staff_id"]))
        assert staff is not None
        placement = Placement(service_id=staff.service_id, name="Bench House",
                              kind="Children's home", description="", created_at=now,
                              updated_at=now)
        session.add(placement)
        await session.flush()
        session.add(PlacementStaff(placement_id=placement.id, staff_id=staff.id))
        draft = await booklets.ensure_draft(session, placement, staff, now)
        sections = await booklets.sections(session, draft.id)
        # Twelve sections: the ten, and two more added to the draft.
        from storage.models import BookletSection

        for n, kind in enumerate(("house", "area")):
            session.add(BookletSection(version_id=draft.id, kind=kind, position=10 + n, body=""))
        await session.flush()
        sections = await booklets.sections(session, draft.id)
        assert len(sections) == 12
        for section in sections:
            await booklets.save_section(session, placement, section.id, SECTION_TEXT, now)
    for n, path in enumerate(paths):  # one upload = one request = one transaction
        with path.open("rb") as upload:
            photo = clean_booklet_photo(upload)
        async with runtime.db.transaction() as session:
            placement = await session.get(Placement, placement.id)
            staff = await session.get(Staff, str(made["staff_id"]))
            assert placement is not None and staff is not None
            await booklets.add_photo(session, placement, sections[n % 12].id, photo,
                                     alt=f"Photo {n + 1}", caption="", by=staff, now=now)
    async with runtime.db.transaction() as session:
        placement = await session.get(Placement, placement.id)
        staff = await session.get(Staff, str(made["staff_id"]))
        assert placement is not None and staff is not None
        await booklets.publish(session, placement, staff, now)
    published = time.perf_counter() - started
    async with runtime.db.transaction() as session:
        pages = await booklets.young_person_pages(session, placement.id)
        ids = [p.photo_id for page in pages for p in page.photos]
        from sqlalchemy import select

        jpegs = {r.id: r.jpeg for r in (await session.scalars(
            select(PlacementPhoto).where(PlacementPhoto.id.in_(ids))))}
    pdf = await booklet_pdf("Bench House", pages, jpegs)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    await runtime.close()
    (workdir / "booklet.pdf").write_bytes(pdf)
    return {"seconds": total, "cpu": cpu, "publish_seconds": published, "pdf_seconds": total - published,
            "pdf_kb": len(pdf) / 1024, "pages": len(pages), "peak_mb": peak_mb()}


def run_part(part: str, folder: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--part", part, "--folder", str(folder)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=30)
    parser.add_argument("--megapixels", type=int, default=12)
    parser.add_argument("--part", choices=("heard", "floor"))
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.part:
        folder = Path(args.folder)
        paths = sorted(folder.glob("photo-*.jpg"))
        if args.part == "floor":
            result = floor(paths)
        else:
            work = Path(tempfile.mkdtemp(prefix="heard-booklet-bench-"))
            result = asyncio.run(heard(paths, work))
            result["pdf"] = str(work / "booklet.pdf")  # type: ignore[assignment]
        print(json.dumps(result))
        return
    folder = Path(tempfile.mkdtemp(prefix="heard-booklet-photos-"))
    started = time.perf_counter()
    paths = make_photos(folder, args.photos, args.megapixels)
    size = sum(p.stat().st_size for p in paths) / 2**20
    print(f"made {len(paths)} photos of {args.megapixels} MP ({size:.0f} MB in all) "
          f"in {time.perf_counter() - started:.1f} s")
    base = run_part("floor", folder)
    ours = run_part("heard", folder)
    print(f"floor (Pillow decode + re-encode): {base['seconds']:.2f} s "
          f"(CPU {base['cpu']:.2f} s), "
          f"peak RSS {base['peak_mb']:.0f} MB")
    print(f"Heard (clean, store, publish 12 sections, PDF): {ours['seconds']:.2f} s "
          f"(CPU {ours['cpu']:.2f} s) "
          f"(publish {ours['publish_seconds']:.2f} s, PDF {ours['pdf_seconds']:.2f} s, "
          f"{ours['pages']:.0f} pages, {ours['pdf_kb']:.0f} kB), peak RSS {ours['peak_mb']:.0f} MB")
    print(f"ratio: {ours['seconds'] / base['seconds']:.2f}x the floor "
          f"(CPU {ours['cpu'] / base['cpu']:.2f}x) "
          f"(target within 1.5x, peak RSS under 400 MB)")
    print(f"PDF kept at {ours['pdf']}")


if __name__ == "__main__":
    main()
