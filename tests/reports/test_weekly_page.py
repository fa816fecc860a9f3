"""The constraints page's capacity-by-week sentence: the LP's value of one more agent and whether the plan held."""
from __future__ import annotations

import pytest

from reports.page_constraints import _weekly_detail

SOLUTION = {"capacity_by_week": {
    "one_more_agent": {"by_duals": 1234.0, "resolved": 1200.0, "bottleneck_weeks": [0, 3], "within_ranging": True},
    "held": [{"week": 0, "planned": 100.0, "used": 90.0}, {"week": 1, "planned": 100.0, "used": 70.0}]}}


@pytest.mark.parametrize("lang, words", [("en", ("bottleneck weeks: 1, 4", "made 80%")),
                                         ("pt-BR", ("semanas gargalo: 1, 4", "fez 80"))])
def test_the_weekly_sentence_names_the_bottleneck_weeks_and_the_share_made(lang, words):
    head, detail = _weekly_detail(SOLUTION, lang)
    assert "1" in head and all(w in detail for w in words), detail


def test_no_weekly_rows_no_sentence():
    assert _weekly_detail({}, "en") is None
    assert _weekly_detail({"capacity_by_week": {}}, "en") is None
