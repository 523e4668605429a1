"""Finding risk phrases in what a young person writes.

Young people type fast, misspell, stretch words ("nooooo"), space letters out
("k i l l") or glue them ("killmyself"). Both the text and every phrase go through
the same normaliser, then phrases are matched token by token, allowing one slip
in longer words. A match is only ever "possible": staff read the words and judge.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Digits and symbols used as letters, only inside words that have letters.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s"})
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
# A word: letters and digits of any script (Arabic, Ethiopic, Latin...), plus the
# symbols used as letters.
_RAW_TOKEN = re.compile(r"(?:[^\W_]|[@$])+")
# Arabic-script text is written many ways for the same word: Arabic and Persian
# keyboards give different yeh, kaf and heh letters, Kurdish Sorani adds its own,
# and Arabic-Indic or Persian digits stand for 0-9. Short vowels (tashkeel) and
# hamza are marks NFKD splits off and the combining-mark removal drops; the
# stretching tatweel is dropped here; a zero-width non-joiner is a word gap.
_ARABIC_SCRIPT = str.maketrans({
    "\u0640": None,  # tatweel
    "\u200c": " ", "\u200d": None, "\u200f": None, "\u200e": None,  # ZWNJ/ZWJ, marks
    "\u0671": "\u0627", "\u0672": "\u0627", "\u0673": "\u0627", "\u0675": "\u0627",  # alef forms
    "\u0649": "\u064a", "\u06cc": "\u064a", "\u06d0": "\u064a", "\u06ce": "\u064a",  # yeh forms
    "\u06a9": "\u0643", "\u06aa": "\u0643",  # keheh, swash kaf -> kaf
    "\u0629": "\u0647", "\u06c1": "\u0647", "\u06be": "\u0647", "\u06d5": "\u0647",  # teh marbuta, heh forms
    "\u06c0": "\u0647",
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
})
_REPEATS = re.compile(r"(.)\1+")
# Two-word forms written as one, so "do not want" and "don't want" read the same.
_JOIN = {("do", "not"): "dont", ("does", "not"): "doesnt", ("did", "not"): "didnt",
         ("can", "not"): "cant", ("going", "to"): "gona", ("want", "to"): "wana"}
# Words shorter than this must match exactly: "abuse" must not match "amuse".
FUZZY_MIN = 6
# A changed letter (rather than a missing, extra or swapped one) only counts in
# words this long: "abused" must not match "amused", "suiside" should match "suicide".
CHANGE_MIN = 7


def tokens(text: str) -> list[str]:
    """Lower-case words with accents, punctuation and repeated letters removed;
    Arabic-script spelling variants made one (see ``_ARABIC_SCRIPT``)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.translate(_ARABIC_SCRIPT)
    text = _APOSTROPHES.sub("", text)
    words: list[str] = []
    for raw in _RAW_TOKEN.findall(text):
        if any(ch.isalpha() for ch in raw):
            raw = raw.translate(_LEET)
        word = _REPEATS.sub(r"\1", "".join(ch for ch in raw if ch.isalpha()))
        if word:
            words.append(word)
    return _join_pairs(_join_spelled_out(words))


def _join_spelled_out(words: list[str]) -> list[str]:
    """ "k i l l me" -> "kil me": three or more single letters in a row are one word."""
    out: list[str] = []
    run: list[str] = []
    for word in words + [""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) >= 3:
            out.append(_REPEATS.sub(r"\1", "".join(run)))
        else:
            out.extend(run)
        run = []
        if word:
            out.append(word)
    return out


# Persian/Dari verb prefixes written with a gap, a zero-width non-joiner or nothing:
# "می خواهم", "می‌خواهم" and "میخواهم" read the same (after the yeh above is unified).
_GLUE_NEXT = {"\u0645\u064a", "\u0646\u0645\u064a"}


def _join_pairs(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = (words[i], words[i + 1]) if i + 1 < len(words) else None
        if pair is not None and pair[0] in _GLUE_NEXT:
            out.append(pair[0] + pair[1])
            i += 2
        elif pair in _JOIN:
            out.append(_JOIN[pair])
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


def _one_slip(a: str, b: str) -> bool:
    """True when a and b differ by at most one edit (insert, delete, swap, change)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return len(a) >= CHANGE_MIN
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _word_matches(phrase_word: str, word: str) -> bool:
    if phrase_word == word:
        return True
    return len(phrase_word) >= FUZZY_MIN and len(word) >= FUZZY_MIN - 1 and _one_slip(phrase_word, word)


@dataclass(frozen=True)
class Phrase:
    category: str
    text: str  # as written in the lexicon, for staff to read
    words: tuple[str, ...]

    @property
    def glued(self) -> str:
        return "".join(self.words)

    def spans(self, words: list[str]) -> list[tuple[int, int]]:
        """Where this phrase occurs in ``words``, as (start, end) token spans."""
        n = len(self.words)
        found: list[tuple[int, int]] = []
        for i in range(len(words)):
            if n > 1 and words[i] == self.glued:
                found.append((i, i + 1))
            elif i + n <= len(words) and all(
                _word_matches(p, w) for p, w in zip(self.words, words[i:i + n], strict=True)
            ):
                found.append((i, i + n))
        return found


@dataclass(frozen=True)
class Match:
    category: str
    phrase: str


class Lexicon:
    def __init__(self, categories: dict[str, list[str]], exceptions: list[str]) -> None:
        self.phrases = tuple(
            Phrase(cat, text, tuple(tokens(text)))
            for cat, texts in categories.items() for text in texts if tokens(text)
        )
        self.exceptions = tuple(
            Phrase("exception", text, tuple(tokens(text))) for text in exceptions if tokens(text)
        )

    def find(self, text: str) -> list[Match]:
        """Every category that fires, once each, with the first phrase that fired it."""
        words = tokens(text)
        if not words:
            return []
        covered = [span for exc in self.exceptions for span in exc.spans(words)]
        hits: dict[str, Match] = {}
        for phrase in self.phrases:
            if phrase.category in hits:
                continue
            for start, end in phrase.spans(words):
                if not any(s <= start and end <= e for s, e in covered):
                    hits[phrase.category] = Match(phrase.category, phrase.text)
                    break
        return list(hits.values())

    def extended(self, extra: list[tuple[str, str]]) -> Lexicon:
        """This lexicon plus a service's own (category, phrase) rows."""
        cats: dict[str, list[str]] = {}
        for p in self.phrases:
            cats.setdefault(p.category, []).append(p.text)
        excs = [e.text for e in self.exceptions]
        for category, phrase in extra:
            (excs if category == "exception" else cats.setdefault(category, [])).append(phrase)
        return Lexicon(cats, excs)
