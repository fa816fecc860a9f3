"""The tie-break: among offers that are equal within noise, the smaller discount, then fewer installments.

Two rules, chosen by ``Constraints.indifference``:

* **Indifference zone** (``indifference > 0``, the default of ``optimizer.indifference``).
  In segment ``s`` the offers whose objective per debtor is within
  ``delta_s = max(indifference x |c_best,s|, 0.1% of the portfolio's objective / N_s)`` of
  the segment's best estimate form the zone
  (:func:`indifference_zone`); they are treated as worth the same, ``c_best,s``. The LP is
  re-solved on that objective (every row kept), then the discounts granted
  (``sum N x discount``) are minimised holding its optimum, then the installments holding
  both. In a segment no row couples, this is lexicographic: the smallest discount level
  with an offer in the zone, then the fewest installments at that level, so the choice
  lands where the value of a discount starts to fall off (the knee of the curve), which
  does not move with the noise the way the best estimate does. What it may give up in
  objective is at most ``sum_s N_s delta_s`` (``tie_break["tolerance"]``).
* **Within the standard errors** (``indifference = 0``): the offers within noise of segment
  ``s``'s best used offer are those with ``c_k >= c_best - z_s x net_diff_se_k`` (``c``
  the objective per debtor, ``net_diff_se`` the standard error of the paired difference
  with the segment's best, ``z_s`` a 95% familywise quantile over the segment's
  comparisons, :func:`tie_z`). A second LP, restricted to those offers and the optimum's,
  minimises the discounts granted subject to every row and ``objective >= z* - tol``, with
  ``tol = 1.96 sqrt(sum_s (N_s tau_s)^2)`` (:func:`tie_tolerance`, ``tau_s`` the paired
  standard error of segment ``s``'s best and second-best offers); a third minimises the
  installments holding that. Segments the sequential sampling declared ``tied`` (see
  :mod:`optimizer.coefficients`) are left out of the floor and of ``tol``: each takes its
  canonical offer, the smallest discount then the fewest installments among its offers
  within noise; what that may cost is bounded in ``tie_break["tied_bound"]``.

"Less give-away" is the smaller discount offered, not the expected R$ granted (which would
favour offers few debtors accept).
"""
from __future__ import annotations

import math

import numpy as np
import pulp
from scipy.stats import norm

from optimizer.coefficients import TIE_SHARE
from optimizer.model import LPModel
from optimizer.solver import SolveStatus, make_solver, solve_problem

__all__ = ["tie_z", "tie_tolerance", "indifference_zone", "zone_tie_break", "noise_tie_break", "tied_offers",
           "TIE_FLOOR_Z"]


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


def tied_offers(model: LPModel) -> np.ndarray:
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
    tied = tied_offers(model)
    total = 0.0
    for k in range(len(model.segments)):
        members = np.flatnonzero(model.segment_index == k)
        if members.size < 2 or tied[members].any():  # a tied segment has no floor: see noise_tie_break
            continue
        order = members[np.argsort(-obj[members], kind="stable")]
        total += (N[order[1]] * se[order[1]]) ** 2
    return TIE_FLOOR_Z * math.sqrt(total)


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


def _least_discount_then_installments(model: LPModel, solver_name: str, time_limit: float | None,
                                     disc: np.ndarray, inst: np.ndarray, floor: list) -> tuple[SolveStatus, float]:
    """The last two stages of a tie-break: least discount granted holding ``floor``, then fewest installments
    holding that discount too (falling back to the discount stage if that fails).

    Returns the last status and the discount stage's ``disc @ x`` (NaN when the discount stage had no solution).
    """
    status = _stage(model, solver_name, time_limit, disc, floor)
    if not status.has_solution:
        return status, float("nan")
    x = np.nan_to_num(model.values()[: model.n_x], nan=0.0)
    g = float(disc @ x)
    status = _stage(model, solver_name, time_limit, inst,
                    floor + [("tie_break_discount", disc, "<=", g + 1e-9 * max(1.0, abs(g)) + 1e-6)])
    if not status.has_solution:  # keep the discount stage
        status = _stage(model, solver_name, time_limit, disc, floor)
    return status, g


def _segment_max(model: LPModel, values: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Per segment, the largest of ``values`` over its offers (those of ``rows``, a mask, when given); -inf if none."""
    out = np.full(len(model.segments), -np.inf)
    seg = model.segment_index
    if rows is None:
        np.maximum.at(out, seg, values)
    else:
        np.maximum.at(out, seg[rows], values[rows])
    return out


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
    ref = _segment_max(model, c, used)[model.segment_index]
    z = _segment_z(model)
    return used | (c >= ref - z * np.nan_to_num(se, nan=0.0, posinf=0.0) - 1e-9 * np.maximum(1.0, np.abs(ref)))


def noise_tie_break(model: LPModel, solver_name: str, time_limit: float | None, tol: float) -> dict:
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
    # segments declared tied (their decision's stake is negligible) take their canonical
    # offer, the smallest discount then the fewest installments within noise, whatever
    # it costs within that noise; the other segments share the objective floor
    tied = tied_offers(model)
    obj = model.objective[: model.n_x]
    free_obj = np.where(tied, 0.0, obj)
    z_free = float(free_obj @ x1)
    floor = [("tie_break_objective", free_obj, ">=", z_free - tol - 1e-10 * max(1.0, abs(z_free)))]
    Nd = np.maximum(N, 1e-12)
    c = obj / Nd
    ref = _segment_max(model, c, x1 > 1e-9)
    gap = np.where(tied & allowed, N * np.maximum(ref[model.segment_index] - c, 0.0), 0.0)
    tied_bound = float(np.maximum(_segment_max(model, gap), 0.0).sum())
    try:
        status, g = _least_discount_then_installments(model, solver_name, time_limit, disc, inst, floor)
        if math.isnan(g):
            return {"status": status.name}
    finally:
        for v, ub in zip(xs, bounds):
            v.upBound = ub
    return {"status": status.name, "discount_debtors_stage1": g, "offers_considered": int(allowed.sum()),
            "tied_segments": int(len(set(model.segment_index[tied].tolist()))), "tied_bound": tied_bound}


def indifference_zone(model: LPModel, share: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Per offer: in its segment's indifference zone, and the objective the zone rule solves on.

    Returns ``(zone, objective, bound)``: ``zone[k]`` when ``c_best,s - c_k <= delta_s``
    (``c`` the objective per debtor, ``delta_s = max(share x |c_best,s|, TIE_SHARE x |Z| / N_s)``,
    ``Z = sum_s N_s c_best,s``: a segment's choice is also indifferent within 0.1% of the
    portfolio's objective, the stake below which the sequential sampling calls it tied),
    the LP objective with every zone offer valued at ``N_s c_best,s``, and
    ``sum_s N_s delta_s``, the most the rule can give up (R$).
    """
    N = model.coef["n_debtors"].to_numpy().astype(float)
    obj = model.objective[: model.n_x]
    c = obj / np.maximum(N, 1e-12)
    seg = model.segment_index
    best = _segment_max(model, c)
    seg_n = np.maximum(_segment_max(model, N), 0.0)
    stake = TIE_SHARE * abs(float(np.sum(np.where(np.isfinite(best), seg_n * best, 0.0))))
    delta = np.maximum(float(share) * np.abs(best), stake / np.maximum(seg_n, 1e-12))
    zone = c >= best[seg] - delta[seg] - 1e-12 * np.maximum(1.0, np.abs(best[seg]))
    lifted = np.where(zone, N * best[seg], obj)
    bound = float(np.sum(np.where(np.isfinite(delta), seg_n * delta, 0.0)))
    return zone, lifted, bound


def zone_tie_break(model: LPModel, solver_name: str, time_limit: float | None, share: float) -> dict:
    """The indifference-zone rule (module docstring): three LPs, the shares of the last are left in ``model``."""
    N = model.coef["n_debtors"].to_numpy().astype(float)
    disc = N * model.coef["discount"].to_numpy().astype(float)
    inst = N * model.coef["installments"].to_numpy().astype(float)
    zone, lifted, bound = indifference_zone(model, share)
    status = _stage(model, solver_name, time_limit, -lifted, [])
    if not status.has_solution:
        return {"status": status.name, "rule": "indifference"}
    x = np.nan_to_num(model.values()[: model.n_x], nan=0.0)
    z = float(lifted @ x)
    floor = [("tie_break_objective", lifted, ">=", z - 1e-9 * max(1.0, abs(z)))]
    status, g = _least_discount_then_installments(model, solver_name, time_limit, disc, inst, floor)
    return {"status": status.name, "rule": "indifference", "indifference": float(share),
            "discount_debtors_stage1": g, "offers_considered": int(zone.sum()), "tied_bound": 0.0,
            "tolerance": bound}
