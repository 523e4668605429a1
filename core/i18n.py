"""Translations shared by every channel.

Every string a person reads goes through :func:`gettext`. The locale is held in a
context variable so a flow step, a card drawing and a web template all speak the
language of the person they are for, without passing it around by hand.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
from collections.abc import Iterator
from functools import lru_cache
from datetime import time
from pathlib import Path

from babel import Locale
from babel.dates import format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

# Where the catalogs are: an installed package carries them compiled in core/locales
# (setup.py compiles them into the wheel); a checkout reads locales/ at the top.
# HEARD_LOCALES_DIR: catalogs from elsewhere (tests, or a catalog being tried out).
_PACKAGED = Path(__file__).resolve().parent / "locales"
_CHECKOUT = Path(__file__).resolve().parent.parent / "locales"
LOCALES_DIR = Path(os.environ.get("HEARD_LOCALES_DIR")
                   or (_PACKAGED if _PACKAGED.is_dir() else _CHECKOUT))
DOMAIN = "messages"
DEFAULT_LOCALE = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("heard_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=1)
def _catalogs() -> tuple[str, ...]:
    # Catalogs ship with the code; looking once per process is enough (every
    # update sets a locale, and a directory scan each time showed up in profiles).
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (DEFAULT_LOCALE, *(code for code in found if code != DEFAULT_LOCALE))


def available_locales() -> list[str]:
    """Locales that have a catalog, default first."""
    return list(_catalogs())


def normalise_locale(code: str | None) -> str:
    """Map whatever a client tells us ("en-GB", "ar_EG", None) to a locale we have."""
    if not code:
        return DEFAULT_LOCALE
    have = available_locales()
    code = code.replace("-", "_")
    if code in have:
        return code
    base = code.split("_", 1)[0].lower()
    if base in have:
        return base
    # "fa" from a phone set to Persian: the one catalog of that language (fa_AF, Dari).
    regional = [c for c in have if c.split("_", 1)[0] == base]
    return regional[0] if len(regional) == 1 else DEFAULT_LOCALE


def _load(po_path: Path) -> Translations:
    """The compiled catalog when it is there and current (an installed package), else
    the .po compiled in memory: nothing is ever written next to the code at run time."""
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    with po_path.open("rb") as src:
        catalog = read_po(src, locale=po_path.parent.parent.name)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@lru_cache(maxsize=None)
def translations(locale: str) -> NullTranslations:
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    return _load(po_path)


def current_locale() -> str:
    return _current.get()


@contextlib.contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Run a block in one person's language."""
    token = _current.set(normalise_locale(locale))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_locale(locale: str | None) -> str:
    """Set the language for the rest of the current task (one update or request)."""
    _current.set(normalise_locale(locale))
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the conventional name for "mark for extraction"
    """Mark a string for extraction where it is defined; translate it where it is shown."""
    return message


def dates_locale(locale: str | None = None) -> str:
    """The CLDR locale for dates and times: Heard's English is a UK service's, so
    "23–29 Nov 2026" and a 24-hour clock, not "Nov 23 – 29, 2026"."""
    code = locale or _current.get()
    return "en_GB" if code == "en" else code


@lru_cache(maxsize=4096)
def _clock(hour: int, minute: int, locale: str) -> str:
    return format_time(time(hour, minute), format="short", locale=locale)


def clock_time(hour: int, minute: int, locale: str | None = None) -> str:
    """A time of day as the locale writes it (CLDR's short form: "16:30" in UK English,
    with the locale's own digits and day-period where it has them)."""
    return _clock(hour, minute, dates_locale(locale))


@lru_cache(maxsize=64)
def weekday_names(locale: str | None = None, width: str = "wide") -> tuple[str, ...]:
    """Monday first, from CLDR, never a hand-made list."""
    days = Locale.parse(dates_locale(locale)).days["format"][width]
    return tuple(days[i] for i in range(7))


def join_list(items: list[str], locale: str | None = None) -> str:
    """A list as the locale writes it: "Worried and Tired", Arabic "قلق وتعب"."""
    return format_list(items, style="standard", locale=dates_locale(locale)) if items else ""


def is_rtl(locale: str | None = None) -> bool:
    return Locale.parse(locale or _current.get()).character_order == "right-to-left"


# Where CLDR's own name is not the one speakers use: Dari speakers say "دری", not
# "Persian (Afghanistan)"; Sorani speakers say "کوردی (سۆرانی)" rather than
# "Central Kurdish". Polish and Albanian write names in lower case, but a
# picker button starts with a capital.
NATIVE_NAMES = {
    "fa_AF": "دری",
    "ckb": "کوردی (سۆرانی)",
    "ti": "ትግርኛ",
    "ar": "العربية",
    "ps": "پښتو",
    "cy": "Cymraeg",
    "pl": "Polski",
    "sq": "Shqip",
}


def language_name(locale: str) -> str:
    """A language's name in that language and its own script, for the language picker."""
    if locale in NATIVE_NAMES:
        return NATIVE_NAMES[locale]
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


_ = gettext
__all__ = [
    "N_", "_", "available_locales", "current_locale", "dates_locale", "gettext", "is_rtl", "language_name",
    "ngettext", "normalise_locale", "set_locale", "translations", "use_locale",
]
