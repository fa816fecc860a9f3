"""The recovery vs give-away frontier: shape (LP theory) and agreement with direct solves."""
from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from optimizer.frontier import FRONTIER_SCHEMA, frontier
from optimizer.lp import Constraints, solve_policy

from ._tables import AB, SOLVERS, table


def random_table(seed: int, n_segments: int = 8, n_offers: int = 6) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_segments):
        n = int(rng.integers(100, 1000))
        chronic = bool(s % 4 == 3)
        balance = float(rng.uniform(500, 5000))
        for o in range(n_offers):
            d = 0.6 * o / (n_offers - 1)
            accept = min(0.95, float(rng.uniform(0.1, 0.3)) + 0.8 * d)
            rows.append((f"s{s}", f"d{int(100 * d)}", d, 1, n, balance * (1 - d) * accept, float(rng.uniform(2, 8)),
                         balance * d * accept, float(rng.uniform(1, 10)), balance * accept * (1 - d) / 2, chronic,
                         "X" if s % 2 else "Y"))
    return table(rows)


@pytest.mark.parametrize("solver", SOLVERS)
def test_hand_frontier(solver):
    # Unconstrained give-away is 600 (a = b = 1). For budget B: b1 first (6 per R$) up to
    # B = 100, then a1 (2 per R$): objective = 1700 + 6B for B <= 100, 2300 + 2(B - 100) after.
    f = frontier(table(AB), Constraints(), n_points=7, solver=solver)
    assert f.columns == list(FRONTIER_SCHEMA)
    assert f["budget"].to_list() == pytest.approx([0, 100, 200, 300, 400, 500, 600])
    expected = [1700, 2300, 2500, 2700, 2900, 3100, 3300]
    assert f["objective"].to_list() == pytest.approx(expected)
    assert f["give_away"].to_list() == pytest.approx([0, 100, 200, 300, 400, 500, 600], abs=1e-6)
    assert (f["status"] == "OPTIMAL").all()
    # Slope of the frontier is the budget's dual (kinks at 100 and 600 may report either side).
    assert f["budget_dual"][0] == pytest.approx(6)
    assert f["budget_dual"][2:6].to_list() == pytest.approx([2, 2, 2, 2])


def assert_non_decreasing_and_concave(f: pl.DataFrame) -> None:
    ok = f.filter(pl.col("status") == "OPTIMAL")
    budget, objective = ok["budget"].to_numpy(), ok["objective"].to_numpy()
    assert ok.height >= 3
    scale = max(1.0, float(np.abs(objective).max()))
    assert np.all(np.diff(objective) >= -1e-7 * scale)
    slopes = np.diff(objective) / np.diff(budget)
    assert np.all(np.diff(slopes) <= 1e-6 * max(1.0, float(np.abs(slopes).max())))
    # the budget is respected and the frontier's slope lies within the reported duals' range
    assert np.all(ok["give_away"].to_numpy() <= budget + 1e-6 * scale)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_frontier_is_non_decreasing_and_concave(solver, seed):
    coef = random_table(seed)
    cons = Constraints(agent_minutes=float((coef["n_debtors"] * coef["minutes"]).sum() / 6 * 0.9),
                       chronic_max_discount=0.3, moral_hazard_cost=0.2)
    f = frontier(coef, cons, n_points=12, solver=solver)
    assert f.height == 12
    assert_non_decreasing_and_concave(f)
    # the last point is the unconstrained optimum, the points agree with direct solves
    free = solve_policy(coef, cons, solver=solver)
    assert f["objective"][-1] == pytest.approx(free.objective, rel=1e-7)
    for i in (0, 5, 8):
        direct = solve_policy(coef, Constraints(**{**cons.to_dict(), "budget": float(f["budget"][i])}), solver=solver)
        assert f["status"][i] == direct.status.name
        if direct.status.name == "OPTIMAL":
            assert f["objective"][i] == pytest.approx(direct.objective, rel=1e-7)


def test_cbc_and_highs_frontiers_agree():
    coef = random_table(5)
    a = frontier(coef, Constraints(), n_points=6, solver="cbc")
    b = frontier(coef, Constraints(), n_points=6, solver="highs")
    assert a["objective"].to_numpy() == pytest.approx(b["objective"].to_numpy(), rel=1e-7)


def test_infeasible_points_are_marked():
    # liquidity 900 = 400 + 400a + 400b needs a + b >= 1.25, i.e. give-away >= 100 + 500*0.25
    # = 225: the budgets 0, 100 and 200 are infeasible.
    f = frontier(table(AB), Constraints(liquidity_target=900), n_points=7, solver="highs")
    assert f["status"].to_list() == ["INFEASIBLE"] * 3 + ["OPTIMAL"] * 4
    assert f["objective"][:3].is_nan().all()
    assert_non_decreasing_and_concave(f)


def test_model_without_solution_gives_one_row():
    f = frontier(table(AB), Constraints(liquidity_target=5000), n_points=5)
    assert f.height == 1 and f["status"][0] == "INFEASIBLE"


def test_n_points_validated():
    with pytest.raises(ValueError, match="n_points"):
        frontier(table(AB), n_points=1)
