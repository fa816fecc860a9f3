"""Benchmark of the offer-policy LP core (issue 4, "Performance").

A random 200-segment x 150-offer coefficient table with a binding give-away budget and a
binding agent-minutes row:

* ``lp_build_solve_<solver>``: build the model and solve it, best of 3 runs (the machine
  is shared), budget 1.0 s;
* ``lp_frontier25_<solver>``: a 25-point budget frontier (one extra solve to find the
  unconstrained give-away, then 25 re-solves of the same model), budget 10 s.

CBC, HiGHS (dual simplex) and HiGHS's interior point (with crossover) are all measured;
``optimizer.lp.DEFAULT_SOLVER`` is the one expected to meet both budgets. Every record
says whether its solver ``meets_budget``; ``ok`` is that verdict for the default solver
and ``True`` for the others (they are measured for comparison, not required).
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl

__all__ = ["random_coefficients", "run"]

BUILD_SOLVE_BUDGET_S = 1.0
FRONTIER_BUDGET_S = 10.0


def random_coefficients(n_segments: int, n_offers: int, rng: np.random.Generator) -> pl.DataFrame:
    """A plausible random coefficient table (one row per segment x offer).

    Acceptance grows with the discount and the number of installments, lump sums bring
    cash in the first 30 days, long plans break more often and need agent minutes.

    Parameters
    ----------
    n_segments, n_offers : int
        Table size; offers are a discount x installments grid cut to ``n_offers``.
    rng : np.random.Generator

    Returns
    -------
    pl.DataFrame
    """
    installments = np.array([1, 2, 3, 4, 6, 8, 10, 12, 15, 18, 24, 30, 36, 48, 60])
    n_disc = int(np.ceil(n_offers / installments.size))
    discounts = np.round(np.linspace(0.0, 0.9, n_disc), 4)
    grid = [(d, n) for d in discounts for n in installments][:n_offers]
    d = np.array([g[0] for g in grid])
    n = np.array([g[1] for g in grid])
    rows: list[pl.DataFrame] = []
    bands = ["A", "B", "C", "D"]
    for s in range(n_segments):
        balance = float(rng.lognormal(np.log(2500.0), 0.6))
        n_debtors = int(rng.integers(200, 5000))
        chronic = bool(rng.random() < 0.25)
        band = bands[int(rng.integers(len(bands)))]
        base = rng.uniform(0.05, 0.35)
        elastic = rng.uniform(0.5, 1.5)
        accept = np.clip(base + elastic * 0.6 * d ** 0.8 + 0.08 * np.log1p(n) / np.log(61) + rng.normal(0, 0.01, d.size), 0.01, 0.98)
        break_rate = np.clip(0.05 + 0.25 * (n - 1) / 59 + rng.normal(0, 0.01, d.size), 0.0, 0.9)
        kept = accept * (1 - break_rate * 0.6)
        pv = 1.0 / (1 + 0.015) ** (n / 2)
        npv = balance * (1 - d) * kept * pv
        give = balance * d * kept
        minutes = 3.0 + 0.6 * n * accept + rng.uniform(0, 1, d.size)
        cost = 4.0 + 0.8 * minutes
        cash30 = balance * (1 - d) * accept / n
        rows.append(
            pl.DataFrame(
                {
                    "segment": [f"seg{s:03d}"] * d.size,
                    "offer": [f"d{int(round(100 * dd))}_n{nn}" for dd, nn in zip(d, n)],
                    "discount": d,
                    "installments": n,
                    "n_debtors": [n_debtors] * d.size,
                    "npv": npv,
                    "cost": cost,
                    "give": give,
                    "minutes": minutes,
                    "cash30": cash30,
                    "break_rate": break_rate,
                    "chronic": [chronic] * d.size,
                    "risk_band": [band] * d.size,
                    "npv_se": npv * 0.02,
                }
            )
        )
    return pl.concat(rows)


def _bench_case(seed: int = 20240) -> tuple[pl.DataFrame, Any]:
    from optimizer.lp import Constraints, solve_policy

    coef = random_coefficients(200, 150, np.random.default_rng(seed))
    free = solve_policy(coef, Constraints(chronic_not_better=False), solver="highs")
    n = coef["n_debtors"].to_numpy()
    least_minutes = float(coef.group_by("segment").agg((pl.col("minutes") * pl.col("n_debtors")).min())["minutes"].sum())
    used_minutes = float((free.shares["share"].to_numpy() * n * coef["minutes"].to_numpy()).sum())
    constraints = Constraints(
        budget=0.5 * free.give_away,
        agent_minutes=least_minutes + 0.6 * (used_minutes - least_minutes),
        chronic_max_discount=0.3,
        moral_hazard_cost=0.2,
    )
    return coef, constraints


def run() -> Iterator[dict[str, Any]]:
    """Yield one record per measurement (``name, value, unit, budget, ok``)."""
    from optimizer.frontier import frontier
    from optimizer.lp import DEFAULT_SOLVER, solve_policy

    coef, constraints = _bench_case()
    for solver in ("cbc", "highs", "highs-ipm"):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            solution = solve_policy(coef, constraints, solver=solver)
            times.append(time.perf_counter() - start)
        elapsed = min(times)
        binding = ",".join(b for b in solution.binding if not b.startswith("chronic"))
        yield {
            "name": f"lp_build_solve_200x150_{solver}",
            "value": round(elapsed, 3),
            "unit": "s",
            "budget": BUILD_SOLVE_BUDGET_S,
            "ok": bool(elapsed <= BUILD_SOLVE_BUDGET_S or solver != DEFAULT_SOLVER),
            "meets_budget": bool(elapsed <= BUILD_SOLVE_BUDGET_S),
            "status": solution.status.name,
            "objective": round(solution.objective, 2),
            "binding": binding,
            "default": solver == DEFAULT_SOLVER,
        }
        start = time.perf_counter()
        table = frontier(coef, constraints, n_points=25, solver=solver)
        elapsed = time.perf_counter() - start
        yield {
            "name": f"lp_frontier25_200x150_{solver}",
            "value": round(elapsed, 3),
            "unit": "s",
            "budget": FRONTIER_BUDGET_S,
            "ok": bool(elapsed <= FRONTIER_BUDGET_S or solver != DEFAULT_SOLVER),
            "meets_budget": bool(elapsed <= FRONTIER_BUDGET_S),
            "points_optimal": int((table["status"] == "OPTIMAL").sum()),
            "default": solver == DEFAULT_SOLVER,
        }
