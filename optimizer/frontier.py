"""Recovery vs give-away frontier: the offer-policy LP over a range of budgets.

The model is built once with a ``budget`` row; it is solved once with that row slack to
find the give-away of the unconstrained optimum ``G``, and then re-solved for budgets
``0, G/(n-1), ..., G`` by changing the row's right-hand side only (HiGHS re-solves its
in-process model from the previous basis; CBC is handed the same model again). By LP
theory the optimal objective is non-decreasing and concave in the budget, and its slope
is the budget's dual (``budget_dual``).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import polars as pl

from optimizer.constraints import DEFAULT_SOLVER, Constraints, prepare_coefficients
from optimizer.build import build_model
from optimizer.solver import SolveStatus, dual_sign, make_solver, resolve_with_rhs, solve_problem

__all__ = ["FRONTIER_SCHEMA", "frontier"]

#: Columns of the frame returned by :func:`frontier`.
FRONTIER_SCHEMA: dict[str, pl.DataType] = {
    "budget": pl.Float64(),
    "objective": pl.Float64(),
    "give_away": pl.Float64(),
    "recovery": pl.Float64(),
    "net": pl.Float64(),
    "moral_hazard": pl.Float64(),
    "budget_dual": pl.Float64(),
    "status": pl.String(),
}


def frontier(
    coef: pl.DataFrame,
    constraints: Constraints | None = None,
    n_points: int = 25,
    *,
    solver: str = DEFAULT_SOLVER,
    time_limit: float | None = None,
) -> pl.DataFrame:
    """Solve the LP over ``n_points`` equally spaced give-away budgets.

    Parameters
    ----------
    coef : pl.DataFrame
        Coefficient table (:func:`optimizer.constraints.prepare_coefficients`).
    constraints : Constraints or None
        All other constraints; its ``budget`` is ignored (the frontier sets it).
    n_points : int
        Number of budgets, ``>= 2``, from 0 to the unconstrained give-away inclusive.
    solver : {"cbc", "highs", "highs-ipm"}
        See :func:`optimizer.solver.make_solver`.
    time_limit : float or None
        Per solve, seconds.

    Returns
    -------
    pl.DataFrame
        Columns of :data:`FRONTIER_SCHEMA`, one row per budget, ascending:
        ``budget, objective, give_away, recovery, net, moral_hazard`` (R$, NaN without a
        solution), ``budget_dual`` (R$ of objective per R$ of budget) and ``status``
        (a :class:`~optimizer.solver.SolveStatus` name). When the model has no solution
        even without a budget, a single row with ``budget`` NaN carries that status.
    """
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 2:
        raise ValueError(f"n_points: out of range (got {n_points!r}, expected an integer >= 2)")
    cons = Constraints() if constraints is None else constraints
    table = prepare_coefficients(coef)
    n_debtors = table["n_debtors"].to_numpy().astype(float)
    give = table["give"].to_numpy()
    npv = table["npv"].to_numpy()
    cost = table["cost"].to_numpy()
    chronic = table["chronic"].to_numpy().astype(bool)
    # A budget no policy can reach: the row exists but cannot bind.
    max_give = float(table.with_columns((pl.col("give") * pl.col("n_debtors")).alias("_g")).group_by("segment").agg(pl.col("_g").max())["_g"].sum())
    slack_budget = max(1.0, 2.0 * max_give + 1.0)
    model = build_model(table, dataclasses.replace(cons, budget=slack_budget), integer=False)
    lp_solver = make_solver(solver, time_limit=time_limit)
    sign = dual_sign(lp_solver, model.problem.sense)
    budget_row = model.rows["budget"]
    mh = float(cons.moral_hazard_cost)

    def record(budget: float, status: SolveStatus) -> dict[str, object]:
        if status.has_solution:
            x = np.clip(np.nan_to_num(model.values()[: model.n_x], nan=0.0), 0.0, None)
            pi = budget_row.constraint.pi
            dual = sign * float(pi) if status is SolveStatus.OPTIMAL and pi is not None else math.nan
            return {
                "budget": budget,
                "objective": float(model.objective[: model.n_x] @ x),
                "give_away": float(np.sum(n_debtors * x * give)),
                "recovery": float(np.sum(n_debtors * x * npv)),
                "net": float(np.sum(n_debtors * x * (npv - cost))),
                "moral_hazard": float(np.sum(n_debtors * x * give * chronic) * mh),
                "budget_dual": dual,
                "status": status.name,
            }
        nan = math.nan
        return {"budget": budget, "objective": nan, "give_away": nan, "recovery": nan, "net": nan,
                "moral_hazard": nan, "budget_dual": nan, "status": status.name}

    status = solve_problem(model.problem, lp_solver)
    if not status.has_solution:
        return pl.DataFrame([record(math.nan, status)], schema=FRONTIER_SCHEMA)
    unconstrained = record(math.nan, status)
    top = float(unconstrained["give_away"])  # type: ignore[arg-type]
    budgets = np.linspace(0.0, top, int(n_points))
    records = []
    for budget in budgets[::-1]:  # from the slack end down: each start is one step away
        status = resolve_with_rhs(model.problem, lp_solver, {budget_row.pulp_name: float(budget)})
        records.append(record(float(budget), status))
    return pl.DataFrame(records[::-1], schema=FRONTIER_SCHEMA)
