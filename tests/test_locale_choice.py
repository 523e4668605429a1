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


def test_times_and_weekdays_come_from_cldr_for_the_locale() -> None:
    from core.i18n import clock_time, weekday_names
    from flows.reminders import day_name, time_label
    from core.i18n import use_locale

    assert clock_time(16, 30, "en") == "16:30"  # a UK service: 24-hour clock
    assert clock_time(16, 30, "ar") != "16:30" and "\u0645" in clock_time(16, 30, "ar")  # م
    assert weekday_names("cy")[0] == "Dydd Llun"
    assert weekday_names("pl")[0] == "poniedziałek"
    assert clock_time(16, 0, "sq") != "16:00"  # Albanian writes a 12-hour clock
    with use_locale("en"):
        assert day_name(6) == "Sunday" and time_label("07:30") == "07:30"
