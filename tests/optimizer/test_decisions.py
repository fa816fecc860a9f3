"""Hand-solved LPs for the decision details: weekly capacity, two-sided duals, tie-break, chance margins."""
from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from optimizer.lp import Constraints, build_model, solve_policy
from optimizer.margins import row_sd
from optimizer.solve import tie_z
from optimizer.stability import stability

from ._tables import AB, SOLVERS, table


def share(sol, segment: str, offer: str) -> float:
    return sol.shares.filter((pl.col("segment") == segment) & (pl.col("offer") == offer))["share"].item()


def row(sol, name: str) -> dict:
    return sol.constraints.filter(pl.col("name") == name).row(0, named=True)


# A/B (see _tables.py): objective = 1700 + 1000a + 600b with a = x[A,a1], b = x[B,b1].
# Weekly minutes: A's offers call in week 0 (a0 1, a1 2 minutes per debtor), B's in week 1
# (b0 1, b1 3). Week 0 has 150 minutes: 100 + 100a <= 150, so a <= 0.5 and week 0 is the
# bottleneck; week 1 has 1000: 200 + 400b <= 1000 never binds. Optimum a = 0.5, b = 1,
# objective 2800; one more minute in week 0 buys 1/100 of a: dual 1000/100 = 10 R$ per minute
# on both sides (the basis does not change), week 1's dual is 0.
WEEKS = {"a0": (1.0, 0.0), "a1": (2.0, 0.0), "b0": (0.0, 1.0), "b1": (0.0, 3.0)}


def weekly_table() -> pl.DataFrame:
    t = table(AB)
    w0 = [WEEKS[o][0] for o in t["offer"]]
    w1 = [WEEKS[o][1] for o in t["offer"]]
    return t.with_columns(pl.Series("minutes_w00", w0), pl.Series("minutes_w01", w1),
                          (pl.Series("minutes", w0) + pl.Series("minutes", w1)).alias("minutes"))


@pytest.mark.parametrize("solver", SOLVERS)
def test_weekly_capacity_has_the_hand_solved_duals(solver):
    sol = solve_policy(weekly_table(), Constraints(agent_minutes_by_week=(150.0, 1000.0), agent_minutes=1e9),
                       solver=solver)
    assert sol.objective == pytest.approx(2800)
    assert share(sol, "A", "a1") == pytest.approx(0.5) and share(sol, "B", "b1") == pytest.approx(1.0)
    w0, w1 = row(sol, "agent_minutes[w00]"), row(sol, "agent_minutes[w01]")
    assert w0["binding"] and not w1["binding"]
    assert w0["dual"] == pytest.approx(10) and w0["dual_up"] == pytest.approx(10) and w0["dual_down"] == pytest.approx(10)
    assert w1["dual"] == pytest.approx(0)
    assert not row(sol, "agent_minutes")["binding"]  # the horizon total (1e9 minutes) stays beside the weeks
    # the horizon total alone (1150 minutes) would not see the bottleneck: a = 1
    total = solve_policy(weekly_table(), Constraints(agent_minutes=1150.0), solver=solver)
    assert share(total, "A", "a1") == pytest.approx(1.0)


def _objective(budget=None, minutes=None, solver="highs") -> float:
    return solve_policy(table(AB), Constraints(budget=budget, agent_minutes=minutes), solver=solver).objective


@pytest.mark.parametrize("solver", SOLVERS)
def test_degenerate_rows_report_both_sides_checked_by_finite_differences(solver):
    # Budget 100 alone: a = 0, b = 1 uses it exactly (b's assignment is tight too). Raising it
    # buys a at 2 per R$, lowering it gives up b at 6 per R$.
    sol = solve_policy(table(AB), Constraints(budget=100), solver=solver)
    b = row(sol, "budget")
    up = _objective(101, solver=solver) - sol.objective
    down = sol.objective - _objective(99, solver=solver)
    assert (up, down) == (pytest.approx(2), pytest.approx(6))
    assert b["dual_up"] == pytest.approx(up, rel=1e-4) and b["dual_down"] == pytest.approx(down, rel=1e-4)
    # Budget 100 and 700 agent minutes bind together at a = 0, b = 1 (300 + 400 = 700). More
    # minutes alone are worth nothing (a needs budget too). With one minute fewer both rows
    # still bind: 500a + 100b = 100 and 100a + 400b = 399 give a = 1/1900, b = 1 - 5/1900,
    # objective down by 2000/1900 = 20/19 R$ per minute.
    sol = solve_policy(table(AB), Constraints(budget=100, agent_minutes=700), solver=solver)
    m = row(sol, "agent_minutes")
    up = _objective(100, 701, solver) - sol.objective
    down = sol.objective - _objective(100, 699, solver)
    assert up == pytest.approx(0, abs=1e-6) and down == pytest.approx(20 / 19, rel=1e-4)
    assert m["dual_up"] == pytest.approx(up, abs=1e-4) and m["dual_down"] == pytest.approx(down, rel=1e-4)
    assert "loosening is worth nothing" in m["note"]
    assert "agent_minutes" in sol.summary() and "worth nothing" in sol.summary()


# Tie-break: segment T has a0 (0%, 1 payment) and a1 (10%) whose objectives differ by 0.01 R$
# per debtor, with a paired standard error of 0.5: within noise, so a0 (less give-away). With
# a 5 R$ gap a1 is clearly better and wins. t6 repeats a0 in 6 payments: fewer installments win.
def tie_table(gap: float) -> pl.DataFrame:
    rows = [("T", "a0", 0.0, 1, 100, 10.0, 1.0, 0.0, 1.0, 2.0, False, "X"),
            ("T", "t6", 0.0, 6, 100, 10.0, 1.0, 0.0, 1.0, 2.0, False, "X"),
            ("T", "a1", 0.1, 1, 100, 10.0 + gap, 1.0, 1.0, 1.0, 2.0, False, "X")]
    return table(rows).with_columns(pl.lit(0.5).alias("net_diff_se"))


@pytest.mark.parametrize("solver", SOLVERS)
def test_tie_break_prefers_less_give_away_then_fewer_installments(solver):
    near = solve_policy(tie_table(0.01), Constraints(), solver=solver)
    assert share(near, "T", "a0") == pytest.approx(1.0)
    assert near.tie_break["tolerance"] == pytest.approx(1.96 * 50.0)  # 1.96 N tau = 1.96 x 100 x 0.5
    assert tie_z(3) == pytest.approx(norm.ppf(1 - 0.0125))  # offers within noise: familywise over 2 comparisons
    assert near.objective == pytest.approx(900.0)
    plain = solve_policy(tie_table(0.01), Constraints(tie_break=False), solver=solver)
    assert share(plain, "T", "a1") == pytest.approx(1.0)
    clear = solve_policy(tie_table(5.0), Constraints(), solver=solver)
    assert share(clear, "T", "a1") == pytest.approx(1.0)


def test_chance_margin_is_z_times_the_hand_standard_deviation():
    # One segment, one offer: give 5 +- se 0.1 over 400 simulated debtors (sd 2), N = 100:
    # Var = (100 x 0.1)^2 + 100 x 2^2 = 500; margin at 95% = 1.6449 x sqrt(500).
    t = table([("A", "a1", 0.3, 6, 100, 20.0, 1.0, 5.0, 2.0, 6.0, False, "X")]).with_columns(
        pl.lit(0.1).alias("give_se"), pl.lit(400).alias("samples"))
    model = build_model(t, Constraints(budget=1000.0))
    assert row_sd(model, "budget", np.array([1.0])) == pytest.approx(math.sqrt(500))
    sol = solve_policy(t, Constraints(budget=1000.0, confidence=0.95))
    assert row(sol, "budget")["margin"] == pytest.approx(norm.ppf(0.95) * math.sqrt(500))
    assert row(sol, "budget")["rhs"] == pytest.approx(1000 - norm.ppf(0.95) * math.sqrt(500))
    assert row(sol, "budget")["limit"] == pytest.approx(1000)


def test_a_binding_budget_keeps_its_margin():
    # A/B with give-away se 10% of the mean: the 95% budget leaves room for the noise.
    t = table(AB).with_columns((pl.col("give") * 0.1).alias("give_se"), pl.lit(1000).alias("samples"))
    mean = solve_policy(t, Constraints(budget=300))
    safe = solve_policy(t, Constraints(budget=300, confidence=0.95))
    assert mean.give_away == pytest.approx(300)
    model = safe.model
    x = safe.shares["share"].to_numpy()
    assert safe.give_away + norm.ppf(0.95) * row_sd(model, "budget", x) <= 300 + 1e-6
    assert safe.give_away < 300


def test_stability_of_a_clear_choice_and_of_a_coin_flip():
    # T's a1 is 5 R$ better with bootstrap replicates that never reverse it; U's two offers
    # swap places from one replicate to the next.
    rng = np.random.default_rng(1)
    rows = [("T", "a0", 0.0, 1, 100, 10.0, 1.0, 0.0, 1.0, 2.0, False, "X"),
            ("T", "a1", 0.2, 1, 100, 15.0, 1.0, 1.0, 1.0, 2.0, False, "X"),
            ("U", "u0", 0.0, 1, 100, 10.0, 1.0, 0.0, 1.0, 2.0, False, "Y"),
            ("U", "u1", 0.3, 1, 100, 10.0, 1.0, 0.0, 1.0, 2.0, False, "Y")]
    t = table(rows)
    noise = {"a0": 0.1, "a1": 0.1, "u0": 2.0, "u1": 2.0}
    boot = {c: [] for c in ("npv_boot", "cost_boot", "give_boot", "cash30_boot")}
    for r in t.iter_rows(named=True):
        boot["npv_boot"].append((r["npv"] + noise[r["offer"]] * rng.standard_normal(30)).tolist())
        boot["cost_boot"].append([r["cost"]] * 30)
        boot["give_boot"].append([r["give"]] * 30)
        boot["cash30_boot"].append([r["cash30"]] * 30)
    t = t.with_columns([pl.Series(k, v) for k, v in boot.items()])
    cons = Constraints(tie_break=False)
    sol = solve_policy(t, cons)
    st = {r["segment"]: r for r in stability(t, cons, sol).iter_rows(named=True)}
    assert st["T"]["win_share"] == 1.0 and st["T"]["limit_low"] == st["T"]["limit_high"] == pytest.approx(0.2)
    assert 0.2 < st["U"]["win_share"] < 0.8
    assert st["U"]["limit_low"] == pytest.approx(0.0) and st["U"]["limit_high"] >= 0.3 - 1e-9
    # the replicates re-solved on two worker processes: the same table
    assert stability(t, cons, sol, workers=2).equals(stability(t, cons, sol))


def test_the_lp_lists_its_variables_as_pulp_would():
    # OfferProblem keeps the sorted list between calls; rows and objectives added later still count
    import pulp
    model = build_model(table(AB), Constraints(budget=300))
    problem = model.problem
    walked = lambda: sorted({v.name for v in problem.objective} | {v.name for c in problem.constraints.values() for v in c})
    assert [v.name for v in problem.variables()] == walked()
    extra = pulp.LpVariable("zz_extra", 0)
    problem.addConstraint(pulp.LpConstraint(extra + model.variables[0], pulp.LpConstraintLE, "extra", 1.0), "extra")
    assert "zz_extra" in [v.name for v in problem.variables()]
    other = pulp.LpVariable("aa_other", 0)
    problem.setObjective(pulp.LpAffineExpression([(other, 1.0)]))
    names = [v.name for v in problem.variables()]
    assert names[0] == "aa_other" and names == sorted(names) and len(names) == len(set(names))


# Indifference zone: segment Z, 100 debtors, objectives per debtor (npv - cost) a0 96
# (0%, 1 payment), z6 99.5 (0%, 6 payments), a1 100 (10%), a2 60 (20%). Z = 100 x 100, so
# the 0.1%-of-the-portfolio stake is 0.1 per debtor and delta = max(share x 100, 0.1).
def zone_table(best: float = 100.0) -> pl.DataFrame:
    rows = [("Z", "a0", 0.0, 1, 100, 97.0, 1.0, 0.0, 1.0, 2.0, False, "X"),
            ("Z", "z6", 0.0, 6, 100, 100.5, 1.0, 0.0, 1.0, 2.0, False, "X"),
            ("Z", "a1", 0.1, 1, 100, best + 1.0, 1.0, 5.0, 1.0, 2.0, False, "X"),
            ("Z", "a2", 0.2, 1, 100, 61.0, 1.0, 9.0, 1.0, 2.0, False, "X")]
    return table(rows)


@pytest.mark.parametrize("solver", SOLVERS)
def test_indifference_zone_takes_the_smallest_discount_then_the_fewest_installments(solver):
    # 1%: delta 1, zone {a1, z6}: the smallest discount is 0%, z6; it gives up 0.5 x 100.
    one = solve_policy(zone_table(), Constraints(indifference=0.01), solver=solver)
    assert share(one, "Z", "z6") == pytest.approx(1.0)
    assert one.objective == pytest.approx(9950.0)
    assert one.tie_break["rule"] == "indifference" and one.tie_break["tolerance"] == pytest.approx(100.0)
    # 5%: delta 5, zone {a1, z6, a0}: 0%, and one payment before six
    five = solve_policy(zone_table(), Constraints(indifference=0.05), solver=solver)
    assert share(five, "Z", "a0") == pytest.approx(1.0)
    # a clearly better offer (a1 at 110, delta 1.1) wins alone
    clear = solve_policy(zone_table(110.0), Constraints(indifference=0.01), solver=solver)
    assert share(clear, "Z", "a1") == pytest.approx(1.0)


def test_indifference_zone_keeps_every_row():
    # a budget of 300 R$ (give 5 per debtor for a1) allows 60% on a1; the zone offers are worth
    # the same, so the LP needs no discount at all there: z6 for the whole segment, budget slack.
    sol = solve_policy(zone_table(), Constraints(indifference=0.01, budget=300.0))
    assert share(sol, "Z", "z6") == pytest.approx(1.0)
    assert sol.give_away == pytest.approx(0.0, abs=1e-3)
    with pytest.raises(ValueError, match="indifference"):
        Constraints(indifference=1.5)


def test_the_limit_interval_is_a_prediction_interval_for_another_estimate():
    from optimizer.stability import prediction_interval
    # replicates at 0.30 except three at 0.35 and one at 0.25: |L_i - L_j| is 0.05 or 0.10 in
    # 2 x (3 x 26 + 26 + 3) / 870 = 24.6% of the ordered pairs, 0.10 in 6/870: the 95% quantile is 0.05
    reps = np.array([0.30] * 26 + [0.35] * 3 + [0.25])
    assert prediction_interval(0.30, reps, 0.6) == pytest.approx((0.25, 0.35))
    # all replicates equal: the point, unless the replicates themselves sit elsewhere
    assert prediction_interval(0.30, np.full(30, 0.30), 0.6) == pytest.approx((0.30, 0.30))
    assert prediction_interval(0.0, np.array([0.0] * 20 + [0.60] * 10), 0.6) == pytest.approx((0.0, 0.6))


def test_rows_carry_both_policies_when_the_tie_break_moves_the_shares():
    # the tie-break publishes a0 (no give-away) where the optimum had a1 (100 debtors x 1 R$):
    # the budget row's activity and slack are the published policy's, the optimum's beside them
    sol = solve_policy(tie_table(0.01), Constraints(budget=1000.0))
    assert share(sol, "T", "a0") == pytest.approx(1.0)
    b = row(sol, "budget")
    assert b["activity"] == pytest.approx(0.0) and b["slack"] == pytest.approx(b["rhs"])
    assert b["activity_optimum"] == pytest.approx(100.0) and b["slack_optimum"] == pytest.approx(b["slack"] - 100.0)
    saved = next(c for c in sol.to_dict()["constraints"] if c["name"] == "budget")
    assert saved["activity_optimum"] == pytest.approx(100.0)
    plain = solve_policy(tie_table(0.01), Constraints(budget=1000.0, tie_break=False))
    p = row(plain, "budget")
    assert p["activity"] == p["activity_optimum"] == pytest.approx(100.0)
