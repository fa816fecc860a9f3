"""Engagement and fatigue in a small segment whose log-link fit leaves the model's range.

The counts are those of a 300-debtor segment (crediário's ``low_early_chronic``, 50,000
debtors simulated with seed 20261203, truth: fatigue 0.85): two repeat calls, both
engaged, pull the unconstrained log-link GLM to fatigue 1.27 with a fitted call
probability of 1 and a spurious standard error (0.05 on the log scale, the interval then
clipped to [1, 1]). Fitted within the model's ranges, the estimate is on the edge with a
one-sided interval from the observed information, and it covers the truth.
"""
from __future__ import annotations

import math

import numpy as np
import polars as pl
import statsmodels.api as sm

from calibration.contacts import fit_engage

#: (channel, n7, reached and not opted out, engaged)
CELLS = [("call", 0, 34, 18), ("call", 1, 12, 6), ("call", 2, 1, 1), ("call", 3, 1, 1),
         ("letter", 0, 12, 0), ("letter", 1, 74, 3), ("letter", 2, 6, 0),
         ("sms", 0, 241, 12), ("sms", 1, 17, 1), ("sms", 2, 3, 0),
         ("whatsapp", 0, 107, 7), ("whatsapp", 1, 159, 17), ("whatsapp", 2, 3, 0)]
PRIOR = {f"engage.{c}": v for c, v in (("sms", 0.05), ("email", 0.03), ("whatsapp", 0.08), ("call", 0.59),
                                       ("letter", 0.04))} | {"fatigue": 0.85}


def _frame() -> pl.DataFrame:
    rows = []
    for c, n7, n, s in CELLS:
        rows += [{"seg": 0, "channel": c, "n7": n7, "reached": True, "engaged": True, "opted_out": False, "len": s},
                 {"seg": 0, "channel": c, "n7": n7, "reached": True, "engaged": False, "opted_out": False,
                  "len": n - s}]
    return pl.DataFrame(rows).filter(pl.col("len") > 0).with_columns(pl.col("len").cast(pl.UInt32))


def test_the_unconstrained_fit_leaves_the_range():
    """What the refit is for: the plain IRLS fit of these counts puts a probability at 1."""
    chans = ["sms", "whatsapp", "call", "letter"]
    X = np.array([[c == k for k in chans] + [n7] for c, n7, _, _ in CELLS], float)
    y = np.array([[s, n - s] for _, _, n, s in CELLS], float)
    start = np.log([PRIOR[f"engage.{c}"] for c in chans] + [PRIOR["fatigue"]])
    fit = sm.GLM(y, X, family=sm.families.Binomial(link=sm.families.links.Log())).fit(start_params=start)
    assert fit.params[-1] > 0 and fit.mu.max() > 1 - 1e-6


def test_fatigue_within_its_range_with_an_honest_interval():
    est = {e.key: e for e in fit_engage(_frame(), 0, "small", PRIOR)}
    f = est["fatigue"]
    assert f.status == "weakly identified" and "edge of the parameter's range" in f.reason
    assert f.value <= 1.0 and f.hi - f.lo > 0.2  # one-sided, wide: two repeat calls say little
    assert f.covers(0.85) and "observed information" in f.method
    assert math.isfinite(f.se) and f.se > 0.1
    for c in ("sms", "whatsapp", "call", "letter"):
        e = est[f"engage.{c}"]
        assert e.identified and 0 < e.lo < e.value < e.hi < 1, e
