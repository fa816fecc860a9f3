"""Solving the offer-policy LP: chance margins, the optimum, two-sided duals, the tie-break.

:func:`solve_policy` runs, in order:

1. **Chance margins** (``Constraints.confidence > 0.5``): the budget, budget-share and
   liquidity rows are tightened by their margins (:mod:`optimizer.margins`), found by
   fixed-point iteration over re-solves. If the margins make the model infeasible while
   the means are feasible, the solution on the means is returned and says so
   (``tie_break["chance"]``).
2. **The optimum** ``z*`` with its duals and reduced costs, and for every binding row both
   one-sided values (:mod:`optimizer.ranging`).
3. **The tie-break** (``Constraints.tie_break``, :mod:`optimizer.tiebreak`): among the
   offers that are equal within the indifference zone (``Constraints.indifference``) or
   within noise, the smallest discounts, then the fewest installments, so that no
   discount is bought for nothing and two estimates of the same book land on the same
   offer. The shares published are those of the last stage, with each row's activity and
   slack at them; the duals, reduced costs and which rows bind are those of the optimum
   (stage 2), whose activity and slack are kept beside them (``activity_optimum``,
   ``slack_optimum``); the objective is evaluated at the published shares.
"""
from __future__ import annotations

import numpy as np
import polars as pl
import pulp

from optimizer.constraints import DEFAULT_SOLVER, Constraints
from optimizer.margins import margins_at
from optimizer.build import build_model
from optimizer.model import LPModel
from optimizer.ranging import loosening_note, two_sided_duals
from optimizer.solution import PolicySolution, solution_from_model
from optimizer.solver import SolveStatus, make_solver, resolve_with_rhs, solve_problem
from optimizer.tiebreak import noise_tie_break, tie_tolerance, tie_z, tied_offers, zone_tie_break

__all__ = ["solve_policy", "tie_tolerance", "tie_z"]


def _apply_margins(model: LPModel, solver: pulp.LpSolver, confidence: float) -> tuple[SolveStatus, str]:
    status = solve_problem(model.problem, solver)
    if confidence <= 0.5 or not status.has_solution:
        return status, ""
    chance = [n for n, r in model.rows.items() if r.kind in ("budget", "budget_share", "liquidity")]
    if not chance:
        return status, ""
    for _ in range(5):
        x = np.nan_to_num(model.values()[: model.n_x], nan=0.0)
        new = margins_at(model, x, confidence)
        moved = False
        for name in chance:
            row = model.rows[name]
            m = max(row.margin, new[name])
            if m > row.margin * (1 + 1e-3) + 1e-9:
                moved = True
            row.margin = m
        if not moved:
            break
        rhs = {model.rows[n].pulp_name: _effective(model, n) for n in chance}
        status = resolve_with_rhs(model.problem, solver, rhs)
        if not status.has_solution:
            for n in chance:
                model.rows[n].margin = 0.0
            status = resolve_with_rhs(model.problem, solver, {model.rows[n].pulp_name: _effective(model, n)
                                                                for n in chance})
            return status, f"infeasible at confidence {confidence:g}; solved on the means"
    return status, ""


def _effective(model: LPModel, name: str) -> float:
    row = model.rows[name]
    limit = float(row.limit if row.limit is not None else row.rhs)
    return limit - row.margin if row.sense == "<=" else limit + row.margin



def solve_policy(
    coef: pl.DataFrame,
    constraints: Constraints | None = None,
    *,
    integer: bool = False,
    solver: str = DEFAULT_SOLVER,
    time_limit: float | None = None,
    explain: bool = True,
    two_sided: bool = True,
) -> PolicySolution:
    """Build and solve the offer-policy LP / MILP (see the module docstring for the stages).

    Parameters
    ----------
    coef : pl.DataFrame
        Coefficient table (see :func:`optimizer.constraints.prepare_coefficients`).
    constraints : Constraints or None
        ``None`` for ``Constraints()``.
    integer : bool
        One offer per segment (MILP); duals and reduced costs are then NaN.
    solver : {"cbc", "highs", "highs-ipm"}
        See :func:`optimizer.solver.make_solver`.
    time_limit : float or None
        Seconds per solve; a solve stopped with an incumbent is ``FEASIBLE_NOT_PROVEN_OPTIMAL``.
    explain : bool
        For an infeasible model, run :func:`optimizer.infeasibility.explain_infeasible`
        and attach the result as ``conflict``.
    two_sided : bool
        Measure both one-sided values of every binding row (:mod:`optimizer.ranging`).

    Returns
    -------
    PolicySolution
    """
    cons = Constraints() if constraints is None else constraints
    model = build_model(coef, cons, integer=integer)
    lp_solver = make_solver(solver, time_limit=time_limit)
    status, chance_note = _apply_margins(model, lp_solver, float(cons.confidence))
    conflict = None
    if status is SolveStatus.INFEASIBLE and explain:
        from optimizer.infeasibility import explain_infeasible

        conflict = explain_infeasible(coef, constraints, integer=integer, solver=solver, time_limit=time_limit)
    first = solution_from_model(model, status, lp_solver, conflict)
    info: dict = {"chance": chance_note} if chance_note else {}
    if not status.has_solution:
        return first
    cons_df = first.constraints
    if two_sided and status is SolveStatus.OPTIMAL and not integer:
        binding = [n for n, s, b in zip(cons_df["name"], cons_df["sense"], cons_df["binding"]) if b and s != "="]
        sides = two_sided_duals(model, lp_solver, binding, first.duals)
        cons_df = _with_sides(cons_df, sides)
    zone = float(cons.indifference) > 0
    tol = 0.0 if zone else tie_tolerance(model)
    if not cons.tie_break or (not zone and tol <= 0 and not tied_offers(model).any()):  # no noise, no zone
        return _replace(first, constraints=cons_df, tie_break=info)
    saved = [v.varValue for v in model.variables]
    if zone:
        info.update(zone_tie_break(model, solver, time_limit, float(cons.indifference)))
        tol = float(info.get("tolerance", 0.0))
    else:
        info.update(noise_tie_break(model, solver, time_limit, tol))
        info["tolerance"] = tol
    final = solution_from_model(model, status, lp_solver, conflict)
    moved = float(np.abs(final.shares["share"].to_numpy() - first.shares["share"].to_numpy()).sum()) / 2
    bound = tol + float(info.get("tied_bound", 0.0))
    if moved < 1e-7 or not final.objective >= first.objective - bound - 1e-7 * max(1.0, abs(first.objective)):
        for v, value in zip(model.variables, saved):  # the solver's tolerance, not a tie: keep the optimum
            v.varValue = value
        final = first
        info["status"] = "kept_optimum"
    info["objective_given_up"] = first.objective - final.objective
    info["shares_moved"] = moved if final is not first else 0.0
    # activity and slack at the published shares; binding, duals and activity_optimum / slack_optimum
    # are those of the optimum
    keep = ["activity", "slack"]
    merged = cons_df.drop(keep).with_columns([final.constraints[k] for k in keep]).select(cons_df.columns)
    return _replace(final, constraints=merged, reduced_costs=first.reduced_costs, binding=first.binding,
                    tie_break=info)


def _replace(sol: PolicySolution, **kwargs) -> PolicySolution:
    from dataclasses import replace
    return replace(sol, **kwargs)


def _with_sides(frame: pl.DataFrame, sides: dict[str, tuple[float, float, float, float]]) -> pl.DataFrame:
    names = frame["name"].to_list()
    up = frame["dual_up"].to_list()
    dn = frame["dual_down"].to_list()
    lo = frame["range_low"].to_list()
    hi = frame["range_high"].to_list()
    note = frame["note"].to_list()
    sense = frame["sense"].to_list()
    rhs = frame["rhs"].to_list()
    for i, name in enumerate(names):
        if name in sides:
            up[i], dn[i], lo[i], hi[i] = sides[name]
            note[i] = loosening_note(sense[i], up[i], dn[i], scale=1.0 + abs(rhs[i]) * 0)
    return frame.with_columns(pl.Series("dual_up", up, dtype=pl.Float64), pl.Series("dual_down", dn, dtype=pl.Float64),
                              pl.Series("range_low", lo, dtype=pl.Float64), pl.Series("range_high", hi, dtype=pl.Float64),
                              pl.Series("note", note, dtype=pl.String))
