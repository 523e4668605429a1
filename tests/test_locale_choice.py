"""Which catalog a person's device language leads to."""

from __future__ import annotations

from core.i18n import available_locales, normalise_locale


def test_a_device_language_finds_its_catalog() -> None:
    have = available_locales()
    assert normalise_locale(None) == "en"
    assert normalise_locale("xx-YY") == "en"
    assert normalise_locale("en-GB") in ("en", "en_GB")
    if "fa_AF" in have and "fa" not in have:
        # A phone set to Persian reaches the Dari catalog, the only one of the language.
        assert normalise_locale("fa") == "fa_AF"
        assert normalise_locale("fa-IR") == "fa_AF"
    for code in have:
        assert normalise_locale(code.replace("_", "-")) == code
