"""The welcome booklet: drafts, publishing, older versions, and what a young person sees.

Staff edit the one draft; ``publish`` makes it what young people see and archives the
version before; ``restore`` copies an older version back into the draft. Photos are
rows of their own (``placement_photos``), shared by every version that shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _
from cards.photos import CleanPhoto
from domain.placements import (
    ARCHIVED,
    DRAFT,
    PUBLISHED,
    SECTIONS,
    YOUNG_PERSON_FIRST,
    PlacementError,
    published_version,
)
from storage.models import (
    BookletSection,
    BookletSectionPhoto,
    BookletVersion,
    Placement,
    PlacementPhoto,
    Staff,
)
from storage.repositories import audit

BODY_LIMIT = 4000
ALT_LIMIT = 300
CAPTION_LIMIT = 300


@dataclass(frozen=True)
class PhotoView:
    id: str  # booklet_section_photos.id
    photo_id: str
    alt: str
    caption: str
    width: int
    height: int


@dataclass
class SectionView:
    id: str
    kind: str
    position: int
    body: str
    photos: list[PhotoView] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _(SECTIONS.get(self.kind, self.kind))

    @property
    def empty(self) -> bool:
        return not self.body.strip() and not self.photos


async def draft_of(session: AsyncSession, placement_id: str) -> BookletVersion | None:
    return await session.scalar(
        select(BookletVersion)
        .where(BookletVersion.placement_id == placement_id, BookletVersion.state == DRAFT)
        .limit(1)
    )


async def versions(session: AsyncSession, placement_id: str) -> list[BookletVersion]:
    return list((await session.scalars(
        select(BookletVersion).where(BookletVersion.placement_id == placement_id)
        .order_by(BookletVersion.number.desc())
    )).all())


async def _next_number(session: AsyncSession, placement_id: str) -> int:
    top = await session.scalar(
        select(func.max(BookletVersion.number)).where(BookletVersion.placement_id == placement_id)
    )
    return (top or 0) + 1


async def _copy_into(session: AsyncSession, source_id: str, target_id: str) -> None:
    for section in await sections(session, source_id):
        copy = BookletSection(version_id=target_id, kind=section.kind,
                              position=section.position, body=section.body)
        session.add(copy)
        await session.flush()
        for n, photo in enumerate(section.photos):
            session.add(BookletSectionPhoto(section_id=copy.id, photo_id=photo.photo_id,
                                            position=n, alt_text=photo.alt,
                                            caption=photo.caption))


async def ensure_draft(
    session: AsyncSession, placement: Placement, by: Staff | None, now: datetime
) -> BookletVersion:
    """The placement's draft, made (from the published version, or empty with every
    section in the default order) when there is none."""
    draft = await draft_of(session, placement.id)
    if draft is not None:
        return draft
    draft = BookletVersion(placement_id=placement.id, state=DRAFT, created_at=now,
                           number=await _next_number(session, placement.id),
                           created_by=by.id if by else None)
    session.add(draft)
    await session.flush()
    published = await published_version(session, placement.id)
    if published is not None:
        await _copy_into(session, published.id, draft.id)
    else:
        for n, kind in enumerate(SECTIONS):
            session.add(BookletSection(version_id=draft.id, kind=kind, position=n, body=""))
    await session.flush()
    return draft


async def sections(session: AsyncSession, version_id: str) -> list[SectionView]:
    """The version's sections in order, each with its photos in order (two queries)."""
    rows = (await session.scalars(
        select(BookletSection).where(BookletSection.version_id == version_id)
        .order_by(BookletSection.position, BookletSection.kind)
    )).all()
    views = {r.id: SectionView(r.id, r.kind, r.position, r.body) for r in rows}
    if views:
        photos = await session.execute(
            select(BookletSectionPhoto, PlacementPhoto.width, PlacementPhoto.height)
            .join(PlacementPhoto, PlacementPhoto.id == BookletSectionPhoto.photo_id)
            .where(BookletSectionPhoto.section_id.in_(list(views)))
            .order_by(BookletSectionPhoto.position)
        )
        for item, width, height in photos:
            views[item.section_id].photos.append(
                PhotoView(item.id, item.photo_id, item.alt_text, item.caption, width, height))
    return list(views.values())


async def _draft_section(session: AsyncSession, placement: Placement,
                         section_id: str) -> BookletSection:
    draft = await draft_of(session, placement.id)
    row = await session.get(BookletSection, section_id) if len(section_id or "") <= 32 else None
    if draft is None or row is None or row.version_id != draft.id:
        raise PlacementError(_("That section is not in the draft any more. Please reload."))
    return row


async def save_section(session: AsyncSession, placement: Placement, section_id: str,
                       body: str, now: datetime) -> None:
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > BODY_LIMIT:
        raise PlacementError(_("That text is too long (at most {n} characters).")
                             .format(n=BODY_LIMIT))
    row = await _draft_section(session, placement, section_id)
    row.body = body
    placement.updated_at = now


async def move_section(session: AsyncSession, placement: Placement, section_id: str,
                       step: int) -> None:
    """Move a section one place up (-1) or down (+1)."""
    row = await _draft_section(session, placement, section_id)
    rows = list((await session.scalars(
        select(BookletSection).where(BookletSection.version_id == row.version_id)
        .order_by(BookletSection.position, BookletSection.kind)
    )).all())
    i = rows.index(row)
    j = i + (1 if step > 0 else -1)
    if 0 <= j < len(rows):
        rows[i], rows[j] = rows[j], rows[i]
    for n, r in enumerate(rows):
        r.position = n


async def add_photo(session: AsyncSession, placement: Placement, section_id: str,
                    photo: CleanPhoto, *, alt: str, caption: str, by: Staff,
                    now: datetime) -> str:
    alt, caption = (alt or "").strip(), (caption or "").strip()
    check_alt(alt, caption)
    row = await _draft_section(session, placement, section_id)
    stored = PlacementPhoto(placement_id=placement.id, jpeg=photo.jpeg, width=photo.width,
                            height=photo.height, created_at=now, created_by=by.id)
    session.add(stored)
    await session.flush()
    count = await session.scalar(
        select(func.count()).select_from(BookletSectionPhoto)
        .where(BookletSectionPhoto.section_id == row.id)
    )
    item = BookletSectionPhoto(section_id=row.id, photo_id=stored.id, position=count or 0,
                               alt_text=alt, caption=caption)
    session.add(item)
    placement.updated_at = now
    await session.flush()
    return item.id


def check_alt(alt: str, caption: str) -> None:
    if not alt:
        raise PlacementError(_("Please describe the photo in a few words (alt text), for "
                               "anyone who cannot see it."))
    if len(alt) > ALT_LIMIT or len(caption) > CAPTION_LIMIT:
        raise PlacementError(_("The description or caption is too long (at most {n} "
                               "characters).").format(n=ALT_LIMIT))


async def remove_photo(session: AsyncSession, placement: Placement, item_id: str) -> None:
    item = await session.get(BookletSectionPhoto, item_id) if len(item_id or "") <= 32 else None
    if item is None:
        return
    await _draft_section(session, placement, item.section_id)
    await session.delete(item)


async def publish(session: AsyncSession, placement: Placement, by: Staff,
                  now: datetime) -> BookletVersion:
    draft = await draft_of(session, placement.id)
    if draft is None:
        raise PlacementError(_("There is no draft to publish."))
    if all(s.empty for s in await sections(session, draft.id)):
        raise PlacementError(_("The draft is empty. Write something first."))
    before = await published_version(session, placement.id)
    if before is not None:
        before.state = ARCHIVED
        await session.flush()
    draft.state = PUBLISHED
    draft.published_at, draft.published_by = now, by.id
    audit(session, at=now, actor_kind="staff", actor_id=by.id, action="booklet.published",
          detail=f"{placement.id} v{draft.number}")
    return draft


async def restore(session: AsyncSession, placement: Placement, version_id: str, by: Staff,
                  now: datetime) -> BookletVersion:
    """Make the draft a copy of an older version (publish it to show it again)."""
    old = await session.get(BookletVersion, version_id) if len(version_id or "") <= 32 else None
    if old is None or old.placement_id != placement.id or old.state == DRAFT:
        raise PlacementError(_("That version is not there any more."))
    draft = await ensure_draft(session, placement, by, now)
    await session.execute(delete(BookletSection).where(BookletSection.version_id == draft.id))
    await _copy_into(session, old.id, draft.id)
    draft.restored_from = old.id
    await session.flush()
    return draft


async def photo_of(session: AsyncSession, placement_id: str, photo_id: str) -> bytes | None:
    row = await session.get(PlacementPhoto, photo_id) if len(photo_id or "") <= 32 else None
    if row is None or row.placement_id != placement_id:
        return None
    return row.jpeg


async def booklet_photos(session: AsyncSession, pages: list[SectionView]) -> dict[str, bytes]:
    """The pictures of a booklet's pages, by id (to lay it out as a PDF)."""
    ids = [p.photo_id for page in pages for p in page.photos]
    return {r.id: r.jpeg for r in (await session.scalars(
        select(PlacementPhoto).where(PlacementPhoto.id.in_(ids))))} if ids else {}


async def published_photo_ids(session: AsyncSession, placement_id: str) -> set[str]:
    version = await published_version(session, placement_id)
    if version is None:
        return set()
    return {p.photo_id for s in await sections(session, version.id) for p in s.photos}


def young_person_order(all_sections: list[SectionView]) -> list[SectionView]:
    """What a young person reads, one section a page: their bedroom first, then the
    house, the people, a day there, what to bring; then the rest in staff's order.
    Empty sections are left out."""
    first = {kind: n for n, kind in enumerate(YOUNG_PERSON_FIRST)}
    shown = [s for s in all_sections if not s.empty]
    return sorted(shown, key=lambda s: (0, first[s.kind]) if s.kind in first
                  else (1, s.position))


async def young_person_pages(session: AsyncSession, placement_id: str) -> list[SectionView]:
    """The published booklet as pages (empty when nothing is published)."""
    version = await published_version(session, placement_id)
    if version is None:
        return []
    return young_person_order(await sections(session, version.id))
