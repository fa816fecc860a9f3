"""The headline says whether the gain is significant, in words, and how many replications would settle it."""
from __future__ import annotations

from reports.headline import headline


def _validation(mean: float, lo: float, hi: float, r: int = 10) -> dict:
    return {"replications": r, "difference": {"mean": mean, "ci95": [lo, hi]}}


def test_a_significant_gain_is_stated_as_such():
    h = headline(_validation(42_478.0, 30_000.0, 55_000.0))
    assert h.significant
    assert "adds R$ 42,478" in h.text and "significant gain" in h.text


def test_a_gain_whose_interval_includes_zero_is_not_a_gain():
    h = headline(_validation(42_478.0, -5_141.0, 90_096.0))
    assert not h.significant
    assert h.text.startswith("No significant gain") and "includes zero" in h.text
    assert "+R$ 42,478" in h.text and "-R$ 5,141" in h.text
    assert h.test.replications_needed is not None and h.test.replications_needed > 10
    assert f"About {h.test.replications_needed:,} replications (now 10) would make it significant" in h.text


def test_a_difference_lost_in_the_noise_says_no_number_of_replications_would_do():
    h = headline(_validation(10.0, -90_000.0, 90_010.0))
    assert not h.significant and h.test.replications_needed is None
    assert "No plausible number of replications" in h.text
    pt = headline(_validation(10.0, -90_000.0, 90_010.0), "pt-BR")
    assert pt.text.startswith("Sem ganho significativo") and "R$ 10" in pt.text


def test_no_validation_no_headline():
    assert headline({}) is None


def test_one_replication_gives_no_verdict_and_says_why():
    for lang, start in (("en", "No interval, so no verdict"), ("pt-BR", "Sem intervalo, sem veredito")):
        h = headline({"replications": 1, "difference": {"mean": 5_000.0, "ci95": [None, None]}}, lang)
        assert not h.significant and h.text.startswith(start) and "--replications 2" in h.text
        assert "R$ 5" in h.text and "nan" not in h.text.lower()
