"""How much the chosen policy owes to the noise of its coefficients.

The coefficient table carries bootstrap replicates of its means (``npv_boot``,
``cost_boot``, ``give_boot``, ``cash30_boot``: the same simulated debtors re-weighted with
Poisson(1) weights, one weight per debtor for all its offers, so the replicates keep the
common random numbers between offers). The LP is re-solved on each replicate with the same
constraints and tie-break; for every segment this gives

* ``win_share``: the share of replicates in which the published chosen offer (the offer
  with the largest share) is chosen again;
* ``limit_low`` / ``limit_high``: the discount limit as a 95% *prediction* interval for
  another estimate of the same book (another seed): the published limit plus or minus the
  95% quantile of the distance between two replicates' limits, joined with the replicates'
  range, clipped to the segment's catalogue (:func:`prediction_interval`).
"""
from __future__ import annotations

import numpy as np
import polars as pl

from optimizer.constraints import DEFAULT_SOLVER, Constraints
from optimizer.solution import PolicySolution

__all__ = ["BOOT_COLUMNS", "PREDICTION_LEVEL", "stability", "chosen_offers", "prediction_interval"]

#: Probability with which the published limit interval holds another estimate's limit.
PREDICTION_LEVEL = 0.95

#: Replicate columns and the mean each one replaces.
BOOT_COLUMNS = {"npv_boot": "npv", "cost_boot": "cost", "give_boot": "give", "cash30_boot": "cash30"}


def chosen_offers(solution: PolicySolution) -> dict[str, str]:
    """Per segment, the offer with the largest share."""
    top = (solution.shares.sort(["segment", "share"], descending=[False, True], maintain_order=True)
           .group_by("segment", maintain_order=True).first())
    return dict(zip(top["segment"].to_list(), top["offer"].to_list()))


def prediction_interval(point: float, replicates: np.ndarray, top: float, level: float = PREDICTION_LEVEL
                        ) -> tuple[float, float]:
    """Where another estimate of the same book puts a limit: ``point -/+ w``, joined with the replicates' range.

    Two independent estimates differ as two independent draws of the estimate do, so ``w``
    is the ``level`` quantile of ``|L_i - L_j|`` over the pairs of bootstrap replicates
    ``i != j``; a confidence interval for the true limit would be about ``sqrt(2)`` narrower.
    Clipped to ``[0, top]`` (the segment's largest catalogue discount).
    """
    vals = np.asarray(replicates, dtype=float)
    if vals.size < 2:
        return point, point
    diffs = np.abs(vals[:, None] - vals[None, :])[~np.eye(vals.size, dtype=bool)]
    w = float(np.quantile(diffs, level))
    return max(0.0, min(point - w, float(vals.min()))), min(top, max(point + w, float(vals.max())))


def _replicate(shared: tuple, b: int) -> tuple[dict[str, str], dict[str, float]] | None:
    """The chosen offers and discount limits of the LP re-solved on bootstrap replicate ``b``
    (None when it has no solution); a pool task, ``shared = (coef, constraints, solver, integer)``."""
    from optimizer.solve import solve_policy
    coef, constraints, solver, integer = shared
    table = coef.with_columns([pl.col(col).list.get(b).alias(mean) for col, mean in BOOT_COLUMNS.items()])
    sol = solve_policy(table.drop(list(BOOT_COLUMNS)), constraints, integer=integer, solver=solver,
                       explain=False, two_sided=False)
    if not sol.status.has_solution:
        return None
    limits = sol.discount_limits
    return chosen_offers(sol), dict(zip(limits["segment"].to_list(), limits["discount_limit"].to_list()))


def stability(coef: pl.DataFrame, constraints: Constraints, solution: PolicySolution, *,
              replicates: int = 30, solver: str = DEFAULT_SOLVER, integer: bool = False,
              workers: int | None = 1) -> pl.DataFrame:
    """Per segment: ``segment, chosen_offer, win_share, limit_low, limit_high, replicates``.

    Empty when the table has no replicate columns or the solution none. The replicates are
    re-solved on ``workers`` processes (the job's pool inside :func:`simulation.pool.job_pool`);
    the result does not depend on how many.
    """
    from simulation.pool import WorkerPool, resolve_workers
    schema = {"segment": pl.String, "chosen_offer": pl.String, "win_share": pl.Float64,
              "limit_low": pl.Float64, "limit_high": pl.Float64, "replicates": pl.Int64}
    if not solution.status.has_solution or not all(c in coef.columns for c in BOOT_COLUMNS):
        return pl.DataFrame(schema=schema)
    chosen = chosen_offers(solution)
    limits = dict(zip(solution.discount_limits["segment"].to_list(), solution.discount_limits["discount_limit"].to_list()))
    B = int(min(replicates, coef["npv_boot"].list.len().min()))
    wins = {s: 0 for s in chosen}
    boot_limits: dict[str, list[float]] = {s: [] for s in chosen}
    with WorkerPool(resolve_workers(workers, B)) as pool:
        solved = pool.map(_replicate, range(B), shared=(coef, constraints, solver, integer))
    found = [r for r in solved if r is not None]
    for again, lims in found:
        for s in chosen:
            wins[s] += again.get(s) == chosen[s]
        for s, lim in lims.items():
            if s in boot_limits:
                boot_limits[s].append(lim)
    used = len(found)
    rows = []
    for s in chosen:
        point = limits.get(s, np.nan)
        vals = np.array(boot_limits[s], dtype=float)
        if vals.size and np.isfinite(point):
            lo, hi = prediction_interval(point, vals, float(coef.filter(pl.col("segment") == s)["discount"].max()))
        else:
            lo = hi = point
        rows.append({"segment": s, "chosen_offer": chosen[s], "win_share": wins[s] / used if used else np.nan,
                     "limit_low": float(lo), "limit_high": float(hi), "replicates": used})
    return pl.DataFrame(rows, schema=schema)
