"""Two-sided shadow prices: what loosening and what tightening a binding row is worth.

At a degenerate optimum a row's dual is not one number: the objective, as a function of
the row's right-hand side ``b``, has a kink at ``b`` and the simplex dual is one of the
two slopes (or anything between). For every binding inequality row this module reports
both one-sided derivatives, ``dual_up = d(objective)/d(b)`` for an increase of ``b`` and
``dual_down`` for a decrease, in the sign convention of :mod:`optimizer.solver`.

Method: HiGHS's ranging (``Highs.getRanging``) gives, for each row, the range
``[range_low, range_high]`` of ``b`` over which the current basis stays primal feasible;
a range that ends at ``b`` itself on one side marks the degenerate case. The one-sided
slopes are measured by re-solving in place (HiGHS hot start) with ``b`` moved by a small
step ``h = 1e-4 max(1, |b|)`` up and down and dividing the change of the optimal objective
by ``h``: exact for a piecewise-linear value function as long as no second kink lies within
``h``. For CBC (no ranging) the range is NaN. The model is restored afterwards.
"""
from __future__ import annotations

import math

import numpy as np
import pulp

from optimizer.model import LPModel
from optimizer.solver import resolve_with_rhs

__all__ = ["two_sided_duals", "loosening_note"]


def _objective(model: LPModel) -> float:
    values = np.nan_to_num(model.values(), nan=0.0)
    return float(model.objective @ values)


def _step(rhs: float) -> float:
    return 1e-4 * max(1.0, abs(rhs))


def _sides(model: LPModel, solver: pulp.LpSolver, name: str, base: float) -> tuple[float, float]:
    """One-sided derivatives of the optimal objective in ``name``'s rhs: (up, down)."""
    row = model.rows[name]
    rhs = row.rhs
    h = _step(rhs)
    out = []
    for sign in (+1.0, -1.0):
        status = resolve_with_rhs(model.problem, solver, {row.pulp_name: rhs + sign * h})
        if status.has_solution:
            out.append((_objective(model) - base) / (sign * h))
        else:  # tightening a row that cannot be tightened further
            out.append(-math.inf if sign > 0 else math.inf)
    resolve_with_rhs(model.problem, solver, {row.pulp_name: rhs})  # back to the solved model
    return out[0], out[1]


def two_sided_duals(model: LPModel, solver: pulp.LpSolver, names: list[str],
                    duals: dict[str, float]) -> dict[str, tuple[float, float, float, float]]:
    """``{name: (dual_up, dual_down, range_low, range_high)}`` for the rows ``names``.

    Parameters
    ----------
    model : LPModel
        Solved to optimality with ``solver`` (an LP, not a MILP).
    solver : pulp.LpSolver
    names : list of str
        Binding inequality rows (readable names).
    duals : dict
        The simplex duals of those rows in our convention (kept where HiGHS's ranging
        says the basis holds on a side, so no re-solve is needed there).

    Returns
    -------
    dict
        ``range_low`` / ``range_high`` from HiGHS's ranging (NaN for CBC). A side that
        cannot be moved (the model becomes infeasible) has an infinite slope.
    """
    if not names:
        return {}
    base = _objective(model)
    ranges: dict[str, tuple[float, float]] = {}
    highs = getattr(model.problem, "solverModel", None) if isinstance(solver, pulp.HiGHS) else None
    if highs is not None:
        try:
            status, rng = highs.getRanging()
            ok = int(status) == 0 and bool(rng.valid)
        except Exception:  # noqa: BLE001 - ranging unavailable: measure both sides
            ok = False
        if ok:
            up, dn = rng.row_bound_up.value_, rng.row_bound_dn.value_
            for name in names:
                i = model.rows[name].constraint.index
                ranges[name] = (float(dn[i]), float(up[i]))
    out: dict[str, tuple[float, float, float, float]] = {}
    for name in names:
        lo, hi = ranges.get(name, (math.nan, math.nan))
        d_up, d_dn = _sides(model, solver, name, base)
        out[name] = (d_up, d_dn, lo, hi)
    return out


def loosening_note(sense: str, dual_up: float, dual_down: float, scale: float = 1.0) -> str:
    """Words for a binding row whose loosening is worth nothing (``""`` otherwise).

    Loosening a ``<=`` row is raising its rhs (worth ``dual_up``), a ``>=`` row lowering it
    (worth ``-dual_down``); tightening is the other side.
    """
    loosen = dual_up if sense == "<=" else -dual_down
    tighten = dual_down if sense == "<=" else -dual_up
    small = 1e-7 * max(1.0, abs(scale))
    if not math.isfinite(loosen) or abs(loosen) > small:
        return ""
    if math.isfinite(tighten) and tighten > small:
        return f"loosening is worth nothing; tightening costs {tighten:,.4g} per unit"
    if math.isinf(tighten):
        return "loosening is worth nothing; it cannot be tightened"
    return "loosening is worth nothing"
