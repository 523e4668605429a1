"""The languages Heard speaks: which catalogs ship, how far each is translated, and
whether a native speaker has reviewed it.

The review state is read from each catalog's own header, written by its translator:
``X-Heard-Review: reviewed by <name>, <YYYY-MM-DD>`` or
``X-Heard-Review: not yet reviewed by a native speaker``. Anything that does not
start with "reviewed by" counts as not reviewed.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from core import i18n

REVIEW_HEADER = "X-Heard-Review"
NOT_REVIEWED = "not yet reviewed by a native speaker"
_REVIEW_LINE = re.compile(r'^"X-Heard-Review:\s*(.*?)(?:\\n)?"\s*$', re.MULTILINE)
LEXICON_DIR = Path(__file__).resolve().parent.parent / "safeguarding" / "lexicon"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in its own script
    review: str  # as written in the header
    translated: int
    total: int
    lexicon_review: str | None  # None: no risk-word lexicon of its own (English is used)

    @property
    def reviewed(self) -> bool:
        return is_reviewed(self.review)

    @property
    def lexicon_reviewed(self) -> bool:
        return self.lexicon_review is not None and is_reviewed(self.lexicon_review)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "review": self.review,
                "reviewed": self.reviewed, "translated": self.translated, "total": self.total,
                "lexicon_review": self.lexicon_review or "none: English words only"}


def is_reviewed(review: str | None) -> bool:
    return bool(review) and review.strip().lower().startswith("reviewed by")  # type: ignore[union-attr]


def catalog_path(code: str) -> Path:
    return i18n.LOCALES_DIR / code / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def lexicon_review(code: str) -> str | None:
    path = LEXICON_DIR / f"{code}.json"
    if not path.exists():
        return None
    return str(json.loads(path.read_text(encoding="utf-8")).get("review", NOT_REVIEWED))


def _key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def template_ids() -> set[str]:
    pot = i18n.LOCALES_DIR / f"{i18n.DOMAIN}.pot"
    if not pot.exists():
        return set()
    with pot.open("rb") as fh:
        return {_key(m) for m in read_po(fh) if m.id}


def describe(code: str) -> Language:
    """One language's name, review state and string counts (translated/total)."""
    path = catalog_path(code)
    review, translated, total = NOT_REVIEWED, 0, 0
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=code)
        # Read from the text: Babel's catalog object keeps only the headers it knows.
        found = _REVIEW_LINE.search(path.read_text(encoding="utf-8"))
        if found:
            review = found.group(1).strip()
        wanted = template_ids()
        for message in catalog:
            if not message.id or (wanted and _key(message) not in wanted):
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings) and not message.fuzzy:
                translated += 1
        # Out of every string Heard shows (the template), not only the catalog's own.
        total = len(wanted) or sum(1 for m in catalog if m.id)
    lexicon = lexicon_review(code)
    if code == i18n.DEFAULT_LOCALE:
        review = lexicon = "source language"
        translated = total
    return Language(code, i18n.language_name(code), review, translated, total, lexicon)


def all_languages() -> list[Language]:
    return [describe(code) for code in i18n.available_locales()]


def markdown_table() -> str:
    """The table in docs/translating.md (``run.py admin languages --markdown``)."""
    rows = ["| Code | Language | Strings translated | Review state | Risk words |",
            "|---|---|---|---|---|"]
    for lang in all_languages():
        rows.append(f"| `{lang.code}` | {lang.name} | {lang.translated}/{lang.total} | "
                    f"{lang.review} | {lang.lexicon_review or 'English words only'} |")
    return "\n".join(rows)


DOC_START, DOC_END = "<!-- languages:start -->", "<!-- languages:end -->"


def update_doc(path: Path) -> bool:
    """Rewrite the table between the markers in ``path`` (``./dev.sh languages``).
    Returns whether anything changed."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(DOC_START, 1)
    _old, tail = rest.split(DOC_END, 1)
    new = f"{head}{DOC_START}\n{markdown_table()}\n{DOC_END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


# -- refreshing the catalogs from the template ----------------------------------------


def _with_review(text: str, review: str) -> str:
    """The catalog text with its ``X-Heard-Review`` header line set (Babel writes only
    the headers it knows, so every update would otherwise drop it)."""
    line = f'"X-Heard-Review: {review}\\n"'
    if _REVIEW_LINE.search(text):
        return _REVIEW_LINE.sub(lambda _m: line, text, count=1)
    return re.sub(r'^("Language: [^"]*"\n)', lambda m: m.group(1) + line + "\n", text, count=1,
                  flags=re.MULTILINE)


def update_catalogs(locales: Path | None = None) -> list[str]:
    """Update every catalog from ``messages.pot`` as ``pybabel update --no-fuzzy-matching
    --ignore-obsolete`` does, keeping each catalog's review state. Returns the codes."""
    from babel.messages.pofile import write_po

    locales = locales or i18n.LOCALES_DIR
    with (locales / f"{i18n.DOMAIN}.pot").open("rb") as fh:
        template = read_po(fh)
    done = []
    for path in sorted(locales.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po")):
        code = path.parent.parent.name
        text = path.read_text(encoding="utf-8")
        found = _REVIEW_LINE.search(text)
        review = found.group(1).strip() if found else NOT_REVIEWED
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=code)
        catalog.update(template, no_fuzzy_matching=True)
        out = io.BytesIO()
        write_po(out, catalog, ignore_obsolete=True, width=76)
        updated = out.getvalue().decode("utf-8")
        if code != i18n.DEFAULT_LOCALE:
            updated = _with_review(updated, review)
        path.write_text(updated, encoding="utf-8")
        done.append(code)
    return done
