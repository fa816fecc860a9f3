"""Explain an infeasible offer-policy model: which named constraints conflict, and by how much.

Method
------
A deletion filter over the optional rows (``budget``, ``budget_share``,
``agent_minutes[*]``, ``liquidity``, ``chronic_cap[*]``, ``chronic_vs[*]``,
``min_recovery[*]``); the assignment rows (and the ``peer_share`` definitions) are always
kept. "Deleting" a row means moving its right-hand side to a value no policy can violate
(the row's largest activity for ``<=``, its smallest for ``>=``, computed from the
segment simplices), so the model keeps its shape and HiGHS can re-solve it in place.
Rows are tried in blocks (per-segment rows first, then the global ones): a block whose
removal leaves the model infeasible is dropped whole, otherwise it is split in halves.
The result is irreducible: the rows left conflict, and removing any one of them makes the
model (with the other rows of the set) feasible. It is minimal, not necessarily of minimum
cardinality.

For each row of the set the module then reports the value of its right-hand side that
would make it feasible together with the other rows of the set: the smallest activity
of a ``<=`` row (e.g. the give-away the other rows force, the minimal budget) or the
largest of a ``>=`` row (e.g. the most 30-day cash achievable), found by optimising that
row's left-hand side. For ``budget_share`` the value is the smallest achievable
give-away / recovery ratio (Dinkelbach iterations).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pulp

from optimizer.constraints import DEFAULT_SOLVER, Constraints
from optimizer.build import build_model
from optimizer.model import LPModel
from optimizer.solver import SolveStatus, make_solver, resolve_with_rhs, solve_problem

__all__ = ["ConflictItem", "Conflict", "explain_infeasible"]

_GLOBAL_ORDER = ("budget_share", "agent_minutes", "liquidity", "budget")
_SEGMENT_ORDER = ("min_recovery", "chronic_vs", "chronic_cap")


def _fmt(value: float | None) -> str:
    """Short human number: ``1.2e6``, ``980``, ``0.25``."""
    if value is None or not math.isfinite(value):
        return "n/a" if value is None or math.isnan(value) else ("inf" if value > 0 else "-inf")
    value = value + 0.0  # -0.0 -> 0.0
    text = f"{value:.3g}" if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3) else f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def _pct(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return _fmt(value)
    return f"{100 * value:.1f}%"


@dataclass(frozen=True)
class ConflictItem:
    """One constraint of a conflict.

    Attributes
    ----------
    name : str
        Readable row name (``liquidity``, ``min_recovery[seg A]`` ...).
    kind : str
        Row family (``budget``, ``budget_share``, ``agent_minutes``, ``liquidity``,
        ``chronic_cap``, ``chronic_vs``, ``min_recovery``).
    sense : str
        ``"<="`` or ``">="``.
    value : float
        The constraint's current parameter in its own units: R$ for ``budget`` and
        ``liquidity``, minutes, a share for ``budget_share``, a mean discount (0..1) for
        ``chronic_cap``, the allowed excess over the peers' share at that discount or above
        (0) for ``chronic_vs``, R$ per debtor for ``min_recovery``.
    feasible_value : float
        The parameter value that would make the constraint feasible together with the
        other constraints of the conflict: a lower bound for ``<=`` rows ("at least ...
        needed"), an upper bound for ``>=`` rows ("at most ... achievable").
    """

    name: str
    kind: str
    sense: str
    value: float
    feasible_value: float

    def describe(self) -> str:
        """``name (current, needed / achievable)`` in words."""
        v, f = self.value, self.feasible_value
        if self.kind == "budget":
            return f"{self.name} (cap R$ {_fmt(v)}, at least R$ {_fmt(f)} needed)"
        if self.kind == "budget_share":
            return f"{self.name} (share {_fmt(v)} of recovery, at least {_fmt(f)} needed)"
        if self.kind == "agent_minutes":
            return f"{self.name} (capacity {_fmt(v)} min, at least {_fmt(f)} min needed)"
        if self.kind == "liquidity":
            return f"{self.name} (target R$ {_fmt(v)}, at most R$ {_fmt(f)} achievable)"
        if self.kind == "chronic_cap":
            return f"{self.name} (mean discount cap {_pct(v)}, at least {_pct(f)} needed)"
        if self.kind == "chronic_vs":
            return (f"{self.name} (share of the segment at this discount or above may exceed the non-chronic "
                    f"peers' by {_pct(v)}, at least {_pct(f)} needed)")
        if self.kind == "min_recovery":
            return f"{self.name} (minimum R$ {_fmt(v)} per debtor, at most R$ {_fmt(f)} achievable)"
        word = "at least" if self.sense == "<=" else "at most"
        return f"{self.name} (rhs {_fmt(v)}, {word} {_fmt(f)})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (non-finite numbers become ``None``)."""
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {"name": self.name, "kind": self.kind, "sense": self.sense,
                "value": num(self.value), "feasible_value": num(self.feasible_value)}


@dataclass(frozen=True)
class Conflict:
    """Constraints that cannot hold together (see module docstring for the method).

    Attributes
    ----------
    items : tuple[ConflictItem, ...]
        Empty when the model is feasible, or when it is infeasible with the assignment
        rows alone (``assignment_infeasible``).
    feasible : bool
        The full model turned out to be feasible: there is nothing to explain.
    assignment_infeasible : bool
        Infeasible even without any optional row.
    undecided : tuple[str, ...]
        Rows whose test solve ended without a verdict (time limit, solver error); they
        were kept in the set.
    """

    items: tuple[ConflictItem, ...]
    feasible: bool = False
    assignment_infeasible: bool = False
    undecided: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Readable names of the constraints in conflict."""
        return tuple(item.name for item in self.items)

    def message(self) -> str:
        """One line, e.g. ``constraints in conflict: liquidity (target R$ 1.2e6, at most R$ 9.8e5 achievable), budget (...)``."""
        if self.feasible:
            return "no conflict: the model is feasible"
        if self.assignment_infeasible:
            return "infeasible even with only the assignment rows (a segment without offers, or a solver problem)"
        if not self.items:
            return "infeasible, but no conflicting set of named constraints was isolated"
        return "constraints in conflict: " + ", ".join(item.describe() for item in self.items)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "names": list(self.names),
            "message": self.message(),
            "items": [item.to_dict() for item in self.items],
            "feasible": self.feasible,
            "assignment_infeasible": self.assignment_infeasible,
            "undecided": list(self.undecided),
        }


def _relaxed_rhs(model: LPModel, name: str) -> float:
    lo, hi = model.activity_range(name)
    if model.rows[name].sense == "<=":
        return hi + 1.0 + 1e-6 * abs(hi)
    return lo - 1.0 - 1e-6 * abs(lo)


def _ordered(model: LPModel) -> list[str]:
    names = model.optional_rows()
    kinds = {n: model.rows[n].kind for n in names}
    per_segment = [n for k in _SEGMENT_ORDER for n in names if kinds[n] == k]
    global_rows = [n for k in _GLOBAL_ORDER for n in names if kinds[n] == k]
    return per_segment + global_rows


class _Oracle:
    """Feasibility checks of the model with a chosen set of optional rows active."""

    def __init__(self, model: LPModel, solver: pulp.LpSolver, original: dict[str, float], solver_name: str = "highs",
                 time_limit: float | None = None):
        self.model = model
        self.solver = solver
        self.solver_name = solver_name
        self.time_limit = time_limit
        self.original = original
        self.relaxed = {n: _relaxed_rhs(model, n) for n in original}
        self.first = True
        self.undecided: set[str] = set()

    def feasible(self, active: set[str]) -> bool | None:
        """True / False, or None when the solver gave no verdict."""
        changes = {}
        for name in self.original:
            want = self.original[name] if name in active else self.relaxed[name]
            row = self.model.rows[name]
            if self.first or row.rhs != want:
                changes[row.pulp_name] = want
        self.first = False
        status = resolve_with_rhs(self.model.problem, self.solver, changes)
        if status is not SolveStatus.INFEASIBLE and not status.has_solution:
            # a hot start that ended without a verdict: solve the same rows again from scratch
            self.solver = make_solver(self.solver_name, time_limit=self.time_limit)
            status = solve_problem(self.model.problem, self.solver)
        if status is SolveStatus.INFEASIBLE:
            return False
        if status.has_solution:
            return True
        return None


def _deletion_filter(oracle: _Oracle, order: list[str]) -> list[str]:
    keep = list(order)

    def rest(without: list[str]) -> set[str]:
        drop = set(without)
        return {n for n in keep if n not in drop}

    def visit(block: list[str]) -> None:
        nonlocal keep
        if not block:
            return
        verdict = oracle.feasible(rest(block))
        if verdict is False:  # still infeasible without the whole block: drop it
            drop = set(block)
            keep = [n for n in keep if n not in drop]
            return
        if len(block) == 1:
            if verdict is None:
                oracle.undecided.add(block[0])
            return
        half = len(block) // 2
        visit(block[:half])
        visit([n for n in block[half:] if n in keep])

    # Per-segment families first, each as one block, then the global rows one by one.
    kinds = [oracle.model.rows[n].kind for n in order]
    blocks: list[list[str]] = []
    for kind in _SEGMENT_ORDER:
        members = [n for n, k in zip(order, kinds) if k == kind]
        if members:
            blocks.append(members)
    blocks += [[n] for n, k in zip(order, kinds) if k in _GLOBAL_ORDER]
    for block in blocks:
        visit([n for n in block if n in keep])
    return keep


def _optimise_row(model: LPModel, solver_name: str, time_limit: float | None, name: str,
                  sense: int, weights: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray | None:
    """Optimise a row's left-hand side (or ``weights``) over the current rows; return all variable values."""
    problem = model.problem
    idx, val = model.x_expression(name) if weights is None else weights
    saved_objective, saved_sense = problem.objective, problem.sense
    problem.setObjective(pulp.LpAffineExpression(list(zip([model.variables[j] for j in idx.tolist()], val.tolist()))))
    problem.sense = sense
    try:
        status = solve_problem(problem, make_solver(solver_name, time_limit=time_limit))
    finally:
        problem.setObjective(saved_objective)
        problem.sense = saved_sense
    if not status.has_solution:
        return None
    return model.values()


def _feasible_value(model: LPModel, solver_name: str, time_limit: float | None, name: str) -> float:
    row = model.rows[name]
    if row.kind == "budget_share":
        return _min_share(model, solver_name, time_limit)
    idx, val = model.x_expression(name)
    sense = pulp.LpMinimize if row.sense == "<=" else pulp.LpMaximize
    values = _optimise_row(model, solver_name, time_limit, name, sense)
    if values is None:
        return math.nan
    return float(val @ values[idx])


def _min_share(model: LPModel, solver_name: str, time_limit: float | None, iterations: int = 50) -> float:
    """Smallest give-away / recovery ratio over the current rows (Dinkelbach's method).

    Starting from the ratio ``l`` of any feasible point, repeatedly minimise
    ``give - l * recovery``; the minimum is negative while ``l`` is above the optimal
    ratio, and the minimiser's own ratio is the next ``l``. It stops at a zero minimum.
    """
    table = model.coef
    n = table["n_debtors"].to_numpy().astype(float)
    give = n * table["give"].to_numpy()
    npv = n * table["npv"].to_numpy()
    idx = np.arange(model.n_x, dtype=np.int64)

    def point(weights: np.ndarray) -> tuple[float, float] | None:
        values = _optimise_row(model, solver_name, time_limit, "budget_share", pulp.LpMinimize, weights=(idx, weights))
        if values is None:
            return None
        x = values[: model.n_x]
        return float(give @ x), float(npv @ x)

    start = point(give)
    if start is None:
        return math.nan
    g, r = start
    if r <= 0:
        return 0.0 if g <= 0 else math.inf
    ratio = g / r
    for _ in range(iterations):
        found = point(give - ratio * npv)
        if found is None:
            return math.nan
        g, r = found
        if g - ratio * r >= -1e-9 * max(1.0, abs(g), abs(ratio * r)) or r <= 0:
            return ratio
        ratio = g / r
    return ratio


def _natural(model: LPModel, name: str, rhs_value: float) -> float:
    """A row's rhs in the units of its :class:`Constraints` parameter."""
    if model.rows[name].kind == "budget_share":
        return float(model.constraints.budget_share or 0.0)
    return float(rhs_value)


def explain_infeasible(
    coef: pl.DataFrame,
    constraints: Constraints | None = None,
    *,
    integer: bool = False,
    solver: str = DEFAULT_SOLVER,
    time_limit: float | None = None,
) -> Conflict:
    """Name an irreducible set of constraints in conflict and what would make each feasible.

    Parameters
    ----------
    coef : pl.DataFrame
        Coefficient table (:func:`optimizer.constraints.prepare_coefficients`).
    constraints : Constraints or None
    integer : bool
        Explain the MILP (one offer per segment) rather than the LP.
    solver : {"cbc", "highs", "highs-ipm"}
    time_limit : float or None
        Per solve, seconds.

    Returns
    -------
    Conflict
        See the module docstring for the method; ``Conflict.message()`` is the one-line
        explanation (``constraints in conflict: liquidity (target R$ 1.2e6, at most R$
        9.8e5 achievable), budget (...)``).
    """
    model = build_model(coef, constraints, integer=integer)
    lp_solver = make_solver(solver, time_limit=time_limit)
    order = _ordered(model)
    original = {n: model.rows[n].rhs for n in order}
    oracle = _Oracle(model, lp_solver, original, solver, time_limit)
    everything = oracle.feasible(set(order))
    if everything is True:
        return Conflict(items=(), feasible=True)
    if not order or oracle.feasible(set()) is False:
        return Conflict(items=(), assignment_infeasible=True)
    conflict = _deletion_filter(oracle, order)

    # The value that would make each row feasible with the others of the set: only the set
    # is active, the row itself is relaxed, and its left-hand side is optimised.
    items = []
    for name in conflict:
        active = set(conflict) - {name}
        for other in order:
            model.set_rhs(other, original[other] if other in active else oracle.relaxed[other])
        value = _feasible_value(model, solver, time_limit, name)
        row = model.rows[name]
        items.append(ConflictItem(name, row.kind, row.sense, _natural(model, name, original[name]), value))
    return Conflict(items=tuple(items), undecided=tuple(n for n in order if n in oracle.undecided and n in conflict))
