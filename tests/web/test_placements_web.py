"""Placement staff make the welcome booklet on the desk; a keyworker plans a move; the
young person reads only the published version on the web, asks a question, and gets
the answer; the PDF has the pages, the text, and photos without metadata."""

from __future__ import annotations

import io
import re
import struct
import zlib

from aiohttp.test_utils import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from domain.runtime import Runtime
from storage.models import AuditEntry, PlacementMove, PlacementPhoto
from tests.support.placements import new_placement, placement_staff_at_desk, sections, upload, write
from tests.support.desk import StaffAtDesk, first_password
from tests.support.people import Cast
from tests.support.photos import assert_bare_jpeg, photo_with_everything
from tests.support.web_client import WebPerson


def png_header_claiming(width: int, height: int) -> bytes:
    """A valid PNG start whose header says width x height, then a tiny compressed body:
    a decompression bomb's shape (a few hundred bytes that would decode to 30 GB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b""))


async def photo_count(runtime: Runtime) -> int:
    async with runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(PlacementPhoto)) or 0)


async def test_photos_are_cleaned_and_bad_files_refused(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    pat = await placement_staff_at_desk(client, runtime, cast)
    pid = await new_placement(pat)

    await upload(pat, pid, "Your bedroom", photo_with_everything(size=(2400, 1800)))
    assert pat.status == 200 and "Photo added" in pat.text, pat.text
    src = re.search(rf'src="(/staff/placements/{pid}/photos/[0-9a-f]+)"', pat.html)
    assert src is not None
    async with client.get(src.group(1)) as resp:
        served = await resp.read()
    assert_bare_jpeg(served)  # no EXIF, GPS, XMP, ICC, IPTC or JPEG comment
    from PIL import Image

    with Image.open(io.BytesIO(served)) as image:
        assert image.size == (1200, 1600)  # turned upright by its tag, at most 1600 px

    before = await photo_count(runtime)
    cases = [
        (png_header_claiming(100_000, 100_000), "bomb.png", "too many pixels"),
        (b"Dear diary, this is not a photo at all.\n" * 20, "notes.jpg", "not a photo"),
        (photo_with_everything()[:1500], "cut.jpg", "broken or only partly there"),
    ]
    for data, name, message in cases:
        await upload(pat, pid, "The house", data, filename=name)
        assert pat.status == 400 and message in pat.text, (name, pat.text)
        assert "Nothing was added" in pat.text
    await upload(pat, pid, "The house", photo_with_everything(), alt="")
    assert pat.status == 400 and "alt text" in pat.text
    await upload(pat, pid, "The house", b"x" * (15 * 1024 * 1024 + 10), filename="big.jpg")
    assert pat.status == 413 and "too big" in pat.text
    assert await photo_count(runtime) == before  # nothing stored

    # Without the token in the form's address, nothing is taken.
    async with client.post(f"/staff/placements/{pid}/sections/x/photos", data=b"") as resp:
        assert resp.status == 403


async def _keyworker(client: TestClient, runtime: Runtime, cast: Cast) -> StaffAtDesk:
    alex = StaffAtDesk(client)
    await alex.first_sign_in(cast.keyworker_email,
                             await first_password(runtime, cast.keyworker_email))
    return alex


async def test_draft_invisible_publish_question_answer_and_pdf(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    # Placement staff write a draft with a bedroom photo.
    pat = await placement_staff_at_desk(client, runtime, cast)
    pid = await new_placement(pat)
    await write(pat, pid, "Welcome", "Hello! We are glad you are coming.")
    await write(pat, pid, "Your bedroom", "Your room is upstairs. It gets the morning sun.")
    await write(pat, pid, "What to bring", "Your favourite things. We have towels.")
    await upload(pat, pid, "Your bedroom", photo_with_everything())
    staff_cookies = pat.client.session.cookie_jar
    saved = {c.key: c.value for c in staff_cookies}

    # The keyworker plans the move.
    staff_cookies.clear()
    alex = await _keyworker(client, runtime, cast)
    await alex.get(f"/staff/young-people/{cast.young_person_id}")
    options = dict(re.findall(r'<option value="([0-9a-f]{32})"[^>]*>([^<]+)</option>', alex.html))
    placement_option = next(k for k, v in options.items() if v == "Oak House")
    await alex.post(f"/staff/young-people/{cast.young_person_id}/move",
                    {"placement": placement_option, "date": "2026-12-01",
                     "note": "We'll visit on Tuesday", "to_keyworker": ""})
    assert "The move is planned" in alex.text, alex.text
    staff_cookies.clear()

    # Sam signs in on the web: the draft is not shown.
    sam = WebPerson(client)
    await sam.set_pin(str(cast.young_person_codes["web_link"]), "1357")
    await sam.get("/me")
    assert 'href="/me/next-home"' in sam.html
    await sam.get("/me/next-home")
    assert "still making their welcome booklet" in sam.text
    assert "morning sun" not in sam.text
    sam_cookies = {c.key: c.value for c in client.session.cookie_jar}

    # Publish: Sam sees it, bedroom first.
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(saved)
    await pat.get(f"/staff/placements/{pid}/preview")
    assert "Preview" in pat.text and "morning sun" in pat.text
    await pat.get(f"/staff/placements/{pid}")
    await pat.post(f"/staff/placements/{pid}/publish", {})
    assert "Published" in pat.text
    # A new draft change stays invisible until published again.
    await write(pat, pid, "Your bedroom", "CHANGED: not published yet.")

    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(sam_cookies)
    await sam.get("/me/next-home")
    assert "Your bedroom" in sam.text and "morning sun" in sam.text and "1 of 3" in sam.text
    assert "You are going to move to Oak House on Tuesday 1 December" in sam.text
    assert "Alex says: \u201cWe'll visit on Tuesday\u201d" in sam.text
    assert "CHANGED" not in sam.text
    photo = re.search(r'<img src="(/me/next-home/photos/[0-9a-f]+)" alt="A bed with a blue cover"',
                      sam.html)
    assert photo is not None
    async with client.get(photo.group(1)) as resp:
        assert resp.status == 200
        assert_bare_jpeg(await resp.read())
    await sam.get("/me/next-home?p=1")
    assert "What to bring" in sam.text and "2 of 3" in sam.text
    await sam.get("/me/next-home?p=2")
    assert "Welcome" in sam.text

    # The PDF: one page a section, the text, photos with no metadata.
    async with client.get("/me/next-home.pdf") as resp:
        assert resp.status == 200 and resp.content_type == "application/pdf"
        pdf = PdfReader(io.BytesIO(await resp.read()))
    assert len(pdf.pages) == 3
    assert "morning sun" in pdf.pages[0].extract_text()
    assert "towels" in pdf.pages[1].extract_text()
    images = [img for page in pdf.pages for img in page.images]
    assert images
    for img in images:
        assert b"Secret" not in img.data and b"GPS" not in img.data and b"Exif" not in img.data

    # Sam asks a question; Pat answers on the desk; Sam sees the answer.
    await sam.get("/me/next-home")
    await sam.post("/me/next-home/ask", {"question": "Can I bring my guitar?"})
    assert "Your question has been sent" in sam.text
    await sam.post("/me/next-home/visit", {})
    assert "We told your keyworker" in sam.text

    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(saved)
    await pat.get("/staff/placements")
    assert "Can I bring my guitar?" in pat.text
    qid = re.search(r'/staff/placements/questions/([0-9a-f]+)/answer', pat.html).group(1)  # type: ignore[union-attr]
    await pat.post(f"/staff/placements/questions/{qid}/answer", {"answer": "Yes! We love music."})
    assert "Answer sent" in pat.text

    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(sam_cookies)
    await sam.get("/me/next-home")
    assert "Yes! We love music." in sam.text

    async with runtime.db.transaction() as session:
        actions = set((await session.scalars(select(AuditEntry.action))).all())
        move = await session.scalar(select(PlacementMove))
    assert {"placement_move.planned", "placement_question.viewed", "booklet.published",
            "placement_visit.asked"} <= actions
    assert move is not None and b"Tuesday" not in (move.note_ct or b"")  # sealed

    # The keyworker cancels the move: the booklet is gone from Sam's side.
    client.session.cookie_jar.clear()
    alex = await _keyworker(client, runtime, cast)
    await alex.get(f"/staff/young-people/{cast.young_person_id}")
    assert "Moving to Oak House" in alex.text
    await alex.post(f"/staff/young-people/{cast.young_person_id}/move/cancel", {})
    assert "The move is cancelled" in alex.text
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(sam_cookies)
    await sam.get("/me/next-home")
    assert "There is no move planned for you right now" in sam.text


async def test_restore_an_older_version(client: TestClient, runtime: Runtime, cast: Cast) -> None:
    pat = await placement_staff_at_desk(client, runtime, cast)
    pid = await new_placement(pat)
    await write(pat, pid, "Food", "Version one food.")
    await pat.post(f"/staff/placements/{pid}/publish", {})
    await write(pat, pid, "Food", "Version two food.")
    await pat.post(f"/staff/placements/{pid}/publish", {})
    assert "Version 1" in pat.text and "Version 2" in pat.text
    v1 = re.search(r'/versions/([0-9a-f]+)/restore"[^>]*>\s*<input[^>]+>\s*Version 1', pat.html)
    assert v1 is not None
    await pat.post(f"/staff/placements/{pid}/versions/{v1.group(1)}/restore", {})
    assert "is now the draft" in pat.text
    assert "Version one food." in pat.html
    assert "Food" in sections(pat)


async def test_only_its_own_staff_open_a_placement_and_only_the_published_photos_are_served(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    pat = await placement_staff_at_desk(client, runtime, cast)
    pid = await new_placement(pat)
    await upload(pat, pid, "Your bedroom", photo_with_everything())
    photo_path = re.search(rf'src="(/staff/placements/{pid}/photos/([0-9a-f]+))"', pat.html)
    assert photo_path is not None
    client.session.cookie_jar.clear()

    # Another placement staff member of the same service: a 404 for everything of Pat's.
    await placement_staff_at_desk(client, runtime, cast, email="robin@north.example")
    robin = StaffAtDesk(client)
    for path in (f"/staff/placements/{pid}", f"/staff/placements/{pid}/preview",
                 photo_path.group(1)):
        async with client.get(path) as resp:
            assert resp.status == 404, path
    await robin.get("/staff/placements")
    assert "Oak House" not in robin.text
    # Placement staff see no young person's page.
    async with client.get(f"/staff/young-people/{cast.young_person_id}") as resp:
        assert resp.status == 404
    client.session.cookie_jar.clear()

    # A young person with no move planned: a kind page, and no photo of the draft.
    sam = WebPerson(client)
    await sam.set_pin(str(cast.young_person_codes["web_link"]), "1357")
    await sam.get("/me/next-home")
    assert "There is no move planned for you right now" in sam.text
    async with client.get(f"/me/next-home/photos/{photo_path.group(2)}") as resp:
        assert resp.status == 404
