"""Backtest: fit on the accounts that entered before a date, predict the collections of the rest.

The accounts that entered on or after ``--holdout-from`` are simulated with the
calibrated scenario, each weekly entry cohort from its own entry week to the end of
observation, as a portfolio built from their ``accounts`` rows. Their observed payments
by calendar week are compared with the simulated mean and the 2.5–97.5% band over
replications (the band of one world's collections given the fitted parameters; the
parameters' own uncertainty is not in it). Each cohort gets its own spawned seed.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from calibration.apply import apply_estimates
from calibration.calibrate import CalibrationResult
from calibration.data import CalibData
from scenarios.portfolio import validate_frame
from scenarios.schema import Scenario
from simulation.model import OfferPlan, build_model
from simulation.montecarlo import run_monte_carlo

__all__ = ["Backtest", "split_history", "backtest"]

_EPOCH = _dt.date(1970, 1, 1)


@dataclass
class Backtest:
    """Observed against predicted weekly collections of the held-out accounts.

    Attributes
    ----------
    holdout_from : date
    accounts : int
        Held-out accounts simulated.
    weeks : polars.DataFrame
        ``week`` (Monday), ``observed``, ``predicted`` (mean), ``lo``, ``hi`` (95% band), ``inside``.
    seed, replications : int
    """

    holdout_from: _dt.date
    accounts: int
    weeks: pl.DataFrame = field(repr=False)
    seed: int = 0
    replications: int = 0

    @property
    def share_inside(self) -> float:
        """Share of weeks whose observed collections fall inside the simulated 95% band."""
        return float(self.weeks.get_column("inside").mean()) if self.weeks.height else float("nan")

    def table(self) -> pl.DataFrame:
        return self.weeks

    def to_json(self) -> dict:
        obs, pred = self.weeks.get_column("observed").sum(), self.weeks.get_column("predicted").sum()
        return {"holdout_from": self.holdout_from.isoformat(), "accounts": self.accounts,
                "weeks": self.weeks.height, "share_inside": self.share_inside, "observed_total": float(obs),
                "predicted_total": float(pred), "seed": self.seed, "replications": self.replications}

    def summary(self) -> str:
        j = self.to_json()
        return (f"Backtest from {j['holdout_from']}: {self.accounts} held-out accounts, {j['weeks']} weeks; "
                f"observed R$ {j['observed_total']:,.0f} against predicted R$ {j['predicted_total']:,.0f}; "
                f"{self.share_inside:.0%} of weeks inside the simulated 95% band.")


def split_history(data: CalibData, date: _dt.date) -> tuple[CalibData, CalibData]:
    """(accounts that entered before ``date``, the others), each with its rows of every table."""
    cut = (date - _EPOCH).days
    return data.subset(data.entry < cut), data.subset(data.entry >= cut)


def _week(days: np.ndarray) -> np.ndarray:
    """Monday of the week of each day number (1970-01-01 was a Thursday)."""
    return days - (days + 3) % 7


def backtest(scenario: Scenario, result: CalibrationResult, test: CalibData, holdout_from: _dt.date, *,
             seed: int, replications: int, progress=None) -> Backtest:
    """Simulate the held-out accounts with the calibrated scenario and compare weekly collections.

    Entry cohorts are the entry days (the entry weeks when there are more than 60 of them).
    """
    fitted = apply_estimates(scenario, result)
    frame = validate_frame(test.accounts, "history accounts", scenario.calendar.default_state).frame
    entry = test.entry.astype(np.int64)
    week0 = entry if np.unique(entry).size <= 60 else _week(entry)
    cohorts = np.unique(week0)
    end = test.as_of
    weeks_all = np.arange(int(_week(np.array([week0.min()]))[0]), end + 1, 7)
    sims = np.zeros((replications, weeks_all.size))
    seqs = np.random.SeedSequence(seed).spawn(cohorts.size)
    for i, (w, ss) in enumerate(zip(cohorts, seqs)):
        rows = np.flatnonzero(week0 == w)
        start = int(test.entry[rows].min())
        horizon = int(min(max(end - start + 1, 1), 1095))
        sc = dataclasses.replace(fitted, calendar=dataclasses.replace(
            fitted.calendar, start_date=_EPOCH + _dt.timedelta(days=start), horizon_days=horizon))
        sub = frame[rows]
        model = build_model(sc, sub, test.seg[rows])
        plan = OfferPlan.from_policy(sc.baseline, sc)
        res = run_monte_carlo(model, plan, seed=ss, replications=replications)
        daily = res.daily[..., 0].sum(axis=2)  # (R, H) collected
        days = start + np.arange(daily.shape[1])
        col = np.searchsorted(weeks_all, _week(days))
        for r in range(replications):
            sims[r] += np.bincount(col, weights=daily[r], minlength=weeks_all.size)
        if progress:
            progress("backtest", 1, cohorts.size)
    pay = test.tables.get("payments")
    observed = np.zeros(weeks_all.size)
    if pay is not None and pay.height:
        absolute = pay.get_column("t").to_numpy() + test.entry[pay.get_column("idx").to_numpy()]
        observed = np.bincount(np.searchsorted(weeks_all, _week(absolute)),
                               weights=pay.get_column("amount").cast(pl.Float64).to_numpy(), minlength=weeks_all.size)
    lo, hi = np.quantile(sims, 0.025, axis=0), np.quantile(sims, 0.975, axis=0)
    weeks = pl.DataFrame({"week": [_EPOCH + _dt.timedelta(days=int(w)) for w in weeks_all],
                          "observed": observed[: weeks_all.size], "predicted": sims.mean(axis=0), "lo": lo, "hi": hi})
    weeks = weeks.with_columns(inside=(pl.col("observed") >= pl.col("lo")) & (pl.col("observed") <= pl.col("hi")))
    return Backtest(holdout_from, test.n, weeks, seed, replications)
