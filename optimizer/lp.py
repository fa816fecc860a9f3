"""The offer-policy LP (DESIGN section 5): model building, solving and the solution object.

``x[s, o]`` is the share of segment ``s`` given offer ``o``. The model is::

    max  sum_s N_s sum_o x[s,o] (npv - cost - chronic_s * mh * give)
    s.t. assign[s]         sum_o x[s,o] = 1                                  (every segment)
         budget            sum N x give <= budget                            (optional)
         budget_share      sum N x (give - share * npv) <= 0                 (optional)
         agent_minutes     sum N x minutes <= agent_minutes                  (optional)
         liquidity         sum N x cash30 >= liquidity_target                (optional)
         chronic_cap[s]    sum_o x[s,o] discount <= chronic_max_discount     (chronic s)
         chronic_vs[s]     sum_o x[s,o] d - sum_t w_t sum_o x[t,o] d <= 0    (chronic s)
         min_recovery[s]   sum_o x[s,o] npv >= min_recovery[s]               (listed s)
         x >= 0;  integer mode: x binary (one offer per segment)

``chronic_vs[s]`` compares the mean discount of a chronic segment with the debtor-weighted
mean discount ``sum_t w_t d_t`` (``w_t = N_t / sum N``) of the non-chronic segments that
share its ``risk_band``; it is left out when there is none. That peer mean is one
auxiliary variable ``m_<band>`` per band, defined by the equality row
``peer_mean[<band>]`` (``m - sum_t w_t sum_o d x[t,o] = 0``), so ``chronic_vs[s]`` is
stored as ``sum_o d x[s,o] - m <= 0``: same feasible set and duals, a fraction of the
non-zeros. ``peer_mean`` rows are reported with the others but are not optional
constraints. Rows are named with the
readable names above; PuLP mangles ``[]``, spaces and some other characters, so the PuLP
names are sanitised copies and :class:`LPModel` keeps both mappings.

Units of the duals (see :mod:`optimizer.solver` for the sign convention, ``d(objective) /
d(rhs)``): ``budget`` R$ per R$ of give-away, ``budget_share`` R$ per R$ of give-away
allowed above ``share x recovery``, ``agent_minutes`` R$ per agent minute, ``liquidity``
R$ per R$ of 30-day cash, ``chronic_cap`` / ``chronic_vs`` R$ per unit (100 pp) of mean
discount, ``min_recovery`` R$ per R$ of NPV per debtor, ``assign`` R$ per unit of share.
In integer mode duals and reduced costs are reported as NaN: the duals of the LP with
the integer choice fixed are those of a degenerate LP and carry no economic meaning.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pulp

from optimizer.solver import SolveStatus, dual_sign, make_solver, solve_problem, solver_name

if TYPE_CHECKING:  # infeasibility builds on this module; only the type is needed here
    from optimizer.infeasibility import Conflict

__all__ = [
    "DEFAULT_SOLVER",
    "REQUIRED_COLUMNS",
    "Constraints",
    "Row",
    "LPModel",
    "PolicySolution",
    "prepare_coefficients",
    "build_model",
    "solve_policy",
    "solution_from_model",
]

#: Solver used by :func:`solve_policy` and friends when none is given; chosen with
#: ``benchmarks/bench_lp.py`` (the one that meets the 1 s / 10 s budgets on 200 x 150).
DEFAULT_SOLVER = "highs"

#: Columns the coefficient table must have, with the kind of values expected.
REQUIRED_COLUMNS: dict[str, str] = {
    "segment": "str",
    "offer": "str",
    "discount": "float",
    "installments": "int",
    "n_debtors": "int",
    "npv": "float",
    "cost": "float",
    "give": "float",
    "minutes": "float",
    "cash30": "float",
    "chronic": "bool",
    "risk_band": "str",
}

_NUMERIC = ("discount", "npv", "cost", "give", "minutes", "cash30")
_SENSE = {pulp.LpConstraintLE: "<=", pulp.LpConstraintGE: ">=", pulp.LpConstraintEQ: "="}
_SAFE = re.compile(r"[^A-Za-z0-9_]")


def _bad(param: str, expected: str, value: Any) -> ValueError:
    return ValueError(f"Constraints: {param}: out of range (got {value!r}, expected {expected})")


def _finite_nonneg(param: str, value: Any, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or float(value) < 0:
        raise _bad(param, "a finite number >= 0" + (" or None" if optional else ""), value)


@dataclass(frozen=True)
class Constraints:
    """Business constraints of the offer-policy LP; stored as given, validated once.

    Parameters
    ----------
    budget : float or None
        Give-away cap in R$ (``sum N x give <= budget``); ``None`` for no cap.
    budget_share : float or None
        Give-away at most this share of the recovered NPV
        (``sum N x give <= budget_share * sum N x npv``); ``None`` for none.
    agent_minutes : float or None
        Agent minutes available over the horizon; ``None`` for unlimited.
    liquidity_target : float or None
        Minimum cash in the first 30 days, R$ (``sum N x cash30 >= target``).
    chronic_max_discount : float or None
        Cap on the mean discount (0..1) of each chronic segment.
    chronic_not_better : bool
        A chronic segment's mean discount never exceeds that of the non-chronic segments
        of the same ``risk_band`` (debtor-weighted), when there are any.
    min_recovery : Mapping[str, float] or None
        Per segment, the minimum expected NPV per debtor (R$).
    moral_hazard_cost : float
        R$ of objective charged per R$ of give-away granted to chronic segments.

    Raises
    ------
    ValueError
        Naming the parameter, the allowed range and the value received.
    """

    budget: float | None = None
    budget_share: float | None = None
    agent_minutes: float | None = None
    liquidity_target: float | None = None
    chronic_max_discount: float | None = None
    chronic_not_better: bool = True
    min_recovery: Mapping[str, float] | None = None
    moral_hazard_cost: float = 0.0

    def __post_init__(self) -> None:
        _finite_nonneg("budget", self.budget)
        _finite_nonneg("budget_share", self.budget_share)
        _finite_nonneg("agent_minutes", self.agent_minutes)
        _finite_nonneg("liquidity_target", self.liquidity_target)
        _finite_nonneg("moral_hazard_cost", self.moral_hazard_cost, optional=False)
        cap = self.chronic_max_discount
        if cap is not None:
            _finite_nonneg("chronic_max_discount", cap)
            if float(cap) > 1:
                raise _bad("chronic_max_discount", "a number in [0, 1] or None", cap)
        if not isinstance(self.chronic_not_better, (bool, np.bool_)):
            raise _bad("chronic_not_better", "True or False", self.chronic_not_better)
        if self.min_recovery is not None:
            if not isinstance(self.min_recovery, Mapping):
                raise _bad("min_recovery", "a mapping of segment name to a number >= 0, or None", self.min_recovery)
            for key, value in self.min_recovery.items():
                if not isinstance(key, str):
                    raise _bad("min_recovery", "segment names (str) as keys", key)
                _finite_nonneg(f"min_recovery[{key}]", value, optional=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy of the constraints."""
        return {
            "budget": self.budget,
            "budget_share": self.budget_share,
            "agent_minutes": self.agent_minutes,
            "liquidity_target": self.liquidity_target,
            "chronic_max_discount": self.chronic_max_discount,
            "chronic_not_better": bool(self.chronic_not_better),
            "min_recovery": None if self.min_recovery is None else {k: float(v) for k, v in self.min_recovery.items()},
            "moral_hazard_cost": float(self.moral_hazard_cost),
        }


# --------------------------------------------------------------------------- coefficients


def prepare_coefficients(coef: pl.DataFrame) -> pl.DataFrame:
    """Validate the coefficient table and return it with canonical dtypes.

    Parameters
    ----------
    coef : pl.DataFrame
        One row per (segment, offer) with the columns of :data:`REQUIRED_COLUMNS`;
        other columns (``break_rate``, standard errors ...) are carried through.

    Returns
    -------
    pl.DataFrame
        Same rows and order, required columns cast to ``String`` / ``Float64`` /
        ``Int64`` / ``Boolean``.

    Raises
    ------
    ValueError
        Listing every problem found, one per line, in the project's error format.
    """
    if not isinstance(coef, pl.DataFrame):
        raise ValueError(f"coefficients: not a table (got {type(coef).__name__}, expected a polars DataFrame)")
    problems: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in coef.columns]
    for name in missing:
        problems.append(f"coefficients: column '{name}': missing (expected {REQUIRED_COLUMNS[name]})")
    if problems:
        raise ValueError("\n".join(problems))
    if coef.height == 0:
        raise ValueError("coefficients: no rows (got 0, expected at least one (segment, offer) row)")
    casts = {"str": pl.String, "float": pl.Float64, "int": pl.Int64, "bool": pl.Boolean}
    columns = []
    for name, kind in REQUIRED_COLUMNS.items():
        try:
            columns.append(coef[name].cast(casts[kind], strict=True))
        except Exception:  # noqa: BLE001 - polars raises several types; report them uniformly
            problems.append(f"coefficients: column '{name}': wrong type (got {coef[name].dtype}, expected {kind})")
    if problems:
        raise ValueError("\n".join(problems))
    table = coef.with_columns(columns)
    for name in REQUIRED_COLUMNS:
        nulls = table[name].null_count()
        if nulls:
            problems.append(f"coefficients: column '{name}': missing values (got {nulls} nulls, expected none)")
    if problems:
        raise ValueError("\n".join(problems))
    for name in _NUMERIC:
        values = table[name].to_numpy()
        if not np.all(np.isfinite(values)):
            problems.append(f"coefficients: column '{name}': non-finite values (got NaN or inf, expected finite numbers)")
    d = table["discount"].to_numpy()
    if np.any((d < 0) | (d > 1)):
        problems.append(f"coefficients: column 'discount': out of range (got {float(d.min()):g}..{float(d.max()):g}, expected 0..1)")
    if (table["n_debtors"] < 0).any():
        problems.append(f"coefficients: column 'n_debtors': negative (got {table['n_debtors'].min()}, expected >= 0)")
    if (table["installments"] < 1).any():
        problems.append(f"coefficients: column 'installments': out of range (got {table['installments'].min()}, expected >= 1)")
    dup = table.select("segment", "offer").is_duplicated()
    if dup.any():
        first = table.filter(dup).row(0, named=True)
        problems.append(
            f"coefficients: (segment, offer): duplicated (got {first['segment']!r}, {first['offer']!r}, expected one row per pair)"
        )
    per_segment = table.group_by("segment").agg(
        pl.col("n_debtors").n_unique().alias("n"),
        pl.col("chronic").n_unique().alias("c"),
        pl.col("risk_band").n_unique().alias("r"),
    )
    for column, alias in (("n_debtors", "n"), ("chronic", "c"), ("risk_band", "r")):
        bad = per_segment.filter(pl.col(alias) > 1)["segment"].to_list()
        if bad:
            problems.append(
                f"coefficients: column '{column}': varies within a segment (got {len(bad)} such segments, e.g. {bad[0]!r}, expected one value per segment)"
            )
    if problems:
        raise ValueError("\n".join(problems))
    return table


# --------------------------------------------------------------------------- model


@dataclass(eq=False)
class Row:
    """One named row of the model, with its coefficients kept for reporting.

    ``idx`` / ``val`` are positions in the model's variable vector (the ``x`` in
    coefficient-table order, then auxiliary variables) and their coefficients, exactly as
    in the PuLP row; ``rhs`` is read from the PuLP constraint so it follows rhs changes.
    ``x_idx`` / ``x_val`` express the same row over ``x`` only (auxiliary variables
    substituted by their definition); they equal ``idx`` / ``val`` for most rows.
    """

    name: str
    pulp_name: str
    kind: str
    sense: str
    idx: np.ndarray
    val: np.ndarray
    constraint: pulp.LpConstraint
    segment: str | None = None
    x_idx: np.ndarray | None = None
    x_val: np.ndarray | None = None

    @property
    def rhs(self) -> float:
        """Current right-hand side."""
        return 0.0 - float(self.constraint.constant)  # no "-0.0" for a zero rhs

    def activity(self, values: np.ndarray) -> float:
        """Left-hand side at the full variable vector ``values``."""
        return float(self.val @ values[self.idx])


@dataclass(eq=False)
class LPModel:
    """A built offer-policy model: the PuLP problem plus everything needed to read it.

    Attributes
    ----------
    problem : pulp.LpProblem
        The maximisation, rows named with sanitised names.
    variables : list[pulp.LpVariable]
        ``x[s, o]`` in the row order of ``coef`` (the first ``n_x``), then the auxiliary
        variables ``m_<band>`` (debtor-weighted mean discount of a band's non-chronic
        segments, defined by the row ``peer_mean[<band>]``).
    n_x : int
        Number of ``x`` variables (rows of ``coef``).
    coef : pl.DataFrame
        The validated coefficient table.
    rows : dict[str, Row]
        Rows by readable name, in the order they were added.
    pulp_names, readable_names : dict[str, str]
        Readable -> PuLP row name and back.
    objective : np.ndarray
        Objective coefficient of each variable (R$), auxiliary ones 0.
    segment_index : np.ndarray
        Position of each ``x``'s segment in ``segments``.
    segments : tuple[str, ...]
        Segments in order of first appearance.
    constraints : Constraints
    integer : bool
    """

    problem: pulp.LpProblem
    variables: list[pulp.LpVariable]
    n_x: int
    coef: pl.DataFrame
    rows: dict[str, Row]
    pulp_names: dict[str, str]
    readable_names: dict[str, str]
    objective: np.ndarray
    segment_index: np.ndarray
    segments: tuple[str, ...]
    constraints: Constraints
    integer: bool

    def set_rhs(self, name: str, value: float) -> None:
        """Change the right-hand side of the row with readable ``name``."""
        self.rows[name].constraint.changeRHS(float(value))

    def values(self) -> np.ndarray:
        """Current values of all variables (NaN where the solver left none)."""
        return np.array([np.nan if v.varValue is None else v.varValue for v in self.variables], dtype=float)

    def optional_rows(self) -> list[str]:
        """Readable names of the rows a user asked for (all but ``assign`` / ``peer_mean``)."""
        return [n for n, r in self.rows.items() if r.kind not in ("assign", "peer_mean")]

    def x_expression(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The row's left-hand side over ``x`` only: ``(positions, coefficients)``."""
        row = self.rows[name]
        if row.x_idx is not None and row.x_val is not None:
            return row.x_idx, row.x_val
        return row.idx, row.val

    def activity_range(self, name: str) -> tuple[float, float]:
        """Smallest and largest activity the row can take under the assignment rows alone.

        Every row covers whole segments and each segment's shares lie on a simplex (or are
        one-hot in integer mode), so the range is the sum over segments of the min / max
        coefficient within the segment.
        """
        idx, val = self.x_expression(name)
        n = len(self.segments)
        seg = self.segment_index[idx]
        lo = np.full(n, np.inf)
        hi = np.full(n, -np.inf)
        np.minimum.at(lo, seg, val)
        np.maximum.at(hi, seg, val)
        touched = np.isfinite(lo)
        return float(lo[touched].sum()), float(hi[touched].sum())

    def write_mps(self, path: str | Path) -> Path:
        """Write the model as free MPS with an ``OBJSENSE MAX`` section; return the path."""
        path = Path(path)
        self.problem.writeMPS(str(path), with_objsense=True)
        return path


def _safe(name: str, taken: set[str]) -> str:
    base = _SAFE.sub("_", name) or "_"
    candidate, k = base, 1
    while candidate in taken:
        k += 1
        candidate = f"{base}_{k}"
    taken.add(candidate)
    return candidate


def build_model(coef: pl.DataFrame, constraints: Constraints | None = None, integer: bool = False) -> LPModel:
    """Build the offer-policy LP (or MILP with ``integer=True``) from a coefficient table.

    Parameters
    ----------
    coef : pl.DataFrame
        See :func:`prepare_coefficients`.
    constraints : Constraints or None
        ``None`` means ``Constraints()`` (only the assignment rows and, when there are
        chronic segments with a non-chronic peer, ``chronic_vs``).
    integer : bool
        One offer per segment (binary ``x``).

    Returns
    -------
    LPModel

    Notes
    -----
    Expressions are built from ``(variable, coefficient)`` pairs with
    ``pulp.LpAffineExpression(pairs)``; summing PuLP terms costs about 20 us a variable.
    ``chronic_vs`` rows use one auxiliary variable per risk band (the peers' mean
    discount, row ``peer_mean[<band>]``) instead of repeating every peer offer in every
    chronic segment's row.
    """
    cons = Constraints() if constraints is None else constraints
    if not isinstance(cons, Constraints):
        raise ValueError(f"constraints: wrong type (got {type(cons).__name__}, expected Constraints)")
    table = prepare_coefficients(coef)
    seg_list = table["segment"].to_list()
    offers = table["offer"].to_list()
    segments = tuple(dict.fromkeys(seg_list))
    seg_pos = {s: i for i, s in enumerate(segments)}
    seg_idx = np.fromiter((seg_pos[s] for s in seg_list), dtype=np.int64, count=len(seg_list))
    members: list[list[int]] = [[] for _ in segments]
    for i, k in enumerate(seg_idx.tolist()):
        members[k].append(i)
    member_idx = [np.asarray(m, dtype=np.int64) for m in members]
    n_seg = len(segments)

    n_debtors = table["n_debtors"].to_numpy().astype(float)
    npv = table["npv"].to_numpy()
    cost = table["cost"].to_numpy()
    give = table["give"].to_numpy()
    minutes = table["minutes"].to_numpy()
    cash30 = table["cash30"].to_numpy()
    discount = table["discount"].to_numpy()
    chronic_row = table["chronic"].to_numpy().astype(bool)
    first = [m[0] for m in members]
    seg_n = n_debtors[first]
    seg_chronic = chronic_row[first]
    band_list = table["risk_band"].to_list()
    seg_band = [band_list[i] for i in first]

    if cons.min_recovery:
        unknown = [k for k in cons.min_recovery if k not in seg_pos]
        if unknown:
            raise ValueError(
                f"Constraints: min_recovery: unknown segment (got {unknown[0]!r}, expected one of the coefficient segments)"
            )

    mh = float(cons.moral_hazard_cost)
    objective = n_debtors * (npv - cost - chronic_row * mh * give)

    problem = pulp.LpProblem("acordo_offer_policy", pulp.LpMaximize)
    var_taken: set[str] = set()
    seg_safe = [_SAFE.sub("_", s) for s in segments]
    offer_safe: dict[str, str] = {}
    cat = pulp.LpBinary if integer else pulp.LpContinuous
    upper = 1 if integer else None
    variables: list[pulp.LpVariable] = []
    add_variable = problem.add_variable
    for i, (k, off) in enumerate(zip(seg_idx.tolist(), offers)):
        o = offer_safe.get(off)
        if o is None:
            o = offer_safe[off] = _SAFE.sub("_", off)
        name = f"x_{seg_safe[k]}_{o}"
        if name in var_taken:
            name = _safe(f"{name}_{i}", var_taken)
        else:
            var_taken.add(name)
        variables.append(add_variable(name, 0, upper, cat))
    n_x = len(variables)

    rows: dict[str, Row] = {}
    row_taken: set[str] = set()
    senses = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "=": pulp.LpConstraintEQ}

    def add(name: str, kind: str, sense: str, idx: np.ndarray, val: np.ndarray, rhs: float, segment: str | None = None,
            x_expr: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        pname = _safe(name, row_taken)
        nz = val != 0  # explicit zeros would only bloat the solver's matrix and the MPS
        pairs = list(zip([variables[j] for j in idx[nz].tolist()], val[nz].tolist()))
        constraint = pulp.LpConstraint(pulp.LpAffineExpression(pairs), senses[sense], pname, float(rhs))
        problem.addConstraint(constraint, pname)
        x_idx, x_val = x_expr if x_expr is not None else (None, None)
        rows[name] = Row(name, pname, kind, sense, idx, val, constraint, segment, x_idx, x_val)

    for k, s in enumerate(segments):
        idx = member_idx[k]
        add(f"assign[{s}]", "assign", "=", idx, np.ones(idx.size), 1.0, s)
    every = np.arange(n_x, dtype=np.int64)
    if cons.budget is not None:
        add("budget", "budget", "<=", every, n_debtors * give, cons.budget)
    if cons.budget_share is not None:
        add("budget_share", "budget_share", "<=", every, n_debtors * (give - float(cons.budget_share) * npv), 0.0)
    if cons.agent_minutes is not None:
        add("agent_minutes", "agent_minutes", "<=", every, n_debtors * minutes, cons.agent_minutes)
    if cons.liquidity_target is not None:
        add("liquidity", "liquidity", ">=", every, n_debtors * cash30, cons.liquidity_target)

    # chronic_vs[s] compares with the debtor-weighted mean discount of the non-chronic
    # segments of the same risk band. That mean is one auxiliary variable per band,
    # defined by the equality row peer_mean[<band>], so a chronic_vs row holds the chronic
    # segment's offers plus one variable instead of every peer offer (on the 200 x 150
    # benchmark this cuts the non-zeros about threefold).
    peer_mean: dict[str, tuple[int, np.ndarray, np.ndarray]] = {}
    if cons.chronic_not_better:
        for band in dict.fromkeys(seg_band[k] for k in range(n_seg) if seg_chronic[k]):
            peers = [t for t in range(n_seg) if not seg_chronic[t] and seg_band[t] == band]
            if not peers:
                continue
            total = float(sum(seg_n[t] for t in peers))
            weights = [seg_n[t] / total if total > 0 else 1.0 / len(peers) for t in peers]
            peer_idx = np.concatenate([member_idx[t] for t in peers])
            peer_val = np.concatenate([w * discount[member_idx[t]] for w, t in zip(weights, peers)])
            variables.append(add_variable(_safe(f"m_{band}", var_taken), None, None, pulp.LpContinuous))
            pos = len(variables) - 1
            # m_band - sum_t w_t sum_o d x[t,o] = 0
            add(f"peer_mean[{band}]", "peer_mean", "=", np.append(peer_idx, pos), np.append(-peer_val, 1.0), 0.0)
            peer_mean[band] = (pos, peer_idx, peer_val)
    for k, s in enumerate(segments):
        if not seg_chronic[k]:
            continue
        idx = member_idx[k]
        if cons.chronic_max_discount is not None:
            add(f"chronic_cap[{s}]", "chronic_cap", "<=", idx, discount[idx], cons.chronic_max_discount, s)
        if cons.chronic_not_better and seg_band[k] in peer_mean:
            pos, peer_idx, peer_val = peer_mean[seg_band[k]]
            add(
                f"chronic_vs[{s}]", "chronic_vs", "<=", np.append(idx, pos), np.append(discount[idx], -1.0), 0.0, s,
                x_expr=(np.concatenate([idx, peer_idx]), np.concatenate([discount[idx], -peer_val])),
            )
    if cons.min_recovery:
        for k, s in enumerate(segments):
            if s in cons.min_recovery:
                idx = member_idx[k]
                add(f"min_recovery[{s}]", "min_recovery", ">=", idx, npv[idx], float(cons.min_recovery[s]), s)

    full_objective = np.concatenate([objective, np.zeros(len(variables) - n_x)])
    problem.setObjective(pulp.LpAffineExpression(list(zip(variables[:n_x], objective.tolist()))))
    pulp_names = {name: row.pulp_name for name, row in rows.items()}
    return LPModel(
        problem=problem,
        variables=variables,
        n_x=n_x,
        coef=table,
        rows=rows,
        pulp_names=pulp_names,
        readable_names={v: k for k, v in pulp_names.items()},
        objective=full_objective,
        segment_index=seg_idx,
        segments=segments,
        constraints=cons,
        integer=bool(integer),
    )


# --------------------------------------------------------------------------- solution


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
        ``name, sense, rhs, activity, slack, dual, binding`` for every row; ``slack`` is
        ``>= 0`` when satisfied, ``dual`` follows :mod:`optimizer.solver`'s convention
        (NaN in integer mode or without a proven optimum), ``binding`` means the slack is
        zero to ``1e-6 x max(1, |rhs|, sum |a x|)``.
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
                lines.append("  binding constraints (dual = R$ of objective per unit of rhs):")
                for r in table.iter_rows(named=True):
                    lines.append(f"    {r['name']:<28} {r['sense']:>2} {r['rhs']:>16,.2f}  dual {r['dual']:>14,.4f}")
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
            "dual_convention": "d(objective)/d(rhs), R$ of objective per unit of right-hand side (maximisation)",
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


def _discount_limits(table: pl.DataFrame, x: np.ndarray, tol: float = 1e-9) -> pl.DataFrame:
    schema = {
        "segment": pl.String,
        "discount_limit": pl.Float64,
        "offer": pl.String,
        "installments": pl.Int64,
        "share": pl.Float64,
        "lower_offer": pl.String,
        "lower_discount": pl.Float64,
        "marginal_net_per_give": pl.Float64,
    }
    if not np.all(np.isfinite(x)):
        return pl.DataFrame(schema=schema)
    order = pl.DataFrame({"segment": list(dict.fromkeys(table["segment"].to_list()))}).with_row_index("_order")
    data = table.select("segment", "offer", "discount", "installments", "npv", "cost", "give").with_columns(
        pl.Series("share", x), (pl.col("npv") - pl.col("cost")).alias("net")
    )
    limit = data.filter(pl.col("share") > tol).group_by("segment").agg(pl.col("discount").max().alias("discount_limit"))
    with_limit = data.join(limit, on="segment")
    # the offer at the limit with the largest share
    top = (
        with_limit.filter((pl.col("discount") == pl.col("discount_limit")) & (pl.col("share") > tol))
        .sort(["segment", "share"], descending=[False, True], maintain_order=True)
        .group_by("segment", maintain_order=True)
        .first()
    )
    # the best-net offer at the next smaller discount level of the catalogue
    below = with_limit.filter(pl.col("discount") < pl.col("discount_limit"))
    level = below.group_by("segment").agg(pl.col("discount").max().alias("lower_discount"))
    low = (
        below.join(level, on="segment")
        .filter(pl.col("discount") == pl.col("lower_discount"))
        .sort(["segment", "net"], descending=[False, True], maintain_order=True)
        .group_by("segment", maintain_order=True)
        .first()
        .select("segment", pl.col("offer").alias("lower_offer"), "lower_discount",
                pl.col("net").alias("_low_net"), pl.col("give").alias("_low_give"))
    )
    step = pl.col("give") - pl.col("_low_give")
    out = (
        top.join(low, on="segment", how="left")
        .with_columns(
            pl.when(step > 0).then((pl.col("net") - pl.col("_low_net")) / step).otherwise(float("nan"))
            .fill_null(float("nan")).alias("marginal_net_per_give")
        )
        .join(order, on="segment")
        .sort("_order")
    )
    return out.select(list(schema)).cast(schema)  # type: ignore[arg-type]


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
        x[x < 1e-12] = 0.0  # solver round-off (shares are >= 0)
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
    cons_df = pl.DataFrame(
        {"name": names, "sense": sense, "rhs": rhs, "activity": act, "slack": slack, "dual": dual, "binding": binding},
        schema={
            "name": pl.String,
            "sense": pl.String,
            "rhs": pl.Float64,
            "activity": pl.Float64,
            "slack": pl.Float64,
            "dual": pl.Float64,
            "binding": pl.Boolean,
        },
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
        discount_limits=_discount_limits(table, x),
        conflict=conflict,
        solver=solver_name(solver),
        integer=model.integer,
        model=model,
    )


def solve_policy(
    coef: pl.DataFrame,
    constraints: Constraints | None = None,
    *,
    integer: bool = False,
    solver: str = DEFAULT_SOLVER,
    time_limit: float | None = None,
    explain: bool = True,
) -> PolicySolution:
    """Build and solve the offer-policy LP / MILP.

    Parameters
    ----------
    coef : pl.DataFrame
        Coefficient table (see :func:`prepare_coefficients`).
    constraints : Constraints or None
        ``None`` for ``Constraints()``.
    integer : bool
        One offer per segment (MILP); duals and reduced costs are then NaN.
    solver : {"cbc", "highs", "highs-ipm"}
        See :func:`optimizer.solver.make_solver`.
    time_limit : float or None
        Seconds; a solve stopped with an incumbent is ``FEASIBLE_NOT_PROVEN_OPTIMAL``.
    explain : bool
        For an infeasible model, run :func:`optimizer.infeasibility.explain_infeasible`
        and attach the result as ``conflict``.

    Returns
    -------
    PolicySolution
    """
    model = build_model(coef, constraints, integer=integer)
    lp_solver = make_solver(solver, time_limit=time_limit)
    status = solve_problem(model.problem, lp_solver)
    conflict = None
    if status is SolveStatus.INFEASIBLE and explain:
        from optimizer.infeasibility import explain_infeasible  # lazy: infeasibility builds on lp

        conflict = explain_infeasible(coef, constraints, integer=integer, solver=solver, time_limit=time_limit)
    return solution_from_model(model, status, lp_solver, conflict)
