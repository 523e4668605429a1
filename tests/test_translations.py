"""Every string a person reads goes through gettext, and the catalog knows them all."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from core.i18n import available_locales, gettext, ngettext, translations, use_locale

ROOT = Path(__file__).resolve().parent.parent


def _msgids(pot: Path) -> set[str]:
    with pot.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


def test_catalog_template_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        # As `./dev.sh catalogs` extracts: Babel's default keywords (ngettext's plural too).
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "--no-location", "--ignore-dirs=.venv tests bench testkit node_modules build",
         "-o", str(fresh), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    missing = _msgids(fresh) - _msgids(ROOT / "locales" / "messages.pot")
    assert not missing, (
        "strings not in locales/messages.pot (run the pybabel extract/update in "
        f"docs/translating.md): {sorted(missing)[:10]}"
    )


def test_catalogs_are_used_without_writing_next_to_the_code() -> None:
    before = sorted(p.name for p in (ROOT / "locales").rglob("*"))
    with use_locale("en"):
        assert gettext("How are you feeling? Tap up to 3 cards, then tap Done.").startswith("How")
        assert ngettext("{n} check-in", "{n} check-ins", 2) == "{n} check-ins"
    for code in available_locales():
        translations(code)  # every catalog loads (compiled in memory in a checkout)
    assert sorted(p.name for p in (ROOT / "locales").rglob("*")) == before


@pytest.mark.skipif(shutil.which("msgfmt") is None,
                    reason="GNU msgfmt is missing (apt-get install gettext; dev.sh does)")
@pytest.mark.parametrize("po", sorted((ROOT / "locales").glob("*/LC_MESSAGES/messages.po")),
                         ids=lambda p: p.parent.parent.name)
def test_msgfmt_check_is_clean(po: Path, tmp_path: Path) -> None:
    """GNU gettext's own checks: format strings, plural forms, the header."""
    done = subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(po)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.processes
def test_a_built_wheel_carries_the_compiled_catalogs(tmp_path: Path) -> None:
    """pip builds the wheel as a user's install would; Heard from that wheel reads its
    compiled catalogs from the package and writes nothing there."""
    # From a copy: a build leaves build/ behind, which must not land in the checkout.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", "venv", "node_modules", "data", "build", ".git", "*.egg-info", "__pycache__",
        ".pytest_cache"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
                            "-q", "-w", str(tmp_path / "dist")],
                           capture_output=True, text=True, timeout=600)
    if built.returncode != 0 and "Could not find a version" in built.stderr:
        pytest.skip("the build needs setuptools and Babel from PyPI, which is not reachable")
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("heard-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    codes = [p.parent.parent.name for p in (ROOT / "locales").glob("*/LC_MESSAGES/messages.po")]
    for code in codes:
        assert f"core/locales/{code}/LC_MESSAGES/messages.mo" in names, code
    packaged = tmp_path / "site" / "core" / "locales"
    before = sorted(str(p) for p in packaged.rglob("*"))
    probe = ("from core import i18n; print(i18n.LOCALES_DIR); print(i18n.available_locales()); "
             "i18n.set_locale('fa_AF'); print(i18n.gettext('Help'))")
    env = {k: v for k, v in os.environ.items() if k != "HEARD_LOCALES_DIR"}
    env["PYTHONPATH"] = str(tmp_path / "site")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=tmp_path, env=env, check=True).stdout.splitlines()
    assert out[0] == str(packaged)
    assert set(codes) <= set(eval(out[1]))  # noqa: S307 - our own process's repr of a list
    assert out[2] != "Help"  # the Dari word, from the compiled catalog
    assert sorted(str(p) for p in packaged.rglob("*")) == before


# -- every catalog against the template, both ways ------------------------------------

_PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]"
                          r"|\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")


def _catalog_paths() -> list[Path]:
    return sorted((ROOT / "locales").glob("*/LC_MESSAGES/messages.po"))


def _read(path: Path) -> Catalog:
    # A catalog's locale is its folder's name; the template (messages.pot) has none.
    locale = path.parent.parent.name if path.suffix == ".po" else None
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def _cldr_plural_forms(code: str) -> int:
    """How many forms whole numbers need in CLDR's rules (Welsh and Arabic: 6, Polish 3);
    decimals' extra "other" form is not a gettext form, as gettext counts integers."""
    rule = Locale.parse(code).plural_form
    return len({rule(n) for n in range(1001)})


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _read(ROOT / "locales" / "messages.pot")


@pytest.mark.parametrize("po", _catalog_paths(), ids=lambda p: p.parent.parent.name)
def test_no_string_missing_from_a_catalog(po: Path, template: Catalog) -> None:
    have = {_key(m) for m in _read(po) if m.id}
    missing = sorted({_key(m) for m in template if m.id} - have)
    assert not missing, f"{po.parent.parent.name}: {len(missing)} missing, e.g. {missing[:5]}"


@pytest.mark.parametrize("po", _catalog_paths(), ids=lambda p: p.parent.parent.name)
def test_no_stale_string_left_in_a_catalog(po: Path, template: Catalog) -> None:
    catalog = _read(po)
    wanted = {_key(m) for m in template if m.id}
    stale = sorted({_key(m) for m in catalog if m.id} - wanted)
    obsolete = sorted(_key(m) for m in catalog.obsolete.values())  # "#~" entries
    assert not stale and not obsolete, (
        f"{po.parent.parent.name}: stale {stale[:5]}, obsolete (#~) {obsolete[:5]}")


@pytest.mark.parametrize("po", _catalog_paths(), ids=lambda p: p.parent.parent.name)
def test_placeholders_are_identical(po: Path) -> None:
    wrong = []
    for m in _read(po):
        if not m.id:
            continue
        ids = (m.id,) if isinstance(m.id, str) else m.id
        strings = (m.string,) if isinstance(m.string, str) else m.string
        if len(ids) == 1:
            if strings[0] and placeholders(strings[0]) != placeholders(ids[0]):
                wrong.append((_key(m), strings[0]))
            continue
        # Plurals: a form may leave out the number ("one card" for {n}), never add
        # or rename one; and the forms together use every placeholder.
        want = set(placeholders(ids[0])) | set(placeholders(ids[1]))
        done = [s for s in strings if s]
        if done and (any(not set(placeholders(s)) <= want for s in done)
                     or set().union(*(placeholders(s) for s in done)) != want):
            wrong.append((_key(m), done))
    assert not wrong, f"{po.parent.parent.name}: {wrong[:5]}"


@pytest.mark.parametrize("po", _catalog_paths(), ids=lambda p: p.parent.parent.name)
def test_plural_entries_have_the_locales_number_of_forms(po: Path) -> None:
    code = po.parent.parent.name
    catalog = _read(po)
    forms = _cldr_plural_forms(code)
    assert catalog.num_plurals == forms, (
        f"{code}: Plural-Forms says {catalog.num_plurals}, CLDR has {forms}")
    for m in catalog:
        if m.id and not isinstance(m.id, str) and any(m.string):
            assert len(m.string) == forms, (code, _key(m), len(m.string))


def test_placeholder_pattern_sees_both_forms() -> None:
    assert placeholders("{name} has %(count)d cards and {n:>2}") == [
        "%(count)d", "{n:>2}", "{name}"]
    assert placeholders("no {} positional, no 100%") == []


def test_refreshing_the_catalogs_keeps_each_ones_review_state(tmp_path: Path) -> None:
    """`./dev.sh catalogs` updates every catalog from the template; Babel alone would drop
    the X-Heard-Review header, and a reviewed catalog would read as unreviewed."""
    from core.languages import NOT_REVIEWED, _REVIEW_LINE, update_catalogs

    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    codes = [p.parent.parent.name for p in locales.glob("*/LC_MESSAGES/messages.po")
             if p.parent.parent.name != "en"]
    assert codes, "no translated catalog to check"
    first = locales / codes[0] / "LC_MESSAGES" / "messages.po"
    text = _REVIEW_LINE.sub("", first.read_text(encoding="utf-8"))
    first.write_text(text.replace('"Language: ', '"X-Heard-Review: reviewed by Amira Haddad, '
                                  '2026-12-01\\n"\n"Language: ', 1), encoding="utf-8")
    assert sorted(update_catalogs(locales)) == sorted([*codes, "en"])
    for code in codes:
        found = _REVIEW_LINE.search(
            (locales / code / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8"))
        assert found, code
        want = "reviewed by Amira Haddad, 2026-12-01" if code == codes[0] else NOT_REVIEWED
        assert found.group(1).strip() == want
