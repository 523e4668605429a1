"""The risk-phrase lexicons shipped with Heard, one JSON file per language, plus
each service's own additions from the database."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.matcher import Lexicon
from storage.models import LexiconPhrase

HERE = Path(__file__).resolve().parent
EXCEPTION = "exception"


@lru_cache(maxsize=None)
def base_lexicon(locale: str) -> Lexicon:
    """The shipped lexicon for a language; English when we have none for it."""
    path = HERE / f"{locale}.json"
    if not path.exists():
        path = HERE / "en.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Lexicon(raw["categories"], raw.get("exceptions", []))


def categories(locale: str = "en") -> list[str]:
    return sorted({p.category for p in base_lexicon(locale).phrases})


async def service_lexicon(session: AsyncSession, service_id: str, locale: str) -> Lexicon:
    """The shipped lexicon for ``locale`` and English, plus the service's own rows."""
    rows = (
        await session.execute(
            select(LexiconPhrase.category, LexiconPhrase.phrase).where(
                LexiconPhrase.service_id == service_id,
                LexiconPhrase.locale.in_({locale, "en"}),
            )
        )
    ).all()
    base = base_lexicon(locale)
    if locale != "en":
        base = base.extended([(p.category, p.text) for p in base_lexicon("en").phrases]
                             + [(EXCEPTION, e.text) for e in base_lexicon("en").exceptions])
    return base.extended([(c, p) for c, p in rows]) if rows else base
