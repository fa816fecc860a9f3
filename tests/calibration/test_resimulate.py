"""The calibrated scenario, re-simulated, reproduces the original world's collections."""
from __future__ import annotations

import numpy as np

from calibration.apply import apply_estimates
from simulation.model import OfferPlan, build_model
from simulation.montecarlo import run_monte_carlo

R = 4


def _collected(prepared, scenario, seed):
    model = build_model(scenario, prepared.inputs.portfolio.frame, prepared.inputs.segment_index)
    res = run_monte_carlo(model, OfferPlan.from_policy(scenario.baseline, scenario), seed=seed, replications=R)
    daily = res.daily[..., 0].sum(axis=2)  # (R, H) collected per day
    return daily.sum(axis=1), np.cumsum(daily, axis=1)


def test_calibrated_scenario_reproduces_collections(world, calibrated):
    prepared, *_ = world
    _, result = calibrated
    fitted = apply_estimates(prepared.scenario, result)
    assert fitted.segments[0].behaviour != prepared.scenario.segments[0].behaviour
    total0, curve0 = _collected(prepared, prepared.scenario, 7)
    total1, curve1 = _collected(prepared, fitted, 8)
    # the estimates come from one replication of the original: their error is about one
    # replication's noise, so the calibrated mean must lie within the original's 95% band
    # of single replications widened by its own standard error
    sd0 = total0.std(ddof=1)
    tol = 1.96 * np.sqrt(sd0 ** 2 * (1 + 1 / R) + total1.var(ddof=1) / R)
    assert abs(total1.mean() - total0.mean()) <= max(tol, 0.02 * total0.mean()), (total0.mean(), total1.mean(), tol)
    for day in (29, 89, curve0.shape[1] - 1):
        sd = curve0[:, day].std(ddof=1)
        tol = 1.96 * np.sqrt(sd ** 2 * (1 + 1 / R) + curve1[:, day].var(ddof=1) / R)
        assert abs(curve1[:, day].mean() - curve0[:, day].mean()) <= max(tol, 0.02 * curve0[:, day].mean()), day
