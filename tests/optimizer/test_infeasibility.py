"""Infeasible models: the conflicting constraints are named, with the value that would fix each."""
from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from optimizer.infeasibility import Conflict, explain_infeasible
from optimizer.lp import Constraints, solve_policy
from optimizer.solver import SolveStatus

from ._tables import AB, ABC, SOLVERS, table


def item(conflict: Conflict, name: str):
    return next(i for i in conflict.items if i.name == name)


@pytest.mark.parametrize("solver", SOLVERS)
def test_liquidity_against_budget(solver):
    # Liquidity 900 needs a + b >= 1.25: cheapest is b = 1, a = 0.25, give-away 225. With a
    # zero budget a = b = 0 and cash30 is at most 400. The slack agent and recovery rows
    # are not part of the conflict.
    cons = Constraints(budget=0.0, liquidity_target=900.0, agent_minutes=10_000.0, min_recovery={"A": 5.0})
    sol = solve_policy(table(AB), cons, solver=solver)
    assert sol.status is SolveStatus.INFEASIBLE
    assert np.isnan(sol.objective)
    conflict = sol.conflict
    assert set(conflict.names) == {"liquidity", "budget"}
    assert item(conflict, "liquidity").feasible_value == pytest.approx(400)
    assert item(conflict, "budget").feasible_value == pytest.approx(225)
    assert conflict.message() == (
        "constraints in conflict: liquidity (target R$ 900, at most R$ 400 achievable), "
        "budget (cap R$ 0, at least R$ 225 needed)"
    )
    assert json.loads(json.dumps(sol.to_dict(), allow_nan=False))["conflict"]["names"] == ["liquidity", "budget"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_constraint_impossible_on_its_own(solver):
    # A recovers at most 20 per debtor (offer a1).
    conflict = explain_infeasible(table(AB), Constraints(budget=1e6, min_recovery={"A": 25.0}), solver=solver)
    assert conflict.names == ("min_recovery[A]",)
    assert conflict.items[0].feasible_value == pytest.approx(20)
    assert "min_recovery[A] (minimum R$ 25 per debtor, at most R$ 20 achievable)" in conflict.message()


@pytest.mark.parametrize("solver", SOLVERS)
def test_chronic_cap_against_min_recovery(solver):
    # min_recovery[C] = 11 needs 6 + 6c >= 11, c >= 5/6: mean discount 5/12 > cap 0.25.
    # Under the cap c <= 0.5, so C recovers at most 6 + 3 = 9 per debtor.
    cons = Constraints(chronic_max_discount=0.25, chronic_not_better=False, min_recovery={"C": 11.0})
    conflict = explain_infeasible(table(ABC), cons, solver=solver)
    assert set(conflict.names) == {"min_recovery[C]", "chronic_cap[C]"}
    assert item(conflict, "min_recovery[C]").feasible_value == pytest.approx(9)
    assert item(conflict, "chronic_cap[C]").feasible_value == pytest.approx(5 / 12)
    assert "at least 41.7% needed" in conflict.message()


@pytest.mark.parametrize("solver", SOLVERS)
def test_two_conflicts_give_one_irreducible_set(solver):
    # chronic_vs (offer by offer: C's share at >= 50% <= A's, which is 0, so c <= 0) and
    # chronic_cap (c <= 0.5) each clash with min_recovery[C] (c >= 5/6): the filter returns
    # one of the two irreducible sets.
    cons = Constraints(chronic_max_discount=0.25, min_recovery={"C": 11.0})
    conflict = explain_infeasible(table(ABC), cons, solver=solver)
    assert set(conflict.names) in ({"min_recovery[C]", "chronic_cap[C]"}, {"min_recovery[C]", "chronic_vs[C >= 50%]"})
    vs = Constraints(chronic_max_discount=None, min_recovery={"C": 11.0})
    only_vs = explain_infeasible(table(ABC), vs, solver=solver)
    assert set(only_vs.names) == {"min_recovery[C]", "chronic_vs[C >= 50%]"}
    # C's share at >= 50% must be allowed 5/6 above A's
    assert item(only_vs, "chronic_vs[C >= 50%]").feasible_value == pytest.approx(5 / 6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_budget_share_reports_the_smallest_share(solver):
    # With liquidity 900 the cheapest ratio give-away / recovery is at b = 1, a = 0.25:
    # 225 / 2850 = 3/38. Under share 0.01 (490a + 94b <= 20), cash30 is at most
    # 400 + 400 * 20/94.
    cons = Constraints(budget_share=0.01, liquidity_target=900.0)
    conflict = explain_infeasible(table(AB), cons, solver=solver)
    assert set(conflict.names) == {"budget_share", "liquidity"}
    assert item(conflict, "budget_share").value == pytest.approx(0.01)
    assert item(conflict, "budget_share").feasible_value == pytest.approx(3 / 38)
    assert item(conflict, "liquidity").feasible_value == pytest.approx(400 + 400 * 20 / 94)


@pytest.mark.parametrize("solver", SOLVERS)
def test_budget_share_minimum_is_the_ratio_not_the_least_give_away(solver):
    # One debtor, two offers: p0 gives 1 for a recovery of 2 (ratio 0.5), p1 gives 3 for 10
    # (ratio 0.3). The smallest give-away is p0, the smallest share p1: 0.3 is needed.
    rows = [("P", "p0", 0.1, 1, 1, 2.0, 0.0, 1.0, 1.0, 1.0, False, "X"),
            ("P", "p1", 0.2, 1, 1, 10.0, 0.0, 3.0, 1.0, 1.0, False, "X")]
    conflict = explain_infeasible(table(rows), Constraints(budget_share=0.1), solver=solver)
    assert conflict.names == ("budget_share",)
    assert conflict.items[0].feasible_value == pytest.approx(0.3)
    assert conflict.message() == "constraints in conflict: budget_share (share 0.1 of recovery, at least 0.3 needed)"


@pytest.mark.parametrize("solver", SOLVERS)
def test_integer_mode_conflict(solver):
    # The LP is feasible (b = 1, a = 0.8); with one offer per segment liquidity 900 needs
    # a = b = 1, a give-away of 600 > 500; under the budget cash30 is at most 800.
    cons = Constraints(budget=500.0, liquidity_target=900.0)
    assert solve_policy(table(AB), cons, solver=solver).status is SolveStatus.OPTIMAL
    sol = solve_policy(table(AB), cons, integer=True, solver=solver)
    assert sol.status is SolveStatus.INFEASIBLE
    assert set(sol.conflict.names) == {"budget", "liquidity"}
    assert item(sol.conflict, "budget").feasible_value == pytest.approx(600)
    assert item(sol.conflict, "liquidity").feasible_value == pytest.approx(800)


def test_feasible_model_has_nothing_to_explain():
    conflict = explain_infeasible(table(AB), Constraints(budget=300.0))
    assert conflict.feasible and conflict.names == ()
    assert conflict.message() == "no conflict: the model is feasible"


def restrict(cons: Constraints, names: set[str]) -> Constraints:
    """Only the rows in ``names`` (for models without chronic segments)."""
    return Constraints(
        budget=cons.budget if "budget" in names else None,
        agent_minutes=cons.agent_minutes if "agent_minutes" in names else None,
        liquidity_target=cons.liquidity_target if "liquidity" in names else None,
        min_recovery={s: v for s, v in (cons.min_recovery or {}).items() if f"min_recovery[{s}]" in names},
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_result_is_irreducible_on_random_models(seed):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(12):
        for o in range(4):
            d = 0.2 * o
            rows.append((f"s{s}", f"o{o}", d, 1, 100, float(rng.uniform(10, 20) * (1 + d)), 1.0, float(rng.uniform(1, 5) * d),
                         float(rng.uniform(1, 3)), float(rng.uniform(1, 5)), False, "X"))
    coef = table(rows)
    # every segment asks for most of its best recovery, and the budget is small
    best = coef.group_by("segment").agg(pl.col("npv").max())
    cons = Constraints(budget=float(rng.uniform(50, 200)), agent_minutes=1e9,
                       min_recovery={s: 0.97 * v for s, v in best.iter_rows()})
    conflict = explain_infeasible(coef, cons, solver="highs")
    names = set(conflict.names)
    assert names and "agent_minutes" not in names
    assert solve_policy(coef, restrict(cons, names), explain=False).status is SolveStatus.INFEASIBLE
    for name in names:
        assert solve_policy(coef, restrict(cons, names - {name}), explain=False).status is SolveStatus.OPTIMAL
