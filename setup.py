"""Builds compile the translation catalogs into the package (core/locales), so an
installed Heard carries them ready to use and never writes them at run time.
Everything else about the package is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # a checkout reads locales/ directly
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        source = Path(__file__).resolve().parent / "locales"
        target = Path(self.build_lib) / "core" / "locales"
        for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
            code = po.parent.parent.name
            out = target / code / "LC_MESSAGES"
            out.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=code)
            shutil.copy2(po, out / "messages.po")  # the desk counts strings from it
            with (out / "messages.mo").open("wb") as fh:
                write_mo(fh, catalog)
        shutil.copy2(source / "messages.pot", target / "messages.pot")


setup(cmdclass={"build_py": BuildWithCatalogs})
