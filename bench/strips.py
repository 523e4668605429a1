"""How fast weekly mood strips are drawn, against the floor of merely encoding a PNG.

    python bench/strips.py [--n 1000] [--seed 7]

Data is random but shaped like real use: 0-4 check-ins a day, one card (sometimes two)
each, either strength, and a few "felt listened to" answers a week.
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

from cards.deck import DECK
from cards.strip import (
    LISTENED_ANSWERS,
    StripCheckIn,
    StripListened,
    draw_week_strip,
    render_week_strip,
)

TZ = ZoneInfo("Europe/London")
FIRST_WEEK = date(2026, 8, 3)  # twelve weeks from here span the October clock change


def random_week(rng: random.Random) -> tuple[date, list[StripCheckIn], list[StripListened]]:
    start = FIRST_WEEK + timedelta(weeks=rng.randrange(12))
    midnight = datetime.combine(start, datetime.min.time(), UTC)
    checkins = []
    for day in range(7):
        for _ in range(rng.randint(0, 4)):
            at = midnight + timedelta(days=day, minutes=rng.randrange(7 * 60, 24 * 60))
            cards = tuple(rng.sample([c.id for c in DECK], 2 if rng.random() < 0.2 else 1))
            checkins.append(StripCheckIn(at, cards, rng.choice(("a_little", "a_lot"))))
    listened = [
        StripListened(
            midnight + timedelta(days=rng.randrange(7), hours=rng.randrange(8, 22)),
            rng.choice(LISTENED_ANSWERS),
        )
        for _ in range(rng.randint(0, 3))
    ]
    return start, checkins, listened


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def encode(im: Image.Image, **options: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", **options)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    weeks = [random_week(rng) for _ in range(args.n)]

    # Warm up: first use builds the palette, card pictures and glyph caches.
    start, checkins, listened = weeks[0]
    render_week_strip(
        week_start=start, checkins=checkins, listened=listened, tz=TZ, locale="en_GB", title="Sam"
    )

    times, sizes = [], []
    t_all = time.perf_counter()
    for start, checkins, listened in weeks:
        t = time.perf_counter()
        png = render_week_strip(
            week_start=start,
            checkins=checkins,
            listened=listened,
            tz=TZ,
            locale="en_GB",
            title="Sam",
        )
        times.append(time.perf_counter() - t)
        sizes.append(len(png))
    elapsed = time.perf_counter() - t_all

    # The floor: Pillow only encoding a blank image of a typical strip's size, in the
    # same run. Once with Pillow's defaults (24-bit), once as our strips are written.
    size = draw_week_strip(
        week_start=weeks[0][0], checkins=weeks[0][1], listened=weeks[0][2], tz=TZ, locale="en_GB"
    ).size
    floor_rgb, floor_p = [], []
    blank = Image.new("RGB", size, (255, 255, 255))
    blank_p = blank.convert("P")
    for _ in range(min(args.n, 300)):
        t = time.perf_counter()
        encode(blank)
        floor_rgb.append(time.perf_counter() - t)
        t = time.perf_counter()
        encode(blank_p, compress_level=1)
        floor_p.append(time.perf_counter() - t)

    ms = [t * 1000 for t in times]
    p50, p99 = statistics.median(ms), percentile(ms, 0.99)
    f_rgb, f_p = statistics.median(floor_rgb) * 1000, statistics.median(floor_p) * 1000
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(
        f"strips: n={args.n}  p50 {p50:.2f} ms  p99 {p99:.2f} ms  mean {statistics.fmean(ms):.2f} ms"
    )
    print(f"throughput: {args.n / elapsed:.0f} strips/s (one process, one thread)")
    print(
        f"strip png: {size[0]} px wide ({size[1]} px tall for the first week), median {statistics.median(sizes) / 1024:.1f} KiB"
    )
    print(f"floor, blank PNG same size, Pillow defaults (RGB, level 6): median {f_rgb:.2f} ms")
    print(
        f"floor, blank PNG same size, as strips are written (8-bit, level 1): median {f_p:.2f} ms"
    )
    print(
        f"ratio strip p50 / floor: {p50 / f_rgb:.2f}x Pillow defaults, {p50 / f_p:.2f}x same settings"
    )
    print(f"peak RSS: {rss_mb:.1f} MiB")


if __name__ == "__main__":
    main()
