"""Risk words in every shipped language: each lexicon has English's categories and a
review state, a phrase a young person might type fires, an everyday sentence does not,
and English words fire whatever the language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeguarding.lexicon import HERE, base_lexicon
from safeguarding.matcher import Lexicon, tokens

EN_CATEGORIES = set(json.loads((HERE / "en.json").read_text(encoding="utf-8"))["categories"])
LEXICONS = sorted(p.stem for p in HERE.glob("*.json") if p.stem != "en")


def combined(code: str) -> Lexicon:
    """What the matcher uses for a young person in ``code``: their language and English."""
    en = base_lexicon("en")
    return base_lexicon(code).extended(
        [(p.category, p.text) for p in en.phrases] + [("exception", e.text) for e in en.exceptions])


def test_every_shipped_language_has_a_lexicon() -> None:
    assert set(LEXICONS) >= {"cy", "ar", "fa_AF", "ps", "ti", "ckb", "pl", "sq"}


@pytest.mark.parametrize("code", LEXICONS)
def test_same_categories_and_a_review_state(code: str) -> None:
    raw = json.loads((HERE / f"{code}.json").read_text(encoding="utf-8"))
    assert set(raw["categories"]) == EN_CATEGORIES
    assert all(raw["categories"][c] for c in EN_CATEGORIES), "a category with no phrases"
    assert raw["review"].startswith(("reviewed by", "not yet reviewed"))


@pytest.mark.parametrize("code", LEXICONS)
def test_every_phrase_fires_its_own_category(code: str) -> None:
    lex = base_lexicon(code)
    for phrase in lex.phrases:
        found = {m.category for m in lex.find(phrase.text)}
        assert phrase.category in found, (code, phrase.text, phrase.words)


# (language, what a young person might type, category, an everyday sentence)
TYPED = [
    ("cy", "Dw i isio marw heno", "suicide", "Dw i eisiau mynd i'r parc gyda fy ffrindiau"),
    ("cy", "mae o'n fy nharo fi, mae o'n taro fi", "being_hurt", "Roedd y bêl-droed yn dda heddiw"),
    ("ar", "أُرِيدُ أَنْ أَمُوتَ", "suicide", "أريد أن أذهب إلى المدرسة غدا"),
    ("ar", "انا بدي موووت", "suicide", "بدي روح عالسوق مع صحابي"),
    ("ar", "ana bdi mout", "suicide", "ana bdi roo7 3al madrase"),
    ("ar", "هو ضربني امبارح", "being_hurt", "ضحكت كثيرا اليوم"),
    ("ar", "بموت من الضحك", None, "بموت من الضحك"),
    ("fa_AF", "می‌خواهم بمیرم", "suicide", "می‌خواهم به مکتب بروم"),
    ("fa_AF", "ميخوام بميرم", "suicide", "میخوام نان بخورم"),
    ("fa_AF", "mikham bemiram", "suicide", "mikham bazi konam"),
    ("ps", "زه غواړم مړ شم", "suicide", "زه غواړم ښوونځي ته لاړ شم"),
    ("ti", "ክሞት እደሊ እየ", "suicide", "ናብ ቤት ትምህርቲ ክኸይድ እደሊ"),
    ("ckb", "دەمەوێت بمرم", "suicide", "دەمەوێت بچم بۆ قوتابخانە"),
    ("ckb", "ئەو لێیدام", "being_hurt", "ئەمڕۆ یاریم کرد"),
    ("pl", "Chcę umrzeć", "suicide", "Chcę iść do kina z kolegami"),
    ("pl", "chce umrzec", "suicide", "chce zjesc pizze"),
    ("pl", "Umieram ze śmiechu", None, "Umieram ze śmiechu"),
    ("sq", "Dua të vdes", "suicide", "Dua të shkoj në shkollë nesër"),
    ("sq", "dua te vdes", "suicide", "dua te luaj futboll"),
]


@pytest.mark.parametrize(("code", "typed", "category", "everyday"), TYPED)
def test_typed_phrase_fires_and_everyday_sentence_does_not(
    code: str, typed: str, category: str | None, everyday: str
) -> None:
    lex = combined(code)
    if category is not None:
        assert category in {m.category for m in lex.find(typed)}, (typed, tokens(typed))
    assert lex.find(everyday) == [], (everyday, tokens(everyday))


@pytest.mark.parametrize("code", LEXICONS)
def test_english_always_fires(code: str) -> None:
    assert "suicide" in {m.category for m in combined(code).find("i want to die")}


def test_arabic_script_variants_read_the_same() -> None:
    # Persian yeh/kaf, Arabic yeh/kaf, tatweel, tashkeel, a zero-width non-joiner.
    assert tokens("خودکشی") == tokens("خودكشي") == tokens("خـــودکُشی")
    assert tokens("می‌خواهم") == tokens("میخواهم") == tokens("مي خواهم")
    assert tokens("أَمُوت") == tokens("اموت") == tokens("إموت")
    assert tokens("ره۱") == tokens("ره١")


def test_lexicon_files_are_the_ones_the_matcher_loads() -> None:
    assert Path(HERE).is_dir() and base_lexicon("ar") is not base_lexicon("en")
