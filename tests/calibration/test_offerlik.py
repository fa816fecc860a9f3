"""The joint likelihood of offers (acceptance, capacity, reservation weights) and its profile intervals.

Offer histories drawn directly from the model's law (``calibration.offerlik``'s docstring):
capacity drawn once per debtor, each offer accepted when affordable and ``u < p``, the
amounts growing a little from one offer to the next (the juros de mora). No engine: cheap.
"""
from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import special, stats
from scipy.optimize import approx_fprime

from calibration.offerlik import fit_offers, negll, offer_arrays
from calibration.profile import profile_interval

TRUTH = np.array([-0.5, 4.0, -0.6, 0.0, -2.2, np.log(0.8), 0.5, 0.0])
FREE6 = np.array([True] * 6 + [False] * 2)


def _offers(n: int, rng: np.random.Generator, theta=TRUTH, reservation: bool = False) -> pl.DataFrame:
    """``n`` debtors, 1–3 offers each of one (discount, plan), accepted or declined by the model's law."""
    alpha, beta, lmu, ls1, mmu, ls2, w0, _ = theta
    d = rng.choice([0.0, 0.2, 0.4, 0.6], n)
    plan = rng.random(n) < 0.5
    L = lmu + np.exp(ls1) * rng.standard_normal(n)   # log capacity / balance
    M = mmu + np.exp(ls2) * rng.standard_normal(n)
    k_max = rng.integers(1, 4, n)
    rows = []
    for i in range(n):
        for k in range(k_max[i]):
            grow = np.log1p(0.006 * 10 * k)
            lf = (np.log(0.1 * (1 - d[i])) if plan[i] else np.log(1 - d[i])) + grow
            lp = np.log(0.09 * (1 - d[i])) + grow if plan[i] else np.nan
            off = d[i] if (reservation and k > 0) else 0.0
            p = special.expit(alpha + beta * (d[i] - w0 * off))
            ok = lf <= L[i] and (not plan[i] or lp <= M[i])
            acc = bool(ok and rng.random() < p)
            rows.append((i, k, d[i], lf, lp, acc, off))
            if acc:
                break
    f = pl.DataFrame(rows, schema=["idx", "rank", "d", "lf", "lp", "accepted", "offered_before"], orient="row")
    f = f.with_columns(pl.col("lp").fill_nan(None), K=pl.len().over("idx").cast(pl.Int64),
                       received_before=pl.lit(0.0))
    return f if reservation else f.drop("offered_before", "received_before")


@pytest.fixture(scope="module")
def small():
    return offer_arrays(_offers(400, np.random.default_rng(3)))


def test_gradient_is_the_likelihoods(small):
    th = TRUTH + np.array([0.1, -0.3, 0.05, 0.1, -0.1, 0.05, 0.0, 0.0])
    f, g = negll(th, small)
    num = approx_fprime(th, lambda t: negll(t, small)[0], 1e-6)
    assert np.allclose(g[:6], num[:6], rtol=1e-4, atol=1e-3)
    res = offer_arrays(_offers(300, np.random.default_rng(4), reservation=True))
    f, g = negll(TRUTH, res)
    num = approx_fprime(TRUTH, lambda t: negll(t, res)[0], 1e-6)
    assert np.allclose(g, num, rtol=1e-4, atol=1e-3)


def test_profile_bounds_sit_at_the_likelihood_ratio_level(small):
    """At each bound, the profile deviance is the chi-square(1) 95% quantile."""
    fit = fit_offers(small, TRUTH, FREE6)
    assert fit.cov is not None and not fit.edge
    lo, hi, _ = profile_interval(small, fit, 2)
    assert lo < fit.theta[2] < hi
    for x in (lo, hi):
        others = FREE6.copy()
        others[2] = False
        th = fit.theta.copy()
        th[2] = x
        inner = fit_offers(small, th, others)
        assert 2 * (inner.f - fit.f) == pytest.approx(stats.chi2.ppf(0.95, 1), abs=0.08)


def test_profile_intervals_cover_in_small_samples():
    """Over 12 small samples (150 debtors), the profile intervals of the six cover at about 95%."""
    hits, total = 0, 0
    for seed in range(12):
        A = offer_arrays(_offers(150, np.random.default_rng(100 + seed)))
        fit = fit_offers(A, TRUTH, FREE6)
        if fit.cov is None or fit.edge:
            continue
        for j in range(6):
            lo, hi, _ = profile_interval(A, fit, j)
            hits += lo <= TRUTH[j] <= hi
            total += 1
    assert total >= 60
    # 95% nominal; 85% is about four binomial standard errors below it at this count
    assert hits / total >= 0.85, (hits, total)


def test_reservation_weight_recovered_jointly_with_capacity():
    A = offer_arrays(_offers(3000, np.random.default_rng(7), reservation=True))
    free = np.array([True] * 7 + [False])
    fit = fit_offers(A, np.r_[TRUTH[:6], 0.3, 0.0], free)
    assert fit.cov is not None
    lo, hi, _ = profile_interval(A, fit, 6)
    assert lo <= TRUTH[6] <= hi
    for j in (2, 3):
        lo, hi, _ = profile_interval(A, fit, j)
        assert lo <= TRUTH[j] <= hi


def test_offers_cut_where_amounts_fall():
    """A larger discount after a smaller one breaks nesting: the sequence is cut there (declined prefix)."""
    f = pl.DataFrame({"idx": [1, 1, 1], "rank": [0, 1, 2], "K": [3, 3, 3], "d": [0.0, 0.0, 0.3],
                      "lf": [0.0, 0.01, np.log(0.7)], "lp": [None, None, None], "accepted": [False, False, True]},
                     schema_overrides={"lp": pl.Float64})
    A = offer_arrays(f)
    assert A.cut == 1 and A.d.size == 2 and not A.accepted[0]
