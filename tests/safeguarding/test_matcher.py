"""The risk-phrase matcher: robust to how young people actually type."""

from __future__ import annotations

import pytest

from safeguarding.lexicon import base_lexicon
from safeguarding.matcher import tokens

EN = base_lexicon("en")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I WANT TO DIE", "suicide"),
        ("i wanna diiiiie", "suicide"),
        ("k i l l myself", "suicide"),
        ("killmyself", "suicide"),
        ("thinking about sucide", "suicide"),  # a letter missing
        ("suiside", "suicide"),  # a letter changed, in a long word
        ("I do not want to live", "suicide"),
        ("sh0uld i k1ll mys3lf", "suicide"),
        ("i   cut    myself", "self_harm"),
        ("Self-harm", "self_harm"),
        ("he touched me", "abuse"),
        ("he hurrrts me", "being_hurt"),
        ("I'm not safe at home", "being_hurt"),
        ("gonna run away", "running_away"),
    ],
)
def test_fires(text: str, category: str) -> None:
    assert category in {m.category for m in EN.find(text)}


@pytest.mark.parametrize(
    "text",
    [
        "I'm dying to see my mum",
        "this homework is killing me",
        "I nearly killed myself laughing",
        "I'll kill myself laughing",
        "I was amused",  # one letter from "abused", but short words must match exactly
        "this food is not safe to eat",
        "I feel safe",
        "skill myself up",
        "",
    ],
)
def test_stays_quiet(text: str) -> None:
    assert EN.find(text) == []


def test_an_exception_only_hides_the_phrase_inside_it() -> None:
    found = EN.find("homework is killing me and i want to die")
    assert [m.category for m in found] == ["suicide"]


def test_service_additions_and_exceptions() -> None:
    extended = EN.extended([("running_away", "do a runner"), ("exception", "want to die of boredom")])
    assert [m.category for m in extended.find("gonna do a runer")] == ["running_away"]
    assert extended.find("I want to die of boredom in maths") == []
    assert EN.find("gonna do a runner") == []


def test_tokens_normalise() -> None:
    assert tokens("Don\u2019t  STOP!!! nooooo") == ["dont", "stop", "no"]
