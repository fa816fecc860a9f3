"""Hand-solved offer-policy LPs, duals, integer mode, MPS round trip and status mapping."""
from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pulp
import pytest
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from optimizer.lp import Constraints, build_model, solve_policy
from optimizer.solver import (
    SOLVER_NAMES,
    SolveStatus,
    dual_sign,
    make_solver,
    solve_problem,
    status_from_pulp,
)

from . import _tables
from ._tables import AB, ABC, SOLVERS


def table(rows: list[tuple]) -> pl.DataFrame:
    """Rows as tuples in COLUMNS order, plus a break_rate and an npv_se carried through."""
    return _tables.table(rows).with_columns(pl.lit(0.1).alias("break_rate"), (pl.col("npv") * 0.01).alias("npv_se"))


# Two segments, two offers each (the "A/B" example used throughout):
#   A: N=100  a0: d=0    npv 10 cost 1 give 0   minutes 1 cash30 2
#             a1: d=0.3  npv 20 cost 1 give 5   minutes 2 cash30 6
#   B: N=200  b0: d=0    npv 5  cost 1 give 0   minutes 1 cash30 1
#             b1: d=0.1  npv 8  cost 1 give 0.5 minutes 3 cash30 3
# With a = x[A,a1] (so x[A,a0] = 1-a) and b = x[B,b1]:
#   objective = 100*9 + 200*4 + a*100*(19-9) + b*200*(7-4) = 1700 + 1000a + 600b
#   give-away = 500a + 100b,   minutes = 300 + 100a + 400b,   cash30 = 400 + 400a + 400b
# Per R$ of give-away a1 returns 1000/500 = 2 and b1 600/100 = 6; per agent minute a1
# returns 1000/100 = 10 and b1 600/400 = 1.5. (AB and ABC are defined in _tables.py.)


def share(sol, segment: str, offer: str) -> float:
    return sol.shares.filter((pl.col("segment") == segment) & (pl.col("offer") == offer))["share"].item()


def row(sol, name: str) -> dict:
    return sol.constraints.filter(pl.col("name") == name).row(0, named=True)


# --------------------------------------------------------------------------- optimal


@pytest.mark.parametrize("solver", SOLVERS)
def test_unconstrained_takes_the_best_offer_everywhere(solver):
    sol = solve_policy(table(AB), Constraints(), solver=solver)
    assert sol.status is SolveStatus.OPTIMAL
    assert sol.objective == pytest.approx(1700 + 1000 + 600)
    assert share(sol, "A", "a1") == pytest.approx(1.0)
    assert share(sol, "B", "b1") == pytest.approx(1.0)
    assert sol.give_away == pytest.approx(600)
    assert sol.recovery == pytest.approx(100 * 20 + 200 * 8)
    assert sol.net == pytest.approx(sol.objective)
    assert sol.binding == ()


@pytest.mark.parametrize("solver", SOLVERS)
def test_budget_hand_solution_and_dual(solver):
    # Budget 300: b1 first (6 per R$) uses 100, the other 200 buy a = 0.4 of a1 (2 per R$).
    # objective = 1700 + 400 + 600 = 2700; one more R$ buys 1/500 of a1: dual = 2.
    sol = solve_policy(table(AB), Constraints(budget=300), solver=solver)
    assert sol.status is SolveStatus.OPTIMAL
    assert sol.objective == pytest.approx(2700)
    assert share(sol, "A", "a1") == pytest.approx(0.4)
    assert share(sol, "A", "a0") == pytest.approx(0.6)
    assert share(sol, "B", "b1") == pytest.approx(1.0)
    budget = row(sol, "budget")
    assert budget["sense"] == "<=" and budget["binding"] and budget["slack"] == pytest.approx(0, abs=1e-6)
    assert budget["dual"] == pytest.approx(2.0)
    assert sol.binding == ("budget",)
    # Reduced cost of b0 (non-basic at 0): b1 is basic, so the assignment dual of B is
    # 1400 - 2 * (200 * 0.5) = 1200 and b0's reduced cost is 800 - 1200 = -400: moving one
    # unit of B's share to b0 loses 400 R$. Basic variables have reduced cost 0.
    rc = {o: v for _, o, v in sol.reduced_costs.iter_rows()}
    assert rc["b0"] == pytest.approx(-400)
    assert rc["a0"] == pytest.approx(0, abs=1e-6) and rc["a1"] == pytest.approx(0, abs=1e-6)
    assert row(sol, "assign[B]")["dual"] == pytest.approx(1200)


def test_discount_limits_hand_values():
    # Budget 300: A uses a1 (d 0.3) on 40%, B uses b1 (d 0.1) fully. The step from a0 to a1
    # buys (19 - 9) / (5 - 0) = 2 R$ of net recovery per R$ of give-away, b0 -> b1
    # (7 - 4) / 0.5 = 6. With budget 0 both stay at d = 0: no lower step, NaN.
    sol = solve_policy(table(AB), Constraints(budget=300))
    limits = {r["segment"]: r for r in sol.discount_limits.iter_rows(named=True)}
    assert limits["A"]["discount_limit"] == pytest.approx(0.3) and limits["A"]["offer"] == "a1"
    assert limits["A"]["share"] == pytest.approx(0.4) and limits["A"]["lower_offer"] == "a0"
    assert limits["A"]["marginal_net_per_give"] == pytest.approx(2.0)
    assert limits["B"]["marginal_net_per_give"] == pytest.approx(6.0)
    assert list(limits) == ["A", "B"]
    zero = solve_policy(table(AB), Constraints(budget=0))
    assert zero.discount_limits["discount_limit"].to_list() == [0.0, 0.0]
    assert zero.discount_limits["marginal_net_per_give"].is_nan().all()
    assert zero.discount_limits["lower_offer"].is_null().all()


@pytest.mark.parametrize("solver", SOLVERS)
def test_agent_minutes_hand_solution_and_dual(solver):
    # 500 minutes: 300 are needed anyway, a1 (10 per minute) takes 100, b1 gets 100/400.
    # objective = 1700 + 1000 + 150 = 2850; dual = 600/400 = 1.5 R$ per minute.
    sol = solve_policy(table(AB), Constraints(agent_minutes=500), solver=solver)
    assert sol.objective == pytest.approx(2850)
    assert share(sol, "A", "a1") == pytest.approx(1.0)
    assert share(sol, "B", "b1") == pytest.approx(0.25)
    assert row(sol, "agent_minutes")["dual"] == pytest.approx(1.5)


# Both binding at a = 0.6, b = 0.5: budget 500a + 100b = 350, minutes 300 + 100a + 400b = 560.
# Duals solve 500 yB + 100 yM = 1000 and 100 yB + 400 yM = 600: yB = 34/19, yM = 20/19, both > 0,
# so the vertex is optimal; objective = 1700 + 600 + 300 = 2600.
BOTH = Constraints(budget=350, agent_minutes=560)


@pytest.mark.parametrize("solver", SOLVERS)
def test_budget_and_agent_duals_equal_hand_values(solver):
    sol = solve_policy(table(AB), BOTH, solver=solver)
    assert sol.status is SolveStatus.OPTIMAL
    assert sol.objective == pytest.approx(2600)
    assert share(sol, "A", "a1") == pytest.approx(0.6)
    assert share(sol, "B", "b1") == pytest.approx(0.5)
    assert row(sol, "budget")["dual"] == pytest.approx(34 / 19)
    assert row(sol, "agent_minutes")["dual"] == pytest.approx(20 / 19)
    assert set(sol.binding) == {"budget", "agent_minutes"}
    # Reduced costs of basic variables are zero (all four are basic here).
    assert np.allclose(sol.reduced_costs["reduced_cost"].to_numpy(), 0, atol=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name,field", [("budget", "budget"), ("agent_minutes", "agent_minutes")])
def test_duals_agree_with_finite_differences(solver, name, field):
    import dataclasses

    # CBC writes its solution file with 8 significant digits, so the step is 10 (the
    # optimal basis is unchanged up to there: a, b stay strictly between 0 and 1).
    base = solve_policy(table(AB), BOTH, solver=solver)
    delta = 10.0
    bumped = solve_policy(table(AB), dataclasses.replace(BOTH, **{field: getattr(BOTH, field) + delta}), solver=solver)
    slope = (bumped.objective - base.objective) / delta
    assert row(base, name)["dual"] == pytest.approx(slope, rel=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_binding_ge_constraint_has_a_negative_dual(solver):
    # Budget 300 alone gives a = 0.4, b = 1. min_recovery[A] = 15 per debtor means
    # 10 + 10a >= 15, so a = 0.5 (give 250) and b = 50/100 = 0.5: objective 1700 + 500 + 300
    # = 2500. Raising the minimum by 1 R$ adds 0.1 to a and, through the budget, takes
    # 0.5 from b: 1000*0.1 - 600*0.5 = -200 R$ per R$ per debtor.
    cons = Constraints(budget=300, min_recovery={"A": 15.0})
    sol = solve_policy(table(AB), cons, solver=solver)
    assert sol.objective == pytest.approx(2500)
    assert share(sol, "A", "a1") == pytest.approx(0.5)
    assert share(sol, "B", "b1") == pytest.approx(0.5)
    minimum = row(sol, "min_recovery[A]")
    assert minimum["sense"] == ">=" and minimum["binding"]
    assert minimum["dual"] == pytest.approx(-200)
    assert row(sol, "budget")["dual"] == pytest.approx(6)  # now b1 is the marginal use
    bumped = solve_policy(table(AB), Constraints(budget=300, min_recovery={"A": 15.5}), solver=solver)
    assert (bumped.objective - sol.objective) / 0.5 == pytest.approx(-200)


def test_raw_pulp_dual_signs_are_opposite_and_normalised():
    """PuLP 3.3: CBC's pi is already d(obj)/d(rhs) for a maximisation, HiGHS's is negated."""
    raw = {}
    for solver in SOLVERS:
        model = build_model(table(AB), BOTH)
        lp_solver = make_solver(solver)
        assert solve_problem(model.problem, lp_solver) is SolveStatus.OPTIMAL
        raw[solver] = model.rows["budget"].constraint.pi
        assert dual_sign(lp_solver) * raw[solver] == pytest.approx(34 / 19)
    assert raw["cbc"] == pytest.approx(34 / 19)
    assert raw["highs"] == pytest.approx(-34 / 19)
    assert dual_sign(make_solver("highs"), pulp.LpMinimize) == 1.0


# --------------------------------------------------------------------------- degenerate


@pytest.mark.parametrize("solver", SOLVERS)
def test_degenerate_budget_at_a_kink(solver):
    # Budget 100 is exactly what b1 (6 per R$) uses: a = 0, b = 1, objective 2300. The budget
    # row and b's assignment are tight at once (primal degenerate): any dual in [2, 6] is
    # valid, between the right and left finite differences.
    sol = solve_policy(table(AB), Constraints(budget=100), solver=solver)
    assert sol.status is SolveStatus.OPTIMAL
    assert sol.objective == pytest.approx(2300)
    assert share(sol, "B", "b1") == pytest.approx(1.0)
    assert share(sol, "A", "a1") == pytest.approx(0.0, abs=1e-9)
    left = sol.objective - solve_policy(table(AB), Constraints(budget=99), solver=solver).objective
    right = solve_policy(table(AB), Constraints(budget=101), solver=solver).objective - sol.objective
    assert left == pytest.approx(6) and right == pytest.approx(2)
    assert right - 1e-9 <= row(sol, "budget")["dual"] <= left + 1e-9


@pytest.mark.parametrize("solver", SOLVERS)
def test_tied_offers_give_a_unique_objective(solver):
    # a1 and a2 are identical: shares between them are not unique, the objective is.
    rows = AB + [("A", "a2", 0.3, 12, 100, 20.0, 1.0, 5.0, 2.0, 6.0, False, "X")]
    sol = solve_policy(table(rows), Constraints(budget=300), solver=solver)
    assert sol.objective == pytest.approx(2700)
    assert share(sol, "A", "a1") + share(sol, "A", "a2") == pytest.approx(0.4)


# --------------------------------------------------------------------------- chronic rules


# C is chronic, risk band X like A: c0 d=0 npv 6 give 0; c1 d=0.5 npv 12 give 10 (N=100).
# With mh = 0.1: objective coefficients c0 = 100*5 = 500, c1 = 100*(11 - 0.1*10) = 1000.
# (ABC is defined in _tables.py.)


@pytest.mark.parametrize("solver", SOLVERS)
def test_chronic_cap_and_moral_hazard(solver):
    # A takes a1 (d 0.3), B takes b1; the cap 0.25 on C's mean discount allows c = 0.5 of c1
    # (chronic_vs would allow 0.3/0.5 = 0.6). objective = 1900 + 1400 + 500 + 0.5*500 = 4050;
    # the moral-hazard charge is 0.1 * 100 * 0.5 * 10 = 50. One more unit of cap buys 2 more
    # units of c: dual = 500 / 0.5 = 1000 R$ per unit (100 pp) of mean discount.
    # (chronic_not_better off: offer by offer it would forbid c1's 50%, above A's 30%)
    cons = Constraints(chronic_max_discount=0.25, moral_hazard_cost=0.1, chronic_not_better=False)
    sol = solve_policy(table(ABC), cons, solver=solver)
    assert sol.objective == pytest.approx(4050)
    assert share(sol, "C", "c1") == pytest.approx(0.5)
    assert sol.moral_hazard == pytest.approx(50)
    assert sol.net == pytest.approx(4100)
    assert row(sol, "chronic_cap[C]")["dual"] == pytest.approx(1000)
    limits = sol.discount_limits.filter(pl.col("segment") == "C").row(0, named=True)
    assert limits["discount_limit"] == pytest.approx(0.5)
    # (net(c1) - net(c0)) / (give(c1) - give(c0)) = (11 - 5) / 10
    assert limits["marginal_net_per_give"] == pytest.approx(0.6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_chronic_not_better_than_its_band(solver):
    # Offer by offer: C's 50% (c1) is above the largest discount A gets (30%), so no share of C
    # gets it: c = 0, objective = 1900 + 1400 + 500 = 3800. The row chronic_vs[C >= 50%] binds
    # (C's share at >= 50% <= A's share at >= 50% = 0); loosening it by one unit of share is
    # worth c1's 500 (the mean rule alone would have allowed c = 0.6).
    sol = solve_policy(table(ABC), Constraints(moral_hazard_cost=0.1), solver=solver)
    assert sol.objective == pytest.approx(3800)
    assert share(sol, "C", "c1") == pytest.approx(0.0, abs=1e-9)
    vs = row(sol, "chronic_vs[C >= 50%]")
    assert vs["binding"] and vs["dual_up"] == pytest.approx(500)
    assert "chronic_vs[C >= 50%]" in sol.binding
    off = solve_policy(table(ABC), Constraints(moral_hazard_cost=0.1, chronic_not_better=False), solver=solver)
    assert share(off, "C", "c1") == pytest.approx(1.0)
    assert not any(n.startswith("chronic_vs") for n in off.constraints["name"].to_list())


# --------------------------------------------------------------------------- names


def test_readable_names_survive_pulp_mangling():
    # PuLP turns "-", "+", "[", "]", " ", ">", "/" into "_": these two segments collide.
    weird = [("risk-high [x]/1", *r[1:]) for r in AB[:2]] + [("risk high _x__1", *r[1:]) for r in AB[2:]]
    cons = Constraints(budget=300, min_recovery={"risk-high [x]/1": 1.0})
    sol = solve_policy(table(weird), cons, solver="highs")
    names = sol.constraints["name"].to_list()
    assert "assign[risk-high [x]/1]" in names and "assign[risk high _x__1]" in names
    assert "min_recovery[risk-high [x]/1]" in names
    assert sol.objective == pytest.approx(2700)
    pulp_names = set(sol.model.pulp_names.values())
    assert len(pulp_names) == len(names)
    assert all(set(n) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") for n in pulp_names)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"budget": -1.0}, ["budget", ">= 0", "-1.0"]),
        ({"budget_share": float("nan")}, ["budget_share", ">= 0", "nan"]),
        ({"agent_minutes": "lots"}, ["agent_minutes", "'lots'"]),
        ({"chronic_max_discount": 1.5}, ["chronic_max_discount", "[0, 1]", "1.5"]),
        ({"moral_hazard_cost": None}, ["moral_hazard_cost", "None"]),
        ({"min_recovery": {"A": -2.0}}, ["min_recovery[A]", "-2.0"]),
        ({"chronic_not_better": "yes"}, ["chronic_not_better", "'yes'"]),
    ],
)
def test_constraints_validation_names_parameter_range_and_value(kwargs, words):
    with pytest.raises(ValueError) as info:
        Constraints(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_coefficient_validation_lists_problems():
    bad = table(AB).with_columns(pl.when(pl.col("offer") == "a1").then(1.5).otherwise(pl.col("discount")).alias("discount"))
    with pytest.raises(ValueError, match="discount"):
        build_model(bad)
    with pytest.raises(ValueError, match="'give': missing"):
        build_model(table(AB).drop("give"))
    dup = pl.concat([table(AB), table(AB[:1])])
    with pytest.raises(ValueError, match="duplicated"):
        build_model(dup)
    varying = table(AB).with_columns(pl.when(pl.col("offer") == "a1").then(99).otherwise(pl.col("n_debtors")).alias("n_debtors"))
    with pytest.raises(ValueError, match="varies within a segment"):
        build_model(varying)
    with pytest.raises(ValueError, match="unknown segment"):
        build_model(table(AB), Constraints(min_recovery={"Z": 1.0}))
    with pytest.raises(ValueError, match="solver"):
        make_solver("gurobi")


# --------------------------------------------------------------------------- never unbounded


@pytest.mark.parametrize("solver", SOLVERS)
def test_never_unbounded_and_shares_are_a_policy(solver):
    # Shares are bounded by the assignment rows, so however large the coefficients the
    # model cannot be unbounded; each segment's shares sum to one.
    rng = np.random.default_rng(7)
    rows = []
    for s in range(4):
        for o in range(3):
            rows.append((f"s{s}", f"o{o}", o / 4, 1, 1000, float(rng.uniform(1e6, 1e9)), 0.0, float(rng.uniform(0, 1e3)),
                         1.0, 1.0, bool(s == 3), "X"))
    sol = solve_policy(table(rows), Constraints(), solver=solver)
    assert sol.status is SolveStatus.OPTIMAL
    sums = sol.shares.group_by("segment").agg(pl.col("share").sum())["share"].to_numpy()
    assert np.allclose(sums, 1.0)
    assert (sol.shares["share"] >= 0).all() and (sol.shares["share"] <= 1 + 1e-9).all()


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_truly_unbounded_problem_is_reported_as_such(solver):
    problem = pulp.LpProblem("unbounded", pulp.LpMaximize)
    x, y = problem.add_variable("x", 0), problem.add_variable("y", 0)
    problem.setObjective(pulp.LpAffineExpression([(x, 1.0), (y, 1.0)]))
    problem.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(x, 1.0), (y, -1.0)]), pulp.LpConstraintLE, "c", 1.0))
    assert solve_problem(problem, make_solver(solver)) is SolveStatus.UNBOUNDED


# --------------------------------------------------------------------------- integer mode


def random_table(rng: np.random.Generator, n_segments: int, n_offers: int) -> pl.DataFrame:
    rows = []
    for s in range(n_segments):
        n = int(rng.integers(50, 500))
        chronic = bool(s == n_segments - 1)
        for o in range(n_offers):
            d = o / (n_offers - 1) * 0.6
            npv = float(rng.uniform(50, 300) * (1 + d))
            rows.append((f"s{s}", f"d{int(100 * d)}_n{o + 1}", d, o + 1, n, npv, float(rng.uniform(1, 10)),
                         float(rng.uniform(0, 100) * d), float(rng.uniform(1, 10)), float(rng.uniform(0, 100)),
                         chronic, "X" if s % 2 == 0 else "Y"))
    return table(rows)


def brute_force(coef: pl.DataFrame, cons: Constraints) -> float | None:
    """Best objective over every one-offer-per-segment choice, or None if none is feasible."""
    segments = coef["segment"].unique(maintain_order=True).to_list()
    parts = [coef.filter(pl.col("segment") == s).rows(named=True) for s in segments]
    mean_d: dict[str, float] = {}
    best = None
    for choice in itertools.product(*parts):
        give = sum(r["n_debtors"] * r["give"] for r in choice)
        minutes = sum(r["n_debtors"] * r["minutes"] for r in choice)
        if cons.budget is not None and give > cons.budget + 1e-7:
            continue
        if cons.agent_minutes is not None and minutes > cons.agent_minutes + 1e-7:
            continue
        ok = True
        for r in choice:
            if r["chronic"]:
                if cons.chronic_max_discount is not None and r["discount"] > cons.chronic_max_discount + 1e-9:
                    ok = False
                peers = [p for p in choice if not p["chronic"] and p["risk_band"] == r["risk_band"]]
                if cons.chronic_not_better and peers:
                    total = sum(p["n_debtors"] for p in peers)
                    mean_d[r["segment"]] = sum(p["n_debtors"] * p["discount"] for p in peers) / total
                    if r["discount"] > mean_d[r["segment"]] + 1e-9:
                        ok = False
        if not ok:
            continue
        value = sum(r["n_debtors"] * (r["npv"] - r["cost"] - r["chronic"] * cons.moral_hazard_cost * r["give"]) for r in choice)
        best = value if best is None else max(best, value)
    return best


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_integer_mode_equals_brute_force(solver, seed):
    rng = np.random.default_rng(seed)
    coef = random_table(rng, 3, 4)
    lp = solve_policy(coef, Constraints(), solver=solver)
    cons = Constraints(
        budget=float(rng.uniform(0.2, 0.8)) * lp.give_away,
        agent_minutes=float((coef["n_debtors"] * coef["minutes"]).sum() / 4 * rng.uniform(0.8, 1.1)),
        chronic_max_discount=0.4,
        moral_hazard_cost=0.3,
    )
    expected = brute_force(coef, cons)
    sol = solve_policy(coef, cons, integer=True, solver=solver)
    if expected is None:
        assert sol.status is SolveStatus.INFEASIBLE
        return
    assert sol.status is SolveStatus.OPTIMAL
    assert sol.objective == pytest.approx(expected, rel=1e-9)
    x = sol.shares["share"].to_numpy()
    assert np.all((x == 0) | (x == 1))
    assert math.isnan(sol.constraints["dual"][0])
    assert sol.reduced_costs["reduced_cost"].is_nan().all()


# --------------------------------------------------------------------------- MPS round trip


def read_mps(path: Path) -> dict:
    """A small free-MPS reader (OBJSENSE, ROWS, COLUMNS, RHS, BOUNDS) for the round trip."""
    sense, objective_row = "MIN", None
    rows: dict[str, str] = {}
    columns: dict[str, dict[str, float]] = {}
    rhs: dict[str, float] = {}
    bounds: dict[str, list] = {}
    section = None
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("*"):
            continue
        if not line[0].isspace():
            section = line.split()[0]
            continue
        parts = line.split()
        if section == "OBJSENSE":
            sense = parts[0]
        elif section == "ROWS":
            if parts[0] == "N":
                objective_row = parts[1]
            else:
                rows[parts[1]] = parts[0]
        elif section == "COLUMNS":
            if "'MARKER'" in parts:
                continue
            entry = columns.setdefault(parts[0], {})
            for name, value in zip(parts[1::2], parts[2::2]):
                entry[name] = float(value)
        elif section == "RHS":
            for name, value in zip(parts[1::2], parts[2::2]):
                rhs[name] = float(value)
        elif section == "BOUNDS":
            kind, name = parts[0], parts[2]
            lo, up = bounds.setdefault(name, [0.0, None])
            value = float(parts[3]) if len(parts) > 3 else None
            if kind == "UP":
                up = value
            elif kind == "LO":
                lo = value
            elif kind == "FX":
                lo = up = value
            elif kind == "FR":
                lo, up = None, None
            elif kind == "MI":
                lo = None
            elif kind == "BV":
                lo, up = 0.0, 1.0
            bounds[name] = [lo, up]
    return {"sense": sense, "objective": objective_row, "rows": rows, "columns": columns, "rhs": rhs, "bounds": bounds}


def linprog_objective(mps: dict) -> float:
    names = list(mps["columns"])
    col = {n: j for j, n in enumerate(names)}
    c = np.array([mps["columns"][n].get(mps["objective"], 0.0) for n in names])
    sign = -1.0 if mps["sense"] == "MAX" else 1.0
    ub_rows, eq_rows = [], []
    for r, kind in mps["rows"].items():
        (eq_rows if kind == "E" else ub_rows).append(r)
    def matrix(row_names, flip):
        index = {r: i for i, r in enumerate(row_names)}
        data, ri, ci = [], [], []
        for n, entries in mps["columns"].items():
            for r, v in entries.items():
                if r in index:
                    data.append(v * flip.get(r, 1.0))
                    ri.append(index[r])
                    ci.append(col[n])
        return csr_matrix((data, (ri, ci)), shape=(len(row_names), len(names)))
    flip = {r: (-1.0 if mps["rows"][r] == "G" else 1.0) for r in ub_rows}
    a_ub = matrix(ub_rows, flip)
    b_ub = np.array([mps["rhs"].get(r, 0.0) * flip[r] for r in ub_rows])
    a_eq = matrix(eq_rows, {})
    b_eq = np.array([mps["rhs"].get(r, 0.0) for r in eq_rows])
    bounds = [tuple(mps["bounds"].get(n, [0.0, None])) for n in names]
    res = linprog(sign * c, A_ub=a_ub if ub_rows else None, b_ub=b_ub if ub_rows else None,
                  A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return sign * res.fun


@pytest.mark.parametrize("solver", SOLVERS)
def test_written_mps_resolved_by_scipy_gives_the_same_objective(solver, tmp_path):
    rng = np.random.default_rng(11)
    coef = random_table(rng, 6, 5)
    free = solve_policy(coef, Constraints(), solver=solver)
    cons = Constraints(budget=0.6 * free.give_away, agent_minutes=float((coef["n_debtors"] * coef["minutes"]).sum() / 5),
                       chronic_max_discount=0.3, moral_hazard_cost=0.2, liquidity_target=0.0)
    sol = solve_policy(coef, cons, solver=solver)
    assert sol.status is SolveStatus.OPTIMAL
    path = sol.write_mps(tmp_path / "model.mps")
    mps = read_mps(path)
    assert mps["sense"] == "MAX"
    assert "budget" in mps["rows"] and "agent_minutes" in mps["rows"]
    assert linprog_objective(mps) == pytest.approx(sol.objective, rel=1e-6)


# --------------------------------------------------------------------------- status mapping


@pytest.mark.parametrize(
    "status,sol_status,expected",
    [
        (pulp.LpStatusOptimal, pulp.LpSolutionOptimal, SolveStatus.OPTIMAL),
        # time limit with an incumbent: PuLP says "Optimal", sol_status says otherwise
        (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, SolveStatus.FEASIBLE_NOT_PROVEN_OPTIMAL),
        (pulp.LpStatusOptimal, pulp.LpSolutionNoSolutionFound, SolveStatus.NOT_SOLVED),
        (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, SolveStatus.NOT_SOLVED),
        (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible, SolveStatus.INFEASIBLE),
        (pulp.LpStatusInfeasible, pulp.LpSolutionNoSolutionFound, SolveStatus.INFEASIBLE),
        (pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded, SolveStatus.UNBOUNDED),
        (pulp.LpStatusUndefined, pulp.LpSolutionNoSolutionFound, SolveStatus.ERROR),
        (pulp.LpStatusOptimal, None, SolveStatus.OPTIMAL),
    ],
)
def test_status_mapping(status, sol_status, expected):
    assert status_from_pulp(status, sol_status) is expected


def test_cbc_time_limit_line_maps_to_feasible_not_proven(tmp_path):
    # What CBC writes when -sec stops it with an incumbent, read by PuLP's own parser.
    path = tmp_path / "stopped.sol"
    path.write_text("Stopped on time - objective value 1234.5\n")
    status, sol_status = make_solver("cbc").get_status(str(path))
    assert status_from_pulp(status, sol_status) is SolveStatus.FEASIBLE_NOT_PROVEN_OPTIMAL


def hard_knapsack(n: int = 300, m: int = 8, seed: int = 3) -> pulp.LpProblem:
    rng = np.random.default_rng(seed)
    problem = pulp.LpProblem("knapsack", pulp.LpMaximize)
    xs = [problem.add_variable(f"x{i}", 0, 1, pulp.LpBinary) for i in range(n)]
    weights = rng.integers(1000, 2000, size=(m, n))
    value = weights.mean(axis=0) + rng.integers(0, 20, n)
    problem.setObjective(pulp.LpAffineExpression(list(zip(xs, value.tolist()))))
    for j in range(m):
        problem.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(list(zip(xs, weights[j].tolist()))),
                                                pulp.LpConstraintLE, f"cap{j}", float(weights[j].sum() / 2)))
    return problem


@pytest.mark.parametrize("solver", SOLVERS)
def test_time_limited_milp_is_not_reported_optimal(solver):
    problem = hard_knapsack()
    status = solve_problem(problem, make_solver(solver, time_limit=0.3))
    assert status in (SolveStatus.FEASIBLE_NOT_PROVEN_OPTIMAL, SolveStatus.NOT_SOLVED)
    if status is SolveStatus.FEASIBLE_NOT_PROVEN_OPTIMAL:
        assert problem.status == pulp.LpStatusOptimal  # what PuLP alone would have said
        assert problem.sol_status == pulp.LpSolutionIntegerFeasible


# --------------------------------------------------------------------------- outputs


def test_to_dict_is_json_ready_and_summary_mentions_binding():
    sol = solve_policy(table(ABC), Constraints(budget=350, agent_minutes=700, moral_hazard_cost=0.1))
    data = json.loads(json.dumps(sol.to_dict(), allow_nan=False))
    assert data["status"] == "OPTIMAL"
    assert {c["name"] for c in data["constraints"]} >= {"budget", "agent_minutes", "assign[A]", "chronic_vs[C >= 50%]"}
    assert all({"sense", "rhs", "slack", "dual"} <= set(c) for c in data["constraints"])
    assert data["binding"] == list(sol.binding)
    assert len(data["reduced_costs"]) == sol.shares.height
    assert data["duals"]["budget"] == pytest.approx(row(sol, "budget")["dual"])
    text = sol.summary()
    assert "OPTIMAL" in text and "budget" in text
    assert set(sol.shares.columns[:5]) == {"segment", "offer", "discount", "installments", "share"}
    assert "npv_se" in sol.shares.columns and "break_rate" in sol.shares.columns


def test_solver_names():
    assert SOLVER_NAMES == ("cbc", "highs", "highs-ipm")
    sol = solve_policy(table(AB), BOTH, solver="highs-ipm")
    assert sol.objective == pytest.approx(2600)
    assert row(sol, "budget")["dual"] == pytest.approx(34 / 19)


def test_time_limited_lp_without_a_feasible_point_is_not_solved():
    # HiGHS stopped by the clock in the middle of simplex has no feasible primal point; PuLP
    # maps kTimeLimit to "Optimal / integer feasible" regardless, the factory's HiGHS does not.
    coef = random_table(np.random.default_rng(1), 60, 100)
    model = build_model(coef, Constraints(budget=1e5, agent_minutes=1e5))
    status = solve_problem(model.problem, make_solver("highs", time_limit=1e-4))
    assert status is not SolveStatus.OPTIMAL
    info = model.problem.solverModel.getInfo()
    if int(info.primal_solution_status) != 2:  # kSolutionStatusFeasible
        assert status is SolveStatus.NOT_SOLVED
