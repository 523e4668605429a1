"""Young people's nicknames as staff see them: each sealed with that young person's
key, so reading many at once starts by loading their keys in one query."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DataKey, YoungPerson
from storage.vault import KeyErased, Vault


async def preload_keys(session: AsyncSession, owners: list[str]) -> None:
    """Read many young people's wrapped keys in one query instead of one each: the
    rows land in the session's identity map, where the vault finds them."""
    if owners:
        rows = (await session.scalars(select(DataKey).where(DataKey.owner.in_(owners)))).all()
        # The identity map holds clean objects weakly: keep them for this unit of work.
        session.info.setdefault("heard_preloaded_keys", []).extend(rows)


async def nickname_of(session: AsyncSession, vault: Vault, person: YoungPerson) -> str | None:
    try:
        return str(await vault.open(session, person.id, "young_people", person.id,
                                    person.nickname_ct))
    except KeyErased:
        return None
