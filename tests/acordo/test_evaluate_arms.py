"""``acordo evaluate`` with an arm of one debtor: no interval, said as "–" and why, never ``nan``."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from acordo.evaluate import MIN_ARM, Evaluation, _diff_ci, _row


def _evaluation(tmp_path: Path) -> Evaluation:
    rng = np.random.default_rng(4)
    rows = []
    big_c, big_b = rng.normal(120.0, 30.0, 40), rng.normal(100.0, 30.0, 40)
    tiny_c, tiny_b = np.array([80.0]), np.array([60.0])
    for seg, yc, yb in (("big", big_c, big_b), ("tiny", tiny_c, tiny_b)):
        d, se, lo, hi = _diff_ci(yc, yb)
        rows.append(_row(seg, "net_recovery", yc, yb, d, se, lo, hi, (15.0, 5.0, 25.0)))
    return Evaluation(pl.DataFrame(rows), tmp_path, "2026-01-05", "2026-03-31")


def test_one_debtor_per_arm_gives_no_interval():
    d, se, lo, hi = _diff_ci(np.array([80.0]), np.array([60.0]))
    assert d == 20.0 and not np.isfinite(se) and not np.isfinite(lo) and not np.isfinite(hi)
    assert MIN_ARM == 2


def test_summary_prints_a_dash_and_says_why_never_nan(tmp_path):
    text = _evaluation(tmp_path).summary()
    assert "nan" not in text.lower()
    tiny = next(line for line in text.splitlines() if line.startswith("tiny"))
    assert "–" in tiny and "20.00" not in tiny  # no difference stated without its interval
    big = next(line for line in text.splitlines() if line.startswith("big"))
    assert "[" in big and "–" not in big.split("]")[0]
    assert "too few debtors for an interval in tiny" in text and f"at least {MIN_ARM} debtors" in text


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_pdf_says_why_too(tmp_path, lang):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    from reports.evaluation import write_evaluation_pdf
    path = write_evaluation_pdf(_evaluation(tmp_path), tmp_path / "evaluation.pdf", lang)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "nan" not in text.lower()
    assert ("too few debtors" if lang == "en" else "poucos devedores") in text
