"""Published KPI figures never let anyone work out a count under 5."""

from __future__ import annotations

from domain.kpi import listened_summary, publishable


def test_small_counts_hidden_and_others_rounded() -> None:
    assert [publishable(n) for n in (0, 1, 4, 5, 6, 7, 8, 12, 13, 132)] == [
        0, None, None, 5, 5, 5, 10, 10, 15, 130]


def test_percentage_does_not_reveal_a_hidden_count() -> None:
    # 2 "not at all" beside 20 positive answers: the 2 is hidden, and so is the
    # percentage that would give it away (22 - 0.909 * 22 = 2).
    summary = listened_summary({"not_at_all": 2, "mostly": 10, "totally": 10})
    assert summary["counts"]["not_at_all"] is None
    assert summary["percent_at_least_a_little"] is None
    assert summary["total"] == 20


def test_national_figure_is_reproduced() -> None:
    # The national evaluation: 132 of 156 felt at least a little listened to (84%).
    summary = listened_summary({"not_at_all": 24, "a_little": 50, "mostly": 50, "totally": 32})
    assert summary["percent_at_least_a_little"] == 85  # 132/156 = 84.6%
    assert summary["total"] == 155


def test_a_hidden_question_cannot_be_recovered_from_the_month() -> None:
    # One month: 7 said "not at all" of their keyworker, 2 of CAMHS. Publishing exact
    # 9 for the month and 7 for the keyworker would give away the CAMHS 2.
    keyworker = listened_summary({"not_at_all": 7})
    camhs = listened_summary({"not_at_all": 2})
    month = listened_summary({"not_at_all": 9})
    assert camhs["counts"]["not_at_all"] is None
    difference = month["counts"]["not_at_all"] - keyworker["counts"]["not_at_all"]
    assert difference != 2
