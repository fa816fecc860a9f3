"""Capacity by week: called / not-called columns, one row per week, the dialler's queue.

Hand-solved LP (two segments, two weeks). A (100 debtors): called ``a`` nets 20 per debtor
and takes 2 minutes in week 0; not called ``a_nc`` nets 12. B (100): called ``b`` nets 15
and takes 1 minute in week 1; ``b_nc`` nets 10. With a, b the called shares:
objective = 2200 + 800a + 500b; a's calls are worth 800 / 200 = 4 R$ a minute, b's 5.
Capacity (100, 150) minutes.

* Each week on its own (no queue): 200a <= 100, 100b <= 150, so b = 1, a = 0.5, objective
  3100; week 0 is the bottleneck, its dual 4 on both sides, week 1's dual 0.
* With the queue (calls demanded in week 0 and not made wait for week 1): 200a - q <= 100,
  100b + q <= 150 (nothing queued after the last week), so b = 1, q = 50, a = 0.75,
  objective 3300; both weeks bind with dual 4 (a minute in either week serves a's calls),
  up to the queue's charge of 1e-4 R$ a queued minute (optimizer.build.QUEUE_CHARGE).
  One more agent of 10 adds (10, 15) minutes: by the duals 4 x 10 + 4 x 15 = 100, and
  re-solved a = 0.875, +100.
* An ample pool (1000, 1000): everyone called, duals 0.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

from acordo.pipeline import prepare
from optimizer.coefficients import estimate_coefficients
from optimizer.assignment import assign_offers
from optimizer.build import QUEUE_CHARGE as Q
from optimizer.lp import Constraints, solve_policy
from optimizer.occupied import occupied, without_empty
from optimizer.optimize import constraints_for, policy_from_solution
from optimizer.weekly import NOT_CALLED_OFFERS, allocates, capacity_value
from scenarios.schema import OfferShare, Policy, SegmentPolicy
from simulation.model import OfferPlan

from ._tables import SOLVERS

ROOT = Path(__file__).resolve().parents[2]

# segment, offer, calls, npv, minutes week 0, minutes week 1
_ROWS = [("A", "a", True, 21.0, 2.0, 0.0), ("A", "a_nc", False, 13.0, 0.0, 0.0),
         ("B", "b", True, 16.0, 0.0, 1.0), ("B", "b_nc", False, 11.0, 0.0, 0.0)]


def weekly_table() -> pl.DataFrame:
    return pl.DataFrame({
        "segment": [r[0] for r in _ROWS], "offer": [r[1] for r in _ROWS], "calls": [r[2] for r in _ROWS],
        "discount": [0.1] * 4, "installments": [1] * 4, "n_debtors": [100] * 4,
        "npv": [r[3] for r in _ROWS], "cost": [1.0] * 4, "give": [0.0] * 4,
        "minutes": [r[4] + r[5] for r in _ROWS], "minutes_w00": [r[4] for r in _ROWS],
        "minutes_w01": [r[5] for r in _ROWS], "cash30": [0.0] * 4, "chronic": [False] * 4, "risk_band": ["X", "X", "Y", "Y"],
    })


def _share(sol, offer: str) -> float:
    return sol.shares.filter(pl.col("offer") == offer)["share"].item()


def _row(sol, name: str) -> dict:
    return sol.constraints.filter(pl.col("name") == name).row(0, named=True)


@pytest.mark.parametrize("solver", SOLVERS)
def test_each_week_alone_has_the_hand_solved_bottleneck(solver):
    sol = solve_policy(weekly_table(), Constraints(agent_minutes_by_week=(100.0, 150.0)), solver=solver)
    assert sol.objective == pytest.approx(3100)
    assert _share(sol, "a") == pytest.approx(0.5) and _share(sol, "a_nc") == pytest.approx(0.5)
    assert _share(sol, "b") == pytest.approx(1.0)
    w0, w1 = _row(sol, "agent_minutes[w00]"), _row(sol, "agent_minutes[w01]")
    assert w0["binding"] and not w1["binding"]
    assert w0["dual"] == pytest.approx(4) and w1["dual"] == pytest.approx(0)
    if solver == "highs":
        assert w0["dual_up"] == pytest.approx(4) and w0["dual_down"] == pytest.approx(4)


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_queue_carries_week_0_calls_into_week_1(solver):
    cons = Constraints(agent_minutes_by_week=(100.0, 150.0), agent_queue=True)
    sol = solve_policy(weekly_table(), cons, solver=solver)
    assert sol.objective == pytest.approx(3300, abs=Q * 50)
    assert _share(sol, "a") == pytest.approx(0.75) and _share(sol, "b") == pytest.approx(1.0)
    w0, w1 = _row(sol, "agent_minutes[w00]"), _row(sol, "agent_minutes[w01]")
    assert w0["binding"] and w1["binding"]
    assert w0["dual"] == pytest.approx(4, abs=2 * Q) and w1["dual"] == pytest.approx(4, abs=2 * Q)
    assert w0["activity"] == pytest.approx(100) and w1["activity"] == pytest.approx(150)  # minutes made each week
    if solver != "highs":
        return
    for w in (w0, w1):
        assert w["dual_up"] == pytest.approx(4, abs=2 * Q) and w["dual_down"] == pytest.approx(4, abs=2 * Q)
    # one more agent of ten adds (10, 15) minutes
    model = SimpleNamespace(scenario=SimpleNamespace(agents=SimpleNamespace(count=10)),
                            calendar=SimpleNamespace(agent_minutes=np.array([10 / 7] * 7 + [15 / 7] * 7)))
    value = capacity_value(weekly_table(), cons, sol, model)
    agent = value["one_more_agent"]
    assert agent["by_duals"] == pytest.approx(100, abs=1e-2) and agent["resolved"] == pytest.approx(100, abs=1e-2)
    assert agent["within_ranging"] and agent["bottleneck_weeks"] == [0, 1]
    assert [w["agent_minutes"] for w in value["weeks"]] == pytest.approx([10, 15])
    # the dialler's queue at the published shares: 150 minutes demanded in week 0, 100 made, 50 wait
    assert [w["demanded"] for w in value["weeks"]] == pytest.approx([150, 100])
    assert [w["planned"] for w in value["weeks"]] == pytest.approx([100, 150])
    assert [w["queued"] for w in value["weeks"]] == pytest.approx([50, 0])


def test_an_ample_pool_calls_everyone_at_zero_duals():
    sol = solve_policy(weekly_table(), Constraints(agent_minutes_by_week=(1000.0, 1000.0), agent_queue=True))
    assert sol.objective == pytest.approx(3500)
    assert _share(sol, "a") == pytest.approx(1.0) and _share(sol, "b") == pytest.approx(1.0)
    assert all(_row(sol, f"agent_minutes[w0{k}]")["dual"] == pytest.approx(0) for k in (0, 1))


# ------------------------------------------------------------------ on the simulator

_SETTINGS = {"portfolio.synthetic_n": 4000, "optimizer.sample_per_segment": 200, "optimizer.capacity_by_week": True,
             "offers.discounts": [0.0, 0.1, 0.3], "offers.installments": [1, 6], "optimizer.budget_share": -1.0}


def _book(agents: int):
    book = prepare(ROOT / "scenarios" / "base.toml", settings={**_SETTINGS, "agents.count": agents})
    coef = estimate_coefficients(book.model, seed=4, unlimited_agents=True, not_called=NOT_CALLED_OFFERS)
    lp = occupied(coef.filter(pl.col("in_catalogue")))
    cons = without_empty(constraints_for(book.model, coef), lp)
    return book, coef, lp, cons, solve_policy(lp, cons)


@pytest.fixture(scope="module")
def tight():
    return _book(1)


def test_a_tight_pool_leaves_the_low_value_share_uncalled(tight):
    book, coef, lp, cons, sol = tight
    assert allocates(coef) and cons.agent_queue and cons.agent_minutes is None
    assert len(cons.agent_minutes_by_week) == -(-book.model.calendar.horizon // 7)
    weeks = sol.constraints.filter(pl.col("name").str.starts_with("agent_minutes[w"))
    assert (weeks["binding"] & (weeks["dual"] > 1e-6)).any()
    shares = sol.shares.filter(pl.col("share") > 1e-7)
    assert (~shares["calls"]).any()  # some share is not called
    plan = OfferPlan.from_policy(policy_from_solution(sol, book.model), book.scenario)
    assert plan.no_calls is not None and any(any(f) for f in plan.no_calls)


def test_an_ample_pool_calls_every_segment_whose_calls_pay(tight):
    book, coef, lp, cons, sol = _book(2000)
    weeks = sol.constraints.filter(pl.col("name").str.starts_with("agent_minutes[w"))
    assert weeks["dual"].abs().max() == pytest.approx(0, abs=1e-9)
    assert not weeks["binding"].any()
    # a segment is left uncalled only where its calls cost more than they bring (chronic ones,
    # with the cost of the agents' minutes): the tight pool leaves more of the book uncalled
    def uncalled(s):
        x = s.shares
        return float((x["share"] * x["n_debtors"] * ~x["calls"]).sum())
    assert uncalled(sol) < uncalled(tight[4])
    for seg in sol.shares.filter((pl.col("share") > 1e-7) & ~pl.col("calls"))["segment"].unique():
        rows = lp.filter(pl.col("segment") == seg).with_columns(v=pl.col("npv") - pl.col("cost"))
        best_called = rows.filter(pl.col("calls"))["v"].max()
        best_uncalled = rows.filter(~pl.col("calls"))["v"].max()
        assert best_uncalled >= best_called - 2 * rows["net_diff_se"].max()


def test_the_treatment_carries_the_not_called_share(tight):
    book = tight[0]
    sc = book.scenario
    seg = sc.segment_names[0]
    mix = SegmentPolicy((OfferShare(0.1, 1, 0.25), OfferShare(0.1, 1, 0.75, calls=False)))
    policy = Policy(offers=sc.baseline.offers, segments={seg: mix})
    ids = book.inputs.portfolio.frame["debtor_id"]
    arm = np.ones(book.model.n, np.int32)
    offers = assign_offers(ids, book.model.seg, arm, sc, (sc.baseline, policy), key=b"test")
    mine = book.model.seg == 0
    assert offers.calls[~mine].all()
    assert abs((~offers.calls[mine]).mean() - 0.75) <= 1.0 / mine.sum()
