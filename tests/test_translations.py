"""Every string a person reads goes through gettext, and the catalog knows them all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from core.i18n import gettext, ngettext, use_locale

ROOT = Path(__file__).resolve().parent.parent


def _msgids(pot: Path) -> set[str]:
    with pot.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


def test_catalog_template_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "N_", "-k", "_", "-k", "gettext", "-k", "ngettext", "--no-location",
         "--ignore-dirs=.venv tests bench", "-o", str(fresh), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    missing = _msgids(fresh) - _msgids(ROOT / "locales" / "messages.pot")
    assert not missing, (
        "strings not in locales/messages.pot (run the pybabel extract/update in "
        f"docs/translating.md): {sorted(missing)[:10]}"
    )


def test_english_catalog_is_compiled_and_used() -> None:
    with use_locale("en"):
        assert gettext("How are you feeling? Tap up to 3 cards, then tap Done.").startswith("How")
        assert ngettext("{n} check-in", "{n} check-ins", 2) == "{n} check-ins"
    assert (ROOT / "locales" / "en" / "LC_MESSAGES" / "messages.mo").exists()
