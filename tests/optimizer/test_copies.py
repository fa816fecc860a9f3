"""``optimizer.copies = "balance"``: copies by balance are unbiased, deterministic and sharpen the paired differences."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from acordo.pipeline import prepare
from optimizer.coefficients import estimate_coefficients
from optimizer.sampling import BALANCE_SHARE, balance_copies

BASE = Path(__file__).resolve().parents[2] / "scenarios" / "base.toml"


def test_balance_copies_are_a_systematic_sample_with_exact_weights():
    gen = np.random.default_rng(1)
    rows = np.arange(100, 200)
    bal = np.exp(gen.normal(7.0, 1.2, rows.size))
    y = bal * gen.uniform(0.0, 1.0, rows.size)  # a value per debtor, larger for larger debtors
    n, stride = 60, 10_000
    size = (1 - BALANCE_SHARE) * bal.mean() + BALANCE_SHARE * bal
    expected = n * size / size.sum()
    est = []
    for seed in range(1000):
        picked, scale, offset = balance_copies(rows, bal, n, np.random.default_rng(seed), stride)
        assert picked.size == n
        counts = np.bincount(picked - 100, minlength=rows.size)
        assert np.all(counts >= np.floor(expected) - 1e-9) and np.all(counts <= np.ceil(expected) + 1e-9)
        ids = picked + offset  # copies of one debtor draw with ids of their own
        assert np.unique(ids).size == n
        assert scale.max() <= 1 / (1 - BALANCE_SHARE) + 1e-9
        est.append((scale * y[picked - 100]).mean())
    est = np.array(est)
    # the round's mean of scaled values is unbiased for the mean per debtor (Hansen-Hurwitz)
    assert abs(est.mean() - y.mean()) < 4 * est.std(ddof=1) / np.sqrt(est.size)


@pytest.fixture(scope="module")
def tables():
    settings = {"portfolio.synthetic_n": 2000, "optimizer.sample_per_segment": 400}
    uniform = prepare(BASE, settings={**settings, "optimizer.copies": "uniform"}).model
    balance = prepare(BASE, settings={**settings, "optimizer.copies": "balance"}).model
    return (estimate_coefficients(uniform, seed=4), estimate_coefficients(balance, seed=4, workers=1),
            estimate_coefficients(balance, seed=4, workers=2))


def test_balance_copies_give_the_same_table_on_two_workers(tables):
    _, one, two = tables
    assert one.equals(two)


def test_balance_copies_agree_with_uniform_copies_and_sharpen_the_differences(tables):
    uniform, balance, _ = tables
    j = uniform.join(balance, on=["segment", "offer"], suffix="_b").filter(pl.col("n_debtors") >= 100)
    per = j.group_by("segment").agg(pl.col("npv").mean(), pl.col("npv_b").mean(),
                                    pl.col("npv_se").mean(), pl.col("npv_se_b").mean())
    # a segment's offers share their debtors: their mean's error is about one offer's (fully correlated)
    z = (per["npv"] - per["npv_b"]) / np.sqrt(per["npv_se"] ** 2 + per["npv_se_b"] ** 2)
    assert np.abs(z.to_numpy()).max() < 4, per
    both = j.filter((pl.col("net_diff_se") > 0) & (pl.col("net_diff_se_b") > 0))
    ratio = (both["net_diff_se_b"] / both["net_diff_se"]).to_numpy()
    assert np.median(ratio) < 0.8, np.median(ratio)
