"""Solving the offer-policy LP: chance margins, the optimum, two-sided duals, the tie-break.

:func:`solve_policy` runs, in order:

1. **Chance margins** (``Constraints.confidence > 0.5``): the budget, budget-share and
   liquidity rows are tightened by their margins (:mod:`optimizer.margins`), found by
   fixed-point iteration over re-solves. If the margins make the model infeasible while
   the means are feasible, the solution on the means is returned and says so
   (``tie_break["chance"]``).
2. **The optimum** ``z*`` with its duals and reduced costs, and for every binding row both
   one-sided values (:mod:`optimizer.ranging`).
3. **The tie-break** (``Constraints.tie_break``): offers whose difference is within noise
   should not buy a discount for nothing, and two estimates of the same book should land
   on the same offer. The offers within noise of segment ``s``'s best used offer are those
   with ``c_k >= c_best - z_s x net_diff_se_k`` (``c`` the objective per debtor,
   ``net_diff_se`` the standard error of the paired difference with the segment's best,
   ``z_s`` a 95% familywise quantile over the segment's comparisons, :func:`tie_z`). A
   second LP, restricted to those offers and the optimum's, minimises the discounts
   granted (``sum N x discount``) subject to every row and ``objective >= z* - tol``, with
   ``tol = 1.96 sqrt(sum_s (N_s tau_s)^2)`` (:func:`tie_tolerance`, ``tau_s`` the paired
   standard error of segment ``s``'s best and second-best offers); a third minimises the
   installments holding that. Segments the sequential sampling declared ``tied`` (their
   decision is worth at most 0.1% of the portfolio's objective, see
   :mod:`optimizer.coefficients`) are left out of the floor and of ``tol``: each takes its
   canonical offer, the smallest discount then the fewest installments among its offers
   within noise, so that two estimates land on the same offer; what that may cost is
   bounded in ``tie_break["tied_bound"]``. A discount is kept only where dropping it would cost more
   than the noise of the estimate allows; "less give-away" is the smaller discount offered,
   not the expected R$ granted (which would favour offers few debtors accept). The shares
   published are those of the
   last stage, with each row's activity and slack at them; the duals, reduced costs and
   which rows bind are those of the optimum (stage 2); the objective is evaluated at the
   published shares.
"""
from __future__ import annotations

import math

import numpy as np
import polars as pl
import pulp
from scipy.stats import norm

from optimizer.constraints import DEFAULT_SOLVER, Constraints
from optimizer.margins import margins_at
from optimizer.build import build_model
from optimizer.model import LPModel
from optimizer.ranging import loosening_note, two_sided_duals
from optimizer.solution import PolicySolution, solution_from_model
from optimizer.solver import SolveStatus, make_solver, resolve_with_rhs, solve_problem

__all__ = ["solve_policy", "tie_tolerance", "tie_z"]


def tie_z(offers: int) -> float:
    """The normal quantile for a 95% familywise statement over a segment's ``offers - 1`` comparisons with its best.

    Bonferroni: ``Phi^-1(1 - 0.025 / (offers - 1))``, 1.96 for two offers, about 3.5 for 91.
    """
    return float(norm.ppf(1.0 - 0.025 / max(int(offers) - 1, 1)))


def _segment_z(model: LPModel) -> np.ndarray:
    """Per offer, :func:`tie_z` of its segment's catalogue size."""
    counts = np.bincount(model.segment_index, minlength=len(model.segments))
    return np.array([tie_z(k) for k in counts])[model.segment_index]


#: Multiplier of the pooled standard error in the tie-break's objective floor.
TIE_FLOOR_Z = 1.96


def _tied_offers(model: LPModel) -> np.ndarray:
    """Per offer: its segment was declared ``tied`` by the sequential sampling (column ``precision``)."""
    if "precision" not in model.coef.columns:
        return np.zeros(model.n_x, dtype=bool)
    return (model.coef["precision"] == "tied").fill_null(False).to_numpy().astype(bool)


def tie_tolerance(model: LPModel) -> float:
    """``1.96 sqrt(sum_s (N_s tau_s)^2)``: R$ of objective within which two policies are tied.

    ``tau_s`` is the standard error of the paired difference between segment ``s``'s best
    and second-best offer (``net_diff_se``); 0 without standard errors.
    """
    if "net_diff_se" not in model.coef.columns:
        return 0.0
    se = np.nan_to_num(model.coef["net_diff_se"].to_numpy().astype(float), nan=0.0, posinf=0.0)
    obj = model.objective[: model.n_x]
    N = model.coef["n_debtors"].to_numpy().astype(float)
    tied = _tied_offers(model)
    total = 0.0
    for k in range(len(model.segments)):
        members = np.flatnonzero(model.segment_index == k)
        if members.size < 2 or tied[members].any():  # a tied segment has no floor: see _tie_break
            continue
        order = members[np.argsort(-obj[members], kind="stable")]
        total += (N[order[1]] * se[order[1]]) ** 2
    return TIE_FLOOR_Z * math.sqrt(total)


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


def _stage(model: LPModel, solver_name: str, time_limit: float | None, weights: np.ndarray,
           rows: list[tuple[str, np.ndarray, str, float]]) -> SolveStatus:
    """Minimise ``weights @ x`` with extra rows ``(name, coefficients, sense, rhs)``; rows are removed after."""
    problem = model.problem
    xs = model.variables[: model.n_x]
    saved_objective, saved_sense = problem.objective, problem.sense
    added = []
    for name, coef, sense, rhs in rows:
        expr = pulp.LpAffineExpression([(v, float(c)) for v, c in zip(xs, coef) if c != 0])
        c = pulp.LpConstraint(expr, pulp.LpConstraintGE if sense == ">=" else pulp.LpConstraintLE, name, float(rhs))
        problem.addConstraint(c, name)
        added.append(name)
    problem.setObjective(pulp.LpAffineExpression([(v, float(w)) for v, w in zip(xs, weights) if w != 0]))
    problem.sense = pulp.LpMinimize
    try:
        status = solve_problem(problem, make_solver(solver_name, time_limit=time_limit))
    finally:
        for name in added:  # PuLP 3.3 has no public removal; its own dict holds the rows
            row = problem._constraints.pop(name, None)
            if row is not None and row in problem.modifiedConstraints:
                problem.modifiedConstraints.remove(row)
        problem.setObjective(saved_objective)
        problem.sense = saved_sense
    return status


def _near_ties(model: LPModel, x: np.ndarray) -> np.ndarray:
    """Offers the tie-break may use: those in the optimum, and those within noise of the best used.

    Within noise: ``c_k >= c_best - z_s x net_diff_se_k``, with ``c`` the objective per
    debtor, ``c_best`` the best used offer of the segment and ``z_s`` the familywise
    quantile of :func:`tie_z`; without ``net_diff_se`` only exact ties (to 1e-9) qualify.
    """
    N = model.coef["n_debtors"].to_numpy().astype(float)
    c = model.objective[: model.n_x] / np.maximum(N, 1e-12)
    se = model.coef["net_diff_se"].to_numpy().astype(float) if "net_diff_se" in model.coef.columns \
        else np.zeros(model.n_x)
    used = x > 1e-9
    best = np.full(len(model.segments), -np.inf)
    np.maximum.at(best, model.segment_index[used], c[used])
    ref = best[model.segment_index]
    z = _segment_z(model)
    return used | (c >= ref - z * np.nan_to_num(se, nan=0.0, posinf=0.0) - 1e-9 * np.maximum(1.0, np.abs(ref)))


def _tie_break(model: LPModel, solver_name: str, time_limit: float | None, z_star: float, tol: float) -> dict:
    """Among the offers within noise, the smallest discounts, then the fewest installments (two LPs)."""
    table = model.coef
    N = table["n_debtors"].to_numpy().astype(float)
    disc = N * table["discount"].to_numpy().astype(float)
    inst = N * table["installments"].to_numpy().astype(float)
    x1 = np.nan_to_num(model.values()[: model.n_x], nan=0.0)
    allowed = _near_ties(model, x1)
    xs = model.variables[: model.n_x]
    bounds = [v.upBound for v in xs]
    for v, ok in zip(xs, allowed):
        if not ok:
            v.upBound = 0
    g = float("nan")
    # segments declared tied (their decision's stake is negligible) take their canonical
    # offer, the smallest discount then the fewest installments within noise, whatever
    # it costs within that noise; the other segments share the objective floor
    tied = _tied_offers(model)
    obj = model.objective[: model.n_x]
    free_obj = np.where(tied, 0.0, obj)
    z_free = float(free_obj @ x1)
    floor = [("tie_break_objective", free_obj, ">=", z_free - tol - 1e-10 * max(1.0, abs(z_free)))]
    Nd = np.maximum(N, 1e-12)
    c = obj / Nd
    ref = np.full(len(model.segments), -np.inf)
    np.maximum.at(ref, model.segment_index[x1 > 1e-9], c[x1 > 1e-9])
    gap = np.where(tied & allowed, N * np.maximum(ref[model.segment_index] - c, 0.0), 0.0)
    worst = np.zeros(len(model.segments))
    np.maximum.at(worst, model.segment_index, gap)
    tied_bound = float(worst.sum())
    try:
        status = _stage(model, solver_name, time_limit, disc, floor)
        if not status.has_solution:
            return {"status": status.name}
        x = np.nan_to_num(model.values()[: model.n_x], nan=0.0)
        g = float(disc @ x)
        status = _stage(model, solver_name, time_limit, inst,
                        floor + [("tie_break_discount", disc, "<=", g + 1e-9 * max(1.0, abs(g)) + 1e-6)])
        if not status.has_solution:  # keep the discount stage
            status = _stage(model, solver_name, time_limit, disc, floor)
    finally:
        for v, ub in zip(xs, bounds):
            v.upBound = ub
    return {"status": status.name, "discount_debtors_stage1": g, "offers_considered": int(allowed.sum()),
            "tied_segments": int(len(set(model.segment_index[tied].tolist()))), "tied_bound": tied_bound}


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
    tol = tie_tolerance(model)
    if not cons.tie_break or (tol <= 0 and not _tied_offers(model).any()):  # no standard errors: no noise
        return _replace(first, constraints=cons_df, tie_break=info)
    saved = [v.varValue for v in model.variables]
    info.update(_tie_break(model, solver, time_limit, first.objective, tol))
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
    keep = ["activity", "slack"]  # at the published shares; binding and duals are those of the optimum
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
