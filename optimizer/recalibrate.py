"""Segment levels anchored by re-simulation before a binding chance row is published.

A chance row's margin (:mod:`optimizer.margins`) covers the coefficients' noise at the
chosen shares, as if it were independent from offer to offer. Most of it is not. Every
offer of a segment is simulated on the same debtors and draws (common random numbers),
so a lucky draw (a few large balances paying in the first month) lifts the 30-day cash of
*every* offer of the segment together. On base at 20,000 debtors, seed 101, all 91 offers of
``mid_early`` come out 1.97–2.54 standard errors above another seed's. The LP then
leans on that segment to meet a liquidity target. Over seven seeds the 30-day cash the
coefficients promised for the chosen policy exceeded its simulation by R$ 0.0–0.7M, every
one in the same direction, and a target declared at 95% held in 77% of the replications for
two seeds of eight.

So when a chance row (``budget``, ``budget_share``, ``liquidity``) binds at the optimum,
:func:`recalibrate` simulates the policy once (``replications`` runs of the whole book on
seeds of their own, never those of the final out-of-sample check). For each segment it
compares the simulated 30-day cash and give-away per debtor with what the coefficients
predict at the segment's shares, and scales every offer of the segment by the ratio,
weighted by precision: ``factor = 1 + w (simulated / predicted - 1)`` with
``w = v_c / (v_c + v_s)``, where ``v_c`` is the variance of the coefficients' prediction and
``v_s`` that of the simulated mean. A common factor leaves the choice between a segment's
offers as it was and moves what the rows add up across segments. It goes into the means,
their standard errors and their bootstrap replicates alike. The LP is then solved again on
the scaled table, which is also the one published (columns ``cash30_factor`` and
``give_factor``).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import polars as pl

from optimizer.constraints import Constraints
from optimizer.solution import PolicySolution
from optimizer.solve import solve_policy
from simulation.replication import DAILY_METRICS
from simulation.results import SEGMENT_METRICS, SimulationResult

__all__ = ["CHANCE_ROWS", "LEVELS", "recalibrate", "recalibration_seed", "segment_levels", "shift_levels"]

#: The rows whose binding triggers the check.
CHANCE_ROWS = ("budget", "budget_share", "liquidity")
#: Coefficient columns anchored: the first 30 days' cash and the give-away.
LEVELS = ("cash30", "give")


def recalibration_seed(valid_seq: np.random.SeedSequence, k: int = 0) -> np.random.SeedSequence:
    """The seeds of re-simulation ``k``: a child of the job's validation seed that its own
    replications (``spawn_key + (r,)``) never use."""
    return np.random.SeedSequence(valid_seq.entropy, spawn_key=tuple(valid_seq.spawn_key) + (7_000 + k,))


def segment_levels(sim: SimulationResult, segments: list[str], n_debtors: dict[str, float]
                   ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per level column: the simulated mean per debtor of every segment (in ``segments`` order,
    the model's) and the standard error of that mean over the replications.

    ``cash30``: collected in the first 30 days (the daily series); ``give``: the give-away
    of the agreements made (the segment totals, booked as the coefficients book it).
    """
    n = np.array([max(float(n_debtors.get(s, 0.0)), 1.0) for s in segments])
    sums = {"cash30": sim.daily[:, :30, :, DAILY_METRICS.index("collected")].sum(axis=1),
            "give": sim.segment_totals()[:, :, SEGMENT_METRICS.index("give_away")]}
    out = {}
    for col in LEVELS:
        per = sums[col] / n[None, :]
        se = per.std(axis=0, ddof=1) / np.sqrt(per.shape[0]) if per.shape[0] > 1 else np.full(n.size, np.inf)
        out[col] = (per.mean(axis=0), se)
    return out


def _predicted(shares: pl.DataFrame, col: str) -> pl.DataFrame:
    """Per segment: the coefficients' prediction per debtor at the shares, and its standard error
    (the shares' mix of the offers' standard errors: they move together, so they add)."""
    se = f"{col}_se" if f"{col}_se" in shares.columns else None
    return shares.group_by("segment").agg((pl.col("share") * pl.col(col)).sum().alias("pred"),
                                          ((pl.col("share") * pl.col(se)).sum() if se else pl.lit(0.0)).alias("pred_se"))


def shift_levels(coef: pl.DataFrame, factors: dict[str, dict[str, float]]) -> pl.DataFrame:
    """``coef`` with ``col``, its standard error and its bootstrap replicates (``<col>_se``,
    ``<col>_boot``) multiplied by ``factors[col][segment]``, the factors kept as
    ``<col>_factor`` (cumulative)."""
    out = coef
    for col, by_seg in factors.items():
        f = pl.col("segment").replace_strict(by_seg, default=1.0, return_dtype=pl.Float64)
        prev = pl.col(f"{col}_factor") if f"{col}_factor" in out.columns else pl.lit(1.0)
        exprs = [(pl.col(col) * f).alias(col), (prev * f).alias(f"{col}_factor")]
        exprs += [(pl.col(c) * f).alias(c) for c in (f"{col}_se", f"{col}_boot") if c in out.columns]
        out = out.with_columns(exprs)
    return out


def _binding(solution: PolicySolution) -> list[str]:
    return [n for n in solution.binding if n in CHANCE_ROWS]


def recalibrate(coef: pl.DataFrame, constraints: Constraints, solution: PolicySolution,
                simulate: Callable[[PolicySolution], SimulationResult], segments: list[str], *, solver: str,
                integer: bool = False) -> tuple[pl.DataFrame, PolicySolution, dict]:
    """Scale the segments' 30-day cash and give-away to a simulation of the policy, then re-solve.

    Parameters
    ----------
    coef : pl.DataFrame
        The LP's coefficient table (as given to :func:`optimizer.solve.solve_policy`).
    constraints, solution
        The constraints and the solution found with them on ``coef``.
    simulate : callable(solution) -> SimulationResult
        Simulates the solution's policy on the re-simulation's seeds (:func:`recalibration_seed`).
    segments : list of str
        The model's segment names, in the order of the simulation's segment axis.
    solver, integer
        As for :func:`optimizer.solve.solve_policy`.

    Returns
    -------
    (coef, solution, record)
        The shifted table and the solution on it (the inputs, and an empty record, when no
        chance row binds or the shifted LP has no solution); ``record`` gives the rows that
        bound, the replications, per segment and column the prediction, the simulated mean,
        both standard errors, the weight, the factor and the shift it makes in R$, and the
        total shift of each column.
    """
    rows = _binding(solution)
    if not rows or not solution.status.has_solution:
        return coef, solution, {}
    sim = simulate(solution)
    n_debtors = dict(solution.shares.group_by("segment").agg(pl.col("n_debtors").first()).iter_rows())
    observed = segment_levels(sim, segments, n_debtors)
    factors: dict[str, dict[str, float]] = {}
    per_segment = []
    for col in LEVELS:
        mean, se = observed[col]
        pred = {s: (p, q) for s, p, q in _predicted(solution.shares, col).iter_rows()}
        factors[col] = {}
        for i, s in enumerate(segments):
            if s not in pred or not np.isfinite(se[i]) or not pred[s][0] > 0:
                continue
            p, q = pred[s]
            v_c, v_s = float(q) ** 2, float(se[i]) ** 2
            w = v_c / (v_c + v_s) if v_c + v_s > 0 else 0.0
            factor = 1.0 + w * (float(mean[i]) / float(p) - 1.0)
            factors[col][s] = factor
            n = float(n_debtors.get(s, 0.0))
            per_segment.append({"segment": s, "column": col, "predicted": float(p), "predicted_se": float(q),
                                "simulated": float(mean[i]), "simulated_se": float(se[i]), "weight": w,
                                "factor": factor, "n_debtors": n, "total_shift": (factor - 1.0) * float(p) * n})
    shifted = shift_levels(coef, factors)
    again = solve_policy(shifted, constraints, integer=integer, solver=solver)
    record = {"rows": rows, "replications": int(sim.replications), "segments": per_segment,
              "total_shift": {col: sum(r["total_shift"] for r in per_segment if r["column"] == col) for col in LEVELS},
              "status": again.status.name}
    if not again.status.has_solution:
        record["kept"] = "the shifted table has no solution: the unshifted one is published"
        return coef, solution, record
    return shifted, again, record
