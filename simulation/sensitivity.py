"""Sensitivity: net recovery when each main behavioural parameter moves by ±20%.

Every variant is simulated with the same seed (common random numbers), so the bars of
the tornado show the parameter's effect and not simulation noise.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
import polars as pl

from simulation.model import OfferPlan, SimModel
from simulation.montecarlo import run_monte_carlo
from simulation.results import mean_ci

__all__ = ["SENSITIVITY_PARAMETERS", "perturb", "sensitivity", "agent_value"]

#: Parameters moved by the tornado, with how a relative change is applied.
SENSITIVITY_PARAMETERS: dict[str, str] = {
    "self_cure_h0": "scale",
    "reach": "scale",
    "engage": "scale",
    "accept_beta": "scale",
    "keep_first": "scale",
    "keep": "scale",
    "lump_capacity": "log",      # lump-sum capacity times (1 ± delta)
    "monthly_capacity": "log",   # monthly capacity times (1 ± delta)
    "agency_hazard": "scale",
}


def perturb(model: SimModel, parameter: str, factor: float) -> SimModel:
    """The model with ``parameter`` of every segment multiplied by ``factor`` (probabilities clipped to 1)."""
    params = dict(model.params)
    reach, engage = model.reach, model.engage
    if parameter == "reach":
        reach = np.clip(model.reach * factor, 0, 1)
    elif parameter == "engage":
        engage = np.clip(model.engage * factor, 0, 1)
    elif parameter == "lump_capacity":
        params["lump_mu"] = params["lump_mu"] + np.log(factor)
    elif parameter == "monthly_capacity":
        params["monthly_mu"] = params["monthly_mu"] + np.log(factor)
    elif parameter in params:
        value = params[parameter] * factor
        if parameter in ("keep_first", "keep", "self_cure_h0", "agency_hazard"):
            value = np.clip(value, 0, 1)
        params[parameter] = value
    else:
        raise ValueError(f"parameter: unknown (got {parameter!r}, expected one of {', '.join(SENSITIVITY_PARAMETERS)})")
    return dataclasses.replace(model, params=params, reach=reach, engage=engage)


def _reference(model: SimModel, plan: OfferPlan, seed, replications: int, workers: int, metric: str,
               reference: np.ndarray | None) -> np.ndarray:
    """The unperturbed metric per replication: given (already simulated with ``seed``), or simulated."""
    if reference is not None:
        if len(reference) < replications:
            raise ValueError(f"reference: {len(reference)} replications given (expected at least {replications})")
        return np.asarray(reference[:replications], dtype=np.float64)
    return run_monte_carlo(model, plan, seed=seed, replications=replications, workers=workers).values(metric)


def sensitivity(model: SimModel, plan: OfferPlan, *, seed, replications: int, delta: float = 0.2,
                parameters=tuple(SENSITIVITY_PARAMETERS), metric: str = "net_npv", workers: int = 1,
                reference: np.ndarray | None = None,
                progress: Callable[[int], None] | None = None) -> pl.DataFrame:
    """Per parameter and direction: the metric's mean and 95% CI, and the change from the reference.

    Returns columns parameter, change (-delta or +delta), mean, ci95_low, ci95_high,
    reference (the unperturbed mean) and effect (mean - reference, paired by replication).
    ``reference``: the unperturbed metric per replication when already simulated with the
    same seed (replication ``r`` of a longer run is replication ``r`` here), else simulated.
    """
    if not 0 < delta < 1:
        raise ValueError(f"delta: out of range (got {delta}, expected 0 < delta < 1)")
    ref = _reference(model, plan, seed, replications, workers, metric, reference)
    if progress:
        progress(1)
    rows = []
    for p in parameters:
        for change in (-delta, delta):
            vals = run_monte_carlo(perturb(model, p, 1 + change), plan, seed=seed, replications=replications,
                                   workers=workers).values(metric)
            mean, lo, hi = mean_ci(vals)
            eff, elo, ehi = mean_ci(vals - ref)
            rows.append((p, change, mean, lo, hi, float(ref.mean()), eff, elo, ehi))
            if progress:
                progress(1)
    return pl.DataFrame(rows, schema=["parameter", "change", "mean", "ci95_low", "ci95_high", "reference", "effect",
                                      "effect_ci95_low", "effect_ci95_high"], orient="row")


def agent_value(model: SimModel, plan: OfferPlan, *, seed, replications: int, extra: int = 1, workers: int = 1,
                metric: str = "net_npv", reference: np.ndarray | None = None) -> dict:
    """What ``extra`` more agents are worth, by simulation (paired: same draws with and without).

    The LP's dual of ``agent_minutes`` is zero when the pool is not short over the horizon
    as a whole, even if calls queue on busy days; this measures the effect of the queue.
    Returns ``{"agents", "extra", "replications", "metric", "mean", "ci95"}``.
    """
    if extra < 1:
        raise ValueError(f"extra: out of range (got {extra}, expected >= 1)")
    sc = model.scenario
    more = dataclasses.replace(model, scenario=dataclasses.replace(
        sc, agents=dataclasses.replace(sc.agents, count=sc.agents.count + extra)))
    ref = _reference(model, plan, seed, replications, workers, metric, reference)
    alt = run_monte_carlo(more, plan, seed=seed, replications=replications, workers=workers).values(metric)
    mean, lo, hi = mean_ci(alt - ref)
    return {"agents": sc.agents.count, "extra": extra, "replications": replications, "metric": metric,
            "mean": mean, "ci95": [lo, hi]}
