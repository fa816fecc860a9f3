"""Building the offer-policy LP: named rows over the shares ``x[s, o]``, with PuLP.

``x[s, o]`` is the share of segment ``s`` given offer ``o``. The model is::

    max  sum_s N_s sum_o x[s,o] (npv - cost - chronic_s * mh * give)
    s.t. assign[s]          sum_o x[s,o] = 1                                  (every segment)
         budget             sum N x give <= budget - margin                   (optional)
         budget_share       sum N x (give - share * npv) <= 0 - margin        (optional)
         agent_minutes      sum N x minutes <= agent minutes of the horizon   (optional)
         agent_minutes[wk]  sum N x minutes_wk (+ q[k-1] - q[k]) <= capacity of week k   (optional, by week)
         liquidity          sum N x cash30 >= liquidity_target + margin       (optional)
         chronic_cap[s]     sum_o x[s,o] discount <= chronic_max_discount     (chronic s)
         chronic_vs[s >= d] sum_{o: d_o >= d} x[s,o] <= P_band(d)             (chronic s, each level d > 0)
         min_recovery[s]    sum_o x[s,o] npv >= min_recovery[s]               (listed s)
         x >= 0;  integer mode: x binary (one offer per segment)

``agent_minutes`` is the horizon-total row (when :attr:`Constraints.agent_minutes` is
given). ``agent_minutes[wk]`` are one row per week of the horizon when the coefficient
table carries weekly minutes (``minutes_w00`` ...) and :attr:`Constraints.agent_minutes_by_week`
is given: the bottleneck weeks bind and each week's dual values one more agent minute in
that week. Weekly rows are right only for coefficients measured with the minutes the
cadence *demands* (e.g. ``estimate_coefficients(..., unlimited_agents=True)``); on
coefficients simulated under the agent pool the calls are already rationed, and weekly
rows would ration the same minutes twice, so :func:`optimizer.optimize.constraints_for`
does not ask for them unless ``optimizer.capacity_by_week`` measures the coefficients at
demanded minutes with not-called offers (:mod:`optimizer.weekly`).

With :attr:`Constraints.agent_queue` the weekly rows carry the dialler's queue: ``q[k] >= 0``
are the minutes of calls demanded up to week ``k`` and made after it (a call the pool cannot
make waits in the queue, it is not lost), so week ``k``'s row reads *minutes demanded in
week k plus those queued from week k-1, less those queued on to week k+1, at most the
capacity*, and nothing is left queued after the last week. The row's activity is the minutes
the dialler makes that week. A week binds when the calls demanded from it to the end exceed
the pool's minutes left, not when one week's demand peaks. Each queued minute is charged
:data:`QUEUE_CHARGE` (1e-4 R$) in the objective, so the queue is the least the capacity
forces, the dialler's, and a week's row binds only when the pool is full that week (with a
dual of about that charge when the queue drains later at no cost).

"Chronic never better" is enforced offer by offer: for every discount level ``d > 0`` of a
chronic segment's catalogue, the share of the segment offered ``d`` or more is at most the
debtor-weighted share of its non-chronic peers (same ``risk_band``) offered ``d`` or more,
``P_band(d)``. So no share of a chronic segment gets a discount above the largest discount
its peers get, and its discount distribution is dominated by theirs (which also bounds its
mean). ``P_band(d)`` is one auxiliary variable per (band, level), defined by the equality
row ``peer_share[band >= d]``; those rows are reported with the others but are not optional.

The chronic cap is a row (``chronic_cap[s]``, on the mean discount) over the whole
catalogue, so its dual values raising the cap. ``margin`` is the chance-constraint safety
margin (:mod:`optimizer.margins`), zero unless ``Constraints.confidence > 0.5``.

Rows are named with the readable names above; PuLP mangles ``[]``, spaces and some other
characters, so the PuLP names are sanitised copies and :class:`LPModel` keeps both mappings.
Units of the duals: see :mod:`optimizer.solution`; the model object: :mod:`optimizer.model`.
"""
from __future__ import annotations

import re

import numpy as np
import polars as pl
import pulp

from optimizer.constraints import Constraints, prepare_coefficients, week_columns
from optimizer.model import LPModel, Row

__all__ = ["build_model", "QUEUE_CHARGE", "OfferProblem"]

#: R$ charged in the objective per minute left in the queue from one week to the next, so that
#: the LP's queue is the dialler's (the least that the capacity forces) and a week's row binds
#: only when its minutes are all used; at most a few R$ over a horizon.
QUEUE_CHARGE = 1e-4

_SAFE = re.compile(r"[^A-Za-z0-9_]")


class OfferProblem(pulp.LpProblem):
    """``pulp.LpProblem`` that does not walk every row to list its variables.

    PuLP's :meth:`pulp.LpProblem.variables` registers the variables of the objective and of
    every row and sorts them by name on every call, and a solve calls it several times
    (building the HiGHS model, reading the solution): on the 1,164-column base LP about 8 ms
    a call, a third of the time of the 30 bootstrap re-solves. Here rows register their
    variables as they are added (PuLP's :meth:`addConstraint` already does), the objective
    when it is set (or first seen), and the list is sorted again only when it grew.
    """

    def variables(self) -> list[pulp.LpVariable]:
        objective = self.objective
        if objective is not None and self.__dict__.get("_seen_objective") is not objective:
            self._add_variables(objective.keys())
            self._seen_objective = objective
        if self.__dict__.get("_sorted_count") != len(self._variables):
            self._variables.sort(key=lambda v: v.name)
            self._sorted_count = len(self._variables)
        return self._variables


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
    ``chronic_vs`` rows use one auxiliary variable per risk band and level (the peers'
    share at that level or above, row ``peer_share[...]``) instead of repeating every peer offer in every
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

    problem = OfferProblem("acordo_offer_policy", pulp.LpMaximize)
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
        rows[name] = Row(name, pname, kind, sense, idx, val, constraint, segment, x_idx, x_val, float(rhs))

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
    weeks = week_columns(table.columns)
    queue_vars: list[int] = []
    if cons.agent_minutes_by_week is not None and weeks:
        capacity = list(cons.agent_minutes_by_week)
        n_rows = min(len(weeks), len(capacity))
        carried = None  # position of q[w-1], the calls (minutes) queued from the week before
        for k, column in enumerate(weeks[:n_rows]):
            idx, val = every, n_debtors * table[column].to_numpy()
            if cons.agent_queue:
                if carried is not None:
                    idx, val = np.append(idx, carried), np.append(val, 1.0)
                if k < n_rows - 1:  # q[w] >= 0 carries to week w + 1; nothing is left after the last week
                    variables.append(add_variable(_safe(f"q_w{k:02d}", var_taken), 0, None, pulp.LpContinuous))
                    carried = len(variables) - 1
                    queue_vars.append(carried)
                    idx, val = np.append(idx, carried), np.append(val, -1.0)
            add(f"agent_minutes[w{k:02d}]", "agent_minutes", "<=", idx, val, capacity[k],
                x_expr=(every, n_debtors * table[column].to_numpy()) if cons.agent_queue else None)
    if cons.liquidity_target is not None:
        add("liquidity", "liquidity", ">=", every, n_debtors * cash30, cons.liquidity_target)

    # chronic_vs[s >= d]: the share of chronic segment s offered d or more is at most the
    # debtor-weighted share of its band's non-chronic segments offered d or more. That
    # peer share is one auxiliary variable per (band, level), defined by the equality row
    # peer_share[band >= d], so a chronic_vs row holds the chronic segment's offers plus
    # one variable instead of every peer offer.
    peer_share: dict[tuple[str, float], tuple[int, np.ndarray, np.ndarray]] = {}
    if cons.chronic_not_better:
        for band in dict.fromkeys(seg_band[k] for k in range(n_seg) if seg_chronic[k]):
            peers = [t for t in range(n_seg) if not seg_chronic[t] and seg_band[t] == band]
            if not peers:
                continue
            total = float(sum(seg_n[t] for t in peers))
            weights = [seg_n[t] / total if total > 0 else 1.0 / len(peers) for t in peers]
            chronic_members = [k for k in range(n_seg) if seg_chronic[k] and seg_band[k] == band]
            levels = sorted({round(float(d), 9) for k in chronic_members for d in discount[member_idx[k]] if d > 1e-12})
            peer_idx = np.concatenate([member_idx[t] for t in peers])
            peer_w = np.concatenate([np.full(member_idx[t].size, w) for w, t in zip(weights, peers)])
            peer_d = discount[peer_idx]
            for level in levels:
                at = peer_d >= level - 1e-9
                variables.append(add_variable(_safe(f"p_{band}_{round(level * 100)}", var_taken), None, None,
                                              pulp.LpContinuous))
                pos = len(variables) - 1
                idx_l, val_l = peer_idx[at], peer_w[at]
                # p - sum_t w_t sum_{o: d_o >= level} x[t,o] = 0
                add(f"peer_share[{band} >= {level:.0%}]", "peer_share", "=", np.append(idx_l, pos),
                    np.append(-val_l, 1.0), 0.0)
                peer_share[(band, level)] = (pos, idx_l, val_l)
    for k, s in enumerate(segments):
        if not seg_chronic[k]:
            continue
        idx = member_idx[k]
        if cons.chronic_max_discount is not None:
            add(f"chronic_cap[{s}]", "chronic_cap", "<=", idx, discount[idx], cons.chronic_max_discount, s)
        if not cons.chronic_not_better:
            continue
        for (band, level), (pos, idx_l, val_l) in peer_share.items():
            if band != seg_band[k]:
                continue
            mine = idx[discount[idx] >= level - 1e-9]
            if mine.size == 0:
                continue
            ones = np.ones(mine.size)
            add(f"chronic_vs[{s} >= {level:.0%}]", "chronic_vs", "<=", np.append(mine, pos), np.append(ones, -1.0),
                0.0, s, x_expr=(np.concatenate([mine, idx_l]), np.concatenate([ones, -val_l])))
    if cons.min_recovery:
        for k, s in enumerate(segments):
            if s in cons.min_recovery:
                idx = member_idx[k]
                add(f"min_recovery[{s}]", "min_recovery", ">=", idx, npv[idx], float(cons.min_recovery[s]), s)

    full_objective = np.concatenate([objective, np.zeros(len(variables) - n_x)])
    full_objective[queue_vars] = -QUEUE_CHARGE
    terms = list(zip(variables[:n_x], objective.tolist())) + [(variables[j], -QUEUE_CHARGE) for j in queue_vars]
    problem.setObjective(pulp.LpAffineExpression(terms))
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

