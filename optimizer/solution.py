"""The solution of the offer-policy LP: shares, rows with their duals, discount limits.

Units of the duals (sign convention of :mod:`optimizer.solver`, ``d(objective) / d(rhs)``):
``budget`` R$ per R$ of give-away, ``budget_share`` R$ per R$ of give-away allowed above
``share x recovery``, ``agent_minutes[wk]`` R$ per agent minute of week ``k`` (x 60 for an
agent-hour), ``liquidity`` R$ per R$ of 30-day cash, ``chronic_cap`` R$ per unit (100 pp) of
mean discount, ``chronic_vs`` R$ per unit of segment share, ``min_recovery`` R$ per R$ of
NPV per debtor, ``assign`` R$ per unit of share. In integer mode duals and reduced costs
are reported as NaN: the duals of the LP with the integer choice fixed are those of a
degenerate LP and carry no economic meaning.

A dual is one number only where the optimum is not degenerate in that row. The two-sided
values (``dual_up``: the change of the objective per unit increase of the rhs, ``dual_down``:
per unit decrease, both ``d(objective)/d(rhs)``) come from HiGHS's ranging, with a re-solve
on the side where the basis changes at once (:mod:`optimizer.ranging`).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pulp

from optimizer.constraints import DEFAULT_SOLVER
from optimizer.limits import discount_limits
from optimizer.model import LPModel
from optimizer.solver import SolveStatus, dual_sign, solver_name

if TYPE_CHECKING:
    from optimizer.infeasibility import Conflict

__all__ = ["PolicySolution", "solution_from_model", "CONSTRAINT_SCHEMA"]

#: Columns of :attr:`PolicySolution.constraints`.
CONSTRAINT_SCHEMA: dict[str, pl.DataType] = {
    "name": pl.String(), "sense": pl.String(), "rhs": pl.Float64(), "activity": pl.Float64(),
    "slack": pl.Float64(), "dual": pl.Float64(), "binding": pl.Boolean(), "limit": pl.Float64(),
    "margin": pl.Float64(), "dual_up": pl.Float64(), "dual_down": pl.Float64(),
    "range_low": pl.Float64(), "range_high": pl.Float64(), "note": pl.String(),
    "activity_optimum": pl.Float64(), "slack_optimum": pl.Float64(),
}


def _json_float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class PolicySolution:
    """Result of :func:`solve_policy`.

    Attributes
    ----------
    status : SolveStatus
    objective : float
        ``net - moral_hazard`` in R$ (NaN without a solution).
    shares : pl.DataFrame
        Every (segment, offer) row: ``segment, offer, discount, installments, share``,
        followed by the other coefficient columns (``n_debtors``, ``npv`` ...,
        standard errors) carried through.
    constraints : pl.DataFrame
        Columns of :data:`CONSTRAINT_SCHEMA` for every row: ``name, sense, rhs, activity,
        slack, dual, binding``; ``slack`` is ``>= 0`` when satisfied, ``dual`` follows
        :mod:`optimizer.solver`'s convention (NaN in integer mode or without a proven
        optimum), ``binding`` means the slack is zero to ``1e-6 x max(1, |rhs|, sum |a x|)``;
        ``limit`` is the value asked for and ``margin`` the chance-constraint margin
        (``rhs = limit -/+ margin``); ``dual_up`` / ``dual_down`` the one-sided values
        (rhs up / down one unit), ``range_low`` / ``range_high`` the rhs range over which
        ``dual`` holds (HiGHS ranging), ``note`` says in words when loosening is worth nothing.
        Two policies stand behind these columns once the tie-break has moved the shares
        (:func:`optimizer.solve.solve_policy`): ``activity`` and ``slack`` are those of the
        published shares; ``binding``, the duals and the ranges are those of the LP optimum,
        whose activity and slack are ``activity_optimum`` and ``slack_optimum`` (equal to
        ``activity`` and ``slack`` when nothing moved).
    reduced_costs : pl.DataFrame
        ``segment, offer, reduced_cost``: ``d(objective)/d(x)`` from the current basis.
    binding : tuple[str, ...]
        Inequality rows at their bound (assignment rows are always tight and left out).
    give_away, recovery, net, moral_hazard : float
        ``sum N x give``, ``sum N x npv``, ``sum N x (npv - cost)`` and the moral-hazard
        charge ``sum_chronic N x mh give`` (R$).
    discount_limits : pl.DataFrame
        Per segment: ``discount_limit`` (largest discount with a positive share),
        ``offer``, ``installments`` and ``share`` of the offer at that discount with the
        largest share, ``lower_offer`` / ``lower_discount``: the offer with the highest
        net (``npv - cost``) among the segment's catalogue offers at the next smaller
        discount level, and ``marginal_net_per_give`` =
        ``(net(offer) - net(lower_offer)) / (give(offer) - give(lower_offer))``, the net
        recovery per R$ of extra give-away bought by the last discount step (NaN when
        there is no lower level or the give-away does not grow).
    conflict : Conflict or None
        For an infeasible model, the constraints in conflict (:mod:`optimizer.infeasibility`).
    solver : str
    integer : bool
    model : LPModel or None
        The solved model (for :meth:`write_mps`).
    tie_break : dict
        The second-stage LP's tolerance and what it changed (empty without one).
    """

    status: SolveStatus
    objective: float
    shares: pl.DataFrame
    constraints: pl.DataFrame
    reduced_costs: pl.DataFrame
    binding: tuple[str, ...]
    give_away: float
    recovery: float
    net: float
    moral_hazard: float
    discount_limits: pl.DataFrame
    conflict: Conflict | None = None
    solver: str = DEFAULT_SOLVER
    integer: bool = False
    model: LPModel | None = field(default=None, repr=False, compare=False)
    tie_break: dict = field(default_factory=dict)

    @property
    def duals(self) -> dict[str, float]:
        """Dual of every row by readable name."""
        return dict(zip(self.constraints["name"].to_list(), self.constraints["dual"].to_list()))

    def summary(self) -> str:
        """A plain-text summary: status, headline figures, binding rows and discount limits."""
        lines = [
            f"offer-policy {'MILP' if self.integer else 'LP'} ({self.solver}): {self.status.name}",
        ]
        if self.conflict is not None:
            lines.append(self.conflict.message())
        if self.status.has_solution:
            lines += [
                f"  objective     R$ {self.objective:,.2f}",
                f"  net recovery  R$ {self.net:,.2f}",
                f"  recovery      R$ {self.recovery:,.2f}",
                f"  give-away     R$ {self.give_away:,.2f}",
                f"  moral hazard  R$ {self.moral_hazard:,.2f}",
            ]
            table = self.constraints.filter(pl.col("name").is_in(list(self.binding)))
            if table.height:
                lines.append("  binding constraints (R$ of objective per unit of rhs, rhs up / rhs down):")
                for r in table.iter_rows(named=True):
                    lines.append(f"    {r['name']:<28} {r['sense']:>2} {r['rhs']:>16,.2f}  "
                                 f"up {r['dual_up']:>14,.4f}  down {r['dual_down']:>14,.4f}"
                                 + (f"  ({r['note']})" if r.get("note") else ""))
            else:
                lines.append("  no binding constraints")
            if self.discount_limits.height:
                lines.append("  discount limits (net recovery per R$ of give-away of the last discount step):")
                for r in self.discount_limits.iter_rows(named=True):
                    m = r["marginal_net_per_give"]
                    marg = "n/a" if m is None or not math.isfinite(m) else f"{m:,.3f}"
                    lines.append(f"    {r['segment']:<28} {r['discount_limit']:>6.0%}  {r['offer']:<14} {marg}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN and inf become ``None``) for ``solution.json``."""
        cons = [
            {
                "name": r["name"],
                "sense": r["sense"],
                "rhs": _json_float(r["rhs"]),
                "activity": _json_float(r["activity"]),
                "slack": _json_float(r["slack"]),
                "dual": _json_float(r["dual"]),
                "binding": bool(r["binding"]),
                **{k: _json_float(r[k]) for k in ("limit", "margin", "dual_up", "dual_down", "range_low", "range_high",
                                                  "activity_optimum", "slack_optimum") if k in r},
                **({"note": r["note"]} if r.get("note") else {}),
            }
            for r in self.constraints.iter_rows(named=True)
        ]
        limits = [
            {k: (_json_float(v) if isinstance(v, float) else v) for k, v in r.items()}
            for r in self.discount_limits.iter_rows(named=True)
        ]
        return {
            "status": self.status.name,
            "solver": self.solver,
            "integer": self.integer,
            "objective": _json_float(self.objective),
            "give_away": _json_float(self.give_away),
            "recovery": _json_float(self.recovery),
            "net": _json_float(self.net),
            "moral_hazard": _json_float(self.moral_hazard),
            "dual_convention": "d(objective)/d(rhs), R$ of objective per unit of right-hand side (maximisation); "
                               "dual_up when the rhs increases, dual_down when it decreases",
            "tie_break": self.tie_break,
            "constraints": cons,
            "duals": {c["name"]: c["dual"] for c in cons},
            "binding": list(self.binding),
            "reduced_costs": [
                {"segment": s, "offer": o, "reduced_cost": _json_float(v)}
                for s, o, v in self.reduced_costs.iter_rows()
            ],
            "discount_limits": limits,
            "conflict": None if self.conflict is None else self.conflict.to_dict(),
        }

    def to_json(self, **kwargs: Any) -> str:
        """``json.dumps(self.to_dict())``."""
        return json.dumps(self.to_dict(), **kwargs)

    def write_mps(self, path: str | Path) -> Path:
        """Write the solved model to ``path`` (free MPS, ``OBJSENSE MAX``); return the path."""
        if self.model is None:
            raise ValueError("write_mps: no model attached (got None, expected a solution from solve_policy)")
        return self.model.write_mps(path)


def solution_from_model(
    model: LPModel, status: SolveStatus, solver: pulp.LpSolver, conflict: Conflict | None = None
) -> PolicySolution:
    """Read a solved :class:`LPModel` into a :class:`PolicySolution`.

    Parameters
    ----------
    model : LPModel
        Solved with ``solver``.
    status : SolveStatus
        The mapped status of that solve.
    solver : pulp.LpSolver
        Used for the dual sign (:func:`optimizer.solver.dual_sign`).
    conflict : Conflict or None
        Attached as is.
    """
    table = model.coef
    n = model.n_x
    if status.has_solution:
        values = np.nan_to_num(model.values(), nan=0.0)
        x = values[:n]
        x[x < 1e-9] = 0.0  # solver round-off (shares are >= 0)
        if model.integer:
            x[:] = np.where(np.abs(x - np.round(x)) < 1e-6, np.round(x), x)
    else:
        values = np.full(len(model.variables), np.nan)
        x = values[:n]
    with_duals = status is SolveStatus.OPTIMAL and not model.integer
    sign = dual_sign(solver, model.problem.sense)

    names, sense, rhs, act, slack, dual, binding = [], [], [], [], [], [], []
    for row in model.rows.values():
        a = row.activity(values)
        r = row.rhs
        s = r - a if row.sense == "<=" else (a - r if row.sense == ">=" else -abs(a - r))
        scale = max(1.0, abs(r), float(np.abs(row.val * values[row.idx]).sum())) if status.has_solution else 1.0
        pi = row.constraint.pi
        names.append(row.name)
        sense.append(row.sense)
        rhs.append(r)
        act.append(a)
        slack.append(s)
        dual.append(sign * float(pi) if with_duals and pi is not None else math.nan)
        binding.append(bool(status.has_solution and abs(s) <= 1e-6 * scale))
    rows_list = list(model.rows.values())
    cons_df = pl.DataFrame(
        {"name": names, "sense": sense, "rhs": rhs, "activity": act, "slack": slack, "dual": dual, "binding": binding,
         "limit": [r.limit if r.limit is not None else r.rhs for r in rows_list],
         "margin": [float(r.margin) for r in rows_list],
         "dual_up": dual, "dual_down": dual,
         "range_low": [math.nan] * len(names), "range_high": [math.nan] * len(names),
         "note": [""] * len(names), "activity_optimum": act, "slack_optimum": slack},
        schema=CONSTRAINT_SCHEMA,
    )
    bind = tuple(nm for nm, sn, b in zip(names, sense, binding) if b and sn != "=")

    if with_duals:
        dj = np.array([math.nan if v.dj is None else sign * float(v.dj) for v in model.variables[:n]])
    else:
        dj = np.full(n, math.nan)
    reduced = table.select("segment", "offer").with_columns(pl.Series("reduced_cost", dj, dtype=pl.Float64))

    first = ["segment", "offer", "discount", "installments"]
    rest = [c for c in table.columns if c not in first]
    shares = table.select(first).with_columns(pl.Series("share", x, dtype=pl.Float64)).hstack(table.select(rest))

    n_deb = table["n_debtors"].to_numpy().astype(float)
    npv, cost, give = table["npv"].to_numpy(), table["cost"].to_numpy(), table["give"].to_numpy()
    chronic = table["chronic"].to_numpy().astype(bool)
    mh = float(model.constraints.moral_hazard_cost)
    give_away = float(np.sum(n_deb * x * give))
    recovery = float(np.sum(n_deb * x * npv))
    net = float(np.sum(n_deb * x * (npv - cost)))
    moral = float(np.sum(n_deb * x * give * chronic) * mh)
    objective = float(model.objective[:n] @ x)
    return PolicySolution(
        status=status,
        objective=objective,
        shares=shares,
        constraints=cons_df,
        reduced_costs=reduced,
        binding=bind,
        give_away=give_away,
        recovery=recovery,
        net=net,
        moral_hazard=moral,
        discount_limits=discount_limits(table, x),
        conflict=conflict,
        solver=solver_name(solver),
        integer=model.integer,
        model=model,
    )
