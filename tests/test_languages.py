"""Languages as a feature: review state and counts, names in their own script, the
command menu per language, switching a language off, and the crisis contacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import i18n
from app.cli import main
from core.languages import all_languages, describe, is_reviewed, markdown_table
from bot.factory import COMMANDS, telegram_language_code
from flows.crisis import crisis_screen
from testkit.heard import HeardOnTelegram
from tests.support.catalogs import SHIPPED, shipped_catalogs, write_small_catalog  # noqa: F401

OWN_NAMES = {"cy": "Cymraeg", "ar": "العربية", "fa_AF": "دری", "ps": "پښتو", "ti": "ትግርኛ",
             "ckb": "کوردی (سۆرانی)", "pl": "Polski", "sq": "Shqip"}


def test_review_state_is_read_from_the_header(
    shipped_catalogs: Path,  # noqa: F811
) -> None:
    write_small_catalog(shipped_catalogs, "pl", "reviewed by Amina Yusuf, 2026-11-20")
    assert is_reviewed("reviewed by Amina Yusuf, 2026-11-20")
    assert not is_reviewed("not yet reviewed by a native speaker")
    assert not is_reviewed("")
    assert not is_reviewed("Reviewed? no")
    assert describe("pl").review == "reviewed by Amina Yusuf, 2026-11-20"
    assert describe("pl").reviewed


def test_every_shipped_language_is_listed_with_counts(shipped_catalogs: Path) -> None:  # noqa: F811
    langs = {lang.code: lang for lang in all_languages()}
    assert set(langs) >= {"en", *SHIPPED}
    for code in SHIPPED:
        lang = langs[code]
        assert lang.name == OWN_NAMES[code]
        assert 0 < lang.translated <= lang.total
        assert lang.review  # either state, never blank
        assert lang.lexicon_review is not None
    assert langs["en"].translated == langs["en"].total > 0
    table = markdown_table()
    assert "| `ti` | ትግርኛ |" in table and "not yet reviewed" in table


def test_names_in_their_own_script() -> None:
    for code, name in OWN_NAMES.items():
        assert i18n.language_name(code) == name


async def test_command_menu_registered_in_every_language(
    shipped_catalogs: Path, runtime  # noqa: F811, ANN001
) -> None:
    heard = await HeardOnTelegram.start(runtime)
    try:
        calls = heard.api.calls_to("setMyCommands")
        by_language = {c.params.get("language_code") or "": c.params["commands"] for c in calls}
        expected = {telegram_language_code(code) for code in SHIPPED} - {""}
        assert set(by_language) == {"", *expected}  # the default, then one per language
        assert "ckb" not in by_language  # no two-letter code: Sorani speakers get the default
        names = [name for name, _desc in COMMANDS]
        for code, commands in by_language.items():
            assert [c["command"] for c in commands] == names, code
        en = {c["command"]: c["description"] for c in by_language[""]}
        ar = {c["command"]: c["description"] for c in by_language["ar"]}
        assert en["checkin"] == "Show how I feel"
        assert ar["checkin"] == i18n.translations("ar").gettext("Show how I feel")
        assert ar["checkin"] != en["checkin"]
    finally:
        await heard.close()


@pytest.mark.parametrize("code", ["en", *SHIPPED])
def test_crisis_contacts_are_the_same_uk_numbers_with_an_interpreter_line(
    shipped_catalogs: Path, code: str  # noqa: F811
) -> None:
    with i18n.use_locale(code):
        screen = crisis_screen("Alex")
        urls = [link.href for link in screen.links]
        interpreter = i18n.gettext("Childline can find someone who speaks your language. Call "
                                   "and say the name of your language in English.")
    assert urls == ["tel:08001111", "sms:85258?body=SHOUT", "tel:116123", "tel:999"]
    assert (interpreter in screen.text) == (code != "en")


def test_cli_lists_languages_as_markdown(shipped_catalogs: Path,  # noqa: F811
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "languages", "--markdown"]) == 0
    out = capsys.readouterr().out
    for code in SHIPPED:
        assert f"| `{code}` |" in out


def test_the_table_in_docs_is_up_to_date(tmp_path: Path) -> None:
    doc = Path(__file__).resolve().parent.parent / "docs" / "translating.md"
    copy = tmp_path / "translating.md"
    copy.write_text(doc.read_text(encoding="utf-8"), encoding="utf-8")
    from core.languages import update_doc

    assert not update_doc(copy), "docs/translating.md is out of date: run ./dev.sh languages"
