"""Agent capacity by week: the LP allocates each week's agent minutes, and what one more agent is worth.

The design
----------
The coefficients are measured with the minutes the cadence *demands* (the pool
unconstrained, ``estimate_coefficients(..., unlimited_agents=True)``), and the best
:data:`NOT_CALLED_OFFERS` offers of every segment also get a *not-called* row (``calls``
False: the same offer, no calls, only digital channels and letters), simulated on the
same debtors and streams (common random numbers). The LP then has one capacity row per
week of the horizon, ``agent_minutes[w<k>]``: ``sum N x minutes_w<k> <= pool minutes of
week k`` (agents x the calendar's minutes per agent that week), and chooses per segment
which share is called: when a week is short, the share whose calls are worth least per
minute moves to its not-called row. The not-called rows take no minutes, so the LP is
always feasible. The dialler executes the allocation: the not-called share is never
queued (:attr:`simulation.model.OfferPlan.no_calls`, ``calls`` in the policy and the
treatment file).

What an agent is worth
----------------------
A week's dual values one more agent-minute in that week. One more agent adds ``m_k``
minutes to week ``k`` (the calendar's minutes per agent), so by the duals it is worth
``sum_k dual_up_k x m_k`` (``dual_up``: the value of loosening, :mod:`optimizer.ranging`),
valid while every week's new right-hand side stays inside its ranging range. It is also
measured exactly by re-solving the LP with every week's capacity raised by ``m_k``
(without the tie-break, on both sides). The paired simulation of one more agent
(``marginal.json``, :func:`simulation.sensitivity.agent_value`) stays as the check.

Did the plan hold?
------------------
The out-of-sample re-simulation runs the published policy with the real, limited pool;
:func:`weekly_held` sets the LP's planned minutes of each week beside the minutes the
dialler used and the calls still queued at the week's end.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import polars as pl

from optimizer.constraints import Constraints
from optimizer.sampling import week_capacity
from optimizer.solution import PolicySolution
from optimizer.solve import solve_policy
from simulation.model import SimModel
from simulation.results import SimulationResult, mean_ci

__all__ = ["NOT_CALLED_OFFERS", "allocates", "capacity_by_week", "capacity_value", "weekly_held"]

#: Offers per segment (the best by objective) that also get a not-called row.
NOT_CALLED_OFFERS = 4
#: A week is a bottleneck when one more minute in it is worth more than this (R$; the queue's
#: charge, :data:`optimizer.build.QUEUE_CHARGE`, is 1e-4 R$ a minute).
BOTTLENECK_DUAL = 0.01


def allocates(coef: pl.DataFrame) -> bool:
    """Whether a coefficient table has called / not-called rows (measured at demanded minutes)."""
    return "calls" in coef.columns and not bool(coef["calls"].all())


def capacity_by_week(model: SimModel) -> list[float]:
    """The pool's agent minutes in each week of the horizon (the weekly rows' right-hand sides)."""
    return [float(v) for v in week_capacity(model)]


def _week_rows(solution: PolicySolution) -> pl.DataFrame:
    c = solution.constraints
    if c.height == 0:
        return c
    return c.filter(pl.col("name").str.starts_with("agent_minutes[w"))


def capacity_value(coef: pl.DataFrame, constraints: Constraints, solution: PolicySolution, model: SimModel, *,
                   solver: str = "highs", integer: bool = False) -> dict:
    """The weekly duals and what one more agent is worth by the LP (see the module docstring).

    Returns
    -------
    dict
        ``weeks``: per week ``week, capacity, demanded`` (minutes the called shares'
        cadence asks for that week), ``planned`` (minutes the dialler makes, with the queue
        carried), ``queued`` (minutes waiting at the week's end), ``utilisation, dual,
        dual_up, dual_down, range_low, range_high, binding, agent_minutes`` (the minutes one
        agent adds); ``one_more_agent``: ``by_duals`` (R$, ``sum dual_up x m``), ``one_fewer_by_duals``
        (R$ lost with one agent fewer, ``sum dual_down x m``), ``within_ranging`` (every
        week's rhs + m inside its range), ``resolved`` (R$, the LP re-solved with one more
        agent, without the tie-break on both sides), ``bottleneck_weeks``. Empty without
        weekly rows.
    """
    rows = _week_rows(solution)
    if rows.height == 0 or not solution.status.has_solution:
        return {}
    agents = float(model.scenario.agents.count)
    cap = week_capacity(model)
    per_agent = cap / agents if agents > 0 else np.zeros_like(cap)
    demanded, made, queued = _queue(solution, rows, constraints.agent_queue)
    weeks, by_duals, fewer, inside = [], 0.0, 0.0, True
    for i, r in enumerate(rows.iter_rows(named=True)):
        k = int(r["name"].split("[w", 1)[1].rstrip("]"))
        m = float(per_agent[k]) if k < per_agent.size else 0.0
        up = r["dual_up"] if r["dual_up"] is not None and math.isfinite(r["dual_up"]) else r["dual"]
        down = r["dual_down"] if r["dual_down"] is not None and math.isfinite(r["dual_down"]) else r["dual"]
        up, down = float(up or 0.0), float(down or 0.0)
        by_duals += up * m
        fewer += down * m
        hi = r["range_high"]
        if hi is not None and math.isfinite(hi) and r["rhs"] + m > hi + 1e-9:
            inside = False
        rhs = float(r["rhs"])
        weeks.append({"week": k, "capacity": rhs, "demanded": demanded[i], "planned": made[i], "queued": queued[i],
                      "utilisation": made[i] / rhs if rhs > 0 else None,
                      "dual": _num(r["dual"]), "dual_up": up, "dual_down": down,
                      "range_low": _num(r["range_low"]), "range_high": _num(hi), "binding": bool(r["binding"]),
                      "agent_minutes": m})
    resolved = None
    if not integer and agents > 0:
        plain = replace(constraints, tie_break=False)
        more = replace(plain, agent_minutes_by_week=[float(v) * (agents + 1) / agents
                                                     for v in constraints.agent_minutes_by_week])
        a = solve_policy(coef, plain, solver=solver, explain=False, two_sided=False)
        b = solve_policy(coef, more, solver=solver, explain=False, two_sided=False)
        if a.status.has_solution and b.status.has_solution:
            resolved = float(b.objective - a.objective)
    return {"weeks": weeks,
            "one_more_agent": {"by_duals": by_duals, "one_fewer_by_duals": fewer, "within_ranging": inside,
                               "resolved": resolved, "agents": agents,
                               "bottleneck_weeks": [w["week"] for w in weeks if w["binding"] and w["dual_up"] > BOTTLENECK_DUAL]}}


def _queue(solution: PolicySolution, rows: pl.DataFrame, carried: bool) -> tuple[list[float], list[float], list[float]]:
    """Per weekly row: minutes demanded at the published shares, made, and queued at the week's end.

    The queue is the dialler's: ``made = min(capacity, demanded + queued before)`` (the LP's
    own queue variables are not unique where the pool is not short, so they are not read).
    """
    shares = solution.shares
    w = (shares["share"] * shares["n_debtors"]).to_numpy()
    demanded, made, queued, q = [], [], [], 0.0
    for r in rows.iter_rows(named=True):
        column = "minutes_w" + r["name"].split("[w", 1)[1].rstrip("]")
        d = float(w @ shares[column].to_numpy()) if column in shares.columns else float(r["activity"])
        total = d + (q if carried else 0.0)
        done = min(float(r["rhs"]), total)
        q = total - done
        demanded.append(d)
        made.append(done)
        queued.append(q)
    return demanded, made, queued


def _num(value) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def weekly_held(capacity: dict, sim: SimulationResult | None) -> list[dict]:
    """Per week: the LP's planned minutes beside those the re-simulation's dialler used (limited pool).

    ``used`` (mean and 95% CI over replications), ``made_share`` (used / planned) and
    ``queued_at_end`` (calls waiting at the week's last day, mean). Empty without weekly
    rows or a re-simulation.
    """
    if not capacity or sim is None:
        return []
    H = sim.agent.shape[1]
    W = -(-H // 7)
    week = np.minimum(np.arange(H) // 7, W - 1)
    used = np.zeros((sim.agent.shape[0], W))
    for k in range(W):
        used[:, k] = sim.agent[:, week == k, 1].sum(axis=1)
    out = []
    for w in capacity["weeks"]:
        k = w["week"]
        if k >= W:
            continue
        mean, lo, hi = mean_ci(used[:, k])
        last = min(H - 1, 7 * k + 6)
        out.append({"week": k, "capacity": w["capacity"], "planned": w["planned"], "used": mean, "ci95": [lo, hi],
                    "made_share": mean / w["planned"] if w["planned"] > 0 else None,
                    "queued_at_end": float(sim.agent[:, last, 2].mean())})
    return out
