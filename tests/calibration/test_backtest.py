"""Backtest on a simulated history with two entry cohorts."""
from __future__ import annotations

import datetime as _dt

import polars as pl

from calibration.backtest import backtest, split_history
from calibration.calibrate import calibrate
from calibration.data import prepare_history
from tests.calibration.conftest import BASE, simulate_history


def _cohort(start: str, horizon: int, seed: int, prefix: str, n: int = 10000):
    settings = {"calendar.start_date": _dt.date.fromisoformat(start), "calendar.horizon_days": horizon,
                "portfolio.synthetic_seed": seed}
    prepared, tables = simulate_history(BASE, n, seed, settings)
    return prepared, {k: v.with_columns((pl.lit(prefix) + pl.col("debtor_id")).alias("debtor_id")) for k, v in tables.items()}


def test_backtest_weeks_inside_the_band():
    # two cohorts observed to the same day: 2026-01-05 for 236 days, 2026-03-02 for 180 days (10,000 accounts
    # each: the share inside the band does not depend on the size, the fit's error and the band both
    # scale as one over its square root)
    prepared, a = _cohort("2026-01-05", 236, 11, "a")
    _, b = _cohort("2026-03-02", 180, 12, "b")
    tables = {k: pl.concat([a[k], b[k]], how="vertical_relaxed") for k in a}
    data = prepare_history(prepared.scenario, tables)
    assert data.as_of_date == _dt.date(2026, 8, 28)
    cut = _dt.date(2026, 2, 1)
    fit, test = split_history(data, cut)
    assert fit.n == 10000 and test.n == 10000
    result = calibrate(fit, figures=False)
    bt = backtest(prepared.scenario, result, test, cut, seed=5, replications=40)
    assert bt.weeks.height >= 25
    assert bt.share_inside >= 0.80, bt.weeks
    assert "weeks inside" in bt.summary()
